/** Failure injection of a fake server: failures queued by `failNext`, latency and dropped connections. */
import type { FailureRule, FakeResponse } from '../server';
import type { ErrorBody } from './dispatch';

/** A queued failure and how many more requests it fails. */
type PendingFailure = FailureRule & { remaining: number };

/** What a fake injects until it is used up or cleared. */
export interface Faults {
  failures: PendingFailure[];
  latencyMs: number;
  /** Connections still to drop. */
  drops: number;
}

export const createFaults = (): Faults => ({ failures: [], latencyMs: 0, drops: 0 });

export function queueFailure(faults: Faults, rule: FailureRule): void {
  faults.failures.push({ ...rule, remaining: rule.count ?? 1 });
}

/** Ends injected failures, latency and pending drops. */
export function clearFaults(faults: Faults): void {
  faults.failures = [];
  faults.latencyMs = 0;
  faults.drops = 0;
}

const toRegExp = (path: string | RegExp | undefined, pathPattern?: string): string | RegExp | undefined =>
  pathPattern ? new RegExp(pathPattern) : path;

/** The rule a `POST /_fake/fail` body asks for (`pathPattern`, a RegExp source, wins over `path`). */
export function failureRuleOf(status: number, b: Record<string, unknown>): FailureRule {
  return {
    status,
    count: b.count as number | undefined,
    path: toRegExp(b.path as string | undefined, b.pathPattern as string | undefined),
    body: b.body,
    headers: b.headers as Record<string, string> | undefined,
  };
}

/** The pending failures as `GET /_fake/state` shows them. */
export const pendingFailures = (faults: Faults) =>
  faults.failures.map(({ remaining, status, path }) => ({
    remaining,
    status,
    path: String(path ?? ''),
  }));

/** Uses up one pending drop: true when this request's connection is to be dropped. */
export function takeDrop(faults: Faults): boolean {
  if (faults.drops > 0) {
    faults.drops--;
    return true;
  }
  return false;
}

/** Waits `ms` on a timer kept in `timers`; `stop()` cancels those timers (the wait then never ends). */
export function delay(timers: Set<NodeJS.Timeout>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}

/** The injected failure answering a request to `path`; uses up one count of the first matching rule. */
export function takeFailure(faults: Faults, path: string, errorBody: ErrorBody): FakeResponse | undefined {
  const rule = faults.failures.find(
    (f) =>
      f.remaining > 0 && (f.path === undefined || (typeof f.path === 'string' ? f.path === path : f.path.test(path))),
  );
  if (!rule) {
    return undefined;
  }
  rule.remaining--;
  faults.failures = faults.failures.filter((f) => f.remaining > 0);
  const injected =
    rule.body === undefined
      ? errorBody(rule.status, 'injected', `injected failure ${rule.status}`)
      : { status: rule.status, body: rule.body };
  return { ...injected, headers: { ...injected.headers, ...rule.headers } };
}
