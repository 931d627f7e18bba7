/**
 * Ids that would leave their URL segment (issue 20, point 1), through the real handlers of every
 * worker whose input ids reach a service path: a campaignId or marketId of `..` or `.`, with a
 * control character, or over 128 characters is refused with a reason naming the field, and not
 * one request reaches a service fake (before the fix `..` sent `GET /` to Campaign Service and
 * FAILED stats to `POST /stats/selection`). Directly invoked workers answer InvalidInputError
 * (planSends reports the market in `errors`); queue and stream workers reject the record: logged
 * with the reason, counted, never retried. triggerReminderEmail reads its ids from MongoDB, so
 * there `segment()` is what stops them.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Document } from 'mongodb';
import { MongoClient } from 'mongodb';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import type { BatchItemFailuresResponse } from '../../src/shared/runtime/batch';
import { kinesisEvent, sqsEvent } from '../doubles/runtime';
import { handler as planSends } from '../../src/workers/notification/planSends';
import { handler as triggerReminderEmail } from '../../src/workers/notification/triggerReminderEmail';
import { handler as enqueueMarketSelections } from '../../src/workers/selection/enqueueMarketSelections';
import { handler as markAssignedCodes } from '../../src/workers/selection/markAssignedCodes';
import { handler as refreshSelections } from '../../src/workers/selection/refreshSelections';
import { handler as saveSelections } from '../../src/workers/selection/saveSelections';
import { uniqueName } from '../../tools/local/emulators/names';
import type { BadInputWorld } from './world';
import { rejectionOf, startBadInputWorld } from './world';

const NS = uniqueName('bad-path-ids');
let world: BadInputWorld;
let mongo: MongoClient;

beforeAll(async () => {
  world = await startBadInputWorld('bad-path-ids', NS);
  mongo = await new MongoClient(world.mongo.uri).connect();
});
afterAll(async () => {
  await mongo?.close();
  await world?.stop();
});

/** The hostile ids, each with the reason it is refused for (the field name is filled in). */
const BAD_IDS = [
  ['..', 'must not be "." or ".."'],
  ['.', 'must not be "." or ".."'],
  ['.. with a newline after it', 'must not begin or end with whitespace', '..\n'],
  ['a NUL inside', 'must not contain control characters or unpaired surrogates', 'c\u0000x'],
  ['an ANSI escape inside', 'must not contain control characters or unpaired surrogates', 'c\u001b[2Jx'],
  ['129 characters', 'is longer than 128 characters', 'x'.repeat(129)],
  ['100,000 characters', 'is longer than 128 characters', 'x'.repeat(100_000)],
].map(([name, reason, id]) => ({ name, reason, id: id ?? name }));

const cases = BAD_IDS.map((b) => [b.name, b] as const);
let seq = 0;

/** Runs `act` and returns every request the service fakes received meanwhile. */
async function requestsDuring(act: () => Promise<unknown>): Promise<unknown[]> {
  const before = await world.mark();
  await act();
  return (await world.since(before)).requests;
}

async function invokeError(handler: (event: unknown) => Promise<unknown>, event: unknown) {
  let error: Error | undefined;
  const requests = await requestsDuring(async () => {
    error = await handler(event).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
  });
  return { error, requests };
}

describe('enqueueMarketSelections', () => {
  const request = { campaignId: `c-${NS}`, marketId: 'm1', dateId: 'd1' };
  describe.each(['campaignId', 'marketId'])('with a bad %s', (field) => {
    it.each(cases)('refuses one that is %s before any call', async (_name, { id, reason }) => {
      const { error, requests } = await invokeError(enqueueMarketSelections, { ...request, [field]: id });
      expect(error).toMatchObject({ name: 'InvalidInputError', message: `${field} ${reason}` });
      expect(requests).toEqual([]);
    });
  });
  it.each(cases)(
    'refuses a failure report for a campaignId that is %s: no FAILED stats are written anywhere',
    async (_name, { id, reason }) => {
      const event = { ...request, campaignId: id, failure: { Error: 'States.Timeout' } };
      const { error, requests } = await invokeError(enqueueMarketSelections, event);
      expect(error).toMatchObject({ name: 'InvalidInputError', message: `campaignId ${reason}` });
      expect(requests).toEqual([]);
    },
  );
});

