/**
 * EventBridge schedule expressions: `rate(5 minutes)` and the six-field
 * `cron(minutes hours day-of-month month day-of-week year)` in UTC. Cron supports `*`, `?`,
 * values, names (JAN, MON), ranges, lists and steps; `L`, `W` and `#` are refused loudly.
 */

export type Schedule =
  | { kind: 'rate'; expression: string; everyMs: number }
  | { kind: 'cron'; expression: string; fields: CronFields };

interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number> | 'any';
  months: Set<number>;
  daysOfWeek: Set<number> | 'any';
  years: Set<number> | 'any';
}

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function field(text: string, min: number, max: number, names: string[] = [], nameBase = 1): Set<number> {
  const values = new Set<number>();
  const value = (v: string): number => {
    const i = names.indexOf(v.toUpperCase());
    const n = i >= 0 ? i + nameBase : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`cron value "${v}" is outside ${min}-${max}`);
    }
    return n;
  };
  for (const part of text.split(',')) {
    if (/[LW#]/.test(part)) {
      throw new Error(`cron "${part}": L, W and # are not supported by the local scheduler`);
    }
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) {
      throw new Error(`cron step "${stepText}" must be a positive integer`);
    }
    let [from, to] = [min, max];
    if (range !== '*') {
      const [a, b] = range.split('-');
      from = value(a);
      to = b === undefined ? (stepText === undefined ? from : max) : value(b);
    }
    for (let n = from; n <= to; n += step) {
      values.add(n);
    }
  }
  return values;
}

/** Parses a schedule expression; throws with the expression when it is not understood. */
export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2].replace(/s$/, '');
    if (n < 1 || (n === 1) !== (rate[2] === unit)) {
      throw new Error(`schedule ${expression}: use "1 ${unit}" or "N ${unit}s"`);
    }
    return { kind: 'rate', expression, everyMs: n * UNIT_MS[unit] };
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) {
    throw new Error(`schedule expression ${JSON.stringify(expression)} is neither rate(...) nor cron(...)`);
  }
  const parts = cron[1].trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new Error(`cron ${expression}: expected 6 fields (minutes hours day-of-month month day-of-week year)`);
  }
  const [mi, h, dom, mo, dow, y] = parts;
  if ((dom === '?') === (dow === '?')) {
    throw new Error(`cron ${expression}: exactly one of day-of-month and day-of-week must be "?"`);
  }
  try {
    return {
      kind: 'cron',
      expression,
      fields: {
        minutes: field(mi, 0, 59),
        hours: field(h, 0, 23),
        daysOfMonth: dom === '?' ? 'any' : field(dom, 1, 31),
        months: field(mo, 1, 12, MONTHS),
        daysOfWeek: dow === '?' ? 'any' : field(dow, 1, 7, DAYS),
        years: y === '*' ? 'any' : field(y, 1970, 2199),
      },
    };
  } catch (error) {
    throw new Error(`schedule ${expression}: ${(error as Error).message}`);
  }
}

function cronMatchesDay(f: CronFields, d: Date): boolean {
  return (
    (f.years === 'any' || f.years.has(d.getUTCFullYear())) &&
    f.months.has(d.getUTCMonth() + 1) &&
    (f.daysOfMonth === 'any' || f.daysOfMonth.has(d.getUTCDate())) &&
    (f.daysOfWeek === 'any' || f.daysOfWeek.has(d.getUTCDay() + 1))
  );
}

/**
 * The first firing strictly after `afterMs`. Rate schedules count from `anchorMs` (when the
 * rule was created), as EventBridge does; cron schedules fire on whole UTC minutes.
 */
export function nextFiring(schedule: Schedule, afterMs: number, anchorMs: number): number {
  if (schedule.kind === 'rate') {
    const periods = Math.floor((afterMs - anchorMs) / schedule.everyMs) + 1;
    return anchorMs + Math.max(1, periods) * schedule.everyMs;
  }
  const f = schedule.fields;
  const t = new Date(Math.floor(afterMs / 60_000) * 60_000 + 60_000);
  const limit = afterMs + 5 * 366 * UNIT_MS.day;
  while (t.getTime() <= limit) {
    if (!cronMatchesDay(f, t)) {
      t.setUTCHours(24, 0, 0, 0);
    } else if (!f.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!f.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t.getTime();
    }
  }
  throw new Error(`schedule ${schedule.expression} never fires in the next five years`);
}
