import { getConfig } from '../../../shared/config';
import { currentTrace, invokeHandler } from '../../../shared/runtime';
import { marketStore } from '../shared/wiring';
import { getMarketsToNotify, parseGetMarketsInput } from './getMarketsToNotify';

/**
 * Direct invocation (notificationGenerator) and notification-step-fn task. The answer carries its
 * trace: the state machine hands it to planSends as its input, which continues that trace.
 */
export const handler = invokeHandler({
  worker: 'getMarketsToNotify',
  parse: parseGetMarketsInput,
  process: async (input, ctx) => ({
    ...(await getMarketsToNotify(input, {
      store: await marketStore(),
      settings: getConfig().notifications,
      now: () => new Date(),
      log: ctx.log,
    })),
    traceparent: currentTrace().traceparent,
  }),
  summary: (out) => ({ mode: out.mode, markets: out.markets.length, cleared: out.clearedCount }),
});
