import { Redis } from 'ioredis';

let shared: Redis | undefined;

export interface RedisOptions {
  url: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/**
 * One Redis connection per execution environment, set up to fail fast: a command waits for
 * the (re)connection at most `commandTimeoutMs` and is retried once. Callers fall back on failure.
 */
export function sharedRedis(options: RedisOptions): Redis {
  if (shared) {
    return shared;
  }
  shared = new Redis(options.url, {
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: 1,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Errors surface on the failing command; the connection event only needs to not crash the process.
  shared.on('error', () => undefined);
  return shared;
}

/** Closes the shared connection (tests, local tools). */
export async function closeSharedRedis(): Promise<void> {
  const r = shared;
  shared = undefined;
  if (r) {
    r.disconnect();
  }
}
