/**
 * The first invocations of the cold-start benchmark: one representative event per worker of
 * src/workers/registry.ts, and two for checkEligibility (campaign in the Redis cache, campaign
 * only in MongoDB). The benchmark starts the local run once (startRuntime, no scenario), runs
 * every `seed` once, then in fresh Node processes requires a worker's bundle and calls its
 * handler once with `event` and the environment the local run gives that function.
 *
 * Each event makes the worker take its main path through its clients against the local run's
 * emulators and service fakes: no input rejection, no empty batch. Every repeat takes the same
 * path: where a run leaves state that would make the next one a no-op (a cache entry written, a
 * flag cleared, a market marked), `beforeEach` puts that state back before the next run.
 * Times are relative to when this module loads. Measure within an hour of starting the local
 * run: its hourly notification-planning rule then plans getMarketsToNotify's market.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Redis } from 'ioredis';
import type { Collection } from 'mongodb';
import { MongoClient } from 'mongodb';
import type { TableKey } from '../src/shared/aws/keys';
import { entryKey, inviteKey } from '../src/shared/aws/keys';
import { createCampaignCache } from '../src/shared/campaigns/cache';
import type { Config } from '../src/shared/config';
import type { Market } from '../src/shared/domain/campaign';
import { loadConfig } from '../src/shared/config/load';
import type { BatchItemFailuresResponse } from '../src/shared/runtime/batch';
import { silentLogger } from '../src/shared/runtime/logger';
import type { UserUpsert } from '../src/shared/services/users';
import { formatSourceRecord } from '../src/workers/dataPipeline/processData/formatters/formatters';
import { parseDataRecord } from '../src/workers/dataPipeline/processData/parseRecord';
import type {
  GetMarketsInput,
  MarketsToNotify,
} from '../src/workers/notification/getMarketsToNotify/getMarketsToNotify';
import type { GeneratorResult } from '../src/workers/notification/notificationGenerator/notificationGenerator';
import type { PlanSendsResult } from '../src/workers/notification/planSends/planSends';
import { toNotifiableMarket } from '../src/workers/notification/shared/types';
import type { ReminderEmailResult } from '../src/workers/notification/triggerReminderEmail/triggerReminderEmail';
import type { EligibilityResult } from '../src/workers/registration/checkEligibility/types';
import type { RetryScoreMessage } from '../src/workers/replication/retryScore/retryScore';
import type { SaveEntriesMessage } from '../src/workers/replication/shared/saveEntriesMessage';
import type { EnqueueResult } from '../src/workers/selection/enqueueMarketSelections/enqueueMarketSelections';
import type { SelectionRequest } from '../src/workers/selection/enqueueMarketSelections/input';
import type { RefreshRequest } from '../src/workers/selection/refreshSelections/refreshSelections';
import type { SelectionMessage } from '../src/workers/selection/shared/messages';
import { SELECTION } from '../src/workers/selection/shared/messages';
import { decodeKinesisChange, toKinesisRecord } from '../tools/local/dynamoStream';
import { LOCAL_AWS } from '../tools/local/emulators/dynamodb';
import type { FakeScoringRecord } from '../tools/local/emulators/fakes';
import { toSqsRecord } from '../tools/local/pollers/sqs';
import type { LocalRuntime } from '../tools/local/runtime';
import type { InviteItem } from '../tools/uploadInvites/invites';

export interface FirstInvocation {
  /** Registry name. */
  worker: string;
  /** Which of a worker's cases this is, when it has more than one (`cache hit`). */
  case?: string;
  /** What the invocation does, for the report, e.g. "one SQS record: save 1 entry (GetItem, POST /v2/entries, UpdateItem)". */
  path: string;
  /** Puts what the event needs into the local run (campaign in MongoDB, an entry in the demand table …); run once before measuring. Optional. */
  seed?: (runtime: LocalRuntime) => Promise<void>;
  /**
   * Run before every measured invocation, outside the measurement: puts back the state the
   * previous invocation changed (a Redis key it wrote, a flag it cleared), so that this one takes
   * the same path. Optional.
   */
  beforeEach?: (runtime: LocalRuntime) => Promise<void>;
  event: unknown;
  /** Checks the handler's result; returns a problem description, or undefined when the result is what this path gives (e.g. no batchItemFailures). */
  check: (result: unknown) => string | undefined;
}

const NOW = Date.now();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();

