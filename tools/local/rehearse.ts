/**
 * Rehearsals of the runbooks (docs/runbooks.md): `npm start -- --rehearse <name|all>`.
 *
 * Each rehearsal runs the scenario (scenario.ts) and, at one of its phases, injects a failure of
 * DOMAIN 9.2's list, waits for the alarm the Terraform defines to fire (the run evaluates the
 * stacks' alarms itself: tools/local/cloudwatch), then does what the runbook says: the same
 * `npm run ops` verbs an operator types, and the fix (here: ending the injected failure, where
 * in AWS the operator fixes or waits out the cause). It passes only when the alarm is back to
 * OK, no other alarm is left in ALARM, and the scenario's invariants hold (nothing lost, nothing
 * duplicated, no dead letter left).
 *
 * Time: waiting for an alarm skips the local clock ahead to the end of the current period (at most
 * the alarm's evaluation window), and only while no invocation runs, as the scenario does for
 * schedules. Queue visibility timeouts are real time: a dead-letter rehearsal takes 1-2 minutes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../build/toolCli';
import { main as opsMain } from '../ops/main';
import type { AlarmStateValue } from './cloudwatch/evaluate';
import type { HandlerCode } from './lambda/bundles';
import type { LocalRuntime } from './runtime';
import type { PhaseId, ScenarioCampaign, ScenarioResult } from './scenario';
import { runScenario } from './scenario';

export interface RehearsalContext {
  rt: LocalRuntime;
  campaign: ScenarioCampaign;
  log(line: string): void;
  /** `npm run ops -- <argv> --env local`, its output logged; exit status other than 0 fails the rehearsal. */
  ops(...argv: string[]): Promise<string>;
  /** Evaluates the alarms until `alarm` (its name without the `prd2011-<env>-<region>-` prefix) is in `state`. */
  waitForAlarm(alarm: string, state: AlarmStateValue): Promise<void>;
  /** Waits until nothing runs and no consumed queue holds messages. */
  settle(): Promise<void>;
  /** Kept between the steps of one rehearsal (what was injected, to undo it). */
  memo: Record<string, unknown>;
}

type Step = (ctx: RehearsalContext) => Promise<void>;

export interface Rehearsal {
  /** The name `--rehearse` takes, and the runbook's section (docs/runbooks.md#<name>). */
  name: string;
  /** The failure mode of DOMAIN 9.2 (1-8) and its title there. */
  mode: number;
  title: string;
  /** What is injected. */
  failure: string;
  /** Alarms that must fire and come back to OK (names without the prefix); none: the symptom is checked instead. */
  alarms: (campaign: ScenarioCampaign) => string[];
  before?: Partial<Record<PhaseId, Step>>;
  after?: Partial<Record<PhaseId, Step>>;
}

/** A broken build of a worker: its bundle fails to load (Runtime.ImportModuleError), as a deploy with a missing module does. */
function brokenBundle(rt: LocalRuntime, worker: string): string {
  const file = path.join(path.dirname(rt.envFile), `broken-${worker}.js`);
  writeFileSync(
    file,
    `throw new Error("Cannot find module '@aws-sdk/client-sqs' (a broken build of ${worker}, injected by a rehearsal)");\n`,
  );
  return file;
}

/**
 * The dead-letter runbook's steps: the DLQ's alarm fires; `ops status` and `ops dlq peek` show
 * what waits; the cause is fixed; the messages go back (`move`: a redrive or a stream replay);
 * once the system has settled, the alarm is OK again.
 */
const deadLettersHandled =
  (stack: string, dlq: string, fix: (ctx: RehearsalContext) => void, move: string[]): Step =>
  async (ctx) => {
    await ctx.waitForAlarm(`${dlq}-messages`, 'ALARM');
    await ctx.ops('status', '--stack', stack);
    await ctx.ops('dlq', 'peek', dlq, '-n', '1');
    fix(ctx);
    await ctx.ops(...move, dlq);
    await ctx.settle();
    await ctx.waitForAlarm(`${dlq}-messages`, 'OK');
  };

const entryKeysOf = (rt: LocalRuntime, campaignId: string) =>
  [...rt.components.fakes.entries.entries.keys()].filter((k) => k.startsWith(`${campaignId}:`));

