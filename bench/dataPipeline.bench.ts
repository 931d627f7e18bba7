/**
 * Data pipeline throughput on the local components, each worker's Lambda handler against the
 * bare client calls doing the same work, alternating in the same run (issue 31):
 * - sendData into the Kafka mock broker, for a batch of 10 and for the largest SQS batch
 *   (10,000, a standard queue with a batching window), against bare kafkajs;
 * - processData into SNS (fauxqs, with the five filtered raw-delivery queue subscriptions),
 *   against bare SNS PublishBatch of the same messages.
 * Records are shaped by processData's own formatters from realistic source documents.
 * Endpoints come from ctx.env (KAFKA_BROKERS, SQS_ENDPOINT). Runs in about a minute.
 */
import { CreateTopicCommand, PublishBatchCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { randomBytes, randomUUID } from 'node:crypto';
import { chunk, toBatches } from '../src/shared/aws/batches';
import type { DataType, TypedDataRecord } from '../src/shared/dataPipeline';
import { DATA_TYPES, kafkaMessageKey } from '../src/shared/dataPipeline';
import { createKafkaPublisher } from '../src/shared/kafka/producer';
import { silentLogger } from '../src/shared/runtime/logger';
import { traceAttributes } from '../src/shared/runtime/tracing';
import { mapLimit } from '../src/shared/util/mapLimit';
import { formatSourceRecord } from '../src/workers/dataPipeline/processData/formatters/formatters';
import { parseDataRecord } from '../src/workers/dataPipeline/processData/parseRecord';
import type { DataQueueMessage } from '../src/workers/dataPipeline/processData/processData';
import { createProcessDataHandler } from '../src/workers/dataPipeline/processData/processData';
import type { TypedQueueMessage } from '../src/workers/dataPipeline/sendData/resolveRecord';
import { createSendDataHandler, DEFAULT_MAX_SEND_BYTES } from '../src/workers/dataPipeline/sendData/sendData';
import { campaignData, marketData, registrationEntry } from '../tools/local/emulators/producers';
import { interleaved, throughput, timedPair } from '../tools/bench/stats';
import { sqsEvent } from '../tools/bench/sqsEvent';
import type { BenchContext, BenchRow } from '../tools/bench/types';

const SQS_MAX_BATCH = 10_000;
const SMALL_BATCH = 10;
/** Batches of 10 per side; the 10,000-record batch runs LARGE_BATCHES times per side. */
const SMALL_BATCHES = 600;
const LARGE_BATCHES = 6;
const PROCESS_DATA_MESSAGES = 700;
/** Rounds over processData's messages; every SQS batch of a round runs beside its bare requests. */
const ROUNDS = 6;

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

/**
 * The trace a record carries on, as the worker stamps it: the baselines send the same Kafka
 * headers and SNS message attributes, so both sides put the same bytes on the wire and the
 * ratio is the worker's own work.
 */
const recordTrace = () => ({
  traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
  correlationId: randomUUID(),
});

const perSecond = (records: number, ms: number) => Math.round((records / ms) * 1000);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** The SQS event of typed-queue messages, as the typed queues deliver them (raw delivery, `type` attribute). */
const typedEvent = (messages: TypedQueueMessage[]) =>
  sqsEvent(
    messages.map((m) => ({ messageId: m.messageId, body: JSON.stringify(m.body), attributes: m.messageAttributes })),
  );

/** Throws when a handler reported any record failed: a bench figure must come from records that went through. */
function allSent(worker: string, response: { batchItemFailures: unknown[] }): void {
  if (response.batchItemFailures.length > 0) {
    throw new Error(`${worker} benchmark: ${response.batchItemFailures.length} records failed`);
  }
}

/**
 * sendData (its Lambda handler: parse, validate, key, group by topic, one send per topic split
 * at 900 KB) against bare kafkajs sending the same keyed records to the same topics in the same
 * sends, with the worker's producer settings (acks all, gzip, no idempotence, same retries).
 */
async function benchSendData(ctx: BenchContext, brokers: string[]): Promise<BenchRow[]> {
  const settings = { connectionTimeoutMs: 3000, requestTimeoutMs: 30000, retries: 2 };
  const publisher = createKafkaPublisher({
    brokers,
    clientId: 'bench-send-data',
    ssl: false,
    loadCertificate: async () => {
      throw new Error('no certificate locally');
    },
    ...settings,
    log: silentLogger,
  });
  const kafka = new Kafka({
    clientId: 'bench-raw-kafkajs',
    brokers,
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    retry: { retries: settings.retries, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  });
  const raw = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: false,
    retry: { retries: settings.retries },
  });
  const topics = Object.fromEntries(DATA_TYPES.map((t) => [t, name(`bench-${t}`)])) as Record<DataType, string>;
  const handler = createSendDataHandler(() => ({ publisher, topics, log: silentLogger }), { log: silentLogger });

  /** What the worker sends for `messages`: per topic, keyed JSON records in sends of at most 900 KB. */
  const rawSends = (messages: TypedQueueMessage[]) => {
    const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
    for (const m of messages) {
      const typed = { type: m.messageAttributes.type, record: m.body } as TypedDataRecord;
      const list = byTopic.get(topics[typed.type]) ?? [];
      list.push({
        key: kafkaMessageKey(typed.type, typed.record),
        value: JSON.stringify(typed.record),
        headers: recordTrace(),
      });
      byTopic.set(topics[typed.type], list);
    }
    return [...byTopic].map(([topic, list]) => ({
      topic,
      chunks: toBatches(list, {
        maxBytes: DEFAULT_MAX_SEND_BYTES,
        bytesOf: (r) => r.value.length + r.key.length + 128,
      }),
    }));
  };
  const sendRaw = (sends: ReturnType<typeof rawSends>) =>
    Promise.all(
      sends.map(async ({ topic, chunks }) => {
        for (const messages of chunks) {
          await raw.send({ topic, messages, acks: -1, compression: CompressionTypes.GZIP });
        }
      }),
    );

  try {
    await raw.connect();
    // Warm-up: connect, create the topics (the mock creates them on first produce), compile the validators.
    const warm = typedQueueMessages(20);
    allSent('sendData', await handler(typedEvent(warm)));
    await sendRaw(rawSends(warm));

    const rows: BenchRow[] = [];
    for (const { size, batches } of [
      { size: SMALL_BATCH, batches: SMALL_BATCHES },
      { size: SQS_MAX_BATCH, batches: LARGE_BATCHES },
    ]) {
      ctx.progress(`sendData: ${batches} batches of ${size}, each beside the same sends with bare kafkajs`);
      const messages = typedQueueMessages(size);
      const event = typedEvent(messages);
      const sends = rawSends(messages);
      // Batch by batch, so both sides see the same machine load; throughput over all batches.
      const times = await interleaved(
        batches,
        async () => allSent('sendData', await handler(event)),
        () => sendRaw(sends),
      );
      const avgBytes = Math.round(messages.reduce((n, m) => n + JSON.stringify(m.body).length, 0) / size);
      rows.push({
        name: `sendData, batch of ${size}${size === SQS_MAX_BATCH ? ' (SQS maximum)' : ''}`,
        value: Math.round(throughput(size, times.worker)),
        unit: 'records/s',
        baseline: {
          name: 'bare kafkajs, same sends and settings',
          value: Math.round(throughput(size, times.baseline)),
        },
        summary: { atLeast: 0.8 },
        notes: `${batches} batches each side, alternating batch by batch; registration + registeredMarket records (~${avgBytes} B) to ${sends.length} topics; the handler parses, validates, strips and keys each record and stamps its trace; both send the trace headers, gzip, acks all, one send per topic split at 900 KB`,
      });
    }
    return rows;
  } finally {
    await publisher.disconnect();
    await raw.disconnect();
  }
}

