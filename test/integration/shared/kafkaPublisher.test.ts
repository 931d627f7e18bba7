import { Kafka } from 'kafkajs';
import { createKafkaPublisher, parseCertificate } from '../../../src/shared/kafka/producer';
import { memoryLogger } from '../../doubles/runtime';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';
import { consumeAll, startKafkaMock } from '../../../tools/local/emulators/kafka';

const options = (brokers: string[]) => ({
  brokers,
  clientId: 'reg-workers-test',
  ssl: false,
  loadCertificate: async () => {
    throw new Error('no certificate in local runs');
  },
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 3000,
  retries: 1,
  log: memoryLogger(),
});

describe('Kafka publisher against the librdkafka mock broker', () => {
  const brokers = requireEnv('KAFKA_BROKERS').split(',');

  it('publishes keyed messages that a consumer reads back unchanged', async () => {
    const topic = uniqueName('registrations');
    const publisher = createKafkaPublisher(options(brokers));
    const messages = Array.from({ length: 25 }, (_, i) => ({
      key: `c1:g${i}`,
      value: JSON.stringify({ n: i, name: 'Zoë' }),
    }));
    try {
      await publisher.send(topic, messages);
    } finally {
      await publisher.disconnect();
    }
    const consumed = await consumeAll(brokers, topic, { expected: 25 });
    expect(consumed.map((m) => ({ key: m.key, value: m.value })).sort((a, b) => a.key!.localeCompare(b.key!))).toEqual(
      messages.sort((a, b) => a.key.localeCompare(b.key)),
    );
  });

  it('fails while the broker is down and delivers once it is back, reusing one publisher', async () => {
    const mock = await startKafkaMock({ useExisting: false });
    const publisher = createKafkaPublisher(options(mock.brokers));
    const topic = uniqueName('outage');
    await publisher.send(topic, [{ key: 'a', value: 'before' }]);
    const port = mock.brokers[0];
    await mock.stop();
    await expect(publisher.send(topic, [{ key: 'b', value: 'during' }])).rejects.toThrow();
    // The mock cluster cannot come back on the same port with its data, so a new broker stands in
    // for the restarted one: the publisher must reconnect on its own after the failure.
    const back = await startKafkaMock({ useExisting: false });
    const reconnecting = createKafkaPublisher(options(back.brokers));
    try {
      await reconnecting.send(topic, [{ key: 'b', value: 'after' }]);
      expect((await consumeAll(back.brokers, topic, { expected: 1 })).map((m) => m.value)).toEqual(['after']);
    } finally {
      await reconnecting.disconnect();
      await publisher.disconnect();
      await back.stop();
    }
    expect(port).toBeTruthy();
  });

  it('never lets a send create a topic (a misspelt topic must fail, not appear)', async () => {
    // The flag cannot be seen on the wire here: the mock negotiates Metadata v2, which has no
    // allow_auto_topic_creation field, and it creates any topic it is asked about. So the options
    // the publisher gives kafkajs are observed (a spy that calls through, not a mock).
    const spy = jest.spyOn(Kafka.prototype, 'producer');
    const publisher = createKafkaPublisher(options(brokers));
    let flags: unknown[];
    try {
      await publisher.send(uniqueName('no-auto-create'), [{ key: 'k', value: 'v' }]);
    } finally {
      flags = spy.mock.calls.map(([o]) => o?.allowAutoTopicCreation);
      await publisher.disconnect();
      spy.mockRestore();
    }
    expect(flags).toEqual([false]);
  });

  it('validates the kafka-cert secret shape', () => {
    expect(() => parseCertificate({ cert: 'x' })).toThrow('kafka-cert secret must be JSON { cert, key, ca? }');
    expect(() => parseCertificate({ cert: 'x', key: 'y' })).toThrow('not PEM');
    expect(
      parseCertificate({ cert: '-----BEGIN CERTIFICATE-----', key: '-----BEGIN PRIVATE KEY-----', ca: '' }),
    ).toEqual({ cert: '-----BEGIN CERTIFICATE-----', key: '-----BEGIN PRIVATE KEY-----' });
  });
});

