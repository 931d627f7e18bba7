import { parseSaveSelectionMessage, presaleStart, selectionKey } from './messages';

const valid = {
  type: 'selection',
  campaignId: 'c1',
  marketId: 'm1',
  globalUserId: 'g1',
  userId: 'u'.repeat(24),
  eventIds: ['e1'],
  code: 'CODE1',
  date: { created: '2026-11-25T10:00:00.000Z', start: '2026-12-01T15:00:00.000Z' },
};

describe('save-selection messages', () => {
  it('parses selection and refresh messages, keeping only known fields', () => {
    expect(parseSaveSelectionMessage({ ...valid, extra: 1, memberId: 'mem' })).toEqual({ ...valid, memberId: 'mem' });
    expect(parseSaveSelectionMessage({ ...valid, type: 'selectionRefresh', codeConfigId: 'cc' })).toEqual({
      ...valid,
      type: 'selectionRefresh',
    });
  });

  it.each([
    [{ ...valid, type: 'winner' }, 'type must be "selection" or "selectionRefresh"'],
    [{ ...valid, code: '' }, 'code must be a non-empty string'],
    [{ ...valid, campaignId: '' }, 'campaignId must be a non-empty string'],
    [{ ...valid, campaignId: '..' }, 'campaignId must not be "." or ".."'],
    [{ ...valid, campaignId: 'c\u007f1' }, 'campaignId must not contain control characters'],
    [{ ...valid, campaignId: 'c'.repeat(129) }, 'campaignId is longer than 128 characters'],
    [{ ...valid, userId: undefined }, 'userId must be a non-empty string'],
    [{ ...valid, eventIds: 'e1' }, 'eventIds must be an array of strings'],
    [{ ...valid, date: {} }, 'date.created must be an ISO date'],
    [{ ...valid, date: { created: valid.date.created, start: 'soon' } }, 'date.start must be an ISO date'],
    ['text', 'message must be a JSON object'],
  ])('rejects %j', (body, reason) => {
    expect(() => parseSaveSelectionMessage(body)).toThrow(
      expect.objectContaining({ name: 'RejectedRecordError', reason: expect.stringContaining(reason) }),
    );
  });

  it('keys a fan per campaign and market, and reads a valid presale time only', () => {
    expect(selectionKey(valid)).toBe(selectionKey({ campaignId: 'c1', marketId: 'm1', globalUserId: 'g1' }));
    expect(selectionKey({ campaignId: 'c', marketId: 'm#1', globalUserId: 'g' })).not.toBe(
      selectionKey({ campaignId: 'c', marketId: 'm', globalUserId: '1#g' }),
    );
    expect(selectionKey(valid)).not.toBe(selectionKey({ ...valid, marketId: 'm2' }));
    expect(presaleStart({ event: { presaleDateTime: '2026-12-01T10:00:00-05:00' } })).toBe('2026-12-01T15:00:00.000Z');
    expect(presaleStart({ event: { presaleDateTime: 'TBA' } })).toBeUndefined();
  });
});
