import { getConfig } from '../config';
import type { CampaignCache } from '../campaigns/cache';
import { createCampaignCache } from '../campaigns/cache';
import { sharedRedis } from '../campaigns/redis';
import type { Logger } from '../runtime/logger';
import { once } from './memo';
import { mongoDb } from './mongo';

/** Campaign look-up by slug: Redis cache, MongoDB fallback. */
export const campaignCache = (log: Logger): CampaignCache =>
  once('campaignCache', () => {
    const { redis, mongo } = getConfig();
    return createCampaignCache({
      redis: sharedRedis({
        url: redis.url,
        connectTimeoutMs: redis.connectTimeoutMs,
        commandTimeoutMs: redis.commandTimeoutMs,
      }),
      campaigns: async () => (await mongoDb(mongo.campaignsDb)).collection(mongo.campaignsCollection),
      markets: async () => (await mongoDb(mongo.campaignsDb)).collection(mongo.marketsCollection),
      keyPrefix: redis.campaignKeyPrefix,
      ttlSeconds: redis.campaignTtlSeconds,
      log,
    });
  });
