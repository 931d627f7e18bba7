import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv, setEnv } from '../../harness/env';
import { startKafkaMock } from '../../../tools/local/emulators/kafka';
import { startRedis } from '../../../tools/local/emulators/redis';
import { startSqsSns } from '../../../tools/local/emulators/sqs';

// The project's testTimeout (60 s) is not applied to this project by jest; set it here.
jest.setTimeout(30000);

describe('integration harness', () => {
  it('publishes endpoints and throwaway AWS settings to the test processes', () => {
    for (const name of ['DYNAMODB_ENDPOINT', 'SQS_ENDPOINT', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_SNS']) {
      expect(requireEnv(name)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(requireEnv('REDIS_URL')).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(requireEnv('KAFKA_BROKERS')).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(process.env).toMatchObject({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  });

  it('setEnv sets and removes variables and its restore puts back exactly what was there', () => {
    process.env.HARNESS_KEPT = 'before';
    delete process.env.HARNESS_ABSENT;
    const restore = setEnv({ HARNESS_KEPT: undefined, HARNESS_ABSENT: 'now' });
    expect([process.env.HARNESS_KEPT, process.env.HARNESS_ABSENT]).toEqual([undefined, 'now']);
    restore();
    expect(process.env.HARNESS_KEPT).toBe('before');
    expect('HARNESS_ABSENT' in process.env).toBe(false);
    delete process.env.HARNESS_KEPT;
  });

  it('explains a missing variable', () => {
    expect(() => requireEnv('HARNESS_NOT_SET')).toThrow(/HARNESS_NOT_SET is not set.*globalSetup/);
  });

  it('makes unique, service-safe names', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('my_table.name with spaces and a long long long long long tail')));
    expect(names.size).toBe(100);
    for (const name of names) {
      expect(name).toMatch(/^[A-Za-z0-9-]{1,68}$/);
    }
  });

  it('reuses an instance named by the environment, with a stop() that leaves it running', async () => {
    const shared = await startRedis();
    expect(shared.url).toBe(process.env.REDIS_URL);
    await shared.stop();
    const again = await startSqsSns();
    expect(again.endpoint).toBe(process.env.SQS_ENDPOINT);
    await again.stop();
    await expect(fetch(`${again.endpoint}/health`)).resolves.toMatchObject({ ok: true });
  });

  it('fails with the component, the reason and what to install when a binary is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startRedis({ useExisting: false })).rejects.toThrow(/redis-server could not start[\s\S]*ENOENT[\s\S]*apt-get install redis-server/);
      await expect(startKafkaMock({ useExisting: false })).rejects.toThrow(/Kafka mock cluster \(kcat\) could not start[\s\S]*apt-get install kcat/);
    } finally {
      process.env.PATH = path;
    }
  });
});
