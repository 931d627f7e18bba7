/**
 * The shared SQS retry backoff against fauxqs: a worker that opts in makes each failed message
 * invisible for the schedule's delay of its receive count (ChangeMessageVisibility) before it
 * reports the failure, so a queue with maxReceiveCount 3 and a short visibility timeout keeps a
 * message well past the point where, without the backoff, it would have been dead-lettered.
 * A failing ChangeMessageVisibility (a receipt handle SQS refuses: real fauxqs behaviour, no mock)
 * still reports the message as failed and logs why. A batch that hangs is given up shortly before
 * the function timeout, so its messages are delayed too (Lambda's clock is the test's context).
 */
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { createSqsRetryBackoff, queueUrlOfArn } from '../../../src/shared/aws/retryBackoff';
import type { SqsRetryBackoff } from '../../../src/shared/runtime/sqs';
import { BATCH_RESERVE_MS, sqsBatchHandler } from '../../../src/shared/runtime/sqs';
import { sqsEventOf } from '../../harness/sqs';
import { memoryLogger } from '../../doubles/runtime';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv, setEnv } from '../../harness/env';
import { localQueueUrl } from '../../../tools/local/emulators/sqs';
import { messagingClients } from '../../faults/aws';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let sqs: SQSClient;
let restoreEnv: () => void;

beforeAll(() => {
  sqs = messagingClients().sqs;
  // The worker's client finds the emulator the way the local runtime points functions at it.
  restoreEnv = setEnv({ AWS_ENDPOINT_URL_SQS: requireEnv('SQS_ENDPOINT') });
});

afterAll(() => {
  restoreEnv();
  sqs.destroy();
});

/** A queue with the seed's redrive (maxReceiveCount 3) and a 1 s visibility timeout. */
async function queueWithDlq() {
  const name = uniqueName('backoff');
  const endpoint = requireEnv('SQS_ENDPOINT');
  await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqUrl = localQueueUrl(endpoint, `${name}-dlq`);
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
      },
    }),
  );
  const url = localQueueUrl(endpoint, name);
  const receive = async (): Promise<SQSEvent> => {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
    );
    return sqsEventOf(out.Messages ?? [], url);
  };
  const depth = async (queueUrl: string) => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  };
  return { url, dlqUrl, receive, depth };
}

/** A worker that fails every message, with the shared backoff on the emulator. */
const failingHandler = (log: ReturnType<typeof memoryLogger>, backoff: () => SqsRetryBackoff) =>
  sqsBatchHandler({
    worker: 'w',
    log,
    parse: (body) => body,
    process: async (messages) => ({ failed: messages.map((m) => m.messageId) }),
    retryBackoff: backoff,
  });

