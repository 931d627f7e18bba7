import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { BatchItemFailuresResponse, BatchResult, RejectedRecord } from './batch';
import { parseBatchRecords, recordCount, settleBatch } from './batch';
import { parseJsonBounded } from './errors';
import type { AdapterOptions, WorkerContext } from './invocation';
import { runInvocation } from './invocation';
import { formatError } from './logger';
import type { RecordTrace } from './tracing';
import { CORRELATION_ID, TRACEPARENT } from './tracing';
import { beforeDeadline } from '../util/deadline';

/** An SQS message after the adapter parsed its JSON body and validated its shape. */
export interface SqsMessage<T> {
  messageId: string;
  body: T;
  /** String message attributes (SNS raw delivery puts the SNS message attributes here). */
  messageAttributes: Record<string, string>;
  receiveCount: number;
  /** When SQS first accepted the message (its `SentTimestamp`), ISO; the same on every delivery. */
  sentAt?: string;
  eventSourceArn: string;
  /** The trace this message carries on to what it produces (set by the adapter; docs/operations.md). */
  trace?: RecordTrace;
}

/** One failed message whose next delivery is to be delayed. */
export interface VisibilityChange {
  messageId: string;
  receiptHandle: string;
  /** Seconds from now until SQS may deliver the message again. */
  seconds: number;
}

/**
 * Delays the redelivery of failed messages. Without it a failed message comes back after the
 * queue's visibility timeout (function timeout + 2 s), so its few receives (maxReceiveCount 3,
 * user-info 2) are spent within about a minute and an outage of a downstream longer than that
 * dead-letters it. With it, each failed message is made invisible for a time that grows with
 * its receive count before it is reported as a batch item failure.
 */
export interface SqsRetryBackoff {
  /** Seconds a message that failed on its `receiveCount`-th receive stays invisible. */
  delaySeconds(receiveCount: number): number;
  /**
   * Changes the visibility of messages of the queue `queueArn` (ChangeMessageVisibility); returns
   * the ids it could not change, each with the reason. Throws when the whole request failed.
   */
  changeVisibility(queueArn: string, changes: VisibilityChange[]): Promise<{ messageId: string; reason: string }[]>;
}

export interface SqsWorkerDefinition<T> extends AdapterOptions {
  /** Validates a parsed body; throws RejectedRecordError (or any error) with the reason when invalid. */
  parse: (body: unknown, record: SQSRecord) => T;
  process: (messages: SqsMessage<T>[], ctx: WorkerContext) => Promise<BatchResult>;
  /**
   * Opt-in for workers whose downstream can be down for minutes: failed messages are delayed by
   * this backoff before they are reported. Called once per invocation with failures, so building
   * it (configuration, SDK client) happens only when needed. With it, a batch still running
   * `BATCH_RESERVE_MS` before the function timeout is given up and every message of it fails (and
   * is delayed): a downstream that accepts connections and never answers would otherwise run the
   * function into its timeout, which reports nothing, so the messages would skip the backoff.
   * Giving up is safe only for a `process` whose writes may be repeated (a redelivered message
   * writes the same state again), as every worker that opts in is.
   */
  retryBackoff?: () => SqsRetryBackoff;
  /**
   * The traceparent a message carries in its body, for messages whose sender cannot set message
   * attributes (the demand-table pipe); the `traceparent` attribute wins when both are there.
   */
  traceparentInBody?: (message: SqsMessage<T>) => unknown;
}

/** Time kept after a batch is given up: reporting its failures and delaying them (ChangeMessageVisibility). */
export const BATCH_RESERVE_MS = 2_000;

/** `process`, given up `BATCH_RESERVE_MS` before the function timeout (every message then fails). */
function beforeTimeout<T>(
  process: (messages: SqsMessage<T>[], ctx: WorkerContext) => Promise<BatchResult>,
): (messages: SqsMessage<T>[], ctx: WorkerContext) => Promise<BatchResult> {
  return (messages, ctx) =>
    beforeDeadline(
      process(messages, ctx),
      ctx.remainingTimeMs() - BATCH_RESERVE_MS,
      `batch given up ${BATCH_RESERVE_MS} ms before the function timeout`,
    );
}

function stringAttributes(record: SQSRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, attr] of Object.entries(record.messageAttributes ?? {})) {
    if (attr && typeof attr.stringValue === 'string') {
      out[name] = attr.stringValue;
    }
  }
  return out;
}

function sentAt(record: SQSRecord): string | undefined {
  const ms = Number(record.attributes?.SentTimestamp);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;
}

/**
 * Parses each record of an SQS event; invalid ones become rejections with a reason, and a
 * record that is not an object or has no messageId is rejected alone by its index.
 */
