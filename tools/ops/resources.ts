/**
 * What the wiring model says about dead-letter queues: which queue, mapping or pipe sends to each,
 * and whether it holds the messages themselves (SQS redrive) or batch pointers (a Kinesis
 * mapping's on-failure destination, a pipe's dead-letter queue).
 */
import { CliError } from '../build/toolCli';
import type { Pipe, Queue, StreamMapping, WiringModel } from '../local/wiring/model';

export interface DeadLetterQueue {
  queue: Queue;
  /** `messages`: redrive them; `batch pointers`: replay the stream records they name. */
  holds: 'messages' | 'batch pointers';
  /** Queues whose redrive policy sends here (the default destination of a redrive). */
  sourceQueues: Queue[];
  /** Kinesis mappings whose on-failure destination this is. */
  streamMappings: StreamMapping[];
  /** Pipes whose dead-letter queue this is. */
  pipes: Pipe[];
}

export function deadLetterQueues(model: WiringModel, stack?: string): DeadLetterQueue[] {
  const out: DeadLetterQueue[] = [];
  for (const queue of model.queues) {
    const sourceQueues = model.queues.filter((q) => q.redrive?.deadLetterTargetArn === queue.arn);
    const streamMappings = model.mappings.filter(
      (m): m is StreamMapping => m.kind === 'stream' && m.onFailureDestinationArn === queue.arn,
    );
    const pipes = model.pipes.filter((p) => p.deadLetterArn === queue.arn);
    if (sourceQueues.length + streamMappings.length + pipes.length === 0 || (stack && queue.stack !== stack)) {
      continue;
    }
    out.push({
      queue,
      holds: sourceQueues.length > 0 ? 'messages' : 'batch pointers',
      sourceQueues,
      streamMappings,
      pipes,
    });
  }
  return out;
}

/** The dead-letter queue of that name, or an error saying it is not one. */
export function deadLetterQueue(model: WiringModel, queue: Queue): DeadLetterQueue {
  const found = deadLetterQueues(model).find((d) => d.queue.arn === queue.arn);
  if (!found) {
    throw new CliError(`${queue.name} is not a dead-letter queue; \`ops dlq list\` shows them`, 2);
  }
  return found;
}

/** Who sends to a DLQ, in words: `save-entries (redrive)`, `enqueueEntries mapping`, `pipe …`. */
export function sourcesOf(dlq: DeadLetterQueue, short: (name: string) => string): string {
  return [
    ...dlq.sourceQueues.map((q) => `${short(q.name)} (redrive)`),
    ...dlq.streamMappings.map((m) => `${short(m.functionName)} stream mapping`),
    ...dlq.pipes.map((p) => `${short(p.name)} pipe`),
  ].join(', ');
}

/** Checks a `--stack` value against the model's stacks. */
export function stackFilter(model: WiringModel, value: string | boolean | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !model.stacks.includes(value)) {
    throw new CliError(
      `unknown stack "${String(value)}"; stacks: ${model.stacks.join(', ')}\nRun \`npm run ops -- <verb> --help\` for usage.`,
      2,
    );
  }
  return value;
}
