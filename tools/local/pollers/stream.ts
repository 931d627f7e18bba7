/**
 * A Kinesis consumer with Lambda's event source mapping semantics, shared by the stream
 * mappings and the EventBridge pipe: records are read in order, filtered (a record no filter
 * matches is skipped for good), gathered into batches of `batchSize` within the batching
 * window, and a batch blocks the shard until it is settled:
 * - success: checkpoint after the batch;
 * - partial failure (ReportBatchItemFailures): checkpoint before the lowest failed record and
 *   retry from there, one retry attempt used;
 * - function error (or an invalid partial response): with bisect, split the batch in two and
 *   process each half (splitting uses no retry attempt); a single record, or no bisect, is
 *   retried whole, one attempt used;
 * - out of attempts (`maximumRetryAttempts`, -1 = unlimited): the records are skipped and, when
 *   an on-failure destination is set, a batch-info record is sent there, as AWS does.
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { MetricSink } from '../cloudwatch/metrics';
import { parsedForFilter, passesFilters } from '../eventPattern';
import type { KinesisStreamRecord } from '../dynamoStream';
import type { FunctionHost, InvokeError } from '../lambda/host';
import type { EventPattern, StreamMapping } from '../wiring/model';
import { failedItemIds } from './sqs';

/** Where records come from: DynamoDB Local's stream shaped as Kinesis records (tools/local/dynamoStream.ts). */
export interface StreamSource {
  read(): Promise<KinesisStreamRecord[]>;
  close(): void;
}

export type DeliveryResult = { kind: 'ok' } | { kind: 'partial'; failedFrom: number } | { kind: 'error'; error: InvokeError };

export interface StreamStats {
  batches: number;
  records: number;
  failedRecords: number;
  functionErrors: number;
  filteredOut: number;
  retries: number;
  bisects: number;
  /** Records given up on after the last attempt. */
  discarded: number;
  /** Batch-info records sent to the on-failure destination / DLQ. */
  destinationMessages: number;
}

export interface StreamConsumerConfig {
  name: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  filters: EventPattern[];
  bisectOnError: boolean;
  maximumRetryAttempts: number;
}

/** The view of a record that filters (and pipe templates) see: Kinesis fields with `data` decoded when it is JSON. */
export function filterView(record: KinesisStreamRecord): Record<string, unknown> {
  const { kinesis, ...rest } = record;
  return { ...rest, ...kinesis, data: parsedForFilter(Buffer.from(kinesis.data, 'base64').toString('utf8')) };
}

/** The batch-info record AWS sends to an on-failure destination for a Kinesis source. */
export function kinesisBatchInfo(records: KinesisStreamRecord[], streamArn: string) {
  const first = records[0];
  const last = records[records.length - 1];
  return {
    shardId: first.eventID.split(':')[0],
    startSequenceNumber: first.kinesis.sequenceNumber,
    endSequenceNumber: last.kinesis.sequenceNumber,
    approximateArrivalOfFirstRecord: new Date(first.kinesis.approximateArrivalTimestamp * 1000).toISOString(),
    approximateArrivalOfLastRecord: new Date(last.kinesis.approximateArrivalTimestamp * 1000).toISOString(),
    batchSize: records.length,
    streamArn,
  };
}

export interface StreamConsumerOptions {
  config: StreamConsumerConfig;
  source: StreamSource;
  deliver: (records: KinesisStreamRecord[]) => Promise<DeliveryResult>;
  /** Called with records given up on (after the last attempt). */
  onExhausted: (records: KinesisStreamRecord[], attempts: number, lastError?: InvokeError) => Promise<void>;
  pollIntervalMs?: number;
  onError?: (error: Error) => void;
}

/** Reads a stream source and delivers batches until stopped. */
export class StreamConsumer {
  readonly stats: StreamStats = { batches: 0, records: 0, failedRecords: 0, functionErrors: 0, filteredOut: 0, retries: 0, bisects: 0, discarded: 0, destinationMessages: 0 };
  private stopped = false;
  private loopDone: Promise<void> | undefined;
  private buffer: KinesisStreamRecord[] = [];
  private busy = false;
  private drainedAt = 0;

  constructor(private readonly options: StreamConsumerOptions) {}

  start(): void {
    this.loopDone = this.loop();
  }

  /** Whether records are waiting or a batch is being delivered. */
  isBusy(): boolean {
    return this.busy || this.buffer.length > 0;
  }

