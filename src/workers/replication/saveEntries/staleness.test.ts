import type { SaveEntryRecord } from './message';
import { isOlder, judge } from './staleness';

const record = (operation: SaveEntryRecord['operation'], updated?: string): SaveEntryRecord => ({
  operation,
  entry: {},
  key: { PK: 'e:c1', SK: 'entry#g1' },
  campaignId: 'c1',
  userId: 'g1',
  updated,
});
const item = (updated?: string) => ({ PK: 'e:c1', SK: 'entry#g1', date: updated === undefined ? {} : { updated } });
const T1 = '2026-05-01T10:00:00Z';
const T2 = '2026-05-01T10:00:01Z';

describe('judge (DECISIONS.md [7])', () => {
  it.each(['INSERT', 'MODIFY'] as const)('%s: replicates the current or a newer version', (op) => {
    expect(judge(record(op, T1), item(T1))).toEqual({ replicate: true });
    expect(judge(record(op, T2), item(T1))).toEqual({ replicate: true });
  });

  it.each(['INSERT', 'MODIFY'] as const)(
    '%s: rejects a change older than the table, and one of a deleted item',
    (op) => {
      expect(judge(record(op, T1), item(T2))).toEqual({ replicate: false, reason: expect.stringMatching(/^stale/) });
      expect(judge(record(op, T1), undefined)).toEqual({
        replicate: false,
        reason: `${op} of an item that no longer exists`,
      });
    },
  );

  it('compares instants, not text, across offsets', () => {
    expect(judge(record('MODIFY', '2026-05-01T06:00:00-04:00'), item('2026-05-01T10:00:00.000Z'))).toEqual({
      replicate: true,
    });
    expect(judge(record('MODIFY', '2026-05-01T05:59:59-04:00'), item(T1))).toMatchObject({ replicate: false });
  });

  it('replicates when either date is missing or unreadable (nothing proves it stale)', () => {
    expect(judge(record('MODIFY', undefined), item(T1))).toEqual({ replicate: true });
    expect(judge(record('MODIFY', T1), item(undefined))).toEqual({ replicate: true });
    expect(judge(record('MODIFY', 'garbage'), item(T2))).toEqual({ replicate: true });
  });

  it('REMOVE: replicates the deletion when the item is gone', () => {
    expect(judge(record('REMOVE', T1), undefined)).toEqual({ replicate: true });
  });

  it('REMOVE: rejects it when the item exists again with a newer (or equal, or unreadable) date.updated', () => {
    expect(judge(record('REMOVE', T1), item(T2))).toMatchObject({
      replicate: false,
      reason: expect.stringMatching(/exists again/),
    });
    expect(judge(record('REMOVE', T1), item(T1))).toMatchObject({ replicate: false });
    expect(judge(record('REMOVE', T1), item(undefined))).toMatchObject({ replicate: false });
  });

  it('REMOVE: deletes when the item in the table is provably older than the one removed', () => {
    expect(judge(record('REMOVE', T2), item(T1))).toEqual({ replicate: true });
  });
});

describe('isOlder', () => {
  it('reads a date-time without offset as UTC', () => {
    expect(isOlder('2026-05-01T09:59:59', T1)).toBe(true);
    expect(isOlder('2026-05-01T10:00:00', T1)).toBe(false);
  });
});
