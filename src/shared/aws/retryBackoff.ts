import type { SQSClient } from '@aws-sdk/client-sqs';
import { ChangeMessageVisibilityBatchCommand } from '@aws-sdk/client-sqs';
import type { SqsRetryBackoff, VisibilityChange } from '../runtime/sqs';
import { MAX_BATCH_ENTRIES, chunk } from './batches';

/** SQS's limit on a visibility timeout (12 hours). */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * The URL of the queue `queueArn` names (`arn:aws:sqs:<region>:<account>:<name>`), on the
 * endpoint the SDK uses: `AWS_ENDPOINT_URL_SQS` / `AWS_ENDPOINT_URL` where set (local runs),
 * else the regional SQS endpoint. Building it avoids a GetQueueUrl call (and its permission);
 * a URL on another host than the client's endpoint would make the SDK send it there instead.
 */
export function queueUrlOfArn(queueArn: string, env: NodeJS.ProcessEnv = process.env): string {
  const parts = queueArn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'sqs' || !parts[5]) {
    throw new Error(`not an SQS queue ARN: ${queueArn}`);
  }
  const [, , , region, account, name] = parts;
  const endpoint = env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL || `https://sqs.${region}.amazonaws.com`;
  return `${endpoint.replace(/\/+$/, '')}/${account}/${name}`;
}

/**
 * The retry backoff of the SQS workers that opt in (`retryBackoff` of sqsBatchHandler): the
 * delay of a failed message is the schedule's entry for the receive that failed (the last entry
 * for later receives), set with ChangeMessageVisibilityBatch, ten messages per request. A
 * failed request or entry is returned as not changed (the caller logs it and still reports the
 * message as failed), never thrown.
 */
export function createSqsRetryBackoff(client: SQSClient, scheduleSeconds: readonly number[]): SqsRetryBackoff {
  if (scheduleSeconds.length === 0) {
    throw new Error('a retry backoff schedule needs at least one entry');
  }
  return {
    // The schedule's entry for the receive that failed; the last entry for later receives.
    delaySeconds: (receiveCount) => {
      const index = Math.min(Math.max(1, Math.floor(receiveCount) || 1), scheduleSeconds.length) - 1;
      return Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, scheduleSeconds[index]));
    },
    async changeVisibility(queueArn: string, changes: VisibilityChange[]) {
      const queueUrl = queueUrlOfArn(queueArn);
      const notChanged: { messageId: string; reason: string }[] = [];
      for (const part of chunk(changes, MAX_BATCH_ENTRIES)) {
        let out;
        try {
          out = await client.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: part.map((c, j) => ({
                Id: String(j),
                ReceiptHandle: c.receiptHandle,
                VisibilityTimeout: c.seconds,
              })),
            }),
          );
        } catch (error) {
          const reason = `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`;
          notChanged.push(...part.map((c) => ({ messageId: c.messageId, reason })));
          continue;
        }
        const succeeded = new Set((out.Successful ?? []).map((s) => s.Id));
        for (const [j, c] of part.entries()) {
          if (!succeeded.has(String(j))) {
            const failure = out.Failed?.find((f) => f.Id === String(j));
            notChanged.push({
              messageId: c.messageId,
              reason: failure ? `${failure.Code}: ${failure.Message ?? ''}`.trim() : 'missing from the response',
            });
          }
        }
      }
      return notChanged;
    },
  };
}
