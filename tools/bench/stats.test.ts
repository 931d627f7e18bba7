import { interleaved, median, timedPair } from './stats';
import { sqsEvent } from './sqsEvent';

describe('bench statistics', () => {
  it('takes the middle value, the upper one of an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(3);
  });

  it('alternates which of the pair goes first, round by round, and times each', async () => {
    const order: string[] = [];
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    const worker = async () => (order.push('w'), pause());
    const baseline = async () => (order.push('b'), pause());
    const first = await timedPair(0, worker, baseline);
    await timedPair(1, worker, baseline);
    expect(order).toEqual(['w', 'b', 'b', 'w']);
    expect(first.worker).toBeGreaterThanOrEqual(4);
    expect(first.baseline).toBeGreaterThanOrEqual(4);
    const times = await interleaved(3, worker, baseline);
    expect(order.slice(4)).toEqual(['w', 'b', 'b', 'w', 'w', 'b']);
    expect(times.worker).toHaveLength(3);
    expect(times.baseline).toHaveLength(3);
  });

  it('stops at the first failure of either side', async () => {
    await expect(
      interleaved(
        2,
        async () => undefined,
        async () => {
          throw new Error('baseline failed');
        },
      ),
    ).rejects.toThrow('baseline failed');
  });
});

describe('sqsEvent', () => {
  it('delivers each message as a first SQS delivery with its string attributes', () => {
    const event = sqsEvent([{ messageId: 'm1', body: '{"a":1}', attributes: { type: 'registration' } }], 'typed');
    expect(event.Records).toHaveLength(1);
    expect(event.Records[0]).toMatchObject({
      messageId: 'm1',
      receiptHandle: 'm1',
      body: '{"a":1}',
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: { type: { dataType: 'String', stringValue: 'registration' } },
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:typed',
    });
  });
});
