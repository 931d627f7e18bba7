/**
 * Cold start per worker, as ratios measured in this run (issue 30):
 * - init: a fresh Node process `require()`s the worker's bundle, which runs its top level, as
 *   Lambda's init phase does; then its first invocation: the handler called once with an event
 *   that takes the worker's main path through its clients (coldStartEvents.ts) against the local
 *   run (startRuntime, no scenario), in the environment the local run gives that function;
 * - the same for the original's layout (the baseline): every worker in one bundle, `APP_NAME`
 *   choosing the handler, every package run at init as the original ran it (the MongoDB driver
 *   too, which our workers now load on first use); and the worker's floor: only the packages it
 *   imports, with an empty handler (tools/bench/coldStartBundles.ts).
 * The three run interleaved (A, B, F, then B, F, A …), ROUNDS fresh processes each, and the rows
 * give medians. Bundles use the local configuration (the endpoints of the local run); which
 * configuration is baked in does not change what loads.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WORKERS, workerEntryPath } from '../src/workers/registry';
import { configForBuild } from '../tools/build/config';
import { startRuntime } from '../tools/local/runtime';
import type { LocalRuntime } from '../tools/local/runtime';
import { median } from '../tools/bench/stats';
import type { BenchContext, BenchRow } from '../tools/bench/types';
import type { BuiltBundle } from '../tools/bench/coldStartBundles';
import { ColdStartBundles } from '../tools/bench/coldStartBundles';
import type { FirstInvocation } from './coldStartEvents';
import { FIRST_INVOCATIONS } from './coldStartEvents';

/** Fresh processes per bundle and worker (the issue asks for at least 15). */
const ROUNDS = 15;
/** Targets of issue 30, as ratios. */
const INIT_TARGET = 0.3;
const FLOOR_TARGET = 1.3;
const MONGODB_TARGET = 1.3;
const RESULT_MARKER = 'COLD_START_RESULT ';

/** The child: loads the bundle (init), then calls the handler once with the event (first invocation). */
const CHILD = `
const { readFileSync, writeSync } = require('node:fs');
const out = (r) => writeSync(2, ${JSON.stringify(RESULT_MARKER)} + JSON.stringify(r) + '\\n');
const t0 = process.hrtime.bigint();
const mod = require(process.env.COLD_START_BUNDLE);
const init = Number(process.hrtime.bigint() - t0) / 1e6;
if (!process.env.COLD_START_EVENT) { out({ init }); process.exit(0); }
const event = JSON.parse(readFileSync(process.env.COLD_START_EVENT, 'utf8'));
const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
const deadline = Date.now() + Number(process.env.COLD_START_TIMEOUT_MS);
const context = { functionName: name, functionVersion: '$LATEST', awsRequestId: 'cold-start-bench',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:' + name,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, logGroupName: '/aws/lambda/' + name,
  logStreamName: 'bench', callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
const t1 = process.hrtime.bigint();
Promise.resolve().then(() => mod.handler(event, context)).then(
  (result) => { out({ init, first: Number(process.hrtime.bigint() - t1) / 1e6, result }); process.exit(0); },
  (error) => { out({ init, error: String(error && error.stack || error) }); process.exit(0); });
`;

interface Sample {
  init: number;
  first?: number;
  result?: unknown;
  error?: string;
}

function runChild(script: string, env: Record<string, string>, cwd: string, nodeFlags: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, script], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = err.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || !line) {
        reject(
          new Error(`the cold-start child for ${env.COLD_START_BUNDLE} exited ${code}: ${err.trim().slice(-2000)}`),
        );
      } else {
        resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as Sample);
      }
    });
  });
}

/** The worker, and its case when it has more than one (`checkEligibility (cache hit)`). */
const label = (m: { worker: string; case?: string }) => (m.case ? `${m.worker} (${m.case})` : m.worker);
const round = (n: number) => Math.round(n * 10) / 10;

type Variant = 'worker' | 'allInOne' | 'floor';
const ORDER: Variant[] = ['worker', 'allInOne', 'floor'];

interface Measured {
  worker: string;
  /** Its bundle loads the MongoDB driver (mongodb.js beside index.js). */
  loadsMongoDb: boolean;
  case?: string;
  path: string;
  bytes: Record<Variant, number>;
  init: Record<Variant, number[]>;
  first: Record<Exclude<Variant, 'floor'>, number[]>;
}

