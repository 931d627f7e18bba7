/**
 * Entries of a few hundred KiB on the replication path, on a save-entries queue created from the
 * stack's Terraform (the local runtime's createQueues: the queue's max_message_size, AWS's
 * 256 KiB when unset, as fauxqs' MaximumMessageSize, which it enforces per message). The
 * workers assume SQS_MAX_MESSAGE_BYTES (1 MiB): a queue left at 256 KiB refuses 256 KiB-1 MiB
 * messages that enqueueEntries thinks fit, so they fail on every retry and end in the stream's
 * DLQ while the old-image fallback never runs. Here they are delivered and replicated.
 */
import path from 'node:path';
import type { Message } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SQS_MAX_MESSAGE_BYTES } from '../../../src/shared/aws/sqsLimits';
import { entryKey } from '../../../src/shared/aws/keys';
import type { ChangeRecord } from '../../../src/shared/runtime';
import { sqsEventOf } from '../../harness/sqs';
import { memoryLogger } from '../../doubles/runtime';
import { handler as enqueueEntries } from '../../../src/workers/replication/enqueueEntries';
import { enqueueEntries as enqueueLogic } from '../../../src/workers/replication/enqueueEntries/enqueueEntries';
import { handler as saveEntries } from '../../../src/workers/replication/saveEntries';
import type { SaveEntriesMessage } from '../../../src/workers/replication/shared/saveEntriesMessage';
import type { StreamReader } from '../../../tools/local/dynamoStream';
import { createQueues, uniqueEnvironment } from '../../../tools/local/runtime';
import { loadWiring, localResolver } from '../../../tools/local/wiring/load';
import type { Queue } from '../../../tools/local/wiring/model';
import { modelIndex } from '../../../tools/local/wiring/model';
import { localStackVariables, placeholderVariables } from '../../../tools/local/wiring/variables';
import { localDynamoDbClient } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';
import type { ServiceFakes } from '../../../tools/local/emulators/fakes';
import { localQueueUrl } from '../../../tools/local/emulators/sqs';
import { failures, localSqsClient, receive, serviceKeys, startReplicationWorld, streamEvent } from './helpers';

const KIB = 1024;
const TERRAFORM_DIR = path.resolve(__dirname, '..', '..', '..', 'terraform');
const endpoint = requireEnv('DYNAMODB_ENDPOINT');
const tableName = uniqueName('replication-size');
const raw = localDynamoDbClient(endpoint);
const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const sqs = localSqsClient();
const keys = serviceKeys();
let fakes: ServiceFakes;
let reader: StreamReader;
let stopWorld: () => Promise<void> = async () => undefined;
let saveEntriesQueue: Queue;

const T1 = '2026-05-01T10:00:00.000Z';
const T2 = '2026-05-01T11:00:00.000Z';

/** A registration as AppSync's upsertEntry writes it, with a free-text answer of `noteBytes`. */
const entry = (fan: string, noteBytes: number, over: Record<string, unknown> = {}) => ({
  ...entryKey('big-c1', fan),
  type: 'registration',
  campaignId: 'big-c1',
  globalUserId: fan,
  email: `${fan}@example.com`,
  fields: { email: `${fan}@example.com`, markets: ['m1'], note: 'n'.repeat(noteBytes) },
  needsReplication: true,
  date: { created: T1, updated: T1, fanModified: T1 },
  ...over,
});
const bytes = (m: Message) => Buffer.byteLength(m.Body ?? '');
const body = (m: Message) => JSON.parse(m.Body!) as SaveEntriesMessage;

beforeAll(async () => {
  // The replication stack's queues as `npm start` creates them, under a fresh environment name.
  const variables = placeholderVariables(uniqueEnvironment('ms'));
  const sqsEndpoint = requireEnv('SQS_ENDPOINT');
  const model = await loadWiring({
    terraformDir: TERRAFORM_DIR,
    stacks: ['replication'],
    variables: (stack) => localStackVariables(TERRAFORM_DIR, stack, variables),
    resolver: localResolver({
      region: 'us-east-1',
      accountId: '000000000000',
      queueUrl: (name) => localQueueUrl(sqsEndpoint, name),
    }),
  });
  const index = modelIndex(model);
  const consumer = index.functionOfWorker('saveEntries').name;
  const mapping = model.mappings.find((m) => m.kind === 'sqs' && m.functionName === consumer);
  if (mapping?.kind !== 'sqs') {
    throw new Error('saveEntries has no SQS mapping in the replication stack');
  }
  saveEntriesQueue = index.queueByRef(mapping.queueArn);
  await createQueues(sqs, model.queues);

  ({
    fakes,
    reader,
    stop: stopWorld,
  } = await startReplicationWorld({
    endpoint,
    tableName,
    queueUrl: saveEntriesQueue.url,
    keys,
  }));
});