describe('planSends', () => {
  it.each(cases)('reports a market whose campaignId is %s, asking Entry Service nothing', async (_name, bad) => {
    let result: { plannedCount?: number; errors?: unknown[] } = {};
    const requests = await requestsDuring(async () => {
      result = (await planSends({
        markets: [{ id: `mk-${NS}`, campaignId: bad.id, presaleDateTime: '2026-07-01T15:00:00Z' }],
      })) as typeof result;
    });
    expect(result).toMatchObject({
      plannedCount: 0,
      errors: [{ marketId: `mk-${NS}`, error: `campaignId ${bad.reason}` }],
    });
    expect(requests).toEqual([]);
  });
});

type BatchHandler<E> = (event: E) => Promise<BatchItemFailuresResponse>;

/** Runs a one-record SQS batch; expects it rejected with `reason`, not retried, and no request made. */
async function expectSqsRejected(handler: BatchHandler<SQSEvent>, body: unknown, reason: string) {
  const id = `path-${++seq}`;
  let response: BatchItemFailuresResponse | undefined;
  const requests = await requestsDuring(async () => {
    response = await handler(sqsEvent([body], { ids: [id] }));
  });
  expect(response?.batchItemFailures).toEqual([]);
  expect(rejectionOf(world.logs, id)?.data?.reason).toBe(reason);
  expect(requests).toEqual([]);
}

describe('refreshSelections', () => {
  describe.each(['campaignId', 'marketId'])('with a bad %s', (field) => {
    it.each(cases)('rejects a message whose one is %s', async (_name, { id, reason }) => {
      const body = { campaignId: `c-${NS}`, marketId: 'm1', [field]: id };
      await expectSqsRejected(refreshSelections, body, `${field} ${reason}`);
    });
  });
  it.each(cases)('rejects a market document whose campaign_id is %s', async (_name, { id, reason }) => {
    await expectSqsRejected(refreshSelections, { id: 'm1', campaign_id: id }, `campaign_id ${reason}`);
  });
});

describe('saveSelections', () => {
  const message = {
    type: 'selection',
    marketId: 'm1',
    globalUserId: 'g1',
    userId: '000000000000000000000001',
    eventIds: ['E1'],
    code: 'CODE-1',
    date: { created: '2026-06-01T12:00:00.000Z', start: '2026-07-01T15:00:00.000Z' },
  };
  it.each(cases)('rejects a message whose campaignId is %s', async (_name, { id, reason }) => {
    await expectSqsRejected(saveSelections, { ...message, campaignId: id }, `campaignId ${reason}`);
  });
});

describe('markAssignedCodes', () => {
  it.each(cases)('rejects an entry with new codes whose campaignId is %s', async (_name, { id, reason }) => {
    const keys = { PK: `e:${NS}`, SK: 'entry#g1' };
    const change = {
      eventName: 'MODIFY',
      dynamodb: {
        Keys: marshall(keys),
        OldImage: marshall({ ...keys, campaignId: id }),
        NewImage: marshall({ ...keys, campaignId: id, codes: [{ id: 'CODE-1', marketId: 'm1' }] }),
      },
    };
    const event: KinesisStreamEvent = kinesisEvent([change], 50_000 + ++seq);
    let response: BatchItemFailuresResponse | undefined;
    const requests = await requestsDuring(async () => {
      response = await markAssignedCodes(event);
    });
    expect(response?.batchItemFailures).toEqual([]);
    const line = rejectionOf(world.logs, event.Records[0].kinesis.sequenceNumber);
    expect(line?.data?.reason).toBe(`entry ${keys.PK}/${keys.SK} has new codes but campaignId ${reason}`);
    expect(requests).toEqual([]);
  });
});

describe('triggerReminderEmail', () => {
  it.each(cases)('reports a campaign whose stored id is %s without calling Exports Service', async (_name, bad) => {
    const campaigns = mongo.db('campaigns').collection<Document>('campaigns');
    await campaigns.deleteMany({});
    await campaigns.insertOne({ _id: bad.id, date: { sendReminderEmails: ['2020-01-01T00:00:00.000Z'] } } as Document);
    let result: { triggeredCount?: number; errors?: { error: string }[] } = {};
    const requests = await requestsDuring(async () => {
      result = (await triggerReminderEmail({})) as typeof result;
    });
    expect(result.triggeredCount).toBe(0);
    expect(result.errors?.map((e) => e.error)).toEqual([`campaignId ${bad.reason}`]);
    expect(requests).toEqual([]);
    // The date stays: the campaign is reported on every run until its id is fixed.
    expect((await campaigns.findOne({}))?.date.sendReminderEmails).toHaveLength(1);
  });
});
