import type {
  SendMessageBatchCommandInput,
  SendMessageBatchCommandOutput,
  SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { SQS_MAX_MESSAGE_BYTES } from '../../../shared/aws/sqsLimits';
import type { BatchResult, ChangeRecord, Logger, RejectedRecord } from '../../../shared/runtime';
import { attributeBytes, formatError, inexactNumbersReason, traceAttributes } from '../../../shared/runtime';
import type { SaveEntriesMessage } from '../saveEntriesMessage';
import { decideReplication } from './filter';

/** How many SendMessageBatch requests are in flight at once. */
const SEND_CONCURRENCY = 10;

export type SendMessageBatch = (input: SendMessageBatchCommandInput) => Promise<SendMessageBatchCommandOutput>;

export interface EnqueueDeps {
  sendBatch: SendMessageBatch;
  /** URL of the save-entries queue (config `aws.queues.saveEntries`). */
  queueUrl: string;
  /** Entries per SendMessageBatch (config `aws.sqsSendBatchSize`, at most 10). */
  batchSize: number;
  /** Bytes per message and per request; SQS_MAX_MESSAGE_BYTES (the queues' max_message_size) unless a test lowers it. */
  maxBytes?: number;
  log: Logger;
}

interface Outgoing {
  sequenceNumber: string;
  entry: SendMessageBatchRequestEntry;
  bytes: number;
}

// SQS refuses U+FFFE / U+FFFF in a body; JSON.stringify leaves them raw, so escape them.
const toBody = (message: SaveEntriesMessage): string =>
  JSON.stringify(message).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

/**
 * The queue message of a change. A MODIFY too large for SQS goes without its old image, which
 * saveEntries does not need for an upsert; anything still too large cannot be sent (undefined).
 */
function messageBody(change: ChangeRecord, maxBytes: number): string | undefined {
  const { operation, newItem, oldItem } = change;
  const full = toBody({ operation, ...(newItem ? { newItem } : {}), ...(oldItem ? { oldItem } : {}) });
  if (Buffer.byteLength(full) <= maxBytes) {
    return full;
  }
  if (operation === 'MODIFY' && newItem) {
    const lean = toBody({ operation, newItem });
    return Buffer.byteLength(lean) <= maxBytes ? lean : undefined;
  }
  return undefined;
}

/** Groups messages in order into requests of at most `batchSize` entries and `maxBytes` bytes. */
function planBatches(outgoing: Outgoing[], batchSize: number, maxBytes: number): Outgoing[][] {
  const batches: Outgoing[][] = [];
  let current: Outgoing[] = [];
  let bytes = 0;
  for (const item of outgoing) {
    if (current.length === batchSize || (current.length > 0 && bytes + item.bytes > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length > 0) {
    batches.push(current);
  }
  return batches;
}

/** Sends one request; returns the sequence numbers whose message SQS did not take. */
async function send(batch: Outgoing[], deps: EnqueueDeps): Promise<string[]> {
  const bySendId = new Map(batch.map((o) => [o.entry.Id, o.sequenceNumber]));
  try {
    const out = await deps.sendBatch({ QueueUrl: deps.queueUrl, Entries: batch.map((o) => o.entry) });
    const failed = out.Failed ?? [];
    if (failed.length > 0) {
      deps.log.warn('save-entries queue refused some messages', {
        failed: failed.map((f) => ({
          sequenceNumber: bySendId.get(f.Id),
          code: f.Code,
          message: f.Message,
          senderFault: f.SenderFault,
        })),
      });
    }
    // Anything not reported as successful counts as failed: a message is never assumed sent.
    const sent = new Set((out.Successful ?? []).map((s) => s.Id));
    return batch.filter((o) => !sent.has(o.entry.Id)).map((o) => o.sequenceNumber);
  } catch (error) {
    deps.log.error('SendMessageBatch to save-entries failed', { messages: batch.length, error: formatError(error) });
    return batch.map((o) => o.sequenceNumber);
  }
}

/**
 * Why a change lacks the image its operation needs (a REMOVE its old image, an INSERT or MODIFY
 * its new one), or undefined. Without it the change cannot even be told to be a registration's.
 */
function missingImage(change: ChangeRecord): string | undefined {
  const needed = change.operation === 'REMOVE' ? 'old' : 'new';
  const image = needed === 'old' ? change.oldItem : change.newItem;
  return image ? undefined : `${change.operation} without its ${needed} image: cannot tell what changed`;
}

/**
 * enqueueEntries (DOMAIN.md 4.3): turns the stream's registration changes that need
 * replication into save-entries messages, sent with SendMessageBatch. Records whose message
 * was not accepted are returned as failed (by sequence number) for the stream to retry. A
 * change without the image it needs, or a registration change holding a number JSON would
 * round, is rejected with the reason (logged at warn and counted, never retried).
 */
export async function enqueueEntries(changes: ChangeRecord[], deps: EnqueueDeps): Promise<BatchResult> {
  const maxBytes = deps.maxBytes ?? SQS_MAX_MESSAGE_BYTES;
  const outgoing: Outgoing[] = [];
  const tooLarge: string[] = [];
  const rejected: RejectedRecord[] = [];
  let skipped = 0;
  for (const change of changes) {
    const missing = missingImage(change);
    if (missing !== undefined) {
      rejected.push({ id: change.sequenceNumber, reason: missing });
      continue;
    }
    const decision = decideReplication(change);
    if (!decision.replicate) {
      skipped++;
      deps.log.debug('change skipped', {
        sequenceNumber: change.sequenceNumber,
        keys: change.keys,
        reason: decision.reason,
      });
      continue;
    }
    if (change.inexactNumbers) {
      rejected.push({ id: change.sequenceNumber, reason: inexactNumbersReason(change.inexactNumbers) });
      continue;
    }
    // The change's trace travels as message attributes, which count towards the message size.
    const attributes = change.trace ? traceAttributes(change.trace) : undefined;
    const attributesSize = attributes ? attributeBytes(attributes) : 0;
    const body = messageBody(change, maxBytes - attributesSize);
    if (body === undefined) {
      // Retrying cannot shrink it; after the stream's retries the batch goes to the DLQ for an operator.
      deps.log.error('entry too large for one SQS message', {
        sequenceNumber: change.sequenceNumber,
        keys: change.keys,
      });
      tooLarge.push(change.sequenceNumber);
      continue;
    }
    outgoing.push({
      sequenceNumber: change.sequenceNumber,
      entry: { Id: `r${outgoing.length}`, MessageBody: body, ...(attributes ? { MessageAttributes: attributes } : {}) },
      bytes: Buffer.byteLength(body) + attributesSize,
    });
  }
  if (outgoing.length > 0 && !deps.queueUrl) {
    throw new Error('save-entries queue URL is not configured (aws.queues.saveEntries / SAVE_ENTRIES_QUEUE_URL)');
  }

  const batches = planBatches(outgoing, deps.batchSize, maxBytes);
  const notSent: string[] = [];
  for (let i = 0; i < batches.length; i += SEND_CONCURRENCY) {
    const results = await Promise.all(batches.slice(i, i + SEND_CONCURRENCY).map((batch) => send(batch, deps)));
    notSent.push(...results.flat());
  }
  return {
    failed: [...tooLarge, ...notSent],
    ...(rejected.length > 0 ? { rejected } : {}),
    counts: { skipped, queued: outgoing.length - notSent.length },
  };
}