afterAll(async () => {
  await stopWorld();
  raw.destroy();
  sqs.destroy();
});

/** Stream → enqueueEntries → save-entries queue; the stream must have nothing to retry. */
async function enqueue(streamRecords: number, expectedMessages: number): Promise<Message[]> {
  const response = await enqueueEntries(await streamEvent(reader, streamRecords));
  expect(failures(response)).toEqual([]);
  const messages = await receive(
    sqs,
    saveEntriesQueue.url,
    Math.max(expectedMessages, 1),
    expectedMessages === 0 ? 1500 : 5000,
  );
  expect(messages).toHaveLength(expectedMessages);
  return messages;
}

describe('entries between 256 KiB and 1 MiB on the save-entries queue', () => {
  it('the queue Terraform defines takes what the workers assume (SQS_MAX_MESSAGE_BYTES)', () => {
    expect(saveEntriesQueue.maxMessageSizeBytes).toBe(SQS_MAX_MESSAGE_BYTES);
  });

  it('queues a ~300 KiB new registration whole, and saveEntries replicates it', async () => {
    const item = entry('fan-big-1', 300 * KIB);
    await doc.send(new PutCommand({ TableName: tableName, Item: item }));
    const [message] = await enqueue(1, 1);
    expect(bytes(message)).toBeGreaterThan(300 * KIB);
    expect(body(message)).toEqual({ operation: 'INSERT', newItem: item });

    expect(failures(await saveEntries(sqsEventOf([message], saveEntriesQueue.url)))).toEqual([]);
    expect(fakes.entries.entries.get('big-c1:fan-big-1')).toMatchObject({ fields: { note: item.fields.note } });
    await enqueue(1, 0); // saveEntries' clearing write
  });

  it('queues a fan edit of it with both ~300 KiB images (about 600 KiB) without dropping the old image', async () => {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: entryKey('big-c1', 'fan-big-1'),
        UpdateExpression: 'SET #f.note = :n, needsReplication = :t, #d.updated = :u, #d.fanModified = :u',
        ExpressionAttributeNames: { '#d': 'date', '#f': 'fields' },
        ExpressionAttributeValues: { ':n': 'e'.repeat(300 * KIB), ':t': true, ':u': T2 },
      }),
    );
    const [message] = await enqueue(1, 1);
    expect(bytes(message)).toBeGreaterThan(600 * KIB);
    const sent = body(message);
    expect(sent.operation).toBe('MODIFY');
    expect((sent.oldItem?.fields as { note: string }).note).toBe('n'.repeat(300 * KIB));

    expect(failures(await saveEntries(sqsEventOf([message], saveEntriesQueue.url)))).toEqual([]);
    expect(fakes.entries.entries.get('big-c1:fan-big-1')).toMatchObject({ date: { updated: T2 } });
    await enqueue(1, 0);
  });

  it('sends a MODIFY too large with both images without its old image, and the queue takes it', async () => {
    // Two images a table can hold (about 300 KB each) that JSON doubles (every `"` becomes `\"`):
    // together over 1 MiB, so only the shrink fallback (new image alone, about 600 KiB) can send it.
    // Built in memory: the stream hop would refuse a change record this large (1 MiB record limit).
    const quoted = (fan: string, updated: string) =>
      entry(fan, 0, { fields: { note: '"'.repeat(300 * KIB) }, date: { created: T1, updated, fanModified: updated } });
    const change: ChangeRecord = {
      sequenceNumber: '9001',
      operation: 'MODIFY',
      tableName,
      keys: entryKey('big-c1', 'fan-big-2'),
      newItem: quoted('fan-big-2', T2),
      oldItem: quoted('fan-big-2', T1),
    };
    const log = memoryLogger();
    const result = await enqueueLogic([change], {
      sendBatch: (input) => sqs.send(new SendMessageBatchCommand(input)),
      queueUrl: saveEntriesQueue.url,
      batchSize: 10,
      log,
    });
    expect({ result, warnings: log.lines.filter((l) => l.level !== 'debug') }).toEqual({
      result: { failed: [], counts: { skipped: 0, queued: 1 } },
      warnings: [],
    });
    const [message] = await receive(sqs, saveEntriesQueue.url, 1);
    expect(bytes(message)).toBeGreaterThan(600 * KIB);
    expect(body(message)).toEqual({ operation: 'MODIFY', newItem: change.newItem });
  });
});
