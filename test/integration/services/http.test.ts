import { generateKeyPairSync } from 'node:crypto';
import { runWithContext } from '../../../src/shared/runtime/context';
import { ServiceError, createCodeService, createEntryService, createTokenProvider } from '../../../src/shared/services';
import { signRs256 } from '../../../src/shared/services/jwt';
import { verifyRs256 } from '../../../tools/local/emulators/fakes';
import { clientFor, keys, useServiceFakes } from './setup';

const fakes = useServiceFakes();
const entry = { campaignId: 'c1', userId: 'u1', fields: { email: 'fan@example.com' } };

describe('service client over HTTP', () => {
  it('retries 503 and then succeeds', async () => {
    const { entries: fake } = fakes();
    fake.failNext({ status: 503, count: 2, path: '/v2/entries' });
    const entries = createEntryService(clientFor(fakes(), 'entries'));
    await expect(entries.batchUpsert([entry])).resolves.toEqual({ upsertedCount: 1, deletedCount: 0, failed: [] });
    expect(fake.requests).toHaveLength(3);
    expect(fake.entries.get('c1:u1')).toEqual(entry);
  });

  it('gives up after retries + 1 attempts of 503 with the service message', async () => {
    const { entries: fake } = fakes();
    fake.failNext({
      status: 503,
      count: 5,
      body: { error: { status: 503, message: 'Mongo is down', code: 'dbUnavailable' } },
    });
    const error = (await createEntryService(clientFor(fakes(), 'entries'))
      .batchUpsert([entry])
      .catch((e: unknown) => e)) as ServiceError;
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.message).toBe(
      'entries POST /v2/entries failed with 503 after 3 attempts: Mongo is down (dbUnavailable)',
    );
    expect(error).toMatchObject({ status: 503, retryable: true, attempts: 3 });
    expect(fake.requests).toHaveLength(3);
  });

  it('does not retry a 400', async () => {
    const { codes: fake } = fakes();
    const error = (await createCodeService(clientFor(fakes(), 'codes'))
      .reserveCodes('c1', { count: 0, type: 'tm' })
      .catch((e: unknown) => e)) as ServiceError;
    expect(error).toMatchObject({ status: 400, retryable: false, attempts: 1, serviceError: { code: 'invalidCount' } });
    expect(fake.requests).toHaveLength(1);
  });

  it('waits as long as Retry-After asks on 429, capped by backoffMaxMs', async () => {
    const { entries: fake } = fakes();
    fake.failNext({ status: 429, headers: { 'retry-after': '1' } });
    fake.failNext({ status: 429, headers: { 'retry-after': '3600' } });
    const delays: number[] = [];
    const client = clientFor(fakes(), 'entries', { backoffMaxMs: 2000, sleep: async (ms) => void delays.push(ms) });
    await expect(createEntryService(client).batchUpsert([entry])).resolves.toMatchObject({ upsertedCount: 1 });
    expect(delays).toEqual([1000, 2000]);
    expect(fake.requests).toHaveLength(3);
  });

  it('times out slow attempts and fails retryable after all attempts', async () => {
    const { entries: fake } = fakes();
    fake.setLatency(400);
    const client = clientFor(fakes(), 'entries', { timeoutMs: 100, retries: 1 });
    const error = (await createEntryService(client)
      .batchUpsert([entry])
      .catch((e: unknown) => e)) as ServiceError;
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ status: undefined, retryable: true, attempts: 2 });
    expect(error.message).toBe(
      'entries POST /v2/entries failed with timeout after 2 attempts: no response within 100 ms',
    );
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a dropped connection', async () => {
    const { entries: fake } = fakes();
    fake.dropConnections(1);
    await expect(createEntryService(clientFor(fakes(), 'entries')).batchUpsert([entry])).resolves.toMatchObject({
      upsertedCount: 1,
    });
    expect(fake.requests).toHaveLength(2);
  });

  it('reports a network error when every attempt is dropped', async () => {
    fakes().entries.dropConnections(3);
    const error = (await createEntryService(clientFor(fakes(), 'entries'))
      .batchUpsert([entry])
      .catch((e: unknown) => e)) as ServiceError;
    expect(error).toMatchObject({ status: undefined, retryable: true, attempts: 3 });
    expect(error.message).toMatch(/^entries POST \/v2\/entries failed with network error after 3 attempts: /);
  });

  it('sends a verifiable bearer token, the correlation id, traceparent and JSON content type', async () => {
    const { entries: fake } = fakes();
    await runWithContext({ worker: 'saveEntries', correlationId: 'corr-42' }, () =>
      createEntryService(clientFor(fakes(), 'entries')).batchUpsert([entry]),
    );
    const { headers } = fake.requests[0];
    const token = /^Bearer (.+)$/.exec(String(headers.authorization))?.[1] ?? '';
    const verified = verifyRs256(token, keys.publicKey);
    expect(verified).toEqual({
      claims: expect.objectContaining({ sub: 'integrationTest', isSupreme: true, iss: 'reg-workers' }),
    });
    expect(headers['x-correlation-id']).toBe('corr-42');
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(headers['content-type']).toBe('application/json');
  });

  it('is refused with 401 without a token, and not retried', async () => {
    const { users: fake } = fakes();
    const client = clientFor(fakes(), 'users', { getToken: undefined });
    await expect(client.request('POST', '/users/upsert', { body: [{ globalUserId: 'g1' }] })).rejects.toMatchObject({
      status: 401,
      attempts: 1,
      serviceError: { code: 'unauthorized' },
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('is refused with 401 for a token signed by another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const getToken = createTokenProvider({
      worker: 'w',
      issuer: 'i',
      ttlSeconds: 600,
      loadPrivateKey: async () => other,
    });
    const client = clientFor(fakes(), 'campaigns', { getToken });
    await expect(client.request('GET', '/campaigns/c1')).rejects.toMatchObject({
      status: 401,
      serviceError: { code: 'invalidToken', message: 'bad signature' },
    });
  });

  it('is refused with 403 for a token without isSupreme', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = signRs256({ sub: 'w', iat: now, exp: now + 60 }, keys.privateKey);
    const client = clientFor(fakes(), 'codes', { getToken: async () => token });
    await expect(client.request('GET', '/c1/codes/count')).rejects.toMatchObject({
      status: 403,
      serviceError: { code: 'supremeUserRequired' },
    });
  });
});
