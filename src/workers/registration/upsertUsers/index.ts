import { sqsBatchHandler } from '../../../shared/runtime';
import { sqsRetryBackoff } from '../../../shared/wiring/retryBackoff';
import { userService } from '../../../shared/wiring/services';
import { upsertUsers } from './upsertUsers';
import { parseUserMessage } from './userMessage';

const WORKER = 'upsertUsers';

/** SQS `user-info` (fed by an EventBridge rule) → User Service batch upsert. */
export const handler = sqsBatchHandler({
  worker: WORKER,
  parse: parseUserMessage,
  // User Service can be down for minutes; user-info allows 2 receives, hence its own schedule.
  retryBackoff: sqsRetryBackoff('userInfo'),
  process: (messages, ctx) => upsertUsers(messages, userService(WORKER, ctx.log), ctx.log),
});
