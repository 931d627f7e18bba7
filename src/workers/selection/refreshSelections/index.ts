import { getConfig } from '../../../shared/config';
import { sqsClient } from '../../../shared/aws/clients';
import { sqsBatchHandler } from '../../../shared/runtime/sqs';
import { campaignService, entryService } from '../../../shared/wiring/services';
import { createQueueSender, requireQueueUrl } from '../queueSender';
import { parseRefreshRequest, refreshSelections } from './refreshSelections';

const WORKER = 'refreshSelections';

/** SQS refresh-selection consumer: re-sends the assignments of a market's selected fans. */
export const handler = sqsBatchHandler({
  worker: WORKER,
  parse: parseRefreshRequest,
  process: (messages, ctx) => {
    const { aws, selection } = getConfig();
    return refreshSelections(messages, {
      campaigns: campaignService(WORKER, ctx.log),
      entries: entryService(WORKER, ctx.log),
      saveSelectionQueue: createQueueSender({
        client: sqsClient(),
        queueUrl: requireQueueUrl(aws.queues.saveSelection, 'aws.queues.saveSelection'),
        maxEntries: aws.sqsSendBatchSize,
      }),
      pageSize: selection.pageSize,
      log: ctx.log,
    });
  },
});
