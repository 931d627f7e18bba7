import { InvalidInputError } from '../../../shared/runtime';
import type { EligibilityInput, UserInfo } from './types';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** A list given as an array or as a comma-separated string; blanks dropped. */
function toList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return items
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter(Boolean);
}

function parseUserInfo(value: unknown): UserInfo {
  const u = isObject(value) ? value : {};
  return {
    globalUserId: optionalString(u.globalUserId),
    email: optionalString(u.email),
    memberId: optionalString(u.memberId),
    phoneNumber: optionalString(u.phoneNumber),
    countryCode: optionalString(u.countryCode),
    cardTypes: toList(u.cardTypes),
    linkedAccounts: toList(u.linkedAccounts),
  };
}

/**
 * Reads the AppSync payload. Only a payload that is not an object is refused (a wiring fault,
 * answered as INTERNAL_SERVER_ERROR); missing parts become empty values, which the campaign,
 * gate and entry checks then refuse with the fan-facing reason.
 */
export function parseEligibilityInput(payload: unknown): EligibilityInput {
  if (!isObject(payload)) {
    throw new InvalidInputError('checkEligibility input must be an object with slug, entry and userInfo');
  }
  return {
    slug: typeof payload.slug === 'string' ? payload.slug.trim() : '',
    entry: isObject(payload.entry) ? payload.entry : {},
    userInfo: parseUserInfo(payload.userInfo),
    doTransfer: payload.doTransfer === true || payload.doTransfer === 'true',
  };
}
