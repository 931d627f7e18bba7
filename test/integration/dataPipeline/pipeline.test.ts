/**
 * The whole data pipeline on the local components: data queue → processData → SNS (fauxqs,
 * filter policies, raw delivery) → five typed queues → sendData → Kafka (librdkafka mock).
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Message as SqsSdkMessage, SQSClient } from '@aws-sdk/client-sqs';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DataType } from '../../../src/shared/dataPipeline';
import { DATA_TYPES, canonicalJson } from '../../../src/shared/dataPipeline';
import { createKafkaPublisher } from '../../../src/shared/kafka/producer';
import { sqsEventOf } from '../../harness/sqs';
import { memoryLogger } from '../../doubles/runtime';
import { createProcessDataHandler } from '../../../src/workers/dataPipeline/processData/processData';
import { createSendDataHandler } from '../../../src/workers/dataPipeline/sendData/sendData';
import {
  campaignData,
  eventMappingData,
  marketData,
  registrationEntry,
} from '../../../tools/local/emulators/producers';
import { requireEnv } from '../../harness/env';
import { consumeAll } from '../../../tools/local/emulators/kafka';
import type { DataPipelineInfra } from './helpers';
import { awsClients, createDataPipelineInfra, deliver, receiveAll, sendToQueue } from './helpers';

// Kafka consumer groups on the mock take ~3 s to join (jest's project-level testTimeout is not applied).
jest.setTimeout(60_000);

describe('data pipeline end to end (fauxqs + Kafka mock)', () => {
  const endpoint = requireEnv('SQS_ENDPOINT');
  const brokers = requireEnv('KAFKA_BROKERS').split(',');
  let sqs: SQSClient;
  let sns: SNSClient;
  let infra: DataPipelineInfra;
  const publisher = createKafkaPublisher({
    brokers,
    clientId: 'data-pipeline-it',
    ssl: false,
    loadCertificate: async () => {
      throw new Error('no certificate in local runs');
    },
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 5000,
    log: memoryLogger(),
  });

  beforeAll(async () => {
    ({ sqs, sns } = awsClients(endpoint));
    infra = await createDataPipelineInfra(endpoint, 'dp-e2e');
  });
  afterAll(async () => {
    await publisher.disconnect();
    sqs.destroy();
    sns.destroy();
  });

  const processDataLog = memoryLogger();
  const sendDataLog = memoryLogger();
  const processData = () =>
    createProcessDataHandler((ctx) => ({ sns, topicArn: infra.topicArn, batchSize: 10, log: ctx.log }), {
      log: processDataLog,
    });
  const sendData = () =>
    createSendDataHandler((ctx) => ({ publisher, topics: infra.kafkaTopics, log: ctx.log }), { log: sendDataLog });

  it('routes all five types through SNS filters to their queues and into Kafka, field by field', async () => {
    const pipeEntry = registrationEntry('c1', 'g-pipe', ['m5', 'm1']);
    await sendToQueue(sqs, infra.dataQueue, [
      { type: 'CAMPAIGN', data: campaignData() },
      { type: 'market', data: marketData() },
      { type: 'EVENT_MAPPING', data: eventMappingData() },
      { type: 'REGISTERED_MARKET', data: { campaignId: 'c1', globalUserId: 'g-direct', marketId: 'm7', rank: 2 } },
      { type: 'REGISTRATION', data: registrationEntry('c1', 'g1', ['m2', 'm1', 'm3']) },
      // What the demand-table pipe delivers: the whole change record in attribute-value form.
      {
        type: 'REGISTRATION',
        data: { eventName: 'INSERT', tableName: 'demand', dynamodb: { NewImage: marshall(pipeEntry) } },
      },
    ]);

    // processData, fed with the messages really received from the data queue.
    const processed = await deliver(sqs, infra.dataQueue, 6, processData());
    expect(processed.messages).toHaveLength(6);
    expect(processed.response.batchItemFailures).toEqual([]);
    expect(processDataLog.lines.filter((l) => l.message === 'record rejected')).toEqual([]);

    // SNS filter policies put each type, and only that type, in its queue.
    const expected: Record<DataType, number> = {
      campaign: 1,
      market: 1,
      eventMapping: 1,
      registeredMarket: 1 + 3 + 2,
      registration: 2,
    };
    const typed = {} as Record<DataType, SqsSdkMessage[]>;
    for (const type of DATA_TYPES) {
      typed[type] = await receiveAll(sqs, infra.typedQueues[type], expected[type], { visibilityTimeout: 60 });
      expect(typed[type]).toHaveLength(expected[type]);
      expect(typed[type].map((m) => m.MessageAttributes?.type?.StringValue)).toEqual(Array(expected[type]).fill(type));
    }

    // The formatted records, as raw delivery put them in the queue bodies.
    const bodies = (type: DataType) => typed[type].map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
    expect(bodies('market')[0].point).toEqual({ coordinates: { latitude: 40.7484, longitude: -73.9857 } });
    const registrations = bodies('registration');
    expect(registrations.map((r) => r.globalUserId).sort()).toEqual(['g-pipe', 'g1']);
    const plainRegistration = registrations.find((r) => r.globalUserId === 'g1')!;
    expect(plainRegistration.fields).toBe(canonicalJson(registrationEntry('c1', 'g1', ['m2', 'm1', 'm3']).fields));
    expect(
      bodies('registeredMarket')
        .map((r) => `${r.globalUserId}:${r.marketId}:${r.rank}`)
        .sort(),
    ).toEqual(['g-direct:m7:2', 'g-pipe:m1:2', 'g-pipe:m5:1', 'g1:m1:2', 'g1:m2:1', 'g1:m3:3']);

    // sendData, fed per queue like its five event source mappings.
    for (const type of DATA_TYPES) {
      const queue = infra.typedQueues[type];
      const response = await sendData()(sqsEventOf(typed[type], queue.url));
      expect(response.batchItemFailures).toEqual([]);
    }
    expect(sendDataLog.lines.filter((l) => l.message === 'record rejected')).toEqual([]);

    // Kafka holds exactly the records processData formatted, keyed per DECISIONS [19].
    const consumed = await Promise.all(
      DATA_TYPES.map((type) => consumeAll(brokers, infra.kafkaTopics[type], { expected: expected[type] })),
    );
    const keyOf: Record<DataType, (r: Record<string, unknown>) => string> = {
      campaign: (r) => `${r.campaignId}`,
      market: (r) => `${r.marketId}`,
      eventMapping: (r) => `${r.campaignId}:${r.marketId}`,
      registeredMarket: (r) => `${r.campaignId}:${r.globalUserId}:${r.marketId}`,
      registration: (r) => `${r.campaignId}:${r.globalUserId}`,
    };
    DATA_TYPES.forEach((type, i) => {
      const got = consumed[i].map((m) => ({ key: m.key, value: JSON.parse(m.value!) as Record<string, unknown> }));
      const want = bodies(type).map((value) => ({ key: keyOf[type](value), value }));
      const byKey = (a: { key: string | null }, b: { key: string | null }) =>
        String(a.key).localeCompare(String(b.key));
      expect(got.sort(byKey)).toEqual(want.sort(byKey));
    });

    // A few fields checked against the source documents, not only against the queue bodies.
    const [campaigns, markets, eventMappings, , registrationsOut] = consumed.map((c) =>
      c.map((m) => JSON.parse(m.value!) as Record<string, unknown>),
    );
    expect(campaigns[0]).toMatchObject({
      campaignId: 'c1',
      name: 'Zoë World Tour 2026',
      artist: { discoveryId: 'K8vZ917' },
      dedupe: { timestamp: '2026-02-03T04:05:06.000Z' },
    });
    expect(consumed[0][0].key).toBe('c1');
    expect(markets[0]).toMatchObject({ marketId: 'm1', campaignId: 'c1', event: { ids: ['E1', 'E2'] } });
    expect(eventMappings[0]).toMatchObject({ campaignId: 'c1', marketId: 'm1', eventIds: ['E1', 'E2'] });
    const pipeRegistration = registrationsOut.find((r) => r.globalUserId === 'g-pipe')!;
    expect(JSON.parse(pipeRegistration.fields as string)).toEqual(pipeEntry.fields);
    expect(pipeRegistration).toMatchObject({ system: { id: 'su1' }, optIn: { artistEmail: true, artistSMS: true } });
  });
  it('publishes a message redelivered after its visibility timeout as byte-identical Kafka records', async () => {
    // No date.updated: the dedupe timestamp must come from the message, not the processing time.
    await sendToQueue(sqs, infra.dataQueue, [{ type: 'campaign', data: { id: 'c-redelivered', name: 'Again' } }]);
    const first = await receiveAll(sqs, infra.dataQueue, 1, { visibilityTimeout: 1 });
    expect((await processData()(sqsEventOf(first, infra.dataQueue.url))).batchItemFailures).toEqual([]);
    // Not deleted (as when the function timed out after publishing): SQS hands it out again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const again = await deliver(sqs, infra.dataQueue, 1, processData());
    expect(again.messages.map((m) => [m.MessageId, m.Attributes?.ApproximateReceiveCount])).toEqual([
      [first[0].MessageId, '2'],
    ]);

    const typed = await receiveAll(sqs, infra.typedQueues.campaign, 2, { visibilityTimeout: 60 });
    expect(typed).toHaveLength(2);
    expect((await sendData()(sqsEventOf(typed, infra.typedQueues.campaign.url))).batchItemFailures).toEqual([]);
    const values = (await consumeAll(brokers, infra.kafkaTopics.campaign, { expected: 3 }))
      .map((m) => m.value!)
      .filter((v) => (JSON.parse(v) as { campaignId?: string }).campaignId === 'c-redelivered');
    expect(values).toHaveLength(2);
    expect(values[1]).toBe(values[0]);
    expect(JSON.parse(values[0])).toMatchObject({
      dedupe: { timestamp: new Date(Number(first[0].Attributes!.SentTimestamp)).toISOString() },
    });
  });
});
