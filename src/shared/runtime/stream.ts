import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { BatchItemFailuresResponse, BatchResult, RejectedRecord } from './batch';
import { settleBatch } from './batch';
import { RejectedRecordError, parseJsonBounded } from './errors';
import type { AdapterOptions, WorkerContext } from './invocation';
import { runInvocation } from './invocation';
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
}

export interface StreamWorkerDefinition<T> extends AdapterOptions {
  process: (records: ChangeRecord<T>[], ctx: WorkerContext) => Promise<BatchResult>;
}

type Image = Record<string, AttributeValue>;

/** Plain JSON of an unmarshalled item: sets become sorted arrays so the item survives JSON transport. */
export function toPlain(value: unknown): unknown {
  if (value instanceof Set) {
    return [...value].map(toPlain).sort();
  }
  if (Array.isArray(value)) {
    return value.map(toPlain);
  }
  if (value instanceof Uint8Array) {
    return Buffer.from(value).toString('base64');
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}

/** Drops map keys that would reach an object's prototype once unmarshalled (`__proto__` and friends). */
function withoutForbiddenKeys(image: Image): Image {
  const clean = (value: AttributeValue): AttributeValue => {
    if (value.M) {
      return { M: withoutForbiddenKeys(value.M) };
    }
    if (value.L) {
      return { L: value.L.map(clean) };
    }
    return value;
  };
  return Object.fromEntries(
    Object.entries(image)
      .filter(([k]) => !FORBIDDEN_KEYS.has(k))
      .map(([k, v]) => [k, clean(v)]),
  );
}

/**
 * Unmarshalls a DynamoDB attribute-value image into plain JSON: numbers as JS numbers (never
 * BigInt, which JSON cannot carry), sets as sorted arrays, prototype-reaching keys dropped.
 */
export function unmarshallImage<T>(image: Image | undefined): T | undefined {
  return image
    ? (toPlain(unmarshall(withoutForbiddenKeys(image), { wrapNumbers: (n: string) => Number(n) })) as T)
    : undefined;
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
    throw new RejectedRecordError(`not a DynamoDB change record (eventName ${JSON.stringify(change?.eventName)})`);
  }
  const keys = unmarshallImage<{ PK?: unknown; SK?: unknown }>(change.dynamodb?.Keys);
  if (typeof keys?.PK !== 'string' || typeof keys?.SK !== 'string') {
    throw new RejectedRecordError('change record has no string PK/SK keys');
  }
  const created = change.dynamodb?.ApproximateCreationDateTime;
  return {
    sequenceNumber,
    operation: change.eventName as ChangeOperation,
    tableName: change.tableName ?? '',
    keys: { PK: keys.PK, SK: keys.SK },
    newItem: unmarshallImage<T>(change.dynamodb?.NewImage),
    oldItem: unmarshallImage<T>(change.dynamodb?.OldImage),
    // Kinesis Data Streams for DynamoDB gives epoch milliseconds (DynamoDB Streams gives seconds).
    approximateCreationTime:
      typeof created === 'number' ? new Date(created < 1e12 ? created * 1000 : created).toISOString() : undefined,
  };
}

/**
 * Lambda handler for the demand-table change stream (Kinesis event source mapping with
 * ReportBatchItemFailures): failures by sequence number; undecodable records are rejected.
 */
export function streamBatchHandler<T = Record<string, unknown>>(def: StreamWorkerDefinition<T>) {
  return async (event: KinesisStreamEvent, context?: Context): Promise<BatchItemFailuresResponse> => {
    const outcome = await runInvocation(
      def,
      event,
      context,
      async (ctx) => {
        const parsed: { id: string; record: ChangeRecord<T> }[] = [];
        const rejected: RejectedRecord[] = [];
        for (const record of event.Records ?? []) {
          const id = record.kinesis?.sequenceNumber ?? record.eventID;
          try {
            parsed.push({ id, record: decodeChangeRecord<T>(record) });
          } catch (error) {
            rejected.push({
              id,
              reason: error instanceof RejectedRecordError ? error.reason : `undecodable record: ${String(error)}`,
            });
          }
        }
        return settleBatch(ctx, parsed, rejected, event.Records?.length ?? 0, def.process);
      },
      (o) => o.summary,
    );
    return outcome.response;
  };
}
