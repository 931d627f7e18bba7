/**
 * Alarms and dashboards (terraform/modules/alarms, docs/operations.md), read from the stacks as
 * Terraform would plan them in each environment (tools/ops/alarms.ts evaluates every stack with
 * its tfvars): every function, queue, DLQ, stream mapping, state machine, pipe, rule and topic a
 * stack creates has its alarms, named after it; thresholds stay below what they guard; every
 * alarm pages the stack's topic and says what it means and where its runbook is; the dashboard
 * shows them; the table in docs/operations.md is the one the Terraform gives.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StackAlarms } from '../../tools/ops/alarms';
import { NOT_REHEARSED, REHEARSALS } from '../../tools/local/rehearse';
import { alarmTable, alarmParts, loadAllAlarms, loadStackAlarms, withAlarmTable } from '../../tools/ops/alarms';
import { WORKERS } from '../../src/workers/registry';
import { MODULES_DIR, REPO_ROOT, TERRAFORM_DIR, environmentDirs } from './hcl';
import { evaluatePreconditions, stackInstance } from './preconditions';
import type { Value } from '../../tools/local/hcl/values';
import { ModuleInstance, loadConfigTree } from '../../tools/local/hcl/modules';
import { localResolver } from '../../tools/local/wiring/load';

const OPERATIONS_DOC = path.join(REPO_ROOT, 'docs', 'operations.md');
const ENVIRONMENTS = ['qa1', 'dev1', 'preprod1', 'prod1'];
/** Kinesis keeps records 24 h by default: a consumer further behind than that loses them. */
const STREAM_RETENTION_SECONDS = 24 * 3600;

const dims = (d: Record<string, string>): string =>
  Object.entries(d)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** What each alarm watches, as `<namespace> <metric> <dimensions>`. */
const watchedByAlarms = (s: StackAlarms): string[] => s.alarms.map((a) => `${a.metric} ${dims(a.dimensions[0])}`).sort();

/** What the stack's resources need watched, in the same form. */
function neededAlarms(s: StackAlarms): string[] {
  const w = s.watched;
  return [
    ...w.functions.flatMap((f) => [
      `AWS/Lambda Errors ÷ Invocations FunctionName=${f.name}`,
      `AWS/Lambda Throttles FunctionName=${f.name}`,
      `AWS/Lambda Duration FunctionName=${f.name}`,
    ]),
    ...w.streamConsumers.map((f) => `AWS/Lambda IteratorAge FunctionName=${f}`),
    ...w.queues.map((q) => `AWS/SQS ApproximateAgeOfOldestMessage QueueName=${q.name}`),
    ...w.dlqs.map((q) => `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${q}`),
    ...w.stateMachines.flatMap((sm) =>
      ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map((m) => `AWS/States ${m} StateMachineArn=${sm.arn}`),
    ),
    ...w.pipes.map((p) => `AWS/EventBridge/Pipes TargetStageFailed PipeName=${p}`),
    ...w.rules.map(
      (r) => `AWS/Events FailedInvocations ${dims({ RuleName: r.name, ...(r.eventBusName === 'default' ? {} : { EventBusName: r.eventBusName }) })}`,
    ),
    ...w.topics.map((t) => `AWS/SNS NumberOfNotificationsFailed TopicName=${t}`),
  ].sort();
}

/** Resources without their alarm, and alarms on nothing the stack creates. */
function coverage(s: StackAlarms): { missing: string[]; stale: string[] } {
  const have = watchedByAlarms(s);
  const need = neededAlarms(s);
  return { missing: need.filter((n) => !have.includes(n)), stale: have.filter((h) => !need.includes(h)) };
}

/** The name of the resource an alarm watches (the last part of an ARN dimension). */
const watchedName = (d: Record<string, string>): string => {
  const value = d.FunctionName ?? d.QueueName ?? d.PipeName ?? d.RuleName ?? d.TopicName ?? d.StateMachineArn ?? '';
  return value.split(':').pop() ?? value;
};

