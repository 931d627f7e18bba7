import type { BatchResult, Logger, SqsMessage } from '../../../shared/runtime';
import { RejectedRecordError, formatError } from '../../../shared/runtime';
import type { EntryRef, EntryService } from '../../../shared/services/entries';
import { chunk } from '../../../shared/aws/batches';

/** A retry-score message as Entry Service writes it (DECISIONS.md [12]). */
export interface RetryScoreMessage {
  campaignId: string;
  userId: string;
  globalUserId?: string;
}

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** Reads `{ campaignId, userId, globalUserId? }`; a message without both ids is rejected. */
export function parseRetryScoreMessage(body: unknown): RetryScoreMessage {
  const b = (body ?? {}) as Record<string, unknown>;
  const campaignId = nonEmpty(b.campaignId);
  const userId = nonEmpty(b.userId);
  if (typeof body !== 'object' || Array.isArray(body) || !campaignId || !userId) {
    throw new RejectedRecordError('retry-score message needs campaignId and userId');
  }
  const globalUserId = nonEmpty(b.globalUserId);
  return { campaignId, userId, ...(globalUserId ? { globalUserId } : {}) };
}

/**
 * retryScore (DOMAIN.md 4.5): asks Entry Service to refresh the scores of the queued entries,
 * each entry once per batch, in requests of `batchSize`. The user ids Entry Service names as
 * failed, or every entry of a request that failed as a whole, are retried. A refresh recomputes
 * the same scores, so a repeated message is harmless.
 */
export async function retryScores(
  messages: SqsMessage<RetryScoreMessage>[],
  deps: { entries: Pick<EntryService, 'refreshScores'>; batchSize: number; log: Logger },
): Promise<BatchResult> {
  const byEntry = new Map<string, { ref: EntryRef; messageIds: string[] }>();
  for (const { messageId, body } of messages) {
    const id = `${body.campaignId}|${body.userId}`;
    byEntry.set(id, {
      ref: { campaignId: body.campaignId, userId: body.userId },
      messageIds: [...(byEntry.get(id)?.messageIds ?? []), messageId],
    });
  }
  const failed: string[] = [];
  let refreshed = 0;
  for (const part of chunk([...byEntry.values()], deps.batchSize)) {
    try {
      const result = await deps.entries.refreshScores(part.map((p) => p.ref));
      const failedUsers = new Set(result.failed);
      for (const { ref, messageIds } of part) {
        if (failedUsers.has(ref.userId)) {
          failed.push(...messageIds);
        } else {
          refreshed++;
        }
      }
      if (failedUsers.size > 0) {
        deps.log.warn('Entry Service could not refresh some scores; they will be retried', {
          userIds: [...failedUsers],
        });
      }
    } catch (error) {
      deps.log.error('Entry Service refreshScores failed; its entries will be retried', {
        entries: part.length,
        error: formatError(error),
      });
      failed.push(...part.flatMap((p) => p.messageIds));
    }
  }
  return { failed, counts: { entries: byEntry.size, refreshed } };
}
