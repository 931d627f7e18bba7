import type { ChangeRecord } from '../../../shared/runtime';
import { decideReplication } from './filter';

const entry = (over: Record<string, unknown> = {}) => ({
  PK: 'e:c1',
  SK: 'entry#g1',
  type: 'registration',
  date: { created: '2026-05-01T10:00:00Z', updated: '2026-05-01T10:00:00Z', fanModified: '2026-05-01T10:00:00Z' },
  ...over,
});
const change = (
  operation: ChangeRecord['operation'],
  newItem?: Record<string, unknown>,
  oldItem?: Record<string, unknown>,
): ChangeRecord => ({
  sequenceNumber: '1',
  operation,
  tableName: 't',
  keys: { PK: 'e:c1', SK: 'entry#g1' },
  newItem,
  oldItem,
});
const replicates = (c: ChangeRecord) => decideReplication(c).replicate;

describe('decideReplication (DECISIONS.md [4][5])', () => {
  it('replicates the INSERT of a registration', () => {
    expect(replicates(change('INSERT', entry({ needsReplication: true })))).toBe(true);
    expect(replicates(change('INSERT', entry({ needsReplication: false })))).toBe(true);
  });

  it('replicates a MODIFY that sets needsReplication', () => {
    expect(replicates(change('MODIFY', entry({ needsReplication: true }), entry({ needsReplication: false })))).toBe(
      true,
    );
  });

  it('replicates a MODIFY where the fan edited the form (date.fanModified changed, appeared or vanished)', () => {
    const edited = entry({ date: { updated: '2026-05-02T00:00:00Z', fanModified: '2026-05-02T00:00:00Z' } });
    expect(replicates(change('MODIFY', edited, entry()))).toBe(true);
    expect(replicates(change('MODIFY', entry(), entry({ date: { updated: 'x' } })))).toBe(true);
    expect(replicates(change('MODIFY', entry({ date: {} }), entry()))).toBe(true);
  });

  it('skips saveEntries clearing the flag, so replication does not loop', () => {
    const cleared = change('MODIFY', entry({ needsReplication: false }), entry({ needsReplication: true }));
    expect(decideReplication(cleared)).toEqual({ replicate: false, reason: expect.stringMatching(/system update/) });
  });

  it('skips system-only updates (verdict, codes, score) of a registration', () => {
    expect(replicates(change('MODIFY', entry({ verdict: true, codes: [{ id: 'A', marketId: 'm1' }] }), entry()))).toBe(
      false,
    );
    expect(replicates(change('MODIFY', entry({ needsReplication: 'true' }), entry()))).toBe(false);
  });

  it('replicates the REMOVE of a registration as a deletion', () => {
    expect(replicates(change('REMOVE', undefined, entry()))).toBe(true);
  });

  it.each([
    ['an invite INSERT', change('INSERT', { PK: 'i:c1', SK: 'invite#email#a@b.co', type: 'invite' })],
    [
      'a reminder MODIFY',
      change('MODIFY', { PK: 'fan:g1', SK: 'asu#c1-m1#reminder', type: 'notification', needsReplication: true }, {}),
    ],
    ['a notification REMOVE', change('REMOVE', undefined, { PK: 'fan:g1', SK: 'x', type: 'notification' })],
    ['an INSERT without image', change('INSERT')],
    ['a REMOVE without old image', change('REMOVE')],
  ])('skips %s', (_what, c) => {
    expect(decideReplication(c)).toEqual({ replicate: false, reason: expect.any(String) });
  });
});
