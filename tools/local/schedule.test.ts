import { nextFiring, parseSchedule } from './schedule';

const at = (iso: string) => Date.parse(iso);

describe('EventBridge schedule expressions', () => {
  it('fires rate schedules every period from the rule creation', () => {
    const s = parseSchedule('rate(5 minutes)');
    const created = at('2026-01-01T00:00:00Z');
    expect(nextFiring(s, created, created)).toBe(at('2026-01-01T00:05:00Z'));
    expect(nextFiring(s, at('2026-01-01T00:12:00Z'), created)).toBe(at('2026-01-01T00:15:00Z'));
    expect(parseSchedule('rate(1 hour)')).toMatchObject({ everyMs: 3_600_000 });
  });

  it('fires cron schedules on the matching UTC minutes', () => {
    const daily = parseSchedule('cron(0 8 * * ? *)');
    expect(nextFiring(daily, at('2026-01-01T08:00:00Z'), 0)).toBe(at('2026-01-02T08:00:00Z'));
    const weekdays = parseSchedule('cron(30 12 ? * MON-FRI *)');
    // 2026-01-03 is a Saturday: the next weekday at 12:30 is Monday the 5th.
    expect(nextFiring(weekdays, at('2026-01-03T00:00:00Z'), 0)).toBe(at('2026-01-05T12:30:00Z'));
    const quarterly = parseSchedule('cron(0/15 * * * ? *)');
    expect(nextFiring(quarterly, at('2026-01-01T10:16:00Z'), 0)).toBe(at('2026-01-01T10:30:00Z'));
  });

  it('refuses expressions EventBridge would refuse or the local scheduler cannot follow', () => {
    expect(() => parseSchedule('rate(1 minutes)')).toThrow('use "1 minute"');
    expect(() => parseSchedule('cron(0 8 * * MON *)')).toThrow('exactly one of day-of-month and day-of-week');
    expect(() => parseSchedule('cron(0 8 L * ? *)')).toThrow('not supported');
    expect(() => parseSchedule('every 5 minutes')).toThrow('neither rate(...) nor cron(...)');
  });
});
