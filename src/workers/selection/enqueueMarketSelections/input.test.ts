import { decodeCursor, encodeCursor, parseSelectionRequest, parseSelectionTask, startProgress } from './input';

const request = { campaignId: 'c1', marketId: 'm1', dateId: 'd1' };

describe('selection input', () => {
  it('accepts the state machine input and ignores extra fields', () => {
    expect(parseSelectionRequest({ ...request, selectionCount: 5, note: 'x' })).toEqual({
      ...request,
      selectionCount: 5,
    });
    expect(parseSelectionRequest({ ...request, selectionCount: null, cursor: null })).toEqual(request);
  });

  it.each([
    [{ marketId: 'm1', dateId: 'd1' }, 'campaignId must be a non-empty string'],
    [{ ...request, dateId: ' ' }, 'dateId must be a non-empty string'],
    [{ ...request, campaignId: '..' }, 'campaignId must not be "." or ".."'],
    [{ ...request, marketId: '.' }, 'marketId must not be "." or ".."'],
    [{ ...request, campaignId: 'c\u00001' }, 'campaignId must not contain control characters'],
    [{ ...request, marketId: 'm'.repeat(129) }, 'marketId is longer than 128 characters'],
    [{ ...request, selectionCount: 0 }, 'selectionCount must be a positive integer'],
    [{ ...request, selectionCount: '10' }, 'selectionCount must be a positive integer'],
    [{ ...request, cursor: 'garbage' }, 'cursor is not one this worker returned'],
    [[], 'input must be a JSON object'],
  ])('refuses %j', (input, message) => {
    expect(() => parseSelectionRequest(input)).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(message) }),
    );
  });

  it('round-trips a cursor and refuses one from another run', () => {
    const progress = { ...startProgress(request, 60_000), offset: 25_000, queued: 24_990, failed: 4, skipped: 6 };
    const cursor = encodeCursor(progress);
    expect(decodeCursor(cursor, request)).toEqual(progress);
    expect(parseSelectionRequest({ ...request, cursor }).cursor).toBe(cursor);
    expect(() => decodeCursor(cursor, { ...request, dateId: 'd2' })).toThrow(
      'cursor belongs to another campaign, market or dateId',
    );
  });

  describe('failure reports (the ReportFailure state: the request plus the caught error)', () => {
    const cursor = encodeCursor({ ...startProgress(request, 100), offset: 40, queued: 38, failed: 2 });

    it('reads the request and the caught { Error, Cause }', () => {
      expect(parseSelectionTask({ ...request, cursor, failure: { Error: 'States.Timeout', Cause: 'late' } })).toEqual({
        kind: 'reportFailure',
        request: { ...request, cursor },
        failure: { error: 'States.Timeout', cause: 'late' },
      });
      // A Catch output may come without a cause.
      expect(parseSelectionTask({ ...request, failure: { Error: 'Lambda.Unknown', Cause: null } })).toEqual({
        kind: 'reportFailure',
        request,
        failure: { error: 'Lambda.Unknown' },
      });
      expect(parseSelectionTask({ ...request, failure: { Error: 'Sandbox.Timedout' } })).toMatchObject({
        failure: { error: 'Sandbox.Timedout' },
      });
    });

    it('is a page of the run without failure', () => {
      expect(parseSelectionTask({ ...request, selectionCount: 3 })).toEqual({
        kind: 'select',
        request: { ...request, selectionCount: 3 },
      });
    });

    it.each([
      [{ ...request, failure: null }, 'failure must be the { Error, Cause } a Step Functions Catch produces'],
      [{ ...request, failure: 'States.Timeout' }, 'failure must be the { Error, Cause }'],
      [{ ...request, failure: [] }, 'failure must be the { Error, Cause }'],
      [{ ...request, failure: { Error: 'X', Cause: 'y', trace: [] } }, 'unknown field trace'],
      [{ ...request, failure: { error: 'X', cause: 'y' } }, 'unknown field error, cause'],
      [{ ...request, failure: {} }, 'failure.Error must be a non-empty string'],
      [{ ...request, failure: { Error: ' ' } }, 'failure.Error must be a non-empty string'],
      [{ ...request, failure: { Error: 'X', Cause: { errorMessage: 'm' } } }, 'failure.Cause must be a string'],
      [{ ...request, failure: { Error: 'X', Cause: 'c'.repeat(32_769) } }, 'failure.Cause is longer than 32768'],
      [{ marketId: 'm1', dateId: 'd1', failure: { Error: 'X' } }, 'campaignId must be a non-empty string'],
      [{ ...request, cursor: 'garbage', failure: { Error: 'X' } }, 'cursor is not one this worker returned'],
    ])('refuses %j', (input, message) => {
      expect(() => parseSelectionTask(input)).toThrow(
        expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(message) }),
      );
    });

    it('names unknown fields in a short excerpt, however many and long they are', () => {
      const failure = {
        Error: 'X',
        [`${'k'.repeat(1_000_000)}`]: 1,
        ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, i])),
      };
      const error = (() => {
        try {
          parseSelectionTask({ ...request, failure });
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error?.message).toMatch(/; unknown field k+…\(\+\d+ chars\)$/);
      expect(error?.message.length).toBeLessThan(250);
    });

    it('is never taken for a page: parseSelectionRequest refuses an input with failure', () => {
      expect(() => parseSelectionRequest({ ...request, failure: { Error: 'States.Timeout' } })).toThrow(
        expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining('failure report') }),
      );
    });
  });
});
