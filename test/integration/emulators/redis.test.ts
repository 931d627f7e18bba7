import Redis from 'ioredis';
import { requireEnv } from '../../harness/env';
import { startRedis } from '../../../tools/local/emulators/redis';

// The project's testTimeout (60 s) is not applied to this project by jest; set it here.
jest.setTimeout(30000);

describe('redis-server', () => {
  it('sets and gets through ioredis on the shared instance', async () => {
    const redis = new Redis(requireEnv('REDIS_URL'), { lazyConnect: true });
    await redis.connect();
    try {
      await redis.set('campaign:harness', JSON.stringify({ id: 'c1' }), 'EX', 3600);
      expect(JSON.parse((await redis.get('campaign:harness'))!)).toEqual({ id: 'c1' });
      expect(await redis.ttl('campaign:harness')).toBeGreaterThan(3500);
    } finally {
      redis.disconnect();
    }
  });

  it('gives a test a private instance it can stop, after which commands fail', async () => {
    const own = await startRedis({ useExisting: false });
    expect(own.url).not.toBe(process.env.REDIS_URL);
    const redis = new Redis(own.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    redis.on('error', () => undefined);
    await redis.connect();
    await redis.set('k', 'v');
    expect(await redis.get('k')).toBe('v');
    await own.stop();
    await expect(redis.get('k')).rejects.toThrow();
    redis.disconnect();
  });
});
