/**
 * Benchmark runner (`npm run bench`, compiled and started by run.mjs). It checks the command
 * line first (tools/bench/cli.ts: `--help`, unknown modules and flags start nothing and write
 * nothing), starts the local components once, runs every `bench/<area>.bench.ts` (or those
 * named) in this process and writes one report, `docs/benchmarks.md` and `docs/benchmarks.json`
 * (tools/bench/report.ts: merge with the earlier report, summary table). Benchmarks never fail on
 * a timing; a module that throws keeps its earlier figures and makes the exit code 1, and a run in
 * which no module produced figures leaves the report untouched.
 * `--cpu-prof` profiles one module's `run()` instead and writes .local/bench/<module>-<time>.cpuprofile.
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { NODE_BUNDLE } from './child';
import { moduleNames, parseBenchArgs, usage } from './cli';
import type { MachineInfo, ModuleReport } from './report';
import { fmt, markdown, parsePreviousReports, planReport, reportJson, rowProblems } from './report';
import type { BenchContext, BenchModule } from './types';
import { startDynamoDb } from '../local/emulators/dynamodb';
import { startKafkaMock } from '../local/emulators/kafka';
import { startRedis } from '../local/emulators/redis';
import { startSqsSns } from '../local/emulators/sqs';

const root = process.cwd();
const outDir = path.join(root, '.local', 'bench');

async function loadModule(name: string): Promise<BenchModule> {
  const outfile = path.join(outDir, `${name}.bench.cjs`);
  await build({
    entryPoints: [path.join(root, 'bench', `${name}.bench.ts`)],
    outfile,
    ...NODE_BUNDLE,
  });
  return require(outfile) as BenchModule;
}

function machine(): MachineInfo {
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** Starts the local components; their endpoints go into process.env and the returned env. */
async function startComponents(): Promise<{ env: NodeJS.ProcessEnv; stop(): Promise<void> }> {
  const [dynamo, sqs, redis, kafka] = await Promise.all([
    startDynamoDb(),
    startSqsSns(),
    startRedis(),
    startKafkaMock(),
  ]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    SQS_ENDPOINT: sqs.endpoint,
    REDIS_URL: redis.url,
    KAFKA_BROKERS: kafka.brokers.join(','),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local', // throwaway credentials for the emulators only
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_SNS: sqs.endpoint,
  };
  Object.assign(process.env, env);
  return { env, stop: async () => void (await Promise.all([dynamo.stop(), sqs.stop(), redis.stop(), kafka.stop()])) };
}

/** Runs `fn` under the V8 CPU profiler of this process and writes the profile to `file`, even when `fn` throws. */
async function profiled<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    try {
      return await fn();
    } finally {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
    }
  } finally {
    session.disconnect();
  }
}

/** Loads and runs one module; a failure (thrown, or rows the report cannot use) becomes an error report. */
async function runModule(name: string, ctx: BenchContext, profileFile?: string): Promise<ModuleReport> {
  const t0 = Date.now();
  console.log(`\n▶ ${name}`);
  try {
    const mod = await loadModule(name);
    const rows = profileFile ? await profiled(profileFile, () => mod.run(ctx)) : await mod.run(ctx);
    const problems = rowProblems(rows);
    if (problems.length > 0) {
      throw new Error(`bench/${name}.bench.ts returned rows the report cannot use: ${problems.join('; ')}`);
    }
    for (const row of rows) {
      console.log(`  ${row.name}: ${fmt(row.value)} ${row.unit}${row.target ? ` (target ${row.target})` : ''}`);
    }
    return { module: name, seconds: (Date.now() - t0) / 1000, rows, ranAt: new Date().toISOString() };
  } catch (error) {
    console.error(`  ${name} failed: ${(error as Error).stack}`);
    const message = (error as Error).message;
    return {
      module: name,
      seconds: (Date.now() - t0) / 1000,
      rows: [],
      error: message,
      ranAt: new Date().toISOString(),
    };
  }
}

/** `--cpu-prof`: one module under the profiler; the report is not written (the profiler slows the run). */
async function profileRun(name: string, env: NodeJS.ProcessEnv, fans?: number): Promise<number> {
  const stem = path.join(outDir, `${name}-${new Date().toISOString().replace(/:/g, '-')}`);
  const profileDir = `${stem}-spawned`;
  mkdirSync(profileDir, { recursive: true });
  const progress = (m: string) => console.log(`  ${name}: ${m}`);
  const report = await runModule(name, { env, progress, cpuProfile: true, profileDir, fans }, `${stem}.cpuprofile`);
  const spawned = readdirSync(profileDir);
  if (spawned.length === 0) {
    rmdirSync(profileDir);
  }
  console.log(
    [
      `\nCPU profile of ${name}'s run(): ${path.relative(root, `${stem}.cpuprofile`)}`,
      'Open it in Chrome DevTools (Performance › Load profile…) or in VS Code (open the file).',
      'It covers this process only: processes the bench spawns are not in it.',
      spawned.length > 0
        ? `Profiles the bench's spawned processes wrote: ${path.relative(root, profileDir)}/ (${spawned.length} files).`
        : '',
      'docs/benchmarks.* are not updated by a profiled run.',
    ]
      .filter(Boolean)
      .join('\n'),
  );
  return report.error ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const known = moduleNames(readdirSync(path.join(root, 'bench')));
  const options = parseBenchArgs(argv, known);
  if (options.help) {
    console.log(usage(known));
    return 0;
  }
  console.log(`benchmarks: ${options.modules.join(', ') || '(none)'}${options.cpuProf ? ' (CPU profile)' : ''}`);
  mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const components = await startComponents();
  const reports: ModuleReport[] = [];
  try {
    if (options.cpuProf) {
      return await profileRun(options.modules[0], components.env, options.fans);
    }
    for (const name of options.modules) {
      const progress = (m: string) => console.log(`  ${name}: ${m}`);
      reports.push(await runModule(name, { env: components.env, progress, fans: options.fans }));
    }
  } finally {
    await components.stop();
  }
  const jsonFile = path.join(root, 'docs', 'benchmarks.json');
  const plan = planReport(
    parsePreviousReports(existsSync(jsonFile) ? readFileSync(jsonFile, 'utf8') : undefined),
    reports,
  );
  const failed = reports.filter((r) => r.error).map((r) => r.module);
  if (!plan.write) {
    console.error(
      `\nno module produced figures (failed: ${failed.join(', ') || 'none'}); docs/benchmarks.* left unchanged`,
    );
    return plan.exitCode;
  }
  const info = machine();
  mkdirSync(path.join(root, 'docs'), { recursive: true });
  writeFileSync(jsonFile, reportJson(info, plan.reports));
  writeFileSync(path.join(root, 'docs', 'benchmarks.md'), markdown(info, plan.reports));
  console.log(`\nreport: docs/benchmarks.md, docs/benchmarks.json (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (failed.length > 0) {
    console.error(`failed: ${failed.join(', ')} (their earlier figures, if any, are kept in the report)`);
  }
  return plan.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: { expected?: boolean; exitCode?: number; message?: string }) => {
    // A CliError (tools/build/toolCli.ts) is a usage error: its message, no stack trace.
    console.error(error?.expected ? `error: ${error.message}` : error);
    process.exit(error?.expected ? (error.exitCode ?? 1) : 1);
  },
);
