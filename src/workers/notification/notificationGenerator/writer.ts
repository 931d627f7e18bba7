import type { DemandTable } from '../../../shared/aws/demandTable';
import { mapLimit } from '../../../shared/util/mapLimit';
import type { ReminderRecord } from './reminders';

/** What happened to one reminder: written now, already in the table (left as it is), or not written. */
export type WriteStatus = 'written' | 'existing' | 'failed';

export interface WriteOutcome {
  written: number;
  /** Reminders that were already in the table (failed condition) and were left as they are. */
  existing: number;
  /** Reminders not written: the put failed after the SDK's retries, or was not tried after a failure. */
  failed: number;
  /** The status of each record, in the order given. */
  statuses: WriteStatus[];
  /** The first error met, for the log. */
  firstError?: unknown;
}

/**
 * Puts in flight at once. The reminders of a page go to as many partitions as there are fans,
 * so the table's per-partition limits are not the bound; this keeps a 15,000-fan page to a few
 * seconds (about 10 ms a put in AWS) within the SDK's default pool of 50 sockets.
 */
const CONCURRENCY = 32;

const keyText = (item: { PK: string; SK: string }) => `${item.PK}\u0000${item.SK}`;

/**
 * Writes each reminder with one conditional put (`attribute_not_exists(PK)`, DECISIONS [24]),
 * so of two runs that overlap exactly one writes it and the other finds it existing; an
 * existing reminder (one the sender may have moved on) is never overwritten. BatchWrite cannot
 * carry a condition; TransactWrite could, but one existing item cancels the whole transaction
 * (and a rerun over a half-written market finds many), it costs two write units per item, and
 * overlapping transactions fail each other with conflicts instead of answering "exists".
 * After the first failed put no new put is started (a table that throttles or is down would
 * only fail the rest too); those not tried count as failed and the next run tries them again.
 * Records with the same key are written once; the repeats count as existing.
 */
export async function writeReminders(table: Pick<DemandTable, 'putIfAbsent'>, records: ReminderRecord[]): Promise<WriteOutcome> {
  const statuses: WriteStatus[] = new Array<WriteStatus>(records.length).fill('failed');
  const firstOfKey = new Map<string, number>();
  const toWrite: number[] = [];
  const repeats: Array<[index: number, first: number]> = [];
  records.forEach((record, index) => {
    const first = firstOfKey.get(keyText(record));
    if (first === undefined) {
      firstOfKey.set(keyText(record), index);
      toWrite.push(index);
    } else {
      repeats.push([index, first]);
    }
  });
  let failed = false;
  let firstError: unknown;
  await mapLimit(toWrite, CONCURRENCY, async (index) => {
    if (failed) {
      return;
    }
    try {
      statuses[index] = (await table.putIfAbsent(records[index])) ? 'written' : 'existing';
    } catch (error) {
      firstError = failed ? firstError : error;
      failed = true;
    }
  });
  for (const [index, first] of repeats) {
    statuses[index] = statuses[first] === 'failed' ? 'failed' : 'existing';
  }
  const count = (status: WriteStatus) => statuses.filter((s) => s === status).length;
  return {
    written: count('written'),
    existing: count('existing'),
    failed: count('failed'),
    statuses,
    ...(failed ? { firstError } : {}),
  };
}
