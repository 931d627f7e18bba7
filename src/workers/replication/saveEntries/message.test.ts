import { RejectedRecordError } from '../../../shared/runtime';
import { parseSaveEntryMessage } from './message';

const entry = {
  PK: 'e:c1',
  SK: 'entry#g1',
  type: 'registration',
  campaignId: 'c1',
  globalUserId: 'g1',
  date: { updated: '2026-05-01T10:00:00Z' },
};

describe('parseSaveEntryMessage', () => {
  it('replicates the new image of an INSERT or MODIFY and the old image of a REMOVE', () => {
    expect(parseSaveEntryMessage({ operation: 'MODIFY', newItem: entry, oldItem: { ...entry, date: {} } })).toEqual({
      operation: 'MODIFY',
      entry,
      key: { PK: 'e:c1', SK: 'entry#g1' },
      campaignId: 'c1',
      userId: 'g1',
      updated: '2026-05-01T10:00:00Z',
    });
    expect(parseSaveEntryMessage({ operation: 'REMOVE', oldItem: entry })).toMatchObject({
      operation: 'REMOVE',
      entry,
    });
  });

  it("uses the entry's userId when it has one, else its globalUserId (DECISIONS.md [8])", () => {
    expect(
      parseSaveEntryMessage({ operation: 'INSERT', newItem: { ...entry, userId: '5f0c0a0b0c0d0e0f10111213' } }).userId,
    ).toBe('5f0c0a0b0c0d0e0f10111213');
    expect(parseSaveEntryMessage({ operation: 'INSERT', newItem: { ...entry, userId: '' } }).userId).toBe('g1');
  });

  it('keeps an entry without date.updated, with no date to compare', () => {
    expect(
      parseSaveEntryMessage({ operation: 'INSERT', newItem: { ...entry, date: undefined } }).updated,
    ).toBeUndefined();
  });

  it.each([
    ['a non-object', 'x', /not a save-entries message/],
    ['an unknown operation', { operation: 'UPSERT', newItem: entry }, /not a save-entries message/],
    ['an INSERT without newItem', { operation: 'INSERT', oldItem: entry }, /has no newItem/],
    ['a REMOVE without oldItem', { operation: 'REMOVE', newItem: entry }, /has no oldItem/],
    ['an item without keys', { operation: 'INSERT', newItem: { ...entry, SK: undefined } }, /no PK\/SK/],
    ['another record type', { operation: 'INSERT', newItem: { ...entry, type: 'invite' } }, /not a registration/],
    [
      'an entry without campaignId',
      { operation: 'INSERT', newItem: { ...entry, campaignId: undefined } },
      /no campaignId/,
    ],
    [
      'an entry without any user id',
      { operation: 'INSERT', newItem: { ...entry, globalUserId: undefined } },
      /no userId/,
    ],
  ])('rejects %s', (_what, body, reason) => {
    expect(() => parseSaveEntryMessage(body)).toThrow(RejectedRecordError);
    expect(() => parseSaveEntryMessage(body)).toThrow(reason);
  });
});
