import type { Campaign, PreferenceType } from '../../../shared/domain/campaign';
import { PREFERENCE_TYPES } from '../../../shared/domain/campaign';
import { FieldError, VALIDATORS } from './preferences';
import type { FieldValue } from './types';

export type EntryCheck =
  { valid: true; fields: Record<string, FieldValue> } | { valid: false; field: string; message: string };

/** Nothing was entered: missing, null, blank text or an empty list. */
export function isEmptyValue(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

const isKnownType = (type: unknown): type is PreferenceType => (PREFERENCE_TYPES as readonly unknown[]).includes(type);

/**
 * Validates the submitted values against the campaign's preferences, in their order, and
 * returns the normalised `fields` (keyed by preference id; optional empty ones left out, values
 * that are not preferences ignored). The first bad preference stops the check: required and
 * empty → "empty field"; unknown type → "invalid field"; a validator's own message otherwise.
 * A preference without `is_optional: true` is required.
 */
export function validateEntry(campaign: Campaign, entry: Record<string, unknown>): EntryCheck {
  const fields: Record<string, FieldValue> = {};
  for (const preference of campaign.preferences ?? []) {
    const value = entry[preference.id];
    if (isEmptyValue(value)) {
      if (preference.is_optional === true) {
        continue;
      }
      return { valid: false, field: preference.id, message: 'empty field' };
    }
    if (!isKnownType(preference.type)) {
      return { valid: false, field: preference.id, message: 'invalid field' };
    }
    try {
      fields[preference.id] = VALIDATORS[preference.type](value, preference, campaign);
    } catch (error) {
      return {
        valid: false,
        field: preference.id,
        message: error instanceof FieldError ? error.message : 'invalid field',
      };
    }
  }
  return { valid: true, fields };
}