export function parseSqsRecords<T>(
  event: SQSEvent,
  parse: (body: unknown, record: SQSRecord) => T,
): { parsed: { id: string; record: SqsMessage<T> }[]; rejected: RejectedRecord[] } {
  return parseBatchRecords(
    event?.Records,
    (record: SQSRecord) => record.messageId,
    'messageId',
    (record): SqsMessage<T> => ({
      messageId: record.messageId,
      body: parse(parseJsonBounded(record.body ?? '', 'message body'), record),
      messageAttributes: stringAttributes(record),
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
      sentAt: sentAt(record),
      eventSourceArn: record.eventSourceARN,
    }),
    'invalid message',
  );
}

/**
 * Makes each failed message invisible for the backoff of its receive count, one request per
 * queue (a batch's records all come from one queue, but nothing relies on it). Never throws: a
 * message whose visibility could not be changed is still reported as failed by the caller, so
 * it comes back after the queue's visibility timeout instead; that is logged, never lost.
 * Returns how many messages were delayed and how many could not be.
 */
export async function delayFailedMessages(
  ctx: WorkerContext,
  records: readonly SQSRecord[],
  failedIds: readonly string[],
  backoff: () => SqsRetryBackoff,
): Promise<{ delayed: number; delayFailed: number }> {
  const failed = new Set(failedIds);
  const byQueue = new Map<string, SQSRecord[]>();
  for (const r of records) {
    if (r && failed.has(r.messageId)) {
      byQueue.set(r.eventSourceARN, [...(byQueue.get(r.eventSourceARN) ?? []), r]);
    }
  }
  let delayed = 0;
  let delayFailed = 0;
  const delays = new Set<number>();
  let b: SqsRetryBackoff;
  try {
    b = backoff();
  } catch (error) {
    ctx.log.error('retry backoff unavailable; failed messages come back after the visibility timeout', {
      messages: failed.size,
      error: formatError(error),
    });
    return { delayed, delayFailed: failed.size };
  }
  for (const [queueArn, queued] of byQueue) {
    try {
      const changes = queued.map((r) => ({
        messageId: r.messageId,
        receiptHandle: r.receiptHandle,
        seconds: b.delaySeconds(Number(r.attributes?.ApproximateReceiveCount ?? 1)),
      }));
      const notChanged = await b.changeVisibility(queueArn, changes);
      for (const n of notChanged) {
        ctx.log.error('could not delay a failed message; it comes back after the visibility timeout', {
          queueArn,
          id: n.messageId,
          reason: n.reason,
        });
      }
      delayFailed += notChanged.length;
      delayed += changes.length - notChanged.length;
      changes.forEach((c) => delays.add(c.seconds));
    } catch (error) {
      ctx.log.error('could not delay failed messages; they come back after the visibility timeout', {
        queueArn,
        messages: queued.length,
        error: formatError(error),
      });
      delayFailed += queued.length;
    }
  }
  if (delayed > 0) {
    // One line per batch with the schedule applied, so an operator sees when they come back.
    ctx.log.info('failed messages delayed before their next delivery', {
      messages: delayed,
      delaysSeconds: [...delays].sort((x, y) => x - y),
    });
  }
  return { delayed, delayFailed };
}

/**
 * Lambda handler for an SQS event source mapping with ReportBatchItemFailures: failures by
 * messageId; malformed bodies are logged and counted as rejected, never retried. With
 * `retryBackoff`, failed messages are delayed (ChangeMessageVisibility) before they are reported,
 * and a batch still running shortly before the function timeout is given up and failed.
 */
export function sqsBatchHandler<T>(def: SqsWorkerDefinition<T>) {
  return async (event: SQSEvent, context?: Context): Promise<BatchItemFailuresResponse> => {
    const outcome = await runInvocation(
      def,
      event,
      context,
      async (ctx) => {
        const { parsed, rejected } = parseSqsRecords(event, def.parse);
        const process = def.retryBackoff ? beforeTimeout(def.process) : def.process;
        const settled = await settleBatch(ctx, parsed, rejected, recordCount(event), process, (m) => ({
          traceparent: m.messageAttributes[TRACEPARENT] ?? def.traceparentInBody?.(m),
          correlationId: m.messageAttributes[CORRELATION_ID],
        }));
        const failedIds = settled.response.batchItemFailures.map((f) => f.itemIdentifier);
        if (def.retryBackoff && failedIds.length > 0) {
          const counts = await delayFailedMessages(ctx, event.Records, failedIds, def.retryBackoff);
          Object.assign(settled.summary, counts);
        }
        return settled;
      },
      (o) => o.summary,
    );
    return outcome.response;
  };
}
