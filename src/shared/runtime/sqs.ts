import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { BatchItemFailuresResponse, BatchResult, RejectedRecord } from './batch';
import { settleBatch } from './batch';
import { RejectedRecordError, parseJsonBounded } from './errors';
import type { AdapterOptions, WorkerContext } from './invocation';
import { runInvocation } from './invocation';

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
}

export interface SqsWorkerDefinition<T> extends AdapterOptions {
  /** Validates a parsed body; throws RejectedRecordError (or any error) with the reason when invalid. */
  parse: (body: unknown, record: SQSRecord) => T;
  process: (messages: SqsMessage<T>[], ctx: WorkerContext) => Promise<BatchResult>;
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

/** Parses each record of an SQS event; invalid ones become rejections with a reason. */
export function parseSqsRecords<T>(
  event: SQSEvent,
  parse: (body: unknown, record: SQSRecord) => T,
): { parsed: { id: string; record: SqsMessage<T> }[]; rejected: RejectedRecord[] } {
  const parsed: { id: string; record: SqsMessage<T> }[] = [];
  const rejected: RejectedRecord[] = [];
  for (const record of event.Records ?? []) {
    try {
      const body = parse(parseJsonBounded(record.body ?? '', 'message body'), record);
      parsed.push({
        id: record.messageId,
        record: {
          messageId: record.messageId,
          body,
          messageAttributes: stringAttributes(record),
          receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
          sentAt: sentAt(record),
          eventSourceArn: record.eventSourceARN,
        },
      });
    } catch (error) {
      const reason =
        error instanceof RejectedRecordError ? error.reason : `invalid message: ${(error as Error)?.message ?? error}`;
      rejected.push({ id: record.messageId, reason });
    }
  }
  return { parsed, rejected };
}

/**
 * Lambda handler for an SQS event source mapping with ReportBatchItemFailures: failures by
 * messageId; malformed bodies are logged and counted as rejected, never retried.
 */
export function sqsBatchHandler<T>(def: SqsWorkerDefinition<T>) {
  return async (event: SQSEvent, context?: Context): Promise<BatchItemFailuresResponse> => {
    const outcome = await runInvocation(
      def,
      event,
      context,
      async (ctx) => {
        const { parsed, rejected } = parseSqsRecords(event, def.parse);
        return settleBatch(ctx, parsed, rejected, event.Records?.length ?? 0, def.process);
      },
      (o) => o.summary,
    );
    return outcome.response;
  };
}
