import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { ServerContext } from './http/dispatch';
import { handleRequest } from './http/dispatch';
import { clearFaults, createFaults, queueFailure } from './http/faults';
import { FakeHttpError, send } from './http/wire';

export { FakeHttpError } from './http/wire';
export { verifyRs256 } from './http/auth';

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

/**
 * Request line plus headers a fake accepts (8 KiB, the common limit of servers and proxies in
 * front of the real services); more is answered 431 by Node before any route or request log.
 */
export const MAX_REQUEST_HEADER_BYTES = 8 * 1024;

/** Builds a fake HTTP service from a definition: routing, auth, request log and failure injection. */
export function createFakeServer(def: FakeDefinition): FakeControls {
  return createControls({
    def,
    requests: [],
    faults: createFaults(),
    timers: new Set(),
    publicKey: typeof def.publicKey === 'string' ? createPublicKey(def.publicKey) : def.publicKey,
    errorBody: def.errorBody ?? koaError,
    url: '',
  });
}

/** The controls of a fake server; its `/_fake/...` control requests go through them too. */
function createControls(ctx: ServerContext): FakeControls {
  const { def, faults } = ctx;
  const controls: FakeControls = {
    name: def.name,
    get url() {
      return ctx.url;
    },
    requests: ctx.requests,
    failNext(rule) {
      queueFailure(faults, rule);
    },
    setLatency(ms) {
      faults.latencyMs = Math.max(0, ms);
    },
    dropConnections(count) {
      faults.drops += Math.max(0, count);
    },
    clearFailures() {
      clearFaults(faults);
      def.clearFailures?.();
    },
    reset() {
      controls.clearFailures();
      ctx.requests.length = 0;
      def.resetState();
    },
    start: () => startServer(ctx, controls),
    stop: () => stopServer(ctx),
  };
  return controls;
}

/** Listens on a free port of 127.0.0.1 (once; a second start returns the running server's URL). */
async function startServer(
  ctx: ServerContext,
  controls: FakeControls,
): Promise<{ url: string; stop: () => Promise<void> }> {
  if (ctx.server) {
    return { url: ctx.url, stop: controls.stop };
  }
  ctx.server = createServer({ maxHeaderSize: MAX_REQUEST_HEADER_BYTES }, (req, res) => {
    handleRequest(ctx, controls, req, res).catch((error: unknown) =>
      send(res, ctx.errorBody(500, 'fakeError', (error as Error).message)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    ctx.server!.once('error', reject);
    ctx.server!.listen(0, '127.0.0.1', () => resolve());
  });
  ctx.url = `http://127.0.0.1:${(ctx.server.address() as AddressInfo).port}`;
  return { url: ctx.url, stop: controls.stop };
}

/** Cancels pending delays, closes every connection and stops listening. */
async function stopServer(ctx: ServerContext): Promise<void> {
  for (const timer of ctx.timers) {
    clearTimeout(timer);
  }
  ctx.timers.clear();
  const s = ctx.server;
  ctx.server = undefined;
  if (s) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
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
