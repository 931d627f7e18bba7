import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildChild, measured, profileArgs, runChild } from './child';

const root = process.cwd();
const dir = path.join(root, '.local', 'test-bench-child');

describe('bench children', () => {
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    // A module of a bench: its child doubles the job's number, or fails when asked to.
    writeFileSync(
      path.join(dir, 'doubler.ts'),
      `import { childJob, childResult } from '../../tools/bench/child';
export async function main(): Promise<void> {
  const job = childJob<{ n: number; fail?: boolean }>();
  if (job.fail) {
    throw new Error('asked to fail');
  }
  process.stdout.write('noise before the result\\n');
  childResult({ doubled: job.n * 2 });
}
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a bundled export with its job and hands back its result', async () => {
    const file = await buildChild(root, 'test-doubler', '.local/test-bench-child/doubler', 'main');
    await expect(runChild(file, { n: 21 })).resolves.toEqual({ doubled: 42 });
    await expect(runChild(file, { n: 1, fail: true })).rejects.toThrow(/exited with 1: .*asked to fail/s);
  }, 30_000);

  it('measures the time and peak RSS of what it runs', async () => {
    const { result, ms, peakRssMb } = await measured(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return 'done';
    });
    expect(result).toBe('done');
    expect(ms).toBeGreaterThanOrEqual(25);
    expect(peakRssMb).toBeGreaterThan(10);
  });

  it('profiles a child only when given a directory', () => {
    expect(profileArgs(undefined, 'x')).toEqual([]);
    expect(profileArgs('/p', 'x')).toEqual(['--cpu-prof', '--cpu-prof-dir', '/p', '--cpu-prof-name', 'x.cpuprofile']);
  });
});
