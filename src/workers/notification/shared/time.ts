import type { Filter, Document } from 'mongodb';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Epoch milliseconds of a stored time (BSON Date or ISO-8601 string); undefined when absent or unparsable. */
export function toTime(value: unknown): number | undefined {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  }
  if (typeof value === 'string' && value !== '') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** ISO string of a stored time, or undefined. */
export function toIso(value: unknown): string | undefined {
  const ms = toTime(value);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/**
 * A filter matching `field` (or any element of an array field) between `from` and `to`,
 * whether the time is stored as a BSON Date or as an ISO string. MongoDB compares values of
 * one BSON type only, so both forms are asked for. Strings compare as text, which is only
 * exact for one format and offset, so the string bounds are a day wider and callers re-check
 * every match with `toTime`.
 */
export function storedTimeBetween(field: string, bounds: { from?: Date; to?: Date }): Filter<Document> {
  const range = (from: unknown, to: unknown) => ({
    ...(from === undefined ? {} : { $gte: from }),
    ...(to === undefined ? {} : { $lte: to }),
  });
  const { from, to } = bounds;
  return {
    $or: [
      { [field]: range(from, to) },
      {
        [field]: range(
          from && new Date(from.getTime() - DAY_MS).toISOString(),
          to && new Date(to.getTime() + DAY_MS).toISOString(),
        ),
      },
    ],
  };
}
