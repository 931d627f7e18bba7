/**
 * Every runbook that can be rehearsed on one machine, rehearsed as `npm start -- --rehearse`
 * does (tools/local/rehearse.ts), on one local run of the real stacks: the scenario with the
 * failure injected, the alarm the Terraform defines fired by the run's own evaluation of the
 * metrics it records, the runbook's `ops` commands, the alarm back to OK and the scenario's
 * invariants held. The alarms are also read the way an operator reads them: CloudWatch
 * DescribeAlarms and GetMetricData on the run's one endpoint, with the SDK's CloudWatch client.
 */
import { rmSync } from 'node:fs';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Rehearsal, RehearsalResult } from '../../../tools/local/rehearse';
import { REHEARSALS, rehearse } from '../../../tools/local/rehearse';
import type { LocalRuntime } from '../../../tools/local/runtime';
import { LOCAL_AWS } from '../../../tools/local/emulators/dynamodb';
import { startStacksRuntime, tempDir } from './helpers';

const workDir = tempDir('rehearsals-');
let rt: LocalRuntime;
let cloudwatch: CloudWatchClient;
const lines: string[] = [];

beforeAll(async () => {
  rt = await startStacksRuntime('rh', workDir);
  cloudwatch = new CloudWatchClient({ ...LOCAL_AWS, endpoint: rt.edge.endpoint });
}, 300_000);

afterAll(async () => {
  cloudwatch?.destroy();
  await rt?.stop();
  rmSync(workDir, { recursive: true, force: true });
}, 60_000);

const named = (name: string): Rehearsal => {
  const found = REHEARSALS.find((r) => r.name === name);
  if (!found) {
    throw new Error(`no rehearsal ${name}`);
  }
  return found;
};

const run = (rehearsal: Rehearsal): Promise<RehearsalResult> =>
  rehearse(rt, rehearsal, { fans: 12, markets: 2, log: (line) => lines.push(line), settleTimeoutMs: 240_000 });

/** The rehearsal's log, for a failure message. */
const logOf = (name: string) => lines.filter((l) => l.includes(`[${name}]`)).join('\n');

/** The rehearsal passed; if not, the failure shows its problems and its log. */
function passed(result: RehearsalResult): void {
  expect({ ok: result.ok, problems: result.problems }).toEqual({
    ok: true,
    problems: [],
    ...(result.ok ? {} : { log: logOf(result.name) }),
  });
}

/** The alarm fired, then came back to OK, in that order. */
function firedAndCleared(result: RehearsalResult, alarm: string): void {
  const changes = result.alarmChanges.filter((c) => c.alarm === alarm).map((c) => c.to);
  expect(changes).toEqual(['ALARM', 'OK']);
}

it('knows every rehearsal by the anchor of its runbook', () => {
  expect(REHEARSALS.map((r) => r.name).sort()).toEqual([
    'dlq-messages',
    'replication-out-of-sync',
    'state-machine-failed',
    'stream-iterator-age',
  ]);
});

it('dlq-messages: Entry Service down dead-letters save-entries; the alarm fires, peek and redrive clear it, nothing is lost', async () => {
  const base = named('dlq-messages');
  let described: string[] = [];
  let depth: number[] = [];
  // The same rehearsal, with a look at CloudWatch's API while the alarm is in ALARM.
  const result = await run({
    ...base,
    after: {
      async registration(ctx) {
        await ctx.waitForAlarm('save-entries-dlq-messages', 'ALARM');
        const page = await cloudwatch.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
        described = (page.MetricAlarms ?? []).map(
          (a) => `${a.AlarmName} ${a.StateValue} ${a.AlarmDescription?.split('Runbook: ')[1] ?? ''}`,
        );
        const dlq = rt.queue('save-entries-dlq').name;
        const now = new Date();
        const data = await cloudwatch.send(
          new GetMetricDataCommand({
            StartTime: new Date(now.getTime() - 10 * 60_000),
            EndTime: now,
            MetricDataQueries: [
              {
                Id: 'd',
                MetricStat: {
                  Metric: {
                    Namespace: 'AWS/SQS',
                    MetricName: 'ApproximateNumberOfMessagesVisible',
                    Dimensions: [{ Name: 'QueueName', Value: dlq }],
                  },
                  Period: 60,
                  Stat: 'Maximum',
                },
              },
            ],
          }),
        );
        depth = data.MetricDataResults?.[0]?.Values ?? [];
        await base.after!.registration!(ctx);
      },
    },
  });
  passed(result);
  firedAndCleared(result, 'save-entries-dlq-messages');
  expect(described).toEqual([
    expect.stringMatching(/-save-entries-dlq-messages ALARM .*\/docs\/runbooks\.md#dlq-messages$/),
  ]);
  // All 12 entries were dead-lettered (no fan of 12 is refused by checkEligibility).
  expect(Math.max(...depth)).toBe(12);
  expect(await rt.queueDepth('save-entries-dlq')).toBe(0);
  expect(logOf('dlq-messages')).toContain('$ npm run ops -- dlq redrive save-entries-dlq --env local');
}, 300_000);

it('stream-iterator-age: a broken enqueueEntries build sends batch pointers to its DLQ; rollback and stream replay deliver them', async () => {
  const result = await run(named('stream-iterator-age'));
  passed(result);
  firedAndCleared(result, 'enqueue-entries-dlq-messages');
  expect(logOf('stream-iterator-age')).toContain('$ npm run ops -- stream replay enqueue-entries-dlq --env local');
  expect(await rt.queueDepth('enqueue-entries-dlq')).toBe(0);
}, 300_000);

it('replication-out-of-sync: lost entries come back with ops replicate; no alarm fires', async () => {
  const result = await run(named('replication-out-of-sync'));
  passed(result);
  expect(result.alarmChanges).toEqual([]);
  expect(logOf('replication-out-of-sync')).toMatch(
    /injected: Entry Service lost 3 of the campaign's 12 entries[\s\S]*recovered: Entry Service holds all 12 entries again/,
  );
}, 300_000);

it('state-machine-failed: Code Service down fails every selection; the alarm fires, restarts select each market once', async () => {
  const result = await run(named('state-machine-failed'));
  passed(result);
  firedAndCleared(result, 'selection-step-fn-executions-failed');
  firedAndCleared(result, 'enqueue-market-selections-error-rate');
  const selections = result.scenario!.invariants.filter((i) => i.name.startsWith('selection of'));
  expect(selections).toHaveLength(2);
  for (const s of selections) {
    expect(s.detail).toMatch(/^FAILED .* by scenario, SUCCEEDED by api$/);
  }
}, 300_000);
