/**
 * Replication throughput on the local components, at the batch sizes the event source mappings
 * deliver (DECISIONS.md D): enqueueEntries with 500 stream records (real KinesisStreamEvents
 * read from DynamoDB Local's stream) into a fauxqs queue, beside a naive baseline of one
 * SendMessage per record; saveEntries with 10 SQS messages (consistent GetItem per entry, one
 * Entry Service request, conditional clear of the flag) into the Entry Service fake, beside a
 * naive baseline of one Entry Service request per entry. Both run behind their Lambda adapters.
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
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
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
import { parseSaveEntryMessage } from '../src/workers/replication/saveEntries/message';
import { saveEntries } from '../src/workers/replication/saveEntries/saveEntries';
import { openStreamReader } from '../tools/local/dynamoStream';
import type { StreamReader } from '../tools/local/dynamoStream';
import { createDemandTable } from '../tools/local/emulators/dynamodb';
import { startServiceFakes } from '../tools/local/emulators/fakes';
import { localQueueUrl } from '../tools/local/emulators/sqs';
import { median } from '../tools/bench/stats';
import type { BenchContext, BenchRow } from '../tools/bench/types';

const STREAM_BATCH = 500;
const STREAM_ROUNDS = 5;
const SQS_BATCH = 10;
const SAVE_BATCHES = 50;
const NAIVE_SENDS_PER_ROUND = 100;

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

const sqsEvent = (messages: Message[]): SQSEvent => ({
  Records: messages.map((m) => ({
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body!,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:save-entries',
    awsRegion: 'us-east-1',
  })),
});

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const endpoint = ctx.env.DYNAMODB_ENDPOINT!;
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
    const sendBatch = (input: ConstructorParameters<typeof SendMessageBatchCommand>[0]) =>
      sqs.send(new SendMessageBatchCommand(input));
    const enqueue = streamBatchHandler({
      worker: 'enqueueEntries',
      log: silentLogger,
      process: (changes) => enqueueEntries(changes, { sendBatch, queueUrl, batchSize: 10, log: silentLogger }),
    });

    // The naive baseline runs between the measured batches, so both see the same machine load.
    const naiveQueue = name('bench-naive');
    await sqs.send(new CreateQueueCommand({ QueueName: naiveQueue }));
    const naiveUrl = localQueueUrl(ctx.env.SQS_ENDPOINT!, naiveQueue);
    const naiveBody = JSON.stringify({ operation: 'INSERT', newItem: registration('naive', 'fan') });
    const enqueueRates: number[] = [];
    const naiveSendRates: number[] = [];
    for (let round = 0; round < STREAM_ROUNDS; round++) {
      ctx.progress(
        `enqueueEntries round ${round + 1}/${STREAM_ROUNDS}: ${STREAM_BATCH} entries, then ${NAIVE_SENDS_PER_ROUND} single sends`,
      );
      const result = await table.batchPut(
        Array.from({ length: STREAM_BATCH }, (_, i) => registration(`c${round}`, `fan-${i}`)),
      );
      if (result.unprocessed.length > 0) {
        throw new Error(`${result.unprocessed.length} entries were not written`);
      }
      const event = await streamEvent(reader, STREAM_BATCH);
      const started = performance.now();
      const response = await enqueue(event);
      enqueueRates.push(STREAM_BATCH / ((performance.now() - started) / 1000));
      if (response.batchItemFailures.length > 0) {
        throw new Error(`enqueueEntries failed ${response.batchItemFailures.length} records`);
      }
      const naiveStarted = performance.now();
      for (let i = 0; i < NAIVE_SENDS_PER_ROUND; i++) {
        await sqs.send(new SendMessageCommand({ QueueUrl: naiveUrl, MessageBody: naiveBody }));
      }
      naiveSendRates.push(NAIVE_SENDS_PER_ROUND / ((performance.now() - naiveStarted) / 1000));
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
    const save = (batchSize: number) =>
      sqsBatchHandler({
        worker: 'saveEntries',
        log: silentLogger,
        parse: parseSaveEntryMessage,
        process: (messages) => saveEntries(messages, { table, entries, batchSize, log: silentLogger }),
      });
    const batched = save(25);
    const naive = save(1);
    const saveDurations: number[] = [];
    const naiveSaveDurations: number[] = [];
    ctx.progress(
      `saveEntries: ${SAVE_BATCHES} batches of ${SQS_BATCH}, alternating with one-request-per-entry batches`,
    );
    for (let i = 0; i < SAVE_BATCHES * 2; i++) {
      const event = sqsEvent(await receiveBatch(sqs, queueUrl, SQS_BATCH));
      const handler = i % 2 === 0 ? batched : naive;
      const started = performance.now();
      const response = await handler(event);
      (i % 2 === 0 ? saveDurations : naiveSaveDurations).push(performance.now() - started);
      if (response.batchItemFailures.length > 0) {
        throw new Error(`saveEntries failed ${response.batchItemFailures.length} messages`);
      }
    }
    const rate = (durations: number[]) =>
      (SQS_BATCH * durations.length) / (durations.reduce((a, b) => a + b, 0) / 1000);

    return [
      {
        name: `enqueueEntries, stream batch of ${STREAM_BATCH}`,
        value: median(enqueueRates),
        unit: 'records/s',
        baseline: { name: 'one SendMessage per record', value: median(naiveSendRates) },
        notes: `median of ${STREAM_ROUNDS} batches; SendMessageBatch of 10, 10 requests in flight`,
      },
      {
        name: `enqueueEntries, one stream batch of ${STREAM_BATCH}`,
        value: (STREAM_BATCH / median(enqueueRates)) * 1000,
        unit: 'ms',
        notes: 'handler time per batch (the Lambda timeout is 30 s)',
      },
      {
        name: `saveEntries, SQS batch of ${SQS_BATCH}`,
        value: rate(saveDurations),
        unit: 'messages/s',
        baseline: { name: 'one Entry Service request per entry', value: rate(naiveSaveDurations) },
        notes: `${SAVE_BATCHES} batches: consistent GetItem, one /v2/entries request, conditional UpdateItem per entry`,
      },
      {
        name: `saveEntries, one SQS batch of ${SQS_BATCH} (median)`,
        value: median(saveDurations),
        unit: 'ms',
      },
    ];
  } finally {
    reader.close();
    await fakes.stop();
    sqs.destroy();
    dynamo.destroy();
  }
}
