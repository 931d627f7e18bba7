/**
 * SendMessageBatch for the selection workers (DECISIONS.md [14]): at most `maxEntries` (10)
 * messages and 1 MiB per request, every entry's result checked, failed entries retried, and
 * the caller told exactly which messages never made it.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { SQS_MAX_MESSAGE_BYTES } from '../../shared/aws/sqsLimits';
import type { StringAttribute } from '../../shared/runtime/tracing';
import { attributeBytes, traceAttributes } from '../../shared/runtime/tracing';
import { mapLimit } from '../../shared/util/mapLimit';

export interface SendOutcome {
  sent: number;
  /** Indexes (into the bodies given) of messages that were not sent. */
  failed: number[];
  /** Why the first failed message failed. */
  firstError?: string;
}

export interface QueueSender {
  /**
   * Sends every body (as JSON), each with the trace of the caller's work (the active span, or the
   * record `inRecordTrace` runs in) as message attributes; never throws for a failed send, it reports it.
   */
  send(bodies: readonly unknown[]): Promise<SendOutcome>;
}

export interface QueueSenderOptions {
  client: Pick<SQSClient, 'send'>;
  queueUrl: string;
  /** Entries per SendMessageBatch (config `aws.sqsSendBatchSize`, at most 10). */
  maxEntries: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Tries per entry, counting the first. */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Splits messages into batches of at most `maxEntries` entries and `maxBytes` bytes, each message
 * counted with `overhead` bytes (its message attributes); oversized messages come back apart.
 */
export function toBatches(
  texts: readonly string[],
  maxEntries: number,
  maxBytes = SQS_MAX_MESSAGE_BYTES,
  overhead = 0,
): { batches: number[][]; oversized: number[] } {
  const batches: number[][] = [];
  const oversized: number[] = [];
  let current: number[] = [];
  let bytes = 0;
  texts.forEach((text, index) => {
    const size = Buffer.byteLength(text, 'utf8') + overhead;
    if (size > maxBytes) {
      oversized.push(index);
      return;
    }
    if (current.length === maxEntries || bytes + size > maxBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) {
    batches.push(current);
  }
  return { batches, oversized };
}

/** A sender for one queue. */
export function createQueueSender(options: QueueSenderOptions): QueueSender {
  const { client, queueUrl, maxEntries } = options;
  const attempts = options.attempts ?? 3;
  const concurrency = options.concurrency ?? 8;
  const sleep = options.sleep ?? defaultSleep;

  /** Sends one batch; returns the indexes that still failed after every attempt, each with its reason. */
  async function sendBatch(
    texts: readonly string[],
    indexes: number[],
    attributes: Record<string, StringAttribute>,
  ): Promise<Map<number, string>> {
    const reasons = new Map<number, string>();
    // A sender fault (a bad message) fails the same way every time, so it is not retried.
    const rejected = new Set<number>();
    let pending = indexes;
    for (let attempt = 1; pending.length > 0 && attempt <= attempts; attempt++) {
      if (attempt > 1) {
        await sleep(50 * 2 ** (attempt - 2));
      }
      try {
        const out = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: pending.map((index) => ({
              Id: String(index),
              MessageBody: texts[index],
              MessageAttributes: attributes,
            })),
          }),
        );
        const failed = out.Failed ?? [];
        failed.forEach((f) => reasons.set(Number(f.Id), `${f.Code ?? 'error'}: ${f.Message ?? ''}`.trim()));
        failed.filter((f) => f.SenderFault).forEach((f) => rejected.add(Number(f.Id)));
        pending = failed.filter((f) => !f.SenderFault).map((f) => Number(f.Id));
      } catch (thrown) {
        pending.forEach((index) => reasons.set(index, (thrown as Error)?.message ?? String(thrown)));
      }
    }
    const failed = new Set([...rejected, ...pending]);
    return new Map([...reasons].filter(([index]) => failed.has(index)));
  }

  return {
    async send(bodies) {
      const texts = bodies.map((body) => JSON.stringify(body));
      const attributes = traceAttributes();
      const { batches, oversized } = toBatches(texts, maxEntries, SQS_MAX_MESSAGE_BYTES, attributeBytes(attributes));
      const results = await mapLimit(batches, concurrency, (batch) => sendBatch(texts, batch, attributes));
      const reasons = new Map<number, string>(
        oversized.map((index) => [index, `message over the ${SQS_MAX_MESSAGE_BYTES}-byte limit`]),
      );
      results.forEach((result) => result.forEach((reason, index) => reasons.set(index, reason)));
      const failed = [...reasons.keys()].sort((a, b) => a - b);
      return {
        sent: bodies.length - failed.length,
        failed,
        ...(failed.length > 0 ? { firstError: reasons.get(failed[0]) } : {}),
      };
    },
  };
}

/** The queue URL from config, or an error naming the key (Terraform sets it on the function). */
export function requireQueueUrl(url: string, key: string): string {
  if (!url) {
    throw new Error(`${key} is not configured: the function needs its queue URL in the environment`);
  }
  return url;
}
