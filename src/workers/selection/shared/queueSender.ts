/**
 * SendMessageBatch for the selection workers: JSON bodies, each carrying the caller's trace, sent
 * by the shared sender (src/shared/aws/sqsBatchSender: at most `maxEntries` (10) messages and
 * 1 MiB per request, failed entries retried with backoff), and the caller told exactly which
 * messages never made it.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { sendMessageBatches } from '../../../shared/aws/sqsBatchSender';
import { traceAttributes } from '../../../shared/runtime/tracing';

export interface SendOutcome {
  sent: number;
  /** Indexes (into the bodies given) of messages that were not sent. */
  failed: number[];
  /** Why the first failed message failed (`<code>: <message>`). */
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

/** A sender for one queue: `sendMessageBatches` (one retry rule for every worker) with the caller's trace. */
export function createQueueSender(options: QueueSenderOptions): QueueSender {
  const { client, queueUrl, maxEntries } = options;
  return {
    async send(bodies) {
      const attributes = traceAttributes();
      const { sent, failures } = await sendMessageBatches(
        bodies.map((body) => ({ body: JSON.stringify(body), attributes })),
        {
          sendBatch: (input) => client.send(new SendMessageBatchCommand(input)),
          queueUrl,
          maxEntries,
          concurrency: options.concurrency,
          attempts: options.attempts,
          sleep: options.sleep,
        },
      );
      return {
        sent,
        failed: failures.map((f) => f.index),
        ...(failures.length > 0 ? { firstError: `${failures[0].code}: ${failures[0].message}`.trim() } : {}),
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
