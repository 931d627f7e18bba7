/**
 * `ops status [--stack S]`: every queue and DLQ with its depth and oldest age, every event source
 * mapping with its state, every state machine with its running and recently failed executions,
 * and the alarms in ALARM.
 */
import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Verb, VerbContext } from './cli';
import { table } from './cli';
import { deadLetterQueues, stackFilter } from './resources';
import { stateMachineArn } from './selection';
import type { Target } from './target';
import { shortName } from './target';

export interface QueueStatus {
  name: string;
  stack: string;
  dlq: boolean;
  visible: number;
  inFlight: number;
  delayed: number;
  /** Age of the oldest message in seconds (CloudWatch, last 15 minutes); null where no metric exists. */
  oldestAgeSeconds: number | null;
}

export interface Status {
  env: string;
  queues: QueueStatus[];
  mappings: { function: string; source: string; state: string; lastProcessingResult: string }[];
  stateMachines: { name: string; running: number; failedLastDay: number }[];
  /** Alarms in ALARM, with the runbook section their description names. */
  alarms: { name: string; runbook: string }[];
}

async function queueStatus(target: Target, stack?: string): Promise<QueueStatus[]> {
  const dlqArns = new Set(deadLetterQueues(target.model).map((d) => d.queue.arn));
  const queues = target.model.queues.filter((q) => !stack || q.stack === stack);
  const rows = await Promise.all(
    queues.map(async (q) => {
      const { Attributes: a = {} } = await target.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: await target.queueUrl(q.name),
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      return {
        name: q.name,
        stack: q.stack,
        dlq: dlqArns.has(q.arn),
        visible: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
        oldestAgeSeconds: null as number | null,
      };
    }),
  );
  if (rows.length > 0) {
    const now = Date.now();
    const { MetricDataResults = [] } = await target.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 15 * 60_000),
        EndTime: new Date(now),
        MetricDataQueries: rows.map((r, i) => ({
          Id: `q${i}`,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [{ Name: 'QueueName', Value: r.name }],
            },
            Period: 300,
            Stat: 'Maximum',
          },
        })),
      }),
    );
    for (const result of MetricDataResults) {
      const row = rows[Number(result.Id?.slice(1))];
      if (row && result.Values && result.Values.length > 0) {
        row.oldestAgeSeconds = result.Values[0];
      }
    }
  }
  return rows;
}

async function mappingStatus(target: Target, stack?: string): Promise<Status['mappings']> {
  const functions = [
    ...new Set(target.model.mappings.filter((m) => !stack || m.stack === stack).map((m) => m.functionName)),
  ];
  const lists = await Promise.all(
    functions.map(
      async (fn) =>
        (await target.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: fn }))).EventSourceMappings ?? [],
    ),
  );
  return lists.flat().map((m) => ({
    function: (m.FunctionArn ?? '').split(':').pop() ?? '',
    source: (m.EventSourceArn ?? '').split(/[:/]/).pop() ?? '',
    state: m.State ?? 'unknown',
    lastProcessingResult: m.LastProcessingResult ?? '',
  }));
}

async function stateMachineStatus(target: Target, stack?: string): Promise<Status['stateMachines']> {
  const wanted = target.model.stateMachines.filter((s) => !stack || s.stack === stack).map((s) => s.name);
  if (wanted.length === 0) {
    return [];
  }
  const count = async (arn: string, statusFilter: ExecutionStatus, since = 0) => {
    const { executions = [] } = await target.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter, maxResults: 100 }),
    );
    return executions.filter((e) => (e.stopDate ?? e.startDate ?? new Date()).getTime() >= since).length;
  };
  return Promise.all(
    wanted.map(async (name) => {
      const arn = await stateMachineArn(target, name);
      if (!arn) {
        return { name, running: -1, failedLastDay: -1 };
      }
      return {
        name,
        running: await count(arn, 'RUNNING'),
        failedLastDay: await count(arn, 'FAILED', Date.now() - 86_400_000),
      };
    }),
  );
}

