import type { WorkerContext } from '../../../shared/runtime/invocation';
import type { Logger } from '../../../shared/runtime/logger';
import type { SqsRetryBackoff } from '../../../shared/runtime/sqs';
import { sqsBatchHandler } from '../../../shared/runtime/sqs';
import type { SendDataDeps } from './sendDataRecords';
import { sendDataRecords } from './sendDataRecords';

/**
 * sendData's SQS handler (the five typed queues) around `deps`, called per invocation inside
 * the batch, so a collaborator that cannot be built fails (and retries) every record. With
 * `retryBackoff`, records that failed are delayed before SQS delivers them again.
 */
export function createSendDataHandler(
  deps: (ctx: WorkerContext) => SendDataDeps,
  options: { log?: Logger; retryBackoff?: () => SqsRetryBackoff } = {},
) {
  return sqsBatchHandler<unknown>({
    worker: 'sendData',
    log: options.log,
    retryBackoff: options.retryBackoff,
    // Type resolution and schema validation happen in sendDataRecords, which rejects with the reason.
    parse: (body) => body,
    process: async (messages, ctx) => sendDataRecords(messages, deps(ctx)),
  });
}
