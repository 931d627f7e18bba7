import { getConfig } from '../../../shared/config';
import { lambdaClient } from '../../../shared/aws/clients';
import { demandTable } from '../../../shared/wiring/aws';
import { marketStore, scoringCollection } from '../shared/wiring';
import { lambdaMarketsInvoker } from './invoker';
import { createNotificationGeneratorHandler } from './notificationGenerator';

/** Rule notification-schedule (every 5 minutes); getMarketsToNotify is reached by Lambda invocation. */
export const handler = createNotificationGeneratorHandler(async (ctx) => {
  const { aws, notifications } = getConfig();
  return {
    getMarketsToNotify: lambdaMarketsInvoker(lambdaClient(), aws.functions.getMarketsToNotify),
    store: await marketStore(),
    scoring: await scoringCollection(),
    table: demandTable(),
    settings: notifications,
    now: () => new Date(),
    remainingTimeMs: ctx.remainingTimeMs,
    log: ctx.log,
  };
});
