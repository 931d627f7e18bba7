/**
 * Hostile and impossible changes on the real replication path (DynamoDB Local's stream →
 * enqueueEntries → fauxqs → saveEntries → Entry Service fake): nothing reaches Entry Service
 * changed without a word, and one impossible record never holds up its batch-mates.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { entryKey } from '../../../src/shared/aws/keys';
import { handler as enqueueEntries } from '../../../src/workers/replication/enqueueEntries';
import { handler as saveEntries } from '../../../src/workers/replication/saveEntries';
import type { SaveEntriesMessage } from '../../../src/workers/replication/shared/saveEntriesMessage';
import type { StreamReader } from '../../../tools/local/dynamoStream';
import { localDynamoDbClient } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';
import type { ServiceFakes } from '../../../tools/local/emulators/fakes';
import { sqsEventOf } from '../../harness/sqs';
import {
  createQueue,
  failures,
  localSqsClient,
  receive,
  serviceKeys,
  startReplicationWorld,
  streamEvent,
} from './helpers';

const endpoint = requireEnv('DYNAMODB_ENDPOINT');
const tableName = uniqueName('replication-hostile');
const raw = localDynamoDbClient(endpoint);
const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const sqs = localSqsClient();
const keys = serviceKeys();
let fakes: ServiceFakes;
let reader: StreamReader;
let queueUrl: string;
let stopWorld: () => Promise<void> = async () => undefined;

const T1 = '2026-05-01T10:00:00.000Z';
const BIG = '12345678901234567890';

/** A registration as AppSync's upsertEntry writes it. */
const entry = (fan: string) => ({
  ...entryKey('hostile-c1', fan),
  type: 'registration',
  campaignId: 'hostile-c1',
  globalUserId: fan,
  email: `${fan}@example.com`,
  fields: { email: `${fan}@example.com`, markets: ['m1'], ticket_count: 2 },
  needsReplication: true,
  date: { created: T1, updated: T1, fanModified: T1 },
});
const replicated = (fan: string) => fakes.entries.entries.get(`hostile-c1:${fan}`);
const sequenceOf = (record: KinesisStreamRecord) => record.kinesis.sequenceNumber;
/** The records of `event` whose change concerns `fan`, and the others. */
const split = (event: KinesisStreamEvent, fan: string) => {
  const about = (r: KinesisStreamRecord) => Buffer.from(r.kinesis.data, 'base64').toString('utf8').includes(`#${fan}"`);
  return [event.Records.filter(about), event.Records.filter((r) => !about(r))];
};
const bodiesOf = (messages: { Body?: string }[]) => messages.map((m) => JSON.parse(m.Body!) as SaveEntriesMessage);

type LogLine = { level: string; message: string; data?: Record<string, unknown> };

/** Runs the enqueueEntries handler as Lambda would, returning its response and the JSON lines it wrote to stdout. */
async function runEnqueue(event: KinesisStreamEvent) {
  const written: string[] = [];
  const level = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'info';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    const response = await enqueueEntries(event);
    const logs = written
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
    const summary = logs.find((l) => l.message === 'invocation finished')?.data;
    const rejected = logs.filter((l) => l.message === 'record rejected');
    return { response, logs, summary, rejected };
  } finally {
    spy.mockRestore();
    process.env.LOG_LEVEL = level;
  }
}

/** The record with its change's OldImage taken out, as a stream with no old images would deliver it. */
function withoutOldImage(record: KinesisStreamRecord): KinesisStreamRecord {
  const change = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
  delete change.dynamodb.OldImage;
  return { ...record, kinesis: { ...record.kinesis, data: Buffer.from(JSON.stringify(change)).toString('base64') } };
}

beforeAll(async () => {
  queueUrl = await createQueue(sqs, 'save-entries-hostile');
  ({ fakes, reader, stop: stopWorld } = await startReplicationWorld({ endpoint, tableName, queueUrl, keys }));
});

afterAll(async () => {
  await stopWorld();
  raw.destroy();
  sqs.destroy();
});

