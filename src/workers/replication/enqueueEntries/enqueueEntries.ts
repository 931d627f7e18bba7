import type { SendMessageBatch, SqsBatchSenderOptions, SqsMessage } from '../../../shared/aws/sqsBatchSender';
import { sendMessageBatches } from '../../../shared/aws/sqsBatchSender';
import { SQS_MAX_MESSAGE_BYTES } from '../../../shared/aws/sqsLimits';
import type { BatchResult, ChangeRecord, Logger, RejectedRecord } from '../../../shared/runtime';
import { attributeBytes, inexactNumbersReason, traceAttributes } from '../../../shared/runtime';
import type { SaveEntriesMessage } from '../shared/saveEntriesMessage';
import { decideReplication } from './filter';

/** How many SendMessageBatch requests are in flight at once. */
const SEND_CONCURRENCY = 10;

export interface EnqueueDeps {
  sendBatch: SendMessageBatch;
  /** URL of the save-entries queue (config `aws.queues.saveEntries`). */
  queueUrl: string;
  /** Entries per SendMessageBatch (config `aws.sqsSendBatchSize`, at most 10). */
  batchSize: number;
  /** Bytes per message and per request; SQS_MAX_MESSAGE_BYTES (the queues' max_message_size) unless a test lowers it. */
  maxBytes?: number;
  log: Logger;
  /** Retry of failed entries within the invocation (tests shorten it); the sender's defaults otherwise. */
  retry?: Pick<SqsBatchSenderOptions, 'attempts' | 'backoffBaseMs' | 'backoffMaxMs' | 'sleep'>;
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
  const outgoing: SqsMessage[] = [];
  /** The sequence number of each message in `outgoing`. */
  const sequenceNumbers: string[] = [];
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
    sequenceNumbers.push(change.sequenceNumber);
    outgoing.push({ body, ...(attributes ? { attributes } : {}) });
  }
  if (outgoing.length > 0 && !deps.queueUrl) {
    throw new Error('save-entries queue URL is not configured (aws.queues.saveEntries / SAVE_ENTRIES_QUEUE_URL)');
  }

  const { failures } = await sendMessageBatches(outgoing, {
    sendBatch: deps.sendBatch,
    queueUrl: deps.queueUrl,
    maxEntries: deps.batchSize,
    maxBytes,
    concurrency: SEND_CONCURRENCY,
    ...deps.retry,
  });
  if (failures.length > 0) {
    deps.log.error('save-entries queue did not take some messages; their records will be retried', {
      failed: failures.map((f) => ({
        sequenceNumber: sequenceNumbers[f.index],
        code: f.code,
        message: f.message,
        senderFault: f.senderFault,
      })),
    });
  }
  const notSent = failures.map((f) => sequenceNumbers[f.index]);
  return {
    failed: [...tooLarge, ...notSent],
    ...(rejected.length > 0 ? { rejected } : {}),
    counts: { skipped, queued: outgoing.length - notSent.length },
  };
}
