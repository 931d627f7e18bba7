import { idProblem } from '../domain/ids';
import type { Logger } from '../runtime/logger';
import { truncateText } from '../runtime/logger';
import { getCorrelationId } from '../runtime/context';
import { traceHeaders, withSpan } from '../runtime/tracing';
import { backoffDelay } from '../util/backoff';

export type ServiceName = 'entries' | 'users' | 'campaigns' | 'codes' | 'exports';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];
export type Query = Record<string, QueryValue>;

/** Largest response body read before the call is refused (10 MiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

export interface ServiceClientOptions {
  service: ServiceName;
  /** Base URL of the service, optionally with a path prefix (`https://host/entries`). */
  baseUrl: string;
  /** Time allowed for one attempt, response body included. */
  timeoutMs: number;
  /** Retries after the first attempt: a call makes at most `retries + 1` attempts. */
  retries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Supplies the service JWT; without it no Authorization header is sent. */
  getToken?: () => Promise<string>;
  log?: Logger;
  fetchImpl?: typeof fetch;
  maxResponseBytes?: number;
  /** Waits between attempts; injectable so tests can see the delays without waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). */
  random?: () => number;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Statuses treated as success; default: any 2xx. */
  expectedStatuses?: readonly number[];
}

export interface ServiceResponse<T> {
  status: number;
  data: T;
}

export interface ServiceClient {
  readonly service: ServiceName;
  /** Calls the service and returns the unwrapped `data`. */
  request<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
  /** Calls the service and returns the status with the unwrapped `data`. */
  send<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<ServiceResponse<T>>;
}

interface ServiceErrorDetails {
  service: ServiceName;
  method: HttpMethod;
  path: string;
  status?: number;
  retryable: boolean;
  attempts: number;
  serviceError?: { message: string; code?: string };
  /** How a call without a status ended: `timeout` or `network error`. */
  outcome?: string;
  /** Detail when the service sent no error message: a status text, the network error. */
  reason: string;
  cause?: unknown;
}

/** A failed service call: what was called, how it ended, and whether trying again may help. */
export class ServiceError extends Error {
  readonly service: ServiceName;
  readonly method: HttpMethod;
  readonly path: string;
  /** HTTP status; undefined for network errors and timeouts. */
  readonly status?: number;
  readonly retryable: boolean;
  readonly attempts: number;
  /** The service's own `{ error: { message, code } }`, when it sent one. */
  readonly serviceError?: { message: string; code?: string };

  constructor(details: ServiceErrorDetails) {
    super(formatServiceErrorMessage(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ServiceError';
    this.service = details.service;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.retryable = details.retryable;
    this.attempts = details.attempts;
    this.serviceError = details.serviceError;
  }
}

/** Most characters of the path, and of the service's message and code, a ServiceError message quotes. */
export const MAX_QUOTED_PATH = 256;
export const MAX_QUOTED_DETAIL = 512;

/**
 * `entries POST /v2/entries failed with 503 after 3 attempts: <message>`. The path (bounded
 * anyway once `segment` refuses long ids) and what the service said are quoted only up to
 * MAX_QUOTED_PATH / MAX_QUOTED_DETAIL characters: a service echoing its input cannot make a log line huge.
 */
export function formatServiceErrorMessage(d: ServiceErrorDetails): string {
  const outcome = d.status === undefined ? (d.outcome ?? 'network error') : String(d.status);
  const detail = truncateText(d.serviceError?.message ?? d.reason, MAX_QUOTED_DETAIL);
  const code = d.serviceError?.code ? ` (${truncateText(d.serviceError.code, MAX_QUOTED_DETAIL)})` : '';
  const attempts = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
  return `${d.service} ${d.method} ${truncateText(d.path, MAX_QUOTED_PATH)} failed with ${outcome} after ${attempts}: ${detail}${code}`;
}

/** Milliseconds asked for by a `Retry-After` header (seconds or HTTP date), or undefined. */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) {
    return undefined;
  }
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    return Math.round(Number(trimmed) * 1000);
  }
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Query string for `query`: arrays joined with commas, booleans as text, null/undefined/[] skipped. */
export function encodeQuery(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) {
      continue;
    }
    if (Array.isArray(value)) {
      if (value.length > 0) {
        params.append(key, value.map(String).join(','));
      }
      continue;
    }
    params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The `data` of a Koa envelope `{ data, meta? }`; any other body is returned unchanged. */
export function unwrapEnvelope(body: unknown): unknown {
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'data' in body) {
    const keys = Object.keys(body);
    if (keys.every((k) => k === 'data' || k === 'meta')) {
      return (body as { data: unknown }).data;
    }
  }
  return body;
}

