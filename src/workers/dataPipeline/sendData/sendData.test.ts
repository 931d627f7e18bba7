import type { Message } from 'kafkajs';
import type { DataType } from '../../../shared/dataPipeline';
import { memoryLogger, sqsEvent } from '../../../../test/doubles/runtime';
import type { TypedQueueMessage } from './resolveRecord';
import type { KafkaSender } from './sendData';
import { SEND_RESERVE_MS, createSendDataHandler, sendDataRecords } from './sendData';

const dedupe = { id: 'b'.repeat(64), timestamp: '2026-02-03T04:05:06.000Z' };
const topics: Record<DataType, string> = {
  campaign: 't-campaigns',
  market: 't-markets',
  eventMapping: 't-event-mappings',
  registeredMarket: 't-registered-markets',
  registration: 't-registrations',
};

const records: Record<DataType, Record<string, unknown>> = {
  campaign: { campaignId: 'c1', name: 'N', dedupe },
  market: { campaignId: 'c1', marketId: 'm1', dedupe },
  eventMapping: { campaignId: 'c1', marketId: 'm1', eventIds: ['E1'], dedupe },
  registeredMarket: { campaignId: 'c1', globalUserId: 'g1', marketId: 'm1', rank: 1, dedupe },
  registration: { campaignId: 'c1', globalUserId: 'g1', dedupe },
};

const message = (id: string, type: string, body: unknown): TypedQueueMessage => ({
  messageId: id,
  body,
  messageAttributes: { type },
});

/** A publisher stand-in: records sends, fails topics listed in `failTopics`. */
function fakePublisher(failTopics: string[] = []) {
  const sends: { topic: string; messages: Message[] }[] = [];
  const publisher: KafkaSender = {
    send: async (topic, messages) => {
      if (failTopics.includes(topic) || failTopics.includes('*')) {
        throw new Error(`Connection error: connect ECONNREFUSED (${topic})`);
      }
      sends.push({ topic, messages });
    },
  };
  return { publisher, sends };
}

describe('sendDataRecords', () => {
  it('sends each type to its topic with its key, one send per topic', async () => {
    const kafka = fakePublisher();
    const batch = [
      ...Object.entries(records).map(([type, body], i) => message(`q${i}`, type, body)),
      message('q5', 'registration', { ...records.registration, globalUserId: 'g2' }),
    ];
    const result = await sendDataRecords(batch, { publisher: kafka.publisher, topics, log: memoryLogger() });
    expect(result).toEqual({ failed: [], rejected: [], counts: { published: 6, topics: 5, sendFailures: 0 } });
    expect(kafka.sends.map((s) => s.topic).sort()).toEqual(Object.values(topics).sort());
    const keys = Object.fromEntries(kafka.sends.map((s) => [s.topic, s.messages.map((m) => m.key)]));
    expect(keys).toEqual({
      't-campaigns': ['c1'],
      't-markets': ['m1'],
      't-event-mappings': ['c1:m1'],
      't-registered-markets': ['c1:g1:m1'],
      't-registrations': ['c1:g1', 'c1:g2'],
    });
    const registrationSend = kafka.sends.find((s) => s.topic === 't-registrations')!;
    expect(JSON.parse(String(registrationSend.messages[0].value))).toEqual(records.registration);
  });

  it('groups by topic, not by type, when two types share a topic', async () => {
    const kafka = fakePublisher();
    await sendDataRecords([message('a', 'campaign', records.campaign), message('b', 'market', records.market)], {
      publisher: kafka.publisher,
      topics: { ...topics, market: 't-campaigns' },
      log: memoryLogger(),
    });
    expect(kafka.sends).toHaveLength(1);
    expect(kafka.sends[0].messages.map((m) => m.key)).toEqual(['c1', 'm1']);
  });

  it('reports exactly the records of a failed send as failures', async () => {
    const kafka = fakePublisher(['t-registrations']);
    const log = memoryLogger();
    const result = await sendDataRecords(
      [
        message('a', 'registration', records.registration),
        message('b', 'campaign', records.campaign),
        message('c', 'registration', { ...records.registration, globalUserId: 'g2' }),
      ],
      { publisher: kafka.publisher, topics, log },
    );
    expect(result.failed.sort()).toEqual(['a', 'c']);
    expect(kafka.sends.map((s) => s.topic)).toEqual(['t-campaigns']);
    expect(log.lines.find((l) => l.message === 'kafka send failed; its records will be retried')?.data).toMatchObject({
      topic: 't-registrations',
      records: 2,
    });
  });

  it('fails every record when the producer cannot connect', async () => {
    const kafka = fakePublisher(['*']);
    const batch = Object.entries(records).map(([type, body], i) => message(`q${i}`, type, body));
    const result = await sendDataRecords(batch, { publisher: kafka.publisher, topics, log: memoryLogger() });
    expect(result.failed.sort()).toEqual(['q0', 'q1', 'q2', 'q3', 'q4']);
  });

  it('rejects invalid records with the reason and still sends the rest', async () => {
    const kafka = fakePublisher();
    const result = await sendDataRecords(
      [
        message('bad-schema', 'campaign', { name: 'no id', dedupe }),
        message('bad-type', 'fanlist', records.campaign),
        { messageId: 'no-type', body: records.campaign, messageAttributes: {} },
        message('good', 'campaign', records.campaign),
      ],
      { publisher: kafka.publisher, topics, log: memoryLogger() },
    );
    expect(result.failed).toEqual([]);
    expect(result.rejected).toEqual([
      { id: 'bad-schema', reason: "schema validation failed: campaign must have required property 'campaignId'" },
      { id: 'bad-type', reason: expect.stringMatching(/^unknown type "fanlist"/) },
      { id: 'no-type', reason: expect.stringMatching(/^message has no "type" attribute/) },
    ]);
    expect(kafka.sends.flatMap((s) => s.messages.map((m) => m.key))).toEqual(['c1']);
  });

  it('splits a topic over several sends past maxSendBytes and stops that topic at the first failure', async () => {
    const sends: number[] = [];
    let call = 0;
    const publisher: KafkaSender = {
      send: async (_topic, messages) => {
        call++;
        if (call === 2) {
          throw new Error('broker gone');
        }
        sends.push(messages.length);
      },
    };
    const batch = Array.from({ length: 6 }, (_, i) =>
      message(`r${i}`, 'registration', { ...records.registration, globalUserId: `g${i}` }),
    );
    const size = JSON.stringify(batch[0].body).length + 'c1:g0'.length;
    const result = await sendDataRecords(batch, { publisher, topics, log: memoryLogger(), maxSendBytes: size * 2 });
    expect(sends).toEqual([2]);
    expect(result.failed).toEqual(['r2', 'r3', 'r4', 'r5']);
  });

  it('gives up a send that hangs before the function times out, so its records are reported failed', async () => {
    // A broker that accepts connections and never answers: the send never settles.
    const publisher: KafkaSender = { send: () => new Promise<void>(() => undefined) };
    const log = memoryLogger();
    const started = Date.now();
    const result = await sendDataRecords([message('h', 'campaign', records.campaign)], {
      publisher,
      topics,
      log,
      remainingTimeMs: () => SEND_RESERVE_MS + 50 - (Date.now() - started),
    });
    expect(result.failed).toEqual(['h']);
    expect(log.lines.find((l) => l.message === 'kafka send failed; its records will be retried')?.data).toMatchObject({
      error: { message: `kafka send given up ${SEND_RESERVE_MS} ms before the function timeout` },
    });
  });

  it('warns when it had to unwrap SNS envelopes', async () => {
    const log = memoryLogger();
    const envelope = {
      Type: 'Notification',
      Message: JSON.stringify(records.market),
      MessageAttributes: { type: { Type: 'String', Value: 'market' } },
    };
    const kafka = fakePublisher();
    await sendDataRecords([{ messageId: 'e', body: envelope, messageAttributes: {} }], {
      publisher: kafka.publisher,
      topics,
      log,
    });
    expect(kafka.sends[0]).toMatchObject({ topic: 't-markets', messages: [{ key: 'm1' }] });
    expect(
      log.lines.some((l) => l.message === 'SNS envelopes unwrapped; the subscription should use raw message delivery'),
    ).toBe(true);
  });
});

