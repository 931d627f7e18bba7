import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { RejectedRecordError } from './errors';
import { sqsBatchHandler } from './sqs';
import type { ChangeRecord } from './stream';
import { isExactAsJsonNumber, streamBatchHandler } from './stream';
import { kinesisEvent, memoryLogger, sqsEvent } from '../../../test/doubles/runtime';

/*
 * One record Lambda could never identify must not fail its batch. Lambda treats an empty, null
 * or missing itemIdentifier as the failure of the whole batch (and of every valid record in it),
 * so such a record is rejected alone, by its index, and never reported for retry.
 */

type Log = ReturnType<typeof memoryLogger>;

const parseOrder = (body: unknown) => {
  const b = body as { id?: unknown };
  if (typeof b?.id !== 'number') {
    throw new RejectedRecordError('id must be a number');
  }
  return { id: b.id };
};

const rejections = (log: Log) => log.lines.filter((l) => l.message === 'record rejected').map((l) => l.data);
const summaryOf = (log: Log) =>
  log.lines.find((l) => l.message === 'invocation finished')?.data as Record<string, number> | undefined;

/** Every itemIdentifier of a response; an empty or missing one (JSON `{}`) would fail the whole batch. */
const identifiers = (response: { batchItemFailures: { itemIdentifier: unknown }[] }): unknown[] =>
  response.batchItemFailures.map((f) => f.itemIdentifier);

/** An SQS event of valid bodies with impossible records put at the given positions. */
function sqsEventWith(impossible: Record<number, unknown>, bodies: unknown[]): SQSEvent {
  const records: unknown[] = [...sqsEvent(bodies).Records];
  for (const [at, record] of Object.entries(impossible).sort(([a], [b]) => Number(a) - Number(b))) {
    records.splice(Number(at), 0, record);
  }
  return { Records: records } as SQSEvent;
}

function kinesisEventWith(impossible: Record<number, unknown>, changes: unknown[]): KinesisStreamEvent {
  const records: unknown[] = [...kinesisEvent(changes).Records];
  for (const [at, record] of Object.entries(impossible).sort(([a], [b]) => Number(a) - Number(b))) {
    records.splice(Number(at), 0, record);
  }
  return { Records: records } as KinesisStreamEvent;
}

const insert = (sk: string, image: Record<string, unknown> = {}) => ({
  eventName: 'INSERT',
  dynamodb: { Keys: marshall({ PK: 'e:c1', SK: sk }), NewImage: marshall({ PK: 'e:c1', SK: sk, ...image }) },
});

describe('an SQS batch with records that cannot be identified', () => {
  const withoutId = (id: unknown) => ({ ...sqsEvent([{ id: 9 }]).Records[0], messageId: id });

  it('rejects each alone by its index and processes every valid message', async () => {
    // prepare
    const log = memoryLogger();
    const seen: string[] = [];
    const handler = sqsBatchHandler({
      worker: 'w',
      log,
      parse: parseOrder,
      process: async (messages) => {
        seen.push(...messages.map((m) => m.messageId));
        return { failed: [] };
      },
    });
    // act
    const event = sqsEventWith({ 0: null, 2: 7, 3: withoutId(undefined), 5: withoutId('') }, [{ id: 1 }, { id: 2 }]);
    const response = await handler(event);
    // assess
    expect(identifiers(response)).toEqual([]);
    expect(seen).toEqual(['msg-0', 'msg-1']);
    expect(rejections(log)).toEqual([
      { index: 0, reason: 'record is null, not an object' },
      { index: 2, reason: 'record is number, not an object' },
      { index: 3, reason: 'record has no messageId' },
      { index: 5, reason: 'record has no messageId' },
    ]);
    expect(summaryOf(log)).toMatchObject({ received: 6, rejected: 4, failed: 0, processed: 2 });
  });

  it('reports only identified messages when the worker throws, never an empty identifier', async () => {
    const handler = sqsBatchHandler({
      worker: 'w',
      log: memoryLogger(),
      parse: (body) => body,
      process: async () => {
        throw new Error('service down');
      },
    });
    const response = await handler(sqsEventWith({ 1: withoutId(undefined), 2: withoutId('') }, [{ id: 1 }, { id: 2 }]));
    expect(identifiers(response)).toEqual(['msg-0', 'msg-1']);
  });

  it('delays the failed messages of a batch that holds a null record', async () => {
    const delayed: string[] = [];
    const handler = sqsBatchHandler({
      worker: 'w',
      log: memoryLogger(),
      parse: parseOrder,
      process: async (messages) => ({ failed: messages.map((m) => m.messageId) }),
      retryBackoff: () => ({
        delaySeconds: () => 5,
        changeVisibility: async (_queue, changes) => {
          delayed.push(...changes.map((c) => c.messageId));
          return [];
        },
      }),
    });
    const response = await handler(sqsEventWith({ 1: null }, [{ id: 1 }, { id: 2 }]));
    expect(identifiers(response)).toEqual(['msg-0', 'msg-1']);
    expect(delayed).toEqual(['msg-0', 'msg-1']);
  });

  it('treats an event whose Records is not a list as an empty batch', async () => {
    const log = memoryLogger();
    const handler = sqsBatchHandler({ worker: 'w', log, parse: parseOrder, process: async () => ({ failed: [] }) });
    const response = await handler({ Records: { 0: sqsEvent([{ id: 1 }]).Records[0] } } as unknown as SQSEvent);
    expect(identifiers(response)).toEqual([]);
    expect(summaryOf(log)).toMatchObject({ received: 0, rejected: 0 });
  });
});

