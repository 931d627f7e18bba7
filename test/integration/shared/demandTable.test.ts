import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDemandTable } from '../../../src/shared/aws/demandTable';
import { entryKey, inviteKey, reminderKey } from '../../../src/shared/aws/keys';
import { createDemandTable as createTable, localDynamoDbClient } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';

describe('demand-table repository on DynamoDB Local', () => {
  const endpoint = requireEnv('DYNAMODB_ENDPOINT');
  const tableName = uniqueName('demand');
  const raw = localDynamoDbClient(endpoint);
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const table = createDemandTable(doc, tableName);

  beforeAll(async () => {
    await createTable(endpoint, tableName);
  });
  afterAll(() => raw.destroy());

  it('reads entries and invites by the keys of DECISIONS.md B', async () => {
    expect(await table.putIfAbsent({ ...entryKey('c1', 'g1'), type: 'registration', email: 'a@b.c' })).toBe(true);
    expect(await table.putIfAbsent({ ...inviteKey('c1', 'email', 'fan@example.com'), type: 'invite' })).toBe(true);
    expect(await table.getEntry('c1', 'g1')).toMatchObject({ email: 'a@b.c' });
    expect(await table.getInvite('c1', 'email', '  FAN@example.com ')).toMatchObject({ type: 'invite' });
    expect(await table.getInvite('c1', 'email', 'other@example.com')).toBeUndefined();
  });

  it('refuses to overwrite an existing item on a conditional put', async () => {
    const key = reminderKey('g2', 'c1', 'm1');
    expect(await table.putIfAbsent({ ...key, messageBody: 'first' })).toBe(true);
    expect(await table.putIfAbsent({ ...key, messageBody: 'second' })).toBe(false);
    expect((await table.get(key, true))?.messageBody).toBe('first');
  });

  it('writes all items of a transaction or none', async () => {
    const existing = { ...reminderKey('g3', 'c1', 'm1'), v: 'old' };
    await table.putIfAbsent(existing);
    const fresh = { ...reminderKey('g4', 'c1', 'm1'), v: 'new' };
    expect(await table.putAllIfAbsent([fresh, { ...existing, v: 'new' }])).toBe(false);
    expect(await table.get(fresh)).toBeUndefined();
    expect((await table.get(existing))?.v).toBe('old');
    expect(await table.putAllIfAbsent([fresh])).toBe(true);
    expect((await table.get(fresh))?.v).toBe('new');
  });

  it('batch-writes and batch-reads more items than one request holds', async () => {
    const items = Array.from({ length: 130 }, (_, i) => ({ ...reminderKey(`batch-${i}`, 'c9', 'm9'), i }));
    const result = await table.batchPut(items);
    expect(result).toEqual({ written: 130, unprocessed: [] });
    const found = await table.batchGet([...items, { PK: 'fan:none', SK: 'nothing' }]);
    expect(found.map((f) => f.i).sort((a, b) => Number(a) - Number(b))).toEqual(items.map((i) => i.i));
  });
});
