import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { BatchItemFailuresResponse, BatchResult } from './batch';
import { parseBatchRecords, recordCount, settleBatch } from './batch';
import { RejectedRecordError, parseJsonBounded } from './errors';
import type { AdapterOptions, WorkerContext } from './invocation';
import { runInvocation } from './invocation';
import { truncateText } from './logger';
import type { RecordTrace } from './tracing';
import { TRACEPARENT } from './tracing';
import { quote } from './quote';
import { FORBIDDEN_KEYS } from '../util/sanitise';

export type ChangeOperation = 'INSERT' | 'MODIFY' | 'REMOVE';

/** A demand-table change decoded from a Kinesis Data Streams for DynamoDB record. */
export interface ChangeRecord<T = Record<string, unknown>> {
  sequenceNumber: string;
  operation: ChangeOperation;
  tableName: string;
  keys: { PK: string; SK: string };
  /** New image as plain JSON (DynamoDB sets become sorted arrays); absent for REMOVE. */
  newItem?: T;
  /** Old image as plain JSON; absent for INSERT. */
  oldItem?: T;
  /** When DynamoDB made the change (ISO string). */
  approximateCreationTime?: string;
  /**
   * DynamoDB numbers of either image that a JSON number cannot carry exactly (integers beyond
   * 2^53, more than 17 significant digits, out of double range), as DynamoDB wrote them: the
   * images hold them rounded. Absent when there are none; a worker that forwards the images
   * rejects such a change rather than send the rounded value on.
   */
  inexactNumbers?: string[];
  /**
   * The trace this change carries on (set by the adapter): the one its writer stamped on the
   * item as `traceparent` (new image, else old), else a new trace.
   */
  trace?: RecordTrace;
}

export interface StreamWorkerDefinition<T> extends AdapterOptions {
  process: (records: ChangeRecord<T>[], ctx: WorkerContext) => Promise<BatchResult>;
}

type Image = Record<string, AttributeValue>;

/** Why an image holds a value that is not a DynamoDB attribute value. */
const notAttributeValue = (value: unknown): Error =>
  new Error(
    `not a DynamoDB attribute value: ${
      value && typeof value === 'object' ? `keys ${Object.keys(value).join(', ') || '(none)'}` : typeof value
    }`,
  );

/** A binary attribute as JSON carries it: base64 text (a Uint8Array from the SDK is encoded). */
const binaryText = (value: unknown): string =>
  value instanceof Uint8Array ? Buffer.from(value).toString('base64') : String(value);

/**
 * Plain JSON of a DynamoDB image (an attribute-value map) in one pass: numbers through
 * `toNumber`, sets as sorted arrays (so the item survives JSON transport), binary as base64, and
 * `__proto__`, `constructor` and `prototype` keys dropped at every level. A map nested deeper
 * than `maxDepth` throws RejectedRecordError; a value that is not an attribute value throws.
 * It gives what the SDK's unmarshall followed by a copy into plain JSON gave, at a third of the
 * cost (issue 31: the three passes were half of enqueueEntries' own time).
 */
export function plainImage(
  image: Record<string, unknown>,
  toNumber: (n: string) => number,
  maxDepth = Number.POSITIVE_INFINITY,
): Record<string, unknown> {
  const map = (m: Record<string, unknown>, depth: number): Record<string, unknown> => {
    if (depth > maxDepth) {
      throw new RejectedRecordError(`data is nested deeper than ${maxDepth} levels`);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(m)) {
      if (!FORBIDDEN_KEYS.has(key)) {
        out[key] = value(m[key], depth + 1);
      }
    }
    return out;
  };
  const value = (av: unknown, depth: number): unknown => {
    if (!av || typeof av !== 'object') {
      throw notAttributeValue(av);
    }
    const v = av as Record<string, unknown>;
    if (v.S !== undefined) {
      return v.S;
    }
    if (v.N !== undefined) {
      return toNumber(String(v.N));
    }
    if (v.BOOL !== undefined) {
      return v.BOOL;
    }
    if (v.NULL !== undefined) {
      return null;
    }
    if (v.M !== undefined) {
      return map(v.M as Record<string, unknown>, depth);
    }
    if (Array.isArray(v.L)) {
      return v.L.map((item) => value(item, depth + 1));
    }
    if (v.B !== undefined) {
      return binaryText(v.B);
    }
    if (Array.isArray(v.SS)) {
      return [...new Set(v.SS)].sort();
    }
    if (Array.isArray(v.NS)) {
      return [...new Set(v.NS.map((n) => toNumber(String(n))))].sort();
    }
    if (Array.isArray(v.BS)) {
      return [...new Set(v.BS.map(binaryText))].sort();
    }
    throw notAttributeValue(av);
  };
  return map(image, 0);
}

/** A decimal number's value as `digits` x 10^`exponent` with no leading or trailing zeros, or undefined. */
function canonicalDecimal(text: string): string | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    return undefined;
  }
  const fraction = m[3] ?? '';
  let digits = `${m[2]}${fraction}`.replace(/^0+/, '');
  let exponent = Number(m[4] ?? 0) - fraction.length;
  if (digits === '') {
    return '0';
  }
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return `${m[1] === '-' ? '-' : ''}${digits}e${exponent}`;
}

