/**
 * Contract of a benchmark module: `bench/<area>.bench.ts` exports `run(ctx)` returning rows.
 * `npm run bench` runs every module (in its own process, local components started for it) and
 * writes one report (markdown + JSON) with the machine's details on top. Benchmarks are not
 * tests: nothing here fails on a timing.
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
  notes?: string;
}

export interface BenchContext {
  /** Endpoints of the local components started for the run (same variables as the integration tests). */
  env: NodeJS.ProcessEnv;
  /** Log a progress line. */
  progress(message: string): void;
}

export type BenchModule = { run(ctx: BenchContext): Promise<BenchRow[]> };