describe('SQS retry backoff (shared runtime, opt-in)', () => {
  it('builds the queue URL from the record ARN on the configured endpoint or the regional one', () => {
    expect(queueUrlOfArn('arn:aws:sqs:eu-west-1:123456789012:save-entries', {})).toBe(
      'https://sqs.eu-west-1.amazonaws.com/123456789012/save-entries',
    );
    expect(queueUrlOfArn('arn:aws:sqs:us-east-1:000000000000:q', { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9/' })).toBe(
      'http://127.0.0.1:9/000000000000/q',
    );
    expect(() => queueUrlOfArn('arn:aws:sns:us-east-1:0:t', {})).toThrow('not an SQS queue ARN');
  });

  it('keeps a failed message invisible for the delay of its receive count, so it outlives three visibility timeouts', async () => {
    const q = await queueWithDlq();
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: JSON.stringify({ n: 1 }) }));
    const log = memoryLogger();
    // Receive 1 fails -> 2 s, receive 2 fails -> 4 s: without it the message would come back every 1 s.
    const handler = failingHandler(log, () => createSqsRetryBackoff(sqs, [2, 4]));

    const first = await q.receive();
    expect(first.Records).toHaveLength(1);
    expect((await handler(first)).batchItemFailures).toEqual([{ itemIdentifier: first.Records[0].messageId }]);
    await sleep(1300);
    // Past the queue's 1 s visibility timeout the message is still hidden by the backoff.
    expect((await q.receive()).Records).toHaveLength(0);
    await sleep(1200);
    const second = await q.receive();
    expect(second.Records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['2']);
    await handler(second);
    await sleep(2500);
    expect((await q.receive()).Records).toHaveLength(0);
    expect(await q.depth(q.dlqUrl)).toBe(0);

    const delayed = log.lines.filter((l) => l.message === 'failed messages delayed before their next delivery');
    expect(delayed.map((l) => l.data)).toEqual([
      { messages: 1, delaysSeconds: [2] },
      { messages: 1, delaysSeconds: [4] },
    ]);
    expect(log.lines.filter((l) => l.message === 'invocation finished').map((l) => l.data)).toEqual([
      expect.objectContaining({ failed: 1, delayed: 1, delayFailed: 0 }),
      expect.objectContaining({ failed: 1, delayed: 1, delayFailed: 0 }),
    ]);
  });

  it('still reports the message as failed, and logs why, when its visibility cannot be changed', async () => {
    const q = await queueWithDlq();
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: JSON.stringify({ n: 2 }) }));
    const event = await q.receive();
    // Failure injection: a receipt handle the emulator does not know, as SQS answers for an expired one.
    event.Records[0].receiptHandle = 'not-a-receipt-handle';
    const log = memoryLogger();
    const result = await failingHandler(log, () => createSqsRetryBackoff(sqs, [60]))(event);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0].messageId }]);
    const line = log.lines.find((l) => l.message === 'could not delay a failed message; it comes back after the visibility timeout');
    expect(line?.level).toBe('error');
    expect(line?.data).toMatchObject({ id: event.Records[0].messageId, reason: expect.any(String) });
    // Nothing lost: without the delay the message comes back after the queue's visibility timeout.
    await sleep(1300);
    expect((await q.receive()).Records.map((r) => r.messageId)).toEqual([event.Records[0].messageId]);
  });

  it('gives up a batch that still hangs shortly before the function timeout: every message failed and delayed', async () => {
    const q = await queueWithDlq();
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: JSON.stringify({ n: 3 }) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: JSON.stringify({ n: 4 }) }));
    const event = await q.receive();
    expect(event.Records).toHaveLength(2);
    const log = memoryLogger();
    // A downstream that accepts the request and never answers.
    const handler = sqsBatchHandler({
      worker: 'w',
      log,
      parse: (body) => body,
      process: () => new Promise(() => undefined),
      retryBackoff: () => createSqsRetryBackoff(sqs, [3]),
    });
    // Lambda's clock: the function times out BATCH_RESERVE_MS + 300 ms from now.
    const deadline = Date.now() + BATCH_RESERVE_MS + 300;
    const context = { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as unknown as Context;
    const result = await Promise.race([handler(event, context), sleep(BATCH_RESERVE_MS + 1000).then(() => 'still running')]);

    expect(result).not.toBe('still running');
    expect(Date.now()).toBeLessThan(deadline);
    expect((result as Awaited<ReturnType<typeof handler>>).batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      event.Records.map((r) => r.messageId).sort(),
    );
    const failedLine = log.lines.find((l) => l.message === 'batch failed; every record will be retried');
    expect(failedLine?.data).toMatchObject({ error: { message: `batch given up ${BATCH_RESERVE_MS} ms before the function timeout` } });
    expect(log.lines.find((l) => l.message === 'failed messages delayed before their next delivery')?.data).toEqual({
      messages: 2,
      delaysSeconds: [3],
    });
    // Delayed, not back after the queue's 1 s visibility timeout.
    await sleep(1300);
    expect((await q.receive()).Records).toHaveLength(0);
  });

  it('reports the failures even when the backoff cannot be built', async () => {
    const q = await queueWithDlq();
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{}' }));
    const event = await q.receive();
    const log = memoryLogger();
    const result = await failingHandler(log, () => {
      throw new Error('sqsRetry.backoffSeconds missing');
    })(event);
    expect(result.batchItemFailures).toHaveLength(1);
    expect(log.lines.some((l) => l.message === 'retry backoff unavailable; failed messages come back after the visibility timeout')).toBe(true);
  });
});
