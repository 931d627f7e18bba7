/**
 * Copies of untrusted JSON that cannot reach Object.prototype, shared by every worker that
 * forwards data it did not write (processData, sendData, saveEntries, upsertUsers).
 */
import { RejectedRecordError } from '../runtime/errors';

export type PlainObject = Record<string, unknown>;

/** Keys that never become data: copying them with `obj[key] = …` would reach Object.prototype. */
export const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Nesting deeper than this is not a plausible record and is rejected (keeps recursion bounded). */
export const MAX_DEPTH = 32;

/** True for a non-null object that is not an array. */
export const isPlainObject = (value: unknown): value is PlainObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A deep copy of JSON data with `__proto__`, `constructor` and `prototype` keys removed at
 * every level; the copy's objects are ordinary objects built with Object.fromEntries, so no key
 * of the input can change a prototype. Throws RejectedRecordError past MAX_DEPTH.
 */
export function sanitise(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) {
    throw new RejectedRecordError(`data is nested deeper than ${MAX_DEPTH} levels`);
  }
  if (Array.isArray(value)) {
    return value.map((v) => sanitise(v, depth + 1));
  }
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !FORBIDDEN_KEYS.has(key))
        .map(([key, v]) => [key, sanitise(v, depth + 1)]),
    );
  }
  return value;
}
