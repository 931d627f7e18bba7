/**
 * Fault matrix, dataPipeline stack: processData (data-queue → SNS data topic) and sendData (typed
 * queues → Kafka). SNS runs on fauxqs (a queue subscribed to the topic with raw delivery shows
 * what was published); Kafka is librdkafka's mock cluster, read back with kcat.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSEvent } from 'aws-lambda';
import type { DataType } from '../../src/shared/dataPipeline';
import { DATA_TYPES } from '../../src/shared/dataPipeline';
import { createSecretCache } from '../../src/shared/aws/secrets';
import { createKafkaPublisher, parseCertificate } from '../../src/shared/kafka/producer';
import type { KafkaPublisher } from '../../src/shared/kafka/producer';
import { memoryLogger, sqsEvent } from '../doubles/runtime';
import { createProcessDataHandler } from '../../src/workers/dataPipeline/processData/processData';
import { createSendDataHandler } from '../../src/workers/dataPipeline/sendData/sendData';
import type { KafkaSender } from '../../src/workers/dataPipeline/sendData/sendData';
import { campaignData, marketData, registrationEntry } from '../../tools/local/emulators/producers';
import { uniqueName } from '../../tools/local/emulators/names';
import { requireEnv } from '../harness/env';
import { readTopic, startKafkaMock } from '../../tools/local/emulators/kafka';
import { freePort } from '../../tools/local/emulators/processes';
import { messagingClients, topicWithQueue } from './aws';
import type { BatchRun, CellTest, Effects } from './cells';
import { batchCell, runSuite } from './cells';
import type { ServiceWorld } from './faults';
import {
  closedPortUrl,
  failBatchEntries,
  failCalls,
  requestThrottled,
  startServiceWorld,
  tcpProxy,
  LOCAL_AWS,
} from './faults';

const log = memoryLogger('faults');
const NOW = new Date('2026-06-01T12:00:00.000Z');
const SOURCES = ['campaign', 'market', 'registration'] as const;
let messaging: ReturnType<typeof messagingClients>;
let world: ServiceWorld;

beforeAll(async () => {
  messaging = messagingClients();
  world = await startServiceWorld(log);
});
afterAll(async () => {
  messaging?.sqs.destroy();
  messaging?.sns.destroy();
  await world?.stop();
});

// ------------------------------------------------------------------------------------------
// processData

/** The data-queue messages: a campaign, a market and a registration (which fans out to its registeredMarkets). */
const dataMessages = (campaignId: string) =>
  sqsEvent(
    [
      { type: 'CAMPAIGN', data: campaignData(campaignId) },
      { type: 'market', data: marketData(campaignId, 'm1') },
      { type: 'registration', data: registrationEntry(campaignId, 'g1', ['m1', 'm2']) },
    ],
    { ids: SOURCES.map((s) => `m-${s}`) },
  );

/** Which source message a published record came from. */
const sourceOf = (type: string | undefined): string =>
  type === 'registeredMarket' || type === 'registration' ? 'registration' : String(type);

