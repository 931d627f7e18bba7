/**
 * Failure semantics of the data pipeline on the local components: Kafka outage and recovery,
 * invalid input at both stages, duplicate deliveries, an unreachable SNS topic.
 */
import net from 'node:net';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DataType } from '../../../src/shared/dataPipeline';
import { createKafkaPublisher } from '../../../src/shared/kafka/producer';
import type { Logger } from '../../../src/shared/runtime/logger';
import { sqsEventOf } from '../../harness/sqs';
import { memoryLogger } from '../../doubles/runtime';
import { createProcessDataHandler } from '../../../src/workers/dataPipeline/processData/processData';
import { createSendDataHandler } from '../../../src/workers/dataPipeline/sendData/sendData';
import { campaignData, marketData, registrationEntry } from '../../../tools/local/emulators/producers';
import { requireEnv } from '../../harness/env';
import { consumeAll, startKafkaMock } from '../../../tools/local/emulators/kafka';
import type { DataPipelineInfra } from './helpers';
import {
  awsClients,
  createDataPipelineInfra,
  deliver,
  receiveAll,
  sendToQueue,
  startTcpProxy,
} from './helpers';

const reasons = (log: ReturnType<typeof memoryLogger>) =>
  log.lines.filter((l) => l.message === 'record rejected').map((l) => (l.data as { reason: string }).reason);

const publisherFor = (brokers: string[], log: Logger = memoryLogger()) =>
  createKafkaPublisher({
    brokers,
    clientId: 'data-pipeline-it',
    ssl: false,
    loadCertificate: async () => {
      throw new Error('no certificate in local runs');
    },
    connectionTimeoutMs: 500,
    requestTimeoutMs: 3000,
    retries: 1,
    log,
  });

// Kafka consumer groups on the mock take ~3 s to join; an outage test consumes several topics.
jest.setTimeout(60_000);

