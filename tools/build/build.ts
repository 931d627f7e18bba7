import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { ConfigEnv, MergedConfig } from '../../src/shared/config/load';
import { version as esbuildVersion } from 'esbuild';
import { BundleError, zipEntries, bundleWorker } from './bundle';
import type { PackageShare } from './bundle';
import { LAZY_FILE_BUDGETS } from './budgets';
import { configForBuild } from './config';
import { scanForSecrets } from './secretScan';
import type { SecretFinding } from './secretScan';
import { reproducibleZip } from './zip';

/** What the build needs to know about a worker (the registry's entries, or a test fixture). */
export interface BuildTarget {
  name: string;
  stack: string;
  /** Handler module, relative to the root. */
  entry: string;
}

export interface BuildOptions {
  root: string;
  /** Where `<env>/<worker>.zip` and `build-report.json` go. */
  outDir: string;
  configDir: string;
  envs: readonly ConfigEnv[];
  targets: readonly BuildTarget[];
  /** Largest allowed minified bundle per worker, in bytes. */
  budgets: Readonly<Record<string, number>>;
  sourcemap?: boolean;
  /** Bundles built at the same time (default: the machine's parallelism). */
  concurrency?: number;
  /** Called once per worker when it is done (the progress line). */
  onWorker?: (result: WorkerResult, index: number, total: number) => void;
}

export interface EnvArtifact {
  env: ConfigEnv;
  /** Path of the ZIP relative to the root, e.g. `dist/qa/saveEntries.zip`. */
  zip: string;
  bundleBytes: number;
  zipBytes: number;
  /** sha256 of the ZIP (hex); equal for equal inputs. */
  sha256: string;
}

export type WorkerStatus = 'built' | 'pending' | 'over-budget' | 'no-budget' | 'secrets-found' | 'failed';

export interface WorkerResult {
  worker: string;
  stack: string;
  status: WorkerStatus;
  /** Handler module, relative to the root. */
  entry: string;
  budgetBytes?: number;
  /** Largest bundle (`index.js`) over the environments built. */
  bundleBytes?: number;
  /** The files the worker loads on first use (`mongodb.js`), with their budgets (budgets.ts). */
  lazyFiles?: { name: string; bytes: number; budgetBytes: number }[];
  zipBytes?: number;
  artifacts: EnvArtifact[];
  /** Largest contributors to the bundle (of the last environment built). */
  topPackages: PackageShare[];
  secrets?: SecretFinding[];
  error?: string;
  durationMs?: number;
}

export interface BuildReport {
  ok: boolean;
  envs: ConfigEnv[];
  outDir: string;
  node: string;
  esbuild: string;
  workers: WorkerResult[];
}

function writeAtomically(file: string, data: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

async function buildWorker(
  target: BuildTarget,
  configs: Map<ConfigEnv, MergedConfig>,
  options: BuildOptions,
): Promise<WorkerResult> {
  const started = performance.now();
  const budget = options.budgets[target.name];
  const base: WorkerResult = {
    worker: target.name,
    stack: target.stack,
    entry: target.entry,
    status: 'built',
    budgetBytes: budget,
    artifacts: [],
    topPackages: [],
  };
  if (!existsSync(path.resolve(options.root, target.entry))) {
    return { ...base, status: 'pending' };
  }
  const secrets: SecretFinding[] = [];
  const artifacts: EnvArtifact[] = [];
  let topPackages: PackageShare[] = [];
  let lazyFiles: WorkerResult['lazyFiles'] = [];
  try {
    for (const [env, config] of configs) {
      const bundle = await bundleWorker({
        root: options.root,
        entry: target.entry,
        config,
        sourcemap: options.sourcemap,
      });
      topPackages = bundle.packages.slice(0, 5);
      lazyFiles = bundle.lazyFiles.map((f) => ({
        name: f.name,
        bytes: f.code.length,
        budgetBytes: LAZY_FILE_BUDGETS[f.name] ?? 0,
      }));
      for (const code of [bundle.code, ...bundle.lazyFiles.map((f) => f.code)]) {
        for (const finding of scanForSecrets(code.toString('utf8'))) {
          secrets.push({ kind: `${finding.kind} (${env})`, excerpt: finding.excerpt });
        }
      }
      const zip = await reproducibleZip(zipEntries(bundle));
      const file = path.join(options.outDir, env, `${target.name}.zip`);
      if (secrets.length === 0) {
        writeAtomically(file, zip);
      }
      artifacts.push({
        env,
        zip: path.relative(options.root, file).split(path.sep).join('/'),
        bundleBytes: bundle.code.length,
        zipBytes: zip.length,
        sha256: createHash('sha256').update(zip).digest('hex'),
      });
    }
  } catch (error) {
    const message = error instanceof BundleError ? error.message : String((error as Error).stack ?? error);
    return { ...base, status: 'failed', error: message, artifacts, durationMs: performance.now() - started };
  }
  const bundleBytes = Math.max(...artifacts.map((a) => a.bundleBytes));
  const zipBytes = Math.max(...artifacts.map((a) => a.zipBytes));
  const status: WorkerStatus =
    secrets.length > 0
      ? 'secrets-found'
      : budget === undefined
        ? 'no-budget'
        : bundleBytes > budget || lazyFiles.some((f) => f.bytes > f.budgetBytes)
          ? 'over-budget'
          : 'built';
  return {
    ...base,
    status,
    bundleBytes,
    ...(lazyFiles.length > 0 ? { lazyFiles } : {}),
    zipBytes,
    artifacts,
    topPackages,
    ...(secrets.length > 0 ? { secrets } : {}),
    durationMs: performance.now() - started,
  };
}

/** Runs `task` over `items` with at most `limit` running at once, keeping the input order in the result. */
async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
    }
  });
  await Promise.all(runners);
  return results;
}

/**
 * Builds every target for every environment: validates each environment's configuration first
 * (a ConfigError stops the build before anything is bundled), then bundles, scans and zips each
 * worker, and writes `build-report.json`. Workers whose handler does not exist yet are `pending`.
 */
export async function buildWorkers(options: BuildOptions): Promise<BuildReport> {
  const configs = new Map<ConfigEnv, MergedConfig>();
  for (const env of options.envs) {
    configs.set(env, configForBuild(env, options.configDir));
  }
  let done = 0;
  const workers = await pool(options.targets, options.concurrency ?? availableParallelism(), async (target) => {
    const result = await buildWorker(target, configs, options);
    options.onWorker?.(result, ++done, options.targets.length);
    return result;
  });
  const report: BuildReport = {
    ok: workers.every((w) => w.status === 'built' || w.status === 'pending'),
    envs: [...options.envs],
    outDir: path.relative(options.root, options.outDir).split(path.sep).join('/') || '.',
    node: process.version,
    esbuild: esbuildVersion,
    workers: workers.map(({ durationMs: _d, ...rest }) => rest),
  };
  writeAtomically(path.join(options.outDir, 'build-report.json'), Buffer.from(`${JSON.stringify(report, null, 2)}\n`));
  return { ...report, workers };
}
