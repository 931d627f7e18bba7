/**
 * The code each local function runs. A function deploys `dist/<env>/<worker>.zip`; when the
 * build has produced that ZIP for `local` and it is not older than any source or configuration
 * file, its `index.js` is used as is. Otherwise the worker is bundled from its TypeScript source
 * with the build's own bundler and the local configuration baked in, so the code is the same as
 * `npm run build -- --env local` would produce (plus a source map, for readable stack traces).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { MergedConfig } from '../../../src/shared/config/load';
import { MONGODB_FILE, bundleOptions, bundleWorker, fileEntries, mongodbFile, writeEntries } from '../../build/bundle';
import { configForBuild } from '../../build/config';
import { readZip } from '../../build/zip';

export type HandlerCode =
  | { status: 'ready'; worker: string; file: string; source: 'dist' | 'source' }
  | { status: 'pending'; worker: string; reason: string }
  | { status: 'failed'; worker: string; reason: string };

export interface PrepareOptions {
  root: string;
  /** Where bundles are written (one directory per worker). */
  workDir: string;
  /** Handler entry of a worker, relative to root; default `src/workers/<stack>/<worker>/index.ts`. */
  entryOf: (worker: string) => string | undefined;
  /** Use fresh `dist/local` ZIPs (default true). */
  useDist?: boolean;
  configDir?: string;
}

/** Path, size and modification time of every file under `target` (sorted), for change detection. */
function fileStamps(target: string, out: string[] = []): string[] {
  if (!existsSync(target)) {
    return out;
  }
  const stat = statSync(target);
  if (!stat.isDirectory()) {
    out.push(`${target}:${stat.size}:${stat.mtimeMs}`);
    return out;
  }
  for (const entry of readdirSync(target).sort()) {
    if (entry !== 'node_modules' && !entry.startsWith('.')) {
      fileStamps(path.join(target, entry), out);
    }
  }
  return out;
}

const newestMtime = (stamps: string[]): number => Math.max(0, ...stamps.map((s) => Number(s.split(':').pop())));

/**
 * Bundles every worker that needs it in one esbuild run (the AWS SDK and shared code are parsed
 * once, not once per worker) with the build's options; falls back to one run per worker when
 * the combined run fails, so one broken worker does not stop the others.
 */
async function bundleFromSource(
  targets: { worker: string; entry: string }[],
  options: { root: string; outDir: string; config: MergedConfig },
): Promise<Map<string, HandlerCode>> {
  const results = new Map<string, HandlerCode>();
  if (targets.length === 0) {
    return results;
  }
  const { root, outDir, config } = options;
  try {
    await build({
      ...bundleOptions({ root, entry: targets[0].entry, config, sourcemap: true }),
      entryPoints: Object.fromEntries(targets.map((t) => [t.worker, path.resolve(root, t.entry)])),
      outfile: undefined,
      outdir: outDir,
      write: true,
      sourcemap: 'linked',
      metafile: false,
    });
    // The driver the MongoDB workers load on first use, beside them (tools/build/bundle.ts).
    writeEntries(outDir, fileEntries([await mongodbFile(root, true)]));
    for (const t of targets) {
      results.set(t.worker, { status: 'ready', worker: t.worker, file: path.join(outDir, `${t.worker}.js`), source: 'source' });
    }
    return results;
  } catch {
    // Find out which worker is broken: bundle them one by one.
  }
  for (const t of targets) {
    try {
      const bundle = await bundleWorker({ root, entry: t.entry, config, sourcemap: true });
      const file = path.join(outDir, `${t.worker}.js`);
      writeFileSync(file, Buffer.concat([bundle.code, Buffer.from(`\n//# sourceMappingURL=${t.worker}.js.map\n`)]));
      writeFileSync(`${file}.map`, bundle.map ?? '');
      writeEntries(outDir, fileEntries(bundle.lazyFiles));
      results.set(t.worker, { status: 'ready', worker: t.worker, file, source: 'source' });
    } catch (error) {
      results.set(t.worker, { status: 'failed', worker: t.worker, reason: (error as Error).message });
    }
  }
  return results;
}

