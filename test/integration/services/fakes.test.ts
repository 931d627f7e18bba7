import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createExportsService, createServiceClient, createUserService } from '../../../src/shared/services';
import { signRs256 } from '../../../src/shared/services/jwt';
import { parseVaultDuration } from '../../../tools/local/emulators/fakes';
import { clientFor, getToken, keys, useServiceFakes } from './setup';

const fakes = useServiceFakes();

const control = async (url: string, action: string, body?: unknown) => {
  const res = await fetch(
    `${url}/_fake/${action}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>) };
};

const raw = async (url: string, init: RequestInit = {}) => {
  const res = await fetch(url, {
    ...init,
    headers: {
      authorization: `Bearer ${await getToken()}`,
      'content-type': 'application/json',
      ...(init.headers as Record<string, string>),
    },
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
};

describe('fake controls over HTTP', () => {
  it('inject failures, seed state and report requests', async () => {
    const { urls, users } = fakes();
    expect((await control(urls.users, 'fail', { status: 502, count: 1, path: '/users/upsert' })).status).toBe(204);
    expect((await control(urls.users, 'failUsers', { globalUserIds: ['g2'] })).status).toBe(200);
    const service = createUserService(clientFor(fakes(), 'users'));
    await expect(service.batchUpsert([{ globalUserId: 'g1' }, { globalUserId: 'g2' }])).resolves.toEqual({
      success: false,
      failed: ['g2'],
    });
    const state = (await control(urls.users, 'state')).body!;
    expect((state.requests as { path: string }[]).map((r) => r.path)).toEqual(['/users/upsert', '/users/upsert']);
    expect(state.state).toEqual({ users: { g1: { globalUserId: 'g1' } }, failingUsers: ['g2'] });
    expect(users.requests).toHaveLength(2);
  });

  it('match failures by path pattern, drop connections, add latency and reset', async () => {
    const { urls, entries } = fakes();
    await control(urls.entries, 'fail', { status: 500, pathPattern: '^/c1/entries/' });
    await control(urls.entries, 'drop', { count: 1 });
    await control(urls.entries, 'latency', { ms: 1 });
    const stateBefore = (await control(urls.entries, 'state')).body!;
    expect(stateBefore).toMatchObject({
      latencyMs: 1,
      pendingDrops: 1,
      pendingFailures: [{ remaining: 1, status: 500, path: '/^\\/c1\\/entries\\//' }],
    });
    await expect(fetch(`${urls.entries}/v2/entries`, { method: 'POST', body: '{}' })).rejects.toThrow();
    expect(
      (
        await raw(`${urls.entries}/v2/entries`, {
          method: 'POST',
          body: JSON.stringify({ entries: [{ campaignId: 'c1', userId: 'u1' }] }),
        })
      ).status,
    ).toBe(200);
    expect((await raw(`${urls.entries}/c1/entries/eligibility?marketIds=m1`)).status).toBe(500);
    expect((await raw(`${urls.entries}/c1/entries/eligibility?marketIds=m1`)).status).toBe(200);
    expect(entries.requests).toHaveLength(4);
    await control(urls.entries, 'reset', {});
    expect((await control(urls.entries, 'state')).body).toMatchObject({
      requests: [],
      latencyMs: 0,
      pendingDrops: 0,
      pendingFailures: [],
      state: { entries: {} },
    });
  });

  it('clear-failures ends injected failures, latency, drops and failUsers but keeps data and requests', async () => {
    const { urls, entries } = fakes();
    const save = (userId: string) =>
      raw(`${urls.entries}/v2/entries`, { method: 'POST', body: JSON.stringify({ entries: [{ campaignId: 'c9', userId }] }) });
    expect((await save('u1')).status).toBe(200);
    await control(urls.entries, 'fail', { status: 503, count: 5 });
    await control(urls.entries, 'drop', { count: 2 });
    await control(urls.entries, 'latency', { ms: 5 });
    await control(urls.entries, 'failUsers', { userIds: ['u2'] });
    await control(urls.entries, 'clear-failures', {});
    expect((await control(urls.entries, 'state')).body).toMatchObject({ latencyMs: 0, pendingDrops: 0, pendingFailures: [], state: { failingUsers: [] } });
    const saved = await save('u2');
    expect(saved.status).toBe(200);
    expect(saved.text).not.toContain('u2"');
    expect(Object.keys(((await control(urls.entries, 'state')).body!.state as { entries: object }).entries).sort()).toEqual(['c9:u1', 'c9:u2']);
    expect(entries.requests).toHaveLength(2);
  });

  it('seed campaigns, scoring and codes, and move exports', async () => {
    const { urls } = fakes();
    await control(urls.campaigns, 'seed', { campaigns: [{ id: 'c9', markets: [{ id: 'm1' }] }] });
    expect(JSON.parse((await raw(`${urls.campaigns}/campaigns/c9/markets/m1`)).text)).toMatchObject({
      data: { id: 'm1', campaign_id: 'c9' },
    });
    await control(urls.entries, 'seed', {
      campaignId: 'c9',
      scoring: [{ userId: 'u', globalUserId: 'g', verdict: true, marketIds: ['m1'], score: 1 }],
    });
    expect(JSON.parse((await raw(`${urls.entries}/c9/entries/eligibility?marketIds=m1`)).text).data).toEqual({
      total: 1,
      byMarket: { m1: 1 },
    });
    await control(urls.codes, 'seed', { campaignId: 'c9', type: 'tm', codes: ['A', 'B'] });
    expect(JSON.parse((await raw(`${urls.codes}/c9/codes/count`)).text).data).toEqual({
      available: 2,
      reserved: 0,
      assigned: 0,
    });
    const created = await createExportsService(clientFor(fakes(), 'exports')).createExport('c9', {
      exportType: 'reminderEmail',
    });
    const moved = await control(urls.exports, 'status', { id: created.id, status: 'FAILED' });
    expect(moved).toMatchObject({ status: 200, body: { data: { id: created.id, status: 'FAILED' } } });
    expect((await control(urls.exports, 'status', { id: 'nope', status: 'FAILED' })).status).toBe(400);
  });
});

describe('fake services behave like the real ones', () => {
  it('wrap data in { data, meta } echoing the correlation id', async () => {
    const { urls } = fakes();
    fakes().campaigns.seedCampaign({ id: 'c1' });
    const res = await raw(`${urls.campaigns}/campaigns/c1/markets`, { headers: { 'x-correlation-id': 'corr-7' } });
    expect(JSON.parse(res.text)).toEqual({
      data: [],
      meta: { timestamp: expect.any(String), correlationId: 'corr-7' },
    });
  });

  it('answer errors as { error: { status, message, code } }', async () => {
    const { urls } = fakes();
    expect(JSON.parse((await raw(`${urls.codes}/c1/nothing`)).text)).toEqual({
      error: { status: 404, message: 'no route GET /c1/nothing', code: 'notFound' },
    });
    const invalid = await raw(`${urls.codes}/c1/assign`, { method: 'POST', body: '{not json' });
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.text).error.code).toBe('invalidJson');
    const empty = await raw(`${urls.codes}/c1/assign`, { method: 'POST', body: JSON.stringify({ codes: [] }) });
    expect(JSON.parse(empty.text).error).toEqual({
      status: 400,
      message: 'codes must not be empty',
      code: 'emptyCodes',
    });
  });

  it('reject an expired token', async () => {
    const client = createServiceClient({
      service: 'codes',
      baseUrl: fakes().urls.codes,
      timeoutMs: 1000,
      retries: 0,
      backoffBaseMs: 1,
      backoffMaxMs: 1,
      getToken: async () => expiredToken(),
    });
    await expect(client.request('GET', '/c1/codes/count')).rejects.toMatchObject({
      status: 401,
      serviceError: { message: 'token expired' },
    });
  });
});

/** Signed with the right key but expired a minute ago. */
function expiredToken(): string {
  const now = Math.floor(Date.now() / 1000);
  return signRs256({ sub: 'w', isSupreme: true, iat: now - 120, exp: now - 60 }, keys.privateKey);
}

describe('Slack webhook fake', () => {
  it('records messages and answers ok', async () => {
    const { slack } = fakes();
    const res = await fetch(slack.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'kafka cert expires in 12 days' }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(slack.messages).toEqual([
      { text: 'kafka cert expires in 12 days', path: new URL(slack.webhookUrl).pathname },
    ]);
  });

  it('refuses a message without text or blocks', async () => {
    const res = await fetch(fakes().slack.webhookUrl, { method: 'POST', body: JSON.stringify({ channel: '#x' }) });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('no_text');
    expect(fakes().slack.messages).toEqual([]);
  });
});

describe('Vault fake', () => {
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${fakes().urls.vault}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { 'x-vault-token': token } : {}) },
      body: JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Vault's JSON, read field by field below
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const userpassToken = async () =>
    (await post('/v1/auth/userpass/login/techops', { password: 'techops-password' })).body.auth.client_token as string;

  it('logs in with userpass and AppRole, and refuses bad credentials', async () => {
    expect(await userpassToken()).toMatch(/^hvs\./);
    const approle = await post('/v1/auth/approle/login', { role_id: 'fake-role-id', secret_id: 'fake-secret-id' });
    expect(approle.body.auth).toMatchObject({
      client_token: expect.stringMatching(/^hvs\./),
      policies: expect.arrayContaining(['pki-issue']),
    });
    expect(await post('/v1/auth/userpass/login/techops', { password: 'wrong' })).toEqual({
      status: 400,
      body: { errors: ['invalid username or password'] },
    });
    expect(await post('/v1/auth/approle/login', { role_id: 'fake-role-id', secret_id: 'wrong' })).toEqual({
      status: 400,
      body: { errors: ['invalid role or secret ID'] },
    });
  });

  it('issues a CA-signed certificate valid for the requested TTL', async () => {
    const issued = await post(
      '/v1/pki/issue/kafka-client',
      { common_name: 'reg-workers.kafka.local', ttl: '720h' },
      await userpassToken(),
    );
    expect(issued.status).toBe(200);
    const { certificate, private_key, issuing_ca, ca_chain, expiration } = issued.body.data;
    const cert = new X509Certificate(certificate);
    const ca = new X509Certificate(issuing_ca);
    expect(cert.subject).toBe('CN=reg-workers.kafka.local');
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(private_key))).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:reg-workers.kafka.local');
    expect(ca_chain).toEqual([issuing_ca]);
    expect(new Date(cert.validTo).getTime() / 1000).toBe(expiration);
    const hoursLeft = (expiration * 1000 - Date.now()) / 3600_000;
    expect(Math.round(hoursLeft)).toBe(720);
  });

  it('issues an already expired certificate for a negative TTL', async () => {
    const issued = await post(
      '/v1/pki/issue/kafka-client',
      { common_name: 'expired.local', ttl: '-24h' },
      await userpassToken(),
    );
    const cert = new X509Certificate(issued.body.data.certificate);
    expect(new Date(cert.validTo).getTime()).toBeLessThan(Date.now());
    expect(new Date(cert.validFrom).getTime()).toBeLessThan(new Date(cert.validTo).getTime());
  });

  it('caps a TTL above the maximum with a warning', async () => {
    const issued = await post(
      '/v1/pki/issue/kafka-client',
      { common_name: 'long.local', ttl: '100000h' },
      await userpassToken(),
    );
    expect(issued.body.warnings).toEqual([expect.stringContaining('exceeded the effective max_ttl')]);
    expect(Math.round((issued.body.data.expiration * 1000 - Date.now()) / 3600_000)).toBe(8760);
  });

  it('refuses issue without a token, for an unknown role or without a common name', async () => {
    const token = await userpassToken();
    expect(await post('/v1/pki/issue/kafka-client', { common_name: 'x' })).toEqual({
      status: 403,
      body: { errors: ['permission denied'] },
    });
    expect((await post('/v1/pki/issue/admin', { common_name: 'x' }, token)).status).toBe(400);
    expect((await post('/v1/pki/issue/kafka-client', {}, token)).body.errors[0]).toMatch(
      /common_name field is required/,
    );
  });

  it('parses Vault durations', () => {
    expect(parseVaultDuration('720h')).toBe(2592000);
    expect(parseVaultDuration('1h30m')).toBe(5400);
    expect(parseVaultDuration('-24h')).toBe(-86400);
    expect(parseVaultDuration('90')).toBe(90);
    expect(parseVaultDuration(45)).toBe(45);
    expect(() => parseVaultDuration('soon')).toThrow('invalid duration');
  });
});
