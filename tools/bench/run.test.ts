/**
 * `node tools/bench/run.mjs` end to end for the invocations that must start nothing and write
 * nothing: --help (0), an unknown flag (2), an unknown module (2). The tracked report must come
 * out byte-identical. run.mjs's esbuild step writes only under .local/bench/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const REPORT = ['docs/benchmarks.md', 'docs/benchmarks.json'].map((f) => path.join(ROOT, f));
const MODULES = readdirSync(path.join(ROOT, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace('.bench.ts', ''))
  .sort();

/** The report's bytes (compared byte for byte: the report is tracked). */
const snapshot = () => REPORT.map((f) => (existsSync(f) ? readFileSync(f) : undefined));

function bench(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'tools/bench/run.mjs'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('npm run bench (run.mjs) with nothing to run', () => {
  jest.setTimeout(240_000);
  let before: (Buffer | undefined)[];

  beforeAll(() => {
    before = snapshot();
  });

  it('--help prints the usage with the modules and flags, exit code 0', () => {
    const { code, out } = bench('--help');
    expect(code).toBe(0);
    expect(out).toContain('usage: npm run bench --');
    expect(out).toContain(MODULES.join(', '));
    expect(out).toContain('--cpu-prof');
    expect(out).not.toContain('▶');
    expect(snapshot()).toEqual(before);
  });

  it('an unknown flag is a usage error naming it, exit code 2', () => {
    const { code, out, err } = bench('--nosuchflag');
    expect(code).toBe(2);
    expect(err).toContain("error: Unknown option '--nosuchflag'");
    expect(out).toBe('');
    expect(snapshot()).toEqual(before);
  });

  it('an unknown module is a usage error naming the known modules, exit code 2', () => {
    const { code, out, err } = bench('nosuchmodule');
    expect(code).toBe(2);
    expect(err).toContain('error: unknown module "nosuchmodule"');
    expect(err).toContain(`known modules: ${MODULES.join(', ')}`);
    expect(out).toBe('');
    expect(snapshot()).toEqual(before);
  });
});
