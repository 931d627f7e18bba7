import type { PublishBatchCommand, PublishBatchCommandOutput } from '@aws-sdk/client-sns';
import { memoryLogger } from '../../../../test/doubles/runtime';
import type { OutgoingMessage, SnsBatchClient } from './publish';
import { SNS_MAX_PAYLOAD_BYTES } from '../../../shared/aws/batches';
import { publishToDataTopic } from './publish';

const msg = (sourceId: string, bytes = 10): OutgoingMessage => ({
  sourceId,
  type: 'campaign',
  body: 'x'.repeat(bytes),
});

/** An SNS stand-in that records requests and answers through `answer`. */
function fakeSns(answer: (entries: { Id: string; Message: string }[]) => Partial<PublishBatchCommandOutput>) {
  const requests: PublishBatchCommand['input'][] = [];
  const client: SnsBatchClient = {
    send: async (command) => {
      requests.push(command.input);
      const entries = (command.input.PublishBatchRequestEntries ?? []).map((e) => ({ Id: e.Id!, Message: e.Message! }));
      return { $metadata: {}, ...answer(entries) };
    },
  };
  return { client, requests };
}

const allSucceed = (entries: { Id: string }[]) => ({
  Successful: entries.map((e) => ({ Id: e.Id, MessageId: `sns-${e.Id}` })),
  Failed: [],
});

describe('publishToDataTopic batching', () => {
  const sourceIdsOf = (sns: ReturnType<typeof fakeSns>, messages: OutgoingMessage[]) =>
    sns.requests.map((r) =>
      r.PublishBatchRequestEntries!.map((e) => messages.find((m) => m.body === e.Message)?.sourceId),
    );

  it('puts at most batchSize entries in a request', async () => {
    const sns = fakeSns(allSucceed);
    const messages = Array.from({ length: 23 }, (_, i) => msg(`s${i}`));
    await publishToDataTopic(sns.client, 'arn:topic', messages, { batchSize: 10, log: memoryLogger() });
    expect(sns.requests.map((r) => r.PublishBatchRequestEntries!.length)).toEqual([10, 10, 3]);
  });

  it('keeps a request under the 256 KiB total', async () => {
    const sns = fakeSns(allSucceed);
    const big = 100_000;
    const messages = [
      msg('a', big),
      { ...msg('b', big), body: 'y'.repeat(big) },
      { ...msg('c', big), body: 'z'.repeat(big) },
      msg('d', 10),
    ];
    await publishToDataTopic(sns.client, 'arn:topic', messages, { batchSize: 10, concurrency: 1, log: memoryLogger() });
    expect(sourceIdsOf(sns, messages)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    for (const r of sns.requests) {
      expect(r.PublishBatchRequestEntries!.reduce((n, e) => n + e.Message!.length, 0)).toBeLessThanOrEqual(
        SNS_MAX_PAYLOAD_BYTES,
      );
    }
  });
});

describe('publishToDataTopic', () => {
  it('sends every entry with the type message attribute, in requests of batchSize', async () => {
    const sns = fakeSns(allSucceed);
    const messages = [msg('a'), { sourceId: 'b', type: 'registeredMarket' as const, body: '{"x":1}' }];
    const result = await publishToDataTopic(sns.client, 'arn:topic', messages, { batchSize: 1, log: memoryLogger() });
    expect(result).toEqual({ published: 2, failures: [] });
    expect(sns.requests).toHaveLength(2);
    expect(sns.requests.map((r) => r.PublishBatchRequestEntries![0].MessageAttributes)).toEqual([
      { type: { DataType: 'String', StringValue: 'campaign' } },
      { type: { DataType: 'String', StringValue: 'registeredMarket' } },
    ]);
    expect(sns.requests[0].TopicArn).toBe('arn:topic');
  });

  it('reports the entries in Failed, and entries with no result, as failures of their source message', async () => {
    const sns = fakeSns((entries) => ({
      Successful: entries.filter((e) => e.Message === 'ok').map((e) => ({ Id: e.Id })),
      Failed: entries
        .filter((e) => e.Message === 'no')
        .map((e) => ({ Id: e.Id, Code: 'InternalError', Message: 'try later', SenderFault: false })),
    }));
    const messages = [
      { sourceId: 'a', type: 'campaign' as const, body: 'ok' },
      { sourceId: 'b', type: 'campaign' as const, body: 'no' },
      { sourceId: 'c', type: 'campaign' as const, body: 'lost' },
    ];
    const result = await publishToDataTopic(sns.client, 'arn:topic', messages, { batchSize: 10, log: memoryLogger() });
    expect(result.published).toBe(1);
    expect(result.failures).toEqual([
      { sourceId: 'b', type: 'campaign', code: 'InternalError', message: 'try later' },
      {
        sourceId: 'c',
        type: 'campaign',
        code: 'MissingResult',
        message: 'PublishBatch returned no result for this entry',
      },
    ]);
  });

  it('fails every entry of a request that throws, and only those', async () => {
    let call = 0;
    const client: SnsBatchClient = {
      send: async (command) => {
        call++;
        if (call === 2) {
          throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
        }
        return { $metadata: {}, ...allSucceed(command.input.PublishBatchRequestEntries!.map((e) => ({ Id: e.Id! }))) };
      },
    };
    const messages = ['a', 'b', 'c', 'd'].map((id) => msg(id));
    const log = memoryLogger();
    const result = await publishToDataTopic(client, 'arn:topic', messages, { batchSize: 2, concurrency: 1, log });
    expect(result.published).toBe(2);
    expect(result.failures.map((f) => [f.sourceId, f.code])).toEqual([
      ['c', 'ThrottlingException'],
      ['d', 'ThrottlingException'],
    ]);
    expect(log.lines.some((l) => l.message === 'PublishBatch request failed')).toBe(true);
  });
});
