/**
 * Fault matrix, registration stack: checkEligibility (AppSync: Redis cache, MongoDB fallback,
 * DynamoDB invite look-up) and upsertUsers (user-info queue → User Service). Each worker runs
 * through its real trigger adapter with its real input parsing and logic.
 */
import type { SQSEvent } from 'aws-lambda';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DemandTable } from '../../src/shared/aws/demandTable';
import { inviteKey } from '../../src/shared/aws/keys';
import { createCampaignCache } from '../../src/shared/campaigns/cache';
import { closeSharedRedis, sharedRedis } from '../../src/shared/campaigns/redis';
import { appSyncHandler } from '../../src/shared/runtime/appsync';
import { sqsBatchHandler } from '../../src/shared/runtime/sqs';
import { memoryLogger, sqsEvent } from '../doubles/runtime';
import { checkEligibility } from '../../src/workers/registration/checkEligibility/checkEligibility';
import { createIdvVerifier } from '../../src/workers/registration/checkEligibility/idvToken';
import { parseEligibilityInput } from '../../src/workers/registration/checkEligibility/input';
import type { EligibilityResult } from '../../src/workers/registration/checkEligibility/types';
import { upsertUsers } from '../../src/workers/registration/upsertUsers/upsertUsers';
import { parseUserMessage } from '../../src/workers/registration/upsertUsers/userMessage';
import { uniqueName } from '../../tools/local/emulators/names';
import type { LocalMongo } from '../../tools/local/emulators/mongo';
import { startMongoServer } from '../../tools/local/emulators/mongo';
import type { LocalRedis } from '../../tools/local/emulators/redis';
import { startRedis } from '../../tools/local/emulators/redis';
import type { LocalTable } from './aws';
import { localTable } from './aws';
import type { CellTest, Effects } from './cells';
import { batchCell, hostileBatchCell, normalize, runSuite } from './cells';
import type { HttpFailure, ServiceWorld, Services } from './faults';
import { dynamoThrottled, failCalls, mongoReachable, startServiceWorld } from './faults';

const log = memoryLogger('faults');
let world: ServiceWorld;
let db: LocalTable;
let mongo: LocalMongo;
let mongoClient: MongoClient;
let redis: LocalRedis;

beforeAll(async () => {
  [world, db, mongo, redis] = await Promise.all([
    startServiceWorld(log),
    localTable('faults-registration'),
    startMongoServer({ useExisting: false }),
    startRedis({ useExisting: false }),
  ]);
  // A short server selection timeout: an unreachable MongoDB fails in a fraction of a second.
  mongoClient = await new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 300 }).connect();
});
afterAll(async () => {
  await closeSharedRedis();
  await mongoClient?.close();
  await Promise.all([world?.stop(), mongo?.stop(), redis?.stop()]);
  db?.destroy();
});

// ------------------------------------------------------------------------------------------
// checkEligibility

