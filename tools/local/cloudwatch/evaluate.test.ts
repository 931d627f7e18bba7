import type { Alarm } from '../wiring/alarms';
import { evaluateAlarm, evaluateExpression, parseExpression, periodsOf } from './evaluate';
import { MetricStore, statistic } from './metrics';

const MIN = 60_000;
/** Local time at the start of a minute, far from zero. */
const T0 = 1_000 * MIN;

const dims = { QueueName: 'q' };
const single = (over: Partial<Alarm> = {}): Alarm => ({
  kind: 'test',
  name: 'prd2011-local-us-east-1-q-oldest-message-age',
  description: '',
  metric: 'AWS/SQS ApproximateAgeOfOldestMessage',
  dimensions: [dims],
  statistic: 'Maximum',
  comparison: 'GreaterThanThreshold',
  threshold: 100,
  period: 60,
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
  treatMissingData: 'notBreaching',
  alarmActions: [],
  okActions: [],
  queries: [
    {
      id: 'm1',
      returnData: true,
      metric: {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateAgeOfOldestMessage',
        dimensions: dims,
        stat: 'Maximum',
        period: 60,
      },
    },
  ],
  ...over,
});

function storeWith(points: [minute: number, value: number][]): MetricStore {
  const store = new MetricStore(() => T0 + 10 * MIN);
  for (const [minute, value] of points) {
    store.put('AWS/SQS', 'ApproximateAgeOfOldestMessage', dims, value, T0 + minute * MIN + 1_000);
  }
  return store;
}

describe('statistic', () => {
  it('computes CloudWatch statistics and nearest-rank percentiles', () => {
    const values = [5, 1, 4, 2, 3];
    expect(statistic('Sum', values)).toBe(15);
    expect(statistic('Maximum', values)).toBe(5);
    expect(statistic('Minimum', values)).toBe(1);
    expect(statistic('Average', values)).toBe(3);
    expect(statistic('SampleCount', values)).toBe(5);
    expect(statistic('p50', values)).toBe(3);
    expect(
      statistic(
        'p95',
        Array.from({ length: 100 }, (_, i) => i + 1),
      ),
    ).toBe(95);
    expect(statistic('Sum', [])).toBeUndefined();
    expect(() => statistic('Median', values)).toThrow('unknown statistic Median');
  });
});

describe('periodsOf', () => {
  it('gives the last N complete periods, aligned to the period, oldest first', () => {
    expect(periodsOf({ period: 60, evaluationPeriods: 2 }, T0 + 90_000)).toEqual([
      [T0 - MIN, T0],
      [T0, T0 + MIN],
    ]);
  });
});

describe('evaluateAlarm', () => {
  const at = T0 + 5 * MIN + 30_000; // evaluates minutes 0-4

  it('is ALARM when M of the last N datapoints breach, OK with one fewer', () => {
    const three = storeWith([
      [0, 150],
      [2, 150],
      [4, 150],
      [1, 10],
    ]);
    const result = evaluateAlarm(single(), three, at, 'OK');
    expect(result).toMatchObject({ state: 'ALARM', datapoints: [150, 10, 150, undefined, 150] });
    expect(result.reason).toContain('3 of the last 5 datapoint(s) [150, 10, 150, -, 150]');
    expect(
      evaluateAlarm(
        single(),
        storeWith([
          [0, 150],
          [2, 150],
        ]),
        at,
        'ALARM',
      ).state,
    ).toBe('OK');
  });

  it('reduces each period by the statistic and compares strictly (GreaterThanThreshold)', () => {
    const store = storeWith([
      [4, 100],
      [4, 20],
    ]);
    expect(evaluateAlarm(single({ evaluationPeriods: 1, datapointsToAlarm: 1 }), store, at, 'OK').state).toBe('OK');
    store.put('AWS/SQS', 'ApproximateAgeOfOldestMessage', dims, 101, T0 + 4 * MIN + 59_000);
    expect(evaluateAlarm(single({ evaluationPeriods: 1, datapointsToAlarm: 1 }), store, at, 'OK').state).toBe('ALARM');
    // The current, incomplete period does not count yet.
    const late = storeWith([[5, 500]]);
    expect(evaluateAlarm(single({ evaluationPeriods: 1, datapointsToAlarm: 1 }), late, at, 'OK').state).toBe('OK');
  });

  it('follows treat_missing_data', () => {
    const empty = storeWith([]);
    expect(evaluateAlarm(single(), empty, at, 'ALARM').state).toBe('OK');
    expect(evaluateAlarm(single({ treatMissingData: 'breaching' }), empty, at, 'OK').state).toBe('ALARM');
    expect(evaluateAlarm(single({ treatMissingData: 'missing' }), empty, at, 'OK').state).toBe('INSUFFICIENT_DATA');
    expect(evaluateAlarm(single({ treatMissingData: 'ignore' }), empty, at, 'ALARM').state).toBe('ALARM');
    expect(evaluateAlarm(single({ treatMissingData: 'ignore' }), storeWith([[4, 1]]), at, 'ALARM').state).toBe('OK');
    // Two breaching datapoints and three missing ones counted as breaching: ALARM.
    expect(
      evaluateAlarm(
        single({ treatMissingData: 'breaching' }),
        storeWith([
          [0, 1],
          [1, 1],
        ]),
        at,
        'OK',
      ).state,
    ).toBe('ALARM');
  });

  it('evaluates the error-rate metric math of the alarms module', () => {
    const fn = { FunctionName: 'f' };
    const rate = single({
      threshold: 5,
      queries: [
        { id: 'rate', returnData: true, expression: 'IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)' },
        {
          id: 'errors',
          returnData: false,
          metric: { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: fn, stat: 'Sum', period: 60 },
        },
        {
          id: 'invocations',
          returnData: false,
          metric: { namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions: fn, stat: 'Sum', period: 60 },
        },
      ],
    });
    const store = new MetricStore(() => at);
    for (const minute of [0, 1, 2, 3, 4]) {
      for (let i = 0; i < 10; i++) {
        store.put('AWS/Lambda', 'Invocations', fn, 1, T0 + minute * MIN + i);
        // One error in ten (10 %) in minutes 1-3; none in 0 and 4.
        store.put('AWS/Lambda', 'Errors', fn, i === 0 && minute >= 1 && minute <= 3 ? 1 : 0, T0 + minute * MIN + i);
      }
    }
    expect(evaluateAlarm(rate, store, at, 'OK')).toMatchObject({ state: 'ALARM', datapoints: [0, 10, 10, 10, 0] });
  });
});

describe('metric math', () => {
  it('propagates missing values except through FILL, and IF picks by its condition', () => {
    const expr = parseExpression('IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)');
    expect(evaluateExpression(expr, { invocations: 4, errors: undefined })).toBe(0);
    expect(evaluateExpression(expr, { invocations: 4, errors: 1 })).toBe(25);
    expect(evaluateExpression(expr, { invocations: undefined, errors: 1 })).toBeUndefined();
    expect(evaluateExpression(parseExpression('-(a - 2) * 3'), { a: 5 })).toBe(-9);
  });

  it('refuses what it cannot read, naming it', () => {
    expect(() => parseExpression('a +')).toThrow('metric math: expected more');
    expect(() => parseExpression('a $ b')).toThrow('metric math: cannot read "a $ b"');
    expect(() => evaluateExpression(parseExpression('b'), { a: 1 })).toThrow('no query with id b');
    expect(() => evaluateExpression(parseExpression('METRICS()'), {})).toThrow();
  });
});
