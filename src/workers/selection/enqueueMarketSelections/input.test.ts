import { decodeCursor, encodeCursor, parseSelectionRequest, startProgress } from './input';

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
});
