import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Campaign, Preference, PreferenceType } from '../../../shared/domain/campaign';
import { quote } from '../../../shared/runtime/quote';
import type { FieldValue } from './types';

/** A value the fan can correct; its message goes back to AppSync in `detail`. */
export class FieldError extends Error {
  override name = 'FieldError';
}

type Validator = (value: unknown, preference: Preference, campaign: Campaign) => FieldValue;

/** Defaults where a preference's `additional` sets no bound. */
export const DEFAULT_NAME_MAX_LENGTH = 100;
export const DEFAULT_FREEFORM_MAX_LENGTH = 1000;

/** Length in characters as a person counts them (code points, after NFC), not UTF-16 units. */
const length = (text: string): number => [...text].length;

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new FieldError(`${what} must be text`);
  }
  return value.normalize('NFC').trim();
}

function list(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
    throw new FieldError(`${what} must be a list of ids`);
  }
  return value.map((v: string) => v.trim());
}

function within(count: number, min: number | undefined, max: number | undefined, what: string): void {
  if (min !== undefined && count < min) {
    throw new FieldError(`${what} must be at least ${min}`);
  }
  if (max !== undefined && count > max) {
    throw new FieldError(`${what} must be at most ${max}`);
  }
}

const bound = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

// WHATWG's e-mail grammar, plus a dotted domain, since a registration needs a deliverable address.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

function email(value: unknown): string {
  const address = text(value, 'email').toLowerCase();
  const local = address.split('@')[0] ?? '';
  if (!EMAIL.test(address) || address.length > 254 || local.length > 64 || /^\.|\.\.|\.@/.test(address)) {
    throw new FieldError('email is not a valid address');
  }
  return address;
}

/** E.164; national numbers are read as US, numbers with a country prefix (+44, 011 44) as that country. */
function phone(value: unknown): string {
  const raw = typeof value === 'number' && Number.isInteger(value) ? String(value) : text(value, 'phone');
  const parsed = parsePhoneNumberFromString(raw, 'US');
  if (!parsed?.isValid()) {
    throw new FieldError('phone is not a valid phone number');
  }
  return parsed.number;
}

// Letters and combining marks of any script (accents kept), with the joiners names use.
const NAME = /^\p{L}[\p{L}\p{M}'’. -]*$/u;

function name(value: unknown, preference: Preference): string {
  const cleaned = text(value, 'name').replace(/\s+/g, ' ');
  if (!NAME.test(cleaned)) {
    throw new FieldError('name may hold only letters, spaces, apostrophes, hyphens and periods');
  }
  within(
    length(cleaned),
    bound(preference.additional?.minLength),
    bound(preference.additional?.maxLength) ?? DEFAULT_NAME_MAX_LENGTH,
    'name length',
  );
  return cleaned;
}

const US_ZIP = /^(\d{5})(?:[- ]?(\d{4}))?$/;
// Canadian postal codes never use D, F, I, O, Q or U, and never start with W or Z.
const CA_POSTAL = /^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?(\d[ABCEGHJ-NPRSTV-Z]\d)$/;

/** US `12345` / `12345-6789`, Canada `A1A 1A1`; a number is a US ZIP that lost its leading zeros. */
function zip(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 99999) {
      throw new FieldError('zip is not a valid US ZIP or Canadian postal code');
    }
    return String(value).padStart(5, '0');
  }
  const code = text(value, 'zip').toUpperCase();
  const us = US_ZIP.exec(code);
  if (us) {
    return us[2] ? `${us[1]}-${us[2]}` : us[1];
  }
  const ca = CA_POSTAL.exec(code);
  if (ca) {
    return `${ca[1]} ${ca[2]}`;
  }
  throw new FieldError('zip is not a valid US ZIP or Canadian postal code');
}

function boolean(value: unknown): boolean {
  if (typeof value === 'boolean') {
    return value;
  }
  if (value === 'true' || value === 'false') {
    return value === 'true';
  }
  throw new FieldError('value must be true or false');
}

/** Ranked market ids: each a market of the campaign, no repeats, count within additional.min (default 1) / max. */
function markets(value: unknown, preference: Preference, campaign: Campaign): string[] {
  const ids = list(value, 'markets');
  const known = new Set((campaign.markets ?? []).map((m) => String(m.id)));
  const unknown = ids.find((id) => !known.has(id));
  if (unknown !== undefined) {
    throw new FieldError(`market ${quote(unknown)} is not a market of this campaign`);
  }
  if (new Set(ids).size !== ids.length) {
    throw new FieldError('markets must not repeat');
  }
  within(
    ids.length,
    bound(preference.additional?.min) ?? 1,
    bound(preference.additional?.max) ?? known.size,
    'number of markets',
  );
  return ids;
}

function ticketCount(value: unknown, preference: Preference): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new FieldError('ticket count must be a whole number');
  }
  within(n, bound(preference.additional?.min) ?? 1, bound(preference.additional?.max), 'ticket count');
  return n;
}

function freeformText(value: unknown, preference: Preference): string {
  const cleaned = text(value, 'text');
  within(
    length(cleaned),
    bound(preference.additional?.minLength),
    bound(preference.additional?.maxLength) ?? DEFAULT_FREEFORM_MAX_LENGTH,
    'text length',
  );
  return cleaned;
}

/** Ticked items: a subset of additional.items (repeats collapse), count within additional.min / max. */
function checklist(value: unknown, preference: Preference): string[] {
  const items = new Set(preference.additional?.items ?? []);
  const ticked = [...new Set(list(value, 'checklist'))];
  const unknown = ticked.find((item) => !items.has(item));
  if (unknown !== undefined) {
    throw new FieldError(`${quote(unknown)} is not an item of this checklist`);
  }
  within(ticked.length, bound(preference.additional?.min), bound(preference.additional?.max), 'number of ticked items');
  return ticked;
}

/**
 * Promoter ids the fan opts in to (repeats collapse). When the campaign's markets name their
 * promoters, only those ids are accepted.
 */
function promoterOptIns(value: unknown, _preference: Preference, campaign: Campaign): string[] {
  const ids = [...new Set(list(value, 'promoter opt-ins'))];
  const promoters = new Set((campaign.markets ?? []).flatMap((m) => m.promoterIds ?? []));
  const unknown = ids.find((id) => !promoters.has(id));
  if (promoters.size > 0 && unknown !== undefined) {
    throw new FieldError(`promoter ${quote(unknown)} is not a promoter of this campaign`);
  }
  return ids;
}

/** One validator per preference type (DOMAIN.md 2.1 `CAMPAIGN_PREFERENCE`); each returns the normalised value. */
export const VALIDATORS: Record<PreferenceType, Validator> = {
  email,
  phone,
  name,
  zip,
  opt_in: boolean,
  boolean_select: boolean,
  markets,
  ticket_count: ticketCount,
  freeform_text: freeformText,
  checklist,
  promoterOptIns,
};
