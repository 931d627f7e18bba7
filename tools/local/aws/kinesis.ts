/**
 * The Kinesis Data Streams read API for the streams the local run hosts (the demand table's:
 * Kinesis Data Streams for DynamoDB, DECISIONS.md B[3]), so operator tools that use
 * `@aws-sdk/client-kinesis` can fetch records by shard and sequence number as they would from
 * AWS: `ListShards`, `DescribeStreamSummary`, `GetShardIterator` (TRIM_HORIZON, LATEST,
 * AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER) and `GetRecords`, by `StreamARN` or `StreamName`.
 *
 * The records are the ones the local stream pollers deliver: DynamoDB Local's stream read by
 * `openStreamReader` and shaped by `toKinesisRecord` (tools/local/dynamoStream.ts), so `Data`,
 * `SequenceNumber` and `PartitionKey` are byte for byte what a mapping's function receives for
 * the same change. As there, the stream has one shard, `shardId-000000000000`.
 *
 * A shard iterator is opaque to clients; here it is base64 JSON `{stream, after?, at?}` (a
 * position in sequence numbers, compared as BigInt). Every GetRecords reads the table's whole
 * DynamoDB stream from TRIM_HORIZON on every shard and keeps the records past the position:
 * fine for a local run's volumes (thousands of changes), not a design for a real stream.
 * Iterators never expire. A sequence number older than what DynamoDB Local still holds simply
 * yields no record (the caller sees the gap, as it would once Kinesis trimmed the record).
 *
 * Not emulated: writes (PutRecord(s)), stream and consumer management, enhanced fan-out
 * (SubscribeToShard), AT_TIMESTAMP iterators, resharding, tags. Errors carry Kinesis' names:
 * ResourceNotFoundException (unknown stream or shard), InvalidArgumentException (bad iterator
 * type, missing sequence number, malformed iterator), ValidationException (Limit out of range).
 */
import { dynamoDbLocalRequest } from '../emulators/dynamodb';
import { decodeKinesisChange, openStreamReader, type KinesisStreamRecord } from '../dynamoStream';

/** A stream the facade serves: the Kinesis stream ARN and the table whose changes it carries. */
export interface ServedStream {
  streamArn: string;
  tableName: string;
}

export interface KinesisFacadeOptions {
  /** DynamoDB Local endpoint, e.g. http://127.0.0.1:8000 */
  dynamoDbEndpoint: string;
  streams: ServedStream[];
  /** Region written into the records (must match the pollers'); default us-east-1. */
  region?: string;
}

/** A Kinesis error in the JSON protocol's terms, for the edge to answer with (HTTP 400). */
export class KinesisCallError extends Error {
  constructor(
    readonly code: 'ResourceNotFoundException' | 'InvalidArgumentException' | 'ValidationException',
    message: string,
  ) {
    super(message);
  }
}

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

/** The one shard of every served stream (as in dynamoStream.ts). */
export const KINESIS_SHARD_ID = 'shardId-000000000000';
const ITERATOR_TYPES = ['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'];
/** Kinesis' GetRecords limit: default and maximum. */
const MAX_LIMIT = 10000;
const SEQUENCE = /^\d{1,129}$/;

interface Position {
  stream: string;
  /** Records with a sequence number above this one. */
  after?: string;
  /** Records with a sequence number at or above this one. */
  at?: string;
}

const streamName = (arn: string) => arn.split(':stream/').pop() ?? arn;

export class KinesisFacade {
  private readonly region: string;

  constructor(private readonly options: KinesisFacadeOptions) {
    this.region = options.region ?? 'us-east-1';
  }

  /** The calls this class answers, by action name; undefined for every other action. */
  handler(action: string): ((input: Input) => Promise<Output>) | undefined {
    switch (action) {
      case 'ListShards':
        return (input) => this.listShards(input);
      case 'DescribeStreamSummary':
        return (input) => this.describeStreamSummary(input);
      case 'GetShardIterator':
        return (input) => this.getShardIterator(input);
      case 'GetRecords':
        return (input) => this.getRecords(input);
      default:
        return undefined;
    }
  }

  /** The served stream a request names by `StreamARN` or `StreamName`. */
  private stream(input: Input): ServedStream {
    const arn = typeof input.StreamARN === 'string' ? input.StreamARN : undefined;
    const name = typeof input.StreamName === 'string' ? input.StreamName : undefined;
    if (arn === undefined && name === undefined) {
      throw new KinesisCallError('InvalidArgumentException', 'Either StreamName or StreamARN should be provided.');
    }
    const found = this.options.streams.find((s) =>
      arn !== undefined ? s.streamArn === arn : streamName(s.streamArn) === name,
    );
    if (!found) {
      const served = this.options.streams.map((s) => s.streamArn).join(', ') || 'none';
      throw new KinesisCallError(
        'ResourceNotFoundException',
        `Stream ${arn ?? name} under account ${this.accountOf()} not found. The local run serves: ${served}`,
      );
    }
    return found;
  }

