import { CompressionTypes } from 'kafkajs';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';
import { answersApiVersions, consumeAll, kafkaClient, startKafkaMock } from '../../../tools/local/emulators/kafka';

// The project's testTimeout (60 s) is not applied to this project by jest; set it here.
jest.setTimeout(30000);

describe('Kafka mock cluster (kcat / librdkafka)', () => {
  const brokers = requireEnv('KAFKA_BROKERS').split(',');

  it('round-trips keyed messages with headers, produced with acks=all and gzip', async () => {
    const topic = uniqueName('harness-topic');
    const producer = kafkaClient(brokers).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: [
          { key: 'c1', value: JSON.stringify({ type: 'campaign', id: 'c1' }), headers: { type: 'campaign' } },
          { key: 'c1:m1', value: JSON.stringify({ type: 'market', id: 'm1' }), headers: { type: 'market' } },
          { key: 'c1:g1', value: JSON.stringify({ type: 'registration' }) },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const messages = await consumeAll(brokers, topic, { expected: 3, timeoutMs: 20000 });
    expect(messages.map(({ key, value, headers }) => ({ key, value: JSON.parse(value!), headers })).sort((a, b) => a.key!.localeCompare(b.key!))).toEqual([
      { key: 'c1', value: { type: 'campaign', id: 'c1' }, headers: { type: 'campaign' } },
      { key: 'c1:g1', value: { type: 'registration' }, headers: {} },
      { key: 'c1:m1', value: { type: 'market', id: 'm1' }, headers: { type: 'market' } },
    ]);
  });

  it('returns what arrived when fewer messages than expected come before the timeout', async () => {
    const messages = await consumeAll(brokers, uniqueName('harness-empty'), { expected: 1, timeoutMs: 4000 });
    expect(messages).toEqual([]);
  });

  it('an owned broker can be paused (no answer, as when unreachable) and resumed', async () => {
    const own = await startKafkaMock({ useExisting: false });
    try {
      const [broker] = own.brokers;
      await own.pause!();
      await expect(answersApiVersions(broker)).rejects.toThrow(/timed out/);
      await own.resume!();
      await expect(answersApiVersions(broker)).resolves.toBe(true);
    } finally {
      await own.stop();
    }
  });
});
