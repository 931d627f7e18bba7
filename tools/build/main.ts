/**
 * `npm run build [-- --env qa|dev|preprod|prod|local|all] [--worker NAME] [--sourcemap]`:
 * one esbuild bundle and one reproducible ZIP per worker per environment, at
 * `dist/<env>/<worker>.zip`, plus `dist/build-report.json`. See docs/build-and-ci.md.
 */
import path from 'node:path';
import { ConfigError, CONFIG_ENVS } from '../../src/shared/config/load';
import type { ConfigEnv } from '../../src/shared/config/load';
import { WORKERS, workerEntryPath } from '../../src/workers/registry';
import { buildWorkers } from './build';
import type { BuildReport, BuildTarget, WorkerResult } from './build';
import { bundleBudgets } from './budgets';
import { CliError, CONFIG_DIR, ROOT, kib, listOf, parseCli, usageError } from './toolCli';

const TOOL = 'npm run build --';

/** Environments built when no --env is given: the four deployed ones. */
export const DEFAULT_BUILD_ENVS: readonly ConfigEnv[] = ['qa', 'dev', 'preprod', 'prod'];

const HELP = `Build one bundle and one ZIP per worker per environment.

usage: npm run build [-- [--env ENV]... [--worker NAME]... [--sourcemap] [--out-dir DIR] [--config-dir DIR]]

  --env ENV         qa, dev, preprod, prod, local, or all (repeat or comma-separate);
                    default: qa, dev, preprod and prod (the deployed environments)
  --worker NAME     build only this worker (repeat or comma-separate); default: every worker
                    in src/workers/registry.ts
  --sourcemap       put index.js.map into each ZIP (run with NODE_OPTIONS=--enable-source-maps)
  --out-dir DIR     output directory (default: dist)
  --config-dir DIR  configuration directory (default: configs)
  -h, --help        show this help

Writes dist/<env>/<worker>.zip (holding index.js; Terraform's handler is index.handler; the
MongoDB workers also hold mongodb.js, the driver they load on first use) and
dist/build-report.json. Workers whose index.ts does not exist yet are reported as pending.
Fails (exit 1) on an invalid configuration, a bundling error, a bundle over its budget
(tools/build/budgets.ts) or a secret-looking string in a bundle.`;

/** Parses --env values: `all` means every configuration environment; none means the deployed four. */
export function resolveEnvs(values: string[]): ConfigEnv[] {
  if (values.length === 0) {
    return [...DEFAULT_BUILD_ENVS];
  }
  const envs = new Set<ConfigEnv>();
  for (const v of values) {
    if (v === 'all') {
      CONFIG_ENVS.forEach((e) => envs.add(e));
    } else if ((CONFIG_ENVS as readonly string[]).includes(v)) {
      envs.add(v as ConfigEnv);
    } else {
      throw usageError(`unknown environment "${v}"; expected one of ${CONFIG_ENVS.join(', ')} or all`, TOOL);
    }
  }
  return CONFIG_ENVS.filter((e) => envs.has(e));
}

/** The registry's workers, or the named ones (unknown names are a usage error listing the known ones). */
export function resolveTargets(names: string[]): BuildTarget[] {
  const all = WORKERS.map((w) => ({ name: w.name, stack: w.stack, entry: workerEntryPath(w) }));
  if (names.length === 0) {
    return all;
  }
  const unknown = names.filter((n) => !all.some((t) => t.name === n));
  if (unknown.length > 0) {
    throw usageError(
      `unknown worker ${unknown.map((n) => `"${n}"`).join(', ')}; known workers: ${all.map((t) => t.name).join(', ')}`,
      TOOL,
    );
  }
  return all.filter((t) => names.includes(t.name));
}

const STATUS_TEXT: Record<WorkerResult['status'], string> = {
  built: 'ok',
  pending: 'pending (no index.ts yet)',
  'over-budget': 'OVER BUDGET',
  'no-budget': 'NO BUDGET (add it to tools/build/budgets.ts)',
  'secrets-found': 'SECRET FOUND',
  failed: 'FAILED',
};

/** The progress line printed when a worker is done. */
export function progressLine(result: WorkerResult, index: number, total: number): string {
  const counter = `[${String(index).padStart(String(total).length)}/${total}]`;
  if (result.status === 'pending') {
    return `${counter} ${result.worker}: pending, ${result.entry} does not exist yet; skipped`;
  }
  if (result.status === 'failed') {
    return `${counter} ${result.worker}: FAILED`;
  }
  const sizes = result.artifacts.map((a) => `${a.env} ${kib(a.bundleBytes)}`).join(', ');
  const seconds = result.durationMs === undefined ? '' : ` in ${(result.durationMs / 1000).toFixed(1)} s`;
  return `${counter} ${result.worker}: ${sizes}${seconds} — ${STATUS_TEXT[result.status]}`;
}

