import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { trace } from '@opentelemetry/api';
import { runWithContext } from '../runtime/context';
import type { ServiceClientOptions } from './http';
import {
  ServiceError,
  createServiceClient,
  encodeQuery,
  extractServiceError,
  MAX_QUOTED_DETAIL,
  MAX_QUOTED_PATH,
  parseRetryAfter,
  segment,
  unwrapEnvelope,
} from './http';

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function clientWith(handlers: Handler[], overrides: Partial<ServiceClientOptions> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const delays: number[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, init: init ?? {} });
    const handler = handlers[Math.min(calls.length - 1, handlers.length - 1)];
    return handler(url, init ?? {});
  }) as typeof fetch;
  const client = createServiceClient({
    service: 'entries',
    baseUrl: 'http://entries.test/base/',
    timeoutMs: 1000,
    retries: 2,
    backoffBaseMs: 100,
    backoffMaxMs: 1000,
    fetchImpl,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
  return { client, calls, delays };
}

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores missing or unreadable values', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('encodeQuery', () => {
  it('joins arrays with commas, writes booleans as text and skips empty values', () => {
    expect(
      encodeQuery({
        marketIds: ['m1', 'm2'],
        reassign: false,
        selectedOnly: true,
        limit: 50,
        missing: undefined,
        none: null,
        empty: [],
      }),
    ).toBe('?marketIds=m1%2Cm2&reassign=false&selectedOnly=true&limit=50');
  });

  it('encodes reserved characters and returns nothing for an empty query', () => {
    expect(encodeQuery({ q: 'a&b=c d' })).toBe('?q=a%26b%3Dc+d');
    expect(encodeQuery({})).toBe('');
    expect(encodeQuery(undefined)).toBe('');
  });
});

describe('segment', () => {
  it('encodes an id so it stays one segment', () => {
    expect(segment('c/1?x#y', 'campaignId')).toBe('c%2F1%3Fx%23y');
    expect(segment('tour.2026', 'campaignId')).toBe('tour.2026');
  });

  it.each([
    ['..', '..', 'campaignId must not be "." or ".."'],
    ['.', '.', 'campaignId must not be "." or ".."'],
    ['empty', '', 'campaignId must be a non-empty string'],
    ['a control character', 'c\n1', 'campaignId must not contain control characters or unpaired surrogates'],
    ['over 128 characters', 'x'.repeat(129), 'campaignId is longer than 128 characters'],
    ['padded with spaces', ' c1 ', 'campaignId must not begin or end with whitespace'],
  ])('refuses an id that is %s, without quoting it', (_name, id, reason) => {
    expect(() => segment(id, 'campaignId')).toThrow(new TypeError(reason));
  });
});

describe('unwrapEnvelope', () => {
  it('returns data of a Koa envelope', () => {
    expect(unwrapEnvelope({ data: { a: 1 }, meta: { timestamp: 't' } })).toEqual({ a: 1 });
    expect(unwrapEnvelope({ data: [1, 2] })).toEqual([1, 2]);
  });

  it('returns other bodies unchanged', () => {
    const page = { data: [1], total: 1, limit: 50, offset: 0 };
    expect(unwrapEnvelope(page)).toBe(page);
    expect(unwrapEnvelope([1])).toEqual([1]);
    expect(unwrapEnvelope('text')).toBe('text');
    expect(unwrapEnvelope(undefined)).toBeUndefined();
  });
});

describe('extractServiceError', () => {
  it('reads message and code of { error }', () => {
    expect(extractServiceError({ error: { status: 400, message: 'bad count', code: 'invalidCount' } })).toEqual({
      message: 'bad count',
      code: 'invalidCount',
    });
    expect(extractServiceError({ error: 'plain' })).toEqual({ message: 'plain' });
    expect(extractServiceError({ message: 'no envelope' })).toBeUndefined();
  });
});

