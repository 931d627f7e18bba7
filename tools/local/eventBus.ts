/**
 * EventBridge rules of the stacks: scheduled rules fire on the local clock, event-pattern rules
 * match events put on their bus (PutEvents on the local gateway, or `putEvents` here). Targets
 * are delivered the way EventBridge does: a Lambda function is invoked asynchronously (two
 * retries on error), a state machine gets a new execution, a queue gets the event as a message.
 * A target's constant `input` or `input_path` replaces the event, as configured in Terraform.
 *
 * When the clock jumps ahead, a schedule that missed several firings fires once (with the time
 * of the latest one): the workers look at what is due now, so catching up is enough locally.
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { LocalClock } from './clock';
import { matchesPattern } from './eventPattern';
import type { FunctionHost } from './lambda/host';
import { asyncFailure } from './lambda/host';
import type { Schedule } from './schedule';
import { nextFiring, parseSchedule } from './schedule';
import type { StepFunctions } from './stepFunctions';
import type { Rule, RuleTarget } from './wiring/model';
import { arnService } from './wiring/model';

export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string | Date;
}

export interface RuleStats {
  firings: number;
  deliveries: number;
  failures: number;
  nextFiringAt?: number;
}

export interface EventBusOptions {
  rules: Rule[];
  clock: LocalClock;
  host: FunctionHost;
  stepFunctions: StepFunctions;
  sqs: SQSClient;
  queueUrlOfArn: (arn: string) => string;
  region: string;
  accountId: string;
  onError?: (error: Error) => void;
  tickMs?: number;
}

/** Runs the rules of a local run. */
export class EventBus {
  readonly stats = new Map<string, RuleStats>();
  private readonly schedules = new Map<string, { schedule: Schedule; anchor: number; next: number }>();
  private timer: NodeJS.Timeout | undefined;
  /** Deliveries waiting for a slot, and the number running (bounded, so a burst of events does not open a socket each). */
  private readonly waiting: (() => Promise<void>)[] = [];
  private running = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly options: EventBusOptions) {
    const now = options.clock.now();
    for (const rule of options.rules) {
      this.stats.set(rule.name, { firings: 0, deliveries: 0, failures: 0 });
      if (rule.scheduleExpression) {
        const schedule = parseSchedule(rule.scheduleExpression);
        this.schedules.set(rule.name, { schedule, anchor: now, next: nextFiring(schedule, now, now) });
        this.stats.get(rule.name)!.nextFiringAt = this.schedules.get(rule.name)!.next;
      }
    }
  }

  /** The rules as the stacks declare them (ListRules, DescribeRule, ListTargetsByRule). */
  rules(): Rule[] {
    return this.options.rules;
  }

  /** The ARN of an event bus of this run's account and region. */
  busArn(name: string): string {
    return `arn:aws:events:${this.options.region}:${this.options.accountId}:event-bus/${name}`;
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.options.tickMs ?? 200);
  }

  /** Deliveries still waiting or running (async invocations, queue sends, executions). */
  busy(): boolean {
    return this.running > 0 || this.waiting.length > 0;
  }

  /** Stops the schedules, drops deliveries not started yet and waits for the running ones. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.waiting.length = 0;
    if (this.running > 0) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
  }

  /** When each scheduled rule fires next (local time). */
  nextFirings(): { rule: string; at: number }[] {
    return [...this.schedules.entries()].map(([rule, s]) => ({ rule, at: s.next }));
  }

  private tick(): void {
    const now = this.options.clock.now();
    for (const rule of this.options.rules) {
      const s = this.schedules.get(rule.name);
      if (!s || s.next > now) {
        continue;
      }
      let firing = s.next;
      while (nextFiring(s.schedule, firing, s.anchor) <= now) {
        firing = nextFiring(s.schedule, firing, s.anchor);
      }
      s.next = nextFiring(s.schedule, firing, s.anchor);
      this.stats.get(rule.name)!.nextFiringAt = s.next;
      this.fire(rule, firing);
    }
  }

  /** Fires a scheduled rule at `time`, as EventBridge does. */
  private fire(rule: Rule, time: number): void {
    this.stats.get(rule.name)!.firings++;
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.options.accountId,
      time: new Date(Math.floor(time / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      region: this.options.region,
      resources: [rule.arn],
      detail: {},
    };
    for (const target of rule.targets) {
      this.track(() => this.deliver(rule, target, event));
    }
  }

  /** PutEvents: each entry goes to the targets of every pattern rule on its bus that matches it. */
  putEvents(entries: PutEventsEntry[]): { EventId: string }[] {
    return entries.map((entry) => {
      const id = randomUUID();
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        throw Object.assign(new Error('Detail is not valid JSON'), { name: 'ValidationException' });
      }
      const event = {
        version: '0',
        id,
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: this.options.accountId,
        time: new Date(entry.Time ?? this.options.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: this.options.region,
        resources: entry.Resources ?? [],
        detail,
      };
      const bus = entry.EventBusName ?? 'default';
      for (const rule of this.options.rules) {
        if (rule.eventPattern && rule.eventBusName === bus && matchesPattern(rule.eventPattern, event)) {
          this.stats.get(rule.name)!.firings++;
          for (const target of rule.targets) {
            this.track(() => this.deliver(rule, target, event));
          }
        }
      }
      return { EventId: id };
    });
  }

  private track(work: () => Promise<void>): void {
    this.waiting.push(work);
    this.pump();
  }

  private pump(concurrency = 16): void {
    while (this.running < concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running++;
      void next().finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0) {
          this.idle.splice(0).forEach((resolve) => resolve());
        }
      });
    }
  }

  private payload(target: RuleTarget, event: Record<string, unknown>): unknown {
    if (target.input !== undefined) {
      return JSON.parse(target.input);
    }
    if (target.inputPath) {
      return target.inputPath
        .replace(/^\$\.?/, '')
        .split('.')
        .filter(Boolean)
        .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], event);
    }
    return event;
  }

  private async deliver(rule: Rule, target: RuleTarget, event: Record<string, unknown>): Promise<void> {
    const stats = this.stats.get(rule.name)!;
    const input = this.payload(target, event);
    const source = `events:${rule.name}`;
    try {
      switch (arnService(target.arn)) {
        case 'lambda': {
          // Asynchronous invocation: Lambda retries a failed event twice.
          const outcome = await this.options.host.invokeAsync(target.arn, input, source);
          if (!outcome.ok) {
            throw new Error(asyncFailure(target.arn, outcome.error));
          }
          break;
        }
        case 'states':
          await this.options.stepFunctions.start(target.arn, input, source).done;
          break;
        case 'sqs':
          await this.options.sqs.send(
            new SendMessageCommand({ QueueUrl: this.options.queueUrlOfArn(target.arn), MessageBody: JSON.stringify(input) }),
          );
          break;
        default:
          throw new Error(`rule ${rule.name}: target ${target.arn} is not supported by the local runtime`);
      }
      stats.deliveries++;
    } catch (error) {
      stats.failures++;
      this.options.onError?.(error as Error);
    }
  }
}
