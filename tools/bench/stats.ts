/** The middle value of `values` (the upper one of an even count); the benchmarks' summary of repeated trials. */
export const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
