import type { WorkerContext } from './invocation';

/** A record a worker refused under an explicit rule; logged and counted, never retried. */
export interface RejectedRecord {
  id: string;
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
 * Runs a batch worker over the records that parsed and turns the outcome into the Lambda
 * response. A thrown error (or thrown non-Error) fails every parsed record, never none; ids the
 * worker returns that are not in the batch are ignored with a warning.
 */
export async function settleBatch<R>(
  ctx: WorkerContext,
  parsed: { id: string; record: R }[],
  rejectedWhileParsing: RejectedRecord[],
  received: number,
  process: (records: R[], ctx: WorkerContext) => Promise<BatchResult>,
): Promise<{ response: BatchItemFailuresResponse; summary: BatchSummary }> {
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
    ctx.log.warn('record rejected', { id: r.id, reason: r.reason });
  }
  const rejectedCount = new Set(rejected.map((r) => r.id)).size;
  const summary: BatchSummary = {
    ...(result.counts ?? {}),
    received,
    rejected: rejectedCount,
    failed: failed.length,
    processed: Math.max(0, received - rejectedCount - failed.length),
  };
  return { response: { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) }, summary };
}
