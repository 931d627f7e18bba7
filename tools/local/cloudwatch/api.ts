/**
 * CloudWatch's JSON API (`X-Amz-Target: GraniteServiceVersion20100801.*`, what the AWS SDK v3
 * CloudWatch client speaks) on the local edge, answered from the run's alarms and metrics:
 * DescribeAlarms (filters StateValue, AlarmNames, AlarmNamePrefix) and GetMetricData
 * (MetricStat queries). Everything else is refused as unsupported by the edge.
 */
import type { AlarmMonitor } from './monitor';

export class CloudWatchCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Input = Record<string, unknown>;

const seconds = (ms: number) => ms / 1000;
/** The JSON protocol sends timestamps as epoch seconds. */
const epochMs = (value: unknown, what: string): number => {
  const n = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(n)) {
    throw new CloudWatchCallError('InvalidParameterValue', `${what} must be a timestamp`);
  }
  return n;
};

/**
 * `offsetMs` is the local clock's lead over real time: clients ask in real time, the run records
 * on its clock, so request times are moved forward and answered times back by it.
 */
export function cloudWatchApi(
  monitor: AlarmMonitor,
  offsetMs: () => number,
): Record<string, (input: Input) => unknown> {
  const real = (localMs: number) => seconds(localMs - offsetMs());
  return {
    DescribeAlarms(input) {
      const names = Array.isArray(input.AlarmNames) ? (input.AlarmNames as string[]) : undefined;
      const prefix = typeof input.AlarmNamePrefix === 'string' ? input.AlarmNamePrefix : undefined;
      const stateValue = typeof input.StateValue === 'string' ? input.StateValue : undefined;
      if (stateValue && !['OK', 'ALARM', 'INSUFFICIENT_DATA'].includes(stateValue)) {
        throw new CloudWatchCallError(
          'InvalidParameterValue',
          `StateValue must be OK, ALARM or INSUFFICIENT_DATA, not ${stateValue}`,
        );
      }
      const alarms = monitor
        .all()
        .filter(
          (s) =>
            (!names || names.includes(s.alarm.name)) &&
            (!prefix || s.alarm.name.startsWith(prefix)) &&
            (!stateValue || s.state === stateValue),
        );
      return {
        MetricAlarms: alarms.map(({ alarm: a, state, reason, since }) => {
          const single = a.queries.length === 1 && !a.queries[0].expression ? a.queries[0].metric : undefined;
          return {
            AlarmName: a.name,
            AlarmDescription: a.description,
            StateValue: state,
            StateReason: reason,
            StateUpdatedTimestamp: real(since),
            ActionsEnabled: true,
            AlarmActions: a.alarmActions,
            OKActions: a.okActions,
            ComparisonOperator: a.comparison,
            Threshold: a.threshold,
            EvaluationPeriods: a.evaluationPeriods,
            DatapointsToAlarm: a.datapointsToAlarm,
            TreatMissingData: a.treatMissingData,
            ...(single
              ? {
                  Namespace: single.namespace,
                  MetricName: single.metricName,
                  Dimensions: Object.entries(single.dimensions).map(([Name, Value]) => ({ Name, Value })),
                  Period: single.period,
                  ...(single.stat.startsWith('p') ? { ExtendedStatistic: single.stat } : { Statistic: single.stat }),
                }
              : {
                  Metrics: a.queries.map((q) => ({
                    Id: q.id,
                    ReturnData: q.returnData,
                    ...(q.expression ? { Expression: q.expression } : {}),
                    ...(q.metric
                      ? {
                          MetricStat: {
                            Metric: {
                              Namespace: q.metric.namespace,
                              MetricName: q.metric.metricName,
                              Dimensions: Object.entries(q.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
                            },
                            Period: q.metric.period,
                            Stat: q.metric.stat,
                          },
                        }
                      : {}),
                  })),
                }),
          };
        }),
        CompositeAlarms: [],
      };
    },

    GetMetricData(input) {
      const start = epochMs(input.StartTime, 'StartTime') + offsetMs();
      const end = epochMs(input.EndTime, 'EndTime') + offsetMs();
      const queries = Array.isArray(input.MetricDataQueries) ? (input.MetricDataQueries as Input[]) : [];
      return {
        MetricDataResults: queries.map((q) => {
          const stat = q.MetricStat as { Metric?: Input; Period?: number; Stat?: string } | undefined;
          if (!stat?.Metric || !stat.Period || !stat.Stat) {
            throw new CloudWatchCallError(
              'InvalidParameterValue',
              `query ${String(q.Id)}: only MetricStat queries are supported locally`,
            );
          }
          const dims = Object.fromEntries(
            ((stat.Metric.Dimensions as { Name: string; Value: string }[] | undefined) ?? []).map((d) => [
              d.Name,
              d.Value,
            ]),
          );
          const ms = stat.Period * 1000;
          const timestamps: number[] = [];
          const values: number[] = [];
          // Newest first, as CloudWatch's default ScanBy TimestampDescending.
          for (let from = Math.floor((end - 1) / ms) * ms; from + ms > start; from -= ms) {
            const v = monitor.store.aggregate(
              {
                namespace: String(stat.Metric.Namespace),
                metricName: String(stat.Metric.MetricName),
                dimensions: dims,
                stat: stat.Stat,
              },
              Math.max(from, start),
              Math.min(from + ms, end),
            );
            if (v !== undefined) {
              timestamps.push(real(from));
              values.push(v);
            }
          }
          return {
            Id: q.Id,
            Label: stat.Metric.MetricName,
            Timestamps: timestamps,
            Values: values,
            StatusCode: 'Complete',
          };
        }),
        Messages: [],
      };
    },
  };
}