  /**
   * When the latest read that found the stream drained (nothing new, nothing buffered) began,
   * in epoch ms. Records written but not read yet make no consumer busy, so "idle" also needs
   * a drained read that began after the quiet period did.
   */
  drainedSince(): number {
    return this.drainedAt;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loopDone;
    this.options.source.close();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  private async loop(): Promise<void> {
    const { config } = this.options;
    const pollMs = this.options.pollIntervalMs ?? 200;
    const windowMs = config.maximumBatchingWindowSeconds * 1000;
    let oldestBufferedAt = 0;
    while (!this.stopped) {
      try {
        const readStartedAt = Date.now();
        const records = await this.options.source.read();
        if (records.length === 0 && this.buffer.length === 0) {
          this.drainedAt = readStartedAt;
        }
        for (const record of records) {
          if (passesFilters(config.filters, filterView(record))) {
            if (this.buffer.length === 0) {
              oldestBufferedAt = Date.now();
            }
            this.buffer.push(record);
          } else {
            this.stats.filteredOut++;
          }
        }
      } catch (error) {
        this.options.onError?.(error as Error);
      }
      const waited = Date.now() - oldestBufferedAt;
      if (this.buffer.length === 0 || (this.buffer.length < config.batchSize && waited < windowMs)) {
        await this.sleep(this.buffer.length === 0 ? pollMs : Math.min(pollMs, windowMs - waited));
        continue;
      }
      const batch = this.buffer.splice(0, config.batchSize);
      oldestBufferedAt = Date.now();
      this.busy = true;
      try {
        await this.settle(batch, 0);
      } catch (error) {
        this.options.onError?.(error as Error);
      } finally {
        this.busy = false;
      }
    }
  }

  private attemptsLeft(retriesUsed: number): boolean {
    const max = this.options.config.maximumRetryAttempts;
    return max < 0 || retriesUsed < max;
  }

  /** Delivers `records` until they succeed or run out of attempts; resolves when they are settled. */
  private async settle(records: KinesisStreamRecord[], retriesUsed: number, lastError?: InvokeError): Promise<void> {
    if (this.stopped && retriesUsed > 0) {
      return;
    }
    this.stats.batches++;
    this.stats.records += records.length;
    const result = await this.options.deliver(records);
    if (result.kind === 'ok') {
      return;
    }
    if (result.kind === 'partial') {
      const remaining = records.slice(result.failedFrom);
      this.stats.failedRecords += remaining.length;
      return this.retryOrGiveUp(remaining, retriesUsed, lastError);
    }
    this.stats.functionErrors++;
    this.stats.failedRecords += records.length;
    if (this.options.config.bisectOnError && records.length > 1) {
      this.stats.bisects++;
      const half = Math.ceil(records.length / 2);
      await this.settle(records.slice(0, half), retriesUsed, result.error);
      await this.settle(records.slice(half), retriesUsed, result.error);
      return;
    }
    return this.retryOrGiveUp(records, retriesUsed, result.error);
  }

  private async retryOrGiveUp(records: KinesisStreamRecord[], retriesUsed: number, lastError?: InvokeError): Promise<void> {
    if (this.attemptsLeft(retriesUsed) && !this.stopped) {
      this.stats.retries++;
      await this.sleep(Math.min(2000, 100 * 2 ** retriesUsed));
      return this.settle(records, retriesUsed + 1, lastError);
    }
    this.stats.discarded += records.length;
    await this.options.onExhausted(records, retriesUsed + 1, lastError);
  }
}

export interface StreamMappingOptions {
  mapping: StreamMapping;
  functionArn: string;
  source: StreamSource;
  host: FunctionHost;
  sqs: SQSClient;
  /** URL of the on-failure destination queue, when the mapping has one. */
  destinationUrl?: string;
  pollIntervalMs?: number;
  /** Where the mapping's AWS/Lambda IteratorAge goes: the age of each batch's last record when it is delivered. */
  metrics?: MetricSink;
  onError?: (error: Error) => void;
}

/** A Kinesis event source mapping of a Lambda function. */
export function streamMappingConsumer(options: StreamMappingOptions): StreamConsumer {
  const { mapping, host, sqs } = options;
  const consumer: StreamConsumer = new StreamConsumer({
    config: { ...mapping, name: mapping.address },
    source: options.source,
    pollIntervalMs: options.pollIntervalMs,
    onError: options.onError,
    deliver: async (records) => {
      const metrics = options.metrics;
      if (metrics && records.length > 0) {
        const age = metrics.now() - records[records.length - 1].kinesis.approximateArrivalTimestamp * 1000;
        metrics.put('AWS/Lambda', 'IteratorAge', { FunctionName: mapping.functionName.split(':').pop() ?? mapping.functionName }, Math.max(0, Math.round(age)));
      }
      const outcome = await host.invoke(mapping.functionName, { Records: records }, `stream:${mapping.address}`);
      const ids = records.map((r) => r.kinesis.sequenceNumber);
      const failed = failedItemIds(outcome, ids, mapping.reportBatchItemFailures);
      if (failed === undefined) {
        return {
          kind: 'error',
          error: outcome.ok ? { errorType: 'InvalidBatchItemFailures', errorMessage: 'the response is not a valid partial batch response' } : outcome.error,
        };
      }
      if (failed.length === 0) {
        return { kind: 'ok' };
      }
      return { kind: 'partial', failedFrom: Math.min(...failed.map((id) => ids.indexOf(id))) };
    },
    onExhausted: async (records, attempts, lastError) => {
      if (!options.destinationUrl) {
        return;
      }
      const body = {
        requestContext: {
          requestId: randomUUID(),
          functionArn: options.functionArn,
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: attempts,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(lastError ? { functionError: 'Unhandled' } : {}) },
        version: '1.0',
        timestamp: new Date().toISOString(),
        KinesisBatchInfo: kinesisBatchInfo(records, mapping.streamArn),
      };
      await sqs.send(new SendMessageCommand({ QueueUrl: options.destinationUrl, MessageBody: JSON.stringify(body) }));
      consumer.stats.destinationMessages++;
    },
  });
  return consumer;
}
