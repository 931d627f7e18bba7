/**
 * CloudWatch's alarm evaluation, for the alarms the Terraform defines (tools/local/wiring/alarms.ts),
 * over the metrics the local run records (metrics.ts):
 *
 * - periods are aligned to multiples of the period on the local clock; the last N complete
 *   periods are evaluated (N = evaluation_periods), each reduced to one datapoint by the alarm's
 *   statistic, or by its metric-math expression;
 * - a datapoint breaches when it compares to the threshold as comparison_operator says;
 * - missing datapoints follow treat_missing_data: `notBreaching` counts them as good, `breaching`
 *   as bad, `ignore` and `missing` leave them out; with nothing left `missing` gives
 *   INSUFFICIENT_DATA and `ignore` keeps the state;
 * - ALARM when at least M datapoints breach (M = datapoints_to_alarm), OK otherwise.
 *
 * Simplified against CloudWatch: only complete periods count (CloudWatch may also look at the
 * current one, so it can fire up to a period sooner), and with `missing`/`ignore` it does not
 * look further back than N periods for datapoints.
 */
import type { Alarm, AlarmQuery } from '../wiring/alarms';
import type { MetricStore } from './metrics';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface Evaluation {
  state: AlarmStateValue;
  reason: string;
  /** The evaluated datapoints, oldest first (undefined: missing). */
  datapoints: (number | undefined)[];
}

