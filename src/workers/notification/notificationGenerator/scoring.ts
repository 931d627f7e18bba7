import type { Collection, Document, ObjectId } from 'mongodb';
import { loadMongoDriver } from '../../../shared/mongo/driver';

/** The fields of a scoring record a reminder needs. */
const PROJECTION = { _id: 0, globalUserId: 1, phone: 1, email: 1, locale: 1, codes: 1 } as const;

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/**
 * The stored forms of a campaign id. Entry Service keys scoring records by `campaign_id`, typed
 * a string holding the campaign's ObjectId (DOMAIN 2.4, 6.2); a record written with the
 * ObjectId itself would otherwise never match, and its fan would silently get no reminder.
 * One `$in` on the same field keeps the `{ campaign_id, codes.marketId, globalUserId }` index usable.
 * Decision: `campaign_id` is read as a top-level field. DOMAIN 2.4 names the key
 * `{ campaign_id, globalUserId }` without saying whether it sits in `_id` (as the code documents'
 * `_id: { campaign_id, code }` does); if it does, this filter must read `_id.campaign_id`.
 */
export async function campaignIdForms(campaignId: string): Promise<Array<string | ObjectId>> {
  const { ObjectId } = await loadMongoDriver();
  return OBJECT_ID.test(campaignId) ? [campaignId, new ObjectId(campaignId)] : [campaignId];
}

/**
 * One page (keyset on `globalUserId`, unique per campaign, ascending) of the scoring records
 * of a market's winners after `after` ('' for the first page): `verdict: true`, a code for the
 * market and a `+1` phone number (stored as a string or as `{ number }`). The caller keeps the
 * last `globalUserId` it finished as the cursor of the next page, across runs.
 */
export async function winnerPage(
  scoring: Collection<Document>,
  campaignId: string,
  marketId: string,
  after: string,
  pageSize: number,
): Promise<Document[]> {
  return scoring
    .find(
      {
        campaign_id: { $in: await campaignIdForms(campaignId) },
        verdict: true,
        'codes.marketId': marketId,
        $or: [{ phone: /^\+1/ }, { 'phone.number': /^\+1/ }],
        // $gt on a string also skips records without a string globalUserId.
        globalUserId: { $gt: after },
      },
      { projection: PROJECTION, sort: { globalUserId: 1 }, limit: pageSize },
    )
    .toArray();
}
