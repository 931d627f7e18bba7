import type { DemandTable, Item } from '../../../shared/aws/demandTable';
import type { BatchResult, Logger, RejectedRecord, SqsMessage } from '../../../shared/runtime';
import { formatError } from '../../../shared/runtime';
import type { EntryRef, EntryService, EntryUpsert } from '../../../shared/services/entries';
import { chunk } from '../../../shared/aws/batches';
import { stripSecrets } from '../../../shared/util/stripSecrets';
import { clearNeedsReplication } from './clearFlag';
import type { SaveEntryRecord } from './message';
import { judge } from './staleness';

export interface SaveEntriesDeps {
  table: Pick<DemandTable, 'get' | 'client' | 'tableName'>;
  entries: Pick<EntryService, 'batchWrite'>;
  /** Entries per Entry Service request (config `replication.entryServiceBatchSize`). */
  batchSize: number;
  log: Logger;
}

/** One entry to replicate and every message that asked for it (a batch may repeat a change). */
interface Replication {
  record: SaveEntryRecord;
  current: Item | undefined;
  messageIds: string[];
}

/**
 * The Entry Service payload of an entry: everything but the table's own attributes (DECISIONS.md
 * [8]; `traceparent`, the trace of the item's last write, is one) and any secret-named key (`logging.secretKeys`, at any depth: an IDV token a fan's form
 * carried is not Entry Service's to keep).
 */
export function toEntryUpsert(record: SaveEntryRecord): EntryUpsert {
  const { PK: _pk, SK: _sk, type: _type, needsReplication: _flag, traceparent: _trace, ...attributes } = record.entry;
  return { ...stripSecrets(attributes), campaignId: record.campaignId, userId: record.userId };
}

const itemId = (r: SaveEntryRecord) => `${r.key.PK}|${r.key.SK}`;
const replicationId = (r: SaveEntryRecord) => `${r.operation === 'REMOVE' ? 'delete' : 'put'}|${itemId(r)}`;

/** Reads each distinct item once, strongly consistent; a failed read is kept as its error. */
async function readCurrent(messages: SqsMessage<SaveEntryRecord>[], table: SaveEntriesDeps['table']) {
  const keys = new Map(messages.map(({ body }) => [itemId(body), body.key]));
  const results = await Promise.allSettled([...keys.values()].map((key) => table.get(key, true)));
  const byItem = new Map([...keys.keys()].map((id, i) => [id, results[i]]));
  return (record: SaveEntryRecord) => byItem.get(itemId(record))!;
}

/**
 * saveEntries (DOMAIN.md 4.4, DECISIONS.md [6]-[8]): replicates queued entry changes to Entry
 * Service. Each change is first checked against the item as the table holds it now: a stale
 * change is rejected (never retried), a failed read is retried. Changes go to Entry Service in
 * requests of `batchSize`; the user ids it names as failed, or every entry of a request that
 * failed as a whole, are retried. After a successful upsert `needsReplication` is cleared, on
 * condition that `date.updated` did not move. Replaying a message writes the same state again.
 */
export async function saveEntries(
  messages: SqsMessage<SaveEntryRecord>[],
  deps: SaveEntriesDeps,
): Promise<BatchResult> {
  const { log } = deps;
  const currentOf = await readCurrent(messages, deps.table);
  const failed: string[] = [];
  const rejected: RejectedRecord[] = [];
  const replications = new Map<string, Replication>();

  for (const { messageId, body } of messages) {
    const read = currentOf(body);
    if (read.status === 'rejected') {
      log.error('reading the current item failed; the message will be retried', {
        key: body.key,
        error: formatError(read.reason),
      });
      failed.push(messageId);
      continue;
    }
    const judgement = judge(body, read.value);
    if (!judgement.replicate) {
      rejected.push({ id: messageId, reason: judgement.reason });
      continue;
    }
    const seen = replications.get(replicationId(body));
    replications.set(replicationId(body), {
      record: body,
      current: read.value,
      messageIds: [...(seen?.messageIds ?? []), messageId],
    });
  }

  const counts = { upserted: 0, deleted: 0, cleared: 0, clearSkipped: 0 };
  for (const part of chunk([...replications.values()], deps.batchSize)) {
    const puts: EntryUpsert[] = [];
    const deletions: EntryRef[] = [];
    for (const { record } of part) {
      if (record.operation === 'REMOVE') {
        deletions.push({ campaignId: record.campaignId, userId: record.userId });
      } else {
        puts.push(toEntryUpsert(record));
      }
    }
    let failedUsers: Set<string>;
    try {
      const result = await deps.entries.batchWrite(puts, deletions);
      counts.upserted += result.upsertedCount;
      counts.deleted += result.deletedCount;
      failedUsers = new Set(result.failed);
      if (failedUsers.size > 0) {
        log.warn('Entry Service could not write some entries; they will be retried', { userIds: [...failedUsers] });
      }
    } catch (error) {
      log.error('Entry Service request failed; its entries will be retried', {
        entries: part.length,
        error: formatError(error),
      });
      failed.push(...part.flatMap((r) => r.messageIds));
      continue;
    }
    const outcomes = await Promise.all(
      part.map(async (r) => !failedUsers.has(r.record.userId) && (await clearFlag(r, deps, counts))),
    );
    part.forEach((r, i) => {
      if (!outcomes[i]) {
        failed.push(...r.messageIds);
      }
    });
  }
  return { failed, rejected, counts };
}

/**
 * Clears the flag of a replicated upsert whose item still carries it; false when that write
 * failed (the message is then retried: replicating again is harmless, the flag must not lie).
 */
async function clearFlag(
  replication: Replication,
  deps: SaveEntriesDeps,
  counts: { cleared: number; clearSkipped: number },
): Promise<boolean> {
  const { record, current } = replication;
  if (record.operation === 'REMOVE' || current?.needsReplication !== true) {
    return true;
  }
  try {
    if (await clearNeedsReplication(deps.table, record.key, record.updated)) {
      counts.cleared++;
    } else {
      counts.clearSkipped++;
      deps.log.info('needsReplication left set: the entry changed after it was replicated', { key: record.key });
    }
    return true;
  } catch (error) {
    deps.log.error('clearing needsReplication failed; the message will be retried', {
      key: record.key,
      error: formatError(error),
    });
    return false;
  }
}
