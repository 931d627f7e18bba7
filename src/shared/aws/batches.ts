/**
 * The one way the workers split work into service batches: in order, by entry count and by bytes.
 * SendMessageBatch (SQS), PublishBatch (SNS), a Kafka send and the DynamoDB batch calls all use
 * it, with their limits below.
 */
import { SQS_MAX_MESSAGE_BYTES } from './sqsLimits';

/** Entries in one SendMessageBatch, ChangeMessageVisibilityBatch or PublishBatch request. */
export const MAX_BATCH_ENTRIES = 10;

/** SNS: one message, and one PublishBatch request (all entries together), at most 256 KiB. */
export const SNS_MAX_PAYLOAD_BYTES = 256 * 1024;

export interface BatchLimits<T> {
  /** Items per batch; no limit when absent. */
  maxEntries?: number;
  /**
   * Bytes per batch, each item counted with `bytesOf`; no limit when absent. An item larger than
   * this on its own goes alone in its batch: the service refuses it, and the caller reports it.
   */
  maxBytes?: number;
  bytesOf?: (item: T) => number;
}

/** An SQS SendMessageBatch request: ten entries, 1 MiB (the queues' max_message_size). */
export const sqsBatchLimits = <T>(bytesOf: (item: T) => number, maxEntries = MAX_BATCH_ENTRIES): BatchLimits<T> => ({
  maxEntries: Math.min(maxEntries, MAX_BATCH_ENTRIES),
  maxBytes: SQS_MAX_MESSAGE_BYTES,
  bytesOf,
});

/** An SNS PublishBatch request: ten entries, 256 KiB. */
export const snsBatchLimits = <T>(bytesOf: (item: T) => number, maxEntries = MAX_BATCH_ENTRIES): BatchLimits<T> => ({
  maxEntries: Math.min(maxEntries, MAX_BATCH_ENTRIES),
  maxBytes: SNS_MAX_PAYLOAD_BYTES,
  bytesOf,
});

function positiveInteger(value: number | undefined, what: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new RangeError(`${what} must be a positive integer, got ${value}`);
  }
}

/**
 * Groups `items`, in order, into batches of at most `maxEntries` items whose `bytesOf` sum to at
 * most `maxBytes`. A batch is closed when the next item would break either limit; an item over
 * `maxBytes` by itself therefore goes alone.
 */
export function toBatches<T>(items: readonly T[], limits: BatchLimits<T>): T[][] {
  const { maxEntries = Number.POSITIVE_INFINITY, maxBytes, bytesOf } = limits;
  positiveInteger(limits.maxEntries, 'maxEntries');
  positiveInteger(maxBytes, 'maxBytes');
  if (maxBytes !== undefined && !bytesOf) {
    throw new TypeError('maxBytes needs bytesOf, the size of one item');
  }
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = maxBytes === undefined ? 0 : bytesOf!(item);
    if (current.length > 0 && (current.length >= maxEntries || (maxBytes !== undefined && bytes + size > maxBytes))) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) {
    batches.push(current);
  }
  return batches;
}

/** Splits `items` into consecutive runs of at most `size` (batches by count alone). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  positiveInteger(size, 'chunk size');
  return toBatches(items, { maxEntries: size });
}
