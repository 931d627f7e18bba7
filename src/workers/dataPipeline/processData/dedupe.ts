import type { DataType, Dedupe } from '../../../shared/dataPipeline';
import { dedupeId } from '../../../shared/dataPipeline';
import { isPlainObject } from '../../../shared/util/sanitise';
import type { SourceRecord } from './sourceRecord';

/** An ISO timestamp from an ISO string or epoch (seconds or milliseconds); undefined when unusable. */
export function toIsoTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const d = new Date(value < 1e12 ? value * 1000 : value);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  return undefined;
}

/**
 * `dedupe.timestamp` of a source record (DECISIONS [18]): the data's `date.updated`, else now.
 * A pipe REMOVE carries the old image, whose `date.updated` is the time of the previous write,
 * so a deletion is stamped with the change time (else now) instead.
 */
export function dedupeTimestamp(source: SourceRecord, now: Date): string {
  if (source.isDeleted && source.fromDynamoDb) {
    return source.changedAt ?? now.toISOString();
  }
  const date = source.data.date;
  return (isPlainObject(date) ? toIsoTimestamp(date.updated) : undefined) ?? now.toISOString();
}

/**
 * `dedupe` of one record: id = sha256(type + canonical JSON of `data`). A deletion hashes the
 * data with `isDeleted: true`, so deleting an unchanged record never repeats the id of its last write.
 */
export function buildDedupe(type: DataType, data: object, isDeleted: boolean, timestamp: string): Dedupe {
  const hashed = isDeleted ? { ...data, isDeleted: true } : data;
  return { id: dedupeId(type, hashed), timestamp };
}
