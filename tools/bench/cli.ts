/**
 * Command line of `npm run bench`: `[module...] [--cpu-prof] [--fans <n>] [--help]`. Pure: the arguments and
 * the names of the modules found in bench/ in, the options or a usage error (CliError, exit
 * code 2) out. Nothing is started and nothing is written before these are checked.
 */
import { parseCli, usageError } from '../build/toolCli';

export const TOOL = 'npm run bench --';

/** File name suffix of a benchmark module in bench/. */
export const BENCH_SUFFIX = '.bench.ts';

export interface BenchOptions {
  /** `--help` / `-h`: print `usage()` and exit 0. */
  help: boolean;
  /** The modules to run, in bench/ order (all of them when none is named). */
  modules: string[];
  /** `--cpu-prof`: profile the one named module's `run()` instead of writing the report. */
  cpuProf: boolean;
  /** `--fans <n>`: the selection module also runs a market of this many fans (on demand only). */
  fans?: number;
}

/** The module that takes `--fans`, and the sizes it takes. */
export const FANS_MODULE = 'selection';
export const MIN_FANS = 25_000;
export const MAX_FANS = 5_000_000;

/** Module names (without `.bench.ts`) of the files in bench/, sorted. */
export const moduleNames = (files: string[]): string[] =>
  files
    .filter((f) => f.endsWith(BENCH_SUFFIX))
    .map((f) => f.slice(0, -BENCH_SUFFIX.length))
    .sort();

export function usage(known: string[]): string {
  return `Run the benchmarks against the local components and write docs/benchmarks.md and docs/benchmarks.json.

usage: npm run bench -- [module...] [--cpu-prof] [--fans <n>]

  module...    run only these modules (default: all of them); the others keep their figures
               from docs/benchmarks.json
  --cpu-prof   profile one module's run() (name exactly one module) with the V8 CPU profiler
               and write .local/bench/<module>-<time>.cpuprofile; open it in Chrome DevTools
               (Performance › Load profile) or VS Code. Processes the module spawns are not in
               the profile (a module may profile them itself: BenchContext.cpuProfile). A
               profiled run does not update docs/benchmarks.*.
  --fans <n>   with the ${FANS_MODULE} module: also select a market of n fans (${MIN_FANS.toLocaleString('en-US')} to
               ${MAX_FANS.toLocaleString('en-US')}), e.g. --fans 1000000, and report its time per 25,000 fans
               against the 25,000-fan market's; not part of the default run
  -h, --help   show this help

Modules (bench/<module>.bench.ts): ${known.join(', ') || '(none)'}

Exit status: 0 when every module ran, 1 when one failed (a failed module keeps its previous
figures; when every module failed the report is left untouched), 2 on a usage error.`;
}

/** Parses `argv` against the modules `known` in bench/; throws a usage error (CliError, exit 2). */
export function parseBenchArgs(argv: string[], known: string[]): BenchOptions {
  const { values, positionals: args } = parseCli(
    argv,
    { 'cpu-prof': { type: 'boolean' }, fans: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    TOOL,
  );
  const positionals: string[] = args;
  const cpuProf = values['cpu-prof'] === true;
  if (values.help) {
    return { help: true, modules: [], cpuProf };
  }
  const unknown = positionals.filter((p) => !known.includes(p));
  if (unknown.length > 0) {
    const names = unknown.map((u) => `"${u}"`).join(', ');
    throw usageError(
      `unknown module${unknown.length > 1 ? 's' : ''} ${names}; known modules: ${known.join(', ') || '(none in bench/)'}`,
      TOOL,
    );
  }
  const modules = known.filter((k) => positionals.includes(k));
  if (cpuProf && modules.length !== 1) {
    throw usageError(
      `--cpu-prof profiles one module: name exactly one (${modules.length === 0 ? 'none named' : `got ${modules.join(', ')}`}); modules: ${known.join(', ')}`,
      TOOL,
    );
  }
  const fans = values.fans === undefined ? undefined : fansOf(values.fans, modules);
  return { help: false, modules: modules.length > 0 ? modules : known, cpuProf, ...(fans ? { fans } : {}) };
}

/** `--fans`: a whole number in range, and only beside the module that takes it. */
function fansOf(text: string, modules: string[]): number {
  const fans = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(fans >= MIN_FANS && fans <= MAX_FANS)) {
    throw usageError(`--fans takes a whole number of fans from ${MIN_FANS} to ${MAX_FANS}, got "${text}"`, TOOL);
  }
  if (!modules.includes(FANS_MODULE)) {
    throw usageError(
      `--fans is an option of the ${FANS_MODULE} module: name it (npm run bench -- ${FANS_MODULE} --fans ${text})`,
      TOOL,
    );
  }
  return fans;
}
