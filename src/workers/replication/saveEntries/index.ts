import { getConfig } from '../../../shared/config';
import { sqsBatchHandler } from '../../../shared/runtime';
import { demandTable } from '../../../shared/wiring/aws';
import { entryService } from '../../../shared/wiring/services';
import { parseSaveEntryMessage } from './message';
import { saveEntries } from './saveEntries';

const WORKER = 'saveEntries';

/** SQS save-entries → Entry Service `/v2/entries`, then the entry's needsReplication flag is cleared. */
export const handler = sqsBatchHandler({
  worker: WORKER,
  parse: parseSaveEntryMessage,
  process: (messages, ctx) =>
    saveEntries(messages, {
      table: demandTable(),
      entries: entryService(WORKER, ctx.log),
      batchSize: getConfig().replication.entryServiceBatchSize,
      log: ctx.log,
    }),
});
