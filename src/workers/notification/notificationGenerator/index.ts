import { getConfig } from '../../../shared/config';
import { lambdaClient } from '../../../shared/aws/clients';
import { scheduleHandler } from '../../../shared/runtime';
import { demandTable } from '../../../shared/wiring/aws';
import { marketStore, scoringCollection } from '../common/wiring';
import { generateNotifications } from './generator';
import type { MarketsInvoker } from './invoker';
import { lambdaMarketsInvoker } from './invoker';

export interface NotificationGeneratorOptions {
  /** How to reach getMarketsToNotify; default: Lambda invocation of `aws.functions.getMarketsToNotify`. */
  getMarketsToNotify?: MarketsInvoker;
  now?: () => Date;
}

/** The scheduled handler; the local runtime and tests pass an in-process getMarketsToNotify and a clock. */
export function createNotificationGeneratorHandler(options: NotificationGeneratorOptions = {}) {
  return scheduleHandler({
    worker: 'notificationGenerator',
    process: async (_event, ctx) => {
      const { aws, notifications } = getConfig();
      return generateNotifications({
        getMarketsToNotify: options.getMarketsToNotify ?? lambdaMarketsInvoker(lambdaClient(), aws.functions.getMarketsToNotify),
        store: await marketStore(),
        scoring: await scoringCollection(),
        table: demandTable(),
        settings: notifications,
        now: options.now ?? (() => new Date()),
        remainingTimeMs: ctx.remainingTimeMs,
        log: ctx.log,
      });
    },
    summary: ({ markets: _markets, ...counts }) => counts,
  });
}

/** Rule notification-schedule (every 5 minutes). */
export const handler = createNotificationGeneratorHandler();