export const REHEARSALS: Rehearsal[] = [
  {
    name: 'dlq-messages',
    mode: 2,
    title: 'DLQ accumulation',
    failure:
      'Entry Service answers 503 to every entry upsert: saveEntries fails each batch three times and SQS dead-letters it',
    alarms: () => ['save-entries-dlq-messages'],
    before: {
      async registration({ rt, log }) {
        rt.components.fakes.entries.failNext({ status: 503, count: 1_000_000, path: '/v2/entries' });
        log('injected: Entry Service answers 503 to POST /v2/entries (an outage)');
      },
    },
    after: {
      registration: deadLettersHandled(
        'replication',
        'save-entries-dlq',
        ({ rt, log }) => {
          rt.components.fakes.entries.clearFailures();
          log('fixed: Entry Service answers again (in AWS: its incident is over; one request of your own confirms it)');
        },
        ['dlq', 'redrive'],
      ),
    },
  },
  {
    name: 'stream-iterator-age',
    mode: 3,
    title: 'Stream lag',
    failure:
      "a broken build of enqueueEntries: every invocation fails, the stream mapping retries each batch three times and sends its pointer to the mapping's DLQ",
    alarms: () => ['enqueue-entries-dlq-messages'],
    before: {
      async registration(ctx) {
        const fn = ctx.rt.functionOf('enqueueEntries');
        ctx.memo.previous = ctx.rt.host.updateCode(fn.name, {
          status: 'ready',
          worker: fn.worker,
          file: brokenBundle(ctx.rt, fn.worker),
          source: 'dist',
        });
        ctx.log('injected: enqueueEntries deployed with a bundle that does not load');
      },
    },
    after: {
      registration: deadLettersHandled(
        'replication',
        'enqueue-entries-dlq',
        ({ rt, log, memo }) => {
          rt.host.updateCode(rt.functionOf('enqueueEntries').name, memo.previous as HandlerCode);
          log(
            'fixed: enqueueEntries rolled back to the previous build (in AWS: redeploy the last good pipeline, docs/runbooks.md)',
          );
        },
        ['stream', 'replay'],
      ),
    },
  },
  {
    name: 'replication-out-of-sync',
    mode: 5,
    title: 'Replication out of sync',
    failure:
      "Entry Service loses a quarter of the campaign's entries (a restore on its side): no alarm fires, the counts differ",
    alarms: () => [],
    after: {
      async registration({ rt, campaign, log, ops, settle }) {
        const { entries } = rt.components.fakes.entries;
        const keys = entryKeysOf(rt, campaign.campaignId);
        const lost = keys.filter((_, i) => i % 4 === 0);
        for (const key of lost) {
          entries.delete(key);
        }
        log(`injected: Entry Service lost ${lost.length} of the campaign's ${keys.length} entries`);
        await ops('replicate', '--campaign', campaign.campaignId, '--dry-run');
        log(
          `symptom: Entry Service holds ${entryKeysOf(rt, campaign.campaignId).length} entries for the campaign's ${keys.length} registrations`,
        );
        await ops('replicate', '--campaign', campaign.campaignId, '--rate', '200');
        await settle();
        const held = entryKeysOf(rt, campaign.campaignId).length;
        if (held !== keys.length) {
          throw new Error(`after replicate Entry Service holds ${held} of ${keys.length} entries`);
        }
        log(`recovered: Entry Service holds all ${held} entries again`);
      },
    },
  },
  {
    name: 'state-machine-failed',
    mode: 6,
    title: 'Selection failures (stats stuck in PROCESSING)',
    failure: 'Code Service refuses every code reservation (503): each market’s selection-step-fn execution fails',
    // enqueueMarketSelections runs a few times an hour: its error-rate alarm holds its last run's state.
    alarms: () => ['selection-step-fn-executions-failed', 'enqueue-market-selections-error-rate'],
    before: {
      async selection({ rt, campaign, log }) {
        rt.components.fakes.codes.failNext({
          status: 503,
          count: 1_000_000,
          path: new RegExp(`^/${campaign.campaignId}/reserve$`),
        });
        log('injected: Code Service answers 503 to every reservation of the campaign');
      },
    },
    after: {
      async selection({ rt, campaign, log, ops, waitForAlarm, settle }) {
        await waitForAlarm('selection-step-fn-executions-failed', 'ALARM');
        await ops('status', '--stack', 'selection');
        // What `aws stepfunctions list-executions --status-filter FAILED` and describe-execution show.
        const machine = rt.model.stateMachines.find((s) => s.name.endsWith('selection-step-fn'))!;
        const failed = rt.stepFunctions
          .all()
          .filter(
            (e) =>
              e.stateMachineArn === machine.arn &&
              e.status === 'FAILED' &&
              (JSON.parse(e.input) as { campaignId?: string }).campaignId === campaign.campaignId,
          );
        for (const e of failed) {
          log(`failed execution ${e.name}: ${e.error}: ${e.cause?.slice(0, 160)}; input ${e.input.slice(0, 160)}`);
        }
        rt.components.fakes.codes.clearFailures();
        log('fixed: Code Service reserves codes again');
        for (const e of failed) {
          const input = JSON.parse(e.input) as {
            campaignId: string;
            marketId: string;
            dateId: string;
            selectionCount?: number;
          };
          await ops(
            'selection',
            'restart',
            '--campaign',
            input.campaignId,
            '--market',
            input.marketId,
            '--date',
            input.dateId,
            ...(input.selectionCount === undefined ? [] : ['--count', String(input.selectionCount)]),
          );
        }
        await settle();
        await waitForAlarm('selection-step-fn-executions-failed', 'OK');
        await waitForAlarm('enqueue-market-selections-error-rate', 'OK');
      },
    },
  },
];

