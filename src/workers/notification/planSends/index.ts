import { getConfig } from '../../../shared/config';
import { currentTrace, invokeHandler } from '../../../shared/runtime';
import { entryService } from '../../../shared/wiring/services';
import { marketStore } from '../shared/wiring';
import { parsePlanSendsInput, planSends } from './planSends';

/**
 * notification-step-fn task after getMarketsToNotify (planning mode), continuing its trace (the
 * input's `traceparent`); the answer carries the trace on to triggerReminderEmail.
 */
export const handler = invokeHandler({
  worker: 'planSends',
  parse: parsePlanSendsInput,
  process: async (input, ctx) => ({
    ...(await planSends(input, {
      store: await marketStore(),
      entries: entryService('planSends', ctx.log),
      settings: getConfig().notifications,
      now: () => new Date(),
      log: ctx.log,
    })),
    traceparent: currentTrace().traceparent,
  }),
  summary: (out) => ({
    planned: out.plannedCount,
    alreadyPlanned: out.alreadyPlannedCount,
    missing: out.missingCount,
    errors: out.errors.length,
  }),
});