function processDataCells(): Record<string, CellTest> {
  const processData = (sns: SNSClient, topicArn: string) =>
    createProcessDataHandler(() => ({ sns, topicArn, batchSize: 10, log, now: () => NOW }), { log });
  const setup = async (ns: string) => {
    const { topicArn, queue } = await topicWithQueue(messaging, 'faults-data');
    const collected: { body: string; type?: string }[] = [];
    const observe = async (): Promise<Effects> => {
      collected.push(...(await queue.drain()));
      const effects: Effects = {};
      for (const { body, type } of collected) {
        // dedupe.id hashes the namespaced data; what is compared is the record without it.
        const { dedupe, ...record } = JSON.parse(body.split(ns).join('NS')) as { dedupe: { timestamp: string } };
        (effects[sourceOf(type)] ??= []).push({ type, record, timestamp: dedupe.timestamp });
      }
      return effects;
    };
    const records: BatchRun<SQSEvent> = { event: dataMessages(`c-${ns}`), keys: [...SOURCES] };
    return { topicArn, observe, records };
  };
  let baseline: Effects;
  beforeAll(async () => {
    const base = await setup(uniqueName('pd-base'));
    expect((await processData(messaging.sns, base.topicArn)(base.records.event)).batchItemFailures).toEqual([]);
    baseline = await base.observe();
    expect(baseline.registration).toHaveLength(3); // the registration and its two registeredMarkets
  });
  const cellWith = async (inject: () => () => void, affected: string[], faultySns?: SNSClient) => {
    const s = await setup(uniqueName('pd'));
    try {
      return await batchCell({
        records: s.records,
        run: (event, faulty) => processData(faulty && faultySns ? faultySns : messaging.sns, s.topicArn)(event),
        inject: async () => inject(),
        affected,
        observe: s.observe,
        baseline,
      });
    } finally {
      faultySns?.destroy();
    }
  };
  const isRegisteredMarket = (entry: Record<string, unknown>) =>
    (entry.MessageAttributes as { type?: { StringValue?: string } }).type?.StringValue === 'registeredMarket' &&
    String(entry.Message).includes('"marketId":"m2"');
  return {
    'processData × SNS × PublishBatch `Failed` entries': () =>
      cellWith(() => failBatchEntries(messaging.sns, 'PublishBatchCommand', isRegisteredMarket), ['registration']),
    'processData × SNS × throttling': () =>
      cellWith(() => failCalls(messaging.sns, 'PublishBatchCommand', requestThrottled), [...SOURCES]),
    'processData × SNS × connection refused': async () =>
      cellWith(
        () => () => undefined,
        [...SOURCES],
        new SNSClient({ ...LOCAL_AWS, endpoint: await closedPortUrl(), maxAttempts: 2 }),
      ),
  };
}

// ------------------------------------------------------------------------------------------
// sendData

