import type { NotificationSettings } from '../shared/types';

export type SendTimeSettings = Pick<
  NotificationSettings,
  'smsPerSecond' | 'targetLeadMinutes' | 'finishBeforePresaleMinutes' | 'roundToMinutes'
>;

export interface SendPlan {
  /** When the generator should start writing this market's reminders (`date.notification`). */
  start: Date;
  /** When the sender should be done at `smsPerSecond`. */
  finish: Date;
  durationSeconds: number;
  /** True when even starting now the sends cannot finish `finishBeforePresaleMinutes` before presale. */
  late: boolean;
}

const MINUTE_MS = 60_000;

/**
 * Send time of a market's SMS reminders (DECISIONS [23]): sending `count` messages at
 * `smsPerSecond` takes `count / rate` seconds; the middle of the sends sits
 * `targetLeadMinutes` before presale, unless that would finish later than
 * `finishBeforePresaleMinutes` before presale, in which case the sends start earlier. The
 * start is rounded down to `roundToMinutes` on the UTC clock (every zone offset in use is a
 * multiple of five minutes, so the grid is the same locally) and is never in the past.
 */
export function planSendTime(count: number, presale: Date, now: Date, settings: SendTimeSettings): SendPlan {
  const fans = Number.isFinite(count) && count > 0 ? count : 0;
  const durationMs = (fans / settings.smsPerSecond) * 1000;
  const latestFinish = presale.getTime() - settings.finishBeforePresaleMinutes * MINUTE_MS;
  const centred = presale.getTime() - settings.targetLeadMinutes * MINUTE_MS - durationMs / 2;
  const step = settings.roundToMinutes * MINUTE_MS;
  const rounded = Math.floor(Math.min(centred, latestFinish - durationMs) / step) * step;
  const start = Math.max(rounded, now.getTime());
  return {
    start: new Date(start),
    finish: new Date(start + durationMs),
    durationSeconds: durationMs / 1000,
    late: start + durationMs > latestFinish,
  };
}
