import { getConfig } from '../../../shared/config';
import { sqsBatchHandler } from '../../../shared/runtime';
import { entryService } from '../../../shared/wiring/services';
import { parseRetryScoreMessage, retryScores } from './retryScore';

const WORKER = 'retryScore';

/** SQS retry-score (written by Entry Service when scores were missing) → Entry Service `/v2/refreshScores`. */
export const handler = sqsBatchHandler({
  worker: WORKER,
  parse: parseRetryScoreMessage,
  process: (messages, ctx) =>
    retryScores(messages, {
      entries: entryService(WORKER, ctx.log),
      batchSize: getConfig().replication.entryServiceBatchSize,
      log: ctx.log,
    }),
});
