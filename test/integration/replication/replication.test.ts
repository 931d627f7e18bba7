/**
 * The replication pipeline on real local components: DynamoDB Local (table and stream),
 * fauxqs (save-entries queue) and the Entry Service fake. Writes to the table become stream
 * records, enqueueEntries turns them into queue messages, saveEntries replicates them and
 * clears the flag. Handlers run as Lambda would run them, configured through CONFIG_ENV=local.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Message } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDemandTable as demandTableRepository } from '../../../src/shared/aws/demandTable';
import { entryKey } from '../../../src/shared/aws/keys';
import { decodeChangeRecord } from '../../../src/shared/runtime/stream';
import { sqsEventOf } from '../../harness/sqs';
import { memoryLogger } from '../../doubles/runtime';
import { handler as enqueueEntries } from '../../../src/workers/replication/enqueueEntries';
import { enqueueEntries as enqueueLogic } from '../../../src/workers/replication/enqueueEntries/enqueueEntries';
import { handler as saveEntries } from '../../../src/workers/replication/saveEntries';
import { clearNeedsReplication } from '../../../src/workers/replication/saveEntries/clearFlag';
import { parseSaveEntryMessage } from '../../../src/workers/replication/saveEntries/message';
import { saveEntries as saveEntriesLogic } from '../../../src/workers/replication/saveEntries/saveEntries';
import type { SaveEntriesMessage } from '../../../src/workers/replication/shared/saveEntriesMessage';
import { createEntryService } from '../../../src/shared/services/entries';
import { createServiceClient } from '../../../src/shared/services/http';
import { createTokenProvider } from '../../../src/shared/services/jwt';
import type { StreamReader } from '../../../tools/local/dynamoStream';
import { localDynamoDbClient, LOCAL_AWS } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';
import type { ServiceFakes } from '../../../tools/local/emulators/fakes';
import { freePort } from '../../../tools/local/emulators/processes';
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
const tableName = uniqueName('replication');
const raw = localDynamoDbClient(endpoint);
const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const table = demandTableRepository(doc, tableName);
const sqs = localSqsClient();
const keys = serviceKeys();
let fakes: ServiceFakes;
let queueUrl: string;
let reader: StreamReader;

const T1 = '2026-05-01T10:00:00.000Z';
const T2 = '2026-05-01T11:00:00.000Z';
const T3 = '2026-05-01T12:00:00.000Z';

/** A registration as AppSync's upsertEntry writes it. */
const entry = (campaignId: string, fan: string, over: Record<string, unknown> = {}) => ({
  ...entryKey(campaignId, fan),
  type: 'registration',
  campaignId,
  globalUserId: fan,
  email: `${fan}@example.com`,
  fields: { email: `${fan}@example.com`, markets: ['m1', 'm2'], allow_marketing: true },
  needsReplication: true,
  date: { created: T1, updated: T1, fanModified: T1 },
  ...over,
});
const write = (item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: tableName, Item: item }));
const current = (campaignId: string, fan: string) => table.get(entryKey(campaignId, fan), true);
const replicated = (campaignId: string, fan: string) => fakes.entries.entries.get(`${campaignId}:${fan}`);

/** Stream → enqueueEntries → queue: asserts how many messages the next stream records produced and returns them. */
async function enqueue(streamRecords: number, expectedMessages: number): Promise<Message[]> {
  const response = await enqueueEntries(await streamEvent(reader, streamRecords));
  expect(failures(response)).toEqual([]);
  // Expecting none still waits a moment, so a late message would be seen.
  const messages = await receive(sqs, queueUrl, Math.max(expectedMessages, 1), expectedMessages === 0 ? 1500 : 5000);
  expect(messages).toHaveLength(expectedMessages);
  return messages;
}

let stopWorld: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  queueUrl = await createQueue(sqs, 'save-entries');
  ({ fakes, reader, stop: stopWorld } = await startReplicationWorld({ endpoint, tableName, queueUrl, keys }));
});

afterAll(async () => {
  await stopWorld();
  raw.destroy();
  sqs.destroy();
});