/** The service's `{ error: { message, code } }` from an error body, if present. */
export function extractServiceError(body: unknown): { message: string; code?: string } | undefined {
  if (body === null || typeof body !== 'object' || !('error' in body)) {
    return undefined;
  }
  const error = (body as { error: unknown }).error;
  if (typeof error === 'string') {
    return { message: error };
  }
  if (error === null || typeof error !== 'object') {
    return undefined;
  }
  const { message, code } = error as { message?: unknown; code?: unknown };
  return {
    message: typeof message === 'string' ? message : JSON.stringify(error),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/** Whether a response status is worth another attempt. */
export const isRetryableStatus = (status: number): boolean => status === 429 || status >= 500;

class ResponseTooLargeError extends Error {}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new ResponseTooLargeError(`response body of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
  }
  if (!response.body) {
    return '';
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ResponseTooLargeError(`response body exceeds the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') {
    return { ok: true, value: undefined };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Attempt<T> =
  | { kind: 'success'; status: number; data: T }
  | {
      kind: 'failure';
      status?: number;
      outcome?: string;
      retryable: boolean;
      reason: string;
      serviceError?: { message: string; code?: string };
      retryAfterMs?: number;
      cause?: unknown;
    };

// Duck-typed: errors thrown by fetch may come from another realm (jest, vm) and fail `instanceof Error`.
type ErrorLike = { name?: unknown; message?: unknown; cause?: unknown; code?: unknown };
const asErrorLike = (value: unknown): ErrorLike | undefined =>
  value !== null && typeof value === 'object' ? (value as ErrorLike) : undefined;

function isTimeout(error: unknown): boolean {
  const name = asErrorLike(error)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function networkReason(error: unknown): string {
  const e = asErrorLike(error);
  if (!e) {
    return String(error);
  }
  const cause = asErrorLike(e.cause);
  const code = cause?.code === undefined ? '' : ` ${String(cause.code)}`;
  return cause ? `${String(e.message)} (${String(cause.message)}${code})` : String(e.message);
}

/** A JSON HTTP client for one service: auth, correlation, tracing, timeouts, retries, envelope. */
export function createServiceClient(options: ServiceClientOptions): ServiceClient {
  const fetchImpl = options.fetchImpl ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const { service } = options;

  async function attemptOnce<T>(
    method: HttpMethod,
    url: string,
    headers: Record<string, string>,
    opts: RequestOptions,
  ): Promise<Attempt<T>> {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      return isTimeout(error)
        ? {
            kind: 'failure',
            outcome: 'timeout',
            retryable: true,
            reason: `no response within ${options.timeoutMs} ms`,
            cause: error,
          }
        : { kind: 'failure', outcome: 'network error', retryable: true, reason: networkReason(error), cause: error };
    }
    const { status } = response;
    let text: string;
    try {
      text = await readBounded(response, maxBytes);
    } catch (error) {
      if (error instanceof ResponseTooLargeError) {
        return { kind: 'failure', status, retryable: false, reason: error.message };
      }
      return isTimeout(error)
        ? {
            kind: 'failure',
            status,
            retryable: true,
            reason: `timeout reading the response (${options.timeoutMs} ms)`,
            cause: error,
          }
        : {
            kind: 'failure',
            status,
            retryable: true,
            reason: `network error reading the response: ${networkReason(error)}`,
            cause: error,
          };
    }
    const parsed = parseBody(text);
    const expected = opts.expectedStatuses ? opts.expectedStatuses.includes(status) : status >= 200 && status < 300;
    if (expected) {
      return parsed.ok
        ? { kind: 'success', status, data: unwrapEnvelope(parsed.value) as T }
        : { kind: 'failure', status, retryable: false, reason: 'response body is not valid JSON' };
    }
    const retryable = isRetryableStatus(status);
    return {
      kind: 'failure',
      status,
      retryable,
      reason: response.statusText || 'unexpected status',
      serviceError: parsed.ok ? extractServiceError(parsed.value) : undefined,
      retryAfterMs: retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined,
    };
  }

  async function send<T>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<ServiceResponse<T>> {
    return withSpan(`${service} ${method}`, { service, method, path }, async (span) => {
      const headers: Record<string, string> = {
        accept: 'application/json',
        'content-type': 'application/json',
        'x-correlation-id': getCorrelationId(),
        ...traceHeaders(),
      };
      if (options.getToken) {
        headers.authorization = `Bearer ${await options.getToken()}`;
      }
      const url = `${baseUrl}${path}${encodeQuery(opts.query)}`;
      const maxAttempts = Math.max(0, options.retries) + 1;
      for (let attempt = 1; ; attempt++) {
        const result = await attemptOnce<T>(method, url, headers, opts);
        if (result.status !== undefined) {
          span.setAttribute('status', result.status);
        }
        span.setAttribute('attempts', attempt);
        if (result.kind === 'success') {
          return { status: result.status, data: result.data };
        }
        if (!result.retryable || attempt >= maxAttempts) {
          const { status, outcome, retryable, reason, serviceError, cause } = result;
          throw new ServiceError({
            service,
            method,
            path,
            attempts: attempt,
            status,
            outcome,
            retryable,
            reason,
            serviceError,
            cause,
          });
        }
        const delayMs =
          result.retryAfterMs === undefined
            ? backoffDelay(attempt, options.backoffBaseMs, options.backoffMaxMs, random)
            : Math.min(result.retryAfterMs, options.backoffMaxMs);
        options.log?.warn('service call failed; retrying', {
          service,
          method,
          path,
          attempt,
          status: result.status,
          reason: result.reason,
          delayMs,
        });
        await sleep(delayMs);
      }
    });
  }

  return {
    service,
    send,
    request: async <T>(method: HttpMethod, path: string, opts?: RequestOptions) =>
      (await send<T>(method, path, opts)).data,
  };
}

/**
 * Encodes one path segment. Ids may come from user-controlled data and the workers check them
 * when they parse their input; this is the last line of defence: a value breaking the id rule
 * (`..`, a control character, over 128 characters; see domain/ids.ts) throws a TypeError naming
 * `field` before any request is made, so it can never leave its segment.
 * @example `/campaigns/${segment(campaignId, 'campaignId')}`
 */
export function segment(value: string, field = 'path segment'): string {
  const problem = idProblem(value, field);
  if (problem !== undefined) {
    throw new TypeError(problem);
  }
  return encodeURIComponent(value);
}

/** `/<campaignId>`, the path most service calls start with, encoded by `segment`. */
export const campaignPath = (campaignId: string): string => `/${segment(campaignId, 'campaignId')}`;