/**
 * Whether the DynamoDB number `text` survives as a JSON number: the shortest text of the double
 * it parses to names the same decimal value (so 0.1 does; 12345678901234567890 and 1e400 do not).
 */
export function isExactAsJsonNumber(text: string): boolean {
  if (/^-?\d{1,15}$/.test(text)) {
    return true; // an integer of at most 15 digits is always exact: the common case, without the regex below
  }
  const canonical = canonicalDecimal(text);
  return canonical !== undefined && canonical === canonicalDecimal(String(Number(text)));
}

/**
 * Why a record is refused for numbers JSON cannot carry exactly: downstream they would arrive
 * rounded, a change no one made. The reason quotes at most three, each cut to 48 characters.
 */
export const inexactNumbersReason = (numbers: readonly string[]): string =>
  `holds numbers JSON cannot carry exactly (they would arrive rounded): ${numbers
    .slice(0, 3)
    .map((n) => truncateText(n, 48))
    .join(', ')}`;

/**
 * Unmarshalls a DynamoDB attribute-value image into plain JSON: numbers as JS numbers (never
 * BigInt, which JSON cannot carry), sets as sorted arrays, prototype-reaching keys dropped.
 * Numbers a JS number cannot hold exactly are added to `inexact` (they are rounded in the result).
 * A map nested deeper than `maxDepth` (no limit by default) throws RejectedRecordError.
 */
export function unmarshallImage<T>(
  image: Record<string, unknown> | undefined,
  inexact: string[] = [],
  maxDepth?: number,
): T | undefined {
  const toNumber = (n: string): number => {
    if (!isExactAsJsonNumber(n)) {
      inexact.push(n);
    }
    return Number(n);
  };
  return image ? (plainImage(image, toNumber, maxDepth) as T) : undefined;
}

const OPERATIONS: readonly string[] = ['INSERT', 'MODIFY', 'REMOVE'];

/** Decodes one Kinesis record (base64 JSON DynamoDB change record); throws RejectedRecordError when malformed. */
export function decodeChangeRecord<T>(record: KinesisStreamRecord): ChangeRecord<T> {
  const sequenceNumber = record.kinesis.sequenceNumber;
  const text = Buffer.from(record.kinesis.data ?? '', 'base64').toString('utf8');
  const change = parseJsonBounded(text, 'stream record data') as {
    eventName?: string;
    tableName?: string;
    dynamodb?: { Keys?: Image; NewImage?: Image; OldImage?: Image; ApproximateCreationDateTime?: number };
  };
  if (!change || typeof change !== 'object' || !OPERATIONS.includes(change.eventName ?? '')) {
    throw new RejectedRecordError(`not a DynamoDB change record (eventName ${quote(change?.eventName)})`);
  }
  const keys = unmarshallImage<{ PK?: unknown; SK?: unknown }>(change.dynamodb?.Keys);
  if (typeof keys?.PK !== 'string' || typeof keys?.SK !== 'string') {
    throw new RejectedRecordError('change record has no string PK/SK keys');
  }
  const created = change.dynamodb?.ApproximateCreationDateTime;
  const inexactNumbers: string[] = [];
  const newItem = unmarshallImage<T>(change.dynamodb?.NewImage, inexactNumbers);
  const oldItem = unmarshallImage<T>(change.dynamodb?.OldImage, inexactNumbers);
  return {
    sequenceNumber,
    operation: change.eventName as ChangeOperation,
    tableName: change.tableName ?? '',
    keys: { PK: keys.PK, SK: keys.SK },
    newItem,
    oldItem,
    // Kinesis Data Streams for DynamoDB gives epoch milliseconds (DynamoDB Streams gives seconds).
    approximateCreationTime:
      typeof created === 'number' ? new Date(created < 1e12 ? created * 1000 : created).toISOString() : undefined,
    ...(inexactNumbers.length > 0 ? { inexactNumbers } : {}),
  };
}

/**
 * Lambda handler for the demand-table change stream (Kinesis event source mapping with
 * ReportBatchItemFailures): failures by sequence number; undecodable records are rejected, and
 * a record that is not an object or has no `kinesis.sequenceNumber` is rejected alone by its index.
 */
export function streamBatchHandler<T = Record<string, unknown>>(def: StreamWorkerDefinition<T>) {
  return async (event: KinesisStreamEvent, context?: Context): Promise<BatchItemFailuresResponse> => {
    const outcome = await runInvocation(
      def,
      event,
      context,
      async (ctx) => {
        const { parsed, rejected } = parseBatchRecords(
          event?.Records,
          (record: KinesisStreamRecord) => record.kinesis?.sequenceNumber,
          'kinesis.sequenceNumber',
          (record) => decodeChangeRecord<T>(record),
          'undecodable record',
        );
        return settleBatch(ctx, parsed, rejected, recordCount(event), def.process, (change) => ({
          traceparent: ((change.newItem ?? change.oldItem) as Record<string, unknown> | undefined)?.[TRACEPARENT],
        }));
      },
      (o) => o.summary,
    );
    return outcome.response;
  };
}
