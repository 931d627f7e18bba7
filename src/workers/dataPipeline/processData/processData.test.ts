import type { PublishBatchCommand, PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { marshall } from '@aws-sdk/util-dynamodb';
import { memoryLogger, sqsEvent } from '../../../../test/doubles/runtime';
import { campaignData, marketData, registrationEntry } from '../../../../tools/local/emulators/producers';
import type { DataQueueMessage } from './processData';
import { createProcessDataHandler, processDataRecords } from './processData';
import type { SnsBatchClient } from './publish';

interface Published {
  type: string;
  body: Record<string, unknown>;
}

/** An SNS stand-in that fails the entries `fail` picks and records the rest. */
function fakeSns(fail: (p: Published) => boolean = () => false) {
  const published: Published[] = [];
  const client: SnsBatchClient = {
    send: async (command: PublishBatchCommand) => {
      const entries = command.input.PublishBatchRequestEntries ?? [];
      const out = {
        $metadata: {},
        Successful: [] as { Id: string }[],
        Failed: [] as { Id: string; Code: string; SenderFault: boolean }[],
      };
      for (const e of entries) {
        const p = { type: e.MessageAttributes!.type.StringValue!, body: JSON.parse(e.Message!) };
        if (fail(p)) {
          out.Failed.push({ Id: e.Id!, Code: 'InternalError', SenderFault: false });
        } else {
          published.push(p);
          out.Successful.push({ Id: e.Id! });
        }
      }
      return out;
    },
  };
  return { client, published };
}

const deps = (sns: SnsBatchClient, log = memoryLogger()) => ({
  sns,
  topicArn: 'arn:aws:sns:us-east-1:000000000000:data',
  batchSize: 10,
  log,
  now: () => new Date('2026-05-05T00:00:00.000Z'),
});

const messages = (bodies: unknown[]): DataQueueMessage[] => bodies.map((body, i) => ({ messageId: `m${i}`, body }));

describe('processDataRecords', () => {
  it('publishes every type, a registration with its registeredMarkets', async () => {
    const sns = fakeSns();
    const result = await processDataRecords(
      messages([
        { type: 'CAMPAIGN', data: campaignData() },
        { type: 'market', data: marketData() },
        { type: 'EVENT_MAPPING', data: { campaignId: 'c1', marketId: 'm1', eventIds: ['E1'] } },
        { type: 'REGISTERED_MARKET', data: { campaignId: 'c1', globalUserId: 'g9', marketId: 'm1', rank: 1 } },
        { type: 'REGISTRATION', data: registrationEntry() },
      ]),
      deps(sns.client),
    );
    expect(result.failed).toEqual([]);
    expect(result.rejected).toEqual([]);
    expect(sns.published.map((p) => p.type)).toEqual([
      'campaign',
      'market',
      'eventMapping',
      'registeredMarket',
      'registration',
      'registeredMarket',
      'registeredMarket',
      'registeredMarket',
    ]);
    expect(result.counts).toMatchObject({
      records: 8,
      published: 8,
      publishFailures: 0,
      'records.registeredMarket': 4,
    });
  });

  it('fails the source message when any of its records failed, including a registeredMarket', async () => {
    const sns = fakeSns((p) => p.type === 'registeredMarket' && p.body.marketId === 'm3');
    const log = memoryLogger();
    const result = await processDataRecords(
      messages([
        { type: 'campaign', data: campaignData() },
        { type: 'registration', data: registrationEntry() },
      ]),
      deps(sns.client, log),
    );
    expect(result.failed).toEqual(['m1']);
    expect(
      log.lines.find((l) => l.message === 'record not published; its message will be retried')?.data,
    ).toMatchObject({
      messageId: 'm1',
      type: 'registeredMarket',
      code: 'InternalError',
    });
  });

  it('rejects invalid records with a reason and publishes the rest', async () => {
    const sns = fakeSns();
    const result = await processDataRecords(
      messages([
        { type: 'nope', data: { id: 1 } },
        { type: 'campaign', data: {} },
        { type: 'campaign', data: null },
        { type: 'market', data: { id: 'm1' } },
        'just a string',
        { type: 'campaign', data: campaignData('c2') },
      ]),
      deps(sns.client),
    );
    expect(result.failed).toEqual([]);
    expect(result.rejected).toEqual([
      { id: 'm0', reason: expect.stringMatching(/^unknown type "nope"/) },
      { id: 'm1', reason: 'campaign data is empty' },
      { id: 'm2', reason: 'campaign data must be a non-empty object, not null' },
      { id: 'm3', reason: 'market has no campaign id (data.campaignId or data.campaign_id)' },
      { id: 'm4', reason: 'message body must be a JSON object { type, data }, not "just a string"' },
    ]);
    expect(sns.published.map((p) => p.body.campaignId)).toEqual(['c2']);
  });

  it('rejects a record too large for SNS instead of retrying it forever', async () => {
    const sns = fakeSns();
    const result = await processDataRecords(
      messages([{ type: 'campaign', data: { id: 'c1', image: { blob: 'x'.repeat(300_000) } } }]),
      deps(sns.client),
    );
    expect(result.rejected).toEqual([
      { id: 'm0', reason: expect.stringMatching(/^campaign record is \d+ bytes, over the SNS limit of 262144$/) },
    ]);
    expect(sns.published).toEqual([]);
  });

  it('logs the source fields it left out', async () => {
    const log = memoryLogger();
    await processDataRecords(
      messages([{ type: 'campaign', data: { id: 'c1', name: ['x'] } }]),
      deps(fakeSns().client, log),
    );
    expect(log.lines.find((l) => l.message === 'source fields left out while formatting')?.data).toEqual({
      messageId: 'm0',
      type: 'campaign',
      dropped: ['name: expected a string, got array'],
    });
  });

  it('publishes identical dedupe ids for a duplicate delivery', async () => {
    const sns = fakeSns();
    const body = { type: 'registration', data: registrationEntry() };
    await processDataRecords(messages([body]), deps(sns.client));
    await processDataRecords(messages([JSON.parse(JSON.stringify(body))]), {
      ...deps(sns.client),
      now: () => new Date(),
    });
    const dedupes = sns.published.map((p) => p.body.dedupe);
    expect(dedupes.slice(0, 4)).toEqual(dedupes.slice(4));
  });

  it('publishes byte-identical records when a message without date.updated is delivered again later', async () => {
    const sns = fakeSns();
    const { date: _date, ...undated } = registrationEntry();
    const delivery = (): DataQueueMessage[] => [
      { messageId: 'm0', body: { type: 'registration', data: undated }, sentAt: '2026-05-04T23:59:00.000Z' },
    ];
    await processDataRecords(delivery(), { ...deps(sns.client), now: () => new Date('2026-05-05T00:00:00.000Z') });
    await processDataRecords(delivery(), { ...deps(sns.client), now: () => new Date('2026-05-05T00:09:00.000Z') });
    const bodies = sns.published.map((p) => JSON.stringify(p.body));
    expect(bodies).toHaveLength(8); // the registration and its three registeredMarkets, twice
    expect(bodies.slice(4)).toEqual(bodies.slice(0, 4));
    expect(sns.published[0].body.dedupe).toMatchObject({ timestamp: '2026-05-04T23:59:00.000Z' });
  });

  it('throws (the whole batch is retried) when the data topic is not configured', async () => {
    await expect(
      processDataRecords(messages([{ type: 'campaign', data: { id: 'c' } }]), {
        ...deps(fakeSns().client),
        topicArn: '',
      }),
    ).rejects.toThrow('aws.topics.data (DATA_TOPIC_ARN) is not configured');
  });

  it('publishes no secret-named key (logging.secretKeys), wherever the source put one', async () => {
    const sns = fakeSns();
    const entry = registrationEntry();
    const planted = {
      ...entry,
      idvToken: 'TOKEN',
      fields: { ...entry.fields, idvToken: 'TOKEN', extra: [{ Authorization: 'TOKEN', keep: 1 }] },
      attributes: { phonescore: { ...entry.attributes.phonescore, location: { city: 'NYC', sessionCookie: 'TOKEN' } } },
    };
    const result = await processDataRecords(
      messages([
        { type: 'registration', data: planted },
        { type: 'registration', data: { ...planted, globalUserId: 'g2', fields: JSON.stringify(planted.fields) } },
        { type: 'campaign', data: { ...campaignData(), image: { url: 'u', password: 'TOKEN' } } },
        { type: 'market', data: { ...marketData(), event: { ids: ['E1'], venue: { name: 'v', secret: 'TOKEN' } } } },
      ]),
      deps(sns.client),
    );
    expect(result).toMatchObject({ failed: [], rejected: [] });
    expect(JSON.stringify(sns.published)).not.toContain('TOKEN');
    const registrations = sns.published.filter((p) => p.type === 'registration').map((p) => p.body);
    expect(registrations.map((r) => JSON.parse(r.fields as string) as unknown)).toEqual([
      { ...entry.fields, extra: [{ keep: 1 }] },
      { ...entry.fields, extra: [{ keep: 1 }] },
    ]);
    expect(registrations[0].phonescore).toMatchObject({ location: { city: 'NYC' } });
  });
});

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
