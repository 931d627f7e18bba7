import type { DataType, Dedupe } from '../../../shared/dataPipeline';
import { dedupeId } from '../../../shared/dataPipeline';
import { isPlainObject } from '../../../shared/util/sanitise';
import type { SourceRecord } from './sourceRecord';

/**
 * An ISO timestamp from an ISO string, epoch (seconds or milliseconds) or a Mongo extended-JSON
 * date (`{ $date: <ISO | epoch ms | { $numberLong } > }`); undefined when unusable.
 */
export function toIsoTimestamp(value: unknown): string | undefined {
  if (isPlainObject(value) && '$date' in value) {
    // Extended JSON gives epoch milliseconds as a number or as `{ $numberLong: "…" }`.
    const inner = value.$date;
    const ms = isPlainObject(inner) ? Number(inner.$numberLong) : inner;
    return typeof ms === 'number' ? isoOf(ms) : toIsoTimestamp(ms);
  }
  if (typeof value === 'number') {
    return isoOf(value < 1e12 ? value * 1000 : value);
  }
  if (typeof value === 'string' && value.trim() !== '') {
    return isoOf(new Date(value).getTime());
  }
  return undefined;
}

function isoOf(ms: number): string | undefined {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * `dedupe.timestamp` of a source record (DECISIONS [18]): the data's `date.updated`, else a time
 * that is the same on every delivery of the message: the change time of a pipe record
 * (`ApproximateCreationDateTime`), else `stableFallback` (the SQS `SentTimestamp`). A redelivered
 * message therefore always yields the same `(id, timestamp)` pair. A pipe REMOVE carries the old
 * image, whose `date.updated` is the time of the previous write, so a deletion is stamped with
 * the change time instead.
 */
export function dedupeTimestamp(source: SourceRecord, stableFallback: string): string {
  const date = source.data.date;
  const updated = isPlainObject(date) ? toIsoTimestamp(date.updated) : undefined;
  if (source.isDeleted && source.fromDynamoDb) {
    return source.changedAt ?? stableFallback;
  }
  return updated ?? source.changedAt ?? stableFallback;
}

/**
 * `dedupe` of one record: id = sha256(type + canonical JSON of `data`). A deletion hashes the
 * data with `isDeleted: true`, so deleting an unchanged record never repeats the id of its last write.
 */
export function buildDedupe(type: DataType, data: object, isDeleted: boolean, timestamp: string): Dedupe {
  const hashed = isDeleted ? { ...data, isDeleted: true } : data;
  return { id: dedupeId(type, hashed), timestamp };
}
