import { RejectedRecordError } from '../runtime/errors';
import { MAX_ID_LENGTH, idProblem, requireId } from './ids';

describe('idProblem', () => {
  it.each([
    ['a Campaign Service ObjectId', '6650a1b2c3d4e5f601234567'],
    ['a slug with dots inside', 'tour.2026..late'],
    ['a name with inner spaces and non-ASCII letters', 'Zürich 東京'],
    ['an emoji (a surrogate pair)', 'fan-🎟'],
    ['the longest id', 'x'.repeat(MAX_ID_LENGTH)],
  ])('accepts %s', (_name, id) => {
    expect(idProblem(id, 'campaignId')).toBeUndefined();
  });

  it.each([
    ['..', '..', 'campaignId must not be "." or ".."'],
    ['.', '.', 'campaignId must not be "." or ".."'],
    ['empty', '', 'campaignId must be a non-empty string'],
    ['a number', 7, 'campaignId must be a non-empty string'],
    ['null', null, 'campaignId must be a non-empty string'],
    ['one character too long', 'x'.repeat(MAX_ID_LENGTH + 1), `campaignId is longer than ${MAX_ID_LENGTH} characters`],
    ['1 MB', 'x'.repeat(1024 * 1024), `campaignId is longer than ${MAX_ID_LENGTH} characters`],
    ['blank', '  ', 'campaignId must not begin or end with whitespace'],
    ['padded', ' c1', 'campaignId must not begin or end with whitespace'],
    ['.. with a trailing newline', '..\n', 'campaignId must not begin or end with whitespace'],
    ['a NUL inside', 'c\u00001', 'campaignId must not contain control characters or unpaired surrogates'],
    [
      'an escape sequence inside',
      'c\u001b[2J1',
      'campaignId must not contain control characters or unpaired surrogates',
    ],
    ['a C1 control inside', 'c\u00851', 'campaignId must not contain control characters or unpaired surrogates'],
    ['an unpaired surrogate', 'c\ud8001', 'campaignId must not contain control characters or unpaired surrogates'],
  ])('refuses an id that is %s, naming the field and not quoting the value', (_name, id, reason) => {
    expect(idProblem(id, 'campaignId')).toBe(reason);
  });
});

describe('requireId', () => {
  it('returns a usable id and throws the given error with the reason otherwise', () => {
    expect(requireId('c1', 'campaignId', RejectedRecordError)).toBe('c1');
    expect(() => requireId('..', 'campaignId', RejectedRecordError)).toThrow(
      new RejectedRecordError('campaignId must not be "." or ".."'),
    );
  });
});
