import type { PublishBatchCommandOutput, PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import type { DataType } from '../../../shared/dataPipeline';
import type { Logger } from '../../../shared/runtime/logger';
import { formatError } from '../../../shared/runtime/logger';
import type { RecordTrace, StringAttribute } from '../../../shared/runtime/tracing';
import { attributeBytes, traceAttributes, withSpan } from '../../../shared/runtime/tracing';

/** What processData needs of an SNS client (SNSClient satisfies it). */
export interface SnsBatchClient {
  send(command: PublishBatchCommand): Promise<PublishBatchCommandOutput>;
}

/** One message for the data topic, with the SQS message it came from. */
export interface OutgoingMessage {
  sourceId: string;
  type: DataType;
  /** JSON of the record. */
  body: string;
  /** The trace of the SQS message it came from, carried on as message attributes. */
  trace?: RecordTrace;
}

/** SNS limits: one message and one PublishBatch request (all entries together) at most 256 KiB. */
export const SNS_MAX_PAYLOAD_BYTES = 262_144;
const TYPE_ATTRIBUTE = 'type';

/** The message attributes of a message: its `type`, and its trace (`traceparent`, `correlationId`). */
const attributesOf = (message: OutgoingMessage): Record<string, StringAttribute> => ({
  [TYPE_ATTRIBUTE]: { DataType: 'String', StringValue: message.type },
  ...(message.trace ? traceAttributes(message.trace) : {}),
});

/** Bytes SNS counts for a message: body plus each attribute's name, data type and value. */
export function messageBytes(message: OutgoingMessage): number {
  return Buffer.byteLength(message.body, 'utf8') + attributeBytes(attributesOf(message));
}

/** Splits messages into PublishBatch requests of at most `maxEntries` entries and 256 KiB. */
export function chunkForPublishBatch(messages: OutgoingMessage[], maxEntries: number): OutgoingMessage[][] {
  const chunks: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = messageBytes(message);
    if (current.length > 0 && (current.length >= maxEntries || bytes + size > SNS_MAX_PAYLOAD_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) {
    chunks.push(current);
  }
  return chunks;
}

export interface PublishFailure {
  sourceId: string;
  type: DataType;
  code: string;
  message: string;
}

/** Runs `tasks` with at most `limit` in flight. */
async function withConcurrency<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await task(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Publishes to the data topic with PublishBatch, message attributes `type` and the record's trace on every entry, and
 * checks each entry's result: an entry in `Failed`, an entry in neither list, or every entry of
 * a request that threw, is a failure of the SQS message it came from.
 */
export async function publishToDataTopic(
  sns: SnsBatchClient,
  topicArn: string,
  messages: OutgoingMessage[],
  options: { batchSize: number; concurrency?: number; log: Logger },
): Promise<{ published: number; failures: PublishFailure[] }> {
  const failures: PublishFailure[] = [];
  let published = 0;
  const chunks = chunkForPublishBatch(messages, options.batchSize);
  await withConcurrency(chunks, options.concurrency ?? 8, async (chunk) => {
    const entries: PublishBatchRequestEntry[] = chunk.map((m, i) => ({
      Id: `m${i}`,
      Message: m.body,
      MessageAttributes: attributesOf(m),
    }));
    try {
      const out = await withSpan(
        'sns PublishBatch',
        { 'messaging.destination': topicArn, 'messaging.batch.size': chunk.length },
        () => sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries })),
      );
      const succeeded = new Set((out.Successful ?? []).map((s) => s.Id));
      const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
      chunk.forEach((m, i) => {
        const id = `m${i}`;
        if (succeeded.has(id) && !failed.has(id)) {
          published++;
          return;
        }
        const f = failed.get(id);
        failures.push({
          sourceId: m.sourceId,
          type: m.type,
          code: f?.Code ?? 'MissingResult',
          message: f?.Message ?? 'PublishBatch returned no result for this entry',
        });
      });
    } catch (error) {
      const e = formatError(error);
      options.log.error('PublishBatch request failed', { topicArn, entries: chunk.length, error: e });
      for (const m of chunk) {
        failures.push({ sourceId: m.sourceId, type: m.type, code: String(e.name), message: String(e.message) });
      }
    }
  });
  return { published, failures };
}
