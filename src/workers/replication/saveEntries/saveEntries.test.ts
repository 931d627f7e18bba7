import type { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Item } from '../../../shared/aws/demandTable';
import type { SqsMessage } from '../../../shared/runtime';
import { memoryLogger } from '../../../../test/doubles/runtime';
import type { BatchEntriesResult, EntryRef, EntryUpsert } from '../../../shared/services/entries';
import { parseSaveEntryMessage } from './message';
import type { SaveEntryRecord } from './message';
import type { SaveEntriesDeps } from './saveEntries';
import { saveEntries, toEntryUpsert } from './saveEntries';

const T1 = '2026-05-01T10:00:00Z';
const T2 = '2026-05-01T11:00:00Z';
const entry = (id: string, over: Record<string, unknown> = {}): Item => ({
  PK: 'e:c1',
  SK: `entry#${id}`,
  type: 'registration',
  campaignId: 'c1',
  globalUserId: id,
  needsReplication: true,
  fields: { email: `${id}@example.com` },
  date: { updated: T1, fanModified: T1 },
  ...over,
});
const msg = (messageId: string, body: unknown): SqsMessage<SaveEntryRecord> => ({
  messageId,
  body: parseSaveEntryMessage(body),
  messageAttributes: {},
  receiveCount: 1,
  eventSourceArn: 'arn:aws:sqs:us-east-1:0:save-entries',
});
const put = (messageId: string, item: Item) => msg(messageId, { operation: 'INSERT', newItem: item });
const remove = (messageId: string, item: Item) => msg(messageId, { operation: 'REMOVE', oldItem: item });

/**
 * The demand table as a map. `client.send` understands only the clear-the-flag UpdateItem and
 * evaluates its condition the way DynamoDB would (the integration suite runs the real thing).
 */
function table(items: Item[], options: { failReads?: string[]; failUpdates?: boolean } = {}) {
  const byKey = new Map(items.map((i) => [`${i.PK}|${i.SK}`, structuredClone(i)]));
  const reads: string[] = [];
  return {
    byKey,
    reads,
    tableName: 'demand',
    async get(key: { PK: string; SK: string }, consistent = false) {
      reads.push(`${key.SK}${consistent ? ' (consistent)' : ''}`);
      if (options.failReads?.includes(key.SK)) {
        throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
      }
      return structuredClone(byKey.get(`${key.PK}|${key.SK}`));
    },
    client: {
      async send(command: UpdateCommand) {
        if (options.failUpdates) {
          throw new Error('ProvisionedThroughputExceeded');
        }
        const { Key, ExpressionAttributeValues } = command.input;
        const item = byKey.get(`${Key?.PK}|${Key?.SK}`);
        if (!item || (item.date as { updated?: string }).updated !== ExpressionAttributeValues?.[':updated']) {
          throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
        }
        item.needsReplication = false;
        return {};
      },
    },
  } as unknown as SaveEntriesDeps['table'] & { byKey: Map<string, Item>; reads: string[] };
}

/** An Entry Service stand-in; `failUsers` are reported failed, `throwOnCall` fails that request. */
function entryService(options: { failUsers?: string[]; throwOnCall?: number } = {}) {
  const calls: { entries: EntryUpsert[]; deletions: EntryRef[] }[] = [];
  return {
    calls,
    async batchWrite(entries: readonly EntryUpsert[], deletions: readonly EntryRef[]): Promise<BatchEntriesResult> {
      calls.push({ entries: [...entries], deletions: [...deletions] });
      if (options.throwOnCall === calls.length) {
        throw new Error('entries POST /v2/entries failed with 503 after 4 attempts');
      }
      const all = [...entries, ...deletions].map((e) => e.userId);
      const failed = all.filter((u) => options.failUsers?.includes(u));
      return {
        upsertedCount: entries.length - entries.filter((e) => failed.includes(e.userId)).length,
        deletedCount: deletions.length,
        failed,
      };
    },
  };
}

const run = (
  messages: SqsMessage<SaveEntryRecord>[],
  t: ReturnType<typeof table>,
  e = entryService(),
  batchSize = 25,
) => saveEntries(messages, { table: t, entries: e, batchSize, log: memoryLogger() });
const flag = (t: ReturnType<typeof table>, id: string) => t.byKey.get(`e:c1|entry#${id}`)?.needsReplication;

