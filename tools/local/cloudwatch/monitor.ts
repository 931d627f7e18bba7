/**
 * The local run's alarms: every `aws_cloudwatch_metric_alarm` of the running stacks, evaluated
 * (evaluate.ts) over the metrics the run records (metrics.ts) every tick, on the local clock.
 * State changes are logged (`alarm ALARM <name>: <reason>`) and kept as history; the edge answers
 * CloudWatch DescribeAlarms and GetMetricData from here (api.ts), so `ops status --env local`
 * and any CloudWatch client see them.
 */
import type { StackAlarm } from '../wiring/model';
import type { AlarmStateValue } from './evaluate';
import { evaluateAlarm } from './evaluate';
import type { MetricStore } from './metrics';

export interface AlarmState {
  alarm: StackAlarm;
  state: AlarmStateValue;
  reason: string;
  /** Local epoch ms of the last state change. */
  since: number;
}

export interface AlarmChange {
  name: string;
  from: AlarmStateValue;
  to: AlarmStateValue;
  /** Local epoch ms. */
  at: number;
  reason: string;
}

export interface AlarmMonitorOptions {
  alarms: StackAlarm[];
  store: MetricStore;
  now: () => number;
  /** Records the gauges (queue depths, executions) before each evaluation. */
  sample?: () => Promise<void>;
  log?: (line: string) => void;
  tickMs?: number;
}

export class AlarmMonitor {
  private readonly states = new Map<string, AlarmState>();
  readonly history: AlarmChange[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: AlarmMonitorOptions) {
    const now = options.now();
    for (const alarm of options.alarms) {
      this.states.set(alarm.name, { alarm, state: 'INSUFFICIENT_DATA', reason: 'not evaluated yet', since: now });
    }
  }

  get store(): MetricStore {
    return this.options.store;
  }

  start(): void {
    if (this.timer || this.states.size === 0) {
      return;
    }
    this.timer = setInterval(
      () =>
        void this.tick().catch((error: Error) => this.options.log?.(`error in the alarm evaluation: ${error.message}`)),
      this.options.tickMs ?? 2000,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Samples the gauges and evaluates every alarm once (one at a time: a tick in progress is joined). */
  tick(): Promise<void> {
    this.running ??= (async () => {
      try {
        await this.options.sample?.();
        const now = this.options.now();
        for (const s of this.states.values()) {
          const { state, reason } = evaluateAlarm(s.alarm, this.options.store, now, s.state);
          if (state !== s.state) {
            const change: AlarmChange = { name: s.alarm.name, from: s.state, to: state, at: now, reason };
            this.history.push(change);
            // The first evaluation (INSUFFICIENT_DATA → OK) is not news.
            if (state === 'ALARM' || s.state === 'ALARM') {
              this.options.log?.(`alarm ${state} ${s.alarm.name} (was ${s.state}): ${reason}`);
            }
            Object.assign(s, { state, since: now });
          }
          s.reason = reason;
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  all(): AlarmState[] {
    return [...this.states.values()];
  }

  state(name: string): AlarmState {
    const found = this.states.get(name) ?? [...this.states.values()].find((s) => s.alarm.name.endsWith(`-${name}`));
    if (!found) {
      throw new Error(`no alarm ${name}`);
    }
    return found;
  }

  inAlarm(): string[] {
    return this.all()
      .filter((s) => s.state === 'ALARM')
      .map((s) => s.alarm.name)
      .sort();
  }
}
