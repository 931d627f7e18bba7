/**
 * Fault matrix, notification stack: getMarketsToNotify, notificationGenerator, planSends and
 * triggerReminderEmail — invocations (schedule, direct, Step Functions task), so a fault either
 * fails the invocation (the caller or the next scheduled run retries) or is reported per item
 * and left for the next run. MongoDB is the in-process wire server, one database per cell.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Collection, Db, Document } from 'mongodb';
import { MongoClient } from 'mongodb';
import { reminderKey } from '../../src/shared/aws/keys';
import type { DemandTable } from '../../src/shared/aws/demandTable';
import { loadConfig } from '../../src/shared/config/load';
import { eligibilityPages } from '../../src/shared/services/entries';
import { invokeHandler, scheduleHandler } from '../../src/shared/runtime/direct';
import { memoryLogger } from '../doubles/runtime';
import { createMarketStore } from '../../src/workers/notification/shared/store';
import {
  getMarketsToNotify,
  parseGetMarketsInput,
} from '../../src/workers/notification/getMarketsToNotify/getMarketsToNotify';
import { generateNotifications } from '../../src/workers/notification/notificationGenerator/notificationGenerator';
import type { MarketsInvoker } from '../../src/workers/notification/notificationGenerator/invoker';
import { lambdaMarketsInvoker } from '../../src/workers/notification/notificationGenerator/invoker';
import { parsePlanSendsInput, planSends } from '../../src/workers/notification/planSends/planSends';
import { triggerReminderEmails } from '../../src/workers/notification/triggerReminderEmail/triggerReminderEmail';
import { uniqueName } from '../../tools/local/emulators/names';
import type { LocalMongo } from '../../tools/local/emulators/mongo';
import { startMongoServer } from '../../tools/local/emulators/mongo';
import type { LocalTable } from './aws';
import { localTable } from './aws';
import type { CellTest } from './cells';
import { expectInvocationFailed, normalize, runSuite } from './cells';
import type { HttpFailure, ServiceWorld, Services } from './faults';
import {
  LOCAL_AWS,
  SERVICE_ATTEMPTS,
  closedPortUrl,
  dynamoThrottled,
  failCalls,
  mongoReachable,
  startServiceWorld,
} from './faults';

const log = memoryLogger('faults');
const HTTP: HttpFailure[] = ['5xx', '429', 'timeout', 'connection refused', 'connection dropped'];
const MINUTE = 60_000;
const NOW = new Date('2026-06-01T12:00:00.000Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * MINUTE).toISOString();
const settings = loadConfig('local', { environment: {} }).notifications;

let world: ServiceWorld;
let db: LocalTable;
let mongo: LocalMongo;
let mongoClient: MongoClient;

beforeAll(async () => {
  [world, db, mongo] = await Promise.all([
    startServiceWorld(log),
    localTable('faults-notification'),
    startMongoServer({ useExisting: false }),
  ]);
  // A short server selection timeout: an unreachable MongoDB fails in a fraction of a second.
  mongoClient = await new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 300 }).connect();
});
afterAll(async () => {
  await mongoClient?.close();
  await Promise.all([world?.stop(), mongo?.stop()]);
  db?.destroy();
});

/** A database of its own for a cell: getMarketsToNotify looks at every market there is. */
function cellDb(ns: string) {
  const database: Db = mongoClient.db(`n-${ns}`.slice(0, 60));
  const campaigns = database.collection('campaigns');
  const markets = database.collection('markets');
  return {
    campaigns,
    markets,
    scoring: database.collection('scoring'),
    store: createMarketStore({ campaigns, markets }),
  };
}

/** A scoring record of a selected fan with a US phone and a code for the market. */
const winner = (campaignId: string, marketId: string, n: number) => ({
  campaign_id: campaignId,
  globalUserId: `g${n}`,
  verdict: true,
  phone: `+1555000000${n}`,
  locale: 'en-US',
  codes: [{ id: `CODE-${n}`, marketId }],
});

