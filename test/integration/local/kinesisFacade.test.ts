/**
 * The Kinesis read API of the local run's one AWS endpoint (tools/local/aws/kinesis.ts), called
 * the way an operator tool calls it (`ops stream replay`: GetShardIterator + GetRecords by shard
 * and sequence number), with a real `KinesisClient` pointed at the edge. It runs the fixture
 * stack (fixtures/terraform), whose stream mapping feeds the echo function the demand table's
 * INSERTs of `fx…` items, so the records the facade answers can be compared, byte for byte,
 * with those the runtime's own stream consumer delivered.
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { DynamoDbKinesisChange } from '../../../tools/local/dynamoStream';
import type { LocalRuntime } from '../../../tools/local/runtime';
import { uniqueEnvironment } from '../../../tools/local/runtime';
import type { StreamMapping } from '../../../tools/local/wiring/model';
import { startFixtureRuntime, tempDir, waitFor } from './helpers';

const AWS_CLI = '/usr/bin/aws';
const environment = uniqueEnvironment('kin');
const workDir = tempDir('local-kinesis-');
const cliHome = tempDir('local-kinesis-cli-');
const SHARD = 'shardId-000000000000';
const KEYS = ['k1', 'k2', 'k3'];

let rt: LocalRuntime;
let kinesis: KinesisClient;
let ddb: DynamoDBDocumentClient;
let streamArn: string;

beforeAll(async () => {
  rt = await startFixtureRuntime({
    environment,
    workDir,
    recordInvocations: true,
    streamPollMs: 100,
    sqsWaitSeconds: 1,
  });
  // What a tool gets from the env file: the edge, the region and the dummy credentials.
  const config = {
    endpoint: rt.edge.endpoint,
    region: rt.exports.AWS_REGION,
    credentials: { accessKeyId: rt.exports.AWS_ACCESS_KEY_ID, secretAccessKey: rt.exports.AWS_SECRET_ACCESS_KEY },
  };
  kinesis = new KinesisClient(config);
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  streamArn = rt.model.mappings.find((m): m is StreamMapping => m.kind === 'stream')!.streamArn;
  // One at a time, so the stream holds them in this order.
  for (const key of KEYS) {
    await ddb.send(
      new PutCommand({
        TableName: rt.demandTableName,
        Item: { PK: `fx#${key}`, SK: 'item', kind: 'fx-item', n: KEYS.indexOf(key) },
      }),
    );
  }
  await waitFor('the stream mapping to deliver the three changes', () =>
    KEYS.every((k) => delivered().some((r) => pkOf(r) === `fx#${k}`)),
  );
}, 300_000);

afterAll(async () => {
  kinesis?.destroy();
  ddb?.destroy();
  await rt?.stop();
  for (const dir of [workDir, cliHome]) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Every Kinesis record the runtime's stream consumer delivered to the echo function. */
const delivered = (): KinesisStreamRecord[] =>
  rt.host.invocations
    .filter((i) => i.source.startsWith('stream:'))
    .flatMap((i) => (i.event as { Records: KinesisStreamRecord[] }).Records);
const change = (data: Uint8Array | string): DynamoDbKinesisChange =>
  JSON.parse(
    Buffer.from(typeof data === 'string' ? Buffer.from(data, 'base64') : data).toString('utf8'),
  ) as DynamoDbKinesisChange;
const pkOf = (r: KinesisStreamRecord) => change(r.kinesis.data).dynamodb.Keys.PK.S;
const keysOf = (records: KinesisRecord[]) => records.map((r) => change(r.Data!).dynamodb.Keys.PK.S);

async function iterator(type: ShardIteratorType, sequence?: string): Promise<string> {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamARN: streamArn,
      ShardId: SHARD,
      ShardIteratorType: type,
      StartingSequenceNumber: sequence,
    }),
  );
  return ShardIterator!;
}
const records = async (shardIterator: string, limit?: number) =>
  kinesis.send(new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: shardIterator, Limit: limit }));
