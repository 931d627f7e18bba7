/**
 * Queues and dead-letter queues: created with their Terraform attributes, found by name tag, and
 * measured (depth, and what a non-empty queue is waiting for).
 */
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ModelIndex, Queue } from '../wiring/model';

/**
 * Creates the queues with their Terraform attributes (max_message_size included, so a message
 * AWS would refuse is refused locally too), dead-letter queues first (a redrive policy needs its target).
 */
export async function createQueues(sqs: SQSClient, queues: Queue[]): Promise<void> {
  const ordered = [...queues].sort((a, b) => Number(Boolean(a.redrive)) - Number(Boolean(b.redrive)));
  for (const q of ordered) {
    await sqs.send(
      new CreateQueueCommand({
        QueueName: q.name,
        Attributes: {
          VisibilityTimeout: String(q.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(q.messageRetentionSeconds),
          DelaySeconds: String(q.delaySeconds),
          MaximumMessageSize: String(q.maxMessageSizeBytes),
          ...(q.fifo ? { FifoQueue: 'true' } : {}),
          ...(q.redrive ? { RedrivePolicy: JSON.stringify(q.redrive) } : {}),
        },
      }),
    );
  }
}

/** A queue's messages by state (SQS's approximate counts). */
export interface QueueCounts {
  visible: number;
  /** Received and not yet deleted: being processed, or failed and waiting out the visibility timeout. */
  inFlight: number;
  delayed: number;
}

export interface QueueLookup {
  /** A queue by its Terraform name tag (`save-entries`, `data-queue-dlq`), full name or ARN. */
  queue(ref: string): Queue;
  counts(ref: string): Promise<QueueCounts>;
  /** Messages visible, in flight and delayed. */
  depth(ref: string): Promise<number>;
}

export function queueLookup(sqs: SQSClient, index: ModelIndex, prefix: string): QueueLookup {
  const queue = (ref: string): Queue =>
    index.queueByRef(ref.startsWith(prefix) || ref.startsWith('arn:') ? ref : `${prefix}${ref}`);
  const counts = async (ref: string): Promise<QueueCounts> => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue(ref).url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  };
  const depth = async (ref: string) => {
    const c = await counts(ref);
    return c.visible + c.inFlight + c.delayed;
  };
  return { queue, counts, depth };
}
