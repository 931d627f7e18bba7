import { getConfig } from '../../../shared/config';
import { invokeHandler } from '../../../shared/runtime';
import { exportsService } from '../../../shared/wiring/services';
import { marketStore } from '../shared/wiring';
import { triggerReminderEmails } from './triggerReminderEmail';

/** notification-step-fn task after planSends; its input (planSends' result) is not used. */
export const handler = invokeHandler({
  worker: 'triggerReminderEmail',
  parse: () => undefined,
  process: async (_input, ctx) =>
    triggerReminderEmails({
      store: await marketStore(),
      exports: exportsService('triggerReminderEmail', ctx.log),
      exportType: getConfig().notifications.reminderExportType,
      now: () => new Date(),
      log: ctx.log,
    }),
  summary: (out) => ({ triggered: out.triggeredCount, errors: out.errors.length }),
});
