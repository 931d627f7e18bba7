/**
 * Copies of untrusted data without secret-named keys, for every worker that forwards a map it
 * did not write (processData, sendData, saveEntries): a key the logs would redact never travels
 * downstream either.
 */
import { getConfig } from '../config';
import { RejectedRecordError } from '../runtime/errors';
import { isSecretKey } from '../runtime/logger';
import { MAX_DEPTH, isPlainObject } from './sanitise';

/** The configured secret key names (`logging.secretKeys`), lower-cased as the logger uses them. */
export function configuredSecretKeys(): readonly string[] {
  return getConfig().logging.secretKeys.map((k) => k.toLowerCase());
}

/**
 * A deep copy of JSON data without any member whose key names a secret (`secretKeys`, default
 * `logging.secretKeys`), at every level and inside arrays. Throws RejectedRecordError past
 * MAX_DEPTH, like sanitise().
 *
 * @example stripSecrets({ a: 1, fields: { idvToken: 'x', items: [{ Authorization: 'y' }] } })
 * // → { a: 1, fields: { items: [{}] } }
 */
export function stripSecrets<T>(value: T, secretKeys: readonly string[] = configuredSecretKeys()): T {
  const lower = secretKeys.map((k) => k.toLowerCase());
  return strip(value, lower, 0) as T;
}

function strip(value: unknown, secretKeys: readonly string[], depth: number): unknown {
  if (depth > MAX_DEPTH) {
    throw new RejectedRecordError(`data is nested deeper than ${MAX_DEPTH} levels`);
  }
  if (Array.isArray(value)) {
    return value.map((v) => strip(v, secretKeys, depth + 1));
  }
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !isSecretKey(key, secretKeys))
        .map(([key, v]) => [key, strip(v, secretKeys, depth + 1)]),
    );
  }
  return value;
}
