import type { PublishBatchCommand, PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { marshall } from '@aws-sdk/util-dynamodb';
import { memoryLogger, sqsEvent } from '../../../../test/doubles/runtime';
import { campaignData, registrationEntry } from '../../../../tools/local/emulators/producers';
import { createProcessDataHandler } from './handler';
import type { SnsBatchClient } from './publish';

const okSns = (seen: string[] = []): SnsBatchClient => ({
  send: async (command: PublishBatchCommand) => {
    const entries = command.input.PublishBatchRequestEntries ?? [];
    seen.push(...entries.map((e) => e.Message!));
    return { $metadata: {}, Successful: entries.map((e) => ({ Id: e.Id! })), Failed: [] };
  },
});

describe('processData handler', () => {
  it('returns failures by messageId, logs rejections, and writes one summary line', async () => {
    const log = memoryLogger();
    const failing: SnsBatchClient = {
      send: async (command: PublishBatchCommand) => {
        const entries = command.input.PublishBatchRequestEntries ?? [];
        return {
          $metadata: {},
          Successful: entries.filter((e) => !e.Message!.includes('"g2"')).map((e) => ({ Id: e.Id! })),
          Failed: entries
            .filter((e) => e.Message!.includes('"g2"'))
            .map((e) => ({ Id: e.Id!, Code: 'KMSThrottling', SenderFault: false })),
        };
      },
    };
    const handler = createProcessDataHandler(
      (ctx) => ({ sns: failing, topicArn: 'arn:t', batchSize: 10, log: ctx.log }),
      { log },
    );
    const result = await handler(
      sqsEvent([
        { type: 'CAMPAIGN', data: campaignData() },
        { type: 'registration', data: registrationEntry('c1', 'g2') },
        '{broken json',
        { type: 'campaign', data: [] },
      ]),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-1' }]);
    const rejected = log.lines.filter((l) => l.message === 'record rejected').map((l) => l.data);
    expect(rejected).toEqual([
      { id: 'msg-2', reason: expect.stringMatching(/^message body is not valid JSON/) },
      { id: 'msg-3', reason: 'campaign data must be a non-empty object, not an array' },
    ]);
    expect(log.lines.find((l) => l.message === 'invocation finished')?.data).toMatchObject({
      received: 4,
      processed: 1,
      failed: 1,
      rejected: 2,
      records: 5,
      published: 1,
    });
  });

  it('fails every record when its collaborators cannot be built (e.g. broken configuration)', async () => {
    const handler = createProcessDataHandler(
      () => {
        throw new Error('Configuration key "aws.topics.data" needs environment variable DATA_TOPIC_ARN');
      },
      { log: memoryLogger() },
    );
    const result = await handler(
      sqsEvent([
        { type: 'campaign', data: { id: 'a' } },
        { type: 'campaign', data: { id: 'b' } },
      ]),
    );
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['msg-0', 'msg-1']);
  });

  it('publishes the formatted record, not the raw data', async () => {
    const seen: string[] = [];
    const handler = createProcessDataHandler(
      (ctx) => ({ sns: okSns(seen), topicArn: 'arn:t', batchSize: 10, log: ctx.log }),
      {
        log: memoryLogger(),
      },
    );
    await handler(sqsEvent([{ type: 'campaign', data: campaignData() }]));
    const record = JSON.parse(seen[0]);
    expect(record.campaignId).toBe('c1');
    expect(record).not.toHaveProperty('markets');
    expect(record).not.toHaveProperty('id');
  });

  it('continues the trace a pipe record’s item carries, and does not take traceparent for data', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const entries: PublishBatchRequestEntry[] = [];
    const log = memoryLogger();
    const handler = createProcessDataHandler(
      (ctx) => ({
        sns: {
          send: async (command: PublishBatchCommand) => {
            const batch = command.input.PublishBatchRequestEntries ?? [];
            entries.push(...batch);
            return { $metadata: {}, Successful: batch.map((e) => ({ Id: e.Id! })), Failed: [] };
          },
        },
        topicArn: 'arn:t',
        batchSize: 10,
        log: ctx.log,
      }),
      { log },
    );
    const item = marshall({ ...registrationEntry(), traceparent }, { removeUndefinedValues: true });
    const result = await handler(
      sqsEvent([{ type: 'registration', data: { eventName: 'INSERT', dynamodb: { NewImage: item } } }]),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(entries.length).toBeGreaterThan(0);
    // No OpenTelemetry SDK here: the item's trace context goes on unchanged with every record.
    for (const e of entries) {
      expect(e.MessageAttributes).toMatchObject({ traceparent: { DataType: 'String', StringValue: traceparent } });
      expect(e.Message).not.toContain(traceparent);
    }
    expect(log.lines.filter((l) => l.message === 'source fields left out while formatting')).toEqual([]);
  });
});
