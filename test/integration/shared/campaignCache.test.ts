import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { createCampaignCache } from '../../../src/shared/campaigns/cache';
import { memoryLogger } from '../../doubles/runtime';
import { uniqueName } from '../../../tools/local/emulators/names';
import type { LocalMongo } from '../../../tools/local/emulators/mongo';
import { startMongoServer } from '../../../tools/local/emulators/mongo';
import type { LocalRedis } from '../../../tools/local/emulators/redis';
import { startRedis } from '../../../tools/local/emulators/redis';

describe('campaign cache on redis-server and the MongoDB wire server', () => {
  let redisServer: LocalRedis;
  let mongo: LocalMongo;
  let redis: Redis;
  let mongoClient: MongoClient;
  const prefix = `${uniqueName('t')}:campaign:`;

  beforeAll(async () => {
    [redisServer, mongo] = await Promise.all([
      startRedis({ useExisting: false }),
      startMongoServer({ useExisting: false }),
    ]);
    redis = new Redis(redisServer.url, { commandTimeout: 300, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    redis.on('error', () => undefined);
    mongoClient = await new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 1000 }).connect();
    const db = mongoClient.db('campaigns');
    await db.collection('campaigns').insertOne({ id: 'c1', slug: 'tour-2027', status: 'OPEN', name: 'Tour' });
    await db.collection('markets').insertMany([
      { id: 'm1', campaign_id: 'c1', name: 'Austin' },
      { id: 'm2', campaign_id: 'c1', name: 'Denver' },
      { id: 'mx', campaign_id: 'other', name: 'Elsewhere' },
    ]);
  });
  afterAll(async () => {
    redis.disconnect();
    await mongoClient.close();
    await Promise.all([redisServer.stop(), mongo.stop()]);
  });

  const cache = (log = memoryLogger()) =>
    createCampaignCache({
      redis,
      campaigns: async () => mongoClient.db('campaigns').collection('campaigns'),
      markets: async () => mongoClient.db('campaigns').collection('markets'),
      keyPrefix: prefix,
      ttlSeconds: 3600,
      log,
    });

  it('misses, reads MongoDB with the markets attached, and writes back with the TTL', async () => {
    const result = await cache().getBySlug('tour-2027');
    expect(result.source).toBe('mongo');
    expect(result.campaign).toMatchObject({ id: 'c1', status: 'OPEN' });
    expect(result.campaign?.markets?.map((m) => m.id)).toEqual(['m1', 'm2']);
    await new Promise((r) => setTimeout(r, 50));
    const ttl = await redis.ttl(`${prefix}tour-2027`);
    expect(ttl).toBeGreaterThan(3500);
    expect(JSON.parse((await redis.get(`${prefix}tour-2027`))!)).toMatchObject({ id: 'c1' });
  });

  it('hits the cache without touching MongoDB', async () => {
    await redis.set(`${prefix}cached-only`, JSON.stringify({ id: 'c9', status: 'OPEN', slug: 'cached-only' }));
    mongo.server!.setDown(true);
    try {
      const result = await cache().getBySlug('cached-only');
      expect(result).toEqual({ campaign: { id: 'c9', status: 'OPEN', slug: 'cached-only' }, source: 'cache' });
    } finally {
      mongo.server!.setDown(false);
    }
  });

  it('answers from MongoDB when Redis is down, logging the cache failure', async () => {
    const log = memoryLogger();
    const brokenRedis = new Redis('redis://127.0.0.1:1', {
      commandTimeout: 200,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: false,
    });
    brokenRedis.on('error', () => undefined);
    try {
      const c = createCampaignCache({
        redis: brokenRedis,
        campaigns: async () => mongoClient.db('campaigns').collection('campaigns'),
        markets: async () => mongoClient.db('campaigns').collection('markets'),
        keyPrefix: prefix,
        ttlSeconds: 3600,
        log,
      });
      const result = await c.getBySlug('tour-2027');
      expect(result.source).toBe('mongo');
      expect(result.campaign?.id).toBe('c1');
      expect(log.lines.some((l) => l.message === 'campaign cache read failed; falling back to MongoDB')).toBe(true);
    } finally {
      brokenRedis.disconnect();
    }
  });

  it('reports an unknown slug as none and never calls anything for an empty slug', async () => {
    expect(await cache().getBySlug('no-such-campaign')).toEqual({ source: 'none' });
    expect(await cache().getBySlug('')).toEqual({ source: 'none' });
  });
});
