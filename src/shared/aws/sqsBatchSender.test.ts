/**
 * The sender against an SQS double that answers each request from a script: partial failures,
 * missing results and thrown requests cannot be provoked on demand from a real queue. The callers'
 * integration and fault tests (test/faults, test/integration/replication) send through it to the
 * local SQS emulator.
 */
import type { SendMessageBatchCommandInput, SendMessageBatchCommandOutput } from '@aws-sdk/client-sqs';
import type { SqsMessage } from './sqsBatchSender';
import { sendMessageBatches, sqsMessageBytes } from './sqsBatchSender';

/** What the double does with one entry on one request: take it, fail it, or leave it out of the answer. */
type Answer = 'ok' | 'fail' | 'senderFault' | 'missing';

function sqs(answer: (id: string, call: number) => Answer | Error = () => 'ok') {
  const calls: { ids: string[]; bodies: string[]; attributes: unknown[] }[] = [];
  const sendBatch = async (input: SendMessageBatchCommandInput): Promise<SendMessageBatchCommandOutput> => {
    const entries = input.Entries ?? [];
    const call = calls.length + 1;
    calls.push({
      ids: entries.map((e) => e.Id!),
      bodies: entries.map((e) => e.MessageBody!),
      attributes: entries.map((e) => e.MessageAttributes),
    });
    const answers = entries.map((e) => [e.Id!, answer(e.Id!, call)] as const);
    const thrown = answers.find(([, a]) => a instanceof Error);
    if (thrown) {
      throw thrown[1];
    }
    return {
      $metadata: {},
      Successful: answers
        .filter(([, a]) => a === 'ok')
        .map(([Id]) => ({ Id, MessageId: `m-${Id}`, MD5OfMessageBody: '' })),
      Failed: answers
        .filter(([, a]) => a === 'fail' || a === 'senderFault')
        .map(([Id, a]) => ({
          Id,
          SenderFault: a === 'senderFault',
          Code: a === 'fail' ? 'InternalError' : 'InvalidParameterValue',
          Message: a === 'fail' ? 'try again' : 'bad message',
        })),
    };
  };
  return { calls, sendBatch };
}

const messages = (n: number, body = (i: number) => `{"i":${i}}`): SqsMessage[] =>
  Array.from({ length: n }, (_, i) => ({ body: body(i) }));

function recordSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe('sendMessageBatches', () => {
  it('sends every message once, in order, ten per request, with its attributes', async () => {
    const s = sqs();
    const traced: SqsMessage = {
      body: '{"t":1}',
      attributes: {
        traceparent: { DataType: 'String', StringValue: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      },
    };
    const outcome = await sendMessageBatches([...messages(24), traced], { sendBatch: s.sendBatch, queueUrl: 'q' });
    expect(outcome).toEqual({ sent: 25, failures: [] });
    expect(s.calls.map((c) => c.ids.length)).toEqual([10, 10, 5]);
    expect(s.calls.flatMap((c) => c.bodies)).toEqual([...messages(24).map((m) => m.body), '{"t":1}']);
    expect(s.calls[2].attributes[4]).toEqual(traced.attributes);
    expect(s.calls[0].attributes[0]).toBeUndefined();
  });

  it('keeps each request within the byte limit, attributes counted', async () => {
    const s = sqs();
    const attributes = { correlationId: { DataType: 'String' as const, StringValue: 'c'.repeat(90) } };
    const m = { body: 'x'.repeat(300), attributes };
    expect(sqsMessageBytes(m)).toBe(300 + 'correlationId'.length + 'String'.length + 90);
    const binary = { body: 'ab', attributes: { b: { DataType: 'Binary', BinaryValue: new Uint8Array(5) } } };
    expect(sqsMessageBytes(binary)).toBe(2 + 1 + 'Binary'.length + 5);
    await sendMessageBatches([m, m, m, m, m], { sendBatch: s.sendBatch, queueUrl: 'q', maxBytes: 1000 });
    expect(s.calls.map((c) => c.ids.length)).toEqual([2, 2, 1]);
  });

  it('sends again only the entries SQS failed, after a jittered backoff, and reports those that keep failing', async () => {
    // Entry 3 fails once, entry 7 every time, entry 5 is the sender's fault.
    const s = sqs((id, call) => {
      if (id === '5') {
        return 'senderFault';
      }
      if (id === '7' || (id === '3' && call === 1)) {
        return 'fail';
      }
      return 'ok';
    });
    const { delays, sleep } = recordSleep();
    const outcome = await sendMessageBatches(messages(10), {
      sendBatch: s.sendBatch,
      queueUrl: 'q',
      sleep,
      random: () => 0.5,
    });
    expect(s.calls.map((c) => c.ids)).toEqual([['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], ['3', '7'], ['7']]);
    expect(delays).toEqual([25, 50]);
    expect(outcome).toEqual({
      sent: 8,
      failures: [
        { index: 5, code: 'InvalidParameterValue', message: 'bad message', senderFault: true },
        { index: 7, code: 'InternalError', message: 'try again', senderFault: false },
      ],
    });
  });

  it('backs off exponentially up to the maximum, with full jitter', async () => {
    const s = sqs(() => 'fail');
    const { delays, sleep } = recordSleep();
    const options = {
      sendBatch: s.sendBatch,
      queueUrl: 'q',
      attempts: 6,
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
      sleep,
    };
    await sendMessageBatches(messages(1), { ...options, random: () => 0.999 });
    expect(delays).toEqual([99, 199, 399, 799, 999]);
    delays.length = 0;
    await sendMessageBatches(messages(1), { ...options, random: () => 0 });
    expect(delays).toEqual([0, 0, 0, 0, 0]);
  });

  it('never assumes an entry missing from the answer was sent', async () => {
    const s = sqs((id, call) => (id === '1' && call < 3 ? 'missing' : 'ok'));
    const outcome = await sendMessageBatches(messages(2), {
      sendBatch: s.sendBatch,
      queueUrl: 'q',
      sleep: async () => undefined,
    });
    expect(s.calls.map((c) => c.ids)).toEqual([['0', '1'], ['1'], ['1']]);
    expect(outcome).toEqual({ sent: 2, failures: [] });
    const never = sqs(() => 'missing');
    expect(
      await sendMessageBatches(messages(1), {
        sendBatch: never.sendBatch,
        queueUrl: 'q',
        sleep: async () => undefined,
      }),
    ).toEqual({
      sent: 0,
      failures: [
        {
          index: 0,
          code: 'MissingResult',
          message: 'SendMessageBatch returned no result for this entry',
          senderFault: false,
        },
      ],
    });
  });

  it('retries a request that threw, and reports all of its entries, and only those, when it keeps throwing', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    // The second request (entries 10 and 11) throws every time; the first goes through.
    const s = sqs((id) => (Number(id) >= 10 ? throttled : 'ok'));
    const outcome = await sendMessageBatches(messages(12), {
      sendBatch: s.sendBatch,
      queueUrl: 'q',
      concurrency: 1,
      attempts: 3,
      sleep: async () => undefined,
    });
    expect(s.calls.map((c) => c.ids.length)).toEqual([10, 2, 2, 2]);
    expect(outcome).toEqual({
      sent: 10,
      failures: [10, 11].map((index) => ({
        index,
        code: 'ThrottlingException',
        message: 'Rate exceeded',
        senderFault: false,
      })),
    });
  });

  it('recovers a request that threw once', async () => {
    const s = sqs((_, call) => (call === 1 ? new Error('socket hang up') : 'ok'));
    const outcome = await sendMessageBatches(messages(3), {
      sendBatch: s.sendBatch,
      queueUrl: 'q',
      sleep: async () => undefined,
    });
    expect(outcome).toEqual({ sent: 3, failures: [] });
    expect(s.calls).toHaveLength(2);
  });

  it('never sends a message over the size limit, reports it, and sends the rest', async () => {
    const s = sqs();
    const outcome = await sendMessageBatches([{ body: 'a' }, { body: 'b'.repeat(11) }, { body: 'c' }], {
      sendBatch: s.sendBatch,
      queueUrl: 'q',
      maxBytes: 10,
    });
    expect(s.calls.map((c) => c.bodies)).toEqual([['a', 'c']]);
    expect(outcome).toEqual({
      sent: 2,
      failures: [
        {
          index: 1,
          code: 'MessageTooLong',
          message: 'message of 11 bytes is over the 10-byte limit',
          senderFault: true,
        },
      ],
    });
  });

  it('sends nothing for no messages', async () => {
    const s = sqs();
    expect(await sendMessageBatches([], { sendBatch: s.sendBatch, queueUrl: 'q' })).toEqual({ sent: 0, failures: [] });
    expect(s.calls).toEqual([]);
  });
});