describe('createServiceClient', () => {
  it('sends JSON with correlation id, traceparent and bearer token to baseUrl + path + query', async () => {
    const { client, calls } = clientWith([() => json(200, { data: { ok: true }, meta: {} })], {
      getToken: async () => 'the.jwt.token',
    });
    const result = await runWithContext({ worker: 'saveEntries', correlationId: 'corr-1' }, () =>
      client.request('POST', '/v2/entries', { body: { entries: [] }, query: { dry: true } }),
    );
    expect(result).toEqual({ ok: true });
    const { url, init } = calls[0];
    expect(url).toBe('http://entries.test/base/v2/entries?dry=true');
    const headers = init.headers as Record<string, string>;
    expect(headers.authorization).toBe('Bearer the.jwt.token');
    expect(headers['x-correlation-id']).toBe('corr-1');
    expect(headers['content-type']).toBe('application/json');
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(init.body).toBe('{"entries":[]}');
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  it('sends no Authorization header without getToken', async () => {
    const { client, calls } = clientWith([() => json(200, {})]);
    await client.request('GET', '/x');
    expect((calls[0].init.headers as Record<string, string>).authorization).toBeUndefined();
  });

  it('retries 503 with jittered backoff and returns the later success', async () => {
    const { client, calls, delays } = clientWith([
      () => json(503, { error: { message: 'busy' } }),
      () => json(503, {}),
      () => json(200, { data: 7 }),
    ]);
    await expect(client.request('GET', '/x')).resolves.toBe(7);
    expect(calls).toHaveLength(3);
    expect(delays).toEqual([50, 100]);
  });

  it('throws a retryable ServiceError after retries + 1 attempts', async () => {
    const { client, calls } = clientWith([
      () => json(503, { error: { status: 503, message: 'Mongo unavailable', code: 'dbDown' } }),
    ]);
    const error = (await client.request('POST', '/v2/entries').catch((e: unknown) => e)) as ServiceError;
    expect(error).toBeInstanceOf(ServiceError);
    expect(calls).toHaveLength(3);
    expect(error).toMatchObject({
      service: 'entries',
      method: 'POST',
      path: '/v2/entries',
      status: 503,
      retryable: true,
      attempts: 3,
      serviceError: { message: 'Mongo unavailable', code: 'dbDown' },
    });
    expect(error.message).toBe('entries POST /v2/entries failed with 503 after 3 attempts: Mongo unavailable (dbDown)');
  });

  it('quotes a long path and what the service echoed only in bounded excerpts', async () => {
    const echoed = 'x'.repeat(1024 * 1024);
    const { client } = clientWith([() => json(400, { error: { message: echoed, code: echoed } })]);
    const path = `/${'p'.repeat(10_000)}/entries`;
    const error = (await client.request('GET', path).catch((e: unknown) => e)) as ServiceError;
    expect(error.path).toBe(path);
    expect(
      error.message.startsWith(
        `entries GET /${'p'.repeat(MAX_QUOTED_PATH - 1)}…(+${path.length - MAX_QUOTED_PATH} chars) failed with 400`,
      ),
    ).toBe(true);
    expect(error.message.length).toBeLessThan(MAX_QUOTED_PATH + 2 * MAX_QUOTED_DETAIL + 150);
  });

  it.each([400, 401, 403, 404, 409, 422])('does not retry %i', async (status) => {
    const { client, calls } = clientWith([() => json(status, { error: { status, message: 'nope', code: 'bad' } })]);
    const error = (await client.request('GET', '/x').catch((e: unknown) => e)) as ServiceError;
    expect(calls).toHaveLength(1);
    expect(error).toMatchObject({ status, retryable: false, attempts: 1 });
    expect(error.message).toBe(`entries GET /x failed with ${status} after 1 attempt: nope (bad)`);
  });

  it('honours Retry-After on 429, capped by backoffMaxMs', async () => {
    const { client, delays } = clientWith([
      () => json(429, {}, { 'retry-after': '0.3' }),
      () => json(429, {}, { 'retry-after': '120' }),
      () => json(200, { data: 'done' }),
    ]);
    await expect(client.request('GET', '/x')).resolves.toBe('done');
    expect(delays).toEqual([300, 1000]);
  });

  it('retries network errors and reports them without a status', async () => {
    const fail = () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
      });
    };
    const { client, calls } = clientWith([fail]);
    const error = (await client.request('GET', '/x').catch((e: unknown) => e)) as ServiceError;
    expect(calls).toHaveLength(3);
    expect(error.status).toBeUndefined();
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      'entries GET /x failed with network error after 3 attempts: fetch failed (other side closed UND_ERR_SOCKET)',
    );
  });

  it('treats a timeout as retryable', async () => {
    const timeout = () => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    };
    const { client, calls } = clientWith([timeout], { retries: 1 });
    const error = (await client.request('GET', '/x').catch((e: unknown) => e)) as ServiceError;
    expect(calls).toHaveLength(2);
    expect(error).toMatchObject({ status: undefined, retryable: true, attempts: 2 });
    expect(error.message).toBe('entries GET /x failed with timeout after 2 attempts: no response within 1000 ms');
  });

  it('returns a body without envelope as is, and undefined for an empty body', async () => {
    const { client } = clientWith([() => json(200, { upsertedCount: 1 }), () => new Response(null, { status: 204 })]);
    await expect(client.request('POST', '/a')).resolves.toEqual({ upsertedCount: 1 });
    await expect(client.request('POST', '/b')).resolves.toBeUndefined();
  });

  it('accepts listed non-2xx statuses and returns the status with send', async () => {
    const { client } = clientWith([() => json(404, { error: { message: 'missing' } })]);
    await expect(client.send('GET', '/c', { expectedStatuses: [200, 404] })).resolves.toEqual({
      status: 404,
      data: { error: { message: 'missing' } },
    });
  });

  it('refuses a 2xx that is not valid JSON, without retrying', async () => {
    const { client, calls } = clientWith([() => new Response('<html>', { status: 200 })]);
    await expect(client.request('GET', '/x')).rejects.toThrow(
      'entries GET /x failed with 200 after 1 attempt: response body is not valid JSON',
    );
    expect(calls).toHaveLength(1);
  });

  it('refuses bodies over the size limit, declared or streamed', async () => {
    const big = 'x'.repeat(2048);
    const { client } = clientWith(
      [() => json(200, { data: big }), () => new Response(new Blob([`"${big}"`]).stream(), { status: 200 })],
      { maxResponseBytes: 1024 },
    );
    await expect(client.request('GET', '/declared')).rejects.toThrow(/exceeds the 1024-byte limit/);
    const error = (await client.request('GET', '/streamed').catch((e: unknown) => e)) as ServiceError;
    expect(error.message).toMatch(/exceeds the 1024-byte limit/);
    expect(error.retryable).toBe(false);
  });

  it('logs each retry as a warning', async () => {
    const warnings: unknown[] = [];
    const log = {
      warn: (m: string, d?: unknown) => warnings.push({ m, d }),
      error: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      child: () => log,
    };
    const { client } = clientWith([() => json(502, {}), () => json(200, {})], { log });
    await client.request('GET', '/x');
    expect(warnings).toEqual([
      {
        m: 'service call failed; retrying',
        d: expect.objectContaining({ service: 'entries', attempt: 1, status: 502, delayMs: 50 }),
      },
    ]);
  });
});

describe('tracing', () => {
  // The OpenTelemetry SDK (a devDependency) records the spans, as the ADOT layer would on Lambda.
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor({ exporter });
  beforeAll(() => {
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [processor] }));
  });
  afterAll(() => trace.disable());

  it('opens one span per call with service, method, path, status and attempts', async () => {
    const { client } = clientWith([() => json(503, {}), () => json(201, { data: {} })]);
    await client.request('POST', '/v2/entries');
    await processor.forceFlush();
    expect(
      exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, ended: s.ended })),
    ).toEqual([
      {
        name: 'entries POST',
        attributes: { service: 'entries', method: 'POST', path: '/v2/entries', status: 201, attempts: 2 },
        ended: true,
      },
    ]);
  });
});
