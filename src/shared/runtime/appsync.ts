import type { Context } from 'aws-lambda';
import { parseJsonBounded } from './errors';
import type { AdapterOptions, WorkerContext } from './invocation';
import { runInvocation } from './invocation';

export interface AppSyncWorkerDefinition<O> extends AdapterOptions {
  process: (payload: unknown, ctx: WorkerContext) => Promise<O>;
  /** The answer returned to AppSync when anything throws; an AppSync function never sees an exception. */
  onError: (error: unknown) => O;
  summary?: (output: O) => Record<string, unknown>;
}

/**
 * The payload of an AppSync pipeline-function invocation: `event.body` (object or JSON string)
 * when the request mapping sets it, else `event.arguments.input`, else `event.arguments`.
 */
export function appSyncPayload(event: unknown): unknown {
  const e = (event ?? {}) as { body?: unknown; arguments?: { input?: unknown } };
  if (typeof e.body === 'string') {
    return parseJsonBounded(e.body, 'AppSync body');
  }
  if (e.body !== undefined) {
    return e.body;
  }
  return e.arguments?.input ?? e.arguments;
}

/** Lambda handler for an AppSync pipeline function: never throws, maps errors through `onError`. */
export function appSyncHandler<O>(def: AppSyncWorkerDefinition<O>) {
  return async (event: unknown, context?: Context): Promise<O> => {
    try {
      return await runInvocation(
        def,
        event,
        context,
        async (ctx) => def.process(appSyncPayload(event), ctx),
        def.summary,
      );
    } catch (error) {
      // runInvocation has logged the error with the correlation id.
      return def.onError(error);
    }
  };
}
