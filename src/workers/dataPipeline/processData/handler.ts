import type { Logger } from '../../../shared/runtime/logger';
import type { WorkerContext } from '../../../shared/runtime/invocation';
import { sqsBatchHandler } from '../../../shared/runtime/sqs';
import type { ProcessDataDeps } from './processDataRecords';
import { processDataRecords } from './processDataRecords';
import { pipeTraceparent } from './parseRecord';

/**
 * processData's SQS handler around `deps`, which is called per invocation (inside it, so a
 * configuration error fails and retries the batch instead of crashing the module).
 */
export function createProcessDataHandler(
  deps: (ctx: WorkerContext) => ProcessDataDeps,
  options: { log?: Logger } = {},
) {
  return sqsBatchHandler<unknown>({
    worker: 'processData',
    log: options.log,
    // Shape checks happen in processDataRecords, which reports each rejection with its reason.
    parse: (body) => body,
    process: async (messages, ctx) => processDataRecords(messages, deps(ctx)),
    traceparentInBody: (message) => pipeTraceparent(message.body),
  });
}
