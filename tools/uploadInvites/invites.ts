/**
 * Invite-list CSV reading and checking for `uploadInvites`: a header row names the identifier
 * column (`email`, `globalUserId` or `memberId`); each later row is one invite. Bad rows are
 * reported with their line number and skipped.
 */
import type { InviteType } from '../../src/shared/aws/keys';
import { inviteKey, normaliseInviteValue } from '../../src/shared/aws/keys';

export interface CsvRow {
  /** 1-based line number of the row's first line in the file. */
  line: number;
  fields: string[];
}

/** Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF, a leading BOM). */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = () => {
    fields.push(field);
    rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  while (i < src.length) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n') {
          line++;
        }
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      endRow();
      if (c === '\r' && src[i + 1] === '\n') {
        i++;
      }
      line++;
      rowLine = line;
    } else {
      field += c;
    }
    i++;
  }
  if (field !== '' || fields.length > 0 || quoted) {
    endRow();
  }
  return rows;
}

export interface BadRow {
  line: number;
  reason: string;
}

export interface InviteItem {
  PK: string;
  SK: string;
  type: 'invite';
  campaignId: string;
  inviteType: InviteType;
  value: string;
  /** Expiry in epoch seconds (the table's TTL attribute). */
  ttl: number;
  date: { created: string };
}

export interface InviteList {
  column: string;
  items: InviteItem[];
  bad: BadRow[];
  /** Data rows read (not counting the header). */
  rows: number;
}

// Pragmatic address check: one @, no spaces, a dot in the domain, nothing empty around them.
const EMAIL = /^[^\s@",;<>]+@[^\s@",;<>]+\.[^\s@",;<>]+$/;
const PLAIN_ID = /^[^\s,;"]+$/;

/** Why `value` is not a usable identifier of `type`, or undefined when it is. */
export function invalidReason(type: InviteType, value: string): string | undefined {
  if (value === '') {
    return `empty ${type}`;
  }
  if (type === 'email') {
    return EMAIL.test(value) ? undefined : `malformed email "${value}"`;
  }
  return PLAIN_ID.test(value) ? undefined : `malformed ${type} "${value}"`;
}

/**
 * Turns CSV text into invite items for `campaignId`. Throws when the header has no column
 * named after `type` (case-insensitive); rows that are empty, malformed or duplicates (after
 * normalisation: emails trimmed and lower-cased) are listed in `bad`.
 */
export function readInviteList(
  text: string,
  campaignId: string,
  type: InviteType,
  ttl: number,
  now = new Date(),
): InviteList {
  const rows = parseCsv(text);
  // Leading blank lines before the header are tolerated.
  while (rows.length > 0 && rows[0].fields.every((f) => f.trim() === '')) {
    rows.shift();
  }
  const header = rows.shift();
  if (!header) {
    throw new Error('the CSV file is empty: expected a header row naming the identifier column');
  }
  const column = header.fields.findIndex((h) => h.trim().toLowerCase() === type.toLowerCase());
  if (column < 0) {
    throw new Error(
      `the CSV header (line ${header.line}: ${header.fields.map((h) => `"${h.trim()}"`).join(', ')}) has no "${type}" column`,
    );
  }
  // Blank lines at the end of the file are not rows.
  const isBlank = (row: CsvRow) => row.fields.length === 1 && row.fields[0].trim() === '';
  while (rows.length > 0 && isBlank(rows[rows.length - 1])) {
    rows.pop();
  }
  const seen = new Map<string, number>();
  const items: InviteItem[] = [];
  const bad: BadRow[] = [];
  const created = now.toISOString();
  for (const row of rows) {
    const raw = (row.fields[column] ?? '').trim();
    const reason = isBlank(row) ? 'empty row' : invalidReason(type, raw);
    if (reason) {
      bad.push({ line: row.line, reason });
      continue;
    }
    const value = normaliseInviteValue(type, raw);
    const first = seen.get(value);
    if (first !== undefined) {
      bad.push({ line: row.line, reason: `duplicate ${type} "${value}" (first on line ${first})` });
      continue;
    }
    seen.set(value, row.line);
    items.push({
      ...inviteKey(campaignId, type, value),
      type: 'invite',
      campaignId,
      inviteType: type,
      value,
      ttl,
      date: { created },
    });
  }
  return { column: header.fields[column].trim(), items, bad, rows: rows.length };
}

/**
 * The TTL of the invites in epoch seconds: an explicit epoch-seconds value, `<N>d` for N days
 * from now, or the default of `defaultDays` days from now.
 */
export function resolveTtl(arg: string | undefined, defaultDays: number, now = new Date()): number {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (arg === undefined || arg === '') {
    return nowSeconds + defaultDays * 86_400;
  }
  const days = /^(\d+)d$/.exec(arg);
  if (days) {
    return nowSeconds + Number(days[1]) * 86_400;
  }
  if (/^\d+$/.test(arg) && Number(arg) > nowSeconds) {
    return Number(arg);
  }
  throw new Error(`ttl "${arg}" must be epoch seconds in the future or a number of days like 30d`);
}
