import type { Collection, Document } from 'mongodb';

/** The fields of a scoring record a reminder needs. */
const PROJECTION = { _id: 0, globalUserId: 1, phone: 1, email: 1, locale: 1, codes: 1 } as const;

/**
 * Pages (keyset on `globalUserId`, unique per campaign) through the scoring records of a
 * market's winners: `verdict: true`, a code for the market and a `+1` phone number (stored as
 * a string or as `{ number }`). Scoring records name their campaign in `campaign_id`, as
 * Entry Service stores them.
 */
export async function* winnerPages(
  scoring: Collection<Document>,
  campaignId: string,
  marketId: string,
  pageSize: number,
): AsyncGenerator<Document[]> {
  let after = '';
  for (;;) {
    const page = await scoring
      .find(
        {
          campaign_id: campaignId,
          verdict: true,
          'codes.marketId': marketId,
          $or: [{ phone: /^\+1/ }, { 'phone.number': /^\+1/ }],
          // $gt on a string also skips records without a string globalUserId.
          globalUserId: { $gt: after },
        },
        { projection: PROJECTION, sort: { globalUserId: 1 }, limit: pageSize },
      )
      .toArray();
    if (page.length > 0) {
      yield page;
    }
    if (page.length < pageSize) {
      return;
    }
    after = String(page[page.length - 1].globalUserId);
  }
}