// Resource names of the `local` environment, as deployed events carry them (only failure paths read them).
const ARN = 'arn:aws:sqs:us-east-1:000000000000:prd2011-local-us-east-1-';
const DEMAND_TABLE = 'prd3292-local-us-east-1-demand-table';

/** A 24-hex id, as MongoDB ObjectIds and Entry Service user ids look; `kind` keeps campaigns, markets and users apart. */
const oid = (kind: number, n: number) =>
  `65c01d5a7a27${kind.toString(16).padStart(4, '0')}${n.toString(16).padStart(8, '0')}`;

// ---------------------------------------------------------------------------------------------
// Shared builders: Lambda's SQS and Kinesis (demand-table stream) records, as the local run's
// pollers shape them, and the documents and items of the fixtures.

/** An SQS event of `bodies` (JSON) received from the queue with this name tag. */
function sqsEvent(queue: string, bodies: unknown[], attributes: Record<string, string> = {}) {
  const Records = bodies.map((body, i) => {
    const Body = JSON.stringify(body);
    const sent = String(NOW - 1000);
    const message = {
      MessageId: `c01d5a7a-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      ReceiptHandle: `cold-start-${queue}-${i + 1}`,
      Body,
      MD5OfBody: createHash('md5').update(Body).digest('hex'),
      Attributes: { ApproximateReceiveCount: '1', SentTimestamp: sent, ApproximateFirstReceiveTimestamp: sent },
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
      ),
    };
    return toSqsRecord(message, { arn: `${ARN}${queue}` }, 'us-east-1');
  });
  return { Records };
}

interface Change {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  key: TableKey;
  newItem?: Record<string, unknown>;
  oldItem?: Record<string, unknown>;
}

const image = (item: Record<string, unknown> | undefined) => item && marshall(item, { removeUndefinedValues: true });

/** A Kinesis event of demand-table changes (Kinesis Data Streams for DynamoDB). */
function streamEvent(changes: Change[]) {
  const Records = changes.map((c, i) =>
    toKinesisRecord(
      {
        eventID: `c01d5a7a${i}`,
        eventName: c.eventName,
        dynamodb: {
          ApproximateCreationDateTime: Math.floor((NOW - MINUTE) / MINUTE) * 60,
          Keys: marshall(c.key),
          NewImage: image(c.newItem),
          OldImage: image(c.oldItem),
          SequenceNumber: `4965${String(i + 1).padStart(17, '0')}`,
          SizeBytes: JSON.stringify(c).length,
        },
      },
      {
        tableName: DEMAND_TABLE,
        region: 'us-east-1',
        kinesisStreamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${DEMAND_TABLE}`,
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/prd2011-local-us-east-1-stream-reader',
        arrivedAt: NOW - 1000,
      },
    ),
  );
  return { Records };
}

/** An EventBridge event as a rule delivers it (to a queue or a function). */
const bridgeEvent = (n: number, source: string, detailType: string, detail: object, resources: string[] = []) => ({
  version: '0',
  id: `c01d5a7a-0000-4000-8000-${String(n).padStart(12, '0')}`,
  'detail-type': detailType,
  source,
  account: '000000000000',
  time: at(-MINUTE).replace(/\.\d{3}Z$/, 'Z'),
  region: 'us-east-1',
  resources,
  detail,
});

interface Fan {
  globalUserId: string;
  userId: string;
  email: string;
  phone: string;
}

const fan = (n: number): Fan => ({
  globalUserId: `guColdStart${String(n).padStart(6, '0')}`,
  userId: oid(3, n),
  email: `cold.start.${n}@example.com`,
  phone: `+1212555${String(100 + n).padStart(4, '0')}`,
});

/** A registration entry of the demand table, as the registration API writes it (`extra` on top). */
const registration = (campaignId: string, f: Fan, markets: string[], extra: Record<string, unknown> = {}) => ({
  ...entryKey(campaignId, f.globalUserId),
  type: 'registration',
  campaignId,
  globalUserId: f.globalUserId,
  userId: f.userId,
  email: f.email,
  phoneNumber: f.phone,
  firstName: 'Cold',
  lastName: 'Start',
  locale: 'en-US',
  fields: { email: f.email, phone: f.phone, markets, allow_marketing: true },
  origin: { ip: { address: '203.0.113.7', country: 'US' } },
  date: { created: at(-DAY), updated: at(-HOUR), fanModified: at(-HOUR) },
  needsReplication: true,
  ...extra,
});

