/**
 * Data pipeline throughput on the local components:
 * - sendData's pure function into the Kafka mock broker, for a batch of 10 and for the largest
 *   SQS batch (10,000, a standard queue with a batching window), beside a naive baseline of one
 *   Kafka send per record measured in the same run;
 * - processData's pure function into SNS (fauxqs, with the five filtered raw-delivery queue
 *   subscriptions), beside a naive baseline of one SNS Publish per record.
 * Records are shaped by processData's own formatters from realistic source documents.
 * Endpoints come from ctx.env (KAFKA_BROKERS, SQS_ENDPOINT). Runs in about 15 s.
 */
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import type { DataType, TypedDataRecord } from '../src/shared/dataPipeline';
import { DATA_TYPES, kafkaMessageKey } from '../src/shared/dataPipeline';
import { createKafkaPublisher } from '../src/shared/kafka/producer';
import { silentLogger } from '../src/shared/runtime/logger';
import { formatSourceRecord } from '../src/workers/dataPipeline/processData/formatters/formatters';
import { parseDataRecord } from '../src/workers/dataPipeline/processData/parseRecord';
import type { DataQueueMessage } from '../src/workers/dataPipeline/processData/processData';
import { processDataRecords } from '../src/workers/dataPipeline/processData/processData';
import type { TypedQueueMessage } from '../src/workers/dataPipeline/sendData/resolveRecord';
import { sendDataRecords } from '../src/workers/dataPipeline/sendData/sendData';
import { campaignData, marketData, registrationEntry } from '../tools/local/emulators/producers';
import type { BenchContext, BenchRow } from '../tools/bench/types';

const SQS_MAX_BATCH = 10_000;
const SMALL_BATCH = 10;
const SMALL_BATCH_RUNS = 100;
const LARGE_BATCH_RUNS = 1;
const NAIVE_KAFKA_RECORDS = 500;
const PROCESS_DATA_MESSAGES = 700;
const NAIVE_SNS_RECORDS = 200;
/** Each figure is the median of this many trials, so one noisy trial on a shared machine does not set it. */
const TRIALS = 3;

const name = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

/** Data-queue bodies: 1 campaign and 1 market per 8 registrations (each registration yields 3 registeredMarkets). */
function dataQueueMessages(count: number): DataQueueMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const body =
      i % 10 === 0
        ? { type: 'CAMPAIGN', data: campaignData(`c${i}`) }
        : i % 10 === 1
          ? { type: 'MARKET', data: marketData('c1', `m${i}`) }
          : { type: 'REGISTRATION', data: registrationEntry('c1', `g${i}`) };
    return { messageId: `dq-${i}`, body };
  });
}

/** Typed-queue messages (what sendData receives), from processData's formatters: 1 registration per 3 registeredMarkets. */
function typedQueueMessages(count: number): TypedQueueMessage[] {
  const out: TypedQueueMessage[] = [];
  for (let i = 0; out.length < count; i++) {
    const source = parseDataRecord({ type: 'registration', data: registrationEntry('c1', `g${i}`) });
    for (const r of formatSourceRecord(source, new Date().toISOString()).records) {
      out.push({ messageId: `tq-${out.length}`, body: r.record, messageAttributes: { type: r.type } });
    }
  }
  return out.slice(0, count);
}

const perSecond = (records: number, ms: number) => Math.round((records / ms) * 1000);

/** Median duration (ms) of TRIALS runs of `fn`. */
async function timed(fn: () => Promise<void>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const started = performance.now();
    await fn();
    runs.push(performance.now() - started);
  }
  return runs.sort((a, b) => a - b)[Math.floor(TRIALS / 2)];
}

