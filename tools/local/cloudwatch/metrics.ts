/**
 * The local run's CloudWatch metrics: datapoints the run records itself (invocations, errors,
 * durations, iterator age, queue depths, oldest message age, executions), on the local clock,
 * and CloudWatch's statistics over a period. The alarm evaluation (evaluate.ts) and the edge's
 * GetMetricData read them. What is recorded where: docs/runbooks.md, "Rehearsing locally".
 */

export type Dimensions = Record<string, string>;

/** Where the run's parts put datapoints; `t` defaults to the local clock's now. */
export interface MetricSink {
  /** The local clock. */
  now(): number;
  put(namespace: string, metricName: string, dimensions: Dimensions, value: number, t?: number): void;
}

interface Series {
  namespace: string;
  metricName: string;
  dimensions: Dimensions;
  /** [local epoch ms, value], in the order recorded. */
  points: [number, number][];
}

const keyOf = (namespace: string, metricName: string, dimensions: Dimensions): string =>
  `${namespace}|${metricName}|${Object.keys(dimensions)
    .sort()
    .map((k) => `${k}=${dimensions[k]}`)
    .join(',')}`;

/** CloudWatch's statistic `stat` (Sum, Maximum, Minimum, Average, SampleCount, pNN) of `values`; undefined when empty. */
export function statistic(stat: string, values: number[]): number | undefined {
  if (values.length === 0) {
    return undefined;
  }
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'SampleCount':
      return values.length;
    default: {
      const p = /^p(\d+(?:\.\d+)?)$/.exec(stat);
      if (!p) {
        throw new Error(`unknown statistic ${stat}`);
      }
      // Nearest rank, as CloudWatch's percentiles of raw samples.
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((Number(p[1]) / 100) * sorted.length) - 1))];
    }
  }
}

export class MetricStore implements MetricSink {
  private readonly series = new Map<string, Series>();

  constructor(
    readonly now: () => number,
    /** Datapoints older than this (local time) are dropped. */
    private readonly keepMs = 6 * 3_600_000,
  ) {}

  put(namespace: string, metricName: string, dimensions: Dimensions, value: number, t = this.now()): void {
    const key = keyOf(namespace, metricName, dimensions);
    let s = this.series.get(key);
    if (!s) {
      s = { namespace, metricName, dimensions, points: [] };
      this.series.set(key, s);
    }
    s.points.push([t, value]);
    if (s.points.length % 1000 === 0) {
      const from = this.now() - this.keepMs;
      s.points = s.points.filter(([at]) => at >= from);
    }
  }

  /** The values recorded in [from, to). */
  values(namespace: string, metricName: string, dimensions: Dimensions, from: number, to: number): number[] {
    const s = this.series.get(keyOf(namespace, metricName, dimensions));
    return s ? s.points.filter(([t]) => t >= from && t < to).map(([, v]) => v) : [];
  }

  /** CloudWatch's `stat` of a metric over [from, to); undefined when nothing was recorded then. */
  aggregate(
    metric: { namespace: string; metricName: string; dimensions: Dimensions; stat: string },
    from: number,
    to: number,
  ): number | undefined {
    return statistic(metric.stat, this.values(metric.namespace, metric.metricName, metric.dimensions, from, to));
  }
}