/** A market due for reminders (planned 10 minutes ago, presale in an hour), its campaign and three winners. */
async function dueMarket(ns: string) {
  const c = cellDb(ns);
  const campaignId = `c-${ns}`;
  await c.campaigns.insertOne({
    id: campaignId,
    status: 'CLOSED',
    artist: { name: 'Zoë' },
    referenceTimezone: 'America/New_York',
    locales: [{ id: 'en-US', is_default: true }],
  });
  await c.markets.insertOne({
    id: 'mk1',
    campaign_id: campaignId,
    timezone: 'America/New_York',
    date: { notification: at(-10) },
    event: {
      name: 'Zoë Live',
      date: '2026-06-20',
      presaleDateTime: at(60),
      link: 'https://tm.example/e1',
      ids: ['E1'],
    },
  });
  await c.scoring.insertMany([1, 2, 3].map((n) => winner(campaignId, 'mk1', n)));
  return { ...c, campaignId };
}

/**
 * Expects `faulty` to fail as a fault of ours fails an invocation of `worker` (expectInvocationFailed),
 * ends the fault, and returns the result of the next, healthy run.
 */
async function failThenRun<T>(
  worker: string,
  faulty: () => Promise<T>,
  clear: () => Promise<void> | void,
  healthy = faulty,
): Promise<T> {
  try {
    await expectInvocationFailed(faulty, log, worker);
  } finally {
    await clear();
  }
  return healthy();
}

// ------------------------------------------------------------------------------------------
// getMarketsToNotify

function getMarketsToNotifyCells(): Record<string, CellTest> {
  const handler = (store: ReturnType<typeof cellDb>['store']) =>
    invokeHandler({
      worker: 'getMarketsToNotify',
      log,
      parse: parseGetMarketsInput,
      process: (input, ctx) => getMarketsToNotify(input, { store, settings, now: () => NOW, log: ctx.log }),
    });
  const cellWith = async (inject: () => () => Promise<void> | void) => {
    const ns = uniqueName('gm');
    const { store } = await dueMarket(ns);
    const expected = [
      {
        id: 'mk1',
        campaignId: `c-${ns}`,
        timezone: 'America/New_York',
        presaleDateTime: at(60),
        notificationDate: at(-10),
      },
    ];
    const clear = inject();
    const after = await failThenRun('getMarketsToNotify', () => handler(store)({ mode: 'due' }), clear);
    expect(after).toEqual({ mode: 'due', markets: expected, clearedCount: 0 });
    return 'runFailed' as const;
  };
  return {
    'getMarketsToNotify × MongoDB × server error': () =>
      cellWith(() => {
        mongo.server!.failNext(1, { commands: ['find'] });
        return () => undefined;
      }),
    'getMarketsToNotify × MongoDB × unreachable': () =>
      cellWith(() => {
        mongo.server!.setDown(true);
        return async () => {
          mongo.server!.setDown(false);
          await mongoReachable(mongoClient);
        };
      }),
  };
}

// ------------------------------------------------------------------------------------------
// notificationGenerator

