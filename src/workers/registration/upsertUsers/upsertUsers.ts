import type { BatchResult, Logger, SqsMessage } from '../../../shared/runtime';
import { formatError } from '../../../shared/runtime';
import type { UserService, UserUpsert } from '../../../shared/services/users';

/** Most users User Service takes in one upsert. */
export const MAX_USERS_PER_REQUEST = 1000;

/**
 * Upserts the users of a batch in User Service. Messages for the same user are merged in
 * arrival order (later values win), so the user is sent once. A user id the service names as
 * failed fails every message of that user; a request that fails as a whole fails the messages
 * of that request only. Upserting the same user again is harmless, so redelivery is too.
 */
export async function upsertUsers(
  messages: SqsMessage<UserUpsert>[],
  users: UserService,
  log: Logger,
): Promise<BatchResult> {
  const byUser = new Map<string, { user: UserUpsert; messageIds: string[] }>();
  for (const { messageId, body } of messages) {
    const seen = byUser.get(body.globalUserId);
    byUser.set(body.globalUserId, {
      user: { ...seen?.user, ...body },
      messageIds: [...(seen?.messageIds ?? []), messageId],
    });
  }
  const groups = [...byUser.values()];
  const failed: string[] = [];
  let upserted = 0;
  for (let i = 0; i < groups.length; i += MAX_USERS_PER_REQUEST) {
    const part = groups.slice(i, i + MAX_USERS_PER_REQUEST);
    try {
      const result = await users.batchUpsert(part.map((g) => g.user));
      // `success: false` without ids cannot say who failed, so everyone in the request is retried.
      const failedIds = new Set(
        result.success || result.failed.length > 0 ? result.failed : part.map((g) => g.user.globalUserId),
      );
      for (const group of part) {
        if (failedIds.has(group.user.globalUserId)) {
          failed.push(...group.messageIds);
        } else {
          upserted++;
        }
      }
      if (failedIds.size > 0) {
        log.warn('User Service could not upsert some users', { globalUserIds: [...failedIds] });
      }
    } catch (error) {
      log.error('User Service upsert failed; the request will be retried', {
        users: part.length,
        error: formatError(error),
      });
      failed.push(...part.flatMap((g) => g.messageIds));
    }
  }
  return { failed, counts: { users: groups.length, upserted } };
}
