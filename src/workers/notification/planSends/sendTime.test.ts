import { planSendTime } from './sendTime';

const settings = { smsPerSecond: 10, targetLeadMinutes: 60, finishBeforePresaleMinutes: 5, roundToMinutes: 5 };
const at = (iso: string) => new Date(iso);
const minutesBefore = (later: Date, earlier: Date) => (later.getTime() - earlier.getTime()) / 60_000;

/** Wall-clock time of an instant in a zone, e.g. "09:00". */
const wallClock = (d: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);

describe('planSendTime', () => {
  const now = at('2026-06-13T10:00:00.000Z');

  it('starts a market without fans exactly the target lead before presale', () => {
    const presale = at('2026-06-13T17:00:00.000Z');
    const plan = planSendTime(0, presale, now, settings);
    expect(plan.start.toISOString()).toBe('2026-06-13T16:00:00.000Z');
    expect(plan).toMatchObject({ durationSeconds: 0, late: false });
  });

  it('rounds a one-fan market down to the previous five-minute mark', () => {
    const plan = planSendTime(1, at('2026-06-13T17:00:00.000Z'), now, settings);
    // centre 15:59:59.95 → start 15:55
    expect(plan.start.toISOString()).toBe('2026-06-13T15:55:00.000Z');
    expect(plan.durationSeconds).toBeCloseTo(0.1);
  });

  it('centres an hour of sends on the hour before presale', () => {
    const presale = at('2026-06-13T17:00:00.000Z');
    const plan = planSendTime(36_000, presale, now, settings);
    expect(plan.start.toISOString()).toBe('2026-06-13T15:30:00.000Z');
    expect(plan.finish.toISOString()).toBe('2026-06-13T16:30:00.000Z');
    expect(plan.late).toBe(false);
  });

  it('starts earlier when centring would finish inside the last five minutes', () => {
    const presale = at('2026-06-13T17:00:00.000Z');
    // 72,000 fans take two hours: centred they would end at presale, so they end 5 minutes before it.
    const plan = planSendTime(72_000, presale, now, settings);
    expect(plan.start.toISOString()).toBe('2026-06-13T14:55:00.000Z');
    expect(minutesBefore(presale, plan.finish)).toBe(5);
    expect(plan.late).toBe(false);
  });

  it('keeps the cut-off after rounding: the start only ever moves earlier', () => {
    const presale = at('2026-06-13T17:02:00.000Z');
    const plan = planSendTime(72_000, presale, now, settings);
    expect(plan.start.toISOString()).toBe('2026-06-13T14:55:00.000Z');
    expect(minutesBefore(presale, plan.finish)).toBeGreaterThanOrEqual(5);
  });

  it('never plans in the past: a huge market starts now and is reported late', () => {
    const presale = at('2026-06-14T13:00:00.000Z'); // 27 h ahead
    const plan = planSendTime(1_000_000, presale, now, settings); // about 27.8 h of sends
    expect(plan.start).toEqual(now);
    expect(plan.late).toBe(true);
  });

  it('plans a presale exactly 2 h ahead (start of the planning window)', () => {
    const presale = at('2026-06-13T12:00:00.000Z');
    expect(planSendTime(0, presale, now, settings).start.toISOString()).toBe('2026-06-13T11:00:00.000Z');
    // 30,000 fans (50 min) centred on 11:00 start at 10:35.
    expect(planSendTime(30_000, presale, now, settings).start.toISOString()).toBe('2026-06-13T10:35:00.000Z');
    // 100,000 fans (2 h 47 min) cannot finish in time: start now.
    expect(planSendTime(100_000, presale, now, settings)).toMatchObject({ start: now, late: true });
  });

  it('plans a presale exactly 27 h ahead (end of the planning window)', () => {
    const presale = at('2026-06-14T13:00:00.000Z');
    expect(planSendTime(0, presale, now, settings).start.toISOString()).toBe('2026-06-14T12:00:00.000Z');
    expect(planSendTime(12_000, presale, now, settings).start.toISOString()).toBe('2026-06-14T11:50:00.000Z');
  });

  it('uses "now" itself when rounding down would land before it', () => {
    const clock = at('2026-06-13T10:02:00.000Z');
    const plan = planSendTime(0, at('2026-06-13T11:03:00.000Z'), clock, settings);
    expect(plan.start).toEqual(clock); // centre 10:03 rounds to 10:00, which has passed
  });

  it('follows the configured rate, lead and rounding', () => {
    const custom = { smsPerSecond: 100, targetLeadMinutes: 30, finishBeforePresaleMinutes: 10, roundToMinutes: 15 };
    const plan = planSendTime(60_000, at('2026-06-13T17:00:00.000Z'), now, custom);
    // 10 min of sends centred on 16:30 → 16:25 → rounded to 16:15.
    expect(plan.start.toISOString()).toBe('2026-06-13T16:15:00.000Z');
    expect(plan.durationSeconds).toBe(600);
  });

  it('treats a negative or missing count as no fans', () => {
    expect(planSendTime(-5, at('2026-06-13T17:00:00.000Z'), now, settings).durationSeconds).toBe(0);
    expect(planSendTime(Number.NaN, at('2026-06-13T17:00:00.000Z'), now, settings).durationSeconds).toBe(0);
  });

  it('keeps a real hour of lead across a daylight-saving change in the market zone', () => {
    // New York springs forward at 02:00 EST (07:00Z) on 2026-03-08: presale 03:30 EDT.
    const presale = at('2026-03-08T07:30:00.000Z');
    const plan = planSendTime(0, presale, at('2026-03-08T00:00:00.000Z'), settings);
    expect(minutesBefore(presale, plan.start)).toBe(60);
    expect(wallClock(plan.start, 'America/New_York')).toBe('01:30'); // EST, two wall-clock hours earlier
    expect(wallClock(presale, 'America/New_York')).toBe('03:30');
  });

  it('lands on a five-minute mark of the local clock in zones with odd offsets', () => {
    const plan = planSendTime(777, at('2026-06-13T17:07:00.000Z'), now, settings);
    for (const zone of ['Asia/Kathmandu', 'Australia/Eucla', 'America/St_Johns']) {
      expect(Number(wallClock(plan.start, zone).slice(3)) % 5).toBe(0);
    }
  });
});
