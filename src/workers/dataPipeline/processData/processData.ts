import { SNS_MAX_PAYLOAD_BYTES } from '../../../shared/aws/batches';
import { withoutSecrets } from '../../../shared/dataPipeline';
import type { BatchResult, RejectedRecord } from '../../../shared/runtime/batch';
import type { RecordTrace } from '../../../shared/runtime/tracing';
import type { WorkerContext } from '../../../shared/runtime/invocation';
import { RejectedRecordError } from '../../../shared/runtime/errors';
import type { Logger } from '../../../shared/runtime/logger';
import { formatError } from '../../../shared/runtime/logger';
import { sqsBatchHandler } from '../../../shared/runtime/sqs';
import { formatSourceRecord } from './formatters/formatters';
import { parseDataRecord, pipeTraceparent } from './parseRecord';
import type { OutgoingMessage, SnsBatchClient } from './publish';
import { messageBytes, publishToDataTopic } from './publish';

/** One data-queue message: its SQS id and parsed JSON body. */
export interface DataQueueMessage {
  messageId: string;
  body: unknown;
  /** The SQS `SentTimestamp` (ISO): stamps records with no time of their own, identically on every delivery. */
  sentAt?: string;
  /** The trace the message carries on (the SQS adapter sets it). */
  trace?: RecordTrace;
}

export interface ProcessDataDeps {
  sns: SnsBatchClient;
  /** ARN of the data topic (`aws.topics.data`). */
  topicArn: string;
  /** Entries per PublishBatch request (`aws.snsPublishBatchSize`, at most 10). */
  batchSize: number;
  log: Logger;
  /** Clock for `dedupe.timestamp` when neither the data nor the message carries a time (no `sentAt`). */
  now?: () => Date;
  /** PublishBatch requests in flight at once (default 8). */
  concurrency?: number;
}

/**
 * processData's logic: checks and formats each message's record (a registration also yields
 * its registeredMarkets), publishes everything to the data topic, and returns the messages to
 * retry (any of their records failed to publish) and those rejected with a reason (invalid
 * input: never retried). Duplicate deliveries publish records with identical `dedupe` ids.
 */
export async function processDataRecords(messages: DataQueueMessage[], deps: ProcessDataDeps): Promise<BatchResult> {
  if (!deps.topicArn) {
    // A configuration problem, not a bad record: thrown so the whole batch is retried.
    throw new Error('aws.topics.data (DATA_TOPIC_ARN) is not configured');
  }
  const now = deps.now?.() ?? new Date();
  const rejected: RejectedRecord[] = [];
  const outgoing: OutgoingMessage[] = [];
  const typeCounts: Record<string, number> = {};
  const unexpected: string[] = [];
  for (const message of messages) {
    try {
      const source = parseDataRecord(message.body);
      const { records, dropped } = formatSourceRecord(source, message.sentAt ?? now.toISOString());
      if (dropped.length > 0) {
        deps.log.warn('source fields left out while formatting', {
          messageId: message.messageId,
          type: source.type,
          dropped,
        });
      }
      // Only what the schema lists is formatted; its open objects and the fields text lose secret-named keys here.
      const bodies = records
        .map((r) => withoutSecrets(r))
        .map((r) => ({
          sourceId: message.messageId,
          type: r.type,
          body: JSON.stringify(r.record),
          trace: message.trace,
        }));
      const tooLarge = bodies.find((b) => messageBytes(b) > SNS_MAX_PAYLOAD_BYTES);
      if (tooLarge) {
        throw new RejectedRecordError(
          `${tooLarge.type} record is ${messageBytes(tooLarge)} bytes, over the SNS limit of ${SNS_MAX_PAYLOAD_BYTES}`,
        );
      }
      outgoing.push(...bodies);
      for (const b of bodies) {
        typeCounts[b.type] = (typeCounts[b.type] ?? 0) + 1;
      }
    } catch (error) {
      if (error instanceof RejectedRecordError) {
        rejected.push({ id: message.messageId, reason: error.reason });
      } else {
        // Not a rule the input broke but an unexpected fault: retry this message alone (DLQ after maxReceiveCount).
        deps.log.error('record could not be formatted; it will be retried', {
          messageId: message.messageId,
          error: formatError(error),
        });
        unexpected.push(message.messageId);
      }
    }
  }
  const { published, failures } = await publishToDataTopic(deps.sns, deps.topicArn, outgoing, {
    batchSize: deps.batchSize,
    concurrency: deps.concurrency,
    log: deps.log,
  });
  for (const f of failures) {
    deps.log.warn('record not published; its message will be retried', {
      messageId: f.sourceId,
      type: f.type,
      code: f.code,
      error: f.message,
    });
  }
  return {
    failed: [...new Set([...unexpected, ...failures.map((f) => f.sourceId)])],
    rejected,
    counts: { records: outgoing.length, published, publishFailures: failures.length, ...prefixed(typeCounts) },
  };
}

const prefixed = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).map(([type, n]) => [`records.${type}`, n]));

/**
 * processData's SQS handler around `deps`, which is called per invocation (inside it, so a
 * configuration error fails and retries the batch instead of crashing the module).
 */
export function createProcessDataHandler(
  deps: (ctx: WorkerContext) => ProcessDataDeps,
  options: { log?: Logger } = {},
) {
  return sqsBatchHandler<unknown>({
    worker: 'processData',
    log: options.log,
    // Shape checks happen in processDataRecords, which reports each rejection with its reason.
    parse: (body) => body,
    process: async (messages, ctx) => processDataRecords(messages, deps(ctx)),
    traceparentInBody: (message) => pipeTraceparent(message.body),
  });
}
