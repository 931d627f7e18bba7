import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { RejectedRecordError } from '../../../shared/runtime/errors';
import { toPlain } from '../../../shared/runtime/stream';

export type PlainObject = Record<string, unknown>;

/** Keys that never become data: copying them with `obj[key] = …` would reach Object.prototype. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

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

const ATTRIBUTE_VALUE_CHECKS: Record<string, (v: unknown) => boolean> = {
  S: (v) => typeof v === 'string',
  N: (v) => typeof v === 'string',
  B: (v) => typeof v === 'string',
  BOOL: (v) => typeof v === 'boolean',
  NULL: (v) => v === true,
  M: isPlainObject,
  L: Array.isArray,
  SS: Array.isArray,
  NS: Array.isArray,
  BS: Array.isArray,
};

/** One DynamoDB attribute value in its JSON form: an object with a single type key (`{ S: "x" }`, `{ M: {…} }`). */
export function isAttributeValue(value: unknown): boolean {
  if (!isPlainObject(value)) {
    return false;
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    return false;
  }
  const check = ATTRIBUTE_VALUE_CHECKS[keys[0]];
  return check !== undefined && check(value[keys[0]]);
}

/**
 * A DynamoDB item image (what the demand-table pipe carries): a non-empty object whose every
 * top-level value is an attribute value. Plain records are never mistaken for one, since a
 * plain record has at least one top-level string, number, array or multi-key object.
 */
export function isAttributeValueMap(value: unknown): value is Record<string, PlainObject> {
  if (!isPlainObject(value)) {
    return false;
  }
  const values = Object.values(value);
  return values.length > 0 && values.every(isAttributeValue);
}

/**
 * Plain JSON of a DynamoDB image: forbidden keys dropped first, numbers as JS numbers (a
 * number beyond 2^53 loses precision, as it would in any JSON consumer), sets as sorted
 * arrays, binary as base64. Throws RejectedRecordError when the image is malformed.
 */
export function unmarshallData(image: PlainObject): PlainObject {
  try {
    // JSON attribute values (binary as base64 text) rather than the SDK's Uint8Array form; unmarshall handles both.
    const clean = sanitiseAttributeValues(image, 0) as Record<string, AttributeValue>;
    return toPlain(unmarshall(clean, { wrapNumbers: (n: string) => Number(n) })) as PlainObject;
  } catch (error) {
    if (error instanceof RejectedRecordError) {
      throw error;
    }
    throw new RejectedRecordError(`DynamoDB attribute values could not be unmarshalled: ${(error as Error).message}`);
  }
}

/** Drops forbidden keys inside an attribute-value map (at the top and inside every M). */
function sanitiseAttributeValues(map: PlainObject, depth: number): PlainObject {
  if (depth > MAX_DEPTH) {
    throw new RejectedRecordError(`data is nested deeper than ${MAX_DEPTH} levels`);
  }
  return Object.fromEntries(
    Object.entries(map)
      .filter(([key]) => !FORBIDDEN_KEYS.has(key))
      .map(([key, av]) => [key, sanitiseAttributeValue(av, depth + 1)]),
  );
}

function sanitiseAttributeValue(av: unknown, depth: number): unknown {
  if (!isPlainObject(av)) {
    return av;
  }
  if (isPlainObject(av.M)) {
    return { M: sanitiseAttributeValues(av.M, depth) };
  }
  if (Array.isArray(av.L)) {
    return { L: av.L.map((item) => sanitiseAttributeValue(item, depth + 1)) };
  }
  return av;
}