function notificationGeneratorCells(): Record<string, CellTest> {
  const setup = async (ns: string) => {
    const c = await dueMarket(ns);
    const inProcess: MarketsInvoker = (input) =>
      getMarketsToNotify(input, { store: c.store, settings, now: () => NOW, log });
    const run = (options: { invoker?: MarketsInvoker; table?: DemandTable; scoring?: Collection<Document> } = {}) =>
      scheduleHandler({
        worker: 'notificationGenerator',
        log,
        process: async (_event, ctx) =>
          generateNotifications({
            getMarketsToNotify: options.invoker ?? inProcess,
            store: c.store,
            scoring: options.scoring ?? c.scoring,
            table: options.table ?? db.table,
            settings,
            now: () => NOW,
            remainingTimeMs: () => Number.POSITIVE_INFINITY,
            log: ctx.log,
          }),
      })({ time: NOW.toISOString() });
    const observe = async () => ({
      reminders: await Promise.all(
        [1, 2, 3].map(async (n) =>
          normalize((await db.table.get(reminderKey(`g${n}`, c.campaignId, 'mk1'), true)) ?? null, ns),
        ),
      ),
      notified: ((await c.markets.findOne({ id: 'mk1' }))?.date as { notified?: string })?.notified ?? null,
    });
    return { ...c, run, observe };
  };
  let baseline: Awaited<ReturnType<Awaited<ReturnType<typeof setup>>['observe']>>;
  beforeAll(async () => {
    const s = await setup(uniqueName('ng-base'));
    expect(await s.run()).toMatchObject({ notifiedCount: 1, writtenCount: 3 });
    baseline = await s.observe();
    expect(baseline.notified).toBe(NOW.toISOString());
  });
  const failedRun = async (
    fault: (
      s: Awaited<ReturnType<typeof setup>>,
    ) => Promise<{ options?: Parameters<Awaited<ReturnType<typeof setup>>['run']>[0]; clear(): void }>,
  ) => {
    const s = await setup(uniqueName('ng'));
    const f = await fault(s);
    await failThenRun(
      'notificationGenerator',
      () => s.run(f.options),
      f.clear,
      () => s.run(),
    );
    expect(await s.observe()).toEqual(baseline);
    return 'runFailed' as const;
  };
  return {
    'notificationGenerator × DynamoDB × throttling (one reminder write)': async () => {
      const s = await setup(uniqueName('ng'));
      const clear = failCalls(db.client, 'PutItemCommand', dynamoThrottled, (input) => {
        const item = input.Item as Record<string, unknown> | undefined;
        return item?.globalUserId === 'g2' && item?.campaignId === s.campaignId;
      });
      let first;
      try {
        first = await s.run();
      } finally {
        clear();
      }
      expect(first).toMatchObject({
        notifiedCount: 0,
        writtenCount: 2,
        failedCount: 1,
        markets: [{ status: 'incomplete' }],
      });
      expect((await s.observe()).notified).toBeNull();
      // The market's cursor stopped before g2: the next run reads g2 and g3 again, not g1.
      const second = await s.run();
      expect(second).toMatchObject({ notifiedCount: 1, writtenCount: 1, existingCount: 1 });
      expect(await s.observe()).toEqual(baseline);
      return 'reported';
    },
    'notificationGenerator × DynamoDB × throttling (every reminder write)': () =>
      failedRun(async () => ({ clear: failCalls(db.client, 'PutItemCommand', dynamoThrottled) })),
    'notificationGenerator × MongoDB × server error (scoring read)': () =>
      failedRun(async (s) => {
        // The wire server fails the next find; it is armed at the moment the scoring read starts,
        // so the market and campaign reads before it go through.
        const scoring = new Proxy(s.scoring, {
          get: (target, prop, receiver) =>
            prop === 'find'
              ? (...args: Parameters<typeof target.find>) => {
                  mongo.server!.failNext(1, { commands: ['find'] });
                  return target.find(...args);
                }
              : Reflect.get(target, prop, receiver),
        });
        return { options: { scoring }, clear: () => undefined };
      }),
    'notificationGenerator × Lambda (getMarketsToNotify) × connection refused': () =>
      failedRun(async () => {
        const lambda = new LambdaClient({ ...LOCAL_AWS, endpoint: await closedPortUrl(), maxAttempts: 1 });
        return {
          options: { invoker: lambdaMarketsInvoker(lambda, 'getMarketsToNotify') },
          clear: () => lambda.destroy(),
        };
      }),
  };
}

// ------------------------------------------------------------------------------------------
// planSends

