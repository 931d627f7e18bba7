import { RejectedRecordError } from '../runtime/errors';
import type { PlainObject } from '../util/sanitise';
import { isPlainObject, sanitise } from '../util/sanitise';
import { configuredSecretKeys, stripSecrets } from '../util/stripSecrets';
import { canonicalJson } from './canonicalJson';
import type { TypedDataRecord } from './schemas';

/**
 * The form fields a registration's `fields` text encodes (prototype-reaching keys dropped), or
 * undefined when the text is not the JSON of an object. Throws RejectedRecordError when it is
 * nested too deep. The text is never quoted back: it may hold the very secret being kept out.
 */
export function parseRegistrationFields(text: string): PlainObject | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const clean = sanitise(parsed);
  return isPlainObject(clean) ? clean : undefined;
}

/**
 * `typed` without any secret-named key (`secretKeys`, default `logging.secretKeys`, matched as the
 * logger matches them) at any depth of the record, nor inside the JSON text of a registration's
 * `fields`, which is re-encoded as canonical JSON. What processData publishes and sendData sends
 * to Kafka passes through here. Throws RejectedRecordError when that text is not a JSON object.
 */
export function withoutSecrets<T extends TypedDataRecord>(
  typed: T,
  secretKeys: readonly string[] = configuredSecretKeys(),
): T {
  // May be typed.record itself (nothing to strip), so it is copied before `fields` is replaced.
  const record = stripSecrets(typed.record, secretKeys) as T['record'] & { fields?: unknown };
  if (typed.type === 'registration' && typeof record.fields === 'string') {
    const fields = parseRegistrationFields(record.fields);
    if (!fields) {
      throw new RejectedRecordError('registration fields is not the JSON text of an object');
    }
    return { ...typed, record: { ...record, fields: canonicalJson(stripSecrets(fields, secretKeys)) } };
  }
  return { ...typed, record };
}