async function alarmsInAlarm(target: Target): Promise<Status['alarms']> {
  const found: Status['alarms'] = [];
  let NextToken: string | undefined;
  do {
    const page = await target.cloudwatch.send(new DescribeAlarmsCommand({ StateValue: 'ALARM', NextToken }));
    for (const a of page.MetricAlarms ?? []) {
      if (a.AlarmName?.includes(`-${target.environment}-`)) {
        const anchor = /Runbook: \S*#([a-z0-9-]+)/.exec(a.AlarmDescription ?? '')?.[1];
        found.push({ name: a.AlarmName, runbook: anchor ? `docs/runbooks.md#${anchor}` : '' });
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

export async function readStatus(target: Target, stack?: string): Promise<Status> {
  const [queues, mappings, stateMachines, alarms] = await Promise.all([
    queueStatus(target, stack),
    mappingStatus(target, stack),
    stateMachineStatus(target, stack),
    alarmsInAlarm(target),
  ]);
  return { env: target.env, queues, mappings, stateMachines, alarms };
}

function printStatus(target: Target, status: Status, out: (line: string) => void): void {
  const short = (name: string) => shortName(target, name);
  const age = (s: number | null) => (s === null ? '-' : s < 120 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);
  out(`${target.env} (${target.environment}, ${target.region})`);
  out('');
  out('queues (oldest: ApproximateAgeOfOldestMessage, CloudWatch; - where there is no metric)');
  for (const line of table(
    ['queue', 'stack', 'visible', 'in flight', 'delayed', 'oldest'],
    status.queues.map((q) => [
      `${short(q.name)}${q.dlq ? ' [dlq]' : ''}`,
      q.stack,
      q.visible,
      q.inFlight,
      q.delayed,
      age(q.oldestAgeSeconds),
    ]),
  )) {
    out(`  ${line}`);
  }
  out('');
  out('event source mappings');
  for (const line of table(
    ['function', 'source', 'state', 'last result'],
    status.mappings.map((m) => [short(m.function), short(m.source), m.state, m.lastProcessingResult]),
  )) {
    out(`  ${line}`);
  }
  out('');
  out('state machines');
  for (const line of table(
    ['state machine', 'running', 'failed (24 h)'],
    status.stateMachines.map((s) => [
      short(s.name),
      s.running < 0 ? 'not deployed' : s.running,
      s.failedLastDay < 0 ? '-' : s.failedLastDay,
    ]),
  )) {
    out(`  ${line}`);
  }
  out('');
  out(status.alarms.length === 0 ? 'alarms: none in ALARM' : `alarms in ALARM (${status.alarms.length}):`);
  for (const { name, runbook } of status.alarms) {
    out(`  ${short(name)}${runbook ? `  runbook: ${runbook}` : ''}`);
  }
  const waiting = status.queues.filter((q) => q.dlq && q.visible + q.inFlight > 0);
  if (waiting.length > 0) {
    out('');
    out(
      `dead letters waiting in ${waiting.map((q) => short(q.name)).join(', ')}: \`npm run ops -- dlq peek <queue> --env ${target.env}\``,
    );
  }
}

export const STATUS_VERB: Verb = {
  name: 'status',
  args: [],
  summary: 'queues and DLQs (depth, oldest age), mappings, state machines, alarms in ALARM',
  help: `  --stack STACK     only this stack's resources

Reads only; changes nothing. Locally the ages and alarms come from the run's own evaluation of
the stacks' alarms (docs/runbooks.md, "Rehearsing locally"); a queue nobody receives from has no
age there (-).`,
  options: { stack: { type: 'string' } },
  changes: false,
  async run({ target, values, io, json }: VerbContext) {
    const status = await readStatus(target, stackFilter(target.model, values.stack));
    if (json) {
      io.out(JSON.stringify(status, null, 2));
    } else {
      printStatus(target, status, io.out);
    }
    return 0;
  },
};