  private accountOf(): string {
    return this.options.streams[0]?.streamArn.split(':')[4] ?? '000000000000';
  }

  private checkShard(stream: ServedStream, shardId: unknown): void {
    if (shardId !== KINESIS_SHARD_ID) {
      throw new KinesisCallError(
        'ResourceNotFoundException',
        `Shard ${String(shardId)} in stream ${streamName(stream.streamArn)} under account ${this.accountOf()} does not exist (the local stream has one shard, ${KINESIS_SHARD_ID})`,
      );
    }
  }

  /** One DynamoDB Local call; its JSON answer. */
  private async dynamoDb<T>(target: string, body: unknown): Promise<T> {
    const response = await dynamoDbLocalRequest(this.options.dynamoDbEndpoint, target, body);
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) {
      throw new Error(
        `${target}: ${String(json.__type ?? response.status)}: ${String(json.message ?? json.Message ?? '')}`,
      );
    }
    return json as T;
  }

  private async table(stream: ServedStream): Promise<{ CreationDateTime?: number; LatestStreamArn?: string }> {
    const { Table } = await this.dynamoDb<{ Table: { CreationDateTime?: number; LatestStreamArn?: string } }>(
      'DynamoDB_20120810.DescribeTable',
      { TableName: stream.tableName },
    );
    return Table;
  }

  /** Every change the table's DynamoDB stream still holds, as the pollers shape it, oldest first. */
  private async records(stream: ServedStream): Promise<KinesisStreamRecord[]> {
    const reader = await openStreamReader({
      endpoint: this.options.dynamoDbEndpoint,
      tableName: stream.tableName,
      from: 'TRIM_HORIZON',
      region: this.region,
      kinesisStreamArn: stream.streamArn,
    });
    try {
      const records = await reader.read();
      // One Kinesis shard: its records in sequence order (parent shards come first anyway).
      return records.sort((a, b) => compare(a.kinesis.sequenceNumber, b.kinesis.sequenceNumber));
    } finally {
      reader.close();
    }
  }

  private async listShards(input: Input): Promise<Output> {
    const stream = this.stream(input);
    const exclusiveStart = typeof input.ExclusiveStartShardId === 'string' ? input.ExclusiveStartShardId : undefined;
    // The shard starts where the table's stream does: the lowest starting sequence of its shards.
    const { LatestStreamArn } = await this.table(stream);
    let start: bigint | undefined;
    let from: string | undefined;
    do {
      const { StreamDescription } = await this.dynamoDb<{
        StreamDescription: {
          Shards?: { SequenceNumberRange?: { StartingSequenceNumber?: string } }[];
          LastEvaluatedShardId?: string;
        };
      }>('DynamoDBStreams_20120810.DescribeStream', {
        StreamArn: LatestStreamArn,
        ...(from ? { ExclusiveStartShardId: from } : {}),
      });
      for (const shard of StreamDescription.Shards ?? []) {
        const s = shard.SequenceNumberRange?.StartingSequenceNumber;
        if (s !== undefined && SEQUENCE.test(s) && (start === undefined || BigInt(s) < start)) {
          start = BigInt(s);
        }
      }
      from = StreamDescription.LastEvaluatedShardId;
    } while (from);
    const shard = {
      ShardId: KINESIS_SHARD_ID,
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: String(2n ** 128n - 1n) },
      SequenceNumberRange: { StartingSequenceNumber: String(start ?? 0n) },
    };
    return { Shards: exclusiveStart !== undefined && exclusiveStart >= KINESIS_SHARD_ID ? [] : [shard] };
  }

  private async describeStreamSummary(input: Input): Promise<Output> {
    const stream = this.stream(input);
    const table = await this.table(stream);
    return {
      StreamDescriptionSummary: {
        StreamName: streamName(stream.streamArn),
        StreamARN: stream.streamArn,
        StreamStatus: 'ACTIVE',
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        RetentionPeriodHours: 24,
        StreamCreationTimestamp: table.CreationDateTime ?? 0,
        EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
        EncryptionType: 'NONE',
        OpenShardCount: 1,
        ConsumerCount: 0,
      },
    };
  }

  private async getShardIterator(input: Input): Promise<Output> {
    const stream = this.stream(input);
    this.checkShard(stream, input.ShardId);
    const type = input.ShardIteratorType;
    const sequence = input.StartingSequenceNumber;
    let position: Position;
    switch (type) {
      case 'TRIM_HORIZON':
        position = { stream: stream.streamArn };
        break;
      case 'LATEST': {
        const records = await this.records(stream);
        const last = records[records.length - 1]?.kinesis.sequenceNumber;
        position = { stream: stream.streamArn, ...(last !== undefined ? { after: last } : {}) };
        break;
      }
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER':
        if (typeof sequence !== 'string' || sequence === '') {
          throw new KinesisCallError(
            'InvalidArgumentException',
            `StartingSequenceNumber must be provided for ShardIteratorType ${type}`,
          );
        }
        if (!SEQUENCE.test(sequence)) {
          throw new KinesisCallError(
            'InvalidArgumentException',
            `StartingSequenceNumber ${sequence} is not a sequence number`,
          );
        }
        position = { stream: stream.streamArn, [type === 'AT_SEQUENCE_NUMBER' ? 'at' : 'after']: sequence };
        break;
      default:
        throw new KinesisCallError(
          'InvalidArgumentException',
          `ShardIteratorType ${String(type)} is not supported by the local run: use one of ${ITERATOR_TYPES.join(', ')}`,
        );
    }
    return { ShardIterator: encodeIterator(position) };
  }

  private async getRecords(input: Input): Promise<Output> {
    const position = decodeIterator(input.ShardIterator);
    const stream = this.stream({ StreamARN: position.stream });
    if (typeof input.StreamARN === 'string' && input.StreamARN !== position.stream) {
      throw new KinesisCallError(
        'InvalidArgumentException',
        `ShardIterator belongs to ${position.stream}, not to StreamARN ${input.StreamARN}`,
      );
    }
    const limit = input.Limit === undefined ? MAX_LIMIT : Number(input.Limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new KinesisCallError(
        'ValidationException',
        `1 validation error detected: Value '${String(input.Limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${MAX_LIMIT}`,
      );
    }
    const all = await this.records(stream);
    const past = all.filter((r) => {
      const s = BigInt(r.kinesis.sequenceNumber);
      return (
        (position.at === undefined || s >= BigInt(position.at)) &&
        (position.after === undefined || s > BigInt(position.after))
      );
    });
    const page = past.slice(0, limit);
    const last = page[page.length - 1];
    const next: Position = last ? { stream: stream.streamArn, after: last.kinesis.sequenceNumber } : position;
    // How far the last record returned is from the newest one, in their creation times (0 at the tip).
    const behind = page.length < past.length && last ? arrivalMs(all[all.length - 1]) - arrivalMs(last) : 0;
    return {
      Records: page.map((r) => ({
        SequenceNumber: r.kinesis.sequenceNumber,
        ApproximateArrivalTimestamp: arrivalMs(r) / 1000,
        Data: r.kinesis.data,
        PartitionKey: r.kinesis.partitionKey,
      })),
      NextShardIterator: encodeIterator(next),
      MillisBehindLatest: Math.max(0, behind),
    };
  }
}

