import type { PublishBatchCommandOutput, PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import { snsBatchLimits, toBatches } from '../../../shared/aws/batches';
import type { DataType } from '../../../shared/dataPipeline';
import type { Logger } from '../../../shared/runtime/logger';
import { formatError } from '../../../shared/runtime/logger';
import type { RecordTrace, StringAttribute } from '../../../shared/runtime/tracing';
import { attributeBytes, traceAttributes, withSpan } from '../../../shared/runtime/tracing';
import { mapLimit } from '../../../shared/util/mapLimit';

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

export interface PublishFailure {
  sourceId: string;
  type: DataType;
  code: string;
  message: string;
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
  // At most batchSize entries and 256 KiB per request; a message over 256 KiB alone (SNS refuses it).
  const chunks = toBatches(messages, snsBatchLimits(messageBytes, options.batchSize));
  await mapLimit(chunks, options.concurrency ?? 8, async (chunk) => {
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