function checkEligibilityCells(): Record<string, CellTest> {
  const NOW = new Date('2026-06-01T12:00:00.000Z');
  // The production connection (src/shared/campaigns/redis.ts), with a short command timeout so a
  // cell waiting out a stopped or paused Redis stays fast.
  let cache: ReturnType<typeof createCampaignCache> | undefined;
  const cacheOf = () =>
    (cache ??= createCampaignCache({
      redis: sharedRedis({ url: redis.url, connectTimeoutMs: 150, commandTimeoutMs: 150 }),
      campaigns: async () => mongoClient.db('campaigns').collection('campaigns'),
      markets: async () => mongoClient.db('campaigns').collection('markets'),
      keyPrefix: 'campaign:',
      ttlSeconds: 3600,
      log,
    }));

  /** An open invite-only campaign in MongoDB and the fan's invite in the table; the request. */
  const setup = async (ns: string) => {
    const campaignId = `c-${ns}`;
    await mongoClient
      .db('campaigns')
      .collection('campaigns')
      .insertOne({
        id: campaignId,
        slug: `tour-${ns}`,
        status: 'OPEN',
        date: { open: '2026-01-01T00:00:00Z', close: '2027-01-01T00:00:00Z' },
        options: { gate: { inviteOnly: 'email' } },
        preferences: [{ id: 'email', type: 'email', is_optional: false }],
        markets: [],
      });
    await db.client.send(
      new PutCommand({
        TableName: db.name,
        Item: { ...inviteKey(campaignId, 'email', 'fan@example.com'), type: 'invite' },
      }),
    );
    return {
      body: {
        slug: `tour-${ns}`,
        entry: { email: 'fan@example.com' },
        userInfo: { email: 'fan@example.com', globalUserId: 'g-fan' },
      },
    };
  };
  const handler = (table: DemandTable) =>
    appSyncHandler<EligibilityResult>({
      worker: 'checkEligibility',
      log,
      process: (payload, ctx) =>
        checkEligibility(parseEligibilityInput(payload), {
          getCampaign: async (slug) => (await cacheOf().getBySlug(slug)).campaign,
          getInvite: table.getInvite,
          getEntry: table.getEntry,
          verifyIdv: createIdvVerifier({ publicKey: '', issuer: 'idv', audience: 'verifiedfan' }),
          allowPreview: false,
          now: () => NOW,
          log: ctx.log,
        }),
      onError: () => ({ isEligible: false, reason: 'INTERNAL_SERVER_ERROR' }),
    });

  let baseline: EligibilityResult;
  beforeAll(async () => {
    const ns = uniqueName('elig-base');
    const { body } = await setup(ns);
    baseline = normalize(await handler(db.table)({ body }), ns);
    expect(baseline).toMatchObject({ isEligible: true, fields: { email: 'fan@example.com' } });
  });

  const fallbacks = () =>
    log.lines.filter((l) => l.message === 'campaign cache read failed; falling back to MongoDB').length;

  /** Asks during the fault and after it; the answer after must be the fault-free one. */
  const cellWith = async (
    inject: (body: unknown) => Promise<{ table?: DemandTable; clear(): Promise<void> | void; done?(): Promise<void> }>,
  ): Promise<'fallback' | 'internalError'> => {
    const ns = uniqueName('elig');
    const { body } = await setup(ns);
    const fallbacksBefore = fallbacks();
    const fault = await inject(body);
    let during: EligibilityResult;
    try {
      during = normalize(await handler(fault.table ?? db.table)({ body }), ns);
    } finally {
      await fault.clear();
    }
    const after = normalize(await handler(db.table)({ body }), ns);
    await fault.done?.();
    expect(after).toEqual(baseline);
    if (JSON.stringify(during) === JSON.stringify(baseline)) {
      // The same answer is only a fallback if the cache read did fail.
      expect(fallbacks()).toBeGreaterThan(fallbacksBefore);
      return 'fallback';
    }
    expect(during).toEqual({ isEligible: false, reason: 'INTERNAL_SERVER_ERROR' });
    return 'internalError';
  };

  return {
    'checkEligibility × Redis × timeout (server busy)': () =>
      cellWith(async (body) => {
        // Cache the campaign first, so the read during the pause is a would-be hit.
        await handler(db.table)({ body });
        const admin = new Redis(redis.url);
        await admin.call('CLIENT', 'PAUSE', '400', 'ALL');
        admin.disconnect();
        return { clear: () => undefined };
      }),
    'checkEligibility × Redis × server stopped': () =>
      cellWith(async () => {
        await redis.stop();
        // Nothing uses Redis after this cell; closing now lets ioredis' reconnect timers end early.
        return { clear: () => undefined, done: closeSharedRedis };
      }),
    'checkEligibility × MongoDB × server error (cache miss)': () =>
      cellWith(async () => {
        mongo.server!.failNext(1, { commands: ['find'] });
        return { clear: () => undefined };
      }),
    'checkEligibility × MongoDB × unreachable (cache miss)': () =>
      cellWith(async () => {
        mongo.server!.setDown(true);
        return {
          clear: async () => {
            mongo.server!.setDown(false);
            await mongoReachable(mongoClient);
          },
        };
      }),
    'checkEligibility × DynamoDB × throttling (invite read)': () =>
      cellWith(async () => ({ clear: failCalls(db.client, 'GetItemCommand', dynamoThrottled) })),
    'checkEligibility × DynamoDB × connection refused': () =>
      cellWith(async () => ({ table: await db.refused(), clear: () => undefined })),
  };
}

// ------------------------------------------------------------------------------------------
// upsertUsers

