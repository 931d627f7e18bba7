/**
 * The request pipeline of a fake server. A control request (`/_fake/...`) is answered at once;
 * any other is logged → dropped → delayed → injected failure → auth → route.
 */
import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FakeControls, FakeDefinition, FakeRequest, FakeResponse, RecordedRequest, Route } from '../server';
import { authorize } from './auth';
import { handleControl } from './control';
import type { Faults } from './faults';
import { delay, takeDrop, takeFailure } from './faults';
import { FakeHttpError, matchPattern, parseBody, readBodyText, send } from './wire';

/** Renders an error in the fake's own shape. */
export type ErrorBody = NonNullable<FakeDefinition['errorBody']>;

/** Everything one fake server works on; built by `createFakeServer`. */
export interface ServerContext {
  readonly def: FakeDefinition;
  readonly requests: RecordedRequest[];
  readonly faults: Faults;
  /** Timers of delayed requests, cancelled by `stop()`. */
  readonly timers: Set<NodeJS.Timeout>;
  /** The key bearer tokens are verified with, if any. */
  readonly publicKey?: KeyObject;
  readonly errorBody: ErrorBody;
  /** The listening server, between `start()` and `stop()`. */
  server?: Server;
  /** URL once started. */
  url: string;
}

const CONTROL_PREFIX = '/_fake/';

/** Handles one request to the fake and writes its response (or drops its connection). */
export async function handleRequest(
  ctx: ServerContext,
  controls: FakeControls,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const read = await readRequest(req);
  if (read instanceof FakeHttpError) {
    return send(res, ctx.errorBody(read.status, read.code, read.message));
  }
  const { request, invalidJson } = read;
  const { method, path, body } = request;
  if (path.startsWith(CONTROL_PREFIX)) {
    return send(res, await handleControl(ctx, controls, method, path.slice(CONTROL_PREFIX.length), body));
  }
  ctx.requests.push(request);
  if (takeDrop(ctx.faults)) {
    req.socket.destroy();
    return;
  }
  if (ctx.faults.latencyMs > 0) {
    await delay(ctx.timers, ctx.faults.latencyMs);
  }
  const injected = takeFailure(ctx.faults, path, ctx.errorBody);
  if (injected) {
    return send(res, injected);
  }
  if (invalidJson) {
    return send(res, ctx.errorBody(400, 'invalidJson', 'request body is not valid JSON'));
  }
  return send(res, await route(ctx, request));
}

/**
 * Method, path, query, headers and body of `req` (as the request log holds them), with
 * `invalidJson` when there is a body that is not JSON; or the error to answer when the body
 * cannot be read.
 */
async function readRequest(
  req: IncomingMessage,
): Promise<{ request: RecordedRequest; invalidJson: boolean } | FakeHttpError> {
  const parsed = new URL(req.url ?? '/', 'http://fake');
  const method = req.method ?? 'GET';
  const path = parsed.pathname;
  const query = Object.fromEntries(parsed.searchParams.entries());
  const text = await readBodyText(req);
  if (text instanceof FakeHttpError) {
    return text;
  }
  const { body, invalidJson } = parseBody(text);
  return { request: { method, path, query, headers: req.headers, body }, invalidJson };
}

/** The response of the first route matching the method and path; 404 when none does. */
async function route(ctx: ServerContext, request: RecordedRequest): Promise<FakeResponse> {
  const { method, path, query, headers, body } = request;
  for (const r of ctx.def.routes) {
    const params = r.method === method ? matchPattern(r.pattern, path) : undefined;
    if (params) {
      return runRoute(ctx, r, { method, path, params, query, headers, body });
    }
  }
  return ctx.errorBody(404, 'notFound', `no route ${method} ${path}`);
}

/** Checks auth, then runs the route's handler; a `FakeHttpError` it throws becomes an error response. */
async function runRoute(ctx: ServerContext, r: Route, req: FakeRequest): Promise<FakeResponse> {
  const denied = authorize(req, ctx.def.auth, ctx.publicKey, ctx.errorBody);
  if (denied) {
    return denied;
  }
  try {
    return await r.handle(req);
  } catch (error) {
    if (error instanceof FakeHttpError) {
      return ctx.errorBody(error.status, error.code, error.message);
    }
    throw error;
  }
}
