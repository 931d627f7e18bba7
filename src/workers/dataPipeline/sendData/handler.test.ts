import type { Message } from 'kafkajs';
import { memoryLogger, sqsEvent } from '../../../../test/doubles/runtime';
import { createSendDataHandler } from './handler';

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const dedupe = { id: 'c'.repeat(64), timestamp: '2026-02-03T04:05:06.000Z' };
const topics = {
  campaign: 'campaigns',
  market: 'markets',
  eventMapping: 'event-mappings',
  registeredMarket: 'registered-markets',
  registration: 'registrations',
};

describe('sendData handler', () => {
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
