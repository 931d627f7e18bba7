import { codeClaimKey, entryKey, inviteKey, normaliseInviteValue, reminderKey } from './keys';

describe('demand-table keys (DECISIONS.md B [2])', () => {
  it('builds entry, invite, reminder and code-claim keys', () => {
    expect(entryKey('c1', 'g1')).toEqual({ PK: 'e:c1', SK: 'entry#g1' });
    expect(inviteKey('c1', 'memberId', ' 42 ')).toEqual({ PK: 'i:c1', SK: 'invite#memberId#42' });
    expect(reminderKey('g1', 'c1', 'm1')).toEqual({ PK: 'fan:g1', SK: 'asu#c1-m1#reminder' });
    expect(codeClaimKey('c1', 'm1', 'g1')).toEqual({ PK: 'sel:c1', SK: 'claim#m1#g1' });
  });

  it('trims and lower-cases invite emails only', () => {
    expect(inviteKey('c1', 'email', '  Fan@Example.COM ')).toEqual({ PK: 'i:c1', SK: 'invite#email#fan@example.com' });
    expect(normaliseInviteValue('globalUserId', ' AbC ')).toBe('AbC');
  });
});
