import { getConfig } from '../../../shared/config';
import { sqsClient } from '../../../shared/aws/clients';
import { sqsBatchHandler } from '../../../shared/runtime/sqs';
import { demandTable } from '../../../shared/wiring/aws';
import { sqsRetryBackoff } from '../../../shared/wiring/retryBackoff';
import { codeService, entryService } from '../../../shared/wiring/services';
import { parseSaveSelectionMessage } from '../shared/messages';
import { createQueueSender } from '../shared/queueSender';
import { saveSelections } from './saveSelections';
import { createVerdictStore } from './verdicts';

const WORKER = 'saveSelections';

/** SQS save-selection consumer: assigns codes in Entry Service and writes verdicts. */
export const handler = sqsBatchHandler({
  worker: WORKER,
  parse: parseSaveSelectionMessage,
  // Entry Service can be down for minutes: delay retries so its outage does not dead-letter selections.
  retryBackoff: sqsRetryBackoff(),
  process: (messages, ctx) => {
    const { aws, selection } = getConfig();
    return saveSelections(messages, {
      entries: entryService(WORKER, ctx.log),
      codes: codeService(WORKER, ctx.log),
      verdicts: createVerdictStore(demandTable()),
      verdictReporter: aws.queues.verdictReporter
        ? createQueueSender({
            client: sqsClient(),
            queueUrl: aws.queues.verdictReporter,
            maxEntries: aws.sqsSendBatchSize,
          })
        : undefined,
      chunkSize: selection.codeAssignmentChunkSize,
      log: ctx.log,
    });
  },
});
