/**
 * Contract of a benchmark module: `bench/<area>.bench.ts` exports `run(ctx)` returning rows.
 * `npm run bench` (tools/bench/main.ts) starts the local components once, runs the modules one
 * after the other in its own process and writes one report (markdown + JSON) with the machine's
 * details and a summary table (the rows with `summary`) on top. Benchmarks are not tests:
 * nothing here fails on a timing.
 */
export interface BenchRow {
  /** What was measured, e.g. "sendData, batch of 10". */
  name: string;
  value: number;
  unit: string;
  /** The target from DOMAIN.md / the issue, as text (e.g. "< 500 ms p95"). */
  target?: string;
  /** A naive alternative measured in the same run, in the same unit. */
  baseline?: { name: string; value: number };
  /**
   * Put this row into the report's summary table: its value as a ratio to `baseline` (measured
   * in the same run) against a target ratio. `atMost`: the ratio must be ≤ it (times, sizes);
   * `atLeast`: ≥ it (throughputs).
   */
  summary?: { atMost?: number; atLeast?: number };
  notes?: string;
}

export interface BenchContext {
  /** Endpoints of the local components started for the run (same variables as the integration tests). */
  env: NodeJS.ProcessEnv;
  /** Log a progress line. */
  progress(message: string): void;
  /**
   * True under `npm run bench -- <module> --cpu-prof`: the runner profiles this module's `run()`
   * in its own process (node:inspector), so processes the module spawns are not in that profile.
   * A module that spawns Node processes may add `--cpu-prof --cpu-prof-dir <profileDir>` to their
   * arguments so each writes its own profile. The figures of a profiled run are not reported.
   */
  cpuProfile?: boolean;
  /** Where spawned processes write their CPU profiles; set when `cpuProfile` is. */
  profileDir?: string;
  /** `--fans <n>`: the selection module also runs a market of this many fans (on demand only). */
  fans?: number;
}

export type BenchModule = { run(ctx: BenchContext): Promise<BenchRow[]> };
