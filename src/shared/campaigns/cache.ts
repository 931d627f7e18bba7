import type { Redis } from 'ioredis';
import type { Collection, Document } from 'mongodb';
import type { Logger } from '../runtime/logger';
import { formatError } from '../runtime/logger';
import type { Campaign, Market } from '../domain/campaign';

export interface CampaignCacheOptions {
  /** Redis connection; `undefined` means no cache (always MongoDB). */
  redis?: Pick<Redis, 'get' | 'set'>;
  campaigns: () => Promise<Collection<Document>>;
  markets: () => Promise<Collection<Document>>;
  keyPrefix: string;
  ttlSeconds: number;
  log: Logger;
}

export type CampaignSource = 'cache' | 'mongo' | 'none';

/** Turns a stored campaign document into the worker-side shape (string `id`, no `_id`). */
export function toCampaign(doc: Document): Campaign {
  const { _id, ...rest } = doc;
  return { ...rest, id: String(rest.id ?? _id) } as Campaign;
}

/**
 * Campaign look-up by slug: Redis `campaign:{slug}` first; on a miss (or any Redis failure)
 * MongoDB, with the campaign's markets attached, written back to Redis with the TTL.
 * A Redis failure is logged and never fails the look-up.
 */
export function createCampaignCache(options: CampaignCacheOptions) {
  const { redis, keyPrefix, ttlSeconds, log } = options;

  async function fromRedis(key: string): Promise<Campaign | undefined> {
    if (!redis) {
      return undefined;
    }
    try {
      const cached = await redis.get(key);
      return cached ? (JSON.parse(cached) as Campaign) : undefined;
    } catch (error) {
      log.warn('campaign cache read failed; falling back to MongoDB', { key, error: formatError(error) });
      return undefined;
    }
  }

  async function fromMongo(slug: string): Promise<Campaign | undefined> {
    const doc = await (await options.campaigns()).findOne({ slug });
    if (!doc) {
      return undefined;
    }
    const campaign = toCampaign(doc);
    if (!Array.isArray(campaign.markets)) {
      const markets = await (await options.markets()).find({ campaign_id: campaign.id }).toArray();
      campaign.markets = markets.map((m) => {
        const { _id, ...rest } = m;
        return { ...rest, id: String(rest.id ?? _id) } as Market;
      });
    }
    return campaign;
  }

  /** The campaign with this slug and where it came from; `none` when no campaign has it. */
  async function getBySlug(slug: string): Promise<{ campaign?: Campaign; source: CampaignSource }> {
    if (!slug) {
      return { source: 'none' };
    }
    const key = `${keyPrefix}${slug}`;
    const cached = await fromRedis(key);
    if (cached) {
      return { campaign: cached, source: 'cache' };
    }
    const campaign = await fromMongo(slug);
    if (!campaign) {
      return { source: 'none' };
    }
    if (redis) {
      redis.set(key, JSON.stringify(campaign), 'EX', ttlSeconds).catch((error: unknown) => {
        log.warn('campaign cache write-back failed', { key, error: formatError(error) });
      });
    }
    return { campaign, source: 'mongo' };
  }

  return { getBySlug };
}

export type CampaignCache = ReturnType<typeof createCampaignCache>;
