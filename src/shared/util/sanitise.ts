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
 * JSON data with `__proto__`, `constructor` and `prototype` keys removed at every level (see
 * withoutKeys: the input itself when it holds none). No key of the input can change a
 * prototype. Throws RejectedRecordError past MAX_DEPTH.
 */
export function sanitise(value: unknown, depth = 0): unknown {
  return withoutKeys(value, (key) => FORBIDDEN_KEYS.has(key), depth);
}

/**
 * `value` without the object members whose key `drop` names, at every level and inside arrays.
 * Nothing is copied where nothing is dropped: the result is the input itself, or a copy of the
 * objects and arrays on the way to a dropped key sharing everything else (records are parsed
 * JSON, almost always clean, and copying every level cost more than validating them, issue 31).
 * The input is never modified. An object that is not ordinary (a Date, a null-prototype or class
 * instance) becomes a plain object of its own enumerable members; a kept `__proto__` key stays
 * data. Throws RejectedRecordError past MAX_DEPTH.
 */
export function withoutKeys(value: unknown, drop: (key: string) => boolean, depth = 0): unknown {
  if (depth > MAX_DEPTH) {
    throw new RejectedRecordError(`data is nested deeper than ${MAX_DEPTH} levels`);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = withoutKeys(value[i], drop, depth + 1);
      if (copy) {
        copy.push(item);
      } else if (item !== value[i]) {
        copy = [...value.slice(0, i), item];
      }
    }
    return copy ?? value;
  }
  const source = value as PlainObject;
  const keys = Object.keys(source);
  let copy: PlainObject | undefined = Object.getPrototypeOf(source) === Object.prototype ? undefined : {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (drop(key)) {
      copy ??= membersBefore(source, keys, i);
      continue;
    }
    const item = withoutKeys(source[key], drop, depth + 1);
    if (!copy && item !== source[key]) {
      copy = membersBefore(source, keys, i);
    }
    if (copy) {
      setMember(copy, key, item);
    }
  }
  return copy ?? value;
}

/** A plain object of `source`'s first `end` members (all kept and unchanged so far). */
function membersBefore(source: PlainObject, keys: string[], end: number): PlainObject {
  const copy: PlainObject = {};
  for (let i = 0; i < end; i++) {
    setMember(copy, keys[i], source[keys[i]]);
  }
  return copy;
}

/** Sets an own data member, also for the key `__proto__` (an assignment would set the prototype). */
export function setMember(target: PlainObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