/** Failure modes of DOMAIN 9.2 not rehearsed on one machine, and why (docs/runbooks.md says the same). */
export const NOT_REHEARSED: { mode: number; title: string; runbook: string; why: string }[] = [
  {
    mode: 1,
    title: 'Lambda timeouts',
    runbook: 'function-duration',
    why: "the workers' service clients give up after 2 s and three tries, so a slow dependency fails a call long before the 30 s timeout; an invocation near its timeout needs a hang no local fake produces",
  },
  {
    mode: 4,
    title: 'Kafka publish failures',
    runbook: 'kafka-publish-failures',
    why: "the expired-certificate case needs a broker that checks client certificates, and the scenario's Kafka has no TLS; sendData's recovery from a broker outage is tested by test/integration/local/outages.test.ts",
  },
  {
    mode: 7,
    title: 'Stale campaign cache',
    runbook: 'stale-campaign-cache',
    why: 'no alarm watches it, and the scenario registers each fan once (a rehearsal would need fans who retry after the eviction); ops cache evict is tested on a real run by test/integration/ops/verbs.test.ts',
  },
  { mode: 8, title: 'Cost spikes', runbook: 'cost-spikes', why: 'a bill and Cost Explorer do not exist locally' },
];

export interface RehearsalResult {
  name: string;
  ok: boolean;
  /** Why it failed: a step's error, an alarm that did not fire or come back, an invariant. */
  problems: string[];
  /** The alarm changes of the rehearsal, in order. */
  alarmChanges: { alarm: string; to: AlarmStateValue; at: string }[];
  scenario?: ScenarioResult;
}

