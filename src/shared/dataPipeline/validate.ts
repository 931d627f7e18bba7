import type { ValidateFunction } from 'ajv';
import { truncateText } from '../runtime/logger';
import { QUOTE_MAX_CHARS } from '../runtime/quote';
import type { DataRecordByType, DataType } from './schemas';
import { dataValidators } from './validators';

/** Problems a failed validation lists; the rest are counted, so a hostile record gives a short reason. */
const MAX_LISTED_ERRORS = 10;

export type ValidationResult<T extends DataType> =
  { valid: true; record: DataRecordByType[T] } | { valid: false; errors: string };

/**
 * Validates `value` against the schema of `type`. On failure `errors` is ajv's text with the
 * type as the root, e.g. "campaign must have required property 'campaignId'; campaign/dedupe/id must match pattern ...":
 * at most MAX_LISTED_ERRORS problems ("; and N more"), paths and property names (taken from the
 * input) cut to a short excerpt.
 */
export function validateDataRecord<T extends DataType>(type: T, value: unknown): ValidationResult<T> {
  const validate = dataValidators()[type] as ValidateFunction<DataRecordByType[T]>;
  if (validate(value)) {
    return { valid: true, record: value };
  }
  const all = validate.errors ?? [];
  const errors = all.slice(0, MAX_LISTED_ERRORS).map((e) => {
    const where = truncateText(`${type}${e.instancePath}`, QUOTE_MAX_CHARS);
    if (e.keyword === 'additionalProperties') {
      const property = (e.params as { additionalProperty: string }).additionalProperty;
      return `${where} must not have property '${truncateText(property, QUOTE_MAX_CHARS)}'`;
    }
    return `${where} ${e.message ?? 'is invalid'}`;
  });
  if (all.length > MAX_LISTED_ERRORS) {
    errors.push(`and ${all.length - MAX_LISTED_ERRORS} more`);
  }
  return { valid: false, errors: errors.join('; ') || `${type} is invalid` };
}