const compare = (a: string, b: string): number => {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};

/**
 * When the change reached the stream, in epoch ms: its creation time (DynamoDB Streams gives it
 * to the minute), not the time of the read that the pollers' `approximateArrivalTimestamp`
 * carries, so the same record reads the same every time.
 */
const arrivalMs = (record: KinesisStreamRecord): number =>
  decodeKinesisChange(record).dynamodb.ApproximateCreationDateTime;

const encodeIterator = (position: Position): string => Buffer.from(JSON.stringify(position)).toString('base64');

function decodeIterator(iterator: unknown): Position {
  const invalid = () =>
    new KinesisCallError('InvalidArgumentException', `Invalid ShardIterator: ${String(iterator).slice(0, 80)}`);
  if (typeof iterator !== 'string' || iterator === '') {
    throw invalid();
  }
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(iterator, 'base64').toString('utf8'));
  } catch {
    throw invalid();
  }
  const p = position as Partial<Record<keyof Position, unknown>> | null;
  const optionalSequence = (v: unknown) => v === undefined || (typeof v === 'string' && SEQUENCE.test(v));
  if (
    !p ||
    typeof p !== 'object' ||
    typeof p.stream !== 'string' ||
    !optionalSequence(p.after) ||
    !optionalSequence(p.at)
  ) {
    throw invalid();
  }
  return p as Position;
}
