/**
 * Untrusted data without secret-named keys, for every worker that forwards a map it
 * did not write (processData, sendData, saveEntries): a key the logs would redact never travels
 * downstream either.
 */
import { getConfig } from '../config';
import { secretKeyTest } from '../runtime/logger';
import { withoutKeys } from './sanitise';

let configured: { from: readonly string[]; keys: readonly string[] } | undefined;

/** The configured secret key names (`logging.secretKeys`), lower-cased as the logger uses them. */
export function configuredSecretKeys(): readonly string[] {
  const from = getConfig().logging.secretKeys;
  if (configured?.from !== from) {
    configured = { from, keys: from.map((k) => k.toLowerCase()) };
  }
  return configured.keys;
}

/** Lower-cased lists by the list they came from, so isSecretKey sees the same list each time. */
const lowerCased = new WeakMap<readonly string[], readonly string[]>();

/**
 * JSON data without any member whose key names a secret (`secretKeys`, default
 * `logging.secretKeys`), at every level and inside arrays: the input itself when it holds none
 * (see withoutKeys; the input is never modified). Throws RejectedRecordError past MAX_DEPTH,
 * like sanitise().
 *
 * @example stripSecrets({ a: 1, fields: { idvToken: 'x', items: [{ Authorization: 'y' }] } })
 * // → { a: 1, fields: { items: [{}] } }
 */
export function stripSecrets<T>(value: T, secretKeys: readonly string[] = configuredSecretKeys()): T {
  let lower = lowerCased.get(secretKeys);
  if (!lower) {
    lower = secretKeys.map((k) => k.toLowerCase());
    lowerCased.set(secretKeys, lower);
  }
  return withoutKeys(value, secretKeyTest(lower)) as T;
}
