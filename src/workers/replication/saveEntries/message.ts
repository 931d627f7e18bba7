import type { TableKey } from '../../../shared/aws/keys';
import type { ChangeOperation } from '../../../shared/runtime';
import { RejectedRecordError, quote } from '../../../shared/runtime';
import { sanitise } from '../../../shared/util/sanitise';

/** A save-entries message, checked and reduced to what replication needs. */
export interface SaveEntryRecord {
  operation: ChangeOperation;
  /** The image to replicate: the new one for INSERT/MODIFY, the removed one for REMOVE. */
  entry: Record<string, unknown>;
  key: TableKey;
  campaignId: string;
  /** Entry Service's id of the fan: the entry's `userId`, else its `globalUserId` (DECISIONS.md [8]). */
  userId: string;
  /** `date.updated` of the image, when it has one. */
  updated?: string;
}

const OPERATIONS: readonly string[] = ['INSERT', 'MODIFY', 'REMOVE'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * Reads a save-entries message body; anything replication cannot act on is rejected with the
 * reason. The entry is forwarded without prototype-reaching keys, and one nested deeper than
 * DynamoDB allows (32 levels) is rejected rather than failing its Entry Service request.
 */
export function parseSaveEntryMessage(body: unknown): SaveEntryRecord {
  if (!isObject(body) || !OPERATIONS.includes(String(body.operation))) {
    throw new RejectedRecordError('not a save-entries message (operation must be INSERT, MODIFY or REMOVE)');
  }
  const operation = body.operation as ChangeOperation;
  const entry = sanitise(operation === 'REMOVE' ? body.oldItem : body.newItem);
  if (!isObject(entry)) {
    throw new RejectedRecordError(`${operation} message has no ${operation === 'REMOVE' ? 'oldItem' : 'newItem'}`);
  }
  const PK = nonEmpty(entry.PK);
  const SK = nonEmpty(entry.SK);
  if (!PK || !SK) {
    throw new RejectedRecordError('entry has no PK/SK');
  }
  if (entry.type !== 'registration') {
    throw new RejectedRecordError(`item ${quote(PK)} ${quote(SK)} is not a registration`);
  }
  const campaignId = nonEmpty(entry.campaignId);
  const userId = nonEmpty(entry.userId) ?? nonEmpty(entry.globalUserId);
  if (!campaignId || !userId) {
    throw new RejectedRecordError(`entry ${quote(PK)} ${quote(SK)} has no campaignId or no userId/globalUserId`);
  }
  const updated = (entry.date as { updated?: unknown } | undefined)?.updated;
  return { operation, entry, key: { PK, SK }, campaignId, userId, ...(typeof updated === 'string' ? { updated } : {}) };
}