describe('data pipeline failure semantics', () => {
  const endpoint = requireEnv('SQS_ENDPOINT');
  const brokers = requireEnv('KAFKA_BROKERS').split(',');
  let sqs: SQSClient;
  let sns: SNSClient;
  let infra: DataPipelineInfra;

  beforeAll(async () => {
    ({ sqs, sns } = awsClients(endpoint));
  });
  beforeEach(async () => {
    infra = await createDataPipelineInfra(endpoint, 'dp-fail');
  });
  afterAll(() => {
    sqs.destroy();
    sns.destroy();
  });

  const processData = (log = memoryLogger()) =>
    createProcessDataHandler((ctx) => ({ sns, topicArn: infra.topicArn, batchSize: 10, log: ctx.log }), { log });

  it('fails the whole sendData batch while the broker is down and delivers the same records, none lost, once it is back', async () => {
    const own = await startKafkaMock({ useExisting: false });
    const address = own.brokers[0];
    const publisher = publisherFor(own.brokers);
    const sendData = createSendDataHandler((ctx) => ({ publisher, topics: infra.kafkaTopics, log: ctx.log }), {
      log: memoryLogger(),
    });
    let proxy: { stop(): Promise<void> } | undefined;
    try {
      // Warm: the publisher is connected and working before the outage.
      await sendToQueue(sqs, infra.dataQueue, [{ type: 'campaign', data: campaignData('c-before') }]);
      expect((await deliver(sqs, infra.dataQueue, 1, processData())).response.batchItemFailures).toEqual([]);
      expect((await deliver(sqs, infra.typedQueues.campaign, 1, sendData)).response.batchItemFailures).toEqual([]);
      expect((await consumeAll(own.brokers, infra.kafkaTopics.campaign, { expected: 1 })).map((m) => m.key)).toEqual([
        'c-before',
      ]);

      await own.stop();

      // During the outage: a registration (one registration + three registeredMarkets) and a campaign.
      await sendToQueue(sqs, infra.dataQueue, [
        { type: 'registration', data: registrationEntry('c-out', 'g-out') },
        { type: 'campaign', data: campaignData('c-out') },
      ]);
      expect((await deliver(sqs, infra.dataQueue, 2, processData())).response.batchItemFailures).toEqual([]);
      const outage = {
        registeredMarket: await deliver(sqs, infra.typedQueues.registeredMarket, 3, sendData, { visibilityTimeout: 1 }),
        registration: await deliver(sqs, infra.typedQueues.registration, 1, sendData, { visibilityTimeout: 1 }),
        campaign: await deliver(sqs, infra.typedQueues.campaign, 1, sendData, { visibilityTimeout: 1 }),
      };
      for (const { messages, response } of Object.values(outage)) {
        expect(messages.length).toBeGreaterThan(0);
        expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
          messages.map((m) => m.MessageId!).sort(),
        );
      }

      // The broker is back on its address (a proxy to the shared broker stands in for the
      // restarted one): the same publisher reconnects, and the records still in the queues
      // (not deleted, visible again) are delivered.
      const [host, port] = address.split(':');
      proxy = await startTcpProxy(host, Number(port), brokers[0]);
      const after = {} as Record<string, string[]>;
      for (const [type, before] of Object.entries(outage) as [DataType, (typeof outage)['campaign']][]) {
        const again = await deliver(sqs, infra.typedQueues[type], before.messages.length, sendData, {
          visibilityTimeout: 30,
        });
        expect(again.messages.map((m) => m.MessageId).sort()).toEqual(before.messages.map((m) => m.MessageId).sort());
        expect(again.messages.every((m) => Number(m.Attributes?.ApproximateReceiveCount) >= 2)).toBe(true);
        expect(again.response.batchItemFailures).toEqual([]);
        after[type] = again.messages.map((m) => m.Body!);
      }

      const [markets, registrations, campaigns] = await Promise.all([
        consumeAll(brokers, infra.kafkaTopics.registeredMarket, { expected: 3 }),
        consumeAll(brokers, infra.kafkaTopics.registration, { expected: 1 }),
        consumeAll(brokers, infra.kafkaTopics.campaign, { expected: 1 }),
      ]);
      expect(markets.map((m) => m.key).sort()).toEqual(['c-out:g-out:m1', 'c-out:g-out:m2', 'c-out:g-out:m3']);
      expect(markets.map((m) => JSON.parse(m.value!))).toEqual(
        expect.arrayContaining(after.registeredMarket.map((b) => JSON.parse(b))),
      );
      expect(registrations.map((m) => m.key)).toEqual(['c-out:g-out']);
      expect(campaigns.map((m) => m.key)).toEqual(['c-out']);
      // Nothing is left behind in the queues.
      for (const type of ['registeredMarket', 'registration', 'campaign'] as const) {
        expect(await receiveAll(sqs, infra.typedQueues[type], 0, { timeoutMs: 1500 })).toEqual([]);
      }
    } finally {
      await publisher.disconnect();
      await proxy?.stop();
      await own.stop();
    }
  });

  it('fails every record when the producer cannot connect at all (closed port)', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const publisher = publisherFor([`127.0.0.1:${closed}`]);
    const log = memoryLogger();
    const sendData = createSendDataHandler((ctx) => ({ publisher, topics: infra.kafkaTopics, log: ctx.log }), { log });
    try {
      await sendToQueue(sqs, infra.dataQueue, [
        { type: 'market', data: marketData('c1', 'm1') },
        { type: 'market', data: marketData('c1', 'm2') },
      ]);
      await deliver(sqs, infra.dataQueue, 2, processData());
      const { messages, response } = await deliver(sqs, infra.typedQueues.market, 2, sendData, {
        visibilityTimeout: 1,
      });
      expect(messages).toHaveLength(2);
      expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
        messages.map((m) => m.MessageId!).sort(),
      );
      expect(log.lines.find((l) => l.message === 'invocation finished')?.data).toMatchObject({
        failed: 2,
        rejected: 0,
      });
    } finally {
      await publisher.disconnect();
    }
  });

  it('rejects invalid input at both stages with a logged reason and delivers the rest of the batch', async () => {
    const publisher = publisherFor(brokers);
    const processLog = memoryLogger();
    const sendLog = memoryLogger();
    const sendData = createSendDataHandler((ctx) => ({ publisher, topics: infra.kafkaTopics, log: ctx.log }), {
      log: sendLog,
    });
    try {
      await sendToQueue(sqs, infra.dataQueue, [
        { type: 'campaign', data: campaignData('c-good') },
        { type: 'campaign', data: {} },
        { type: 'CAMPAIGNS', data: { id: 'c-x' } },
        { type: 'campaign', data: null },
        'this is not JSON',
        { type: 'market', data: { id: 'm-orphan' } },
      ]);
      const processed = await deliver(sqs, infra.dataQueue, 6, processData(processLog));
      expect(processed.response.batchItemFailures).toEqual([]);
      expect(reasons(processLog)).toHaveLength(5);
      expect(reasons(processLog)).toEqual(
        expect.arrayContaining([
          'campaign data is empty',
          'campaign data must be a non-empty object, not null',
          'market has no campaign id (data.campaignId or data.campaign_id)',
          expect.stringMatching(/^message body is not valid JSON/),
          expect.stringMatching(/^unknown type "CAMPAIGNS"/),
        ]),
      );
      // Rejected messages are deleted (not retried): the data queue is empty.
      expect(await receiveAll(sqs, infra.dataQueue, 0, { timeoutMs: 1500 })).toEqual([]);

      // Other producers (or drift) can put bad records on a typed queue: sendData rejects them.
      await sendToQueue(sqs, infra.typedQueues.campaign, [{ name: 'no id', dedupe: { id: 'x', timestamp: 'now' } }], {
        type: 'campaign',
      });
      await sendToQueue(sqs, infra.typedQueues.campaign, ['{not json'], { type: 'campaign' });
      await sendToQueue(sqs, infra.typedQueues.campaign, [{ campaignId: 'c-x' }], { type: 'fanlist' });
      const sent = await deliver(sqs, infra.typedQueues.campaign, 4, sendData);
      expect(sent.messages).toHaveLength(4);
      expect(sent.response.batchItemFailures).toEqual([]);
      expect(reasons(sendLog)).toHaveLength(3);
      expect(reasons(sendLog)).toEqual(
        expect.arrayContaining([
          "schema validation failed: campaign must have required property 'campaignId'; " +
            'campaign/dedupe/id must match pattern "^[0-9a-f]{64}$"; campaign/dedupe/timestamp must match format "date-time"',
          expect.stringMatching(/^message body is not valid JSON/),
          expect.stringMatching(/^unknown type "fanlist"/),
        ]),
      );
      const consumed = await consumeAll(brokers, infra.kafkaTopics.campaign, { expected: 1 });
      expect(consumed.map((m) => m.key)).toEqual(['c-good']);
    } finally {
      await publisher.disconnect();
    }
  });

  it('publishes identical dedupe ids when the same SQS message is delivered twice', async () => {
    const publisher = publisherFor(brokers);
    const sendData = createSendDataHandler((ctx) => ({ publisher, topics: infra.kafkaTopics, log: ctx.log }), {
      log: memoryLogger(),
    });
    try {
      // The registration has date.updated, so the whole dedupe pair (id, timestamp) repeats.
      await sendToQueue(sqs, infra.dataQueue, [
        { type: 'registration', data: registrationEntry('c-dup', 'g-dup', ['m1']) },
      ]);
      const received = await receiveAll(sqs, infra.dataQueue, 1);
      const event = sqsEventOf(received, infra.dataQueue.url);
      const handler = processData();
      expect((await handler(event)).batchItemFailures).toEqual([]);
      expect((await handler(event)).batchItemFailures).toEqual([]);

      const registrations = await deliver(sqs, infra.typedQueues.registration, 2, sendData);
      const markets = await deliver(sqs, infra.typedQueues.registeredMarket, 2, sendData);
      for (const { messages } of [registrations, markets]) {
        expect(messages).toHaveLength(2);
        const [first, second] = messages.map((m) => JSON.parse(m.Body!).dedupe);
        expect(second).toEqual(first);
      }
      const consumed = await consumeAll(brokers, infra.kafkaTopics.registration, { expected: 2 });
      const dedupes = consumed.map((m) => JSON.parse(m.value!).dedupe);
      expect(consumed.map((m) => m.key)).toEqual(['c-dup:g-dup', 'c-dup:g-dup']);
      expect(dedupes[1]).toEqual(dedupes[0]);
      expect(dedupes[0]).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{64}$/),
        timestamp: '2026-02-12T10:00:00.000Z',
      });
    } finally {
      await publisher.disconnect();
    }
  });

  it('reports every message failed when SNS refuses the publish (topic does not exist)', async () => {
    const log = memoryLogger();
    const handler = createProcessDataHandler(
      (ctx) => ({ sns, topicArn: `${infra.topicArn}-missing`, batchSize: 10, log: ctx.log }),
      { log },
    );
    await sendToQueue(sqs, infra.dataQueue, [
      { type: 'campaign', data: campaignData('c-a') },
      { type: 'registration', data: registrationEntry('c-a', 'g-a') },
    ]);
    const { messages, response } = await deliver(sqs, infra.dataQueue, 2, handler, { visibilityTimeout: 1 });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      messages.map((m) => m.MessageId!).sort(),
    );
    expect(log.lines.find((l) => l.message === 'PublishBatch request failed')?.data).toMatchObject({
      error: { name: expect.stringMatching(/NotFound/) },
    });
    // They stay in the queue for the retry.
    expect(await receiveAll(sqs, infra.dataQueue, 2, { timeoutMs: 5000 })).toHaveLength(2);
  });
});