/** Keeps the few most recent cached bundle sets. */
function pruneCache(cacheRoot: string, keep = 4): void {
  const sets = readdirSync(cacheRoot)
    .map((name) => ({ dir: path.join(cacheRoot, name), mtime: statSync(path.join(cacheRoot, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of sets.slice(keep)) {
    rmSync(old.dir, { recursive: true, force: true });
  }
}

/** The code of each of `workers`: from a fresh `dist/local` ZIP, else bundled from source. */
export async function prepareHandlers(workers: string[], options: PrepareOptions): Promise<Map<string, HandlerCode>> {
  const { root, workDir } = options;
  const configDir = options.configDir ?? path.join(root, 'configs');
  const outDir = path.join(workDir, 'bundles');
  mkdirSync(outDir, { recursive: true });
  const stamps = [path.join(root, 'src'), configDir, path.join(root, 'package-lock.json')].flatMap((t) => fileStamps(t));
  const sourcesChanged = newestMtime(stamps);
  const results = new Map<string, HandlerCode>();
  const toBundle: { worker: string; entry: string }[] = [];
  for (const worker of workers) {
    const zip = path.join(root, 'dist', 'local', `${worker}.zip`);
    const entry = options.entryOf(worker);
    if (options.useDist !== false && existsSync(zip) && statSync(zip).mtimeMs >= sourcesChanged) {
      const file = path.join(outDir, `${worker}.js`);
      // index.js becomes <worker>.js; the files it loads on first use (mongodb.js) go beside it.
      for (const entry of readZip(readFileSync(zip)).filter((e) => !e.name.startsWith('index.js.'))) {
        writeFileSync(entry.name === 'index.js' ? file : path.join(outDir, entry.name), entry.data);
      }
      results.set(worker, { status: 'ready', worker, file, source: 'dist' });
    } else if (!entry || !existsSync(path.resolve(root, entry))) {
      results.set(worker, { status: 'pending', worker, reason: `${entry ?? worker} does not exist yet` });
    } else {
      toBundle.push({ worker, entry });
    }
  }
  if (toBundle.length > 0) {
    let config: MergedConfig;
    try {
      config = configForBuild('local', configDir);
    } catch (error) {
      for (const t of toBundle) {
        results.set(t.worker, { status: 'failed', worker: t.worker, reason: (error as Error).message });
      }
      return results;
    }
    // Bundles are cached by the state of every source file, so an unchanged tree starts at once.
    const entries = toBundle.flatMap((t) => fileStamps(path.resolve(root, t.entry)));
    const key = createHash('sha256').update(JSON.stringify([stamps, entries, toBundle])).digest('hex').slice(0, 16);
    const cacheRoot = path.join(root, 'node_modules', '.cache', 'reg-workers-local');
    const cacheDir = path.join(cacheRoot, key);
    if (!existsSync(cacheDir)) {
      const staging = `${cacheDir}.${process.pid}.${Date.now()}`;
      mkdirSync(staging, { recursive: true });
      const built = await bundleFromSource(toBundle, { root, outDir: staging, config });
      if ([...built.values()].every((c) => c.status === 'ready')) {
        try {
          renameSync(staging, cacheDir);
          pruneCache(cacheRoot);
        } catch {
          // Another run cached the same sources first.
          rmSync(staging, { recursive: true, force: true });
        }
      } else {
        rmSync(staging, { recursive: true, force: true });
        for (const [worker, code] of built) {
          results.set(worker, code);
        }
      }
    }
    for (const t of toBundle) {
      if (!results.has(t.worker)) {
        const file = path.join(outDir, `${t.worker}.js`);
        cpSync(path.join(cacheDir, `${t.worker}.js`), file);
        cpSync(path.join(cacheDir, `${t.worker}.js.map`), `${file}.map`);
        results.set(t.worker, { status: 'ready', worker: t.worker, file, source: 'source' });
      }
    }
    for (const lazy of [MONGODB_FILE, `${MONGODB_FILE}.map`].filter((f) => existsSync(path.join(cacheDir, f)))) {
      cpSync(path.join(cacheDir, lazy), path.join(outDir, lazy));
    }
  }
  return results;
}