describe('saveEntries', () => {
  it('replicates the entry without table attributes, then clears needsReplication', async () => {
    const t = table([entry('g1')]);
    const e = entryService();
    const result = await run([put('m1', entry('g1'))], t, e);
    expect(e.calls).toEqual([
      {
        entries: [
          {
            campaignId: 'c1',
            globalUserId: 'g1',
            userId: 'g1',
            fields: { email: 'g1@example.com' },
            date: { updated: T1, fanModified: T1 },
          },
        ],
        deletions: [],
      },
    ]);
    expect(flag(t, 'g1')).toBe(false);
    expect(t.reads).toEqual(['entry#g1 (consistent)']);
    expect(result).toEqual({
      failed: [],
      rejected: [],
      counts: { upserted: 1, deleted: 0, cleared: 1, clearSkipped: 0 },
    });
  });

  it('replicates a REMOVE as a deletion of { campaignId, userId }', async () => {
    const e = entryService();
    const result = await run([remove('m1', entry('g1', { userId: 'u-24' }))], table([]), e);
    expect(e.calls).toEqual([{ entries: [], deletions: [{ campaignId: 'c1', userId: 'u-24' }] }]);
    expect(result.failed).toEqual([]);
  });

  it('rejects stale changes and changes of deleted items without calling Entry Service', async () => {
    const e = entryService();
    const t = table([entry('g1', { date: { updated: T2 } })]);
    const result = await run([put('m1', entry('g1')), put('m2', entry('gone'))], t, e);
    expect(e.calls).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(result.rejected).toEqual([
      { id: 'm1', reason: expect.stringMatching(/^stale/) },
      { id: 'm2', reason: 'INSERT of an item that no longer exists' },
    ]);
    expect(flag(t, 'g1')).toBe(true);
  });

  it('retries (fails) a message whose item could not be read, and replicates the rest', async () => {
    const t = table([entry('g1'), entry('g2')], { failReads: ['entry#g2'] });
    const e = entryService();
    const result = await run([put('m1', entry('g1')), put('m2', entry('g2'))], t, e);
    expect(result.failed).toEqual(['m2']);
    expect(e.calls[0].entries.map((x) => x.userId)).toEqual(['g1']);
  });

  it('fails only the messages of the user ids Entry Service names, and keeps their flag', async () => {
    const t = table([entry('g1'), entry('g2'), entry('g3')]);
    const result = await run(
      [put('m1', entry('g1')), put('m2', entry('g2')), put('m3', entry('g3'))],
      t,
      entryService({ failUsers: ['g2'] }),
    );
    expect(result.failed).toEqual(['m2']);
    expect([flag(t, 'g1'), flag(t, 'g2'), flag(t, 'g3')]).toEqual([false, true, false]);
  });

  it('sends requests of the configured size and fails only the request that failed as a whole', async () => {
    const ids = ['g1', 'g2', 'g3', 'g4', 'g5'];
    const t = table(ids.map((id) => entry(id)));
    const e = entryService({ throwOnCall: 2 });
    const result = await run(
      ids.map((id, i) => put(`m${i + 1}`, entry(id))),
      t,
      e,
      2,
    );
    expect(e.calls.map((c) => c.entries.length)).toEqual([2, 2, 1]);
    expect(result.failed).toEqual(['m3', 'm4']);
    expect(ids.map((id) => flag(t, id))).toEqual([false, false, true, true, false]);
  });

  it('leaves the flag set, without failing, when the entry changed after it was replicated', async () => {
    const t = table([entry('g1')]);
    const racing = {
      ...t,
      get: async (key: { PK: string; SK: string }, c?: boolean) => {
        const current = await t.get(key, c);
        // A fan edit lands between the read and the clear.
        t.byKey.set(`${key.PK}|${key.SK}`, entry('g1', { date: { updated: T2, fanModified: T2 } }));
        return current;
      },
    };
    const result = await run([put('m1', entry('g1'))], racing as typeof t);
    expect(result).toMatchObject({ failed: [], counts: { cleared: 0, clearSkipped: 1 } });
    expect(flag(t, 'g1')).toBe(true);
  });

  it('retries a message whose flag could not be cleared', async () => {
    const result = await run([put('m1', entry('g1'))], table([entry('g1')], { failUpdates: true }));
    expect(result.failed).toEqual(['m1']);
  });

  it('does not write the flag of an entry that no longer carries it', async () => {
    const t = table([entry('g1', { needsReplication: false })], { failUpdates: true });
    const result = await run([put('m1', entry('g1', { needsReplication: false }))], t);
    expect(result).toMatchObject({ failed: [], counts: { upserted: 1, cleared: 0 } });
  });

  it('replicates a change repeated in one batch once, answering for every copy', async () => {
    const t = table([entry('g1')]);
    const e = entryService({ failUsers: ['g1'] });
    const result = await run([put('m1', entry('g1')), put('m2', entry('g1'))], t, e);
    expect(e.calls[0].entries).toHaveLength(1);
    expect(result.failed).toEqual(['m1', 'm2']);
  });

  it('is harmless to replay: a second delivery writes the same entry and changes no flag', async () => {
    const t = table([entry('g1')]);
    const e = entryService();
    await run([put('m1', entry('g1'))], t, e);
    const again = await run([put('m1', entry('g1'))], t, e);
    expect(again).toMatchObject({ failed: [], rejected: [], counts: { upserted: 1, cleared: 0 } });
    expect(e.calls[1]).toEqual(e.calls[0]);
  });
});

describe('toEntryUpsert', () => {
  it('drops PK, SK, type, needsReplication and traceparent and sets userId (DECISIONS.md [8])', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const record = parseSaveEntryMessage({ operation: 'INSERT', newItem: entry('g1', { verdict: true, traceparent }) });
    expect(toEntryUpsert(record)).toEqual({
      campaignId: 'c1',
      globalUserId: 'g1',
      userId: 'g1',
      verdict: true,
      fields: { email: 'g1@example.com' },
      date: { updated: T1, fanModified: T1 },
    });
  });

  it('leaves out every secret-named key (logging.secretKeys), at any depth', () => {
    const record = parseSaveEntryMessage({
      operation: 'INSERT',
      newItem: entry('g1', {
        idvToken: 'T',
        fields: { email: 'g1@example.com', idvToken: 'T', list: [{ Authorization: 'T', keep: 1 }] },
        attributes: { gate: { sessionCookie: 'T', passed: true } },
      }),
    });
    const upsert = toEntryUpsert(record);
    expect(JSON.stringify(upsert)).not.toContain('"T"');
    expect(upsert).toMatchObject({
      fields: { email: 'g1@example.com', list: [{ keep: 1 }] },
      attributes: { gate: { passed: true } },
    });
  });
});
