import { getConfig } from '../../../shared/config';
import { sqsClient } from '../../../shared/aws/clients';
import { sqsBatchHandler } from '../../../shared/runtime/sqs';
import { campaignService, entryService } from '../../../shared/wiring/services';
import { createQueueSender, requireQueueUrl } from '../shared/queueSender';
import { parseRefreshRequest, refreshSelections } from './refreshSelections';

const WORKER = 'refreshSelections';

/** SQS refresh-selection consumer: re-sends the assignments of a market's selected fans. */
export const handler = sqsBatchHandler({
  worker: WORKER,
  parse: parseRefreshRequest,
  process: (messages, ctx) => {
    const { aws, selection } = getConfig();
    const sender = (queueUrl: string, setting: string) =>
      createQueueSender({
        client: sqsClient(),
        queueUrl: requireQueueUrl(queueUrl, setting),
        maxEntries: aws.sqsSendBatchSize,
      });
    return refreshSelections(messages, {
      campaigns: campaignService(WORKER, ctx.log),
      entries: entryService(WORKER, ctx.log),
      saveSelectionQueue: sender(aws.queues.saveSelection, 'aws.queues.saveSelection'),
      refreshSelectionQueue: sender(aws.queues.refreshSelection, 'aws.queues.refreshSelection'),
      pageSize: selection.pageSize,
      maxPerInvocation: selection.maxPerInvocation,
      log: ctx.log,
      remainingTimeMs: ctx.remainingTimeMs,
    });
  },
});