function planSendsCells(): Record<string, CellTest> {
  /** A campaign's markets (presales an hour apart from 6 h on), in MongoDB and in three winners' scoring. */
  const setup = async (ns: string, marketIds: readonly string[] = ['mk1', 'mk2']) => {
    const c = cellDb(ns);
    const campaignId = `c-${ns}`;
    const markets = marketIds.map((id, i) => ({
      id,
      campaign_id: campaignId,
      event: { presaleDateTime: at(6 * 60 + i * 60) },
    }));
    await c.markets.insertMany(markets.map((m) => ({ ...m })));
    world.fakes.entries.seedScoring(
      campaignId,
      [1, 2, 3].map((n) => ({
        userId: n.toString().padStart(24, '0'),
        globalUserId: `g${n}`,
        verdict: true,
        phone: `+1555000000${n}`,
        marketIds: [...marketIds],
        codes: marketIds.map((marketId) => ({ id: `${marketId}-${n}`, marketId })),
      })),
    );
    const input = { markets: markets.map((m) => ({ id: m.id, campaignId, presaleDateTime: m.event.presaleDateTime })) };
    const run = (services: Services) =>
      invokeHandler({
        worker: 'planSends',
        log,
        parse: parsePlanSendsInput,
        process: (i, ctx) =>
          planSends(i, { store: c.store, entries: services.entries, settings, now: () => NOW, log: ctx.log }),
      })(input);
    const observe = async () =>
      (await c.markets.find({}, { sort: { id: 1 } }).toArray()).map((m) => ({
        id: m.id,
        notification: m.date?.notification ?? null,
      }));
    return { run, observe };
  };
  let baseline: Awaited<ReturnType<Awaited<ReturnType<typeof setup>>['observe']>>;
  beforeAll(async () => {
    const s = await setup(uniqueName('ps-base'));
    expect(await s.run(world.services)).toMatchObject({ plannedCount: 2, errors: [] });
    baseline = await s.observe();
  });
  /** The run reports `affected` markets in `errors` and plans the others; the next run plans the rest. */
  const cellWith = async (
    fault: () => Promise<{ services?: Services; clear(): Promise<void> | void }>,
    affected: string[],
  ) => {
    const s = await setup(uniqueName('ps'));
    const f = await fault();
    let first;
    try {
      first = await s.run(f.services ?? world.services);
    } finally {
      await f.clear();
    }
    expect(first.errors.map((e) => e.marketId).sort()).toEqual(affected);
    expect(first.plannedCount).toBe(2 - affected.length);
    const second = await s.run(world.services);
    expect(second).toMatchObject({
      plannedCount: affected.length,
      alreadyPlannedCount: 2 - affected.length,
      errors: [],
    });
    expect(await s.observe()).toEqual(baseline);
    return 'reported' as const;
  };
  const tests: Record<string, CellTest> = {
    'planSends × Entry Service × 5xx on one page of a large campaign': async () => {
      // 200 markets of 24-character ids: more than one eligibility request holds (4,096 characters).
      const ids = Array.from({ length: 200 }, (_, i) => `market-${String(i).padStart(17, '0')}`);
      const pages = eligibilityPages(ids);
      expect(pages.length).toBeGreaterThan(1);
      const base = await setup(uniqueName('ps-large-base'), ids);
      expect(await base.run(world.services)).toMatchObject({ plannedCount: ids.length, errors: [] });
      const largeBaseline = await base.observe();

      const s = await setup(uniqueName('ps-large'), ids);
      const fake = world.fakes.entries;
      const eligibility = /\/entries\/eligibility$/;
      const from = fake.requests.length;
      // Every attempt of the first call fails: its page, and only it.
      fake.failNext({ status: 503, count: SERVICE_ATTEMPTS, path: eligibility });
      let first;
      try {
        first = await s.run(world.services);
      } finally {
        fake.clearFailures();
      }
      const asked = fake.requests
        .slice(from)
        .filter((r) => eligibility.test(r.path))
        .map((r) => (r.query.marketIds ?? '').split(','));
      expect(asked).toEqual([...Array.from({ length: SERVICE_ATTEMPTS }, () => pages[0]), ...pages.slice(1)]);
      expect(first.errors.map((e) => e.marketId)).toEqual(pages[0]);
      expect(first.plannedCount).toBe(ids.length - pages[0].length);
      const second = await s.run(world.services);
      expect(second).toMatchObject({
        plannedCount: pages[0].length,
        alreadyPlannedCount: ids.length - pages[0].length,
        errors: [],
      });
      expect(await s.observe()).toEqual(largeBaseline);
      return 'reported';
    },
    'planSends × MongoDB × server error (storing one market)': () =>
      cellWith(async () => {
        mongo.server!.failNext(1, { commands: ['update'] });
        return { clear: () => undefined };
      }, ['mk1']),
    'planSends × Secrets Manager (service JWT key) × unavailable at cold start': () =>
      cellWith(async () => world.secretsOutage(), ['mk1', 'mk2']),
  };
  for (const failure of HTTP) {
    tests[`planSends × Entry Service × ${failure}`] = () =>
      cellWith(() => world.inject('entries', failure, /\/entries\/eligibility$/), ['mk1', 'mk2']);
  }
  return tests;
}