async function measure(
  runtime: LocalRuntime,
  invocation: FirstInvocation,
  bundles: Record<Variant, BuiltBundle>,
  files: { script: string; event: string; cwd: string; profileDir?: string },
): Promise<Omit<Measured, 'loadsMongoDb'>> {
  const fn = runtime.functionOf(invocation.worker);
  const spec = runtime.host.find(fn.name);
  if (!spec) {
    throw new Error(`the local run has no function for ${invocation.worker}`);
  }
  const base = {
    ...runtime.host.environmentOf(spec),
    PATH: process.env.PATH ?? '',
    COLD_START_TIMEOUT_MS: String(spec.timeoutSeconds * 1000),
  };
  writeFileSync(files.event, JSON.stringify(invocation.event));
  const m: Omit<Measured, 'loadsMongoDb'> = {
    worker: invocation.worker,
    case: invocation.case,
    path: invocation.path,
    bytes: { worker: bundles.worker.bytes, allInOne: bundles.allInOne.bytes, floor: bundles.floor.bytes },
    init: { worker: [], allInOne: [], floor: [] },
    first: { worker: [], allInOne: [] },
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < ORDER.length; k++) {
      const variant = ORDER[(r + k) % ORDER.length];
      const bundle = bundles[variant];
      const env: Record<string, string> = {
        ...base,
        LAMBDA_TASK_ROOT: path.dirname(bundle.file),
        COLD_START_BUNDLE: bundle.file,
        ...(variant === 'allInOne' ? { APP_NAME: invocation.worker } : {}),
        ...(variant === 'floor' ? {} : { COLD_START_EVENT: files.event }),
      };
      if (variant !== 'floor') {
        await invocation.beforeEach?.(runtime);
      }
      // With --cpu-prof, the first round's processes write a profile each: <worker>-<variant>.cpuprofile.
      const profile =
        files.profileDir && r === 0
          ? [
              '--cpu-prof',
              '--cpu-prof-dir',
              files.profileDir,
              '--cpu-prof-name',
              `${label(invocation)}-${variant}.cpuprofile`,
            ]
          : [];
      const sample = await runChild(files.script, env, files.cwd, profile);
      m.init[variant].push(sample.init);
      if (variant === 'floor') {
        continue;
      }
      const problem = sample.error ?? invocation.check(sample.result);
      if (problem !== undefined || sample.first === undefined) {
        throw new Error(`${invocation.worker} (${variant}) did not take the measured path: ${problem ?? 'no time'}`);
      }
      m.first[variant].push(sample.first);
    }
  }
  return m;
}