/** The error a call fails with (and a test failure when it succeeds). */
const failure = (call: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> =>
  call.then(
    () => {
      throw new Error('the call succeeded; it should have failed');
    },
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => error,
  );

describe('Kinesis on the local endpoint', () => {
  it('lists the one shard and describes the stream, by ARN and by name', async () => {
    const { Shards } = await kinesis.send(new ListShardsCommand({ StreamARN: streamArn }));
    expect(Shards?.map((s) => s.ShardId)).toEqual([SHARD]);
    expect(BigInt(Shards![0].SequenceNumberRange!.StartingSequenceNumber!)).toBeGreaterThanOrEqual(0n);
    const streamName = streamArn.split('/').pop()!;
    const { StreamDescriptionSummary } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: streamName }),
    );
    expect(StreamDescriptionSummary).toMatchObject({
      StreamName: streamName,
      StreamARN: streamArn,
      StreamStatus: 'ACTIVE',
      OpenShardCount: 1,
    });
    expect(StreamDescriptionSummary?.StreamCreationTimestamp).toBeInstanceOf(Date);
  });

  it('TRIM_HORIZON + GetRecords returns the table changes, byte for byte what the stream mapping delivered', async () => {
    const out = await records(await iterator('TRIM_HORIZON'));
    expect(keysOf(out.Records!)).toEqual(KEYS.map((k) => `fx#${k}`));
    expect(out.Records!.map((r) => change(r.Data!).dynamodb.NewImage)).toEqual(
      KEYS.map((k, i) => ({ PK: { S: `fx#${k}` }, SK: { S: 'item' }, kind: { S: 'fx-item' }, n: { N: String(i) } })),
    );
    expect(out.Records!.every((r) => change(r.Data!).eventName === 'INSERT')).toBe(true);
    expect(out.MillisBehindLatest).toBe(0);
    expect(out.NextShardIterator).toEqual(expect.any(String));
    for (const record of out.Records!) {
      const seen = delivered().find((d) => d.kinesis.sequenceNumber === record.SequenceNumber);
      expect(seen).toBeDefined();
      expect(Buffer.from(record.Data!).toString('base64')).toBe(seen!.kinesis.data);
      expect(record.PartitionKey).toBe(seen!.kinesis.partitionKey);
      expect(seen!.eventID).toBe(`${SHARD}:${record.SequenceNumber}`);
      expect(Math.abs(Date.now() - record.ApproximateArrivalTimestamp!.getTime())).toBeLessThan(10 * 60_000);
    }
  });

  it('AT_SEQUENCE_NUMBER starts at that record, AFTER_SEQUENCE_NUMBER just past it', async () => {
    const all = (await records(await iterator('TRIM_HORIZON'))).Records!;
    const second = all[1].SequenceNumber!;
    expect(keysOf((await records(await iterator('AT_SEQUENCE_NUMBER', second))).Records!)).toEqual(['fx#k2', 'fx#k3']);
    expect(keysOf((await records(await iterator('AFTER_SEQUENCE_NUMBER', second))).Records!)).toEqual(['fx#k3']);
  });

  it('pages with Limit and NextShardIterator until the end, as a replay from a KinesisBatchInfo does', async () => {
    const all = (await records(await iterator('TRIM_HORIZON'))).Records!;
    const [start, end] = [all[0].SequenceNumber!, all[1].SequenceNumber!];
    const got: KinesisRecord[] = [];
    let next = await iterator('AT_SEQUENCE_NUMBER', start);
    for (let calls = 0; calls < 5; calls++) {
      const page = await records(next, 1);
      expect(page.Records!.length).toBeLessThanOrEqual(1);
      got.push(...page.Records!);
      next = page.NextShardIterator!;
      if (page.Records!.some((r) => BigInt(r.SequenceNumber!) >= BigInt(end))) {
        expect(page.MillisBehindLatest).toBeGreaterThanOrEqual(0);
        break;
      }
    }
    expect(got.map((r) => r.SequenceNumber)).toEqual([start, end]);
    // The iterator after the last record returns the rest, then nothing (but still an iterator).
    const rest = await records(next);
    expect(keysOf(rest.Records!)).toEqual(['fx#k3']);
    const tip = await records(rest.NextShardIterator!);
    expect(tip.Records).toEqual([]);
    expect(tip.MillisBehindLatest).toBe(0);
    expect(tip.NextShardIterator).toEqual(expect.any(String));
  });

  it('refuses an unknown stream or shard with ResourceNotFoundException naming the stream served', async () => {
    const unknown = streamArn.replace(/stream\/.*$/, 'stream/no-such-stream');
    const error = await failure(
      kinesis.send(
        new GetShardIteratorCommand({ StreamARN: unknown, ShardId: SHARD, ShardIteratorType: 'TRIM_HORIZON' }),
      ),
    );
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toContain(streamArn);
    expect((await failure(kinesis.send(new ListShardsCommand({ StreamName: 'no-such-stream' })))).name).toBe(
      'ResourceNotFoundException',
    );
    const shard = await failure(
      kinesis.send(
        new GetShardIteratorCommand({
          StreamARN: streamArn,
          ShardId: 'shardId-000000000001',
          ShardIteratorType: 'LATEST',
        }),
      ),
    );
    expect(shard.name).toBe('ResourceNotFoundException');
  });

  it('refuses a garbage iterator, a missing sequence number and an unsupported iterator type with InvalidArgumentException', async () => {
    for (const garbage of ['not-an-iterator', Buffer.from('{"stream":42}').toString('base64')]) {
      const error = await failure(kinesis.send(new GetRecordsCommand({ ShardIterator: garbage })));
      expect(error.name).toBe('InvalidArgumentException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
    expect((await failure(iterator('AT_SEQUENCE_NUMBER'))).name).toBe('InvalidArgumentException');
    expect((await failure(iterator('AT_TIMESTAMP'))).message).toMatch(/not supported by the local run/);
    expect((await failure(records(await iterator('TRIM_HORIZON'), 0))).name).toBe('ValidationException');
  });

  it('refuses Kinesis writes as not emulated, pointing at the docs', async () => {
    const response = await fetch(rt.edge.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecord' },
      body: JSON.stringify({ StreamARN: streamArn, Data: 'eA==', PartitionKey: 'x' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/UnknownOperationException.*docs\/local-runtime\.md/);
  });

  it('answers Debian’s AWS CLI (HTTP/1.1, where the SDK speaks HTTP/2) with the same records', async () => {
    if (!existsSync(AWS_CLI)) {
      throw new Error(
        `${AWS_CLI} is missing: install the Debian package awscli (apt-get install awscli) to run these tests`,
      );
    }
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: cliHome,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_PAGER: '',
    };
    const aws = async (...args: string[]) =>
      JSON.parse(
        (
          await promisify(execFile)(
            AWS_CLI,
            [...args, '--endpoint-url', rt.edge.endpoint, '--region', 'us-east-1', '--output', 'json'],
            { env, cwd: cliHome },
          )
        ).stdout,
      ) as Record<string, unknown>;
    const { ShardIterator } = (await aws(
      'kinesis',
      'get-shard-iterator',
      '--stream-name',
      streamArn.split('/').pop()!,
      '--shard-id',
      SHARD,
      '--shard-iterator-type',
      'TRIM_HORIZON',
    )) as {
      ShardIterator: string;
    };
    const fromCli = (
      (await aws('kinesis', 'get-records', '--shard-iterator', ShardIterator)) as {
        Records: { SequenceNumber: string; Data: string }[];
      }
    ).Records;
    const fromSdk = (await records(await iterator('TRIM_HORIZON'))).Records!;
    expect(fromCli.map((r) => [r.SequenceNumber, r.Data])).toEqual(
      fromSdk.map((r) => [r.SequenceNumber, Buffer.from(r.Data!).toString('base64')]),
    );
  });

  it('LATEST starts after the newest record: the next change, and only it, follows', async () => {
    const latest = await iterator('LATEST');
    expect((await records(latest)).Records).toEqual([]);
    await ddb.send(
      new PutCommand({ TableName: rt.demandTableName, Item: { PK: 'fx#k4', SK: 'item', kind: 'fx-item' } }),
    );
    expect(keysOf((await records(latest)).Records!)).toEqual(['fx#k4']);
  });
});
