import type { Document } from 'mongodb';
import type { Item } from '../../../src/shared/aws/demandTable';
import { getConfig } from '../../../src/shared/config';
import { memoryLogger } from '../../../src/shared/runtime/testing';
import { getMarketsToNotify } from '../../../src/workers/notification/getMarketsToNotify/getMarketsToNotify';
import type { GeneratorDeps } from '../../../src/workers/notification/notificationGenerator/generator';
import { generateNotifications } from '../../../src/workers/notification/notificationGenerator/generator';
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

describe('notificationGenerator against MongoDB and DynamoDB Local', () => {
  it('pages through the winners and writes each reminder once', async () => {
    const { marketId } = await dueMarket((m) => Array.from({ length: 7 }, (_, n) => ({ n, codesFor: [m] })));

    const result = await generate({}, { pageSize: 3 });
    expect(result).toMatchObject({ marketCount: 1, notifiedCount: 1, writtenCount: 7, existingCount: 0, droppedCount: 0 });
    const reminders = await remindersOf(marketId);
    expect(new Set(reminders.map((r) => r.PK)).size).toBe(7);
    expect((await env().store.getMarket(marketId))?.date?.notified).toBe(NOW.toISOString());
  });

  it('marks a market without eligible fans notified and writes nothing', async () => {
    const { marketId } = await dueMarket((m) => [{ n: 1, phone: '+447700900001', codesFor: [m] }, { n: 2, verdict: false, codesFor: [m] }]);

    expect(await generate()).toMatchObject({ notifiedCount: 1, writtenCount: 0 });
    expect(await remindersOf(marketId)).toEqual([]);
    expect((await env().store.getMarket(marketId))?.date?.notified).toBe(NOW.toISOString());
  });

  it('leaves a market with failed writes due; the next run writes only the missing reminders and keeps existing ones', async () => {
    const { marketId } = await dueMarket((m) => Array.from({ length: 5 }, (_, n) => ({ n, codesFor: [m] })));
    const { table } = env();
    // DynamoDB Local never leaves BatchWrite items unprocessed, so this stand-in drops the last
    // item of the first batch as DynamoDB does under throttling once its retries are spent.
    let dropped = false;
    const throttled: GeneratorDeps['table'] = {
      batchGet: (keys) => table.batchGet(keys),
      batchPut: async (items) => {
        if (dropped || items.length === 0) {
          return table.batchPut(items);
        }
        dropped = true;
        const kept = items.slice(0, -1);
        await table.batchPut(kept);
        return { written: kept.length, unprocessed: items.slice(-1) };
      },
    };

    expect(await generate({ table: throttled })).toMatchObject({ notifiedCount: 0, writtenCount: 4, failedCount: 1, markets: [{ status: 'incomplete' }] });
    expect((await env().store.getMarket(marketId))?.date?.notified).toBeUndefined();
    const [sent] = await remindersOf(marketId);
    // The sender has moved one reminder on meanwhile; the retry must not reset it.
    await table.batchPut([{ ...sent, status: 'SENT', sendAttempts: 1 }]);

    expect(await generate()).toMatchObject({ notifiedCount: 1, writtenCount: 1, existingCount: 4 });
    const after = await remindersOf(marketId);
    expect(after).toHaveLength(5);
    expect(after.find((r) => r.PK === sent.PK)).toMatchObject({ status: 'SENT', sendAttempts: 1 });
    expect((await env().store.getMarket(marketId))?.date?.notified).toBe(NOW.toISOString());
  });

  it('counts winners without a message body as dropped and still marks the market', async () => {
    const { marketId } = await dueMarket((m) => [{ n: 1, codesFor: [m] }, { n: 2, codesFor: [m] }], { event: { presaleDateTime: at(HOUR).toISOString(), ids: ['e1'] } });

    expect(await generate()).toMatchObject({ notifiedCount: 1, writtenCount: 0, droppedCount: 2 });
    expect(await remindersOf(marketId)).toEqual([]);
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