function rows(all: Measured[]): BenchRow[] {
  const out: BenchRow[] = [];
  const initOf = (m: Measured) => median(m.init.worker);
  for (const m of all) {
    const name = label(m);
    const spread = (v: number[]) => `min ${round(Math.min(...v))}, max ${round(Math.max(...v))} ms`;
    out.push(
      {
        name: `${name}: init`,
        value: round(initOf(m)),
        unit: 'ms',
        target: `≤ ${INIT_TARGET} of the all-in-one bundle`,
        baseline: { name: 'all-in-one bundle (APP_NAME)', value: round(median(m.init.allInOne)) },
        summary: { atMost: INIT_TARGET },
        notes: `require() of index.js (${Math.round(m.bytes.worker / 1024)} KiB; all-in-one ${Math.round(m.bytes.allInOne / 1024)} KiB), median of ${ROUNDS} fresh processes; ${spread(m.init.worker)}`,
      },
      {
        name: `${name}: init against its floor`,
        value: round(initOf(m)),
        unit: 'ms',
        target: `≤ ${FLOOR_TARGET}x its floor`,
        baseline: { name: 'floor (its packages, empty handler)', value: round(median(m.init.floor)) },
        summary: { atMost: FLOOR_TARGET },
        notes: `floor ${Math.round(m.bytes.floor / 1024)} KiB; ${spread(m.init.floor)}`,
      },
      {
        name: `${name}: first invocation`,
        value: round(median(m.first.worker)),
        unit: 'ms',
        baseline: { name: 'all-in-one bundle (APP_NAME)', value: round(median(m.first.allInOne)) },
        notes: `${m.path}; ${spread(m.first.worker)}`,
      },
      {
        name: `${name}: cold start (init + first invocation)`,
        value: round(median(m.init.worker.map((t, i) => t + m.first.worker[i]))),
        unit: 'ms',
        baseline: {
          name: 'all-in-one bundle (APP_NAME)',
          value: round(median(m.init.allInOne.map((t, i) => t + m.first.allInOne[i]))),
        },
      },
    );
  }
  // One worker per name (checkEligibility's cache hit: its common cold start).
  const perWorker = all.filter((m, i) => all.findIndex((n) => n.worker === m.worker) === i);
  const others = perWorker.filter((m) => !m.loadsMongoDb).map(initOf);
  const mongo = perWorker.filter((m) => m.loadsMongoDb);
  const slowest = mongo.reduce((a, b) => (initOf(b) > initOf(a) ? b : a));
  out.push({
    name: 'MongoDB workers: slowest init against the median of the others',
    value: round(initOf(slowest)),
    unit: 'ms',
    target: `≤ ${MONGODB_TARGET}x`,
    baseline: { name: `median init of the other ${others.length} workers`, value: round(median(others)) },
    summary: { atMost: MONGODB_TARGET },
    notes: `slowest: ${slowest.worker}; ${mongo.map((m) => `${m.worker} ${round(initOf(m))}`).join(', ')} ms`,
  });
  const total = (m: Measured, v: 'worker' | 'allInOne') => median(m.init[v].map((t, i) => t + m.first[v][i]));
  const worst = all.reduce((a, b) =>
    total(b, 'worker') / total(b, 'allInOne') > total(a, 'worker') / total(a, 'allInOne') ? b : a,
  );
  out.push({
    name: 'Cold start (init + first invocation): the worker closest to the all-in-one bundle',
    value: round(total(worst, 'worker')),
    unit: 'ms',
    target: '≤ 1.0: loading on first use must not make a cold start slower than the original',
    baseline: { name: 'all-in-one bundle (APP_NAME)', value: round(total(worst, 'allInOne')) },
    summary: { atMost: 1 },
    notes: `${label(worst)}; every worker's row is below`,
  });
  return out;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const root = process.cwd();
  const scratch = mkdtempSync(path.join(tmpdir(), 'reg-workers-bench-cold-'));
  const environment = 'bench-cold';
  const runtime = await startRuntime({ root, environment, tracing: false, log: () => undefined });
  try {
    const bundles = new ColdStartBundles({
      root,
      config: configForBuild('local', path.join(root, 'configs')),
      entriesDir: path.join(root, '.local', 'bench', 'coldStart'),
      outDir: scratch,
    });
    const workers = WORKERS.map((w) => ({ name: w.name, entry: workerEntryPath(w) }));
    const allInOne = await bundles.allInOne(workers);
    ctx.progress(`all-in-one bundle: ${Math.round(allInOne.bytes / 1024)} KiB`);
    const files = {
      script: path.join(scratch, 'child.js'),
      event: path.join(scratch, 'event.json'),
      cwd: scratch,
      profileDir: ctx.cpuProfile ? ctx.profileDir : undefined,
    };
    writeFileSync(files.script, CHILD);
    for (const invocation of FIRST_INVOCATIONS) {
      await invocation.seed?.(runtime);
    }
    const measured: Measured[] = [];
    const built = new Map<string, Awaited<ReturnType<ColdStartBundles['worker']>>>();
    for (const invocation of FIRST_INVOCATIONS) {
      let own = built.get(invocation.worker);
      if (!own) {
        own = await bundles.worker(invocation.worker, workers.find((w) => w.name === invocation.worker)!.entry);
        built.set(invocation.worker, own);
      }
      const m = await measure(runtime, invocation, { worker: own.bundle, floor: own.floor, allInOne }, files);
      measured.push({ ...m, loadsMongoDb: own.loadsMongoDb });
      ctx.progress(
        `${invocation.worker}: init ${round(median(m.init.worker))} ms (all-in-one ${round(median(m.init.allInOne))}, floor ${round(median(m.init.floor))}), first invocation ${round(median(m.first.worker))} ms (all-in-one ${round(median(m.first.allInOne))})`,
      );
    }
    return rows(measured);
  } finally {
    await runtime.stop();
    rmSync(scratch, { recursive: true, force: true });
    rmSync(path.join(root, '.local', 'run', environment), { recursive: true, force: true });
  }
}
