import { getConfig } from '../../../shared/config';
import { sqsBatchHandler } from '../../../shared/runtime';
import { demandTable } from '../../../shared/wiring/aws';
import { sqsRetryBackoff } from '../../../shared/wiring/retryBackoff';
import { entryService } from '../../../shared/wiring/services';
import { parseSaveEntryMessage } from './message';
import { saveEntries } from './saveEntries';

const WORKER = 'saveEntries';

/** SQS save-entries → Entry Service `/v2/entries`, then the entry's needsReplication flag is cleared. */
export const handler = sqsBatchHandler({
  worker: WORKER,
  parse: parseSaveEntryMessage,
  // Entry Service can be down for minutes: delay retries so its outage does not dead-letter entries.
  retryBackoff: sqsRetryBackoff(),
  process: (messages, ctx) =>
    saveEntries(messages, {
      table: demandTable(),
      entries: entryService(WORKER, ctx.log),
      batchSize: getConfig().replication.entryServiceBatchSize,
      log: ctx.log,
    }),
});
