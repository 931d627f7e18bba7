import type { Context } from 'aws-lambda';
import { InvalidInputError } from './errors';
import type { AdapterOptions, WorkerContext } from './invocation';
import { runInvocation } from './invocation';

export interface InvokeWorkerDefinition<I, O> extends AdapterOptions {
  /** Validates the raw event; throws InvalidInputError with a clear message when it is not usable. */
  parse: (event: unknown) => I;
  process: (input: I, ctx: WorkerContext) => Promise<O>;
  summary?: (output: O) => Record<string, unknown>;
}

/**
 * Lambda handler for direct and Step Functions invocations: the output is returned as is, and
 * any error is logged and rethrown so the caller (or the state machine) records the failure.
 */
export function invokeHandler<I, O>(def: InvokeWorkerDefinition<I, O>) {
  return async (event: unknown, context?: Context): Promise<O> =>
    runInvocation(def, event, context, async (ctx) => def.process(def.parse(event), ctx), def.summary);
}

/** Lambda handler for an EventBridge scheduled rule; errors are rethrown so Lambda retries and alarms see them. */
export function scheduleHandler<O>(
  def: AdapterOptions & {
    process: (input: { time: string; rule?: string }, ctx: WorkerContext) => Promise<O>;
    summary?: (output: O) => Record<string, unknown>;
  },
) {
  return async (event: unknown, context?: Context): Promise<O> =>
    runInvocation(
      def,
      event,
      context,
      async (ctx) => {
        const e = (event ?? {}) as { time?: unknown; resources?: unknown };
        const time =
          typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time)) ? e.time : new Date().toISOString();
        const rule = Array.isArray(e.resources) && typeof e.resources[0] === 'string' ? e.resources[0] : undefined;
        return def.process({ time, rule }, ctx);
      },
      def.summary,
    );
}

/** Requires `event` to be a plain object; the usual first step of a `parse` function. */
export function requireObject(event: unknown, what = 'input'): Record<string, unknown> {
  if (!event || typeof event !== 'object' || Array.isArray(event)) {
    throw new InvalidInputError(`${what} must be a JSON object`);
  }
  return event as Record<string, unknown>;
}
