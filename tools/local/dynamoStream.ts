/**
 * Reads DynamoDB Local's change stream for a table and shapes each change as a record of
 * Kinesis Data Streams for DynamoDB, the way Lambda delivers it to a Kinesis event source
 * mapping (DECISIONS.md B[3]).
 *
 * `@aws-sdk/client-dynamodb-streams` is not installed, so the three stream calls
 * (DescribeStream, GetShardIterator, GetRecords) are plain JSON POSTs with the
 * `DynamoDBStreams_20120810.*` target and an unsigned Authorization header, which works
 * against DynamoDB Local only, never against AWS.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { dynamoDbLocalRequest } from './emulators/dynamodb';
import type { DynamoDbKinesisChange, KinesisStreamRecord } from './kinesisTypes';

export type { DynamoDbKinesisChange, KinesisStreamRecord } from './kinesisTypes';

export interface StreamReaderOptions {
  /** DynamoDB Local endpoint, e.g. http://127.0.0.1:8000 */
  endpoint: string;
  tableName: string;
  /** LATEST: only changes made after opening; TRIM_HORIZON: everything still in the stream. */
  from: 'LATEST' | 'TRIM_HORIZON';
  /** Region written into the records; default us-east-1. */
  region?: string;
  /** `eventSourceARN` of the records; default a Kinesis stream ARN named after the table. */
  kinesisStreamArn?: string;
  /** `invokeIdentityArn` of the records; default a local role ARN. */
  invokeIdentityArn?: string;
  /** The clock of `approximateArrivalTimestamp` (the local run's, so workers and the IteratorAge metric agree); default Date.now. */
  now?: () => number;
}

export interface StreamReader {
  /** The DynamoDB stream being read. */
  streamArn: string;
  /** Changes since the previous read (or since opening), across all shards, oldest first per shard. */
  read(): Promise<KinesisStreamRecord[]>;
  /** Stops reading; later read() calls throw. */
  close(): void;
}

/** A record as DynamoDB Streams' GetRecords returns it. */
export interface DynamoDbStreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  awsRegion?: string;
  userIdentity?: { Type?: string; PrincipalId?: string; type?: string; principalId?: string };
  dynamodb: {
    ApproximateCreationDateTime?: number;
    Keys: Record<string, AttributeValue>;
    NewImage?: Record<string, AttributeValue>;
    OldImage?: Record<string, AttributeValue>;
    SequenceNumber: string;
    SizeBytes?: number;
  };
}

interface Shard {
  ShardId: string;
  ParentShardId?: string;
  SequenceNumberRange?: { StartingSequenceNumber?: string; EndingSequenceNumber?: string };
}

interface ShardState {
  iterator: string | null;
  lastSequence?: string;
}

const LOCAL_ACCOUNT_ID = '000000000000';
/** The Kinesis shard the records claim to come from (one shard is enough locally). */
const KINESIS_SHARD_ID = 'shardId-000000000000';

/** One call, its JSON answer, or an error named after the service's error type. */
async function call<T>(endpoint: string, target: string, body: unknown): Promise<T> {
  const response = await dynamoDbLocalRequest(endpoint, target, body);
  const text = await response.text();
  const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (!response.ok) {
    const type = String(json.__type ?? response.status).split('#').pop();
    const error = new Error(`${target}: ${type}: ${String(json.message ?? json.Message ?? text)}`);
    error.name = type ?? 'DynamoDbLocalError';
    throw error;
  }
  return json as T;
}

/** Shapes one DynamoDB stream record as Lambda's Kinesis event record. */
export function toKinesisRecord(
  record: DynamoDbStreamRecord,
  context: { tableName: string; region: string; kinesisStreamArn: string; invokeIdentityArn: string; arrivedAt?: number },
): KinesisStreamRecord {
  const { dynamodb } = record;
  const identity = record.userIdentity;
  const change: DynamoDbKinesisChange = {
    awsRegion: context.region,
    eventID: record.eventID,
    eventName: record.eventName,
    userIdentity: identity
      ? { type: identity.Type ?? identity.type ?? 'Service', principalId: identity.PrincipalId ?? identity.principalId ?? 'dynamodb.amazonaws.com' }
      : null,
    recordFormat: 'application/json',
    tableName: context.tableName,
    dynamodb: {
      // Streams give epoch seconds rounded down to the minute; Kinesis Data Streams for
      // DynamoDB gives milliseconds. The unit is converted; the lost precision cannot be.
      ApproximateCreationDateTime: Math.round((dynamodb.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000),
      Keys: dynamodb.Keys,
      ...(dynamodb.NewImage ? { NewImage: dynamodb.NewImage } : {}),
      ...(dynamodb.OldImage ? { OldImage: dynamodb.OldImage } : {}),
      SizeBytes: dynamodb.SizeBytes ?? 0,
    },
    eventSource: 'aws:dynamodb',
  };
  const sequenceNumber = dynamodb.SequenceNumber;
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      // AWS uses a hash of the item's key as partition key, so one item's changes stay in order.
      partitionKey: createHash('md5').update(JSON.stringify(dynamodb.Keys)).digest('hex').toUpperCase(),
      sequenceNumber,
      data: Buffer.from(JSON.stringify(change)).toString('base64'),
      approximateArrivalTimestamp: (context.arrivedAt ?? Date.now()) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${KINESIS_SHARD_ID}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: context.invokeIdentityArn,
    awsRegion: context.region,
    eventSourceARN: context.kinesisStreamArn,
  };
}