describe('replication of hostile demand-table changes', () => {
  it('rejects, with the reason, an entry holding a number JSON would round, and replicates its batch-mate', async () => {
    // prepare: one entry as written, one whose ticket_count is beyond 2^53
    await doc.send(new PutCommand({ TableName: tableName, Item: entry('fan-ok') }));
    const big = marshall(entry('fan-big'));
    (big.fields as { M: Record<string, AttributeValue> }).M.ticket_count = { N: BIG };
    await raw.send(new PutItemCommand({ TableName: tableName, Item: big }));
    const event = await streamEvent(reader, 2);
    const bigSequence = sequenceOf(split(event, 'fan-big')[0][0]);

    // act
    const { response, summary, rejected } = await runEnqueue(event);
    const messages = await receive(sqs, queueUrl, 2, 2000);
    expect(failures(await saveEntries(sqsEventOf(messages, queueUrl)))).toEqual([]);

    // assess: nothing of fan-big was sent, and the reason names the number
    expect(failures(response)).toEqual([]);
    expect(bodiesOf(messages).map((b) => b.newItem?.globalUserId)).toEqual(['fan-ok']);
    expect(replicated('fan-ok')).toMatchObject({ fields: { ticket_count: 2 } });
    expect(replicated('fan-big')).toBeUndefined();
    expect(rejected).toEqual([
      expect.objectContaining({
        level: 'warn',
        data: { id: bigSequence, reason: expect.stringContaining(BIG) },
      }),
    ]);
    expect(summary).toMatchObject({ received: 2, rejected: 1, failed: 0, queued: 1 });
    await streamEvent(reader, 1); // fan-ok's flag clear
  });

  it('warns about and counts a REMOVE without its old image, and replicates the REMOVE beside it', async () => {
    // prepare: two replicated entries, then both removed
    await doc.send(new PutCommand({ TableName: tableName, Item: entry('fan-r1') }));
    await doc.send(new PutCommand({ TableName: tableName, Item: entry('fan-r2') }));
    await runEnqueue(await streamEvent(reader, 2));
    expect(failures(await saveEntries(sqsEventOf(await receive(sqs, queueUrl, 2), queueUrl)))).toEqual([]);
    expect(replicated('fan-r1')).toBeDefined();
    await streamEvent(reader, 2); // the flag clears
    await doc.send(new DeleteCommand({ TableName: tableName, Key: entryKey('hostile-c1', 'fan-r1') }));
    await doc.send(new DeleteCommand({ TableName: tableName, Key: entryKey('hostile-c1', 'fan-r2') }));
    const [[r2Remove], [r1Remove]] = split(await streamEvent(reader, 2), 'fan-r2');

    // act
    const { response, summary, rejected } = await runEnqueue({ Records: [r1Remove, withoutOldImage(r2Remove)] });
    const messages = await receive(sqs, queueUrl, 2, 2000);
    expect(failures(await saveEntries(sqsEventOf(messages, queueUrl)))).toEqual([]);

    // assess
    expect(failures(response)).toEqual([]);
    expect(bodiesOf(messages)).toEqual([expect.objectContaining({ operation: 'REMOVE' })]);
    expect(replicated('fan-r1')).toBeUndefined();
    expect(replicated('fan-r2')).toBeDefined();
    expect(rejected).toEqual([
      expect.objectContaining({
        level: 'warn',
        data: { id: sequenceOf(r2Remove), reason: 'REMOVE without its old image: cannot tell what changed' },
      }),
    ]);
    expect(summary).toMatchObject({ received: 2, rejected: 1, skipped: 0, queued: 1 });
  });

  it('rejects a null record and one without a sequence number alone, and queues the real changes', async () => {
    await doc.send(new PutCommand({ TableName: tableName, Item: entry('fan-2') }));
    await doc.send(new PutCommand({ TableName: tableName, Item: entry('fan-3') }));
    const real = await streamEvent(reader, 2);
    const noSequence = { ...real.Records[0], kinesis: { ...real.Records[0].kinesis, sequenceNumber: '' } };
    const event = { Records: [real.Records[0], null, noSequence, real.Records[1]] } as unknown as KinesisStreamEvent;

    const { response, summary, rejected } = await runEnqueue(event);
    const messages = await receive(sqs, queueUrl, 2);
    expect(failures(await saveEntries(sqsEventOf(messages, queueUrl)))).toEqual([]);

    expect(response.batchItemFailures).toEqual([]);
    expect(
      bodiesOf(messages)
        .map((b) => b.newItem?.globalUserId)
        .sort(),
    ).toEqual(['fan-2', 'fan-3']);
    expect(replicated('fan-3')).toMatchObject({ globalUserId: 'fan-3' });
    expect(rejected.map((l) => l.data)).toEqual([
      { index: 1, reason: 'record is null, not an object' },
      { index: 2, reason: 'record has no kinesis.sequenceNumber' },
    ]);
    expect(summary).toMatchObject({ received: 4, rejected: 2, failed: 0, queued: 2 });
  });
});
