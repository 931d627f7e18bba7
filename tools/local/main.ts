/**
 * `npm start`: the whole system on this machine. Starts the local components, wires the worker
 * handlers from the stacks' Terraform, runs the scenario, prints a summary, and exits 0 only
 * when every invariant holds. `--keep-running` keeps the system up afterwards for poking.
 */
import path from 'node:path';
import { CliError, ROOT, parseCli, usageError } from '../build/toolCli';
import type { LocalRuntime, StageStats } from './runtime';
import { startRuntime } from './runtime';
import { claimRun, stopCommand, watchForStop } from './runState';
import type { ScenarioResult } from './scenario';
import { runScenario } from './scenario';
import { triggersOf } from './wiring/diagram';
import { readSpans, spanTree } from './tracing/spanTree';
import type { Rehearsal, RehearsalResult } from './rehearse';
import { NOT_REHEARSED, REHEARSALS, rehearse, selectRehearsals } from './rehearse';

const TOOL = 'npm start --';

const HELP = `Run reg-workers locally: the 15 workers wired as the Terraform stacks wire them, on local
stand-ins of DynamoDB (+ stream), SQS/SNS, Step Functions, EventBridge, Lambda, Secrets Manager,
Redis, Kafka, MongoDB and the HTTP services; then a scenario and a summary.

usage: npm start [-- [--fans N] [--markets N] [--faults] [--keep-running] [--no-scenario]
                    [--rehearse NAME[,NAME]|all] [--clock-speed N] [--environment NAME] [--port N]]

  --fans N            fans who register (default 2000)
  --markets N         markets of the campaign (default 3)
  --faults            inject service failures and a Kafka broker outage; the run must recover
  --keep-running      stay up after the scenario (Ctrl-C stops everything)
  --no-scenario       start the system and stay up, without the scenario
  --rehearse NAMES    rehearse runbooks (docs/runbooks.md): inject the failure during the
                      scenario (default 40 fans, 2 markets), see its alarm fire, run the runbook's
                      ops commands, exit 0 only when the alarm is OK again and the invariants hold.
                      Names: ${REHEARSALS.map((r) => r.name).join(', ')}; all: every one
  --clock-speed N     local seconds per real second while the system is idle (default 1);
                      schedules (rate(5 minutes), ...) and reminder times follow the local clock
  --environment NAME  Terraform environment name used in resource names (default local)
  --port N            port of the one AWS endpoint every client can use (default 4566; 0: a free one)
  -h, --help          show this help

Clients: source .local/run/<environment>/env.sh (the endpoint, region, dummy credentials, and
the function and queue names), then any AWS CLI or SDK works against the run.
Docs: docs/local-runtime.md. Logs of each function: .local/run/<environment>/logs/<worker>.log`;

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw usageError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`, TOOL);
  }
  return n;
}

/** A fixed-width text table. */
export function table(rows: string[][], numeric: ReadonlySet<number>): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The per-stage summary table. */
export function stageTable(stages: StageStats[]): string {
  return table(
    [
      ['stage', 'trigger', 'in', 'processed', 'rejected', 'failed', 'dead-lettered', 'time'],
      ...stages.map((s) => [
        s.stage,
        s.trigger,
        String(s.in),
        String(s.processed),
        String(s.rejected),
        String(s.failed),
        String(s.deadLettered),
        s.timeMs ? `${(s.timeMs / 1000).toFixed(1)} s` : '-',
      ]),
    ],
    new Set([2, 3, 4, 5, 6, 7]),
  );
}

function printEndpoints(rt: LocalRuntime): void {
  const e = rt.exports;
  const functions = rt.model.functions
    .map((f) => [f.worker, f.name, triggersOf(rt.model, f).join(', ') || 'direct invocation'])
    .sort((a, b) => a[0].localeCompare(b[0]));
  console.log(`
Functions
${table([['worker', 'function', 'trigger'], ...functions], new Set())
  .split('\n')
  .map((line) => `  ${line}`)
  .join('\n')}

