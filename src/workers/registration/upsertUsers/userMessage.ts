import type { UserUpsert } from '../../../shared/services/users';
import { RejectedRecordError, quote } from '../../../shared/runtime';
import { sanitise } from '../../../shared/util/sanitise';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** An EventBridge event delivered straight to SQS: the user is its `detail`. */
const isEnvelope = (body: Record<string, unknown>): boolean =>
  isObject(body.detail) && ('detail-type' in body || 'source' in body);

const idOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/**
 * The attributes forwarded to User Service besides `globalUserId` and `email` (DOMAIN.md 2.9,
 * 6.5). Nothing else of a message travels: not an `authorization` or `idvToken` a producer put
 * in it, nor any attribute the service does not document.
 */
export const USER_ATTRIBUTES = ['firstName', 'lastName', 'phoneNumber', 'ticketmasterId'] as const;

/** A documented attribute's value to send: text as is, a number as its text, null/absent left out. */
function attributeOf(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  throw new RejectedRecordError(`user ${name} must be a string`);
}

/**
 * Reads one user-info message (DECISIONS.md [11]): an EventBridge envelope or a bare user,
 * camelCase, `global_user_id` accepted for `globalUserId`. Only the documented attributes
 * (`USER_ATTRIBUTES`, email) go on to User Service; everything else of the message stays here.
 * A message that would fail the whole request (no id, a malformed email, a documented attribute
 * that is not text, nesting too deep to serialise) is rejected here, so it cannot fail its
 * batch-mates.
 */
export function parseUserMessage(body: unknown): UserUpsert {
  if (!isObject(body)) {
    throw new RejectedRecordError('message is not a JSON object');
  }
  const clean = sanitise(body) as Record<string, unknown>;
  const user = isEnvelope(clean) ? (clean.detail as Record<string, unknown>) : clean;
  const camelId = idOf(user.globalUserId);
  const aliasId = idOf(user.global_user_id);
  if (camelId && aliasId && camelId !== aliasId) {
    throw new RejectedRecordError(`globalUserId ${quote(camelId)} and global_user_id ${quote(aliasId)} disagree`);
  }
  const globalUserId = camelId ?? aliasId;
  if (!globalUserId) {
    throw new RejectedRecordError('user has no globalUserId (or global_user_id)');
  }
  // A blank email means "no email"; anything else must look like an address.
  const email = typeof user.email === 'string' ? user.email.trim() : user.email;
  if (
    email !== undefined &&
    email !== null &&
    email !== '' &&
    (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email))
  ) {
    throw new RejectedRecordError(`user ${quote(globalUserId)} has a malformed email`);
  }
  const attributes = Object.fromEntries(
    USER_ATTRIBUTES.map((name) => [name, attributeOf(name, user[name])] as const).filter(([, v]) => v !== undefined),
  );
  return { ...attributes, globalUserId, ...(typeof email === 'string' && email !== '' ? { email } : {}) };
}