/** The rehearsals named by `--rehearse` (`all`: every one); an unknown name is a usage error. */
export function selectRehearsals(names: string): Rehearsal[] {
  if (names === 'all') {
    return REHEARSALS;
  }
  return names.split(',').map((name) => {
    const found = REHEARSALS.find((r) => r.name === name);
    if (!found) {
      const skipped = NOT_REHEARSED.find((n) => n.runbook === name);
      throw new CliError(
        skipped
          ? `${name} cannot be rehearsed locally: ${skipped.why}`
          : `no rehearsal "${name}"; rehearsals: ${REHEARSALS.map((r) => r.name).join(', ')}, or all`,
        2,
      );
    }
    return found;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one rehearsal on a started runtime. */
export async function rehearse(
  rt: LocalRuntime,
  rehearsal: Rehearsal,
  options: {
    fans: number;
    markets: number;
    log: (line: string) => void;
    status?: (line: string) => void;
    settleTimeoutMs?: number;
  },
): Promise<RehearsalResult> {
  const { log } = options;
  const prefix = `prd2011-${rt.environment}-${rt.model.region}-`;
  const short = (name: string) => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
  const historyFrom = rt.alarms.history.length;
  const problems: string[] = [];
  const memo: Record<string, unknown> = {};
  const settleTimeoutMs = options.settleTimeoutMs ?? 300_000;
  let campaign: ScenarioCampaign | undefined;

  const context = (c: ScenarioCampaign): RehearsalContext => ({
    rt,
    campaign: c,
    memo,
    log: (line) => log(`  [${rehearsal.name}] ${line}`),
    async ops(...argv) {
      const lines: string[] = [];
      log(`  [${rehearsal.name}] $ npm run ops -- ${argv.join(' ')} --env local`);
      let code: number;
      try {
        code = await opsMain([...argv, '--env', 'local', '--env-file', rt.envFile], {
          out: (line) => lines.push(line),
          ask: async () => false,
        });
      } catch (error) {
        throw new Error(`ops ${argv.join(' ')}: ${(error as Error).message}`);
      } finally {
        for (const line of lines.join('\n').split('\n')) {
          log(`      ${line}`);
        }
      }
      if (code !== 0) {
        throw new Error(`ops ${argv.join(' ')} exited ${code}`);
      }
      return lines.join('\n');
    },
    async waitForAlarm(alarm, state) {
      const s = rt.alarms.state(`${prefix}${alarm}`);
      const period = s.alarm.period * 1000;
      // The most local time a wait may skip: the alarm's whole evaluation window and one period more.
      let skippable = (s.alarm.evaluationPeriods + 1) * period;
      const deadline = Date.now() + settleTimeoutMs;
      for (;;) {
        await rt.alarms.tick();
        if (s.state === state) {
          log(`  [${rehearsal.name}] alarm ${alarm} is ${state}: ${s.reason}`);
          return;
        }
        if (Date.now() > deadline) {
          throw new Error(
            `alarm ${alarm} is still ${s.state} after ${settleTimeoutMs / 1000} s, not ${state}: ${s.reason}`,
          );
        }
        if (rt.host.inFlight() === 0 && skippable > 0) {
          const to = Math.ceil((rt.clock.now() + 1) / period) * period + 1000;
          skippable -= to - rt.clock.now();
          rt.clock.advanceTo(to);
        }
        await sleep(250);
      }
    },
    settle: () => rt.waitForIdle({ timeoutMs: settleTimeoutMs, quietMs: 2000 }),
  });

  const step = (steps: Partial<Record<PhaseId, Step>> | undefined) => async (phase: PhaseId, c: ScenarioCampaign) => {
    campaign = c;
    const run = steps?.[phase];
    if (run) {
      await run(context(c));
    }
  };

  log(
    `Rehearsal ${rehearsal.name} (DOMAIN 9.2 #${rehearsal.mode}, ${rehearsal.title}): ${rehearsal.failure}; runbook docs/runbooks.md#${rehearsal.name}`,
  );
  let scenario: ScenarioResult | undefined;
  try {
    scenario = await runScenario(rt, {
      fans: options.fans,
      markets: options.markets,
      faults: false,
      retried: true,
      log,
      status: options.status,
      settleTimeoutMs,
      hooks: { before: step(rehearsal.before), after: step(rehearsal.after) },
    });
    for (const i of scenario.invariants.filter((x) => !x.ok)) {
      problems.push(`invariant ${i.name}: ${i.detail}`);
    }
  } catch (error) {
    problems.push((error as Error).message);
  }
  // Into and out of ALARM (a first evaluation, INSUFFICIENT_DATA → OK, is not news).
  const changes = rt.alarms.history.slice(historyFrom).filter((c) => c.to === 'ALARM' || c.from === 'ALARM');
  const expected = campaign ? rehearsal.alarms(campaign) : [];
  for (const alarm of expected) {
    if (!changes.some((c) => short(c.name) === alarm && c.to === 'ALARM')) {
      problems.push(`alarm ${alarm} never fired`);
    }
  }
  await rt.alarms.tick();
  const stillFiring = rt.alarms.inAlarm().map(short);
  if (stillFiring.length > 0) {
    problems.push(`still in ALARM at the end: ${stillFiring.join(', ')}`);
  }
  return {
    name: rehearsal.name,
    ok: problems.length === 0,
    problems,
    alarmChanges: changes.map((c) => ({ alarm: short(c.name), to: c.to, at: new Date(c.at).toISOString() })),
    scenario,
  };
}
