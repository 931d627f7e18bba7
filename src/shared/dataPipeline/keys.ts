import type { DataRecordByType, DataType } from './schemas';

/**
 * The Kafka message key of a record (DECISIONS [19]): campaign → campaignId; market → marketId;
 * eventMapping → campaignId:marketId; registeredMarket → campaignId:globalUserId:marketId;
 * registration → campaignId:globalUserId. Records with the same key land on the same partition,
 * so the consumers see one entity's changes in order.
 */
export function kafkaMessageKey<T extends DataType>(type: T, record: DataRecordByType[T]): string {
  // Every record has campaignId; the schema of each type requires the other ids its key uses.
  const r = record as { campaignId: string; marketId?: string; globalUserId?: string };
  switch (type) {
    case 'campaign':
      return r.campaignId;
    case 'market':
      return `${r.marketId}`;
    case 'eventMapping':
      return `${r.campaignId}:${r.marketId}`;
    case 'registeredMarket':
      return `${r.campaignId}:${r.globalUserId}:${r.marketId}`;
    case 'registration':
      return `${r.campaignId}:${r.globalUserId}`;
    default:
      throw new Error(`No message key rule for record type ${String(type)}`);
  }
}
