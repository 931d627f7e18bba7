/**
 * uploadInvites against DynamoDB Local (DYNAMODB_ENDPOINT from the integration harness): invite
 * items keyed by the shared key builder, written with BatchWrite, bad rows reported by line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDemandTable, localDynamoDbClient } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';
import { runTool } from './run';

jest.setTimeout(60_000);

const UPLOAD = 'tools/uploadInvites/main.ts';

let endpoint: string;
let table: string;
let scratch: string;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  endpoint = requireEnv('DYNAMODB_ENDPOINT');
  table = uniqueName('invites');
  await createDemandTable(endpoint, table);
  documents = DynamoDBDocumentClient.from(localDynamoDbClient(endpoint));
  scratch = mkdtempSync(path.join(tmpdir(), 'reg-workers-invites-'));
});
afterAll(() => {
  documents.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

function csv(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

async function invitesOf(campaignId: string) {
  const out = await documents.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': `i:${campaignId}` },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

const upload = (args: string[]) =>
  runTool(UPLOAD, [...args, '--table', table], { env: { DYNAMODB_ENDPOINT: endpoint } });

describe('uploadInvites', () => {
  it('writes one invite item per good row and reports bad rows with their line numbers', async () => {
    const file = csv(
      'emails.csv',
      [
        'firstName,email',
        'Ann,ann@example.com',
        'Bob,',
        'Cy,cy-at-example.com',
        'Ann again, ANN@Example.com ',
        'Dee,dee@example.com',
        '',
      ].join('\n'),
    );
    const before = Math.floor(Date.now() / 1000);
    const result = await upload(['camp-emails', 'email', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('5 row(s), column "email"; 2 invite(s), 3 bad row(s) skipped');
    expect(result.stdout).toContain('  line 3: empty email');
    expect(result.stdout).toContain('  line 4: malformed email "cy-at-example.com"');
    expect(result.stdout).toContain('  line 5: duplicate email "ann@example.com" (first on line 2)');
    expect(result.stdout).toContain('written: 2, skipped: 3, unprocessed: 0');

    const items = await invitesOf('camp-emails');
    expect(items.map((i) => i.SK).sort()).toEqual(['invite#email#ann@example.com', 'invite#email#dee@example.com']);
    const ann = items.find((i) => i.SK === 'invite#email#ann@example.com')!;
    expect(ann).toMatchObject({
      PK: 'i:camp-emails',
      type: 'invite',
      campaignId: 'camp-emails',
      inviteType: 'email',
      value: 'ann@example.com',
    });
    // Default TTL: now + invites.defaultTtlDays (30).
    expect(ann.ttl).toBeGreaterThanOrEqual(before + 30 * 86_400);
    expect(ann.ttl).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 30 * 86_400);
  });

  it('writes more than one BatchWrite worth of member ids with an explicit epoch ttl', async () => {
    const ids = Array.from({ length: 260 }, (_, i) => `M${1000 + i}`);
    const ttl = Math.floor(Date.now() / 1000) + 7 * 86_400;
    const result = await upload([
      'camp-members',
      'memberId',
      csv('members.csv', `memberId\r\n${ids.join('\r\n')}\r\n`),
      String(ttl),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('written: 260, skipped: 0, unprocessed: 0');
    const items = await invitesOf('camp-members');
    expect(items).toHaveLength(260);
    expect(new Set(items.map((i) => i.ttl))).toEqual(new Set([ttl]));
    expect(items.map((i) => i.SK)).toContain('invite#memberId#M1259');
  });

  it('reads the CSV from standard input and accepts a ttl in days', async () => {
    const result = await runTool(UPLOAD, ['camp-gids', 'globalUserId', '-', '3d', '--table', table], {
      env: { DYNAMODB_ENDPOINT: endpoint },
      input: 'globalUserId\nGU-1\nGU-2\n',
    });
    expect(result.code).toBe(0);
    const items = await invitesOf('camp-gids');
    expect(items.map((i) => i.SK).sort()).toEqual(['invite#globalUserId#GU-1', 'invite#globalUserId#GU-2']);
    expect(items[0].ttl).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3 * 86_400);
  });

  it('checks without writing on --dry-run', async () => {
    const result = await upload(['camp-dry', 'email', csv('dry.csv', 'email\nx@example.com\n'), '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('dry run: nothing written');
    expect(await invitesOf('camp-dry')).toEqual([]);
  });

  it('fails with a clear message on a missing column, a missing file, a bad type or a bad ttl', async () => {
    const noColumn = await upload(['c', 'email', csv('nocol.csv', 'mail\nx@example.com\n')]);
    expect(noColumn.code).toBe(1);
    expect(noColumn.stderr).toContain('error: the CSV header (line 1: "mail") has no "email" column');
    const noFile = await upload(['c', 'email', path.join(scratch, 'missing.csv')]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/error: cannot read .*missing\.csv: ENOENT/);
    const badType = await upload(['c', 'phone', 'x.csv']);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('error: type must be one of email, globalUserId, memberId, not "phone"');
    const badTtl = await upload(['c', 'email', csv('ok.csv', 'email\nx@example.com\n'), 'soon']);
    expect(badTtl.code).toBe(1);
    expect(badTtl.stderr).toContain('ttl "soon" must be epoch seconds in the future or a number of days like 30d');
  });

  it('fails when DynamoDB refuses the writes (unknown table)', async () => {
    const result = await runTool(
      UPLOAD,
      ['c', 'email', csv('t.csv', 'email\nx@example.com\n'), '--table', 'no-such-table'],
      { env: { DYNAMODB_ENDPOINT: endpoint } },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /error: writing to no-such-table failed after 0 item\(s\): .*(non-existent table|not found)/i,
    );
  });
});
