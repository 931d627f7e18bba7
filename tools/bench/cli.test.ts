import { CliError } from '../build/toolCli';
import { moduleNames, parseBenchArgs, usage } from './cli';

const KNOWN = ['build', 'dataPipeline', 'selection'];

/** The CliError `fn` throws (fails the test when it throws nothing or something else). */
function usageErrorOf(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error('expected a usage error');
}

describe('moduleNames', () => {
  it('keeps the .bench.ts files, without the suffix, sorted', () => {
    expect(moduleNames(['selection.bench.ts', 'README.md', 'build.bench.ts', 'helpers.ts'])).toEqual([
      'build',
      'selection',
    ]);
  });
});

describe('parseBenchArgs', () => {
  it('runs every module by default', () => {
    expect(parseBenchArgs([], KNOWN)).toEqual({ help: false, modules: KNOWN, cpuProf: false });
  });

  it('runs the named modules once each, in bench/ order', () => {
    expect(parseBenchArgs(['selection', 'build', 'selection'], KNOWN).modules).toEqual(['build', 'selection']);
  });

  it.each([['--help'], ['-h']])('%s asks for help, whatever else is named', (flag) => {
    expect(parseBenchArgs([flag], KNOWN).help).toBe(true);
    expect(parseBenchArgs(['nosuchmodule', flag], KNOWN).help).toBe(true);
  });

  it('lists the modules and every flag in the usage', () => {
    const text = usage(KNOWN);
    expect(text).toContain('build, dataPipeline, selection');
    for (const flag of ['--cpu-prof', '--fans <n>', '-h, --help']) {
      expect(text).toContain(flag);
    }
  });

  it('rejects an unknown module, naming the known ones (exit code 2)', () => {
    const error = usageErrorOf(() => parseBenchArgs(['build', 'nosuchmodule'], KNOWN));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('unknown module "nosuchmodule"');
    expect(error.message).toContain('known modules: build, dataPipeline, selection');
    expect(error.message).toContain('npm run bench -- --help');
  });

  it('rejects an unknown flag, naming it (exit code 2)', () => {
    const error = usageErrorOf(() => parseBenchArgs(['--nosuchflag'], KNOWN));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('--nosuchflag');
  });

  it('--cpu-prof with one module profiles it', () => {
    expect(parseBenchArgs(['dataPipeline', '--cpu-prof'], KNOWN)).toEqual({
      help: false,
      modules: ['dataPipeline'],
      cpuProf: true,
    });
  });

  it.each([
    [[] as string[], 'none named'],
    [['build', 'selection'], 'got build, selection'],
  ])('--cpu-prof with modules %j is a usage error', (modules, detail) => {
    const error = usageErrorOf(() => parseBenchArgs([...modules, '--cpu-prof'], KNOWN));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('--cpu-prof profiles one module');
    expect(error.message).toContain(detail);
  });

  it('--fans with the selection module asks for a market of that many fans', () => {
    expect(parseBenchArgs(['selection', '--fans', '1000000'], KNOWN)).toEqual({
      help: false,
      modules: ['selection'],
      cpuProf: false,
      fans: 1_000_000,
    });
    expect(parseBenchArgs(['selection', '--fans=25000', '--cpu-prof'], KNOWN).fans).toBe(25_000);
  });

  it.each([['1e6'], ['-5'], ['24999'], ['5000001'], ['250k'], ['']])('--fans %j is a usage error', (value) => {
    const error = usageErrorOf(() => parseBenchArgs(['selection', `--fans=${value}`], KNOWN));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`--fans takes a whole number of fans from 25000 to 5000000, got "${value}"`);
  });

  it('--fans without the selection module named is a usage error', () => {
    for (const modules of [[], ['build']]) {
      const error = usageErrorOf(() => parseBenchArgs([...modules, '--fans', '1000000'], KNOWN));
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain('--fans is an option of the selection module');
    }
  });
});
