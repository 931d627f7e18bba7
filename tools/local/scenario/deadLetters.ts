/**
 * The last phase: the dead-letter queues (of the queues, the stream mappings' on-failure
 * destinations and the pipes) stay empty unless faults were injected. Records its invariant;
 * the run's stages and result come next.
 */
import type { ScenarioContext } from './context';

/** Checks that no dead-letter queue holds a message (with faults, only reports them). */
export async function checkDeadLetters(ctx: ScenarioContext): Promise<void> {
  const { rt } = ctx;
  // Dead-letter queues stay empty unless faults were injected.
  const dlqs = new Set([
    ...rt.model.queues.flatMap((q) => (q.redrive ? [q.redrive.deadLetterTargetArn] : [])),
    ...rt.model.mappings.flatMap((m) =>
      m.kind === 'stream' && m.onFailureDestinationArn ? [m.onFailureDestinationArn] : [],
    ),
    ...rt.model.pipes.flatMap((p) => (p.deadLetterArn ? [p.deadLetterArn] : [])),
  ]);
  const dead: string[] = [];
  for (const arn of dlqs) {
    const depth = await rt.queueDepth(arn);
    if (depth > 0) {
      dead.push(`${arn.split(':').pop()}: ${depth}`);
    }
  }
  ctx.check(
    'no dead-lettered message',
    ctx.options.faults || dead.length === 0,
    dead.join(', ') || 'all dead-letter queues empty',
  );
}