const COMPARE: Record<string, (value: number, threshold: number) => boolean> = {
  GreaterThanThreshold: (v, t) => v > t,
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

type Node =
  | { num: number }
  | { id: string }
  | { op: string; left: Node; right: Node }
  | { call: string; args: Node[] }
  | { neg: Node };

/** Parses the metric-math subset the stacks use: numbers, ids, + - * /, comparisons, IF(c, a, b), FILL(x, v). */
export function parseExpression(text: string): Node {
  const tokens =
    text.match(/\s*(\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|>=|<=|==|!=|[-+*/(),<>])/gy)?.map((t) => t.trim()) ?? [];
  if (tokens.join('') !== text.replace(/\s+/g, '')) {
    throw new Error(`metric math: cannot read "${text}"`);
  }
  let i = 0;
  const peek = () => tokens[i];
  const take = (want?: string) => {
    const t = tokens[i++];
    if (t === undefined || (want !== undefined && t !== want)) {
      throw new Error(`metric math: expected ${want ?? 'more'} at token ${i} of "${text}"`);
    }
    return t;
  };
  const binary = (next: () => Node, ops: string[]) => (): Node => {
    let left = next();
    while (ops.includes(peek())) {
      const op = take();
      left = { op, left, right: next() };
    }
    return left;
  };
  const primary = (): Node => {
    const t = take();
    if (t === '(') {
      const inner = comparison();
      take(')');
      return inner;
    }
    if (t === '-') {
      return { neg: primary() };
    }
    if (/^\d/.test(t)) {
      return { num: Number(t) };
    }
    if (peek() === '(') {
      take('(');
      const args: Node[] = [comparison()];
      while (peek() === ',') {
        take(',');
        args.push(comparison());
      }
      take(')');
      return { call: t.toUpperCase(), args };
    }
    return { id: t };
  };
  const product = binary(primary, ['*', '/']);
  const sum = binary(product, ['+', '-']);
  const comparison = binary(sum, ['>', '<', '>=', '<=', '==', '!=']);
  const tree = comparison();
  if (i !== tokens.length) {
    throw new Error(`metric math: unexpected "${tokens[i]}" in "${text}"`);
  }
  return tree;
}

/** Value of an expression; undefined (no datapoint) propagates except through FILL. */
export function evaluateExpression(node: Node, values: Record<string, number | undefined>): number | undefined {
  if ('num' in node) {
    return node.num;
  }
  if ('id' in node) {
    if (!(node.id in values)) {
      throw new Error(`metric math: no query with id ${node.id}`);
    }
    return values[node.id];
  }
  if ('neg' in node) {
    const v = evaluateExpression(node.neg, values);
    return v === undefined ? undefined : -v;
  }
  if ('call' in node) {
    const args = node.args.map((a) => evaluateExpression(a, values));
    if (node.call === 'FILL' && args.length === 2) {
      return args[0] ?? args[1];
    }
    if (node.call === 'IF' && args.length === 3) {
      return args[0] === undefined ? undefined : args[0] !== 0 ? args[1] : args[2];
    }
    throw new Error(`metric math: ${node.call} with ${args.length} arguments is not supported locally`);
  }
  const l = evaluateExpression(node.left, values);
  const r = evaluateExpression(node.right, values);
  if (l === undefined || r === undefined) {
    return undefined;
  }
  switch (node.op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return r === 0 ? undefined : l / r;
    case '>':
      return Number(l > r);
    case '<':
      return Number(l < r);
    case '>=':
      return Number(l >= r);
    case '<=':
      return Number(l <= r);
    case '==':
      return Number(l === r);
    default:
      return Number(l !== r);
  }
}

/** The alarm's datapoint for the period [from, to). */
function datapoint(queries: AlarmQuery[], store: MetricStore, from: number, to: number): number | undefined {
  const values: Record<string, number | undefined> = {};
  for (const q of queries.filter((x) => x.metric)) {
    values[q.id] = store.aggregate(q.metric!, from, to);
  }
  const result = queries.find((q) => q.returnData) ?? queries[0];
  return result.expression ? evaluateExpression(parseExpression(result.expression), values) : values[result.id];
}

/** The last `evaluationPeriods` complete periods before `now`, as [from, to), oldest first. */
export function periodsOf(alarm: Pick<Alarm, 'period' | 'evaluationPeriods'>, now: number): [number, number][] {
  const ms = alarm.period * 1000;
  const end = Math.floor(now / ms) * ms;
  return Array.from({ length: alarm.evaluationPeriods }, (_, i) => [
    end - (alarm.evaluationPeriods - i) * ms,
    end - (alarm.evaluationPeriods - i - 1) * ms,
  ]);
}

const format = (v: number) => String(Math.round(v * 100) / 100);

/** Evaluates `alarm` at local time `now`; `previous` is its current state (kept by `ignore` without data). */
export function evaluateAlarm(alarm: Alarm, store: MetricStore, now: number, previous: AlarmStateValue): Evaluation {
  const compare = COMPARE[alarm.comparison];
  if (!compare) {
    throw new Error(`${alarm.name}: comparison ${alarm.comparison} is not supported locally`);
  }
  const datapoints = periodsOf(alarm, now).map(([from, to]) => datapoint(alarm.queries, store, from, to));
  const present = datapoints.filter((d): d is number => d !== undefined);
  const missing = datapoints.length - present.length;
  const breaching =
    present.filter((d) => compare(d, alarm.threshold)).length + (alarm.treatMissingData === 'breaching' ? missing : 0);
  const shown = `[${datapoints.map((d) => (d === undefined ? '-' : format(d))).join(', ')}]`;
  if (present.length === 0 && (alarm.treatMissingData === 'missing' || alarm.treatMissingData === 'ignore')) {
    return alarm.treatMissingData === 'ignore'
      ? {
          state: previous,
          reason: `no datapoints in ${alarm.evaluationPeriods} period(s): state kept (treat_missing_data ignore)`,
          datapoints,
        }
      : { state: 'INSUFFICIENT_DATA', reason: `no datapoints in ${alarm.evaluationPeriods} period(s)`, datapoints };
  }
  const state: AlarmStateValue = breaching >= alarm.datapointsToAlarm ? 'ALARM' : 'OK';
  return {
    state,
    reason: `${breaching} of the last ${alarm.evaluationPeriods} datapoint(s) ${shown} breach the threshold (${alarm.comparison} ${format(alarm.threshold)}); ${alarm.datapointsToAlarm} needed`,
    datapoints,
  };
}
