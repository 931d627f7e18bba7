/**
 * The one SendMessageBatch sender of the workers (DECISIONS.md [14]). Messages go in order in
 * requests of at most ten entries and 1 MiB (`toBatches`); every entry's result is checked; only
 * the entries that failed are sent again, after a full-jitter exponential backoff; what still
 * failed after the last attempt is reported, entry by entry, never thrown.
 *
 * Retried: entries SQS lists in `Failed` without SenderFault, entries missing from both lists (a
 * message is never assumed sent), and every entry of a request that threw (throttling, network).
 * Not retried: entries with SenderFault (the message itself is wrong: the same answer every time)
 * and messages over the size limit, which are never sent.
 */
import type {
  MessageAttributeValue,
  SendMessageBatchCommandInput,
  SendMessageBatchCommandOutput,
  SendMessageBatchResultEntry,
} from '@aws-sdk/client-sqs';
import { backoffDelay } from '../util/backoff';
import { mapLimit } from '../util/mapLimit';
import { MAX_BATCH_ENTRIES, toBatches } from './batches';
import { SQS_MAX_MESSAGE_BYTES } from './sqsLimits';

export type SendMessageBatch = (input: SendMessageBatchCommandInput) => Promise<SendMessageBatchCommandOutput>;

export interface SqsMessage {
  body: string;
  /** Message attributes (the trace); they count towards the message's size. */
  attributes?: Record<string, MessageAttributeValue>;
}

export interface SqsSendFailure {
  /** The message's index in the list given. */
  index: number;
  code: string;
  message: string;
  /** SQS blamed the message itself, or it is too large to send: sending it again cannot help. */
  senderFault: boolean;
}

export interface SqsSendOutcome {
  sent: number;
  /** The messages not sent after every attempt, in the order given. */
  failures: SqsSendFailure[];
}

export interface SqsBatchSenderOptions {
  sendBatch: SendMessageBatch;
  queueUrl: string;
  /** Entries per request (config `aws.sqsSendBatchSize`); at most 10, the default. */
  maxEntries?: number;
  /** Bytes per message and per request: the queue's max_message_size (SQS_MAX_MESSAGE_BYTES) unless a test lowers it. */
  maxBytes?: number;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Tries per entry, counting the first (default 3). */
  attempts?: number;
  /** Backoff before retry n: a random delay below min(backoffMaxMs, backoffBaseMs × 2^(n-1)) (defaults 50 and 1000 ms). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Bytes SQS counts for a message: its body, and each attribute's name, data type and value. */
export const sqsMessageBytes = (m: SqsMessage): number =>
  Object.entries(m.attributes ?? {}).reduce(
    (n, [name, a]) =>
      n +
      Buffer.byteLength(name) +
      Buffer.byteLength(a.DataType ?? '') +
      (a.StringValue !== undefined ? Buffer.byteLength(a.StringValue) : (a.BinaryValue?.length ?? 0)),
    Buffer.byteLength(m.body, 'utf8'),
  );

const errorFailure = (index: number, error: unknown): SqsSendFailure => ({
  index,
  code: (error as Error)?.name ?? 'Error',
  message: (error as Error)?.message ?? String(error),
  senderFault: false,
});

/** Sends `messages` to the queue; see the module comment for what is retried. */
export async function sendMessageBatches(
  messages: readonly SqsMessage[],
  options: SqsBatchSenderOptions,
): Promise<SqsSendOutcome> {
  const { sendBatch, queueUrl } = options;
  const maxBytes = options.maxBytes ?? SQS_MAX_MESSAGE_BYTES;
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? defaultSleep;
  const failures = new Map<number, SqsSendFailure>();
  const sizes = messages.map(sqsMessageBytes);
  const sendable: number[] = [];
  sizes.forEach((size, index) => {
    if (size > maxBytes) {
      const message = `message of ${size} bytes is over the ${maxBytes}-byte limit`;
      failures.set(index, { index, code: 'MessageTooLong', message, senderFault: true });
    } else {
      sendable.push(index);
    }
  });
  const batches = toBatches(sendable, {
    maxEntries: Math.min(options.maxEntries ?? MAX_BATCH_ENTRIES, MAX_BATCH_ENTRIES),
    maxBytes,
    bytesOf: (index) => sizes[index],
  });
  let sent = 0;

  async function sendOne(batch: number[]): Promise<void> {
    let pending = batch;
    const last = new Map<number, SqsSendFailure>();
    for (let attempt = 1; pending.length > 0 && attempt <= attempts; attempt++) {
      if (attempt > 1) {
        await sleep(
          backoffDelay(attempt - 1, options.backoffBaseMs ?? 50, options.backoffMaxMs ?? 1000, options.random),
        );
      }
      let out: SendMessageBatchCommandOutput;
      try {
        out = await sendBatch({
          QueueUrl: queueUrl,
          Entries: pending.map((index) => ({
            Id: String(index),
            MessageBody: messages[index].body,
            ...(messages[index].attributes ? { MessageAttributes: messages[index].attributes } : {}),
          })),
        });
      } catch (error) {
        pending.forEach((index) => last.set(index, errorFailure(index, error)));
        continue;
      }
      const succeeded = new Set((out.Successful ?? []).map((s: SendMessageBatchResultEntry) => s.Id));
      const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
      const retry: number[] = [];
      for (const index of pending) {
        const f = failed.get(String(index));
        if (succeeded.has(String(index)) && !f) {
          sent++;
          last.delete(index);
          continue;
        }
        const failure: SqsSendFailure = f
          ? { index, code: f.Code ?? 'Error', message: f.Message ?? '', senderFault: f.SenderFault ?? false }
          : {
              index,
              code: 'MissingResult',
              message: 'SendMessageBatch returned no result for this entry',
              senderFault: false,
            };
        if (failure.senderFault) {
          failures.set(index, failure);
        } else {
          last.set(index, failure);
          retry.push(index);
        }
      }
      pending = retry;
    }
    last.forEach((failure, index) => failures.set(index, failure));
  }

  await mapLimit(batches, options.concurrency ?? 8, sendOne);
  return { sent, failures: [...failures.values()].sort((a, b) => a.index - b.index) };
}