/** A scoring record: Entry Service's fake takes it as is; the notification workers read it from MongoDB with `campaign_id`. */
const scoringRecord = (f: Fan, marketIds: string[], codes?: { id: string; marketId: string }[]): FakeScoringRecord => ({
  userId: f.userId,
  globalUserId: f.globalUserId,
  email: f.email,
  phone: f.phone,
  name: { first: 'Cold', last: 'Start' },
  score: 90,
  verdict: true,
  locale: 'en-US',
  marketIds,
  ...(codes ? { codes } : {}),
});

/** A market document (Campaign Service's shape, also in MongoDB). */
const market = (campaignId: string, n: number, presaleInMs: number, extra: Record<string, unknown> = {}) => ({
  id: oid(2, n),
  campaign_id: campaignId,
  name: `Cold Start Market ${n}`,
  city: 'New York',
  state: 'NY',
  timezone: 'America/New_York',
  date: { created: at(-7 * DAY), updated: at(-7 * DAY) },
  event: {
    ids: [`vvG1C01D${n}`],
    name: `Cold Start Night ${n}`,
    date: at(presaleInMs + 30 * DAY),
    presaleDateTime: at(presaleInMs),
    link: `https://www.ticketmaster.com/event/cold-start-${n}`,
    ticketer: 'TM',
    venue: { name: 'Cold Start Arena' },
  },
  ...extra,
});

