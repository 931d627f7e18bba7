import { getConfig } from '../../../shared/config';
import { sqsClient } from '../../../shared/aws/clients';
import { invokeHandler } from '../../../shared/runtime/direct';
import { campaignService, codeService, entryService } from '../../../shared/wiring/services';
import { createQueueSender, requireQueueUrl } from '../shared/queueSender';
import type { EnqueueResult, FailureReport } from './enqueueMarketSelections';
import { enqueueMarketSelections, reportSelectionFailure } from './enqueueMarketSelections';
import { parseSelectionTask } from './input';

const WORKER = 'enqueueMarketSelections';

/**
 * Step Functions task of selection-step-fn: one slice of a market's selection per invocation,
 * or, from the ReportFailure state, only the FAILED stats of a run whose page failed.
 */
export const handler = invokeHandler({
  worker: WORKER,
  parse: parseSelectionTask,
  process: (task, ctx): Promise<EnqueueResult | FailureReport> => {
    const { aws, selection } = getConfig();
    if (task.kind === 'reportFailure') {
      // Entry Service only: the report must not need what the failed page may have lacked.
      return reportSelectionFailure(task.request, task.failure, {
        entries: entryService(WORKER, ctx.log),
        settings: selection,
        log: ctx.log,
      });
    }
    return enqueueMarketSelections(task.request, {
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
  summary: (result) =>
    'done' in result ? { done: result.done, ...result.counts } : { failureReported: result.reported ? 1 : 0 },
});
