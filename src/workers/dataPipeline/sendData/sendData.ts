import type { Message } from 'kafkajs';
import { toBatches } from '../../../shared/aws/batches';
import type { DataType } from '../../../shared/dataPipeline';
import type { WorkerContext } from '../../../shared/runtime/invocation';
import type { BatchResult, RejectedRecord } from '../../../shared/runtime/batch';
import { RejectedRecordError } from '../../../shared/runtime/errors';
import type { Logger } from '../../../shared/runtime/logger';
import { formatError } from '../../../shared/runtime/logger';
import type { SqsRetryBackoff } from '../../../shared/runtime/sqs';
import { sqsBatchHandler } from '../../../shared/runtime/sqs';
import { traceKafkaHeaders } from '../../../shared/runtime/tracing';
import { beforeDeadline } from '../../../shared/util/deadline';
import type { TypedQueueMessage } from './resolveRecord';
import { resolveRecord } from './resolveRecord';

/** What sendData needs of the Kafka publisher (`createKafkaPublisher` / wiring `kafkaPublisher`). */
export interface KafkaSender {
  send(topic: string, messages: Message[]): Promise<void>;
}

export interface SendDataDeps {
  publisher: KafkaSender;
  /** Topic per record type (`kafka.topics`). */
  topics: Record<DataType, string>;
  log: Logger;
  /**
   * Uncompressed value bytes per Kafka send (default 900 KB): a topic's records go out in one
   * send unless they exceed this, so a batch never trips a broker's 1 MB `message.max.bytes`.
   */
  maxSendBytes?: number;
  /**
   * Milliseconds left before Lambda stops the invocation (`ctx.remainingTimeMs`). A send still
   * waiting `SEND_RESERVE_MS` before that is given up and its records fail: a broker that hangs
   * (accepts connections, never answers) would otherwise run the function into its timeout, and a
   * timed-out invocation reports nothing, so its records would skip the retry backoff.
   */
  remainingTimeMs?: () => number;
}

export const DEFAULT_MAX_SEND_BYTES = 900_000;

/** Time kept after a send is given up: reporting the failures and delaying their retry (ChangeMessageVisibility). */
export const SEND_RESERVE_MS = 3_000;

/** Bytes of Kafka record headers as a record carries them: each name and value. */
const headerBytes = (headers: Record<string, string>): number =>
  Object.entries(headers).reduce((n, [name, value]) => n + name.length + Buffer.byteLength(value), 0);

interface Outgoing {
  messageId: string;
  message: Message;
  bytes: number;
}

/**
 * sendData's logic: resolves and validates each typed-queue message (invalid → rejected with
 * the reason, never retried), groups the records by Kafka topic and publishes each group with
 * one send (keys per DECISIONS [19]); topics go out in parallel. When a send fails, exactly the
 * records of that send (and of the same topic's later sends, which are not attempted, so a
 * key's order is kept) are reported failed; when the producer cannot connect, that is every record.
 */
export async function sendDataRecords(messages: TypedQueueMessage[], deps: SendDataDeps): Promise<BatchResult> {
  const rejected: RejectedRecord[] = [];
  const byTopic = new Map<string, Outgoing[]>();
  let unwrapped = 0;
  for (const m of messages) {
    try {
      const r = resolveRecord(m);
      const topic = deps.topics[r.type];
      if (!topic) {
        throw new Error(`kafka.topics.${r.type} is not configured`);
      }
      const value = JSON.stringify(r.record);
      // The record's trace rides along as Kafka headers, so a consumer can continue it.
      const headers = m.trace ? traceKafkaHeaders(m.trace) : undefined;
      const list = byTopic.get(topic) ?? [];
      list.push({
        messageId: m.messageId,
        message: { key: r.key, value, ...(headers ? { headers } : {}) },
        bytes: Buffer.byteLength(value) + r.key.length + (headers ? headerBytes(headers) : 0),
      });
      byTopic.set(topic, list);
      unwrapped += r.unwrapped ? 1 : 0;
    } catch (error) {
      if (!(error instanceof RejectedRecordError)) {
        throw error;
      }
      rejected.push({ id: m.messageId, reason: error.reason });
    }
  }
  if (unwrapped > 0) {
    deps.log.warn('SNS envelopes unwrapped; the subscription should use raw message delivery', { messages: unwrapped });
  }
  const failed: string[] = [];
  let published = 0;
  const maxBytes = deps.maxSendBytes ?? DEFAULT_MAX_SEND_BYTES;
  await Promise.all(
    [...byTopic].map(async ([topic, items]) => {
      // Sends of at most maxBytes; a single larger message goes alone.
      const chunks = toBatches(items, { maxBytes, bytesOf: (o) => o.bytes });
      for (let i = 0; i < chunks.length; i++) {
        try {
          // A send given up may still land later; its records are sent again on redelivery, with
          // the same dedupe ids.
          await beforeDeadline(
            deps.publisher.send(
              topic,
              chunks[i].map((o) => o.message),
            ),
            (deps.remainingTimeMs?.() ?? Number.POSITIVE_INFINITY) - SEND_RESERVE_MS,
            `kafka send given up ${SEND_RESERVE_MS} ms before the function timeout`,
          );
          published += chunks[i].length;
        } catch (error) {
          const notSent = chunks.slice(i).flat();
          deps.log.error('kafka send failed; its records will be retried', {
            topic,
            records: notSent.length,
            error: formatError(error),
          });
          failed.push(...notSent.map((o) => o.messageId));
          return;
        }
      }
    }),
  );
  return {
    failed,
    rejected,
    counts: { published, topics: byTopic.size, sendFailures: failed.length },
  };
}

/**
 * sendData's SQS handler (the five typed queues) around `deps`, called per invocation inside
 * the batch, so a collaborator that cannot be built fails (and retries) every record. With
 * `retryBackoff`, records that failed are delayed before SQS delivers them again.
 */
export function createSendDataHandler(
  deps: (ctx: WorkerContext) => SendDataDeps,
  options: { log?: Logger; retryBackoff?: () => SqsRetryBackoff } = {},
) {
  return sqsBatchHandler<unknown>({
    worker: 'sendData',
    log: options.log,
    retryBackoff: options.retryBackoff,
    // Type resolution and schema validation happen in sendDataRecords, which rejects with the reason.
    parse: (body) => body,
    process: async (messages, ctx) => sendDataRecords(messages, deps(ctx)),
  });
}
