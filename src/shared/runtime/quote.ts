import { DEFAULT_SECRET_KEYS, isSecretKey, redact, truncateText } from './logger';

/** Longest excerpt `quote` gives by default, in characters (before its "…(+N chars)" marker). */
export const QUOTE_MAX_CHARS = 64;

const SECRET_KEYS = DEFAULT_SECRET_KEYS.map((k) => k.toLowerCase());

/**
 * A short excerpt of an input value for a reason or an error message: its JSON text (strings
 * in double quotes) cut to `maxChars` with a "…(+N chars)" marker, redacted as the logger
 * redacts structured fields (secret-named keys inside it, or the whole value when `key`, the
 * name it was read from, is secret-named). Input is only ever quoted through this, so a
 * message stays small whatever the caller sent.
 *
 * @example
 * quote('x'.repeat(1_000_000)) // '"xxx…xxx…(+999938 chars)' (64 characters, then the marker)
 * quote({ type: 'a', token: 't' }) // '{"type":"a","token":"[REDACTED]"}'
 * quote('Bearer abc', { key: 'authorization' }) // '[REDACTED]'
 */
export function quote(value: unknown, options: { maxChars?: number; key?: string } = {}): string {
  const maxChars = options.maxChars ?? QUOTE_MAX_CHARS;
  if (options.key !== undefined && isSecretKey(options.key, SECRET_KEYS)) {
    return '[REDACTED]';
  }
  const excerpt = redact(value, SECRET_KEYS, 0, new WeakSet(), Number.POSITIVE_INFINITY);
  let text: string;
  try {
    text = excerpt === undefined ? 'undefined' : (JSON.stringify(excerpt) ?? String(excerpt));
  } catch {
    text = String(excerpt);
  }
  return truncateText(text, maxChars);
}
