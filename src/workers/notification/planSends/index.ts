import { getConfig } from '../../../shared/config';
import { invokeHandler } from '../../../shared/runtime';
import { entryService } from '../../../shared/wiring/services';
import { marketStore } from '../common/wiring';
import { parsePlanSendsInput, planSends } from './planSends';

/** notification-step-fn task after getMarketsToNotify (planning mode). */
export const handler = invokeHandler({
  worker: 'planSends',
  parse: parsePlanSendsInput,
  process: async (input, ctx) =>
    planSends(input, {
      store: await marketStore(),
      entries: entryService('planSends', ctx.log),
      settings: getConfig().notifications,
      now: () => new Date(),
      log: ctx.log,
    }),
  summary: (out) => ({
    planned: out.plannedCount,
    alreadyPlanned: out.alreadyPlannedCount,
    missing: out.missingCount,
    errors: out.errors.length,
  }),
});
