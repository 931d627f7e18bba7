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

/** The lines of a memory logger (test/doubles/runtime.ts). */
type LogLines = { lines: Record<string, unknown>[] };
type LineData = { worker?: string; id?: string; index?: number; reason?: string; error?: { stack?: string } };
const dataOf = (line: Record<string, unknown>) => (line.data ?? {}) as LineData & Record<string, unknown>;
const STACK_FRAME = /\n\s+at /;

/** A bad record of a hostile batch: by its id, or by its index when it has none usable. */
export type BadRecord = ({ id: string } | { index: number }) & { reason: RegExp };

export interface HostileBatchCell<E extends SQSEvent | KinesisStreamEvent> {
  worker: string;
  log: LogLines;
  /** Valid records and bad ones, mixed. */
  event: E;
  run(event: E): Promise<BatchItemFailuresResponse>;
  /** Effects by key; a bad record's key has effects only if it got through. */
  observe(): Promise<Effects>;
  /** Effects of the valid records alone after a fault-free run. */
  baseline: Effects;
  bad: readonly BadRecord[];
}

/**
 * A hostile-event cell: the worker runs once over valid and bad records. Observes
 * 'rejectedAlone' when no record is reported for retry (so no identifier is empty or missing),
 * the valid records' effects equal the fault-free ones and nothing else happened, and each bad
 * record is logged `record rejected` at warn with its id or index and the reason, and counted.
 */
export async function hostileBatchCell<E extends SQSEvent | KinesisStreamEvent>(
  cell: HostileBatchCell<E>,
): Promise<Outcome> {
  const from = cell.log.lines.length;
  const response = await cell.run(cell.event);
  expect(response).toEqual({ batchItemFailures: [] });

  const effects = await cell.observe();
  const keys = [...new Set([...Object.keys(cell.baseline), ...Object.keys(effects)])].sort();
  for (const key of keys) {
    expect({ key, effects: distinct(effects[key] ?? []) }).toEqual({
      key,
      effects: distinct(cell.baseline[key] ?? []),
    });
    expect({ key, count: (effects[key] ?? []).length }).toEqual({ key, count: (cell.baseline[key] ?? []).length });
  }

  const lines = cell.log.lines.slice(from);
  const rejected = lines
    .filter((l) => l.message === 'record rejected')
    .map((l) => {
      const { id, index, reason } = dataOf(l);
      return { level: l.level, ...(id === undefined ? { index } : { id }), reason };
    });
  const where = (r: { id?: string; index?: number }) =>
    'id' in r && r.id !== undefined ? `id ${r.id}` : `index ${r.index}`;
  expect(rejected.map(where).sort()).toEqual(cell.bad.map(where).sort());
  for (const bad of cell.bad) {
    const line = rejected.find((r) => where(r) === where(bad));
    expect({ where: where(bad), level: line?.level, reason: line?.reason }).toEqual({
      where: where(bad),
      level: 'warn',
      reason: expect.stringMatching(bad.reason),
    });
  }
  const summary = lines.find((l) => l.message === 'invocation finished' && dataOf(l).worker === cell.worker);
  expect(summary?.data).toMatchObject({
    received: cell.event.Records.length,
    rejected: cell.bad.length,
    failed: 0,
    processed: cell.event.Records.length - cell.bad.length,
  });
  return 'rejectedAlone';
}

/**
 * Runs an invocation a dependency's fault must fail, and checks how it fails: one `invocation
 * failed` line of `worker` at error with the stack (a fault of ours), and the error the caller
 * gets without stack frames (Lambda returns its `stack` as the Invoke answer's trace).
 */
export async function expectInvocationFailed(
  run: () => Promise<unknown>,
  log: LogLines,
  worker: string,
): Promise<void> {
  const from = log.lines.length;
  const thrown = await run().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(Error);
  expect({ stack: (thrown as Error).stack }).toEqual({ stack: expect.not.stringMatching(STACK_FRAME) });
  const failed = log.lines.slice(from).filter((l) => l.message === 'invocation failed');
  expect(failed.map((l) => ({ level: l.level, worker: dataOf(l).worker }))).toEqual([{ level: 'error', worker }]);
  expect(dataOf(failed[0]).error?.stack).toMatch(STACK_FRAME);
}
