import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { sqsClient } from '../../../shared/aws/clients';
import { getConfig } from '../../../shared/config';
import { streamBatchHandler } from '../../../shared/runtime';
import { enqueueEntries } from './enqueueEntries';

const WORKER = 'enqueueEntries';

/** demand-table change stream → save-entries queue, for the registration changes Entry Service must see. */
export const handler = streamBatchHandler({
  worker: WORKER,
  process: (changes, ctx) => {
    const { aws } = getConfig();
    return enqueueEntries(changes, {
      sendBatch: (input) => sqsClient().send(new SendMessageBatchCommand(input)),
      queueUrl: aws.queues.saveEntries,
      batchSize: aws.sqsSendBatchSize,
      log: ctx.log,
    });
  },
});
