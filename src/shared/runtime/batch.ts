import { RejectedRecordError } from './errors';
import type { WorkerContext } from './invocation';
import { truncateText } from './logger';
import type { IncomingTrace, RecordTrace } from './tracing';
import { startRecordSpans } from './tracing';

/** A record a worker refused under an explicit rule; logged and counted, never retried. */
export interface RejectedRecord {
  /** The record's messageId / sequence number; absent for a record that has none. */
  id?: string;
  /** The record's position in the event's `Records`, for a record that has no id. */
  index?: number;
  reason: string;
}

/**
 * What a batch worker's logic returns: ids (SQS message ids or stream sequence numbers) of
 * records to retry, records rejected under a rule, and free-form counts for the summary line.
 */
export interface BatchResult {
  failed: string[];
  rejected?: RejectedRecord[];
  counts?: Record<string, number>;
}

/** The Lambda partial batch response (SQS and Kinesis event source mappings). */
export interface BatchItemFailuresResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface BatchSummary {
  received: number;
  processed: number;
  rejected: number;
  failed: number;
  [count: string]: number;
}

/**
 * Whether `id` can be reported as a partial batch failure: Lambda treats an empty, null or
 * missing `itemIdentifier` as the failure of the whole batch, so only a non-empty string can.
 */
export function isItemIdentifier(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0;
}

/** How many records a batch event holds (0 when its `Records` is not a list). */
export function recordCount(event: unknown): number {
  const records = (event as { Records?: unknown } | null | undefined)?.Records;
  return Array.isArray(records) ? records.length : 0;
}

/**
 * Parses the `Records` of a batch event record by record. A record that is not an object, or
 * whose `idOf` is not a usable item identifier, is rejected alone by its index: it could never
 * be reported for retry. A record `parse` throws for is rejected by its id, with the
 * RejectedRecordError's reason or `invalid` and the error. Nothing here throws.
 *
 * @example parseBatchRecords(event.Records, (r: SQSRecord) => r.messageId, 'messageId', toMessage, 'invalid message')
 */
export function parseBatchRecords<E extends object, R>(
  records: unknown,
  idOf: (record: E) => unknown,
  idName: string,
  parse: (record: E) => R,
  invalid: string,
): { parsed: { id: string; record: R }[]; rejected: RejectedRecord[] } {
  const parsed: { id: string; record: R }[] = [];
  const rejected: RejectedRecord[] = [];
  (Array.isArray(records) ? (records as unknown[]) : []).forEach((record, index) => {
    if (!record || typeof record !== 'object' || Array.isArray(record)) {
      rejected.push({ index, reason: `record is ${record === null ? 'null' : typeof record}, not an object` });
      return;
    }
    const id = idOf(record as E);
    if (!isItemIdentifier(id)) {
      rejected.push({ index, reason: `record has no ${idName}` });
      return;
    }
    try {
      parsed.push({ id, record: parse(record as E) });
    } catch (error) {
      const reason =
        error instanceof RejectedRecordError
          ? error.reason
          : `${invalid}: ${truncateText(String((error as Error)?.message ?? error), 256)}`;
      rejected.push({ id, reason });
    }
  });
  return { parsed, rejected };
}

/**
 * Runs a batch worker over the records that parsed and turns the outcome into the Lambda
 * response. `parsed` ids are usable item identifiers (parseBatchRecords). Each parsed record
 * gets its span and the `trace` it carries on (startRecordSpans), from what `incomingOf` finds
 * on it; a failed or rejected record's span ends as an error. A thrown error (or thrown
 * non-Error) fails every parsed record, never none; ids the worker returns that are not in the
 * batch are ignored with a warning.
 */
export async function settleBatch<R extends { trace?: RecordTrace }>(
  ctx: WorkerContext,
  parsed: { id: string; record: R }[],
  rejectedWhileParsing: RejectedRecord[],
  received: number,
  process: (records: R[], ctx: WorkerContext) => Promise<BatchResult>,
  incomingOf: (record: R) => IncomingTrace,
): Promise<{ response: BatchItemFailuresResponse; summary: BatchSummary }> {
  const spans = startRecordSpans(
    ctx.worker,
    ctx.correlationId,
    ctx.log,
    parsed.map((p) => ({ id: p.id, incoming: incomingOf(p.record) })),
  );
  for (const p of parsed) {
    p.record.trace = spans.traceOf(p.id);
  }
  const ids = new Set(parsed.map((p) => p.id));
  let result: BatchResult;
  if (parsed.length === 0) {
    result = { failed: [] };
  } else {
    try {
      result = await process(
        parsed.map((p) => p.record),
        ctx,
      );
    } catch (error) {
      ctx.log.error('batch failed; every record will be retried', {
        error: error instanceof Error ? { name: error.name, message: error.message } : { thrown: String(error) },
        records: parsed.length,
      });
      result = { failed: [...ids] };
    }
  }
  const unknown = result.failed.filter((id) => !ids.has(id));
  if (unknown.length > 0) {
    ctx.log.warn('worker reported failures for ids not in the batch', { ids: unknown });
  }
  const failed = [...new Set(result.failed.filter((id) => ids.has(id)))];
  const rejected = [...rejectedWhileParsing, ...(result.rejected ?? [])];
  for (const r of rejected) {
    ctx.log.warn(
      'record rejected',
      r.id === undefined ? { index: r.index, reason: r.reason } : { id: r.id, reason: r.reason },
    );
  }
  // A record rejected twice (while parsing and by the worker) counts once; one without an id counts alone.
  const rejectedCount =
    new Set(rejected.flatMap((r) => (r.id === undefined ? [] : [r.id]))).size +
    rejected.filter((r) => r.id === undefined).length;
  const summary: BatchSummary = {
    ...(result.counts ?? {}),
    received,
    rejected: rejectedCount,
    failed: failed.length,
    processed: Math.max(0, received - rejectedCount - failed.length),
  };
  spans.end(failed, rejected);
  return { response: { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) }, summary };
}