// ------------------------------------------------------------------------------------------
// triggerReminderEmail

function triggerReminderEmailCells(): Record<string, CellTest> {
  const setup = async (ns: string) => {
    const c = cellDb(ns);
    const campaignId = `c-${ns}`;
    world.fakes.campaigns.seedCampaign({ id: campaignId });
    await c.campaigns.insertOne({ id: campaignId, date: { sendReminderEmails: [at(-5), at(24 * 60)] } });
    const run = (services: Services) =>
      invokeHandler({
        worker: 'triggerReminderEmail',
        log,
        parse: () => undefined,
        process: (_i, ctx) =>
          triggerReminderEmails({
            store: c.store,
            exports: services.exports,
            exportType: settings.reminderExportType,
            now: () => NOW,
            log: ctx.log,
          }),
      })({});
    const observe = async () => ({
      campaign: normalize(await c.campaigns.findOne({ id: campaignId }, { projection: { _id: 0 } }), ns),
      exports: [...world.fakes.exports.exports.values()]
        .filter((e) => e.campaignId === campaignId)
        .map((e) => e.exportType),
    });
    return { run, observe };
  };
  let baseline: Awaited<ReturnType<Awaited<ReturnType<typeof setup>>['observe']>>;
  beforeAll(async () => {
    const s = await setup(uniqueName('tre-base'));
    expect(await s.run(world.services)).toMatchObject({ triggeredCount: 1, errors: [] });
    baseline = await s.observe();
    expect(baseline.exports).toEqual(['autoReminderEmail']);
  });
  const cellWith = async (fault: () => Promise<{ services?: Services; clear(): Promise<void> | void }>) => {
    const s = await setup(uniqueName('tre'));
    const f = await fault();
    let first;
    try {
      first = await s.run(f.services ?? world.services);
    } finally {
      await f.clear();
    }
    expect(first).toMatchObject({ triggeredCount: 0, errors: [{}] });
    expect(await s.run(world.services)).toMatchObject({ triggeredCount: 1, errors: [] });
    expect(await s.observe()).toEqual(baseline);
    return 'reported' as const;
  };
  const tests: Record<string, CellTest> = {
    'triggerReminderEmail × MongoDB × server error after the export': () =>
      cellWith(async () => {
        mongo.server!.failNext(1, { commands: ['update'] });
        return { clear: () => undefined };
      }),
  };
  for (const failure of HTTP) {
    tests[`triggerReminderEmail × Exports Service × ${failure}`] = () =>
      cellWith(() => world.inject('exports', failure));
  }
  return tests;
}

runSuite('notification', {
  ...getMarketsToNotifyCells(),
  ...notificationGeneratorCells(),
  ...planSendsCells(),
  ...triggerReminderEmailCells(),
});
