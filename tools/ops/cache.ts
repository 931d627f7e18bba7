/**
 * `ops cache evict --campaign SLUG`: drops a stale campaign from the Redis campaign cache
 * (DOMAIN.md 9.2 runbook 7). checkEligibility reads `campaign:{slug}` first and, on a miss,
 * reads MongoDB and writes the key back (src/shared/campaigns/cache.ts), so the next look-up
 * after an eviction caches the campaign as MongoDB has it now.
 */
import { Redis } from 'ioredis';
import { CliError } from '../build/toolCli';
import type { Verb, VerbContext } from './cli';
import { requiredText } from './cli';
import type { Target } from './target';

/** How long to wait for Redis to answer a connection or a command. */
export const REDIS_TIMEOUT_MS = 3000;

export interface EvictResult {
  key: string;
  /** Whether the key was there (before the delete, or at the dry run's look). */
  existed: boolean;
  deleted: boolean;
  /** Seconds the cached campaign had left to live; null when absent or kept without expiry. */
  ttlSeconds: number | null;
  dryRun: boolean;
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return '(unreadable Redis URL)';
  }
}

/** A connection to the target's Redis that fails in seconds, with an error that says where to run from. */
export async function connectRedis(target: Pick<Target, 'env' | 'redis'>): Promise<Redis> {
  const redis = new Redis(target.redis.url, {
    lazyConnect: true,
    connectTimeout: REDIS_TIMEOUT_MS,
    commandTimeout: REDIS_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The cause of a failed connection (ECONNREFUSED, ENOTFOUND, ETIMEDOUT) comes as an 'error'
  // event; connect() itself rejects with only "Connection is closed".
  let cause: Error | undefined;
  redis.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    const where =
      target.env === 'local'
        ? 'is the local run still running (`npm start -- --no-scenario`), and is --env-file its env.sh?'
        : `Redis (${target.env}) is reachable only from inside its VPC: run this from a host in the VPC (a bastion or an instance in the Lambda subnets).`;
    throw new CliError(
      `cannot reach Redis at ${redactedUrl(target.redis.url)} (${(cause ?? (error as Error)).message}): ${where} Nothing deleted.`,
    );
  }
}

export async function evict(ctx: VerbContext): Promise<EvictResult> {
  const { target, values } = ctx;
  const slug = requiredText(values, 'campaign');
  const key = `${target.redis.campaignKeyPrefix}${slug}`;
  const redis = await connectRedis(target);
  try {
    const ttl = await redis.ttl(key);
    // TTL: -2 the key does not exist, -1 it exists without expiry.
    const existed = ttl !== -2;
    const ttlSeconds = ttl >= 0 ? ttl : null;
    if (ctx.dryRun || !existed) {
      return { key, existed, deleted: false, ttlSeconds, dryRun: ctx.dryRun };
    }
    await ctx.confirm(`delete the Redis key ${key}`);
    // DEL says whether it was still there: it may have expired since the look.
    const deleted = (await redis.del(key)) === 1;
    return { key, existed: deleted, deleted, ttlSeconds: deleted ? ttlSeconds : null, dryRun: false };
  } catch (error) {
    if (error instanceof CliError) {
      throw error;
    }
    throw new CliError(`Redis at ${redactedUrl(target.redis.url)} failed: ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

function describe(result: EvictResult): string {
  if (!result.existed) {
    return `${result.key} is not cached; nothing to delete`;
  }
  if (result.dryRun) {
    const expiry = result.ttlSeconds === null ? 'no expiry' : `expires in ${result.ttlSeconds} s`;
    return `dry run: would delete ${result.key} (cached, ${expiry}); nothing deleted`;
  }
  return `deleted ${result.key}; the next eligibility check reads the campaign from MongoDB and caches it again`;
}

export const CACHE_EVICT_VERB: Verb = {
  name: 'cache evict',
  args: [],
  summary: 'delete a campaign from the Redis campaign cache (stale campaign)',
  help: `  --campaign SLUG   the campaign's slug (the cache key is campaign:{slug}); required

Deletes the key and says whether it existed; the next eligibility check reads the campaign from
MongoDB and caches it again. A dry run says whether the key exists and deletes nothing. Redis is
reached at the environment's redis.url (configs/, or REDIS_URL of the local run) with a
${REDIS_TIMEOUT_MS / 1000} s timeout; in AWS it is inside the VPC, so run this from a host there.`,
  options: { campaign: { type: 'string' } },
  changes: true,
  async run(ctx) {
    const result = await evict(ctx);
    ctx.io.out(ctx.json ? JSON.stringify(result) : describe(result));
    return 0;
  },
};
