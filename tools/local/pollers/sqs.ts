/**
 * An SQS event source mapping, the way Lambda runs one: long-poll the queue, gather up to
 * `batch_size` messages (waiting up to the batching window), drop messages the filter criteria
 * reject (Lambda deletes them), invoke the function, then delete only what succeeded. With
 * ReportBatchItemFailures the listed messages stay; a function error (or an invalid response)
 * leaves the whole batch. What stays reappears after the queue's visibility timeout, and the
 * SQS emulator moves it to the dead-letter queue once it exceeds maxReceiveCount.
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { parsedForFilter, passesFilters } from '../eventPattern';
import type { MetricSink } from '../cloudwatch/metrics';
import type { FunctionHost, InvokeOutcome } from '../lambda/host';
import type { Queue, SqsMapping } from '../wiring/model';

export interface MappingStats {
  batches: number;
  /** Records handed to the function (a redelivered message counts again). */
  records: number;
  /** Records left for redelivery: listed in batchItemFailures, or all of a failed invocation. */
  failedRecords: number;
  functionErrors: number;
  filteredOut: number;
}

const emptyStats = (): MappingStats => ({ batches: 0, records: 0, failedRecords: 0, functionErrors: 0, filteredOut: 0 });

/** Lambda's limit on one SQS batch's payload. */
const MAX_BATCH_BYTES = 6 * 1024 * 1024;

/** The failed item ids of a function's response, or undefined when the response is not a valid partial batch response. */
export function failedItemIds(outcome: InvokeOutcome, ids: readonly string[], reportBatchItemFailures: boolean): string[] | undefined {
  if (!outcome.ok) {
    return undefined;
  }
  if (!reportBatchItemFailures) {
    return [];
  }
  const payload = outcome.payload as { batchItemFailures?: unknown } | null;
  if (payload === null || typeof payload !== 'object' || payload.batchItemFailures === undefined || payload.batchItemFailures === null) {
    return [];
  }
  if (!Array.isArray(payload.batchItemFailures)) {
    return undefined;
  }
  const failed: string[] = [];
  for (const item of payload.batchItemFailures as { itemIdentifier?: unknown }[]) {
    // Lambda treats an empty, null or unknown identifier as a failure of the whole batch.
    if (typeof item?.itemIdentifier !== 'string' || !ids.includes(item.itemIdentifier)) {
      return undefined;
    }
    failed.push(item.itemIdentifier);
  }
  return failed;
}

/** A received message as Lambda's SQS event record. */
export function toSqsRecord(message: Message, queue: Pick<Queue, 'arn'>, region: string): SQSRecord {
  const attrs = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
      SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
      SenderId: attrs.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attrs.MessageGroupId ? { MessageGroupId: attrs.MessageGroupId } : {}),
      ...(attrs.MessageDeduplicationId ? { MessageDeduplicationId: attrs.MessageDeduplicationId } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, a]) => [
        name,
        {
          dataType: a.DataType ?? 'String',
          ...(a.StringValue !== undefined ? { stringValue: a.StringValue } : {}),
          ...(a.BinaryValue !== undefined ? { binaryValue: Buffer.from(a.BinaryValue).toString('base64') } : {}),
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: region,
  } as SQSRecord;
}

export interface SqsPollerOptions {
  mapping: SqsMapping;
  queue: Queue;
  host: FunctionHost;
  sqs: SQSClient;
  region: string;
  /** Pollers working the queue at once (Lambda scales these; locally a fixed number). */
  concurrency: number;
  /** Long-poll wait per ReceiveMessage, in seconds. */
  waitSeconds?: number;
  /**
   * Where the queue's AWS/SQS ApproximateAgeOfOldestMessage goes: the age of the oldest message
   * of each batch received (real seconds since SentTimestamp). An approximation: a queue nobody
   * receives from records nothing.
   */
  metrics?: MetricSink;
  onError?: (error: Error) => void;
}

/** Runs one SQS event source mapping until stopped. */
export class SqsPoller {
  readonly stats = emptyStats();
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private busy = 0;

  constructor(private readonly options: SqsPollerOptions) {}

  start(): void {
    const { mapping } = this.options;
    const concurrency = Math.max(1, Math.min(this.options.concurrency, mapping.maximumConcurrency ?? Infinity));
    this.loops = Array.from({ length: concurrency }, () => this.loop());
  }

  /** Whether a batch is being received or processed (not counting an idle long poll). */
  isBusy(): boolean {
    return this.busy > 0;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const messages = await this.receive();
        if (messages.length > 0) {
          this.busy++;
          try {
            await this.process(messages);
          } finally {
            this.busy--;
          }
        }
      } catch (error) {
        if (this.abort.signal.aborted) {
          return;
        }
        this.options.onError?.(error as Error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async receiveOnce(max: number, waitSeconds: number): Promise<Message[]> {
    const out = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queue.url,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    const messages = out.Messages ?? [];
    if (messages.length > 0 && this.options.metrics) {
      const oldest = Math.min(...messages.map((m) => Number(m.Attributes?.SentTimestamp ?? Date.now())));
      this.options.metrics.put('AWS/SQS', 'ApproximateAgeOfOldestMessage', { QueueName: this.options.queue.name }, Math.max(0, Math.round((Date.now() - oldest) / 1000)));
    }
    return messages;
  }

  /** One batch: the first long poll, then more receives while the batching window lasts. */
  private async receive(): Promise<Message[]> {
    const { mapping } = this.options;
    const batch = await this.receiveOnce(mapping.batchSize, this.options.waitSeconds ?? 5);
    const windowMs = mapping.maximumBatchingWindowSeconds * 1000;
    if (batch.length === 0 || windowMs === 0) {
      return batch;
    }
    const deadline = Date.now() + windowMs;
    let bytes = batch.reduce((n, m) => n + Buffer.byteLength(m.Body ?? ''), 0);
    while (batch.length < mapping.batchSize && bytes < MAX_BATCH_BYTES && Date.now() < deadline && !this.abort.signal.aborted) {
      const more = await this.receiveOnce(mapping.batchSize - batch.length, Math.min(20, Math.ceil((deadline - Date.now()) / 1000)));
      batch.push(...more);
      bytes += more.reduce((n, m) => n + Buffer.byteLength(m.Body ?? ''), 0);
    }
    return batch;
  }

  private async process(messages: Message[]): Promise<void> {
    const { mapping, queue, host, region } = this.options;
    const records = messages.map((m) => toSqsRecord(m, queue, region));
    const passing = records.filter((r) =>
      passesFilters(mapping.filters, { ...r, body: parsedForFilter(r.body) }),
    );
    const filteredOut = records.filter((r) => !passing.includes(r));
    this.stats.filteredOut += filteredOut.length;
    await this.delete(filteredOut);
    if (passing.length === 0) {
      return;
    }
    this.stats.batches++;
    this.stats.records += passing.length;
    const outcome = await host.invoke(mapping.functionName, { Records: passing }, `sqs:${queue.name}`);
    const ids = passing.map((r) => r.messageId);
    const failed = failedItemIds(outcome, ids, mapping.reportBatchItemFailures);
    if (failed === undefined) {
      this.stats.functionErrors += outcome.ok ? 0 : 1;
      this.stats.failedRecords += passing.length;
      return;
    }
    this.stats.failedRecords += failed.length;
    await this.delete(passing.filter((r) => !failed.includes(r.messageId)));
  }

  private async delete(records: SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
      await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queue.url,
          Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
  }
}
