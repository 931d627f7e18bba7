import type { DataType, TypedDataRecord } from '../../../../shared/dataPipeline';
import { buildDedupe, dedupeTimestamp } from '../dedupe';
import type { SourceRecord } from '../sourceRecord';
import { formatCampaign } from './campaign';
import { formatEventMapping } from './eventMapping';
import { formatMarket } from './market';
import { formatRegisteredMarket } from './registeredMarket';
import { formatRegistration, registeredMarkets } from './registration';
import { Shaper } from './shape';

export interface FormattedSource {
  /** The records to publish: one, or for a registration the registration and its registeredMarkets. */
  records: TypedDataRecord[];
  /** Source fields left out because they had the wrong kind of value (logged as a warning). */
  dropped: string[];
}

/**
 * Formats a source record to its schema shape and attaches `dedupe` (DECISIONS [18]); throws
 * RejectedRecordError when a required id is missing. `stableFallback` (ISO) stamps a record with
 * no time of its own; it must be the same on every delivery (the SQS `SentTimestamp`).
 */
export function formatSourceRecord(source: SourceRecord, stableFallback: string): FormattedSource {
  const s = new Shaper();
  const { data, isDeleted } = source;
  const timestamp = dedupeTimestamp(source, stableFallback);
  const dedupe = (type: DataType, hashed: object = data) => buildDedupe(type, hashed, isDeleted, timestamp);
  const records: TypedDataRecord[] = [];
  switch (source.type) {
    case 'campaign':
      records.push({ type: 'campaign', record: { ...formatCampaign(data, isDeleted, s), dedupe: dedupe('campaign') } });
      break;
    case 'market':
      records.push({ type: 'market', record: { ...formatMarket(data, isDeleted, s), dedupe: dedupe('market') } });
      break;
    case 'eventMapping':
      records.push({
        type: 'eventMapping',
        record: { ...formatEventMapping(data, isDeleted, s), dedupe: dedupe('eventMapping') },
      });
      break;
    case 'registeredMarket':
      records.push({
        type: 'registeredMarket',
        record: { ...formatRegisteredMarket(data, isDeleted, s), dedupe: dedupe('registeredMarket') },
      });
      break;
    case 'registration': {
      const registration = formatRegistration(data, isDeleted, s);
      records.push({ type: 'registration', record: { ...registration, dedupe: dedupe('registration') } });
      const ids = { campaignId: registration.campaignId, globalUserId: registration.globalUserId };
      for (const market of registeredMarkets(ids, data, isDeleted, source.previous)) {
        // Hashed over the registeredMarket itself: each market of one registration gets its own id.
        const rmDedupe = buildDedupe('registeredMarket', market, market.isDeleted === true, timestamp);
        records.push({ type: 'registeredMarket', record: { ...market, dedupe: rmDedupe } });
      }
      break;
    }
  }
  return { records, dropped: s.dropped };
}
