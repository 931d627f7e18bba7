import { sqsBatchHandler } from '../../../shared/runtime';
import { userService } from '../../../shared/wiring/services';
import { upsertUsers } from './upsertUsers';
import { parseUserMessage } from './userMessage';

const WORKER = 'upsertUsers';

/** SQS `user-info` (fed by an EventBridge rule) → User Service batch upsert. */
export const handler = sqsBatchHandler({
  worker: WORKER,
  parse: parseUserMessage,
  process: (messages, ctx) => upsertUsers(messages, userService(WORKER, ctx.log), ctx.log),
});