/** The records of a topic, read from the beginning with kcat (fast: no consumer group to join). */
function sendDataCells(): Record<string, CellTest> {
  const broker = requireEnv('KAFKA_BROKERS').split(',')[0];
  const TYPES = ['campaign', 'market', 'registration'] as const;
  /** Typed-queue messages as SNS raw delivery hands them over: the record, and its type as an attribute. */
  let typed: { type: DataType; body: string }[];
  let baseline: Effects;
  const publisher = (brokers: string[], options: { ssl?: boolean; loadCertificate?: () => Promise<never> } = {}) =>
    createKafkaPublisher({
      brokers,
      clientId: 'fault-matrix',
      ssl: options.ssl ?? false,
      loadCertificate: options.loadCertificate ?? (async () => Promise.reject(new Error('no certificate locally'))),
      connectionTimeoutMs: 300,
      requestTimeoutMs: 3000,
      retries: 0,
      log,
    });
  const event = (): SQSEvent => ({
    Records: TYPES.map(
      (type) =>
        sqsEvent([typed.find((t) => t.type === type)!.body], { ids: [`m-${type}`], attributes: { type } }).Records[0],
    ),
  });
  const setup = (ns: string) => {
    const topics = Object.fromEntries(DATA_TYPES.map((t) => [t, `faults-${ns}-${t}`])) as Record<DataType, string>;
    const observe = async (): Promise<Effects> => {
      const read = await Promise.all(TYPES.map((t) => readTopic(broker, topics[t])));
      // The effect is the record (key and value); its trace headers name the delivery that sent it.
      return Object.fromEntries(TYPES.map((t, i) => [t, read[i].map(({ key, value }) => ({ key, value }))]));
    };
    const run = (sender: KafkaSender) => createSendDataHandler(() => ({ publisher: sender, topics, log }), { log });
    return { topics, observe, run, records: { event: event(), keys: [...TYPES] } };
  };
  const publishers: KafkaPublisher[] = [];
  const track = (p: KafkaPublisher) => {
    publishers.push(p);
    return p;
  };
  beforeAll(async () => {
    // What the typed queues deliver is what processData publishes.
    const { topicArn, queue } = await topicWithQueue(messaging, 'faults-typed');
    const pd = createProcessDataHandler(() => ({ sns: messaging.sns, topicArn, batchSize: 10, log, now: () => NOW }), {
      log,
    });
    expect((await pd(dataMessages('c-send'))).batchItemFailures).toEqual([]);
    typed = (await queue.drain()).map((m) => ({ type: m.type as DataType, body: m.body }));
    const base = setup(uniqueName('sd-base'));
    const healthy = track(publisher([broker]));
    expect((await base.run(healthy)(base.records.event)).batchItemFailures).toEqual([]);
    baseline = await base.observe();
    expect(Object.values(baseline).map((v) => v.length)).toEqual([1, 1, 1]);
  });
  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.disconnect()));
  });

  /** A broker address that goes away and comes back (a proxy to the shared broker on the same port). */
  const brokerOutage = async (mode: 'stopped' | 'refused') => {
    const ns = uniqueName('sd');
    const s = setup(ns);
    let address: string;
    let sender: KafkaPublisher;
    if (mode === 'stopped') {
      const own = await startKafkaMock({ useExisting: false });
      address = own.brokers[0];
      sender = track(publisher([address]));
      // Connected and working before the outage.
      await sender.send(`faults-${ns}-warmup`, [{ key: 'k', value: 'v' }]);
      await own.stop();
    } else {
      address = `127.0.0.1:${await freePort()}`;
      sender = track(publisher([address]));
    }
    let proxy: { stop(): Promise<void> } | undefined;
    try {
      return await batchCell({
        records: s.records,
        run: (e) => s.run(sender)(e),
        inject: async () => async () => {
          proxy = await tcpProxy(Number(address.split(':')[1]), broker);
        },
        affected: [...TYPES],
        observe: s.observe,
        baseline,
      });
    } finally {
      await sender.disconnect();
      await proxy?.stop();
    }
  };

  return {
    'sendData × Kafka × broker stopped, then back': () => brokerOutage('stopped'),
    'sendData × Kafka × connection refused, then back': () => brokerOutage('refused'),
    'sendData × Kafka × send to one topic fails': async () => {
      const s = setup(uniqueName('sd'));
      const healthy = track(publisher([broker]));
      let failing = false;
      // The mock broker cannot fail one topic on demand: a wrapper around the real publisher does.
      const sender: KafkaSender = {
        send: (topic, messages) =>
          failing && topic === s.topics.market
            ? Promise.reject(new Error('LEADER_NOT_AVAILABLE (injected)'))
            : healthy.send(topic, messages),
      };
      return batchCell({
        records: s.records,
        run: (e) => s.run(sender)(e),
        inject: async () => {
          failing = true;
          return () => {
            failing = false;
          };
        },
        affected: ['market'],
        observe: s.observe,
        baseline,
      });
    },
    'sendData × Secrets Manager (kafka-cert) × unavailable': async () => {
      const s = setup(uniqueName('sd'));
      world.secrets.put(
        'kafka-cert',
        JSON.stringify({ cert: '-----BEGIN CERTIFICATE-----\nx', key: '-----BEGIN PRIVATE KEY-----\nx' }),
      );
      const client = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: world.secrets.endpoint, maxAttempts: 1 });
      const secrets = createSecretCache(client, 3600);
      const sender = track(
        publisher([broker], {
          ssl: true,
          loadCertificate: async () => parseCertificate(await secrets.getJson('kafka-cert')) as never,
        }),
      );
      const reads = () => world.secrets.requests.filter((r) => r.secretId === 'kafka-cert').length;
      try {
        world.secrets.failNext(Number.MAX_SAFE_INTEGER);
        const first = await s.run(sender)(s.records.event);
        world.secrets.failNext(0);
        expect(first.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(TYPES.map((t) => `m-${t}`).sort());
        const before = reads();
        const second = await s.run(sender)(s.records.event);
        // The certificate is fetched again (a failed read is not cached); the TLS connect then
        // fails on the plaintext mock broker, so the records are still retried, and nothing was
        // sent without TLS.
        expect(reads()).toBeGreaterThan(before);
        expect(second.batchItemFailures).toHaveLength(TYPES.length);
        expect(Object.values(await s.observe()).flat()).toEqual([]);
        return 'retriedCertReloaded';
      } finally {
        world.secrets.failNext(0);
        client.destroy();
      }
    },
  };
}

runSuite('dataPipeline', { ...processDataCells(), ...sendDataCells() });
