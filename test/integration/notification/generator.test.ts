import type { Document } from 'mongodb';
import { ObjectId } from 'mongodb';
import type { DemandTable, Item } from '../../../src/shared/aws/demandTable';
import { getConfig } from '../../../src/shared/config';
import { memoryLogger } from '../../doubles/runtime';
import { getMarketsToNotify } from '../../../src/workers/notification/getMarketsToNotify/getMarketsToNotify';
import type { GeneratorDeps } from '../../../src/workers/notification/notificationGenerator/notificationGenerator';
import { generateNotifications } from '../../../src/workers/notification/notificationGenerator/notificationGenerator';
import { HOUR, MINUTE, campaignDoc, marketDoc, newId, scoringDoc, useNotificationEnv } from './setup';
import type { Fan } from './setup';

const env = useNotificationEnv('ntfcn-generator');
const NOW = new Date('2026-06-13T10:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

/** Runs the generator at NOW with getMarketsToNotify called in process. */
function generate(overrides: Partial<GeneratorDeps> = {}, settings: Partial<GeneratorDeps['settings']> = {}) {
  const { store, scoring, table } = env();
  const now = () => NOW;
  return generateNotifications({
    getMarketsToNotify: (input) => getMarketsToNotify(input, { store, settings: getConfig().notifications, now, log: memoryLogger() }),
    store,
    scoring,
    table,
    settings: { ...getConfig().notifications, ...settings },
    now,
    remainingTimeMs: () => Number.POSITIVE_INFINITY,
    log: memoryLogger(),
    ...overrides,
  });
}

/** A CLOSED campaign with one market due now (presale in an hour) and these fans in its scoring collection. */
async function dueMarket(fans: (marketId: string) => Fan[], marketFields: Document = {}) {
  const { campaigns, markets, scoring } = env();
  const [campaignId, marketId] = [newId(), newId()];
  await campaigns.insertOne(campaignDoc(campaignId));
  await markets.insertOne(marketDoc(marketId, campaignId, at(HOUR), { date: { notification: at(-MINUTE).toISOString() }, ...marketFields }));
  const docs = fans(marketId).map((fan) => scoringDoc(campaignId, fan));
  if (docs.length > 0) {
    await scoring.insertMany(docs);
  }
  return { campaignId, marketId, docs };
}

const remindersOf = async (marketId: string): Promise<Item[]> => (await env().items()).filter((i) => i.marketId === marketId);

/**
 * Holds every write of each wrapped table until all `parties` runs have reached their first
 * write: the two runs then overlap exactly where a read-then-write would race. The wrapper only
 * schedules; the writes go to DynamoDB Local unchanged.
 */
function meetAtFirstWrite(parties: number): (table: DemandTable) => DemandTable {
  let arrived = 0;
  let release: () => void = () => undefined;
  const allArrived = new Promise<void>((resolve) => {
    release = resolve;
  });
  return (table) => {
    let here = false;
    const hold = async () => {
      if (!here) {
        here = true;
        arrived += 1;
        if (arrived === parties) {
          release();
        }
      }
      await allArrived;
    };
    return {
      ...table,
      putIfAbsent: async (item) => {
        await hold();
        return table.putIfAbsent(item);
      },
      batchPut: async (items, retry) => {
        await hold();
        return table.batchPut(items, retry);
      },
    };
  };
}

describe('notificationGenerator against MongoDB and DynamoDB Local', () => {
  it('finishes a market larger than one page over several runs without re-reading earlier pages, while the next market gets its reminders in the first run', async () => {
    const big = await dueMarket((m) => Array.from({ length: 7 }, (_, n) => ({ n, codesFor: [m] })));
    // Presale a minute later, so getMarketsToNotify (presale order) lists it after the big market.
    const small = await dueMarket((m) => [{ n: 1, codesFor: [m] }, { n: 2, codesFor: [m] }], {
      event: { ...marketDoc(newId(), 'x', at(HOUR + MINUTE)).event, presaleDateTime: at(HOUR + MINUTE).toISOString() },
    });
    const notified = async (marketId: string) => (await env().store.getMarket(marketId))?.date?.notified;

    const first = await generate({}, { pageSize: 3 });
    expect(first.markets).toEqual([
      { marketId: big.marketId, status: 'inProgress', written: 3, existing: 0, rejected: 0, failed: 0 },
      { marketId: small.marketId, status: 'notified', written: 2, existing: 0, rejected: 0, failed: 0 },
    ]);
    expect(await notified(big.marketId)).toBeUndefined();
    expect(await notified(small.marketId)).toBe(NOW.toISOString());

    // existing 0: no run reads (and puts) the fans an earlier run finished.
    expect(await generate({}, { pageSize: 3 })).toMatchObject({ writtenCount: 3, existingCount: 0, markets: [{ marketId: big.marketId, status: 'inProgress' }] });
    expect(await generate({}, { pageSize: 3 })).toMatchObject({ writtenCount: 1, existingCount: 0, markets: [{ marketId: big.marketId, status: 'notified' }] });
    expect(await notified(big.marketId)).toBe(NOW.toISOString());
    const reminders = await remindersOf(big.marketId);
    expect(new Set(reminders.map((r) => r.PK)).size).toBe(7);
    expect(await generate({}, { pageSize: 3 })).toMatchObject({ marketCount: 0 });
  });

  it('of two overlapping runs writes each reminder exactly once and never overwrites an existing one', async () => {
    const { campaignId, marketId } = await dueMarket((m) => Array.from({ length: 40 }, (_, n) => ({ n, codesFor: [m] })));
    const { table } = env();
    // A reminder the sender has already moved on, from an earlier run.
    const sentKey = { PK: `fan:g-${campaignId.slice(-4)}-00007`, SK: `asu#${campaignId}-${marketId}#reminder` };
    await table.putIfAbsent({ ...sentKey, status: 'SENT', sendAttempts: 1, date: { created: at(-HOUR).toISOString() } });
    const meet = meetAtFirstWrite(2);
    const later = new Date(NOW.getTime() + 1000);

    const [a, b] = await Promise.all([generate({ table: meet(table) }), generate({ table: meet(table), now: () => later })]);

    expect(a.writtenCount + b.writtenCount).toBe(39);
    expect(a.existingCount + b.existingCount).toBe(39 + 2);
    const reminders = await remindersOf(marketId);
    const createdBy = (when: Date) => reminders.filter((r) => (r.date as { created?: string }).created === when.toISOString()).length;
    // Every reminder a run counts as written is one it created, and nobody else overwrote it.
    expect([createdBy(NOW), createdBy(later)]).toEqual([a.writtenCount, b.writtenCount]);
    expect(await table.get(sentKey, true)).toMatchObject({ status: 'SENT', sendAttempts: 1 });
    expect((await env().store.getMarket(marketId))?.date?.notified).toBeDefined();
  });

  it('finds winners whose scoring records name the campaign by string or by ObjectId', async () => {
    const { campaignId, marketId } = await dueMarket((m) => [{ n: 1, codesFor: [m] }]);
    await env().scoring.insertOne({ ...scoringDoc(campaignId, { n: 2, codesFor: [marketId] }), campaign_id: new ObjectId(campaignId) });

    expect(await generate()).toMatchObject({ notifiedCount: 1, writtenCount: 2 });
    expect((await remindersOf(marketId)).map((r) => r.PK).sort()).toEqual([`fan:g-${campaignId.slice(-4)}-00001`, `fan:g-${campaignId.slice(-4)}-00002`]);
  });

  it('marks a market without eligible fans notified and writes nothing', async () => {
    const { marketId } = await dueMarket((m) => [{ n: 1, phone: '+447700900001', codesFor: [m] }, { n: 2, verdict: false, codesFor: [m] }]);

    expect(await generate()).toMatchObject({ notifiedCount: 1, writtenCount: 0 });
    expect(await remindersOf(marketId)).toEqual([]);
    expect((await env().store.getMarket(marketId))?.date?.notified).toBe(NOW.toISOString());
  });

  it('leaves a market with failed writes due; the next run writes only the missing reminders and keeps existing ones', async () => {
    const { campaignId, marketId } = await dueMarket((m) => Array.from({ length: 5 }, (_, n) => ({ n, codesFor: [m] })));
    const { table } = env();
    const failing = `fan:g-${campaignId.slice(-4)}-00002`;
    // Failure injection: the put of one reminder fails as DynamoDB throttling does once the SDK's retries are spent.
    const throttled: DemandTable = {
      ...table,
      putIfAbsent: async (item) => {
        if (item.PK === failing) {
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput (injected)'), { name: 'ProvisionedThroughputExceededException' });
        }
        return table.putIfAbsent(item);
      },
    };
    const log = memoryLogger();

    expect(await generate({ table: throttled, log })).toMatchObject({ notifiedCount: 0, writtenCount: 4, failedCount: 1, markets: [{ status: 'incomplete' }] });
    expect((await env().store.getMarket(marketId))?.date?.notified).toBeUndefined();
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'error', data: expect.objectContaining({ marketId, failed: 1 }) }));
    // The sender has moved one reminder after the failed one on meanwhile; the retry must not reset it.
    const sent = (await remindersOf(marketId)).find((r) => r.PK === `fan:g-${campaignId.slice(-4)}-00003`)!;
    await table.batchPut([{ ...sent, status: 'SENT', sendAttempts: 1 }]);

    // The cursor stopped before the failed reminder: the retry re-reads only from there.
    expect(await generate()).toMatchObject({ notifiedCount: 1, writtenCount: 1, existingCount: 2, failedCount: 0 });
    const after = await remindersOf(marketId);
    expect(after).toHaveLength(5);
    expect(after.find((r) => r.PK === sent.PK)).toMatchObject({ status: 'SENT', sendAttempts: 1 });
    expect((await env().store.getMarket(marketId))?.date?.notified).toBe(NOW.toISOString());
  });

  it('reports reminders that cannot be built as failed, names the missing key at error level and retries the market once the data is fixed', async () => {
    const { marketId } = await dueMarket((m) => [{ n: 1, codesFor: [m] }, { n: 2, codesFor: [m] }]);
    await env().markets.updateOne({ _id: new ObjectId(marketId) }, { $unset: { 'event.link': '' } });
    const log = memoryLogger();

    expect(await generate({ log })).toMatchObject({ notifiedCount: 0, writtenCount: 0, failedCount: 2, markets: [{ marketId, status: 'incomplete', failed: 2 }] });
    expect(await remindersOf(marketId)).toEqual([]);
    expect((await env().store.getMarket(marketId))?.date?.notified).toBeUndefined();
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'error', data: expect.objectContaining({ marketId, missing: ['event.link'], count: 2 }) }),
    );

    await env().markets.updateOne({ _id: new ObjectId(marketId) }, { $set: { 'event.link': 'https://tm.example/e/fixed' } });
    expect(await generate()).toMatchObject({ notifiedCount: 1, writtenCount: 2, failedCount: 0 });
    expect((await remindersOf(marketId)).map((r) => r.messageBody)).toEqual([expect.stringContaining('https://tm.example/e/fixed'), expect.stringContaining('https://tm.example/e/fixed')]);
  });

  it('rejects a scoring record without a usable code by rule: logged with the reason, counted, and the market still completes', async () => {
    const { campaignId, marketId } = await dueMarket((m) => [{ n: 1, codesFor: [m] }]);
    await env().scoring.insertOne({ ...scoringDoc(campaignId, { n: 2 }), codes: [{ id: '', marketId }] });
    const log = memoryLogger();

    expect(await generate({ log })).toMatchObject({ notifiedCount: 1, writtenCount: 1, rejectedCount: 1, failedCount: 0 });
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', data: expect.objectContaining({ marketId, reason: 'no code id for the market', count: 1 }) }),
    );
  });

  it('skips a market whose campaign is gone and leaves it due', async () => {
    const { campaignId, marketId } = await dueMarket((m) => [{ n: 1, codesFor: [m] }]);
    await env().campaigns.deleteMany({});

    expect(await generate()).toMatchObject({ notifiedCount: 0, markets: [{ marketId, status: 'skipped' }] });
    expect(campaignId).toBeTruthy();
    expect((await env().store.getMarket(marketId))?.date?.notified).toBeUndefined();
  });

  it('defers markets when the invocation is running out of time, leaving them due', async () => {
    const { marketId } = await dueMarket((m) => [{ n: 1, codesFor: [m] }]);

    expect(await generate({ remainingTimeMs: () => 5000 })).toMatchObject({ notifiedCount: 0, writtenCount: 0, markets: [{ marketId, status: 'deferred' }] });
    expect((await env().store.getMarket(marketId))?.date?.notified).toBeUndefined();
  });

  it('throws when every due market failed, so the run counts as a Lambda error', async () => {
    const { marketId } = await dueMarket((m) => [{ n: 1, codesFor: [m] }]);
    const due = await getMarketsToNotify({ mode: 'due' }, { store: env().store, settings: getConfig().notifications, now: () => NOW, log: memoryLogger() });
    env().mongo.server?.failNext(10, { commands: ['find'] });

    await expect(generate({ getMarketsToNotify: async () => due })).rejects.toThrow(`reminder generation failed for every due market (${marketId})`);
  });
});
