import { getConfig } from '../../../shared/config';
import { invokeHandler } from '../../../shared/runtime';
import { marketStore } from '../common/wiring';
import { getMarketsToNotify, parseGetMarketsInput } from './getMarketsToNotify';

/** Direct invocation (notificationGenerator) and notification-step-fn task. */
export const handler = invokeHandler({
  worker: 'getMarketsToNotify',
  parse: parseGetMarketsInput,
  process: async (input, ctx) =>
    getMarketsToNotify(input, { store: await marketStore(), settings: getConfig().notifications, now: () => new Date(), log: ctx.log }),
  summary: (out) => ({ mode: out.mode, markets: out.markets.length, cleared: out.clearedCount }),
});
