/**
 * The per-stage summary of a run: for each function in pipeline order, and for the pipe, what
 * came in and what became of it. `npm start` prints it with a legend (tools/local/main.ts).
 */
import { WORKERS } from '../../../src/workers/registry';
import type { FunctionHost } from '../lambda/host';
import type { StreamConsumer } from '../pollers/stream';
import { triggersOf } from '../wiring/diagram';
import type { LambdaFunction, WiringModel } from '../wiring/model';
import type { StreamTrigger } from './mappings';
import type { QueueLookup } from './queues';

/** One row of the per-stage summary. */
export interface StageStats {
  stage: string;
  trigger: string;
  /** Records received (a batch worker), or invocations (any other). */
  in: number;
  processed: number;
  /** Refused by an explicit rule of the spec, logged with the reason (not retried). */
  rejected: number;
  /** Failed attempts: records reported as batch item failures, and failed invocations; retried. */
  failed: number;
  /** Messages in the stage's dead-letter queue or on-failure destination now. */
  deadLettered: number;
  /** From the first invocation's start to the last one's end. */
  timeMs: number;
}

export async function stageStats(
  model: WiringModel,
  host: FunctionHost,
  streams: StreamTrigger[],
  queues: QueueLookup,
): Promise<StageStats[]> {
  // Pipeline order: the registry lists the workers in the order data flows through them.
  const order = (f: LambdaFunction) => WORKERS.findIndex((w) => w.name === f.worker);
  const rows: StageStats[] = [];
  for (const f of [...model.functions].sort((a, b) => order(a) - order(b))) {
    rows.push(await functionStage(model, host, queues, f));
  }
  for (const pipe of model.pipes) {
    const consumer = streams.find((s) => s.address === pipe.address)?.consumer as
      (StreamConsumer & { sent: () => number }) | undefined;
    if (consumer) {
      rows.push({
        stage: 'dmnd-table-pipe',
        trigger: 'demand-table stream',
        in: consumer.stats.records,
        processed: consumer.sent(),
        rejected: 0,
        failed: consumer.stats.failedRecords,
        deadLettered: pipe.deadLetterArn ? await queues.depth(pipe.deadLetterArn) : 0,
        timeMs: 0,
      });
    }
  }
  return rows;
}

async function functionStage(
  model: WiringModel,
  host: FunctionHost,
  queues: QueueLookup,
  f: LambdaFunction,
): Promise<StageStats> {
  const stats = host.stats(f.name);
  let deadLettered = 0;
  for (const m of model.mappings.filter((m) => m.functionName === f.name)) {
    if (m.kind === 'sqs') {
      const dlq = queues.queue(m.queueArn).redrive?.deadLetterTargetArn;
      deadLettered += dlq ? await queues.depth(dlq) : 0;
    } else if (m.onFailureDestinationArn) {
      deadLettered += await queues.depth(m.onFailureDestinationArn);
    }
  }
  const s = stats.summary;
  const batch = s.received !== undefined;
  return {
    stage: f.worker,
    trigger: triggersOf(model, f).join(', ') || 'direct invocation',
    in: batch ? s.received : stats.invocations,
    processed: batch ? (s.processed ?? 0) : stats.invocations - stats.errors,
    rejected: s.rejected ?? 0,
    failed: batch ? (s.failed ?? 0) + stats.errors : stats.errors,
    deadLettered,
    timeMs: stats.firstStartedAt && stats.lastEndedAt ? stats.lastEndedAt - stats.firstStartedAt : 0,
  };
}
