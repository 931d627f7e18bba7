import { getConfig } from '../../../shared/config';
import { sqsClient } from '../../../shared/aws/clients';
import { invokeHandler } from '../../../shared/runtime/direct';
import { campaignService, codeService, entryService } from '../../../shared/wiring/services';
import { createQueueSender, requireQueueUrl } from '../queueSender';
import { enqueueMarketSelections } from './enqueue';
import { parseSelectionRequest } from './input';

const WORKER = 'enqueueMarketSelections';

/** Step Functions task of selection-step-fn: one slice of a market's selection per invocation. */
export const handler = invokeHandler({
  worker: WORKER,
  parse: parseSelectionRequest,
  process: (request, ctx) => {
    const { aws, selection } = getConfig();
    return enqueueMarketSelections(request, {
      campaigns: campaignService(WORKER, ctx.log),
      entries: entryService(WORKER, ctx.log),
      codes: codeService(WORKER, ctx.log),
      saveSelectionQueue: createQueueSender({
        client: sqsClient(),
        queueUrl: requireQueueUrl(aws.queues.saveSelection, 'aws.queues.saveSelection'),
        maxEntries: aws.sqsSendBatchSize,
      }),
      settings: selection,
      log: ctx.log,
      remainingTimeMs: ctx.remainingTimeMs,
    });
  },
  summary: (result) => ({ done: result.done, ...result.counts }),
});
