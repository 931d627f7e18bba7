/**
 * checkEligibility on real local components: campaigns in MongoDB (the in-process wire
 * server) cached in a private redis-server, invites and entries in DynamoDB Local. The handler
 * runs as AppSync would invoke it, configured through CONFIG_ENV=local.
 */
import { generateKeyPairSync } from 'node:crypto';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { createDemandTable as demandTableRepository } from '../../../src/shared/aws/demandTable';
import { entryKey, inviteKey } from '../../../src/shared/aws/keys';
import { createCampaignCache } from '../../../src/shared/campaigns/cache';
import { memoryLogger } from '../../doubles/runtime';
import { signRs256 } from '../../../src/shared/services/jwt';
import { handler } from '../../../src/workers/registration/checkEligibility';
import { checkEligibility } from '../../../src/workers/registration/checkEligibility/checkEligibility';
import { createIdvVerifier } from '../../../src/workers/registration/checkEligibility/idvToken';
import { parseEligibilityInput } from '../../../src/workers/registration/checkEligibility/input';
import { createDemandTable, localDynamoDbClient } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';
import type { LocalMongo } from '../../../tools/local/emulators/mongo';
import { startMongoServer } from '../../../tools/local/emulators/mongo';
import type { LocalRedis } from '../../../tools/local/emulators/redis';
import { startRedis } from '../../../tools/local/emulators/redis';
import { useLocalConfig } from '../replication/helpers';

const endpoint = requireEnv('DYNAMODB_ENDPOINT');
const tableName = uniqueName('eligibility');
const raw = localDynamoDbClient(endpoint);
const doc = DynamoDBDocumentClient.from(raw);
let redis: LocalRedis;
let mongo: LocalMongo;
let mongoClient: MongoClient;
let redisClient: Redis;

const slug = uniqueName('tour');
const campaignDoc = {
  id: 'c-tour',
  slug,
  status: 'OPEN',
  // MongoDB hands dates back as Date objects; the Redis copy holds them as ISO strings.
  date: { open: new Date('2020-01-01T00:00:00Z'), close: new Date('2099-01-01T00:00:00Z') },
  preferences: [
    { id: 'email', type: 'email', is_optional: false },
    { id: 'phone', type: 'phone', is_optional: false },
    { id: 'markets', type: 'markets', is_optional: false, additional: { max: 2 } },
    { id: 'zip', type: 'zip', is_optional: true },
  ],
};
const markets = [
  { id: 'm1', campaign_id: 'c-tour', name: 'Oslo' },
  { id: 'm2', campaign_id: 'c-tour', name: 'Bergen' },
];
const entry = { email: ' Fan@Example.com ', phone: '(212) 555-0123', markets: ['m2', 'm1'], zip: 'k1a0b1' };
const fields = { email: 'fan@example.com', phone: '+12125550123', markets: ['m2', 'm1'], zip: 'K1A 0B1' };
const userInfo = {
  globalUserId: 'fan-1',
  email: 'fan@example.com',
  memberId: 'mem-1',
  isLoggedIn: 'true',
  env: 'local',
};

/** A campaign stored in MongoDB under its own slug, with the tour's form and (embedded) markets. */
async function storeCampaign(over: { id: string } & Record<string, unknown>): Promise<string> {
  const s = uniqueName('camp');
  const ownMarkets = markets.map((m) => ({ ...m, campaign_id: over.id }));
  await mongoClient
    .db('campaigns')
    .collection('campaigns')
    .insertOne({ ...campaignDoc, markets: ownMarkets, ...over, slug: s });
  return s;
}
const ask = (body: Record<string, unknown>) => handler({ body: { slug, entry, userInfo, ...body } });

/** The JSON lines the handler writes to stdout (where Lambda's go) while `run` runs, at level info. */
async function loggedLines(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  const level = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'info';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
    process.env.LOG_LEVEL = level;
  }
  return written
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
const put = (item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: tableName, Item: item }));