/** Decodes `kinesis.data` of a record made by this reader (or by AWS). */
export function decodeKinesisChange(record: KinesisStreamRecord): DynamoDbKinesisChange {
  return JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')) as DynamoDbKinesisChange;
}

/**
 * Opens the table's stream (it must have one) and positions a reader at LATEST or
 * TRIM_HORIZON; iterators are taken now, so LATEST means "after this call returns".
 */
export async function openStreamReader(options: StreamReaderOptions): Promise<StreamReader> {
  const { endpoint, tableName, from } = options;
  const region = options.region ?? 'us-east-1';
  const context = {
    tableName,
    region,
    kinesisStreamArn: options.kinesisStreamArn ?? `arn:aws:kinesis:${region}:${LOCAL_ACCOUNT_ID}:stream/${tableName}`,
    invokeIdentityArn: options.invokeIdentityArn ?? `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/local-runtime`,
  };
  const { Table } = await call<{ Table?: { LatestStreamArn?: string } }>(endpoint, 'DynamoDB_20120810.DescribeTable', { TableName: tableName });
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) {
    throw new Error(`Table ${tableName} has no stream: create it with StreamSpecification (NEW_AND_OLD_IMAGES)`);
  }
  const shards = new Map<string, ShardState>();
  let closed = false;

  const listShards = async (): Promise<Shard[]> => {
    const all: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await call<{ StreamDescription: { Shards?: Shard[]; LastEvaluatedShardId?: string } }>(
        endpoint,
        'DynamoDBStreams_20120810.DescribeStream',
        { StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) },
      );
      all.push(...(StreamDescription.Shards ?? []));
      start = StreamDescription.LastEvaluatedShardId;
    } while (start);
    return all;
  };

  const iteratorFor = async (shardId: string, type: string, sequenceNumber?: string): Promise<string | null> => {
    const { ShardIterator } = await call<{ ShardIterator?: string }>(endpoint, 'DynamoDBStreams_20120810.GetShardIterator', {
      StreamArn: streamArn,
      ShardId: shardId,
      ShardIteratorType: type,
      ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}),
    });
    return ShardIterator ?? null;
  };

  /** Tracks shards not seen before: initial ones at `from`, later (child) shards from their start. */
  const discover = async (initial: boolean): Promise<void> => {
    for (const shard of await listShards()) {
      if (shards.has(shard.ShardId)) {
        continue;
      }
      const isClosed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      if (initial && from === 'LATEST' && isClosed) {
        shards.set(shard.ShardId, { iterator: null });
        continue;
      }
      const type = initial && from === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON';
      shards.set(shard.ShardId, { iterator: await iteratorFor(shard.ShardId, type) });
    }
  };

  const drain = async (shardId: string, state: ShardState): Promise<DynamoDbStreamRecord[]> => {
    const records: DynamoDbStreamRecord[] = [];
    let repositioned = false;
    while (state.iterator) {
      let page: { Records?: DynamoDbStreamRecord[]; NextShardIterator?: string };
      try {
        page = await call(endpoint, 'DynamoDBStreams_20120810.GetRecords', { ShardIterator: state.iterator, Limit: 1000 });
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'ExpiredIteratorException') {
          state.iterator = state.lastSequence
            ? await iteratorFor(shardId, 'AFTER_SEQUENCE_NUMBER', state.lastSequence)
            : await iteratorFor(shardId, from === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON');
          continue;
        }
        // The iterator lies before the oldest record of the shard, so every record the shard
        // holds comes after it: read from TRIM_HORIZON. DynamoDB Local answers this for a LATEST
        // iterator taken while the stream was empty once other tables were written meanwhile
        // (its sequence numbers are shared by all tables). Once per read, so it cannot spin.
        if (name === 'TrimmedDataAccessException' && !repositioned) {
          repositioned = true;
          state.iterator = await iteratorFor(shardId, 'TRIM_HORIZON');
          continue;
        }
        throw error;
      }
      const got = page.Records ?? [];
      records.push(...got);
      if (got.length > 0) {
        state.lastSequence = got[got.length - 1].dynamodb.SequenceNumber;
      }
      state.iterator = page.NextShardIterator ?? null;
      if (got.length === 0) {
        break;
      }
    }
    return records;
  };

  await discover(true);

  return {
    streamArn,
    async read() {
      if (closed) {
        throw new Error(`stream reader for ${tableName} is closed`);
      }
      await discover(false);
      const arrivedAt = (options.now ?? Date.now)();
      const out: KinesisStreamRecord[] = [];
      // Map order is discovery order, so parent shards are drained before their children.
      for (const [shardId, state] of shards) {
        for (const record of await drain(shardId, state)) {
          out.push(toKinesisRecord(record, { ...context, arrivedAt }));
        }
      }
      return out;
    },
    close() {
      closed = true;
      shards.clear();
    },
  };
}
