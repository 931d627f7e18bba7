import type { InvokeOutcome } from '../lambda/host';
import { applyInputTemplate } from './pipe';
import { failedItemIds } from './sqs';
import type { DeliveryResult } from './stream';
import { StreamConsumer } from './stream';
import type { KinesisStreamRecord } from '../dynamoStream';

const ok = (payload: unknown): InvokeOutcome => ({ ok: true, payload, requestId: 'r', durationMs: 1 });

describe('partial batch responses', () => {
  const ids = ['m1', 'm2', 'm3'];

  it('retries exactly the listed items', () => {
    expect(failedItemIds(ok({ batchItemFailures: [{ itemIdentifier: 'm2' }] }), ids, true)).toEqual(['m2']);
    expect(failedItemIds(ok({ batchItemFailures: [] }), ids, true)).toEqual([]);
    expect(failedItemIds(ok(null), ids, true)).toEqual([]);
  });

  it('treats a function error or an invalid identifier as a failure of the whole batch', () => {
    const error: InvokeOutcome = { ok: false, error: { errorType: 'Error', errorMessage: 'x' }, requestId: 'r', durationMs: 1 };
    expect(failedItemIds(error, ids, true)).toBeUndefined();
    expect(failedItemIds(ok({ batchItemFailures: [{ itemIdentifier: 'other' }] }), ids, true)).toBeUndefined();
    expect(failedItemIds(ok({ batchItemFailures: [{ itemIdentifier: '' }] }), ids, true)).toBeUndefined();
  });

  it('ignores batchItemFailures when the mapping does not report them', () => {
    expect(failedItemIds(ok({ batchItemFailures: [{ itemIdentifier: 'm1' }] }), ids, false)).toEqual([]);
  });
});

describe('pipe input templates', () => {
  const event = { data: { dynamodb: { NewImage: { type: { S: 'registration' } } } }, eventName: 'aws:kinesis:record' };

  it('inserts values as JSON and inside quotes as text, like the dmnd-table-pipe template', () => {
    expect(JSON.parse(applyInputTemplate('{ "type": "registration", "data": <$.data.dynamodb.NewImage> }', event))).toEqual({
      type: 'registration',
      data: { type: { S: 'registration' } },
    });
    expect(applyInputTemplate('{"name": "<$.eventName>"}', event)).toBe('{"name": "aws:kinesis:record"}');
  });
});

describe('stream consumer drained reads', () => {
  const record = (n: number) =>
    ({ kinesis: { sequenceNumber: String(n), data: Buffer.from('{}').toString('base64'), approximateArrivalTimestamp: 0 }, eventID: `s:${n}` }) as KinesisStreamRecord;

  it('marks the stream drained only by a read that found nothing left, begun after the records were delivered', async () => {
    // An in-memory source: the consumer's batching logic is what is under test here; the
    // DynamoDB Local stream itself is exercised by test/integration/local/runtime.test.ts.
    const pending = [[record(1), record(2)]];
    let release!: () => void;
    const delivered = new Promise<void>((resolve) => (release = resolve));
    let deliveredAt = 0;
    const consumer = new StreamConsumer({
      config: { name: 'test', batchSize: 10, maximumBatchingWindowSeconds: 0, filters: [], bisectOnError: false, maximumRetryAttempts: 0 },
      source: { read: async () => pending.shift() ?? [], close: () => undefined },
      deliver: async (): Promise<DeliveryResult> => {
        await delivered;
        deliveredAt = Date.now();
        return { kind: 'ok' };
      },
      onExhausted: async () => undefined,
      pollIntervalMs: 10,
    });
    const until = async (condition: () => boolean) => {
      for (let waited = 0; !condition(); waited += 5) {
        if (waited > 5000) {
          throw new Error('condition not reached in 5 s');
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    consumer.start();
    await until(() => consumer.stats.batches === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // While the batch is being delivered nothing counts as drained.
    expect(consumer.isBusy()).toBe(true);
    expect(consumer.drainedSince()).toBe(0);
    release();
    await until(() => consumer.drainedSince() > 0);
    await consumer.stop();
    expect(consumer.isBusy()).toBe(false);
    expect(consumer.stats.records).toBe(2);
    expect(consumer.drainedSince()).toBeGreaterThanOrEqual(deliveredAt);
  });
});