beforeAll(async () => {
  await createDemandTable(endpoint, tableName);
  // Private instances: this suite stops Redis and takes MongoDB down.
  redis = await startRedis({ useExisting: false });
  mongo = await startMongoServer({ useExisting: false });
  mongoClient = await new MongoClient(mongo.uri).connect();
  redisClient = new Redis(redis.url);
  await mongoClient
    .db('campaigns')
    .collection('campaigns')
    .insertOne({ ...campaignDoc });
  await mongoClient
    .db('campaigns')
    .collection('markets')
    .insertMany(markets.map((m) => ({ ...m })));
  useLocalConfig({ DEMAND_TABLE_NAME: tableName, REDIS_URL: redis.url, MONGODB_URI: mongo.uri });
});

afterAll(async () => {
  const { closeSharedRedis } = await import('../../../src/shared/campaigns/redis');
  const { closeSharedMongoClient } = await import('../../../src/shared/mongo/client');
  await closeSharedRedis();
  await closeSharedMongoClient();
  redisClient?.disconnect();
  await mongoClient?.close();
  await mongo?.stop();
  await redis?.stop();
  raw.destroy();
});

describe('checkEligibility', () => {
  it('answers from MongoDB on a cache miss and writes the campaign back to Redis for an hour', async () => {
    expect(await redisClient.get(`campaign:${slug}`)).toBeNull();
    expect(await handler({ arguments: { input: { slug, entry, userInfo } } })).toEqual({
      isEligible: true,
      campaignId: 'c-tour',
      fields,
    });
    let ttl = -2;
    for (let i = 0; i < 50 && ttl < 0; i++) {
      ttl = await redisClient.ttl(`campaign:${slug}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    expect(JSON.parse((await redisClient.get(`campaign:${slug}`))!).markets).toHaveLength(2);
  });

  it('answers from a warm cache without MongoDB (taken down for this case)', async () => {
    mongo.server!.setDown(true);
    try {
      expect(await ask({})).toEqual({ isEligible: true, campaignId: 'c-tour', fields });
    } finally {
      mongo.server!.setDown(false);
    }
  });

  it('answers CAMPAIGN_NOT_FOUND and CAMPAIGN_CLOSED', async () => {
    expect(await ask({ slug: uniqueName('missing') })).toEqual({ isEligible: false, reason: 'CAMPAIGN_NOT_FOUND' });
    const closed = await storeCampaign({ id: 'c-closed', date: { close: '2021-01-01T00:00:00Z' } });
    expect(await ask({ slug: closed })).toEqual({
      isEligible: false,
      reason: 'CAMPAIGN_CLOSED',
      campaignId: 'c-closed',
    });
  });

  it('answers INVALID_ENTRY naming the field', async () => {
    expect(await ask({ entry: { ...entry, markets: ['m1', 'm9'] } })).toEqual({
      isEligible: false,
      reason: 'INVALID_ENTRY',
      campaignId: 'c-tour',
      detail: { field: 'markets', message: 'market "m9" is not a market of this campaign' },
    });
  });

  it('admits invited fans only, by the invite items in the demand table', async () => {
    const s = await storeCampaign({ id: 'c-invite', options: { gate: { inviteOnly: 'email' } } });
    expect(await ask({ slug: s })).toEqual({ isEligible: false, reason: 'NO_INVITE', campaignId: 'c-invite' });
    await put({
      ...inviteKey('c-invite', 'email', 'FAN@example.com'),
      type: 'invite',
      ttl: Math.floor(Date.now() / 1000) + 3600,
    });
    expect(await ask({ slug: s })).toEqual({ isEligible: true, campaignId: 'c-invite', fields });
  });

  it('handles the linked campaign: transfer, LINKED_ENTRY, and fans without a linked entry', async () => {
    const s = await storeCampaign({ id: 'c-linked', options: { gate: { linkedCampaign: 'c-prev' } } });
    expect(await ask({ slug: s, doTransfer: true })).toEqual({
      isEligible: false,
      reason: 'INELIGIBLE_ENTRY',
      campaignId: 'c-linked',
    });
    await put({ ...entryKey('c-prev', 'fan-1'), type: 'registration', campaignId: 'c-prev', globalUserId: 'fan-1' });
    expect(await ask({ slug: s })).toEqual({ isEligible: false, reason: 'LINKED_ENTRY', campaignId: 'c-linked' });
    expect(await ask({ slug: s, doTransfer: true })).toEqual({
      isEligible: true,
      campaignId: 'c-linked',
      fields,
      linkedCampaignId: 'c-prev',
    });
  });

  it('requires an IDV token, which no token passes while no issuer key is configured: logged and counted as a configuration error', async () => {
    expect(process.env.IDV_PUBLIC_KEY ?? '').toBe('');
    const s = await storeCampaign({ id: 'c-idv', options: { gate: { idv: 'asu' } } });
    const lines = await loggedLines(async () => {
      expect(await ask({ slug: s, entry: { ...entry, idvToken: 'a.b.c' } })).toEqual({
        isEligible: false,
        reason: 'IDV_REQUIRED',
        campaignId: 'c-idv',
      });
    });
    expect(lines.filter((l) => l.level === 'error')).toEqual([
      expect.objectContaining({
        tag: 'reg-workers:checkEligibility',
        message: 'configuration error: idv gate with no usable eligibility.idv.publicKey configured',
        data: expect.objectContaining({ campaignId: 'c-idv', gate: 'idv', problem: expect.stringMatching(/no IDV public key/) }),
      }),
    ]);
    expect(lines.find((l) => l.message === 'invocation finished')?.data).toMatchObject({
      reason: 'IDV_REQUIRED',
      campaignId: 'c-idv',
      configurationErrors: 1,
    });
  });

  it('counts no configuration error for a campaign without an idv gate', async () => {
    const lines = await loggedLines(async () => {
      expect(await ask({})).toMatchObject({ isEligible: true });
    });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(lines.find((l) => l.message === 'invocation finished')?.data).toMatchObject({ configurationErrors: 0 });
  });

  it('admits a fan with a valid IDV token of the configured issuer (real cache and table, configured key)', async () => {
    const s = await storeCampaign({ id: 'c-idv2', options: { gate: { idv: 'asu' } } });
    const issuer = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Math.floor(Date.now() / 1000);
    const token = signRs256(
      { iss: 'https://idv.test', aud: 'verifiedfan', sub: 'fan-1', iat: now, exp: now + 600 },
      issuer.privateKey,
    );
    const log = memoryLogger();
    const cache = createCampaignCache({
      redis: redisClient,
      campaigns: async () => mongoClient.db('campaigns').collection('campaigns'),
      markets: async () => mongoClient.db('campaigns').collection('markets'),
      keyPrefix: 'campaign:',
      ttlSeconds: 3600,
      log,
    });
    const table = demandTableRepository(doc, tableName);
    const deps = {
      getCampaign: async (slugToFind: string) => (await cache.getBySlug(slugToFind)).campaign,
      getInvite: table.getInvite,
      getEntry: table.getEntry,
      verifyIdv: createIdvVerifier({
        publicKey: issuer.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        issuer: 'https://idv.test',
        audience: 'verifiedfan',
      }),
      allowPreview: false,
      now: () => new Date(),
      log,
    };
    const input = (idvToken: string, fan = 'fan-1') =>
      parseEligibilityInput({ slug: s, entry: { ...entry, idvToken }, userInfo: { ...userInfo, globalUserId: fan } });
    expect(await checkEligibility(input(token), deps)).toEqual({ isEligible: true, campaignId: 'c-idv2', fields });
    expect(await checkEligibility(input(token, 'fan-2'), deps)).toMatchObject({
      isEligible: false,
      reason: 'IDV_REQUIRED',
    });
  });

  it('still answers from MongoDB with Redis stopped, and a cache-only campaign is then unknown', async () => {
    const cacheOnly = uniqueName('cache-only');
    await redisClient.set(
      `campaign:${cacheOnly}`,
      JSON.stringify({ ...campaignDoc, id: 'c-cache', slug: cacheOnly, markets }),
      'EX',
      3600,
    );
    expect(await ask({ slug: cacheOnly })).toEqual({ isEligible: true, campaignId: 'c-cache', fields });

    await redis.stop();
    expect(await ask({})).toEqual({ isEligible: true, campaignId: 'c-tour', fields });
    expect(await ask({ slug: cacheOnly })).toEqual({ isEligible: false, reason: 'CAMPAIGN_NOT_FOUND' });
  });

  it('answers INTERNAL_SERVER_ERROR, never throwing, when neither Redis nor MongoDB can answer', async () => {
    mongo.server!.setDown(true);
    try {
      await expect(ask({})).resolves.toEqual({ isEligible: false, reason: 'INTERNAL_SERVER_ERROR' });
    } finally {
      mongo.server!.setDown(false);
    }
  });
});
