import type { PlainObject } from '../../../../shared/util/sanitise';
import { isPlainObject, setMember } from '../../../../shared/util/sanitise';

type Maybe<T> = T | null | undefined;

/** Copies `obj` without its `undefined` members (they would only be dropped by JSON later). */
export function compact<T extends object>(obj: T): T {
  const out: PlainObject = {};
  for (const key of Object.keys(obj)) {
    const value = (obj as PlainObject)[key];
    if (value !== undefined) {
      setMember(out, key, value);
    }
  }
  return out as T;
}

/** A Mongo extended-JSON id (`{ $oid }`), string or number as a string id; undefined otherwise. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value.trim() === '' ? undefined : value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  if (isPlainObject(value) && typeof value.$oid === 'string' && value.$oid !== '') {
    return value.$oid;
  }
  return undefined;
}

/**
 * Shapes source values into schema types, converting only where nothing is lost (a number id to
 * a string, "true" to true, a Mongo `{ $date }` to an ISO string). A value of the wrong kind is
 * left out and noted in `dropped`, which processData logs, so one odd optional field neither
 * blocks the record nor disappears unseen.
 */
export class Shaper {
  readonly dropped: string[] = [];

  private drop(path: string, expected: string, value: unknown): undefined {
    const got = Array.isArray(value) ? 'array' : typeof value;
    this.dropped.push(`${path}: expected ${expected}, got ${got}`);
    return undefined;
  }

  str(value: unknown, path: string): Maybe<string> {
    if (value === undefined || value === null || typeof value === 'string') {
      return value;
    }
    if (typeof value === 'number' || typeof value === 'boolean') {
      return String(value);
    }
    return this.drop(path, 'a string', value);
  }

  /** An ISO date string: strings pass unchanged; epoch milliseconds and `{ $date }` are converted. */
  date(value: unknown, path: string): Maybe<string> {
    if (value === undefined || value === null || typeof value === 'string') {
      return value;
    }
    const raw = isPlainObject(value) ? value.$date : value;
    const inner = isPlainObject(raw) && typeof raw.$numberLong === 'string' ? Number(raw.$numberLong) : raw;
    if (typeof inner === 'number' || typeof inner === 'string') {
      const d = new Date(inner);
      if (!Number.isNaN(d.getTime())) {
        return d.toISOString();
      }
    }
    return this.drop(path, 'a date', value);
  }

  num(value: unknown, path: string): Maybe<number> {
    if (value === undefined || value === null) {
      return value;
    }
    if (typeof value === 'number' && Number.isFinite(value)) {
      return value;
    }
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
      return Number(value);
    }
    return this.drop(path, 'a number', value);
  }

  bool(value: unknown, path: string): Maybe<boolean> {
    if (value === undefined || value === null || typeof value === 'boolean') {
      return value;
    }
    if (value === 'true' || value === 'false') {
      return value === 'true';
    }
    return this.drop(path, 'a boolean', value);
  }

  strOrNum(value: unknown, path: string): Maybe<string | number> {
    if (value === undefined || value === null || typeof value === 'string') {
      return value;
    }
    if (typeof value === 'number' && Number.isFinite(value)) {
      return value;
    }
    return this.drop(path, 'a string or number', value);
  }

  /** An array of strings (numbers converted); items of other kinds are dropped and noted. */
  strings(value: unknown, path: string): Maybe<string[]> {
    if (value === undefined || value === null) {
      return value;
    }
    if (!Array.isArray(value)) {
      return this.drop(path, 'an array', value);
    }
    return value.flatMap((item, i) => {
      const s = this.str(item, `${path}[${i}]`);
      return s === undefined || s === null || s === '' ? [] : [s];
    });
  }

  /** An open object (already sanitised), passed through. */
  object(value: unknown, path: string): Maybe<PlainObject> {
    if (value === undefined || value === null || isPlainObject(value)) {
      return value;
    }
    return this.drop(path, 'an object', value);
  }

  /**
   * A nested object of the schema: `build` picks its fields; undefined members are removed and
   * an object left with no member is omitted.
   */
  section<T extends object>(value: unknown, path: string, build: (o: PlainObject) => T): Maybe<T> {
    if (value === undefined || value === null) {
      return value;
    }
    if (!isPlainObject(value)) {
      return this.drop(path, 'an object', value);
    }
    const out = compact(build(value));
    return Object.keys(out).length === 0 ? undefined : out;
  }

  /** An array of schema objects; items that are not objects are dropped and noted. */
  list<T extends object>(value: unknown, path: string, build: (o: PlainObject) => T): Maybe<T[]> {
    if (value === undefined || value === null) {
      return value;
    }
    if (!Array.isArray(value)) {
      return this.drop(path, 'an array', value);
    }
    return value.flatMap((item, i) => {
      if (!isPlainObject(item)) {
        this.drop(`${path}[${i}]`, 'an object', item);
        return [];
      }
      return [compact(build(item))];
    });
  }
}

/** `value` when it is an object, else an empty object (for reading nested source fields). */
export const objectAt = (value: unknown): PlainObject => (isPlainObject(value) ? value : {});
