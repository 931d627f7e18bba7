import { parseCsv, readInviteList, resolveTtl } from './invites';

const NOW = new Date('2025-03-01T00:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF and a BOM, keeping line numbers', () => {
    const rows = parseCsv('\ufeffemail,name\r\n"a@x.com","Doe, ""Jo"""\r\nb@x.com,"two\nlines"\nc@x.com,z\n');
    expect(rows).toEqual([
      { line: 1, fields: ['email', 'name'] },
      { line: 2, fields: ['a@x.com', 'Doe, "Jo"'] },
      { line: 3, fields: ['b@x.com', 'two\nlines'] },
      { line: 5, fields: ['c@x.com', 'z'] },
    ]);
  });

  it('keeps the last row of a file without a final newline', () => {
    expect(parseCsv('id\n1')).toEqual([
      { line: 1, fields: ['id'] },
      { line: 2, fields: ['1'] },
    ]);
  });
});

describe('readInviteList', () => {
  it('builds invite items with the shared key builder, normalised emails and the ttl', () => {
    const list = readInviteList('Email\n  Fan@Example.COM \n', 'camp1', 'email', NOW_S + 10, NOW);
    expect(list.column).toBe('Email');
    expect(list.items).toEqual([
      {
        PK: 'i:camp1',
        SK: 'invite#email#fan@example.com',
        type: 'invite',
        campaignId: 'camp1',
        inviteType: 'email',
        value: 'fan@example.com',
        ttl: NOW_S + 10,
        date: { created: NOW.toISOString() },
      },
    ]);
    expect(list.bad).toEqual([]);
  });

  it('reports empty, malformed and duplicate rows with their line numbers and skips them', () => {
    const csv = ['name,email', 'A,a@x.com', 'B,', '', 'C,not-an-email', 'D,A@X.com', 'E,b@x.com', '', ''].join('\n');
    const list = readInviteList(csv, 'c', 'email', NOW_S + 10, NOW);
    expect(list.items.map((i) => i.value)).toEqual(['a@x.com', 'b@x.com']);
    expect(list.bad).toEqual([
      { line: 3, reason: 'empty email' },
      { line: 4, reason: 'empty row' },
      { line: 5, reason: 'malformed email "not-an-email"' },
      { line: 6, reason: 'duplicate email "a@x.com" (first on line 2)' },
    ]);
    expect(list.rows).toBe(6);
  });

  it('takes memberId and globalUserId values as they are (trimmed), rejecting inner spaces', () => {
    const list = readInviteList('memberId\n 123 \nab c\n123\n', 'c', 'memberId', NOW_S + 1, NOW);
    expect(list.items.map((i) => i.SK)).toEqual(['invite#memberId#123']);
    expect(list.bad.map((b) => b.line)).toEqual([3, 4]);
  });

  it('names the header it found when the identifier column is missing', () => {
    expect(() => readInviteList('mail,name\nx@y.z,a\n', 'c', 'email', 1, NOW)).toThrow(
      'the CSV header (line 1: "mail", "name") has no "email" column',
    );
    expect(() => readInviteList('\n\n', 'c', 'email', 1, NOW)).toThrow(/empty/);
  });
});

describe('resolveTtl', () => {
  it('defaults to now plus the configured days, accepts Nd and future epoch seconds', () => {
    expect(resolveTtl(undefined, 30, NOW)).toBe(NOW_S + 30 * 86400);
    expect(resolveTtl('7d', 30, NOW)).toBe(NOW_S + 7 * 86400);
    expect(resolveTtl(String(NOW_S + 99), 30, NOW)).toBe(NOW_S + 99);
  });

  it('rejects a past epoch and anything else', () => {
    expect(() => resolveTtl(String(NOW_S - 1), 30, NOW)).toThrow(/in the future/);
    expect(() => resolveTtl('tomorrow', 30, NOW)).toThrow(/epoch seconds/);
  });
});
