import type { RegisteredMarketRecord } from '../../../../shared/dataPipeline';
import { RejectedRecordError } from '../../../../shared/runtime/errors';
import type { PlainObject } from '../../../../shared/util/sanitise';
import type { Shaper } from './shape';
import { compact, idOf } from './shape';

/** A registeredMarket sent as such (producers other than registrations): ids and a rank ≥ 1 are required. */
export function formatRegisteredMarket(
  data: PlainObject,
  isDeleted: boolean,
  s: Shaper,
): Omit<RegisteredMarketRecord, 'dedupe'> {
  const campaignId = idOf(data.campaignId);
  const globalUserId = idOf(data.globalUserId) ?? idOf(data.global_user_id);
  const marketId = idOf(data.marketId);
  const missing = [!campaignId && 'campaignId', !globalUserId && 'globalUserId', !marketId && 'marketId'].filter(
    Boolean,
  );
  if (!campaignId || !globalUserId || !marketId) {
    throw new RejectedRecordError(`registeredMarket has no ${missing.join(', ')}`);
  }
  const rank = s.num(data.rank, 'rank');
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1) {
    throw new RejectedRecordError('registeredMarket rank must be an integer >= 1');
  }
  return compact({
    campaignId,
    globalUserId,
    marketId,
    rank,
    isDeleted: isDeleted ? true : s.bool(data.isDeleted, 'isDeleted'),
  });
}