describe('a stream batch with records that cannot be identified', () => {
  const base = () => kinesisEvent([insert('entry#x')]).Records[0];
  const withoutSequence = { ...base(), kinesis: { ...base().kinesis, sequenceNumber: undefined } };
  const withoutKinesis = { ...base(), kinesis: undefined };

  it('rejects each alone by its index and processes every valid change', async () => {
    const log = memoryLogger();
    const seen: string[] = [];
    const handler = streamBatchHandler({
      worker: 'w',
      log,
      process: async (records) => {
        seen.push(...records.map((r) => r.sequenceNumber));
        return { failed: [] };
      },
    });
    const event = kinesisEventWith({ 0: withoutSequence, 2: null, 3: withoutKinesis, 4: 'x' }, [
      insert('entry#a'),
      insert('entry#b'),
    ]);
    const response = await handler(event);
    expect(identifiers(response)).toEqual([]);
    expect(seen).toEqual(['1000', '1001']);
    expect(rejections(log)).toEqual([
      // Its eventID is no sequence number: reporting it would fail the whole batch.
      { index: 0, reason: 'record has no kinesis.sequenceNumber' },
      { index: 2, reason: 'record is null, not an object' },
      { index: 3, reason: 'record has no kinesis.sequenceNumber' },
      { index: 4, reason: 'record is string, not an object' },
    ]);
    expect(summaryOf(log)).toMatchObject({ received: 6, rejected: 4, failed: 0, processed: 2 });
  });

  it('reports only identified records when the worker throws', async () => {
    const handler = streamBatchHandler({
      worker: 'w',
      log: memoryLogger(),
      process: async () => {
        throw new Error('boom');
      },
    });
    const response = await handler(kinesisEventWith({ 0: null, 1: withoutSequence }, [insert('entry#a')]));
    expect(identifiers(response)).toEqual(['1000']);
  });
});

describe('DynamoDB numbers a JSON number cannot carry exactly', () => {
  it.each([
    ['0', true],
    ['-0', true],
    ['0.1', true],
    ['1.50', true],
    ['1E+2', true],
    ['9007199254740992', true], // 2^53 itself is a double
    ['9007199254740993', false], // 2^53 + 1
    ['12345678901234567890', false],
    ['-12345678901234567890', false],
    ['0.30000000000000001', false],
    ['1e400', false],
    ['not a number', false],
  ])('%s survives JSON: %s', (text, exact) => {
    expect(isExactAsJsonNumber(text)).toBe(exact);
  });

  it('are named on the decoded change, in either image, and absent when there are none', async () => {
    const seen: ChangeRecord[] = [];
    const handler = streamBatchHandler({
      worker: 'w',
      log: memoryLogger(),
      process: async (records) => {
        seen.push(...records);
        return { failed: [] };
      },
    });
    const big = {
      eventName: 'MODIFY',
      dynamodb: {
        Keys: marshall({ PK: 'e:c1', SK: 'entry#big' }),
        NewImage: { PK: { S: 'e:c1' }, fields: { M: { ticket_count: { N: '12345678901234567890' } } } },
        OldImage: { PK: { S: 'e:c1' }, tags: { NS: ['1', '9007199254740993'] } },
      },
    };
    await handler(kinesisEvent([big, insert('entry#ok', { n: 1.5 })]));
    expect(seen[0].inexactNumbers).toEqual(['12345678901234567890', '9007199254740993']);
    expect(seen[1]).not.toHaveProperty('inexactNumbers');
  });
});
