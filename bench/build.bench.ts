/**
 * Build benchmark: per worker, the size of its bundle (`index.js`, what Lambda loads in init)
 * against its budget (tools/build/budgets.ts), and the files it loads on first use beside it.
 * The bundles are the build's own (tools/build/bundle.ts, qa configuration). Load times are
 * coldStart.bench.ts's, as ratios measured in the same run.
 */
import path from 'node:path';
import { WORKERS, workerEntryPath } from '../src/workers/registry';
import { bundleWorker, zipEntries } from '../tools/build/bundle';
import { bundleBudgets } from '../tools/build/budgets';
import { configForBuild } from '../tools/build/config';
import { reproducibleZip } from '../tools/build/zip';
import type { BenchContext, BenchRow } from '../tools/bench/types';

const KiB = 1024;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const root = process.cwd();
  const config = configForBuild('qa', path.join(root, 'configs'));
  const rows: BenchRow[] = [];
  for (const worker of WORKERS) {
    const bundle = await bundleWorker({ root, entry: workerEntryPath(worker), config });
    const zip = await reproducibleZip(zipEntries(bundle));
    const budget = bundleBudgets([worker])[worker.name];
    const beside = bundle.lazyFiles.map((f) => `${f.name} ${Math.round(f.code.length / KiB)} KiB`).join(', ');
    rows.push({
      name: `${worker.name}: bundle size (index.js)`,
      value: Math.round((bundle.code.length / KiB) * 10) / 10,
      unit: 'KiB',
      target: `≤ ${budget / KiB} KiB (budget)`,
      notes: `ZIP ${(zip.length / KiB).toFixed(1)} KiB${beside ? ` with ${beside} loaded on first use` : ''}; largest: ${bundle.packages
        .slice(0, 3)
        .map((p) => `${p.name} ${Math.round(p.bytes / KiB)} KiB`)
        .join(', ')}`,
    });
    ctx.progress(`${worker.name}: ${(bundle.code.length / KiB).toFixed(0)} KiB${beside ? ` + ${beside}` : ''}`);
  }
  return rows;
}