/** A campaign document (Campaign Service's shape, also in MongoDB). */
const campaign = <E extends object>(n: number, slug: string, status: string, extra: E) => ({
  id: oid(1, n),
  type: 'registration',
  slug,
  name: 'Cold Start Tour',
  status,
  referenceTimezone: 'America/New_York',
  artist: { name: 'The Cold Starts', discovery_id: 'K8vZ917_cold' },
  tour: { name: 'Cold Start Tour' },
  locales: [{ id: 'en-US', is_default: true }],
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// Fixtures.

/** An OPEN invite-only campaign with two markets and five preferences, for checkEligibility. */
function openCampaign(n: number, slug: string) {
  const doc = campaign(n, slug, 'OPEN', {
    date: { created: at(-7 * DAY), updated: at(-7 * DAY), open: at(-DAY), close: at(30 * DAY) },
    options: { gate: { inviteOnly: 'email' } },
    preferences: [
      { id: 'email', type: 'email', is_optional: false },
      { id: 'phone', type: 'phone', is_optional: false },
      { id: 'firstName', type: 'name', is_optional: false },
      { id: 'markets', type: 'markets', is_optional: false, additional: { min: 1, max: 2 } },
      { id: 'allow_marketing', type: 'opt_in', is_optional: true },
    ],
  });
  return { doc, markets: [market(doc.id, 2 * n, 30 * DAY), market(doc.id, 2 * n + 1, 31 * DAY)] };
}

const CACHED = openCampaign(1, 'cold-start-cached');
const UNCACHED = openCampaign(2, 'cold-start-uncached');
const APPLICANT = fan(1);

/** The CLOSED campaign whose markets are selected and reminded, one market per worker. */
const CLOSED = campaign(3, 'cold-start-closed', 'CLOSED', {
  date: { created: at(-7 * DAY), updated: at(-2 * HOUR), sendReminderEmails: [at(-HOUR)] },
  options: { automatedReminders: true },
});
const MARKETS = {
  select: market(CLOSED.id, 10, 30 * DAY),
  save: market(CLOSED.id, 11, 30 * DAY),
  refresh: market(CLOSED.id, 12, 30 * DAY),
  // Planned a minute ago, presale in 6 hours: due for notificationGenerator (its reminder time has come).
  due: market(CLOSED.id, 13, 6 * HOUR, { date: { created: at(-7 * DAY), notification: at(-MINUTE) } }),
  // Presales within the planning window (2 to 27 hours ahead), not planned yet.
  planning: market(CLOSED.id, 14, 12 * HOUR),
  plan: market(CLOSED.id, 15, 20 * HOUR),
};

const REPLICATED = fan(2); // enqueueEntries, processData, sendData, retryScore
const SYSTEM_WRITTEN = fan(3); // saveEntries
const SELECTABLE = fan(4); // enqueueMarketSelections
const WINNER = fan(5); // saveSelections
const REFRESHED = fan(6); // refreshSelections
const MARKED = fan(7); // markAssignedCodes
const REMINDED = [fan(8), fan(9)]; // notificationGenerator
const PLANNED = [fan(10), fan(11)]; // planSends

const SAVE_CODE = 'CS-SAVE-1';
const MARK_CODE = 'CS-MARK-1';
const replicatedEntry = registration(CACHED.doc.id, REPLICATED, [CACHED.markets[1].id, CACHED.markets[0].id]);
// No date.fanModified (a system write): the stream mapping's filter keeps enqueueEntries away from it.
const systemWrittenEntry = registration(CACHED.doc.id, SYSTEM_WRITTEN, [CACHED.markets[0].id], {
  date: { created: at(-DAY), updated: at(-HOUR) },
});
const winnerEntry = registration(CLOSED.id, WINNER, [MARKETS.save.id], { needsReplication: false });

// ---------------------------------------------------------------------------------------------
// Seeding through the runtime's components.

interface Seeding {
  rt: LocalRuntime;
  config: Config;
  campaigns: Collection;
  markets: Collection;
  /** Entry Service's scoring records, which the notification workers read. */
  scoring: Collection;
  put(items: object[]): Promise<void>;
  update(key: TableKey, expression: string, values?: Record<string, unknown>): Promise<void>;
}

/** Runs `fn` with clients of the local run; with `settle`, waits for what its writes set off (stream, pipe). */
async function seeding(rt: LocalRuntime, fn: (s: Seeding) => Promise<unknown>, settle = false): Promise<void> {
  const config = loadConfig('local', { environment: rt.exports });
  const mongo = await new MongoClient(rt.components.mongo.uri).connect();
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...LOCAL_AWS, endpoint: rt.components.dynamoDbEndpoint }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const TableName = rt.demandTableName;
  const { campaignsDb, campaignsCollection, marketsCollection, entriesDb, scoringCollection } = config.mongo;
  try {
    await fn({
      rt,
      config,
      campaigns: mongo.db(campaignsDb).collection(campaignsCollection),
      markets: mongo.db(campaignsDb).collection(marketsCollection),
      scoring: mongo.db(entriesDb).collection(scoringCollection),
      put: async (items) => {
        for (const item of items) {
          await ddb.send(new PutCommand({ TableName, Item: item as Record<string, unknown> }));
        }
      },
      update: async (Key, UpdateExpression, ExpressionAttributeValues) => {
        await ddb.send(new UpdateCommand({ TableName, Key, UpdateExpression, ExpressionAttributeValues }));
      },
    });
  } finally {
    await mongo.close();
    ddb.destroy();
  }
  if (settle) {
    await rt.waitForIdle();
  }
}

const upsertAll = async (collection: Collection, docs: { id: string }[]) => {
  for (const doc of docs) {
    await collection.replaceOne({ id: doc.id }, doc, { upsert: true });
  }
};

async function withRedis<T>(rt: LocalRuntime, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(rt.components.redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

const cacheKey = (s: Seeding, slug: string) => `${s.config.redis.campaignKeyPrefix}${slug}`;

/** An open campaign and its markets in MongoDB, the applicant's invite in the demand table, no cache entry. */
async function openCampaignSeed(s: Seeding, { doc, markets }: typeof CACHED): Promise<void> {
  await upsertAll(s.campaigns, [doc]);
  await upsertAll(s.markets, markets);
  const invite: InviteItem = {
    ...inviteKey(doc.id, 'email', APPLICANT.email),
    type: 'invite',
    campaignId: doc.id,
    inviteType: 'email',
    value: APPLICANT.email,
    ttl: Math.floor((NOW + 30 * DAY) / 1000),
    date: { created: at(-DAY) },
  };
  await s.put([invite]);
  await withRedis(s.rt, (redis) => redis.del(cacheKey(s, doc.slug)));
}

/** The campaign in Redis, put there by the workers' own cache (src/shared/campaigns/cache.ts) after a MongoDB read. */
async function cacheCampaign(s: Seeding, slug: string): Promise<void> {
  await withRedis(s.rt, async (redis) => {
    const cache = createCampaignCache({
      redis,
      campaigns: async () => s.campaigns,
      markets: async () => s.markets,
      keyPrefix: s.config.redis.campaignKeyPrefix,
      ttlSeconds: s.config.redis.campaignTtlSeconds,
      log: silentLogger,
    });
    await cache.getBySlug(slug);
    // The cache does not wait for its write-back: wait for it to land.
    for (let i = 0; !(await redis.exists(cacheKey(s, slug))); i++) {
      if (i === 100) {
        throw new Error(`campaign ${slug} did not reach the Redis cache`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
}

/**
 * Seeds the CLOSED campaign (its markets in MongoDB and Campaign Service, the `tm` codes selections
 * reserve and the `external` codes the events name in Code Service), then `fn`.
 */
const seedClosed =
  (fn: (s: Seeding) => Promise<unknown> = async () => undefined, settle = false) =>
  (rt: LocalRuntime) =>
    seeding(
      rt,
      async (s) => {
        const markets = Object.values(MARKETS);
        await upsertAll(s.campaigns, [CLOSED]);
        await upsertAll(s.markets, markets);
        const { campaigns, codes } = rt.components.fakes;
        campaigns.seedCampaign({ ...CLOSED, markets });
        codes.seedCodes(
          CLOSED.id,
          'tm',
          Array.from({ length: 1200 }, (_, i) => `CS-TM-${i}`),
        );
        codes.seedCodes(CLOSED.id, 'external', [SAVE_CODE, MARK_CODE]);
        await fn(s);
      },
      settle,
    );

/** Waits out a firing of the scheduled rule due within `marginMs` (and what it runs), so it cannot run in between. */
async function clearOfRule(rt: LocalRuntime, ruleSuffix: string, marginMs = 15_000): Promise<void> {
  const firing = rt.eventBus.nextFirings().find((f) => f.rule.endsWith(ruleSuffix));
  const wait = firing ? firing.at - rt.clock.now() : Number.POSITIVE_INFINITY;
  if (wait < marginMs) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait) + 1000));
    await rt.waitForIdle();
  }
}

// ---------------------------------------------------------------------------------------------
// Checks.

const show = (value: unknown) => JSON.stringify(value)?.slice(0, 400);

/** No batchItemFailures (rejected records leave no trace here: the worker's summary line counts them). */
function noBatchFailures(result: unknown): string | undefined {
  const failures = (result as Partial<BatchItemFailuresResponse> | null)?.batchItemFailures;
  if (!Array.isArray(failures)) {
    return `not a batch response: ${show(result)}`;
  }
  return failures.length > 0 ? `batchItemFailures ${show(failures)}` : undefined;
}

const expecting =
  <T>(what: string, test: (result: T) => boolean) =>
  (result: unknown): string | undefined =>
    result && typeof result === 'object' && test(result as T) ? undefined : `expected ${what}, got ${show(result)}`;

// ---------------------------------------------------------------------------------------------
// Events.

/** The AppSync pipeline function's event for the registration API's upsertEntry. */
const eligibilityEvent = ({ doc, markets }: typeof CACHED) => ({
  arguments: {
    input: {
      slug: doc.slug,
      entry: {
        email: APPLICANT.email,
        phone: '(212) 555-0123',
        firstName: 'José',
        markets: [markets[1].id, markets[0].id],
        allow_marketing: true,
      },
      userInfo: {
        globalUserId: APPLICANT.globalUserId,
        email: APPLICANT.email,
        phoneNumber: APPLICANT.phone,
        countryCode: 'US',
        locale: 'en-US',
        isLoggedIn: 'true',
      },
      doTransfer: false,
    },
  },
  info: { fieldName: 'upsertEntry', parentTypeName: 'Mutation' },
  request: { headers: {} },
  prev: null,
  stash: {},
});

const eligible = (campaignId: string) =>
  expecting<EligibilityResult>(`isEligible for ${campaignId}`, (r) => r.isEligible && r.campaignId === campaignId);

/** The replicated fan's INSERT, as the stream delivers it (and, decoded, as the pipe sends it to data-queue). */
const replicatedInsert = streamEvent([
  { eventName: 'INSERT', key: entryKey(CACHED.doc.id, REPLICATED.globalUserId), newItem: replicatedEntry },
]);
const pipeMessage = { type: 'registration', data: decodeKinesisChange(replicatedInsert.Records[0]) };
/** What processData publishes for it to the registration queue (SNS raw delivery). */
const registrationRecord = formatSourceRecord(parseDataRecord(pipeMessage), at(-MINUTE)).records.find(
  (r) => r.type === 'registration',
)!.record;

const userDetail: UserUpsert = {
  globalUserId: APPLICANT.globalUserId,
  email: APPLICANT.email,
  firstName: 'José',
  lastName: 'Start',
  ticketmasterId: APPLICANT.globalUserId,
};

const selection: SelectionMessage = {
  type: SELECTION,
  campaignId: CLOSED.id,
  marketId: MARKETS.save.id,
  globalUserId: WINNER.globalUserId,
  userId: WINNER.userId,
  eventIds: MARKETS.save.event.ids,
  code: SAVE_CODE,
  date: { created: at(-MINUTE), start: MARKETS.save.event.presaleDateTime },
};

// notification-step-fn hands each task the previous task's output, its trace included.
const TRACEPARENT = '00-c01d5a7a000000000000000000000001-c01d5a7a00000001-01';
const planningOutput: MarketsToNotify & { traceparent: string } = {
  mode: 'planning',
  markets: [toNotifiableMarket(MARKETS.plan as Market)!],
  clearedCount: 0,
  traceparent: TRACEPARENT,
};
const planSendsOutput: PlanSendsResult & { traceparent: string } = {
  plannedCount: 1,
  alreadyPlannedCount: 0,
  missingCount: 0,
  planned: [
    {
      marketId: MARKETS.plan.id,
      campaignId: CLOSED.id,
      count: PLANNED.length,
      notificationDate: at(19 * HOUR),
      finishDate: at(19 * HOUR + 5 * MINUTE),
      late: false,
    },
  ],
  missing: [],
  errors: [],
  traceparent: TRACEPARENT,
};

export const FIRST_INVOCATIONS: readonly FirstInvocation[] = [
  {
    worker: 'checkEligibility',
    case: 'cache hit',
    path: 'AppSync upsertEntry check, cache hit, the campaign in Redis: Redis GET, DynamoDB GetItem (invite of the inviteOnly email gate), 5 preferences valid → isEligible',
    seed: (rt) =>
      seeding(rt, async (s) => {
        await openCampaignSeed(s, CACHED);
        await cacheCampaign(s, CACHED.doc.slug);
      }),
    event: eligibilityEvent(CACHED),
    check: eligible(CACHED.doc.id),
  },
  {
    worker: 'checkEligibility',
    case: 'cache miss',
    path: 'AppSync upsertEntry check, cache miss, the campaign only in MongoDB: Redis GET (miss), MongoDB campaign + its markets, Redis SET (write-back), DynamoDB GetItem (invite) → isEligible. No campaign stays a miss (the write-back makes any repeat a hit), so beforeEach deletes the key',
    seed: (rt) => seeding(rt, (s) => openCampaignSeed(s, UNCACHED)),
    beforeEach: (rt) => seeding(rt, (s) => withRedis(rt, (redis) => redis.del(cacheKey(s, UNCACHED.doc.slug)))),
    event: eligibilityEvent(UNCACHED),
    check: eligible(UNCACHED.doc.id),
  },
  {
    worker: 'upsertUsers',
    path: "one SQS record (the user-info rule's EventBridge event): User Service POST /users/upsert of 1 user",
    // Source and detail type: the user-info rule's pattern (dev1's terraform.tfvars).
    event: sqsEvent('user-info', [bridgeEvent(1, 'verifiedfan.users', 'userInfo', userDetail)]),
    check: noBatchFailures,
  },
  {
    worker: 'enqueueEntries',
    path: 'one stream record (INSERT of a registration with date.fanModified): SQS SendMessageBatch of 1 message to save-entries',
    // The entry itself, so the saveEntries runs each event sets off find it.
    seed: (rt) => seeding(rt, (s) => s.put([replicatedEntry]), true),
    event: replicatedInsert,
    check: noBatchFailures,
  },
  {
    worker: 'saveEntries',
    path: 'one SQS record (INSERT of a registration): GetItem (consistent), Entry Service POST /v2/entries of 1 entry, UpdateItem clearing needsReplication. beforeEach sets the flag again; the entry has no date.fanModified, so the stream filter keeps enqueueEntries from clearing it behind the benchmark',
    seed: (rt) => seeding(rt, (s) => s.put([systemWrittenEntry]), true),
    beforeEach: (rt) =>
      seeding(
        rt,
        (s) =>
          s.update(entryKey(CACHED.doc.id, SYSTEM_WRITTEN.globalUserId), 'SET needsReplication = :t', { ':t': true }),
        true,
      ),
    event: sqsEvent('save-entries', [
      { operation: 'INSERT', newItem: systemWrittenEntry } satisfies SaveEntriesMessage,
    ]),
    check: noBatchFailures,
  },
  {
    worker: 'retryScore',
    path: 'one SQS record: Entry Service POST /v2/refreshScores for 1 entry it holds',
    seed: async (rt) => {
      rt.components.fakes.entries.entries.set(`${CACHED.doc.id}:${REPLICATED.userId}`, { ...replicatedEntry });
    },
    event: sqsEvent('retry-score', [
      {
        campaignId: CACHED.doc.id,
        userId: REPLICATED.userId,
        globalUserId: REPLICATED.globalUserId,
      } satisfies RetryScoreMessage,
    ]),
    check: noBatchFailures,
  },
  {
    worker: 'enqueueMarketSelections',
    path: "selection-step-fn's first page, 1 eligible fan: Campaign Service GET campaign + market, Entry Service eligibility count, stats PROCESSING, scoring page, Code Service reserve of 500 (the minimum), SendMessageBatch of 1 to save-selection, release of the 499 unused, stats FINISHED",
    // The fan's entry already holds the market with an earlier code, so the saveSelections each run
    // sets off releases the new code (a re-run's rule) and Entry Service never records it: the fan
    // stays selectable and the code pool stays full.
    seed: seedClosed(async (s) => {
      s.rt.components.fakes.entries.seedScoring(CLOSED.id, [scoringRecord(SELECTABLE, [MARKETS.select.id])]);
      await s.put([
        registration(CLOSED.id, SELECTABLE, [MARKETS.select.id], {
          needsReplication: false,
          verdict: true,
          codes: [{ id: 'CS-EARLIER-1', marketId: MARKETS.select.id }],
          assignedMarkets: new Set([MARKETS.select.id]),
        }),
      ]);
    }, true),
    event: {
      campaignId: CLOSED.id,
      marketId: MARKETS.select.id,
      dateId: 'presale',
      selectionCount: 1,
    } satisfies SelectionRequest,
    check: expecting<EnqueueResult>('done with 1 queued', (r) => r.done && r.counts?.queued === 1),
  },
  {
    worker: 'saveSelections',
    path: 'one selection message: BatchGetItem (the winner’s entry), PutItem (code claim), Entry Service POST /{campaign}/entries/codes, UpdateItem (verdict and code). beforeEach removes the verdict (a repeat would otherwise be alreadySaved)',
    seed: seedClosed(async (s) => {
      s.rt.components.fakes.entries.seedScoring(CLOSED.id, [scoringRecord(WINNER, [MARKETS.save.id])]);
      await s.put([winnerEntry]);
    }, true),
    beforeEach: (rt) =>
      seeding(
        rt,
        (s) => s.update(entryKey(CLOSED.id, WINNER.globalUserId), 'REMOVE verdict, codes, assignedMarkets'),
        true,
      ),
    event: sqsEvent('save-selection', [selection]),
    check: noBatchFailures,
  },
  {
    worker: 'refreshSelections',
    path: 'one SQS record (a market to refresh): Campaign Service GET market, Entry Service scoring page (selected only, 1 fan), SendMessageBatch of 1 selectionRefresh to save-selection',
    seed: seedClosed(async (s) => {
      const codes = [{ id: 'CS-REFRESH-1', marketId: MARKETS.refresh.id }];
      s.rt.components.fakes.entries.seedScoring(CLOSED.id, [scoringRecord(REFRESHED, [MARKETS.refresh.id], codes)]);
    }),
    event: sqsEvent('refresh-selection', [
      { campaignId: CLOSED.id, marketId: MARKETS.refresh.id } satisfies RefreshRequest,
    ]),
    check: noBatchFailures,
  },
  {
    worker: 'markAssignedCodes',
    path: 'one stream record (MODIFY adding a code to an entry): Code Service POST /{campaign}/assign of 1 code (marked by the first run; repeats find it assigned)',
    seed: seedClosed(),
    event: streamEvent([
      {
        eventName: 'MODIFY',
        key: entryKey(CLOSED.id, MARKED.globalUserId),
        oldItem: registration(CLOSED.id, MARKED, [MARKETS.save.id], { needsReplication: false }),
        newItem: registration(CLOSED.id, MARKED, [MARKETS.save.id], {
          needsReplication: false,
          verdict: true,
          codes: [{ id: MARK_CODE, marketId: MARKETS.save.id }],
          assignedMarkets: new Set([MARKETS.save.id]),
        }),
      },
    ]),
    check: noBatchFailures,
  },
  {
    worker: 'processData',
    path: 'one SQS record from the demand-table pipe (a registration INSERT): formats the registration and its 2 registeredMarkets, SNS PublishBatch of 3 to data-sns',
    event: sqsEvent('data-queue', [pipeMessage]),
    check: noBatchFailures,
  },
  {
    worker: 'sendData',
    path: 'one SQS record of registration-queue (raw SNS delivery): schema validation, Kafka producer connect, send of 1 message to the registrations topic',
    event: sqsEvent('registration-queue', [registrationRecord], { type: 'registration' }),
    check: noBatchFailures,
  },
  {
    worker: 'notificationGenerator',
    path: 'notification-schedule run with 1 due market: Lambda Invoke of getMarketsToNotify (due), MongoDB market, campaign and winners page, 2 conditional PutItem reminders, market marked notified. beforeEach un-marks it (the reminders then exist: the puts find them)',
    seed: seedClosed(async (s) => {
      for (const [i, f] of REMINDED.entries()) {
        const record = scoringRecord(f, [MARKETS.due.id], [{ id: `CS-REMIND-${i}`, marketId: MARKETS.due.id }]);
        await s.scoring.replaceOne(
          { campaign_id: CLOSED.id, globalUserId: f.globalUserId },
          { ...record, campaign_id: CLOSED.id },
          { upsert: true },
        );
      }
    }),
    beforeEach: async (rt) => {
      await clearOfRule(rt, 'notification-schedule');
      const unmark = { $unset: { 'date.notified': '', notificationCursor: '' } };
      await seeding(rt, (s) => s.markets.updateOne({ id: MARKETS.due.id }, unmark));
    },
    event: bridgeEvent(2, 'aws.events', 'Scheduled Event', {}, [
      'arn:aws:events:us-east-1:000000000000:rule/prd2011-local-us-east-1-notification-schedule',
    ]),
    check: expecting<GeneratorResult>('the due market notified with 2 reminders', (r) =>
      r.markets?.some(
        (m) => m.marketId === MARKETS.due.id && m.status === 'notified' && m.written + m.existing === REMINDED.length,
      ),
    ),
  },
  {
    worker: 'getMarketsToNotify',
    path: "notification-step-fn's first task (planning): MongoDB planned markets, unplanned markets with a presale 2–27 h ahead, their campaigns (CLOSED, automated reminders)",
    seed: seedClosed(),
    event: { mode: 'planning' } satisfies GetMarketsInput,
    check: expecting<MarketsToNotify>('the planning market', (r) =>
      r.markets?.some((m) => m.id === MARKETS.planning.id),
    ),
  },
  {
    worker: 'planSends',
    path: "getMarketsToNotify's output with 1 market: Entry Service eligibility count (selected fans with US phones), MongoDB updateOne storing date.notification. beforeEach unsets it (a repeat would be alreadyPlanned)",
    seed: seedClosed(async (s) => {
      const codes = (i: number) => [{ id: `CS-PLAN-${i}`, marketId: MARKETS.plan.id }];
      s.rt.components.fakes.entries.seedScoring(
        CLOSED.id,
        PLANNED.map((f, i) => scoringRecord(f, [MARKETS.plan.id], codes(i))),
      );
    }),
    beforeEach: (rt) =>
      seeding(rt, (s) => s.markets.updateOne({ id: MARKETS.plan.id }, { $unset: { 'date.notification': '' } })),
    event: planningOutput,
    check: expecting<PlanSendsResult>('1 market planned', (r) => r.plannedCount === 1 && r.errors?.length === 0),
  },
  {
    worker: 'triggerReminderEmail',
    path: "planSends' output; 1 campaign with a due reminder-email date: MongoDB query, Exports Service POST /campaigns/{id}/exports (autoReminderEmail; repeats get the PENDING one back), MongoDB updateOne pulling the date. beforeEach puts the date back",
    seed: seedClosed(),
    beforeEach: (rt) =>
      seeding(rt, (s) =>
        s.campaigns.updateOne(
          { id: CLOSED.id },
          { $set: { 'date.sendReminderEmails': CLOSED.date.sendReminderEmails } },
        ),
      ),
    event: planSendsOutput,
    check: expecting<ReminderEmailResult>(
      '1 export triggered',
      (r) => r.triggeredCount === 1 && r.errors?.length === 0,
    ),
  },
];