async function benchSendData(ctx: BenchContext, brokers: string[]): Promise<BenchRow[]> {
  const publisher = createKafkaPublisher({
    brokers,
    clientId: 'bench-send-data',
    ssl: false,
    loadCertificate: async () => {
      throw new Error('no certificate locally');
    },
    connectionTimeoutMs: 3000,
    requestTimeoutMs: 30000,
    log: silentLogger,
  });
  const topics = Object.fromEntries(DATA_TYPES.map((t) => [t, name(`bench-${t}`)])) as Record<DataType, string>;
  const deps = { publisher, topics, log: silentLogger };
  try {
    // Warm-up: connect, create the topics (the mock creates them on first produce).
    await sendDataRecords(typedQueueMessages(20), deps);

    ctx.progress(`sendData: ${SMALL_BATCH_RUNS} batches of ${SMALL_BATCH}, ${TRIALS} trials`);
    const small = typedQueueMessages(SMALL_BATCH);
    let failed = 0;
    const smallMs = await timed(async () => {
      for (let i = 0; i < SMALL_BATCH_RUNS; i++) {
        failed += (await sendDataRecords(small, deps)).failed.length;
      }
    });

    ctx.progress(`sendData: ${LARGE_BATCH_RUNS} batch of ${SQS_MAX_BATCH}, ${TRIALS} trials`);
    const large = typedQueueMessages(SQS_MAX_BATCH);
    const largeMs = await timed(async () => {
      for (let i = 0; i < LARGE_BATCH_RUNS; i++) {
        failed += (await sendDataRecords(large, deps)).failed.length;
      }
    });
    if (failed > 0) {
      throw new Error(`sendData benchmark: ${failed} records failed`);
    }

    ctx.progress(`naive baseline: ${NAIVE_KAFKA_RECORDS} records, one send each`);
    const naive = typedQueueMessages(NAIVE_KAFKA_RECORDS).map((m) => {
      const typed = { type: m.messageAttributes.type, record: m.body } as TypedDataRecord;
      return {
        topic: topics[typed.type],
        key: kafkaMessageKey(typed.type, typed.record),
        value: JSON.stringify(typed.record),
      };
    });
    const naiveMs = await timed(async () => {
      for (const m of naive) {
        await publisher.send(m.topic, [{ key: m.key, value: m.value }]);
      }
    });
    const baseline = { name: 'one Kafka send per record', value: perSecond(NAIVE_KAFKA_RECORDS, naiveMs) };
    const avgBytes = Math.round(large.reduce((n, m) => n + JSON.stringify(m.body).length, 0) / large.length);
    return [
      {
        name: `sendData, batch of ${SMALL_BATCH}`,
        value: perSecond(SMALL_BATCH * SMALL_BATCH_RUNS, smallMs),
        unit: 'records/s',
        baseline,
        notes: `median of ${TRIALS} trials of ${SMALL_BATCH_RUNS} batches; registration + registeredMarket records (~${avgBytes} B), validated, keyed, gzip, acks all`,
      },
      {
        name: `sendData, batch of ${SQS_MAX_BATCH} (SQS maximum)`,
        value: perSecond(SQS_MAX_BATCH * LARGE_BATCH_RUNS, largeMs),
        unit: 'records/s',
        baseline,
        notes: `median of ${TRIALS} trials; one send per topic split at 900 KB per send; baseline measured over ${NAIVE_KAFKA_RECORDS} records`,
      },
    ];
  } finally {
    await publisher.disconnect();
  }
}

async function benchProcessData(ctx: BenchContext, endpoint: string): Promise<BenchRow[]> {
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }; // throwaway, emulator only
  const sns = new SNSClient({ endpoint, region, credentials, maxAttempts: 1 });
  const sqs = new SQSClient({ endpoint, region, credentials, maxAttempts: 1 });
  try {
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: name('bench-data-sns') }))).TopicArn!;
    for (const type of DATA_TYPES) {
      const queueName = name(`bench-${type}`);
      await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
      const url = `${endpoint.replace(/\/$/, '')}/000000000000/${queueName}`;
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
        .Attributes!.QueueArn!;
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: arn,
          Attributes: { FilterPolicy: JSON.stringify({ type: [type] }), RawMessageDelivery: 'true' },
        }),
      );
    }
    const deps = { sns, topicArn, batchSize: 10, log: silentLogger };
    await processDataRecords(dataQueueMessages(20), deps);

    ctx.progress(`processData: ${PROCESS_DATA_MESSAGES} data-queue messages in batches of ${SMALL_BATCH}`);
    const messages = dataQueueMessages(PROCESS_DATA_MESSAGES);
    let records = 0;
    let failed = 0;
    const ms = await timed(async () => {
      for (let i = 0; i < messages.length; i += SMALL_BATCH) {
        const result = await processDataRecords(messages.slice(i, i + SMALL_BATCH), deps);
        records += (result.counts?.published ?? 0) / TRIALS;
        failed += result.failed.length;
      }
    });
    if (failed > 0) {
      throw new Error(`processData benchmark: ${failed} messages failed`);
    }

    ctx.progress(`naive baseline: ${NAIVE_SNS_RECORDS} records, one Publish each`);
    const naive = dataQueueMessages(NAIVE_SNS_RECORDS).flatMap(
      (m) => formatSourceRecord(parseDataRecord(m.body), new Date().toISOString()).records,
    );
    const naiveMs = await timed(async () => {
      for (const r of naive) {
        await sns.send(
          new PublishCommand({
            TopicArn: topicArn,
            Message: JSON.stringify(r.record),
            MessageAttributes: { type: { DataType: 'String', StringValue: r.type } },
          }),
        );
      }
    });
    return [
      {
        name: `processData, batches of ${SMALL_BATCH} into SNS (fauxqs)`,
        value: perSecond(records, ms),
        unit: 'records/s',
        baseline: { name: 'one SNS Publish per record', value: perSecond(naive.length, naiveMs) },
        notes: `median of ${TRIALS} trials of ${PROCESS_DATA_MESSAGES} messages → ${Math.round(records)} records (registrations fan out to registeredMarkets); PublishBatch of 10, 8 in flight; 5 filtered raw-delivery subscriptions`,
      },
      {
        name: `processData, batches of ${SMALL_BATCH} into SNS (fauxqs), messages`,
        value: perSecond(PROCESS_DATA_MESSAGES, ms),
        unit: 'messages/s',
      },
    ];
  } finally {
    sns.destroy();
    sqs.destroy();
  }
}

/** Benchmark entry point (see tools/bench/types.ts). */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const brokers = (ctx.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const endpoint = ctx.env.SQS_ENDPOINT ?? '';
  if (brokers.length === 0 || !endpoint) {
    throw new Error('dataPipeline bench needs KAFKA_BROKERS and SQS_ENDPOINT in ctx.env');
  }
  return [...(await benchSendData(ctx, brokers)), ...(await benchProcessData(ctx, endpoint))];
}
