import type { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { runWithContext } from '../../../shared/runtime/context';
import { createQueueSender } from './queueSender';

type Reply = { Failed?: { Id: string; SenderFault: boolean; Code: string; Message?: string }[] } | Error;

/** An SQS client double: records each SendMessageBatch and answers from `replies` in turn (default: all sent; what is not in `Failed` is in `Successful`). */
function client(replies: Reply[] = []) {
  const calls: { ids: string[]; bodies: string[]; attributes: unknown[] }[] = [];
  return {
    calls,
    send: async (command: SendMessageBatchCommand) => {
      const entries = command.input.Entries ?? [];
      calls.push({
        ids: entries.map((e) => e.Id!),
        bodies: entries.map((e) => e.MessageBody!),
        attributes: entries.map((e) => e.MessageAttributes),
      });
      const reply = replies.shift() ?? {};
      if (reply instanceof Error) {
        throw reply;
      }
      const failed = new Set((reply.Failed ?? []).map((f) => f.Id));
      return { ...reply, Successful: entries.filter((e) => !failed.has(e.Id!)).map((e) => ({ Id: e.Id! })) };
    },
  };
}

const noSleep = async () => undefined;

describe('queue sender', () => {
  it('stamps every message with the trace of the work that sends it', async () => {
    const sqs = client();
    const sender = createQueueSender({ client: sqs as never, queueUrl: 'q', maxEntries: 10, sleep: noSleep });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await runWithContext({ worker: 'w', correlationId: 'corr-1', traceparent }, () =>
      sender.send([{ i: 0 }, { i: 1 }]),
    );
    const expected = {
      traceparent: { DataType: 'String', StringValue: traceparent },
      correlationId: { DataType: 'String', StringValue: 'corr-1' },
    };
    expect(sqs.calls[0].attributes).toEqual([expected, expected]);
  });

  it('sends JSON bodies in batches of ten', async () => {
    const sqs = client();
    const sender = createQueueSender({ client: sqs as never, queueUrl: 'q', maxEntries: 10, sleep: noSleep });
    const outcome = await sender.send(Array.from({ length: 25 }, (_, i) => ({ i })));
    expect(outcome).toEqual({ sent: 25, failed: [] });
    expect(sqs.calls.map((c) => c.ids.length)).toEqual([10, 10, 5]);
    expect(JSON.parse(sqs.calls[2].bodies[4])).toEqual({ i: 24 });
  });

  it('retries entries that failed on the service side, not those the sender got wrong', async () => {
    const sqs = client([
      {
        Failed: [
          { Id: '1', SenderFault: false, Code: 'InternalError' },
          { Id: '2', SenderFault: true, Code: 'InvalidMessageContents' },
        ],
      },
      {},
    ]);
    const sender = createQueueSender({ client: sqs as never, queueUrl: 'q', maxEntries: 10, sleep: noSleep });
    const outcome = await sender.send([{ a: 0 }, { a: 1 }, { a: 2 }]);
    expect(sqs.calls.map((c) => c.ids)).toEqual([['0', '1', '2'], ['1']]);
    expect(outcome).toEqual({ sent: 2, failed: [2], firstError: 'InvalidMessageContents:' });
  });

  it('reports every message of a batch whose request keeps failing', async () => {
    const sqs = client([new Error('socket hang up'), new Error('socket hang up'), new Error('socket hang up')]);
    const sender = createQueueSender({
      client: sqs as never,
      queueUrl: 'q',
      maxEntries: 2,
      attempts: 3,
      concurrency: 1,
      sleep: noSleep,
    });
    const outcome = await sender.send([1, 2, 3]);
    expect(outcome).toEqual({ sent: 1, failed: [0, 1], firstError: 'Error: socket hang up' });
    expect(sqs.calls).toHaveLength(4);
  });
});
