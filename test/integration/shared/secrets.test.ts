import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createSecretCache } from '../../../src/shared/aws/secrets';
import type { LocalSecretsManager } from '../../../tools/local/secretsManager';
import { startSecretsManager } from '../../../tools/local/secretsManager';

describe('secret cache against the local Secrets Manager', () => {
  let sm: LocalSecretsManager;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    sm = await startSecretsManager();
    client = new SecretsManagerClient({
      endpoint: sm.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, // throwaway, emulator only
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await sm.stop();
  });

  it('reads a JSON secret by name and by ARN through the real SDK, once within the TTL', async () => {
    const arn = sm.put('kafka-cert', JSON.stringify({ cert: 'c', key: 'k' }));
    const cache = createSecretCache(client, 60);
    expect(await cache.getJson('kafka-cert')).toEqual({ cert: 'c', key: 'k' });
    expect(await cache.getJson('kafka-cert')).toEqual({ cert: 'c', key: 'k' });
    expect(await cache.getString(arn)).toContain('"cert"');
    expect(sm.requests.filter((r) => r.target === 'GetSecretValue')).toHaveLength(2);
  });

  it('picks up a rotated value after the TTL', async () => {
    let now = 0;
    sm.put('rotating', 'v1');
    const cache = createSecretCache(client, 10, () => now);
    expect(await cache.getString('rotating')).toBe('v1');
    sm.put('rotating', 'v2');
    expect(await cache.getString('rotating')).toBe('v1');
    now = 11_000;
    expect(await cache.getString('rotating')).toBe('v2');
  });

  it('surfaces a missing secret and an injected service failure, and recovers after it', async () => {
    const cache = createSecretCache(client, 60);
    await expect(cache.getString('does-not-exist')).rejects.toThrow(/can't find the specified secret/);
    sm.put('flaky', 'ok');
    sm.failNext(1);
    await expect(cache.getString('flaky')).rejects.toThrow();
    expect(await cache.getString('flaky')).toBe('ok');
  });
});