describe('replication of demand-table entries to Entry Service', () => {
  let firstDelivery: Message[] = [];

  it('replicates a new entry, clears its flag, and does not re-enqueue the clearing write', async () => {
    await write(entry('c1', 'fan-1'));
    firstDelivery = await enqueue(1, 1);
    expect(JSON.parse(firstDelivery[0].Body!)).toEqual({ operation: 'INSERT', newItem: entry('c1', 'fan-1') });

    expect(failures(await saveEntries(sqsEventOf(firstDelivery, queueUrl)))).toEqual([]);
    const { PK: _pk, SK: _sk, type: _type, needsReplication: _flag, ...attributes } = entry('c1', 'fan-1');
    expect(replicated('c1', 'fan-1')).toEqual({ ...attributes, userId: 'fan-1' });
    expect((await current('c1', 'fan-1'))?.needsReplication).toBe(false);

    // The clear is itself a MODIFY on the stream; enqueueEntries must let it pass without a message.
    const clearEvent = await streamEvent(reader, 1);
    const clearChange = JSON.parse(Buffer.from(clearEvent.Records[0].kinesis.data, 'base64').toString());
    expect(clearChange.eventName).toBe('MODIFY');
    expect(failures(await enqueueEntries(clearEvent))).toEqual([]);
    expect(await receive(sqs, queueUrl, 1, 1500)).toEqual([]);
    expect(replicated('c1', 'fan-1')).toMatchObject({ date: { updated: T1 } });
  });

  it('is harmless to deliver the same message again: Entry Service and the table keep their state', async () => {
    const before = { entry: structuredClone(replicated('c1', 'fan-1')), item: await current('c1', 'fan-1') };
    expect(failures(await saveEntries(sqsEventOf(firstDelivery, queueUrl)))).toEqual([]);
    expect(replicated('c1', 'fan-1')).toEqual(before.entry);
    expect(await current('c1', 'fan-1')).toEqual(before.item);
    expect(await reader.read()).toEqual([]);
  });

  it('replicates a fan edit, but not a system update of the same entry', async () => {
    const edited = { email: 'fan-1@example.com', markets: ['m2'], allow_marketing: false };
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: entryKey('c1', 'fan-1'),
        UpdateExpression: 'SET #f = :f, needsReplication = :t, #d.updated = :u, #d.fanModified = :u',
        ExpressionAttributeNames: { '#d': 'date', '#f': 'fields' },
        ExpressionAttributeValues: { ':f': edited, ':t': true, ':u': T2 },
      }),
    );
    const messages = await enqueue(1, 1);
    expect(failures(await saveEntries(sqsEventOf(messages, queueUrl)))).toEqual([]);
    expect(replicated('c1', 'fan-1')).toMatchObject({ fields: edited, date: { updated: T2, fanModified: T2 } });
    await enqueue(1, 0); // the clear

    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: entryKey('c1', 'fan-1'),
        UpdateExpression: 'SET verdict = :v, #d.updated = :u',
        ExpressionAttributeNames: { '#d': 'date' },
        ExpressionAttributeValues: { ':v': true, ':u': T3 },
      }),
    );
    await enqueue(1, 0);
    expect(replicated('c1', 'fan-1')).not.toHaveProperty('verdict');
  });

  it('rejects a stale message without retrying it or calling Entry Service', async () => {
    const requestsBefore = fakes.entries.requests.length;
    const response = await saveEntries(sqsEventOf(firstDelivery, queueUrl)); // date.updated T1; the table holds T3
    expect(failures(response)).toEqual([]);
    expect(fakes.entries.requests.length).toBe(requestsBefore);
    expect(replicated('c1', 'fan-1')).toMatchObject({ date: { updated: T2 } });
  });

  it('replicates the removal of an entry as a deletion', async () => {
    await doc.send(new DeleteCommand({ TableName: tableName, Key: entryKey('c1', 'fan-1') }));
    const messages = await enqueue(1, 1);
    expect(JSON.parse(messages[0].Body!)).toMatchObject({ operation: 'REMOVE', oldItem: { globalUserId: 'fan-1' } });
    expect(failures(await saveEntries(sqsEventOf(messages, queueUrl)))).toEqual([]);
    expect(replicated('c1', 'fan-1')).toBeUndefined();
  });

  it('fails only the message of the fan Entry Service could not write, and keeps that flag until a retry succeeds', async () => {
    await write(entry('c2', 'fan-2'));
    await write(entry('c2', 'fan-3'));
    const messages = await enqueue(2, 2);
    fakes.entries.failUsers(['fan-3']);
    const response = await saveEntries(sqsEventOf(messages, queueUrl));
    const failedMessage = messages.find(
      (m) => (JSON.parse(m.Body!) as SaveEntriesMessage).newItem?.globalUserId === 'fan-3',
    )!;
    expect(failures(response)).toEqual([failedMessage.MessageId]);
    expect((await current('c2', 'fan-2'))?.needsReplication).toBe(false);
    expect((await current('c2', 'fan-3'))?.needsReplication).toBe(true);
    expect(replicated('c2', 'fan-3')).toBeUndefined();
    await enqueue(1, 0); // fan-2's clear

    fakes.entries.reset(); // the service recovers (its data is gone too; only fan-3 matters here)
    expect(failures(await saveEntries(sqsEventOf([failedMessage], queueUrl)))).toEqual([]);
    expect(replicated('c2', 'fan-3')).toMatchObject({ globalUserId: 'fan-3' });
    expect((await current('c2', 'fan-3'))?.needsReplication).toBe(false);
    await enqueue(1, 0);
  });

  it('retries a message whose current item could not be read, without calling Entry Service', async () => {
    await write(entry('c3', 'fan-4'));
    const messages = await enqueue(1, 1);
    // DynamoDB Local cannot be told to fail one read, so this case reads through a client
    // pointed at a port nothing listens on (a real connection failure), with no SDK retries.
    const closedPort = await freePort();
    const unreachable = DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...LOCAL_AWS, endpoint: `http://127.0.0.1:${closedPort}`, maxAttempts: 1 }),
    );
    const entries = createEntryService(
      createServiceClient({
        service: 'entries',
        baseUrl: fakes.urls.entries,
        timeoutMs: 2000,
        retries: 0,
        backoffBaseMs: 1,
        backoffMaxMs: 1,
        getToken: createTokenProvider({
          worker: 'saveEntries',
          issuer: 'reg-workers',
          ttlSeconds: 600,
          loadPrivateKey: async () => keys.privateKeyPem,
        }),
      }),
    );
    const sqsMessages = messages.map((m) => ({
      messageId: m.MessageId!,
      body: parseSaveEntryMessage(JSON.parse(m.Body!)),
      messageAttributes: {},
      receiveCount: 1,
      eventSourceArn: '',
    }));
    const requestsBefore = fakes.entries.requests.length;
    const log = memoryLogger();
    const result = await saveEntriesLogic(sqsMessages, {
      table: demandTableRepository(unreachable, tableName),
      entries,
      batchSize: 25,
      log,
    });
    expect(result.failed).toEqual([messages[0].MessageId]);
    expect(fakes.entries.requests.length).toBe(requestsBefore);
    expect(log.lines.some((l) => l.message === 'reading the current item failed; the message will be retried')).toBe(
      true,
    );
    unreachable.destroy();

    // The retry, with the table reachable again, goes through.
    expect(failures(await saveEntries(sqsEventOf(messages, queueUrl)))).toEqual([]);
    expect(replicated('c3', 'fan-4')).toMatchObject({ globalUserId: 'fan-4' });
    await enqueue(1, 0);
  });

  it('queues a full stream batch in SendMessageBatch requests and reports a queue it cannot reach', async () => {
    const fans = Array.from({ length: 25 }, (_, i) => `bulk-${i}`);
    for (const fan of fans) {
      await write(entry('c4', fan));
    }
    const event = await streamEvent(reader, fans.length);
    expect(failures(await enqueueEntries(event))).toEqual([]);
    const messages = await receive(sqs, queueUrl, fans.length);
    expect(messages.map((m) => (JSON.parse(m.Body!) as SaveEntriesMessage).newItem?.globalUserId).sort()).toEqual(
      [...fans].sort(),
    );

    // A queue that does not exist: every record of the batch is reported for the stream to retry.
    const result = await enqueueLogic(
      event.Records.map((r) => decodeChangeRecord(r)),
      {
        sendBatch: (input) => sqs.send(new SendMessageBatchCommand(input)),
        queueUrl: `${queueUrl}-missing`,
        batchSize: 10,
        log: memoryLogger(),
      },
    );
    expect(result.failed.sort()).toEqual(event.Records.map((r) => r.kinesis.sequenceNumber).sort());
  });

  it('clears the flag only while date.updated is still the replicated value', async () => {
    await write(entry('c5', 'fan-5', { date: { created: T1, updated: T2, fanModified: T2 } }));
    expect(await clearNeedsReplication(table, entryKey('c5', 'fan-5'), T1)).toBe(false);
    expect((await current('c5', 'fan-5'))?.needsReplication).toBe(true);
    expect(await clearNeedsReplication(table, entryKey('c5', 'fan-5'), T2)).toBe(true);
    expect((await current('c5', 'fan-5'))?.needsReplication).toBe(false);
    expect(await clearNeedsReplication(table, entryKey('c5', 'nobody'), T2)).toBe(false);
    expect(await current('c5', 'nobody')).toBeUndefined();
  });
});