Endpoints
  AWS (every service: SQS, SNS, Lambda, Step Functions, EventBridge, DynamoDB + streams, Secrets Manager, STS)
                                         ${e.AWS_ENDPOINT_URL}
  Redis                                  ${e.REDIS_URL}
  Kafka                                  ${e.KAFKA_BROKERS}
  MongoDB                                ${e.MONGODB_URI}
  Entry / User / Campaign / Code / Exports services
                                         ${e.ENTRY_SERVICE_URL} ${e.USER_SERVICE_URL} ${e.CAMPAIGN_SERVICE_URL} ${e.CODE_SERVICE_URL} ${e.EXPORTS_SERVICE_URL}
  Function logs                          ${path.relative(ROOT, path.join(path.dirname(rt.envFile), 'logs'))}/
  Traces (OTLP JSON lines)               ${rt.tracing ? path.relative(ROOT, rt.tracing.file) : 'off'}

For AWS CLIs and SDKs in another shell:
  source ${path.relative(process.cwd(), rt.envFile) || rt.envFile}`);
}

function printKeepRunningHelp(environment: string): void {
  console.log(`
Running. Try, from another shell (after the source line above):
  aws lambda invoke --function-name "$FN_CHECK_ELIGIBILITY" --cli-binary-format raw-in-base64-out --payload '{"arguments":{"input":{"slug":"none"}}}' /dev/stdout
  aws sqs send-message --queue-url "$QUEUE_DATA_QUEUE" --message-body '{"type":"campaign","data":{"id":"c1"}}'
  aws sqs list-queues
