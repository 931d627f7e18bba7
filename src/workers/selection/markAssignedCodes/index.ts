import { streamBatchHandler } from '../../../shared/runtime/stream';
import { codeService } from '../../../shared/wiring/services';
import type { EntryImage } from './markAssignedCodes';
import { markAssignedCodes } from './markAssignedCodes';

const WORKER = 'markAssignedCodes';

/** demand-table stream consumer: marks newly given codes as assigned in Code Service. */
export const handler = streamBatchHandler<EntryImage>({
  worker: WORKER,
  process: (records, ctx) => markAssignedCodes(records, { codes: codeService(WORKER, ctx.log), log: ctx.log }),
});
