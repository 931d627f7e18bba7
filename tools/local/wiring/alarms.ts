/**
 * CloudWatch metric alarms as Terraform plans them (`aws_cloudwatch_metric_alarm`, modules
 * expanded): read by the wiring model (the local run evaluates them, tools/local/cloudwatch) and
 * by the alarm table of docs/operations.md (tools/ops/alarms.ts), so both see the same alarms.
 */
import type { ResourceInstance } from '../hcl/modules';
import { force } from '../hcl/values';

/** One metric of an alarm: its own (single-metric alarm) or one `metric_query` of a metric-math alarm. */
export interface AlarmMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Sum, Maximum, Minimum, Average, SampleCount or a percentile (`p95`). */
  stat: string;
  period: number;
}

/** A `metric_query` of a metric-math alarm: a metric, or an expression over the other queries' ids. */
export interface AlarmQuery {
  id: string;
  expression?: string;
  metric?: AlarmMetric;
  returnData: boolean;
}

export interface Alarm {
  /** What kind of alarm: function_error_rate, function_duration, dlq_messages, ... (modules/alarms). */
  kind: string;
  name: string;
  description: string;
  /** `<namespace> <metric>`, or the metrics of a metric-math alarm. */
  metric: string;
  /** Dimension values of the alarm's metric(s). */
  dimensions: Record<string, string>[];
  statistic: string;
  comparison: string;
  threshold: number;
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: string;
  alarmActions: string[];
  okActions: string[];
  /** What is evaluated: one metric, or the queries of a metric-math alarm (the one with returnData). */
  queries: AlarmQuery[];
}

export const asList = <T>(value: unknown): T[] =>
  Array.isArray(value) ? (value as T[]) : value === null || value === undefined ? [] : [value as T];

/** An attribute of a planned resource, `fallback` when it is unset or null. */
export function read(r: ResourceInstance, key: string, fallback?: unknown): unknown {
  if (!r.attributes.has(key)) {
    return fallback;
  }
  const value = force(r.attributes.get(key));
  return value === null || value === undefined ? fallback : value;
}

interface PlannedMetric {
  namespace: string;
  metric_name: string;
  dimensions?: Record<string, string>;
  stat: string;
  period: number;
}

export function readAlarm(r: ResourceInstance): Alarm {
  const planned = asList<{ id: string; expression?: string | null; metric?: unknown; return_data?: boolean | null }>(
    read(r, 'metric_query'),
  );
  const metrics = planned.flatMap((q) => asList<PlannedMetric>(q.metric));
  // aws_cloudwatch_metric_alarm.this["<kind>/<key>"] (local.alarms) or function_error_rate["<key>"].
  const instance = r.address.match(/\["([^"]+)"\]$/)?.[1] ?? '';
  const statistic = String(
    read(r, 'extended_statistic') ?? read(r, 'statistic') ?? metrics.map((m) => m.stat).join('/'),
  );
  const period = Number(read(r, 'period') ?? metrics[0]?.period);
  const queries: AlarmQuery[] =
    planned.length > 0
      ? planned.map((q) => {
          const [m] = asList<PlannedMetric>(q.metric);
          return {
            id: q.id,
            ...(q.expression ? { expression: q.expression } : {}),
            ...(m
              ? {
                  metric: {
                    namespace: m.namespace,
                    metricName: m.metric_name,
                    dimensions: m.dimensions ?? {},
                    stat: m.stat,
                    period: Number(m.period),
                  },
                }
              : {}),
            returnData: q.return_data ?? false,
          };
        })
      : [
          {
            id: 'm1',
            metric: {
              namespace: String(read(r, 'namespace')),
              metricName: String(read(r, 'metric_name')),
              dimensions: read(r, 'dimensions', {}) as Record<string, string>,
              stat: statistic,
              period,
            },
            returnData: true,
          },
        ];
  return {
    kind: instance.includes('/') ? instance.slice(0, instance.indexOf('/')) : r.name,
    name: String(read(r, 'alarm_name')),
    description: String(read(r, 'alarm_description', '')),
    metric:
      metrics.length > 0
        ? `${metrics[0].namespace} ${metrics.map((m) => m.metric_name).join(' ÷ ')}`
        : `${String(read(r, 'namespace'))} ${String(read(r, 'metric_name'))}`,
    dimensions:
      metrics.length > 0
        ? metrics.map((m) => m.dimensions ?? {})
        : [read(r, 'dimensions', {}) as Record<string, string>],
    statistic,
    comparison: String(read(r, 'comparison_operator')),
    threshold: Number(read(r, 'threshold')),
    period,
    evaluationPeriods: Number(read(r, 'evaluation_periods')),
    datapointsToAlarm: Number(read(r, 'datapoints_to_alarm', read(r, 'evaluation_periods'))),
    treatMissingData: String(read(r, 'treat_missing_data', 'missing')),
    alarmActions: asList<string>(read(r, 'alarm_actions')),
    okActions: asList<string>(read(r, 'ok_actions')),
    queries,
  };
}