/** The summary table: one row per worker, sizes as the largest over the environments built. */
export function reportTable(report: BuildReport): string {
  const rows = [
    ['worker', 'stack', 'bundle', 'zip', 'budget', 'used', 'status'],
    ...report.workers.map((w) => [
      w.worker,
      w.stack,
      w.bundleBytes === undefined ? '-' : kib(w.bundleBytes),
      w.zipBytes === undefined ? '-' : kib(w.zipBytes),
      w.budgetBytes === undefined ? '-' : kib(w.budgetBytes),
      w.bundleBytes === undefined || w.budgetBytes === undefined
        ? '-'
        : `${Math.round((100 * w.bundleBytes) / w.budgetBytes)}%`,
      STATUS_TEXT[w.status],
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const numeric = new Set([2, 3, 4, 5]);
  const line = (r: string[]) =>
    r
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function problems(report: BuildReport): string[] {
  const out: string[] = [];
  for (const w of report.workers) {
    if (w.status === 'failed') {
      out.push(`${w.worker}: bundling failed\n${w.error}`);
    } else if (w.status === 'over-budget') {
      const heavy = w.topPackages.map((p) => `${p.name} ${kib(p.bytes)}`).join(', ');
      if ((w.bundleBytes ?? 0) > (w.budgetBytes ?? 0)) {
        out.push(
          `${w.worker}: bundle ${kib(w.bundleBytes ?? 0)} exceeds its budget ${kib(w.budgetBytes ?? 0)} (largest parts: ${heavy}); remove the heavy import or raise the budget in tools/build/budgets.ts`,
        );
      }
      for (const f of (w.lazyFiles ?? []).filter((l) => l.bytes > l.budgetBytes)) {
        out.push(
          `${w.worker}: ${f.name} ${kib(f.bytes)} exceeds its budget ${kib(f.budgetBytes)}; raise LAZY_FILE_BUDGETS in tools/build/budgets.ts only for a deliberate driver upgrade`,
        );
      }
    } else if (w.status === 'no-budget') {
      out.push(`${w.worker}: no size budget; add one to tools/build/budgets.ts (measured ${kib(w.bundleBytes ?? 0)})`);
    } else if (w.status === 'secrets-found') {
      out.push(
        `${w.worker}: secret-looking text in the bundle, not written: ${(w.secrets ?? []).map((s) => `${s.kind} "${s.excerpt}"`).join('; ')}`,
      );
    }
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCli(
    argv,
    {
      env: { type: 'string', multiple: true },
      worker: { type: 'string', multiple: true },
      sourcemap: { type: 'boolean' },
      'out-dir': { type: 'string' },
      'config-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    TOOL,
    false,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const envs = resolveEnvs(listOf(values.env));
  const targets = resolveTargets(listOf(values.worker));
  const outDir = path.resolve(ROOT, values['out-dir'] ?? 'dist');
  const configDir = values['config-dir'] ? path.resolve(values['config-dir']) : CONFIG_DIR;
  const shown = (file: string) =>
    path.relative(ROOT, file).startsWith('..') ? file : path.relative(ROOT, file) || '.';
  console.log(`Building ${targets.length} worker(s) for ${envs.join(', ')} into ${shown(outDir)}/`);
  let report: BuildReport;
  try {
    report = await buildWorkers({
      root: ROOT,
      outDir,
      configDir,
      envs,
      targets,
      budgets: bundleBudgets(WORKERS),
      sourcemap: values.sourcemap ?? false,
      onWorker: (result, i, total) => console.log(progressLine(result, i, total)),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(`build stopped: ${error.message}`);
    }
    throw error;
  }
  console.log(`\n${reportTable(report)}\n`);
  const built = report.workers.filter((w) => w.artifacts.length > 0 && w.status !== 'secrets-found').length;
  const pending = report.workers.filter((w) => w.status === 'pending').length;
  console.log(`${built} built, ${pending} pending; report: ${shown(path.join(outDir, 'build-report.json'))}`);
  const found = problems(report);
  if (found.length > 0) {
    console.error(`\nbuild failed:\n- ${found.join('\n- ')}`);
    return 1;
  }
  return 0;
}
