import type { EventMappingRecord } from '../../../../shared/dataPipeline';
import { RejectedRecordError } from '../../../../shared/runtime/errors';
import type { PlainObject } from '../../../../shared/util/sanitise';
import { isPlainObject } from '../../../../shared/util/sanitise';
import type { Shaper } from './shape';
import { compact, idOf } from './shape';

/**
 * An event mapping (market → Ticketmaster event ids; DECISIONS [20]). Accepts `eventIds`,
 * `event_ids`, a single `eventId`, or a market-like `event.ids`; a deletion without ids
 * publishes an empty list.
 */
export function formatEventMapping(
  data: PlainObject,
  isDeleted: boolean,
  s: Shaper,
): Omit<EventMappingRecord, 'dedupe'> {
  const campaignId = idOf(data.campaignId) ?? idOf(data.campaign_id);
  const marketId = idOf(data.marketId) ?? idOf(data.market_id);
  if (!campaignId || !marketId) {
    throw new RejectedRecordError(`eventMapping has no ${!campaignId ? 'campaignId' : 'marketId'}`);
  }
  const source =
    data.eventIds ??
    data.event_ids ??
    (data.eventId !== undefined && data.eventId !== null ? [data.eventId] : undefined) ??
    (isPlainObject(data.event) ? data.event.ids : undefined);
  const eventIds = s.strings(source, 'eventIds');
  if (!eventIds && !isDeleted) {
    throw new RejectedRecordError('eventMapping has no eventIds (data.eventIds, data.eventId or data.event.ids)');
  }
  return compact({
    campaignId,
    marketId,
    eventIds: eventIds ?? [],
    isDeleted: isDeleted ? true : s.bool(data.isDeleted, 'isDeleted'),
  });
}
