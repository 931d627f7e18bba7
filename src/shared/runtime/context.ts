import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Per-invocation (or per-record) context carried implicitly through async calls. */
export interface InvocationContext {
  worker: string;
  correlationId: string;
  awsRequestId?: string;
  /** The trace the work continues (W3C traceparent), for when no OpenTelemetry SDK keeps the active span. */
  traceparent?: string;
}

const storage = new AsyncLocalStorage<InvocationContext>();

/** Runs `fn` with `ctx` as the current invocation context. */
export function runWithContext<T>(ctx: InvocationContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The current invocation context, if any. */
export function currentContext(): InvocationContext | undefined {
  return storage.getStore();
}

/** The current correlation id, or a fresh one when called outside an invocation. */
export function getCorrelationId(): string {
  return storage.getStore()?.correlationId ?? randomUUID();
}

/** A new correlation id (UUID v4). */
export const newCorrelationId = (): string => randomUUID();
