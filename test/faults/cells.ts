/**
 * How a suite runs its cells of the fault matrix, and the common shape of a batch-worker cell:
 * fault run → exactly the affected records reported, the others done → fault cleared → the
 * failed records delivered again as the trigger would → final state equal to a fault-free run.
 */
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import type { BatchItemFailuresResponse } from '../../src/shared/runtime/batch';
import type { Cell, Outcome, Suite } from './matrix';
import { MATRIX, cellId } from './matrix';

/** Runs one cell and returns what it observed. */
export type CellTest = () => Promise<Outcome>;

/**
 * Registers the suite's cells as tests, in the order of the matrix, plus a test that the suite
 * implements exactly its declared cells. Each cell test asserts its observed outcome is the
 * declared one.
 */
export function runSuite(suite: Suite, tests: Record<string, CellTest>): void {
  const cells: readonly Cell[] = MATRIX[suite];
  describe(`fault matrix: ${suite}`, () => {
    it('implements exactly the cells test/faults/matrix.ts declares for its workers', () => {
      expect(Object.keys(tests).sort()).toEqual(cells.map(cellId).sort());
    });
    for (const cell of cells) {
      const test = tests[cellId(cell)];
      it(cellId(cell), async () => {
        expect(test).toBeDefined();
        expect(await test()).toBe(cell.outcome);
      });
    }
  });
}

/** Effects of each record, by a stable key, normalized so two namespaces compare equal. */
export type Effects = Record<string, unknown[]>;

export interface BatchRun<E> {
  /** The event: records in order, with their effect keys (same index). */
  event: E;
  keys: string[];
}

export interface BatchCell<E extends SQSEvent | KinesisStreamEvent> {
  /** The records of this cell's namespace (their prerequisites seeded). */
  records: BatchRun<E>;
  /** Runs the worker's handler with the faulty collaborators (`faulty`) or the healthy ones. */
  run(event: E, faulty: boolean): Promise<BatchItemFailuresResponse>;
  /** Starts the fault; returns the function that ends it. */
  inject(): Promise<() => Promise<void> | void>;
  /** Keys of the records the fault must fail. */
  affected: readonly string[];
  observe(): Promise<Effects>;
  /** Effects of the same records after a fault-free run. */
  baseline: Effects;
}

const itemId = (record: SQSEvent['Records'][number] | KinesisStreamEvent['Records'][number]): string =>
  'messageId' in record ? record.messageId : record.kinesis.sequenceNumber;

/**
 * The event the trigger delivers after a partial failure. SQS redelivers exactly the failed
 * messages; a Kinesis mapping (ReportBatchItemFailures) resumes from the lowest failed
 * sequence number, so every later record of the batch comes again too.
 */
export function redelivery<E extends SQSEvent | KinesisStreamEvent>(event: E, failed: readonly string[]): E {
  const records = event.Records as (SQSEvent['Records'][number] | KinesisStreamEvent['Records'][number])[];
  const isStream = records.length > 0 && 'kinesis' in records[0];
  if (!isStream) {
    return { Records: records.filter((r) => failed.includes(itemId(r))) } as E;
  }
  const first = records.findIndex((r) => failed.includes(itemId(r)));
  return { Records: first < 0 ? [] : records.slice(first) } as E;
}

const distinct = (values: unknown[]): string[] => [...new Set(values.map((v) => JSON.stringify(v)))].sort();

/**
 * The common batch-worker cell. Observes 'retried' when the final state equals the fault-free
 * one exactly, 'retriedRepeats' when nothing is lost but some effect happened more than once.
 */
export async function batchCell<E extends SQSEvent | KinesisStreamEvent>(cell: BatchCell<E>): Promise<Outcome> {
  const { event, keys } = cell.records;
  const ids = event.Records.map((r) => itemId(r as never));
  const keyOf = (id: string) => keys[ids.indexOf(id)];

  const clear = await cell.inject();
  let response: BatchItemFailuresResponse;
  try {
    response = await cell.run(event, true);
  } finally {
    await clear();
  }
  const failed = response.batchItemFailures.map((f) => f.itemIdentifier);
  expect(failed.map(keyOf).sort()).toEqual([...cell.affected].sort());

  const during = await cell.observe();
  for (const key of keys.filter((k) => !cell.affected.includes(k))) {
    expect({ key, effects: distinct(during[key] ?? []) }).toEqual({ key, effects: distinct(cell.baseline[key] ?? []) });
  }

  const again = await cell.run(redelivery(event, failed), false);
  expect(again.batchItemFailures).toEqual([]);

  const final = await cell.observe();
  const allKeys = [...new Set([...Object.keys(cell.baseline), ...Object.keys(final)])].sort();
  for (const key of allKeys) {
    expect({ key, effects: distinct(final[key] ?? []) }).toEqual({ key, effects: distinct(cell.baseline[key] ?? []) });
  }
  const repeated = allKeys.some((k) => (final[k] ?? []).length > (cell.baseline[k] ?? []).length);
  return repeated ? 'retriedRepeats' : 'retried';
}

/** Replaces every occurrence of the namespace so effects of two namespaces compare. */
export function normalize<T>(value: T, ns: string): T {
  return JSON.parse(JSON.stringify(value).split(ns).join('NS')) as T;
}
