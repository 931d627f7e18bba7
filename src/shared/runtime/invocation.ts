import type { Context } from 'aws-lambda';
import { getConfig } from '../config';
import type { InvocationContext } from './context';
import { runWithContext, newCorrelationId } from './context';
import { isExpectedRejection, withoutStackFrames } from './errors';
import type { Logger, LogLevel } from './logger';
import { createLogger, formatError } from './logger';
import { continuedContext, traceparentOf, usableCorrelationId, withSpan } from './tracing';

/** What every worker's logic receives besides its input. */
export interface WorkerContext {
  worker: string;
  log: Logger;
  correlationId: string;
  /** Milliseconds left before Lambda stops the invocation (Infinity outside Lambda). */
  remainingTimeMs(): number;
}

/** Options shared by every trigger adapter. */
export interface AdapterOptions {
  worker: string;
  /** Logger to use; defaults to a JSON logger configured from `logging` in config. */
  log?: Logger;
}

/**
 * The logger of a worker, configured from `logging` in the configuration. When the
 * configuration itself is broken the logger falls back to defaults and says why, so the
 * invocation's failure still reaches the logs.
 */
export function workerLogger(worker: string): Logger {
  const tag = `reg-workers:${worker}`;
  const level = process.env.LOG_LEVEL as LogLevel | undefined;
  try {
    const { logging } = getConfig();
    return createLogger({ tag, level: level ?? logging.level, secretKeys: logging.secretKeys });
  } catch (error) {
    const log = createLogger({ tag, level });
    log.error('configuration could not be loaded; logging with defaults', { error: formatError(error) });
    return log;
  }
}

/** Correlation id of an incoming event: an explicit one when the caller sent it, else a new one. */
export function correlationIdOf(event: unknown): string {
  if (event && typeof event === 'object') {
    const e = event as Record<string, unknown>;
    const headers = e.headers as Record<string, unknown> | undefined;
    const candidate = usableCorrelationId(
      e.correlationId ?? headers?.['x-correlation-id'] ?? headers?.['X-Correlation-Id'],
    );
    if (candidate !== undefined) {
      return candidate;
    }
  }
  return newCorrelationId();
}

/**
 * The trace an event names: the `traceparent` field of a direct or Step Functions input, else the
 * `traceparent` request header of an AppSync or HTTP-style event. Batch events name none: their
 * records carry their own (startRecordSpans).
 */
export function traceparentOfEvent(event: unknown): unknown {
  if (!event || typeof event !== 'object') {
    return undefined;
  }
  const e = event as { traceparent?: unknown; headers?: unknown; request?: { headers?: unknown } };
  const headers = (e.headers ?? e.request?.headers) as Record<string, unknown> | undefined;
  return e.traceparent ?? (headers && typeof headers === 'object' ? headers.traceparent : undefined);
}

/**
 * Runs one invocation: sets the correlation context, opens a span (continuing the trace the event
 * names, else a new one; a malformed traceparent is logged, never fatal), times it and logs one
 * summary line (the `summary` callback supplies the counts). Errors are logged and rethrown:
 * an expected rejection (InvalidInputError, RejectedRecordError: the caller's fault) at warn
 * with its name and message, anything else (a fault of ours) at error with its stack. The
 * rethrown error keeps its class, name and message but carries no stack frames, so the Invoke
 * error answer (errorType, errorMessage, trace) shows no source paths; the stack of an
 * unexpected error is in the error line, found by the correlation id.
 */
export async function runInvocation<T>(
  options: AdapterOptions,
  event: unknown,
  lambdaContext: Context | undefined,
  fn: (ctx: WorkerContext) => Promise<T>,
  summary: (result: T) => Record<string, unknown> = () => ({}),
): Promise<T> {
  const correlationId = correlationIdOf(event);
  const awsRequestId = lambdaContext?.awsRequestId;
  const invocation: InvocationContext = { worker: options.worker, correlationId, awsRequestId };
  return runWithContext(invocation, async () => {
    const log = options.log ?? workerLogger(options.worker);
    const { parent } = continuedContext(traceparentOfEvent(event), log, { worker: options.worker });
    const started = performance.now();
    const ctx: WorkerContext = {
      worker: options.worker,
      log,
      correlationId,
      remainingTimeMs: () => lambdaContext?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
    };
    return withSpan(
      `worker ${options.worker}`,
      { 'worker.name': options.worker, 'correlation.id': correlationId, 'faas.execution': awsRequestId ?? '' },
      async (span) => {
        invocation.traceparent = traceparentOf(span);
        try {
          const result = await fn(ctx);
          log.info('invocation finished', {
            worker: options.worker,
            durationMs: Math.round(performance.now() - started),
            ...summary(result),
          });
          return result;
        } catch (error) {
          const durationMs = Math.round(performance.now() - started);
          if (isExpectedRejection(error)) {
            log.warn('invocation failed', {
              worker: options.worker,
              durationMs,
              error: { name: error.name, message: error.message },
            });
          } else {
            log.error('invocation failed', { worker: options.worker, durationMs, error: formatError(error) });
          }
          throw withoutStackFrames(error);
        }
      },
      { parent },
    );
  });
}
