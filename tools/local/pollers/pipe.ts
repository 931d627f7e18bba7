/**
 * An EventBridge pipe from the demand-table stream to an SQS queue: the same Kinesis consumer
 * as a stream mapping (filters, batches, bisect, retries), with the target input template
 * applied to each record and the results sent with SendMessageBatch. Batches that still fail
 * after the retries are described in a message to the pipe's dead-letter queue.
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { KinesisStreamRecord } from '../dynamoStream';
import type { Pipe } from '../wiring/model';
import type { DeliveryResult, StreamSource } from './stream';
import { StreamConsumer, filterView, kinesisBatchInfo } from './stream';

/** The value at a JSONPath like `$.data.dynamodb.NewImage` or `$.items[0].id`. */
function jsonPath(event: unknown, pathText: string): unknown {
  const steps = pathText.replace(/^\$\.?/, '').match(/[^.[\]]+/g) ?? [];
  return steps.reduce<unknown>((value, step) => (value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[step]), event);
}

/**
 * Applies a pipe input template: `<$.path>` is replaced by the value at that path, as JSON
 * where the placeholder stands for a value and as plain text inside a quoted string;
 * `<aws.pipes.event.json>` is the whole event.
 */
export function applyInputTemplate(template: string, event: Record<string, unknown>): string {
  return template.replace(/<(\$[^>]*|aws\.pipes\.event\.json|aws\.pipes\.event)>/g, (placeholder, ref: string, offset: number) => {
    const value = ref.startsWith('$') ? jsonPath(event, ref) : event;
    const quoted = template[offset - 1] === '"' && template[offset + placeholder.length] === '"';
    if (quoted) {
      const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
      return JSON.stringify(text).slice(1, -1);
    }
    return JSON.stringify(value ?? null);
  });
}

export interface PipeOptions {
  pipe: Pipe;
  source: StreamSource;
  sqs: SQSClient;
  targetUrl: string;
  deadLetterUrl?: string;
  pollIntervalMs?: number;
  onError?: (error: Error) => void;
}

/** Runs a pipe (Kinesis source, SQS target) until stopped. */
export function pipeConsumer(options: PipeOptions): StreamConsumer & { sent: () => number } {
  const { pipe, sqs } = options;
  let sent = 0;
  const consumer = new StreamConsumer({
    config: { ...pipe, name: pipe.name, bisectOnError: pipe.bisectOnError },
    source: options.source,
    pollIntervalMs: options.pollIntervalMs,
    onError: options.onError,
    deliver: async (records: KinesisStreamRecord[]): Promise<DeliveryResult> => {
      const bodies = records.map((r) => {
        const event = filterView(r);
        return pipe.inputTemplate === undefined ? JSON.stringify(event) : applyInputTemplate(pipe.inputTemplate, event);
      });
      for (let i = 0; i < bodies.length; i += 10) {
        const chunk = bodies.slice(i, i + 10);
        try {
          const out = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: options.targetUrl,
              Entries: chunk.map((MessageBody, j) => ({ Id: String(j), MessageBody })),
            }),
          );
          const failed = (out.Failed ?? []).map((f) => Number(f.Id));
          sent += chunk.length - failed.length;
          if (failed.length > 0) {
            return { kind: 'partial', failedFrom: i + Math.min(...failed) };
          }
        } catch (error) {
          // Records before this chunk reached the queue; retry from the first that did not.
          return i === 0
            ? { kind: 'error', error: { errorType: (error as Error).name, errorMessage: (error as Error).message } }
            : { kind: 'partial', failedFrom: i };
        }
      }
      return { kind: 'ok' };
    },
    onExhausted: async (records, attempts, lastError) => {
      if (!options.deadLetterUrl) {
        return;
      }
      const body = {
        context: {
          partnerResourceArn: pipe.arn,
          condition: 'RetryAttemptsExhausted',
          requestId: randomUUID(),
          approximateInvokeCount: attempts,
          ...(lastError ? { errorCode: lastError.errorType, errorMessage: lastError.errorMessage } : {}),
        },
        version: '1.0',
        timestamp: new Date().toISOString(),
        KinesisBatchInfo: kinesisBatchInfo(records, pipe.sourceArn),
      };
      await sqs.send(new SendMessageCommand({ QueueUrl: options.deadLetterUrl, MessageBody: JSON.stringify(body) }));
      consumer.stats.destinationMessages++;
    },
  });
  return Object.assign(consumer, { sent: () => sent });
}