const runbookAnchors = (doc: string): string[] => {
  const section = doc.slice(doc.indexOf('## Runbook anchors'), doc.indexOf('## Every alarm'));
  return [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]).sort();
};

let all: StackAlarms[];

beforeAll(async () => {
  all = await loadAllAlarms(TERRAFORM_DIR);
}, 60_000);

const cases = WORKERS.map((w) => w.stack)
  .filter((s, i, list) => list.indexOf(s) === i)
  .flatMap((stack) => ENVIRONMENTS.map((env) => [stack, env] as const));

describe.each(cases)('%s / %s', (stack, env) => {
  const get = (): StackAlarms => {
    const found = all.find((s) => s.stack === stack && s.env === env);
    if (!found) {
      throw new Error(`no alarms were read for ${stack}/${env}: is terraform/stacks/${stack}/tm-*/${env}/terraform.tfvars missing?`);
    }
    return found;
  };

  it("creates a function for each of the registry's workers of the stack, and watches each", () => {
    const s = get();
    const expected = WORKERS.filter((w) => w.stack === stack).map((w) => `prd2011-${env}-us-east-1-${w.nameTag}`);
    expect(s.watched.functions.map((f) => f.name).sort()).toEqual(expected.sort());
  });

  it('has an alarm for every function, queue, DLQ, stream mapping, state machine, pipe, rule and topic, and none on anything else', () => {
    expect(coverage(get())).toEqual({ missing: [], stale: [] });
  });

  it('names every alarm after what it watches, once', () => {
    const s = get();
    for (const a of s.alarms) {
      const watched = watchedName(a.dimensions[0]);
      expect(a.name.startsWith(`${watched}-`) ? 'named after it' : `${a.name} does not start with ${watched}-`).toBe('named after it');
      // A metric-math alarm reads every metric of the same resource.
      expect(a.dimensions.map(dims)).toEqual(a.dimensions.map(() => dims(a.dimensions[0])));
    }
    expect(new Set(s.alarms.map((a) => a.name)).size).toBe(s.alarms.length);
    expect(s.alarms.every((a) => a.name.length <= 255)).toBe(true);
  });

  it('keeps every threshold below the limit it guards', () => {
    const s = get();
    const timeoutMs = Object.fromEntries(s.watched.functions.map((f) => [f.name, f.timeoutSeconds * 1000]));
    const retention = Object.fromEntries(s.watched.queues.map((q) => [q.name, q.retentionSeconds]));
    for (const a of s.alarms) {
      const name = watchedName(a.dimensions[0]);
      const at = `${a.name}: ${a.threshold}`;
      expect({ at, comparison: a.comparison }).toEqual({ at, comparison: 'GreaterThanThreshold' });
      expect(a.datapointsToAlarm).toBeLessThanOrEqual(a.evaluationPeriods);
      expect(a.datapointsToAlarm).toBeGreaterThanOrEqual(1);
      if (a.kind === 'function_duration') {
        expect({ at, p95: a.statistic }).toEqual({ at, p95: 'p95' });
        expect({ at, belowTimeout: a.threshold > 0 && a.threshold < timeoutMs[name] }).toEqual({ at, belowTimeout: true });
      } else if (a.kind === 'function_error_rate') {
        expect({ at, percent: a.threshold > 0 && a.threshold < 100 }).toEqual({ at, percent: true });
      } else if (a.kind === 'stream_iterator_age') {
        expect({ at, belowRetention: a.threshold > 0 && a.threshold < STREAM_RETENTION_SECONDS * 1000 }).toEqual({ at, belowRetention: true });
      } else if (a.kind === 'queue_oldest_message') {
        // Fires while the messages still exist (before their retention drops them).
        expect({ at, belowRetention: a.threshold >= 60 && a.threshold < retention[name] }).toEqual({ at, belowRetention: true });
      } else {
        // DLQs, state machines, pipes, rules, topics: one occurrence is one too many.
        expect({ at, any: a.threshold }).toEqual({ at, any: 0 });
      }
    }
  });

  it("notifies the stack's one alarm topic on ALARM and on OK, and treats no data as healthy except for a rarely run function", () => {
    const s = get();
    // Invoked a few times an hour: M of N one-minute datapoints would never fill, so one bad run
    // alarms and the alarm keeps the state of the last run.
    const rare = new Set(
      WORKERS.filter((w) => w.stack === stack && ['schedule', 'stepFunction', 'invoke'].includes(w.trigger.kind)).map(
        (w) => `prd2011-${env}-us-east-1-${w.nameTag}`,
      ),
    );
    expect(s.topic.name).toMatch(new RegExp(`^prd2011-${env}-us-east-1-[a-z-]+-alarms$`));
    for (const a of s.alarms) {
      expect({ alarm: a.name, alarmActions: a.alarmActions, okActions: a.okActions, missing: a.treatMissingData }).toEqual({
        alarm: a.name,
        alarmActions: [s.topic.arn],
        okActions: [s.topic.arn],
        missing: rare.has(a.dimensions[0].FunctionName) ? 'ignore' : 'notBreaching',
      });
      if (rare.has(a.dimensions[0].FunctionName)) {
        expect({ alarm: a.name, datapoints: `${a.datapointsToAlarm} of ${a.evaluationPeriods}` }).toEqual({ alarm: a.name, datapoints: '1 of 1' });
      }
    }
    // Placeholders in the tfvars: no subscription until the real endpoints are set.
    expect(s.topic.subscriptions).toEqual([]);
  });

  it('describes every alarm: what it watches, what it means, its threshold and its runbook section', () => {
    const anchors = runbookAnchors(readFileSync(OPERATIONS_DOC, 'utf8'));
    for (const a of get().alarms) {
      const parts = alarmParts(a.description);
      expect({ alarm: a.name, description: parts ? 'structured' : a.description }).toEqual({ alarm: a.name, description: 'structured' });
      expect(parts?.who).toContain(`(${watchedName(a.dimensions[0])})`);
      expect(parts?.runbook).toMatch(/^https:\/\/\S+\/docs\/runbooks\.md#[a-z0-9-]+$/);
      expect(anchors).toContain(parts?.anchor);
      expect(a.description.length).toBeLessThanOrEqual(1024);
    }
  });

  it('has a dashboard that shows every alarm and graphs every watched resource', () => {
    const s = get();
    expect(s.dashboard.name).toMatch(new RegExp(`^prd2011-${env}-us-east-1-[a-z-]+-dashboard$`));
    const [alarmWidget, ...graphs] = s.dashboard.body.widgets;
    expect(alarmWidget.type).toBe('alarm');
    const shown = (alarmWidget.properties.alarms as string[]).map((arn) => arn.split(':alarm:')[1]).sort();
    expect(shown).toEqual(s.alarms.map((a) => a.name).sort());
    expect(shown.length).toBeLessThanOrEqual(100); // the alarm widget's limit
    for (const g of graphs) {
      const lines = g.properties.metrics as unknown[];
      expect({ graph: g.properties.title, lines: lines.every((m) => Array.isArray(m) && /^AWS\//.test(String(m[0])) && m.length === 5) }).toEqual({
        graph: g.properties.title,
        lines: true,
      });
    }
    const graphed = new Set(graphs.flatMap((g) => (g.properties.metrics as unknown[][]).map((m) => `${String(m[1])} ${String(m[3])}`)));
    const w = s.watched;
    const expected = [
      ...w.functions.flatMap((f) => ['Invocations', 'Errors', 'Duration', 'Throttles'].map((m) => `${m} ${f.name}`)),
      ...w.streamConsumers.map((f) => `IteratorAge ${f}`),
      ...w.queues.flatMap((q) => [`ApproximateNumberOfMessagesVisible ${q.name}`, `ApproximateAgeOfOldestMessage ${q.name}`]),
      ...w.dlqs.map((q) => `ApproximateNumberOfMessagesVisible ${q}`),
      ...w.stateMachines.flatMap((sm) => ['ExecutionsStarted', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map((m) => `${m} ${sm.arn}`)),
      ...w.pipes.map((p) => `TargetStageFailed ${p}`),
    ];
    expect(expected.filter((e) => !graphed.has(e))).toEqual([]);
  });
});

describe('plan checks of the alarms module', () => {
  const TOPIC_CHECK = /^module\.alarms\.aws_sns_topic\.alarms$/;

  /** The alarms module called directly with `inputs` over working defaults, as a module call would. */
  async function alarmsModule(inputs: Record<string, Value>): Promise<ModuleInstance> {
    const dir = path.join(MODULES_DIR, 'alarms');
    const tree = await loadConfigTree(dir);
    const all: Record<string, Value> = {
      topic_name: 't',
      topic_name_tag: 't',
      dashboard_name: 'd',
      region: 'us-east-1',
      runbook_url: 'https://example.test/docs/runbooks.md',
      pagerduty_endpoint: '',
      slack_email: '',
      functions: { saveEntries: { function_name: 'save-entries', timeout_seconds: 30 } },
      evaluation_periods: 5,
      datapoints_to_alarm: 3,
      scheduled_functions: [],
      ...inputs,
    };
    const resolver = localResolver({ region: 'us-east-1', accountId: '000000000000', queueUrl: (name) => `http://q/${name}` });
    return new ModuleInstance(tree, tree.get(dir)!, 'module.alarms', (name) => all[name], dir, resolver);
  }

  it.each(cases.filter(([, env]) => env === 'prod1' || env === 'qa1'))('pass for %s in %s', async (stack, env) => {
    const dir = environmentDirs(stack).find((e) => e.env === env)!.dir;
    const results = evaluatePreconditions(await stackInstance(TERRAFORM_DIR, stack, path.join(dir, 'terraform.tfvars')));
    const checks = results.filter((r) => TOPIC_CHECK.test(r.address));
    expect(checks.length).toBe(2);
    expect(checks.filter((r) => !r.passed)).toEqual([]);
  });

  it('refuse more datapoints to alarm than datapoints evaluated', async () => {
    const failed = evaluatePreconditions(await alarmsModule({ datapoints_to_alarm: 6 })).filter((r) => !r.passed);
    expect(failed.map((r) => r.message)).toEqual(['datapoints_to_alarm (6) must not exceed evaluation_periods (5).']);
  });

  it('refuse a scheduled function the module does not watch, naming it', async () => {
    const failed = evaluatePreconditions(await alarmsModule({ scheduled_functions: ['saveEntries', 'planSend'] })).filter((r) => !r.passed);
    expect(failed.map((r) => r.message)).toEqual(['scheduled_functions names functions that are not in functions: planSend.']);
  });
});

describe('alarm topic subscribers', () => {
  it('subscribes PagerDuty (https, auto-confirmed by PagerDuty) and the Slack channel email when they are set', async () => {
    const s = await loadStackAlarms(TERRAFORM_DIR, 'replication', 'prod1', {
      overrides: {
        alarm_pagerduty_endpoint: 'https://events.pagerduty.com/integration/TEST-FIXTURE-NOT-A-KEY/enqueue',
        alarm_slack_email: 'alerts@example.slack.com',
      },
    });
    expect(s.topic.subscriptions.sort((a, b) => a.protocol.localeCompare(b.protocol))).toEqual([
      { protocol: 'email', endpoint: 'alerts@example.slack.com' },
      { protocol: 'https', endpoint: 'https://events.pagerduty.com/integration/TEST-FIXTURE-NOT-A-KEY/enqueue' },
    ]);
  });
});

describe('a stack that forgets alarms', () => {
  let copy: string;

  beforeAll(() => {
    copy = mkdtempSync(path.join(tmpdir(), 'reg-workers-alarms-'));
    cpSync(TERRAFORM_DIR, copy, { recursive: true });
  });

  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('fails the coverage check naming the worker whose line is missing (workers.tf edited by hand)', async () => {
    const file = path.join(copy, 'stacks', 'replication', 'workers.tf');
    const text = readFileSync(file, 'utf8');
    const line = text.split('\n').find((l) => /^\s+retryScore\s+= \{ function_name =/.test(l));
    expect(line).toBeDefined();
    writeFileSync(file, text.replace(`${line}\n`, ''));
    const s = await loadStackAlarms(copy, 'replication', 'qa1');
    const fn = 'prd2011-qa1-us-east-1-retry-score';
    expect(coverage(s)).toEqual({
      missing: [
        `AWS/Lambda Duration FunctionName=${fn}`,
        `AWS/Lambda Errors ÷ Invocations FunctionName=${fn}`,
        `AWS/Lambda Throttles FunctionName=${fn}`,
      ],
      stale: [],
    });
  });

  it("fails naming a DLQ the stack creates without its alarm (missing from its worker's local)", async () => {
    const file = path.join(copy, 'stacks', 'selection', 'markAssignedCodes.tf');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/^\s+"mark-assigned-codes-dlq"\s+=.*\n/m, ''));
    const s = await loadStackAlarms(copy, 'selection', 'prod1');
    expect(coverage(s).missing).toEqual(['AWS/SQS ApproximateNumberOfMessagesVisible QueueName=prd2011-prod1-us-east-1-mark-assigned-codes-dlq']);
  });
});

describe('docs/operations.md', () => {
  it('lists exactly the runbook anchors the alarms link to', () => {
    const used = [...new Set(all.flatMap((s) => s.alarms.map((a) => alarmParts(a.description)?.anchor)))].sort();
    expect(runbookAnchors(readFileSync(OPERATIONS_DOC, 'utf8'))).toEqual(used);
  });

  it('holds the alarm table the Terraform gives (npm run alarms:doc)', () => {
    const doc = readFileSync(OPERATIONS_DOC, 'utf8');
    expect(withAlarmTable(doc, alarmTable(all)) === doc ? 'current' : 'out of date: run npm run alarms:doc').toBe('current');
  });

  it('is linked from the README', () => {
    expect(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')).toContain('docs/operations.md');
  });
});

describe('docs/runbooks.md', () => {
  const doc = () => readFileSync(path.join(REPO_ROOT, 'docs', 'runbooks.md'), 'utf8');
  const sections = () => [...doc().matchAll(/^<a id="([a-z0-9-]+)"><\/a>\n## /gm)].map((m) => m[1]);

  it('has a section at every anchor an alarm links to', () => {
    const used = [...new Set(all.flatMap((s) => s.alarms.map((a) => alarmParts(a.description)?.anchor ?? '')))];
    expect(used.filter((anchor) => !sections().includes(anchor))).toEqual([]);
  });

  it('has one section per failure mode of DOMAIN 9.2, each saying what is rehearsed and how, or why it is not', () => {
    const modes = [...REHEARSALS.map((r) => ({ mode: r.mode, name: r.name })), ...NOT_REHEARSED.map((n) => ({ mode: n.mode, name: n.runbook }))];
    expect(modes.map((m) => m.mode).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const { mode, name } of modes) {
      expect(sections()).toContain(name);
      expect(doc()).toMatch(new RegExp(`<a id="${name}"></a>\\n## ${mode}\\. `));
    }
    for (const r of REHEARSALS) {
      expect(doc()).toContain(`\`npm start -- --rehearse ${r.name}\``);
    }
    const flat = doc().replace(/\s+/g, ' ');
    for (const n of NOT_REHEARSED) {
      expect(flat).toContain(`**Not rehearsed locally**: ${n.why}`);
    }
  });

  it('is linked from the README and from the operations guide', () => {
    expect(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')).toContain('docs/runbooks.md');
    expect(readFileSync(OPERATIONS_DOC, 'utf8')).toContain('(runbooks.md)');
  });
});
