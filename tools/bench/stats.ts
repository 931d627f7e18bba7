/** The middle value of `values` (the upper one of an even count); the benchmarks' summary of repeated trials. */
export const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Items per second over every timed run of one side, `perRun` items a run (durations in ms). */
export const throughput = (perRun: number, durationsMs: readonly number[]): number =>
  (perRun * durationsMs.length) / (durationsMs.reduce((a, b) => a + b, 0) / 1000);

/** Milliseconds `fn` takes. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * Times one run of the worker and one of its same-run baseline; round by round the other one
 * goes first (ABBA), so neither always runs on the other's warm caches.
 */
export async function timedPair(
  round: number,
  worker: () => Promise<unknown>,
  baseline: () => Promise<unknown>,
): Promise<{ worker: number; baseline: number }> {
  if (round % 2 === 0) {
    const w = await timeMs(worker);
    return { worker: w, baseline: await timeMs(baseline) };
  }
  const b = await timeMs(baseline);
  return { worker: await timeMs(worker), baseline: b };
}

/** `rounds` timed pairs of the worker and its baseline (see timedPair); each side's durations in ms. */
export async function interleaved(
  rounds: number,
  worker: () => Promise<unknown>,
  baseline: () => Promise<unknown>,
): Promise<{ worker: number[]; baseline: number[] }> {
  const out = { worker: [] as number[], baseline: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const t = await timedPair(i, worker, baseline);
    out.worker.push(t.worker);
    out.baseline.push(t.baseline);
  }
  return out;
}

/**
 * Targets of a worker that walks a whole market (docs/build-and-ci.md, "Time per fan at scale"):
 * a big market against a small one, as same-run ratios, at most.
 */
export const SCALE_TARGETS = { timePerSlice: 1.3, peakRss: 1.2 } as const;