Ctrl-C (or ${stopCommand(environment)}) stops everything.`);
}

/** The span trees of the registration and the selection the scenario followed (docs/operations.md). */
function printTraces(rt: LocalRuntime, result: ScenarioResult): void {
  if (!rt.tracing) {
    return;
  }
  const spans = readSpans(rt.tracing.file);
  const { registration, selection } = result.traces;
  const followed = [
    registration && { title: `one registration (fan ${registration.fan}): stream → Entry Service, and → Kafka`, traceId: registration.traceId },
    selection && { title: `one selection (${selection.market}): state machine → code assignment`, traceId: selection.traceId },
  ];
  for (const f of followed) {
    if (f) {
      console.log(`\nTrace of ${f.title}\ntrace id ${f.traceId}; ⇢ is the batch invocation a record was processed in\n`);
      console.log(spanTree(spans, f.traceId).map((line) => `  ${line}`).join('\n'));
    }
  }
  console.log(`\nEvery span of the run: ${path.relative(ROOT, rt.tracing.file)} (docs/operations.md, "Following one record")`);
}

/** What each column of the stage table counts (printed under it). */
export const STAGE_LEGEND: [string, string][] = [
  ['in', 'records a batch worker received, or invocations of any other function'],
  ['processed', 'records (or invocations) that succeeded'],
  ['rejected', 'refused by a rule of the spec, logged with the reason; not retried'],
  ['failed', 'attempts that failed and were retried: batch item failures and failed invocations'],
  ['dead-lettered', "messages in the stage's dead-letter queue or on-failure destination at the end"],
  ['time', "from the stage's first invocation to the end of its last"],
];

/**
 * The scenario's summary: the stage table with its legend, the phases' times, the total duration
 * (start-up, that is components, stacks and bundles, plus the scenario) and the invariants.
 */
export function summaryText(result: ScenarioResult, timing: { startupMs: number; totalMs: number }): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const width = Math.max(...STAGE_LEGEND.map(([column]) => column.length));
  return [
    `Summary (campaign ${result.campaignId})`,
    '',
    stageTable(result.stages),
    '',
    ...STAGE_LEGEND.map(([column, meaning]) => `  ${column.padEnd(width)}  ${meaning}`),
    '',
    table([['phase', 'time'], ...result.phases.map((p) => [p.name, seconds(p.ms)])], new Set([1])),
    '',
    `Total: ${seconds(timing.totalMs)} (start-up ${seconds(timing.startupMs)}, scenario ${seconds(timing.totalMs - timing.startupMs)})`,
    '',
    'Invariants',
    ...result.invariants.map((i) => `  ${i.ok ? '✓' : '✗'} ${i.name}: ${i.detail}`),
    result.ok ? '\nAll invariants hold.' : '\nSome invariants do not hold (✗ above).',
  ].join('\n');
}

/** The alarm changes of the run (docs/runbooks.md): none, for a scenario without faults. */
function printAlarms(rt: LocalRuntime): void {
  const changes = rt.alarms.history.filter((c) => c.to === 'ALARM' || c.from === 'ALARM');
  console.log(
    changes.length === 0
      ? `\nAlarms: none of the ${rt.alarms.all().length} alarms fired.`
      : `\nAlarms (docs/runbooks.md):\n${changes.map((c) => `  ${new Date(c.at).toISOString()}  ${c.to.padEnd(5)}  ${c.name}`).join('\n')}`,
  );
}

function printRehearsals(results: RehearsalResult[]): void {
  console.log('\nRehearsals');
  for (const r of results) {
    console.log(`  ${r.ok ? '✓' : '✗'} ${r.name}: alarms ${r.alarmChanges.map((c) => `${c.alarm} → ${c.to} at ${c.at.slice(11, 19)}`).join(', ') || 'none changed'}`);
    for (const problem of r.problems) {
      console.log(`      ✗ ${problem}`);
    }
  }
  console.log(`\nNot rehearsed here (docs/runbooks.md says why):\n${NOT_REHEARSED.map((n) => `  ${n.runbook}: ${n.why}`).join('\n')}`);
  console.log(results.every((r) => r.ok) ? '\nEvery rehearsal passed.' : '\nSome rehearsals failed (✗ above).');
}

interface StartOptions {
  fans: number;
  markets: number;
  faults: boolean;
  keepRunning: boolean;
  scenario: boolean;
  rehearsals?: Rehearsal[];
  clockSpeed: number;
  environment: string;
  port: number;
}

/** The options of `npm start`, checked; `undefined` after printing the help. */
function parseStartOptions(argv: string[]): StartOptions | undefined {
  const { values } = parseCli(
    argv,
    {
      fans: { type: 'string' },
      markets: { type: 'string' },
      faults: { type: 'boolean' },
      'keep-running': { type: 'boolean' },
      'no-scenario': { type: 'boolean' },
      rehearse: { type: 'string' },
      'clock-speed': { type: 'string' },
      environment: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    TOOL,
    false,
  );
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  const rehearsals = values.rehearse === undefined ? undefined : selectRehearsals(values.rehearse);
  if (rehearsals && (values.faults || values['no-scenario'] || values['keep-running'])) {
    throw usageError('--rehearse runs its own scenario: it does not go with --faults, --no-scenario or --keep-running', TOOL);
  }
  const environment = values.environment ?? 'local';
  if (!/^[a-z][a-z0-9]{0,11}$/.test(environment)) {
    throw usageError('--environment must be 1-12 lower-case letters and digits, starting with a letter', TOOL);
  }
  const port = values.port === undefined ? 4566 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '4566') || port > 65535) {
    throw usageError(`--port must be a TCP port (1-65535, or 0 for a free one), got ${JSON.stringify(values.port)}`, TOOL);
  }
  return {
    fans: positiveInt(values.fans, '--fans', rehearsals ? 40 : 2000),
    markets: positiveInt(values.markets, '--markets', rehearsals ? 2 : 3),
    faults: values.faults ?? false,
    keepRunning: values['keep-running'] ?? false,
    scenario: !values['no-scenario'],
    rehearsals,
    clockSpeed: positiveInt(values['clock-speed'], '--clock-speed', 1),
    environment,
    port,
  };
}

/**
 * Progress output: `log` prints a line; `status` shows the current state while waiting, replaced
 * in place on a terminal and printed at most every 5 seconds otherwise.
 */
function progressOutput(): { log: (line: string) => void; status: (line: string) => void } {
  const tty = Boolean(process.stdout.isTTY);
  let lastStatus = 0;
  const status = (line: string) => {
    if (tty) {
      // One terminal line, so the next status replaces it in place.
      process.stdout.write(`\r\x1b[K${line.slice(0, (process.stdout.columns || 120) - 1)}`);
    } else if (line && Date.now() - lastStatus > 5000) {
      lastStatus = Date.now();
      console.log(line);
    }
  };
  const log = (line: string) => {
    status('');
    console.log(line);
  };
  return { log, status };
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseStartOptions(argv);
  if (!parsed) {
    return 0;
  }
  const { fans, markets, rehearsals, scenario, environment } = parsed;
  const { log, status } = progressOutput();

  // Refuses while another run of this environment is alive; stops what a killed one left.
  const run = await claimRun({ root: ROOT, environment, log: (line) => console.log(line) });
  console.log(
    `reg-workers local runtime (${
      rehearsals
        ? `rehearsing ${rehearsals.map((r) => r.name).join(', ')} with ${fans} fans, ${markets} markets`
        : scenario
          ? `scenario: ${fans} fans, ${markets} markets${parsed.faults ? ', with faults' : ''}`
          : 'no scenario'
    })\n`,
  );
  let stopping = false;
  let runtime: LocalRuntime | undefined;
  // Persistent listeners (SIGINT, SIGTERM, SIGHUP, and the parent's exit, see runState.ts): the
  // harness's process hooks re-raise a signal (and end the process at once) only when nobody else
  // listens, so this keeps the stop graceful. A second Ctrl-C ends it.
  let unwatch: () => void = () => undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    const onSignal = () => {
      if (stopping) {
        process.exit(130);
      }
      stopping = true;
      resolve('interrupted');
    };
    unwatch = watchForStop(onSignal, { log: (line) => console.log(`\n${line}`) });
  });
  try {
    // Once stopping, the components are going away under the pollers: their errors are expected.
    const runtimeLog = (line: string) => (stopping ? undefined : log(`  ${line}`));
    const began = Date.now();
    const started = startRuntime({ root: ROOT, environment, clockSpeed: parsed.clockSpeed, ownKafka: parsed.faults, edgePort: parsed.port, log: runtimeLog });
    const first = await Promise.race([started, interrupted]);
    if (first === 'interrupted') {
      console.log('\nStopping...');
      await (await started.catch(() => undefined))?.stop();
      return 130;
    }
    runtime = first;
    const startupMs = Date.now() - began;
    const notReady = [...runtime.handlers.values()].filter((h) => h.status !== 'ready');
    if (notReady.length > 0 && scenario) {
      throw new CliError(`cannot run the scenario: ${notReady.map((h) => `${h.worker} (${h.status})`).join(', ')} not runnable`);
    }
    printEndpoints(runtime);
    let code = 0;
    if (rehearsals) {
      const rt = runtime;
      const outcome = await Promise.race([
        (async () => {
          const results: RehearsalResult[] = [];
          for (const r of rehearsals) {
            console.log('');
            results.push(await rehearse(rt, r, { fans, markets, log, status }));
          }
          return results;
        })(),
        interrupted,
      ]);
      if (outcome === 'interrupted') {
        console.log('\nStopping...');
        return 130;
      }
      printRehearsals(outcome);
      return outcome.every((r) => r.ok) ? 0 : 1;
    }
    if (scenario) {
      console.log('');
      const outcome = await Promise.race([runScenario(runtime, { fans, markets, faults: parsed.faults, log, status }), interrupted]);
      if (outcome === 'interrupted') {
        console.log('\nStopping...');
        return 130;
      }
      printTraces(runtime, outcome);
      console.log(`\n${summaryText(outcome, { startupMs, totalMs: Date.now() - began })}`);
      printAlarms(runtime);
      code = outcome.ok ? 0 : 1;
    }
    if (parsed.keepRunning || !scenario) {
      printKeepRunningHelp(environment);
      await interrupted;
      console.log('\nStopping...');
    }
    return code;
  } finally {
    stopping = true;
    try {
      await runtime?.stop();
    } finally {
      run.release();
      unwatch();
    }
  }
}
