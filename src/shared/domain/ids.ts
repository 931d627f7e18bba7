/**
 * The one rule for ids that go into a URL path segment of a service call (campaignId, marketId,
 * a stats type). DOMAIN.md does not document their shape, so the rule does not guess one; it
 * keeps an id inside its segment and its size bounded: a non-empty string of at most
 * MAX_ID_LENGTH characters, not `.` or `..` (URL parsers resolve those, and their `%2e` forms,
 * as dot segments: `/..` of a campaign is the service root), without control characters or
 * unpaired surrogates (not encodable), and without whitespace at either end. Reasons name the
 * field, never quote the value, so a hostile id never reaches a log line.
 */

/** Longest id accepted, in characters (JavaScript string length). */
export const MAX_ID_LENGTH = 128;

// \p{Cc}: C0 and C1 controls and DEL; \p{Cs}: a surrogate standing alone (a pair is one code point).
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;

/**
 * Why `value` is not a usable id, naming it `field`, or undefined when it is one.
 * @example idProblem('..', 'campaignId') // 'campaignId must not be "." or ".."'
 */
export function idProblem(value: unknown, field = 'id'): string | undefined {
  if (typeof value !== 'string' || value === '') {
    return `${field} must be a non-empty string`;
  }
  if (value.length > MAX_ID_LENGTH) {
    return `${field} is longer than ${MAX_ID_LENGTH} characters`;
  }
  if (value === '.' || value === '..') {
    return `${field} must not be "." or ".."`;
  }
  if (value.trim() !== value) {
    return `${field} must not begin or end with whitespace`;
  }
  if (CONTROL_OR_LONE_SURROGATE.test(value)) {
    return `${field} must not contain control characters or unpaired surrogates`;
  }
  return undefined;
}

/**
 * `value` when it is a usable id; otherwise throws `new Refusal(reason)` (the worker's
 * InvalidInputError or RejectedRecordError).
 * @example requireId(body.campaignId, 'campaignId', RejectedRecordError)
 */
export function requireId(value: unknown, field: string, Refusal: new (reason: string) => Error): string {
  const problem = idProblem(value, field);
  if (problem !== undefined) {
    throw new Refusal(problem);
  }
  return value as string;
}
