import { RejectedRecordError } from '../../../shared/runtime/errors';
import { inexactNumbersReason, unmarshallImage } from '../../../shared/runtime/stream';
import type { PlainObject } from '../../../shared/util/sanitise';
import { MAX_DEPTH, isPlainObject } from '../../../shared/util/sanitise';

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
 * Plain JSON of a DynamoDB image: forbidden keys dropped first, numbers as JS numbers, sets as
 * sorted arrays, binary as base64. Throws RejectedRecordError when the image is malformed or
 * holds a number a JSON number cannot carry exactly (beyond 2^53, over 17 significant digits,
 * out of double range): it would be published rounded, a change no one made.
 */
export function unmarshallData(image: PlainObject): PlainObject {
  const inexact: string[] = [];
  try {
    const data = unmarshallImage<PlainObject>(image, inexact, MAX_DEPTH)!;
    if (inexact.length > 0) {
      throw new RejectedRecordError(`data ${inexactNumbersReason(inexact)}`);
    }
    return data;
  } catch (error) {
    if (error instanceof RejectedRecordError) {
      throw error;
    }
    throw new RejectedRecordError(`DynamoDB attribute values could not be unmarshalled: ${(error as Error).message}`);
  }
}