describe('sendData handler', () => {
  // The handler tests' own fixtures: other ids and topic names than the sendDataRecords tests above.
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const dedupe = { id: 'c'.repeat(64), timestamp: '2026-02-03T04:05:06.000Z' };
  const topics = {
    campaign: 'campaigns',
    market: 'markets',
    eventMapping: 'event-mappings',
    registeredMarket: 'registered-markets',
    registration: 'registrations',
  };

  it('takes the type from the SQS message attribute and sends to its topic, with the message’s trace as headers', async () => {
    const sends: { topic: string; messages: Message[] }[] = [];
    const handler = createSendDataHandler(
      (ctx) => ({
        publisher: { send: async (topic, messages) => void sends.push({ topic, messages }) },
        topics,
        log: ctx.log,
      }),
      { log: memoryLogger() },
    );
    const result = await handler(
      sqsEvent([{ campaignId: 'c1', marketId: 'm1', eventIds: ['E1'], dedupe }], {
        attributes: { type: 'eventMapping', traceparent, correlationId: 'corr-1' },
      }),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(sends).toEqual([
      {
        topic: 'event-mappings',
        // No OpenTelemetry SDK here: the message's own trace context goes on unchanged.
        messages: [{ key: 'c1:m1', value: expect.any(String), headers: { traceparent, correlationId: 'corr-1' } }],
      },
    ]);
  });

  it('fails every record when the publisher cannot be created, but still rejects the invalid ones', async () => {
    const log = memoryLogger();
    const handler = createSendDataHandler(
      (ctx) => ({
        publisher: {
          send: async () => {
            throw new Error('Kafka without TLS is allowed only in local runs (CONFIG_ENV=prod)');
          },
        },
        topics,
        log: ctx.log,
      }),
      { log },
    );
    const result = await handler(
      sqsEvent(
        [
          { campaignId: 'c1', dedupe },
          { campaignId: 'c2', dedupe },
          { name: 'no id', dedupe },
        ],
        { attributes: { type: 'campaign' } },
      ),
    );
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['msg-0', 'msg-1']);
    expect(log.lines.find((l) => l.message === 'invocation finished')?.data).toMatchObject({ failed: 2, rejected: 1 });
  });
});
