/**
 * Benchmark runner: starts the local components once, runs every `bench/<area>.bench.ts`
 * (or those named on the command line) and writes one report, `docs/benchmarks.md` and
 * `docs/benchmarks.json`, with the machine's details on top. Benchmarks never fail on a timing;
 * a module that throws is reported as an error row and makes the exit code non-zero.
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchModule, BenchRow } from './types';
import { startDynamoDb } from '../local/emulators/dynamodb';
import { startKafkaMock } from '../local/emulators/kafka';
import { startRedis } from '../local/emulators/redis';
import { startSqsSns } from '../local/emulators/sqs';

const root = process.cwd();

interface ModuleReport {
  module: string;
  seconds: number;
  rows: BenchRow[];
  error?: string;
  /** When this module last ran (a partial run keeps the other modules' earlier results). */
  ranAt?: string;
}

/** The modules' earlier results from the committed report, so `npm run bench -- <module>` updates only that module. */
function previousReports(file: string): ModuleReport[] {
  if (!existsSync(file)) {
    return [];
  }
  try {
    const previous = JSON.parse(readFileSync(file, 'utf8')) as {
      machine?: { date?: string };
      reports?: ModuleReport[];
    };
    return (previous.reports ?? []).map((r) => ({ ...r, ranAt: r.ranAt ?? previous.machine?.date }));
  } catch {
    return [];
  }
}

async function loadModule(file: string): Promise<BenchModule> {
  const outfile = path.join(root, '.local', 'bench', `${path.basename(file, '.ts')}.cjs`);
  await build({
    entryPoints: [file],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    packages: 'external',
    logLevel: 'warning',
  });
  return require(outfile) as BenchModule;
}

function machine() {
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1));

function markdown(info: ReturnType<typeof machine>, reports: ModuleReport[]): string {
  const lines = [
    '# Benchmarks',
    '',
    `Run ${info.date} on ${info.cpus}, ${info.memoryGiB} GiB, ${info.platform}, Node ${info.node}.`,
    'Figures come from one run against the local components (DynamoDB Local, fauxqs, redis-server, the librdkafka mock',
    'broker, the in-process Mongo server and HTTP fakes); they compare designs on this machine, not AWS latencies.',
    '',
  ];
  for (const r of reports) {
    lines.push(`## ${r.module} (${r.seconds.toFixed(1)} s${r.ranAt ? `, run ${r.ranAt}` : ''})`, '');
    if (r.error) {
      lines.push(`**Error:** ${r.error}`, '');
      continue;
    }
    lines.push('| Measure | Value | Target | Baseline | Notes |', '|---|---|---|---|---|');
    for (const row of r.rows) {
      const baseline = row.baseline ? `${row.baseline.name}: ${fmt(row.baseline.value)} ${row.unit}` : '';
      lines.push(
        `| ${row.name} | ${fmt(row.value)} ${row.unit} | ${row.target ?? ''} | ${baseline} | ${row.notes ?? ''} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(path.join(root, 'bench'))
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.includes(f.replace('.bench.ts', '')))
    .sort();
  console.log(`benchmarks: ${files.map((f) => f.replace('.bench.ts', '')).join(', ') || '(none)'}`);
  const started = Date.now();
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
  const reports: ModuleReport[] = [];
  try {
    for (const file of files) {
      const name = file.replace('.bench.ts', '');
      const t0 = Date.now();
      console.log(`\n▶ ${name}`);
      try {
        const mod = await loadModule(path.join(root, 'bench', file));
        const rows = await mod.run({ env, progress: (m) => console.log(`  ${name}: ${m}`) });
        reports.push({ module: name, seconds: (Date.now() - t0) / 1000, rows, ranAt: new Date().toISOString() });
        for (const row of rows) {
          console.log(`  ${row.name}: ${fmt(row.value)} ${row.unit}${row.target ? ` (target ${row.target})` : ''}`);
        }
      } catch (error) {
        reports.push({
          module: name,
          seconds: (Date.now() - t0) / 1000,
          rows: [],
          error: (error as Error).message,
          ranAt: new Date().toISOString(),
        });
        console.error(`  ${name} failed: ${(error as Error).stack}`);
      }
    }
  } finally {
    await Promise.all([dynamo.stop(), sqs.stop(), redis.stop(), kafka.stop()]);
  }
  const info = machine();
  const jsonFile = path.join(root, 'docs', 'benchmarks.json');
  const ran = new Set(reports.map((r) => r.module));
  const merged = [...previousReports(jsonFile).filter((r) => !ran.has(r.module)), ...reports].sort((a, b) =>
    a.module.localeCompare(b.module),
  );
  mkdirSync(path.join(root, 'docs'), { recursive: true });
  writeFileSync(jsonFile, JSON.stringify({ machine: info, reports: merged }, null, 2));
  writeFileSync(path.join(root, 'docs', 'benchmarks.md'), markdown(info, merged));
  console.log(`\nreport: docs/benchmarks.md, docs/benchmarks.json (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  process.exit(reports.some((r) => r.error) ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
