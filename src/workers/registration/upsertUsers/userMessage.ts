import type { UserUpsert } from '../../../shared/services/users';
import { RejectedRecordError } from '../../../shared/runtime';
import { sanitise } from '../../../shared/util/sanitise';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** An EventBridge event delivered straight to SQS: the user is its `detail`. */
const isEnvelope = (body: Record<string, unknown>): boolean =>
  isObject(body.detail) && ('detail-type' in body || 'source' in body);

const idOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/**
 * Reads one user-info message (DECISIONS.md [11]): an EventBridge envelope or a bare user,
 * camelCase, `global_user_id` accepted for `globalUserId`. Other attributes pass through to
 * User Service as sent (null ones dropped), without prototype-reaching keys (`__proto__`,
 * `constructor`, `prototype`), which a naive merge downstream would follow. A message that would
 * fail the whole request (no id, a malformed email, nesting too deep to serialise) is rejected
 * here, so it cannot fail its batch-mates.
 */
export function parseUserMessage(body: unknown): UserUpsert {
  if (!isObject(body)) {
    throw new RejectedRecordError('message is not a JSON object');
  }
  const clean = sanitise(body) as Record<string, unknown>;
  const user = isEnvelope(clean) ? (clean.detail as Record<string, unknown>) : clean;
  const { global_user_id: alias, globalUserId: camel, ...rest } = user;
  const camelId = idOf(camel);
  const aliasId = idOf(alias);
  if (camelId && aliasId && camelId !== aliasId) {
    throw new RejectedRecordError(`globalUserId ${camelId} and global_user_id ${aliasId} disagree`);
  }
  const globalUserId = camelId ?? aliasId;
  if (!globalUserId) {
    throw new RejectedRecordError('user has no globalUserId (or global_user_id)');
  }
  // A blank email means "no email"; anything else must look like an address.
  const email = typeof rest.email === 'string' ? rest.email.trim() : rest.email;
  if (
    email !== undefined &&
    email !== null &&
    email !== '' &&
    (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email))
  ) {
    throw new RejectedRecordError(`user ${globalUserId} has a malformed email`);
  }
  const attributes = Object.fromEntries(
    Object.entries(rest).filter(([key, value]) => key !== 'email' && value !== null && value !== undefined),
  );
  return { ...attributes, globalUserId, ...(typeof email === 'string' && email !== '' ? { email } : {}) };
}