/**
 * processData (its Lambda handler: parse, format, strip secrets, PublishBatch of 10 with 8 in
 * flight) against bare SNS PublishBatch of the same formatted messages in the same requests.
 */
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
    const concurrency = 8;
    const handler = createProcessDataHandler(
      () => ({ sns, topicArn, batchSize: SMALL_BATCH, concurrency, log: silentLogger }),
      { log: silentLogger },
    );
    const toEvent = (messages: DataQueueMessage[]) =>
      sqsEvent(messages.map((m) => ({ messageId: m.messageId, body: JSON.stringify(m.body) })));
    /** The PublishBatch requests the worker makes for one SQS batch, formatted beforehand. */
    const toRequests = (messages: DataQueueMessage[]) =>
      chunk(
        messages.flatMap((m) => formatSourceRecord(parseDataRecord(m.body), new Date().toISOString()).records),
        SMALL_BATCH,
      ).map((records) => ({
        TopicArn: topicArn,
        PublishBatchRequestEntries: records.map((r, i) => ({
          Id: `m${i}`,
          Message: JSON.stringify(r.record),
          MessageAttributes: {
            type: { DataType: 'String', StringValue: r.type },
            ...traceAttributes(recordTrace()),
          },
        })),
      }));
    allSent('processData', await handler(toEvent(dataQueueMessages(20))));

    ctx.progress(
      `processData: ${PROCESS_DATA_MESSAGES} data-queue messages in batches of ${SMALL_BATCH} against bare PublishBatch, ${ROUNDS} alternating rounds`,
    );
    const batches = chunk(dataQueueMessages(PROCESS_DATA_MESSAGES), SMALL_BATCH);
    const events = batches.map(toEvent);
    const requests = batches.map(toRequests);
    const records = requests.flat().reduce((n, r) => n + r.PublishBatchRequestEntries.length, 0);
    let published = 0;
    const times = { worker: [] as number[], baseline: [] as number[] };
    // SQS batch by SQS batch, each beside its own requests made bare, so both see the same load.
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < events.length; i++) {
        const pair = await timedPair(
          round * events.length + i,
          async () => allSent('processData', await handler(events[i])),
          () =>
            mapLimit(requests[i], concurrency, async (input) => {
              const out = await sns.send(new PublishBatchCommand(input));
              published += out.Successful?.length ?? 0;
            }),
        );
        times.worker.push(pair.worker);
        times.baseline.push(pair.baseline);
      }
    }
    if (published !== records * ROUNDS) {
      throw new Error(`processData baseline: ${published} of ${records * ROUNDS} messages published`);
    }
    return [
      {
        name: `processData, batches of ${SMALL_BATCH} into SNS (fauxqs)`,
        value: perSecond(records * ROUNDS, sum(times.worker)),
        unit: 'records/s',
        baseline: {
          name: 'bare SNS PublishBatch, same requests',
          value: perSecond(records * ROUNDS, sum(times.baseline)),
        },
        summary: { atLeast: 0.8 },
        notes: `${ROUNDS} rounds of ${PROCESS_DATA_MESSAGES} messages → ${records} records (registrations fan out to registeredMarkets); the handler parses, formats, strips and dedupe-hashes each record and stamps its trace; each SQS batch beside its own requests made bare, alternating; both send the type and trace attributes, PublishBatch of 10, ${concurrency} in flight; 5 filtered raw-delivery subscriptions`,
      },
      {
        name: `processData, batches of ${SMALL_BATCH} into SNS (fauxqs), messages`,
        value: perSecond(PROCESS_DATA_MESSAGES * ROUNDS, sum(times.worker)),
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
