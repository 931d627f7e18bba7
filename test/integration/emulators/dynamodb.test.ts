import { DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeKinesisChange, openStreamReader, type KinesisStreamRecord, type StreamReader } from '../../../tools/local/dynamoStream';
import { createDemandTable, localDynamoDbClient } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';

// The project's testTimeout (60 s) is not applied to this project by jest; set it here.
jest.setTimeout(30000);

/** Stream records can trail the write slightly; poll until `count` arrived. */
async function readAtLeast(reader: StreamReader, count: number, timeoutMs = 5000): Promise<KinesisStreamRecord[]> {
  const records: KinesisStreamRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) {
    records.push(...(await reader.read()));
    if (records.length < count) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return records;
}

describe('DynamoDB Local and its stream as Kinesis records', () => {
  const endpoint = requireEnv('DYNAMODB_ENDPOINT');
  const tableName = uniqueName('harness-demand');
  // Configured only by the environment globalSetup publishes (AWS_ENDPOINT_URL_DYNAMODB etc.).
  const client = new DynamoDBClient({});
  const doc = DynamoDBDocumentClient.from(client);

  beforeAll(async () => {
    await createDemandTable(endpoint, tableName);
  });
  afterAll(() => client.destroy());

  it('creates the demand table idempotently, with a NEW_AND_OLD_IMAGES stream and TTL on ttl', async () => {
    const table = await createDemandTable(endpoint, tableName);
    expect(table.KeySchema).toEqual([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
    expect(table.StreamSpecification).toMatchObject({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(table.LatestStreamArn).toBeTruthy();
    const raw = localDynamoDbClient(endpoint);
    const ttl = await raw.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    raw.destroy();
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED' });
  });

  it('puts and gets an item through a client configured only by AWS_ENDPOINT_URL_DYNAMODB', async () => {
    const key = { PK: 'e:c0', SK: 'entry#g0' };
    await doc.send(new PutCommand({ TableName: tableName, Item: { ...key, email: 'fan@example.com' } }));
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: key }));
    expect(Item).toEqual({ ...key, email: 'fan@example.com' });
  });

  it('yields INSERT, MODIFY and REMOVE as Kinesis Data Streams for DynamoDB records', async () => {
    const reader = await openStreamReader({ endpoint, tableName, from: 'LATEST' });
    const key = { PK: 'e:c1', SK: 'entry#g1' };
    const before = Date.now();
    await doc.send(new PutCommand({ TableName: tableName, Item: { ...key, type: 'registration', n: 1 } }));
    await doc.send(new UpdateCommand({ TableName: tableName, Key: key, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': 2 } }));

    const records = await readAtLeast(reader, 2);
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record).toMatchObject({
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventName: 'aws:kinesis:record',
        awsRegion: 'us-east-1',
        eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${tableName}`,
        kinesis: { kinesisSchemaVersion: '1.0' },
      });
      expect(record.eventID).toBe(`shardId-000000000000:${record.kinesis.sequenceNumber}`);
      expect(record.kinesis.partitionKey).toMatch(/^[0-9A-F]{32}$/);
    }
    const [insert, modify] = records.map(decodeKinesisChange);
    expect(insert).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      recordFormat: 'application/json',
      tableName,
      userIdentity: null,
      dynamodb: {
        Keys: { PK: { S: 'e:c1' }, SK: { S: 'entry#g1' } },
        NewImage: { PK: { S: 'e:c1' }, SK: { S: 'entry#g1' }, type: { S: 'registration' }, n: { N: '1' } },
      },
    });
    expect(insert.dynamodb.OldImage).toBeUndefined();
    // Epoch milliseconds, as Kinesis Data Streams for DynamoDB reports them; DynamoDB Local's
    // stream (like DynamoDB Streams) rounds the time down to the minute.
    expect(insert.dynamodb.ApproximateCreationDateTime).toBeGreaterThanOrEqual(Math.floor(before / 60000) * 60000);
    expect(insert.dynamodb.ApproximateCreationDateTime).toBeLessThanOrEqual(Date.now());
    expect(insert.dynamodb.SizeBytes).toBeGreaterThan(0);
    expect(modify).toMatchObject({
      eventName: 'MODIFY',
      dynamodb: { OldImage: { n: { N: '1' } }, NewImage: { n: { N: '2' } } },
    });
    expect(BigInt(records[1].kinesis.sequenceNumber)).toBeGreaterThan(BigInt(records[0].kinesis.sequenceNumber));

    expect(await reader.read()).toEqual([]);
    await doc.send(new DeleteCommand({ TableName: tableName, Key: key }));
    const [removal] = (await readAtLeast(reader, 1)).map(decodeKinesisChange);
    expect(removal).toMatchObject({ eventName: 'REMOVE', dynamodb: { OldImage: { n: { N: '2' } } } });
    expect(removal.dynamodb.NewImage).toBeUndefined();
    reader.close();
    await expect(reader.read()).rejects.toThrow(/closed/);
  });

  it('reads from TRIM_HORIZON everything still in the stream', async () => {
    const reader = await openStreamReader({ endpoint, tableName, from: 'TRIM_HORIZON' });
    const changes = (await reader.read()).map(decodeKinesisChange);
    expect(changes.map((change) => change.eventName)).toEqual(['INSERT', 'INSERT', 'MODIFY', 'REMOVE']);
    reader.close();
  });

  // DynamoDB Local numbers stream records across all tables, and a LATEST iterator taken on a
  // table whose stream is still empty then lies "before the oldest record" once other tables were
  // written in between: GetRecords answers TrimmedDataAccessException. The reader must recover
  // and deliver the table's changes (found when the fixture-stack runtime ran beside the e2e run).
  it('a LATEST reader opened on an empty stream still gets its changes after other tables were written', async () => {
    const quiet = uniqueName('harness-quiet');
    const busy = uniqueName('harness-busy');
    await createDemandTable(endpoint, quiet);
    await createDemandTable(endpoint, busy);
    const reader = await openStreamReader({ endpoint, tableName: quiet, from: 'LATEST' });
    for (let i = 0; i < 5; i++) {
      await doc.send(new PutCommand({ TableName: busy, Item: { PK: `e:b${i}`, SK: 'entry#g' } }));
    }
    await doc.send(new PutCommand({ TableName: quiet, Item: { PK: 'e:q1', SK: 'entry#g1' } }));
    await doc.send(new PutCommand({ TableName: quiet, Item: { PK: 'e:q2', SK: 'entry#g2' } }));
    const changes = (await readAtLeast(reader, 2)).map(decodeKinesisChange);
    expect(changes.map((change) => change.dynamodb.Keys.PK.S)).toEqual(['e:q1', 'e:q2']);
    reader.close();
  });

  it('refuses a table without a stream', async () => {
    await expect(openStreamReader({ endpoint, tableName: uniqueName('missing'), from: 'LATEST' })).rejects.toThrow(/ResourceNotFoundException/);
  });
});
