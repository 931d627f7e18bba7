import type { DemandTable } from '../../../shared/aws/demandTable';
import type { ReminderRecord } from './reminders';

export interface WriteOutcome {
  written: number;
  /** Reminders that were already in the table and were left as they are. */
  existing: number;
  /** Reminders DynamoDB left unprocessed after every retry. */
  failed: number;
}

/** BatchGetItem reads at most 100 keys. */
const SLICE = 100;
/** Slices in flight at once: enough to keep a 15,000-fan page well inside the Lambda timeout. */
const CONCURRENCY = 4;

const keyText = (item: { PK: string; SK: string }) => `${item.PK}\u0000${item.SK}`;

async function writeSlice(table: Pick<DemandTable, 'batchGet' | 'batchPut'>, records: ReminderRecord[]): Promise<WriteOutcome> {
  const present = new Set((await table.batchGet(records)).map(keyText));
  const missing = records.filter((r) => !present.has(keyText(r)));
  const { written, unprocessed } = await table.batchPut(missing);
  return { written, existing: records.length - missing.length, failed: unprocessed.length };
}

/**
 * Writes the reminders that are not in the table yet and leaves existing ones untouched
 * (DECISIONS [24]): BatchGet the keys first, then BatchWrite only the missing ones, retrying
 * unprocessed items. BatchWrite cannot be conditional, so a reminder written by another run
 * between the read and the write is overwritten with the same content (see docs/notification.md).
 * Records with the same key are written once.
 */
export async function writeMissingReminders(
  table: Pick<DemandTable, 'batchGet' | 'batchPut'>,
  records: ReminderRecord[],
): Promise<WriteOutcome> {
  const unique = [...new Map(records.map((r) => [keyText(r), r])).values()];
  const slices: ReminderRecord[][] = [];
  for (let i = 0; i < unique.length; i += SLICE) {
    slices.push(unique.slice(i, i + SLICE));
  }
  const total: WriteOutcome = { written: 0, existing: records.length - unique.length, failed: 0 };
  let next = 0;
  const lane = async () => {
    while (next < slices.length) {
      const outcome = await writeSlice(table, slices[next++]);
      total.written += outcome.written;
      total.existing += outcome.existing;
      total.failed += outcome.failed;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, slices.length) }, lane));
  return total;
}
