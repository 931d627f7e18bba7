/**
 * Replication throughput on the local components, at the batch sizes the event source mappings
 * deliver (DECISIONS.md D), each worker behind its Lambda adapter against the bare client calls
 * doing the same work, alternating in the same run (issue 31):
 * - enqueueEntries with 500 stream records (real KinesisStreamEvents read from DynamoDB Local's
 *   stream) into a fauxqs queue, against bare SendMessageBatch of the same entries (the requests
 *   the worker made, replayed: 10 per request, 10 in flight);
 * - saveEntries with 10 SQS messages (consistent GetItem per entry, one Entry Service request,
 *   conditional clear of the flag) into the Entry Service fake, against the same three calls
 *   made bare (GetCommand, fetch, UpdateCommand) for another batch of the same shape.
 * Runs in about 30 s.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Message } from '@aws-sdk/client-sqs';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent } from 'aws-lambda';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createDemandTable as demandTableRepository } from '../src/shared/aws/demandTable';
import { entryKey } from '../src/shared/aws/keys';
import { silentLogger } from '../src/shared/runtime/logger';
import { sqsBatchHandler } from '../src/shared/runtime/sqs';
import { streamBatchHandler } from '../src/shared/runtime/stream';
import { createEntryService } from '../src/shared/services/entries';
import { createServiceClient } from '../src/shared/services/http';
import { createTokenProvider } from '../src/shared/services/jwt';
import { enqueueEntries } from '../src/workers/replication/enqueueEntries/enqueueEntries';
import type { SaveEntryRecord } from '../src/workers/replication/saveEntries/message';
import { parseSaveEntryMessage } from '../src/workers/replication/saveEntries/message';
import { saveEntries, toEntryUpsert } from '../src/workers/replication/saveEntries/saveEntries';
import { mapLimit } from '../src/shared/util/mapLimit';
import { openStreamReader } from '../tools/local/dynamoStream';
import type { StreamReader } from '../tools/local/dynamoStream';
import { createDemandTable, startDynamoDb } from '../tools/local/emulators/dynamodb';
import { startServiceFakes } from '../tools/local/emulators/fakes';
import { localQueueUrl } from '../tools/local/emulators/sqs';
import { sqsEvent } from '../tools/bench/sqsEvent';
import { median, throughput, timedPair } from '../tools/bench/stats';
import type { BenchContext, BenchRow } from '../tools/bench/types';

const STREAM_BATCH = 500;
const STREAM_ROUNDS = 20;
const SQS_BATCH = 10;
const SAVE_BATCHES = 50;

const name = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const registration = (campaignId: string, fan: string) => ({
  ...entryKey(campaignId, fan),
  type: 'registration',
  campaignId,
  globalUserId: fan,
  email: `${fan}@example.com`,
  phoneNumber: '+12125550123',
  fields: { email: `${fan}@example.com`, markets: ['m1', 'm2', 'm3'], allow_marketing: true, allow_livenation: false },
  origin: { ip: { address: '203.0.113.7', country: 'US' }, userAgent: 'Mozilla/5.0 (bench)' },
  needsReplication: true,
  date: { created: '2026-05-01T10:00:00Z', updated: '2026-05-01T10:00:00Z', fanModified: '2026-05-01T10:00:00Z' },
});

async function streamEvent(reader: StreamReader, count: number): Promise<KinesisStreamEvent> {
  const records: KinesisStreamEvent['Records'] = [];
  const deadline = Date.now() + 30000;
  while (records.length < count) {
    if (Date.now() > deadline) {
      throw new Error(`stream gave ${records.length} of ${count} records`);
    }
    records.push(...(await reader.read()));
  }
  return { Records: records };
}

async function receiveBatch(sqs: SQSClient, queueUrl: string, count: number): Promise<Message[]> {
  const got: Message[] = [];
  while (got.length < count) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: count - got.length, WaitTimeSeconds: 1 }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) {
      throw new Error(`queue ran dry after ${got.length} messages`);
    }
    got.push(...messages);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return got;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  // A DynamoDB Local of its own, as notification's: its 10,500 writes (and their stream records)
  // would slow the shared one for the modules after it.
  const dynamoDbLocal = await startDynamoDb({ useExisting: false });
  try {
    return await measure(ctx, dynamoDbLocal.endpoint);
  } finally {
    await dynamoDbLocal.stop();
  }
}

async function measure(ctx: BenchContext, endpoint: string): Promise<BenchRow[]> {
  const tableName = name('bench-replication');
  await createDemandTable(endpoint, tableName);
  const dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const table = demandTableRepository(doc, tableName);
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: ctx.env.SQS_ENDPOINT!, credentials });
  const queueName = name('bench-save-entries');
  await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  const queueUrl = localQueueUrl(ctx.env.SQS_ENDPOINT!, queueName);
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const fakes = await startServiceFakes({ publicKey: keys.publicKey });
  const reader = await openStreamReader({ endpoint, tableName, from: 'LATEST' });
  try {
    /** The worker's SendMessageBatch requests of the last batch, which the baseline replays. */
    let sent: SendMessageBatchCommandInput[] = [];
    const sendBatch = (input: SendMessageBatchCommandInput) => {
      sent.push(input);
      return sqs.send(new SendMessageBatchCommand(input));
    };
    const enqueue = streamBatchHandler({
      worker: 'enqueueEntries',
      log: silentLogger,
      process: (changes) => enqueueEntries(changes, { sendBatch, queueUrl, batchSize: 10, log: silentLogger }),
    });
    const replayQueue = name('bench-raw-send');
    await sqs.send(new CreateQueueCommand({ QueueName: replayQueue }));
    const replayUrl = localQueueUrl(ctx.env.SQS_ENDPOINT!, replayQueue);
    let replayed = 0;
    /** Bare SendMessageBatch of the same entries as the worker's last batch, 10 requests in flight like the worker. */
    const replay = (requests: SendMessageBatchCommandInput[]) =>
      mapLimit(requests, 10, async (input) => {
        const out = await sqs.send(new SendMessageBatchCommand({ ...input, QueueUrl: replayUrl }));
        replayed += out.Successful?.length ?? 0;
      });

    const streamBatch = async (round: number) => {
      const result = await table.batchPut(
        Array.from({ length: STREAM_BATCH }, (_, i) => registration(`c${round}`, `fan-${i}`)),
      );
      if (result.unprocessed.length > 0) {
        throw new Error(`${result.unprocessed.length} entries were not written`);
      }
      return streamEvent(reader, STREAM_BATCH);
    };
    const runEnqueue = async (event: KinesisStreamEvent) => {
      sent = [];
      const response = await enqueue(event);
      if (response.batchItemFailures.length > 0) {
        throw new Error(`enqueueEntries failed ${response.batchItemFailures.length} records`);
      }
    };
    // Warm-up, which also gives the baseline its first requests to replay.
    await runEnqueue(await streamBatch(STREAM_ROUNDS));
    const enqueueMs: number[] = [];
    const sendMs: number[] = [];
    for (let round = 0; round < STREAM_ROUNDS; round++) {
      ctx.progress(
        `enqueueEntries round ${round + 1}/${STREAM_ROUNDS}: ${STREAM_BATCH} entries, and their requests bare`,
      );
      const event = await streamBatch(round);
      // The baseline replays the requests of the batch the worker sent last (this one or the one before).
      const times = await timedPair(
        round,
        () => runEnqueue(event),
        () => replay(sent),
      );
      enqueueMs.push(times.worker);
      sendMs.push(times.baseline);
    }
    if (replayed < STREAM_BATCH * STREAM_ROUNDS) {
      throw new Error(`the bare baseline sent ${replayed} of ${STREAM_BATCH * STREAM_ROUNDS} messages`);
    }

    const tokenProvider = createTokenProvider({
      worker: 'saveEntries',
      issuer: 'reg-workers',
      ttlSeconds: 3600,
      loadPrivateKey: async () => keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    const entries = createEntryService(
      createServiceClient({
        service: 'entries',
        baseUrl: fakes.urls.entries,
        timeoutMs: 5000,
        retries: 3,
        backoffBaseMs: 20,
        backoffMaxMs: 200,
        getToken: tokenProvider,
      }),
    );
    const save = sqsBatchHandler({
      worker: 'saveEntries',
      log: silentLogger,
      parse: parseSaveEntryMessage,
      process: (messages) => saveEntries(messages, { table, entries, batchSize: 25, log: silentLogger }),
    });
    const token = await tokenProvider();
    /** The calls saveEntries makes for a batch, made bare: consistent GetItem each, one POST, conditional UpdateItem each. */
    const phases = { read: [] as number[], request: [] as number[], clear: [] as number[] };
    const bareSave = async (records: SaveEntryRecord[], body: string) => {
      let mark = performance.now();
      const lap = (phase: number[]) => {
        const now = performance.now();
        phase.push(now - mark);
        mark = now;
      };
      await Promise.all(
        records.map((r) =>
          doc.send(new GetCommand({ TableName: tableName, Key: { PK: r.key.PK, SK: r.key.SK }, ConsistentRead: true })),
        ),
      );
      lap(phases.read);
      const response = await fetch(`${fakes.urls.entries}/v2/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      const result = (await response.json()) as { data?: { upsertedCount?: number } };
      if (!response.ok || result.data?.upsertedCount !== records.length) {
        throw new Error(`bare /v2/entries: HTTP ${response.status}, ${JSON.stringify(result)}`);
      }
      lap(phases.request);
      await Promise.all(
        records.map((r) =>
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { PK: r.key.PK, SK: r.key.SK },
              UpdateExpression: 'SET needsReplication = :false',
              ConditionExpression: '#date.#updated = :updated',
              ExpressionAttributeNames: { '#date': 'date', '#updated': 'updated' },
              ExpressionAttributeValues: { ':false': false, ':updated': r.updated },
            }),
          ),
        ),
      );
      lap(phases.clear);
    };
    const saveMs: number[] = [];
    const bareMs: number[] = [];
    ctx.progress(`saveEntries: ${SAVE_BATCHES} batches of ${SQS_BATCH}, alternating with the same calls made bare`);
    for (let i = 0; i < SAVE_BATCHES; i++) {
      const event = sqsEvent(
        (await receiveBatch(sqs, queueUrl, SQS_BATCH)).map((m) => ({ messageId: m.MessageId!, body: m.Body! })),
      );
      const records = (await receiveBatch(sqs, queueUrl, SQS_BATCH)).map((m) =>
        parseSaveEntryMessage(JSON.parse(m.Body!)),
      );
      const body = JSON.stringify({ entries: records.map(toEntryUpsert), deletions: [] });
      const times = await timedPair(
        i,
        async () => {
          const response = await save(event);
          if (response.batchItemFailures.length > 0) {
            throw new Error(`saveEntries failed ${response.batchItemFailures.length} messages`);
          }
        },
        () => bareSave(records, body),
      );
      saveMs.push(times.worker);
      bareMs.push(times.baseline);
    }
    return [
      {
        name: `enqueueEntries, stream batch of ${STREAM_BATCH}`,
        value: throughput(STREAM_BATCH, enqueueMs),
        unit: 'records/s',
        baseline: { name: 'bare SendMessageBatch of the same entries', value: throughput(STREAM_BATCH, sendMs) },
        summary: { atLeast: 0.8 },
        notes: `${STREAM_ROUNDS} batches, each beside its own requests replayed bare, alternating; the worker reads the change records, decides, serialises; both SendMessageBatch of 10, 10 requests in flight`,
      },
      {
        name: `enqueueEntries, one stream batch of ${STREAM_BATCH}`,
        value: median(enqueueMs),
        unit: 'ms',
        notes: 'handler time per batch (the Lambda timeout is 30 s)',
      },
      {
        name: `saveEntries, SQS batch of ${SQS_BATCH}`,
        value: throughput(SQS_BATCH, saveMs),
        unit: 'messages/s',
        baseline: { name: 'the same calls made bare', value: throughput(SQS_BATCH, bareMs) },
        summary: { atLeast: 0.7 },
        notes: `${SAVE_BATCHES} batches each side, alternating: ${SQS_BATCH} consistent GetItem in parallel, one /v2/entries request, ${SQS_BATCH} conditional UpdateItem in parallel`,
      },
      {
        name: `saveEntries, one SQS batch of ${SQS_BATCH} (median)`,
        value: median(saveMs),
        unit: 'ms',
        baseline: { name: 'the same calls made bare', value: median(bareMs) },
        notes: `where a batch's time goes, bare medians: ${SQS_BATCH} GetItem in parallel ${median(phases.read).toFixed(1)} ms, the /v2/entries request ${median(phases.request).toFixed(1)} ms, ${SQS_BATCH} UpdateItem in parallel ${median(phases.clear).toFixed(1)} ms: the calls are already batched or parallel, and the worker adds ${(median(saveMs) - median(bareMs)).toFixed(1)} ms`,
      },
    ];
  } finally {
    reader.close();
    await fakes.stop();
    sqs.destroy();
    dynamo.destroy();
  }
}
