/**
 * A bench's worker in a process of its own, as a fresh Lambda instance: the module bundles an
 * entry that calls one of its exports (`buildChild`), and starts it once per invocation with a
 * JSON job in an environment variable (`runChild`); the child prints one result line. Its time
 * and peak RSS are then the worker's own, not those of the emulators in the bench's process.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';

/** How the bench bundles what it runs: one CommonJS file for Node 22, packages from node_modules. */
export const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  packages: 'external',
  logLevel: 'warning',
} as const;

const JOB_VARIABLE = 'BENCH_CHILD_JOB';
const RESULT_MARKER = 'BENCH_CHILD_RESULT ';

/** Bundles `.local/bench/<name>-child.cjs`, which calls `exportName` of `modulePath` (relative to root). */
export async function buildChild(root: string, name: string, modulePath: string, exportName: string): Promise<string> {
  const outfile = path.join(root, '.local', 'bench', `${name}-child.cjs`);
  await build({
    stdin: {
      contents: `import { ${exportName} } from './${modulePath}';\nvoid ${exportName}();\n`,
      resolveDir: root,
      loader: 'ts',
      sourcefile: `${name}-child.ts`,
    },
    outfile,
    ...NODE_BUNDLE,
  });
  return outfile;
}

/** In the child: its job. */
export const childJob = <T>(): T => JSON.parse(process.env[JOB_VARIABLE] ?? '{}') as T;

/** In the child: hands the result to the bench. */
export function childResult(result: unknown): void {
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

/**
 * In the child: runs `fn`, sampling RSS every 10 ms; returns its result with its time and the
 * process's peak RSS (the sampled peak, or getrusage's maxRSS when higher).
 */
export async function measured<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number; peakRssMb: number }> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  try {
    const started = performance.now();
    const result = await fn();
    const ms = performance.now() - started;
    return { result, ms, peakRssMb: Math.max(peakRss / 2 ** 20, process.resourceUsage().maxRSS / 1024) };
  } finally {
    clearInterval(sampler);
  }
}

/** Starts the child with `job` and resolves with its result; rejects with its stderr when it fails. */
export function runChild<R>(file: string, job: unknown, nodeArgs: string[] = []): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, file], {
      env: { ...process.env, [JOB_VARIABLE]: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || !line) {
        reject(new Error(`${path.basename(file)} exited with ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as R);
    });
  });
}

/** Node arguments that make a child write its CPU profile to `dir` as `<name>.cpuprofile` (none without a dir). */
export const profileArgs = (dir: string | undefined, name: string): string[] =>
  dir ? ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${name}.cpuprofile`] : [];
