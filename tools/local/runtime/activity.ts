/**
 * Whether the run is busy, and with what: invocations, executions, EventBridge deliveries,
 * pollers, stream readers and the messages left in the queues the functions consume. The
 * scenario settles on `waitForIdle`; its progress line and the timeout message say what it
 * still waits for (`waitingFor`).
 */
import type { EventBus } from '../eventBus';
import type { FunctionHost } from '../lambda/host';
import type { StepFunctions } from '../stepFunctions';
import type { Triggers } from './mappings';
import type { QueueCounts, QueueLookup } from './queues';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Activity {
  constructor(
    private readonly parts: {
      host: FunctionHost;
      stepFunctions: StepFunctions;
      eventBus: EventBus;
      triggers: Triggers;
      queues: QueueLookup;
    },
  ) {}

  /** Something runs or delivers right now (not counting queued messages). */
  busyNow(): boolean {
    const { host, stepFunctions, eventBus, triggers } = this.parts;
    return (
      host.inFlight() > 0 ||
      stepFunctions.running() > 0 ||
      eventBus.busy() ||
      triggers.sqsPollers.some((p) => p.isBusy()) ||
      triggers.streams.some((s) => s.consumer.isBusy())
    );
  }

  /** True when nothing runs and no consumed queue holds messages. */
  async isIdle(): Promise<boolean> {
    if (this.busyNow()) {
      return false;
    }
    for (const arn of this.parts.triggers.consumedQueues) {
      if ((await this.parts.queues.depth(arn)) > 0) {
        return false;
      }
    }
    return !this.busyNow();
  }

  /** Resolves once the run has been idle for `quietMs`; rejects after `timeoutMs`, saying what kept it busy. */
  async waitForIdle({ quietMs = 1500, timeoutMs = 120_000 } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quietSince: number | undefined;
    for (;;) {
      if (await this.isIdle()) {
        quietSince ??= Date.now();
        // A slow stream read (a loaded machine) must not pass for quiet: each consumer must
        // have read its stream dry with a read that began after the quiet period did.
        const drained = this.parts.triggers.streams.every((s) => s.consumer.drainedSince() >= quietSince!);
        if (drained && Date.now() - quietSince >= quietMs) {
          return;
        }
      } else {
        quietSince = undefined;
      }
      if (Date.now() > deadline) {
        const reasons = await this.waitingFor(quietSince);
        throw new Error(
          `the local runtime was still busy after ${timeoutMs} ms: ${reasons.join('; ') || 'it became busy again within every quiet period'}`,
        );
      }
      await sleep(100);
    }
  }

  /**
   * What keeps the run from being idle, one reason per part: running invocations and executions,
   * deliveries, each consumed queue's messages (and whether they wait out a visibility timeout),
   * and stream readers that have not read their stream dry since `quietSince`.
   */
  async waitingFor(quietSince?: number): Promise<string[]> {
    const { host, stepFunctions, eventBus, triggers, queues } = this.parts;
    const running = host.inFlight();
    const depths = await Promise.all(
      triggers.consumedQueues.map(async (arn) => [arn, await queues.counts(arn)] as const),
    );
    const delivering = triggers.sqsPollers.filter((p) => p.isBusy()).length;
    return [
      running > 0 ? `${running} invocation(s) running` : '',
      stepFunctions.running() > 0 ? `${stepFunctions.running()} execution(s) running` : '',
      eventBus.busy() ? 'EventBridge delivering' : '',
      delivering > 0 ? `${delivering} SQS poller(s) delivering` : '',
      ...depths.map(([arn, counts]) => queueReason(queues, arn, counts, running > 0)),
      ...triggers.streams.map((s) =>
        s.consumer.isBusy()
          ? `${s.address} delivering stream records`
          : quietSince !== undefined && s.consumer.drainedSince() < quietSince
            ? `${s.address} has not read its stream dry (see its "error in" lines)`
            : '',
      ),
    ].filter(Boolean);
  }
}

/** `save-entries holds 3 message(s): 3 in flight, back after its 30 s visibility timeout`, or '' for an empty queue. */
function queueReason(queues: QueueLookup, arn: string, c: QueueCounts, invocationsRunning: boolean): string {
  const depth = c.visible + c.inFlight + c.delayed;
  if (depth === 0) {
    return '';
  }
  const queue = queues.queue(arn);
  const parts = [
    c.visible > 0 ? `${c.visible} waiting for a poller` : '',
    // With nothing running, a received message is one whose attempt failed: it comes back when
    // its visibility timeout ends (then it is retried, or dead-lettered after maxReceiveCount).
    c.inFlight > 0
      ? invocationsRunning
        ? `${c.inFlight} in flight`
        : `${c.inFlight} in flight, back after its ${queue.visibilityTimeoutSeconds} s visibility timeout`
      : '',
    c.delayed > 0 ? `${c.delayed} delayed` : '',
  ].filter(Boolean);
  return `${queue.name} holds ${depth} message(s): ${parts.join(', ')}`;
}