function upsertUsersCells(): Record<string, CellTest> {
  const USERS = ['u1', 'u2', 'u3'];
  const TOKEN = 'planted-secret-9f2c';
  const fake = () => world.fakes.users;
  // Planted in every message: secrets a producer put there never travel to User Service.
  const planted = { authorization: `Bearer ${TOKEN}`, idvToken: TOKEN };
  const setup = (ns: string) => {
    const ids = USERS.map((u) => `${u}-${ns}`);
    // One as a bare user, one as an EventBridge envelope, one with the snake_case id (DECISIONS [11]).
    const bodies = [
      { globalUserId: ids[0], email: 'u1@example.com', firstName: 'Una', ...planted },
      {
        source: 'tm.users',
        'detail-type': 'UserUpdated',
        detail: { globalUserId: ids[1], email: 'u2@example.com', ...planted },
      },
      { global_user_id: ids[2], firstName: 'Tre', ...planted },
    ];
    const observe = async (): Promise<Effects> =>
      Object.fromEntries(USERS.map((u, i) => [u, [normalize(fake().users.get(ids[i]) ?? null, ns)]]));
    return { records: { event: sqsEvent(bodies, { ids: USERS.map((u) => `m-${u}`) }), keys: USERS }, observe, ids };
  };
  const handler = (services: Services) =>
    sqsBatchHandler({
      worker: 'upsertUsers',
      log,
      parse: parseUserMessage,
      process: (messages, ctx) => upsertUsers(messages, services.users, ctx.log),
    });
  /** Runs `cell`; no request User Service received meanwhile, first or retried, holds the planted token. */
  const withoutSecrets = async <T>(cell: () => Promise<T>): Promise<T> => {
    const from = fake().requests.length;
    const outcome = await cell();
    const bodies = fake()
      .requests.slice(from)
      .map((r) => JSON.stringify(r.body));
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies.filter((b) => b.includes(TOKEN))).toEqual([]);
    return outcome;
  };
  let baseline: Effects;
  beforeAll(async () => {
    const base = setup(uniqueName('users-base'));
    await withoutSecrets(async () =>
      expect((await handler(world.services)(base.records.event)).batchItemFailures).toEqual([]),
    );
    baseline = await base.observe();
  });
  const cellWith = async (
    fault: (ids: string[]) => Promise<{ services?: Services; clear(): Promise<void> | void }>,
    affected: string[],
  ) => {
    const s = setup(uniqueName('users'));
    let injected: Awaited<ReturnType<typeof fault>> | undefined;
    return withoutSecrets(() =>
      batchCell({
        records: s.records,
        inject: async () => {
          injected = await fault(s.ids);
          return () => injected!.clear();
        },
        run: (event, faulty) => handler(faulty ? (injected?.services ?? world.services) : world.services)(event),
        affected,
        observe: s.observe,
        baseline,
      }),
    );
  };
  /**
   * The valid messages with impossible records among them: null, a number, a message without
   * messageId and one with an empty messageId (their users must not reach User Service).
   */
  const hostileEvent = () => {
    const ns = uniqueName('users-hostile');
    const s = setup(ns);
    const strays = ['u4', 'u5'].map((u) => `${u}-${ns}`);
    const [noId, emptyId] = sqsEvent(
      strays.map((globalUserId) => ({ globalUserId, email: 'stray@example.com' })),
      { ids: ['m-u4', ''] },
    ).Records;
    delete (noId as Partial<typeof noId>).messageId;
    const [first, second, third] = s.records.event.Records;
    const event = { Records: [null, first, 42, second, noId, third, emptyId] } as unknown as SQSEvent;
    const observe = async (): Promise<Effects> => {
      const effects = await s.observe();
      ['u4', 'u5'].forEach((u, i) => {
        if (fake().users.has(strays[i])) {
          effects[u] = [fake().users.get(strays[i])];
        }
      });
      return effects;
    };
    return { event, observe };
  };
  const tests: Record<string, CellTest> = {
    'upsertUsers × Lambda event (SQS) × null, a number and records without messageId among valid records': () => {
      const h = hostileEvent();
      return withoutSecrets(() =>
        hostileBatchCell({
          worker: 'upsertUsers',
          log,
          event: h.event,
          run: (event) => handler(world.services)(event),
          observe: h.observe,
          baseline,
          bad: [
            { index: 0, reason: /record is null/ },
            { index: 2, reason: /record is number/ },
            { index: 4, reason: /no messageId/ },
            { index: 6, reason: /no messageId/ },
          ],
        }),
      );
    },
    'upsertUsers × User Service × partial failure response (`failed` ids)': () =>
      cellWith(
        async (ids) => {
          fake().failUsers([ids[1]]);
          return { clear: () => fake().clearFailures() };
        },
        ['u2'],
      ),
    'upsertUsers × Secrets Manager (service JWT key) × unavailable at cold start': () =>
      cellWith(async () => world.secretsOutage(), USERS),
  };
  for (const failure of ['5xx', '429', 'timeout', 'connection refused', 'connection dropped'] as HttpFailure[]) {
    tests[`upsertUsers × User Service × ${failure}`] = () => cellWith(() => world.inject('users', failure), USERS);
  }
  return tests;
}

runSuite('registration', { ...checkEligibilityCells(), ...upsertUsersCells() });
