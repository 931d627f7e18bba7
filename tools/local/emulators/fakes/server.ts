import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { createPublicKey, verify } from 'node:crypto';

/** One request a fake received (control requests under `/_fake` are not logged). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface FailureRule {
  status: number;
  /** How many matching requests fail (default 1). */
  count?: number;
  /** Only requests whose path equals this string or matches this pattern. */
  path?: string | RegExp;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What a route handler sees. */
export interface FakeRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Claims of the verified bearer token (when the fake verifies tokens). */
  claims?: Record<string, unknown>;
}

/** What a route handler returns: a status, a JSON body (or text) and headers. */
export interface FakeResponse {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** Thrown by handlers for a client error; rendered in the fake's error shape. */
export class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Route {
  method: string;
  /** Path pattern with `:name` segments, e.g. `/:campaignId/entries/codes`. */
  pattern: string;
  handle(req: FakeRequest): FakeResponse | Promise<FakeResponse>;
}

export interface FakeDefinition {
  name: string;
  routes: Route[];
  /** Auth check: `bearer` requires any bearer token (verified when a public key is given); `none` skips it. */
  auth: 'bearer' | 'none';
  publicKey?: string | KeyObject;
  /** Error body in the service's own shape. */
  errorBody?: (status: number, code: string, message: string) => FakeResponse;
  /** Fake-specific state for `GET /_fake/state`. */
  state(): unknown;
  /** Clears fake-specific state. */
  resetState(): void;
  /** Ends fake-specific failures (such as `failUsers`) and keeps the state. */
  clearFailures?(): void;
  /** Fake-specific control actions, exposed as `POST /_fake/<name>` with a JSON body. */
  actions?: Record<string, (body: unknown) => unknown>;
}

/** The controls every fake has, in process and over HTTP under `/_fake/...`. */
export interface FakeControls {
  readonly name: string;
  /** URL once started. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  start(): Promise<{ url: string; stop: () => Promise<void> }>;
  stop(): Promise<void>;
  failNext(rule: FailureRule): void;
  setLatency(ms: number): void;
  dropConnections(count: number): void;
  /** Ends injected failures (fake-specific ones too), latency and pending drops; keeps state and requests. */
  clearFailures(): void;
  /** Clears state, requests, failures, latency and drops. */
  reset(): void;
}

/** Koa-style envelope of a successful response. */
export function ok(req: FakeRequest, data: unknown, status = 200): FakeResponse {
  return {
    status,
    body: {
      data,
      meta: { timestamp: new Date().toISOString(), correlationId: req.headers['x-correlation-id'] ?? null },
    },
  };
}

/** Koa-style error body `{ error: { status, message, code } }`. */
export const koaError = (status: number, code: string, message: string): FakeResponse => ({
  status,
  body: { error: { status, message, code } },
});

const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/**
 * Request line plus headers a fake accepts (8 KiB, the common limit of servers and proxies in
 * front of the real services); more is answered 431 by Node before any route or request log.
 */
export const MAX_REQUEST_HEADER_BYTES = 8 * 1024;

function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      params[want[i].slice(1)] = decodeURIComponent(got[i]);
    } else if (want[i] !== got[i]) {
      return undefined;
    }
  }
  return params;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new FakeHttpError(413, 'payloadTooLarge', `request body over ${MAX_REQUEST_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Verifies an RS256 JWT with `key`; returns its claims or a reason it is not acceptable. */
export function verifyRs256(
  token: string,
  key: KeyObject,
  nowSeconds = Math.floor(Date.now() / 1000),
): { claims: Record<string, unknown> } | { reason: string } {
  const parts = token.split('.');
  if (parts.length !== 3) {
    return { reason: 'token is not a compact JWT' };
  }
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: string };
    if (header.alg !== 'RS256') {
      return { reason: `unexpected alg ${header.alg}` };
    }
    if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], 'base64url'))) {
      return { reason: 'bad signature' };
    }
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) {
      return { reason: 'token expired' };
    }
    return { claims };
  } catch {
    return { reason: 'malformed token' };
  }
}

const toRegExp = (path: string | RegExp | undefined, pathPattern?: string): string | RegExp | undefined =>
  pathPattern ? new RegExp(pathPattern) : path;

/** Builds a fake HTTP service from a definition: routing, auth, request log and failure injection. */
export function createFakeServer(def: FakeDefinition): FakeControls {
  const requests: RecordedRequest[] = [];
  let failures: (FailureRule & { remaining: number })[] = [];
  let latencyMs = 0;
  let drops = 0;
  let url = '';
  let server: ReturnType<typeof createServer> | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const publicKey = typeof def.publicKey === 'string' ? createPublicKey(def.publicKey) : def.publicKey;
  const errorBody = def.errorBody ?? koaError;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const controls: FakeControls = {
    name: def.name,
    get url() {
      return url;
    },
    requests,
    failNext(rule) {
      failures.push({ ...rule, remaining: rule.count ?? 1 });
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    dropConnections(count) {
      drops += Math.max(0, count);
    },
    clearFailures() {
      failures = [];
      latencyMs = 0;
      drops = 0;
      def.clearFailures?.();
    },
    reset() {
      controls.clearFailures();
      requests.length = 0;
      def.resetState();
    },
    async start() {
      if (server) {
        return { url, stop: controls.stop };
      }
      server = createServer({ maxHeaderSize: MAX_REQUEST_HEADER_BYTES }, (req, res) => {
        handle(req, res).catch((error: unknown) => send(res, errorBody(500, 'fakeError', (error as Error).message)));
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(0, '127.0.0.1', () => resolve());
      });
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return { url, stop: controls.stop };
    },
    async stop() {
      for (const timer of timers) {
        clearTimeout(timer);
      }
      timers.clear();
      const s = server;
      server = undefined;
      if (s) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };

  function send(res: ServerResponse, response: FakeResponse): void {
    if (res.destroyed || res.headersSent) {
      return;
    }
    const headers: Record<string, string> = { ...response.headers };
    let payload = '';
    if (response.text !== undefined) {
      payload = response.text;
      headers['content-type'] ??= 'text/plain';
    } else if (response.body !== undefined) {
      payload = JSON.stringify(response.body);
      headers['content-type'] ??= 'application/json';
    }
    res.writeHead(response.status, headers);
    res.end(payload);
  }

  async function handleControl(method: string, action: string, body: unknown): Promise<FakeResponse> {
    const b = (body ?? {}) as Record<string, unknown>;
    if (method === 'GET' && action === 'state') {
      return {
        status: 200,
        body: {
          state: def.state(),
          requests,
          latencyMs,
          pendingDrops: drops,
          pendingFailures: failures.map(({ remaining, status, path }) => ({
            remaining,
            status,
            path: String(path ?? ''),
          })),
        },
      };
    }
    if (method === 'GET' && action === 'requests') {
      return { status: 200, body: requests };
    }
    if (method !== 'POST') {
      return errorBody(404, 'notFound', `no control ${method} /_fake/${action}`);
    }
    switch (action) {
      case 'fail':
        if (typeof b.status !== 'number') {
          return errorBody(400, 'invalidFailure', 'status (number) is required');
        }
        controls.failNext({
          status: b.status,
          count: b.count as number | undefined,
          path: toRegExp(b.path as string | undefined, b.pathPattern as string | undefined),
          body: b.body,
          headers: b.headers as Record<string, string> | undefined,
        });
        return { status: 204 };
      case 'latency':
        controls.setLatency(Number(b.ms ?? 0));
        return { status: 204 };
      case 'drop':
        controls.dropConnections(Number(b.count ?? 1));
        return { status: 204 };
      case 'clear-failures':
        controls.clearFailures();
        return { status: 204 };
      case 'reset':
        controls.reset();
        return { status: 204 };
      default: {
        const custom = def.actions?.[action];
        if (!custom) {
          return errorBody(404, 'notFound', `no control POST /_fake/${action}`);
        }
        try {
          return { status: 200, body: { data: (await custom(body)) ?? null } };
        } catch (error) {
          return errorBody(400, 'invalidControl', (error as Error).message);
        }
      }
    }
  }

  function authorize(req: FakeRequest): FakeResponse | undefined {
    if (def.auth === 'none') {
      return undefined;
    }
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer (\S+)$/.exec(header) : null;
    if (!match) {
      return errorBody(401, 'unauthorized', 'a Bearer token is required');
    }
    if (!publicKey) {
      return undefined;
    }
    const result = verifyRs256(match[1], publicKey);
    if ('reason' in result) {
      return errorBody(401, 'invalidToken', result.reason);
    }
    if (result.claims.isSupreme !== true) {
      return errorBody(403, 'supremeUserRequired', 'a supreme token is required');
    }
    req.claims = result.claims;
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = parsed.pathname;
    const query = Object.fromEntries(parsed.searchParams.entries());
    let text: string;
    try {
      text = await readBody(req);
    } catch (error) {
      const e = error instanceof FakeHttpError ? error : new FakeHttpError(400, 'badRequest', String(error));
      return send(res, errorBody(e.status, e.code, e.message));
    }
    let body: unknown;
    let invalidJson = false;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        invalidJson = true;
        body = text;
      }
    }

    if (path.startsWith('/_fake/')) {
      return send(res, await handleControl(method, path.slice('/_fake/'.length), body));
    }

    requests.push({ method, path, query, headers: req.headers, body });
    if (drops > 0) {
      drops--;
      req.socket.destroy();
      return;
    }
    if (latencyMs > 0) {
      await wait(latencyMs);
    }
    const rule = failures.find(
      (f) =>
        f.remaining > 0 && (f.path === undefined || (typeof f.path === 'string' ? f.path === path : f.path.test(path))),
    );
    if (rule) {
      rule.remaining--;
      failures = failures.filter((f) => f.remaining > 0);
      const injected =
        rule.body === undefined
          ? errorBody(rule.status, 'injected', `injected failure ${rule.status}`)
          : { status: rule.status, body: rule.body };
      return send(res, { ...injected, headers: { ...injected.headers, ...rule.headers } });
    }
    if (invalidJson) {
      return send(res, errorBody(400, 'invalidJson', 'request body is not valid JSON'));
    }

    for (const route of def.routes) {
      const params = route.method === method ? matchPattern(route.pattern, path) : undefined;
      if (!params) {
        continue;
      }
      const fakeReq: FakeRequest = { method, path, params, query, headers: req.headers, body };
      const denied = authorize(fakeReq);
      if (denied) {
        return send(res, denied);
      }
      try {
        return send(res, await route.handle(fakeReq));
      } catch (error) {
        if (error instanceof FakeHttpError) {
          return send(res, errorBody(error.status, error.code, error.message));
        }
        throw error;
      }
    }
    return send(res, errorBody(404, 'notFound', `no route ${method} ${path}`));
  }

  return controls;
}

/** Throws a 400 with `code` unless `condition` holds. */
export function check(condition: unknown, code: string, message: string): asserts condition {
  if (!condition) {
    throw new FakeHttpError(400, code, message);
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Adds fake-specific members to a fake's controls, keeping getters live. */
export function extendFake<T extends object>(controls: FakeControls, extras: T): FakeControls & T {
  return Object.defineProperties(controls, Object.getOwnPropertyDescriptors(extras)) as FakeControls & T;
}
