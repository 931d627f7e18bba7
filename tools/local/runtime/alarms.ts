/**
 * The stacks' alarms, evaluated over the metrics the run records (tools/local/cloudwatch): the
 * functions and pollers record theirs as they run; the gauges CloudWatch samples are recorded
 * here before each evaluation.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalClock } from '../clock';
import type { MetricStore } from '../cloudwatch/metrics';
import { AlarmMonitor } from '../cloudwatch/monitor';
import type { StepFunctions } from '../stepFunctions';
import type { WiringModel } from '../wiring/model';

export interface AlarmOptions {
  model: WiringModel;
  metrics: MetricStore;
  clock: LocalClock;
  sqs: SQSClient;
  stepFunctions: StepFunctions;
  log(line: string): void;
}

export function alarmMonitor({ model, metrics, clock, sqs, stepFunctions, log }: AlarmOptions): AlarmMonitor {
  return new AlarmMonitor({
    alarms: model.alarms,
    store: metrics,
    now: () => clock.now(),
    sample: recordGauges(sqs, model, stepFunctions, metrics),
    log,
  });
}

/**
 * The gauges CloudWatch samples, recorded before each alarm evaluation: every queue's visible
 * messages (AWS/SQS ApproximateNumberOfMessagesVisible) and each execution that ended since the
 * last sample (AWS/States ExecutionsSucceeded, ExecutionsFailed, ExecutionsAborted, at its stop time).
 */
function recordGauges(
  sqs: SQSClient,
  model: WiringModel,
  stepFunctions: StepFunctions,
  metrics: MetricStore,
): () => Promise<void> {
  const counted = new Set<string>();
  const outcomes: Record<string, string> = {
    SUCCEEDED: 'ExecutionsSucceeded',
    FAILED: 'ExecutionsFailed',
    ABORTED: 'ExecutionsAborted',
  };
  return async () => {
    for (const e of stepFunctions.all()) {
      if (e.status !== 'RUNNING' && e.stopDate !== undefined && !counted.has(e.executionArn)) {
        counted.add(e.executionArn);
        metrics.put('AWS/States', outcomes[e.status], { StateMachineArn: e.stateMachineArn }, 1, e.stopDate);
      }
    }
    await Promise.all(
      model.queues.map(async (q) => {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        const visible = Number(Attributes.ApproximateNumberOfMessages ?? 0);
        metrics.put('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: q.name }, visible);
      }),
    );
  };
}
