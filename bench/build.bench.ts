/**
 * Build benchmark: per worker, the size of its bundle and its cold-load time — the median, over
 * fresh Node processes, of `require()`-ing the bundle (module evaluation only, the handler is
 * not called) — beside an empty handler bundled and loaded the same way. The bundles are the
 * build's own (tools/build/bundle.ts, qa configuration), loaded from a directory outside the
 * repository, as Lambda loads them from /var/task.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WORKERS, workerEntryPath } from '../src/workers/registry';
import { bundleWorker } from '../tools/build/bundle';
import { bundleBudgets } from '../tools/build/budgets';
import { configForBuild } from '../tools/build/config';
import { reproducibleZip } from '../tools/build/zip';
import type { BenchContext, BenchRow } from '../tools/bench/types';

const RUNS = 9;
const KiB = 1024;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Milliseconds one fresh Node process spends in `require(bundle)`. */
function loadOnce(bundle: string): Promise<number> {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: path.dirname(bundle),
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Number(out)) : reject(new Error(`loading ${bundle} failed (${code}): ${err.trim()}`)),
    );
  });
}

async function coldLoad(bundle: string): Promise<{ median: number; min: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    times.push(await loadOnce(bundle));
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times) };
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const root = process.cwd();
  const config = configForBuild('qa', path.join(root, 'configs'));
  const scratch = mkdtempSync(path.join(tmpdir(), 'reg-workers-bench-build-'));
  const rows: BenchRow[] = [];
  try {
    const write = (name: string, code: Buffer) => {
      const dir = path.join(scratch, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'index.js'), code);
      return path.join(dir, 'index.js');
    };

    const emptyEntry = path.join(scratch, 'empty.ts');
    writeFileSync(emptyEntry, 'export const handler = async (): Promise<unknown> => ({});\n');
    const empty = await bundleWorker({ root, entry: emptyEntry, config });
    const baseline = await coldLoad(write('empty', empty.code));
    ctx.progress(`empty handler: ${empty.code.length} B, ${baseline.median.toFixed(1)} ms`);

    for (const worker of WORKERS) {
      if (!existsSync(path.join(root, workerEntryPath(worker)))) {
        ctx.progress(`${worker.name}: pending (no index.ts), skipped`);
        continue;
      }
      const bundle = await bundleWorker({ root, entry: workerEntryPath(worker), config });
      const zip = await reproducibleZip([{ name: 'index.js', data: bundle.code }]);
      const load = await coldLoad(write(worker.name, bundle.code));
      const budget = bundleBudgets([worker])[worker.name];
      rows.push({
        name: `${worker.name}: bundle size`,
        value: Math.round((bundle.code.length / KiB) * 10) / 10,
        unit: 'KiB',
        ...(budget ? { target: `≤ ${budget / KiB} KiB (budget)` } : {}),
        baseline: { name: 'empty handler', value: Math.round((empty.code.length / KiB) * 10) / 10 },
        notes: `ZIP ${(zip.length / KiB).toFixed(1)} KiB; largest: ${bundle.packages
          .slice(0, 3)
          .map((p) => `${p.name} ${Math.round(p.bytes / KiB)} KiB`)
          .join(', ')}`,
      });
      rows.push({
        name: `${worker.name}: cold load (require)`,
        value: Math.round(load.median * 10) / 10,
        unit: 'ms',
        baseline: { name: 'empty handler', value: Math.round(baseline.median * 10) / 10 },
        notes: `median of ${RUNS} fresh Node processes; min ${load.min.toFixed(1)}, max ${load.max.toFixed(1)} ms`,
      });
      ctx.progress(`${worker.name}: ${(bundle.code.length / KiB).toFixed(0)} KiB, ${load.median.toFixed(1)} ms`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return rows;
}
