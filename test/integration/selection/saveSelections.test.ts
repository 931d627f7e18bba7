/**
 * saveSelections and refreshSelections, as deployed (their `handler`s with the local
 * configuration), against the Entry and Campaign Service fakes, DynamoDB Local and fauxqs.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createDemandTable } from '../../../src/shared/aws/demandTable';
import { entryKey } from '../../../src/shared/aws/keys';
import { sqsEvent } from '../../doubles/runtime';
import { createCodeService } from '../../../src/shared/services';
import type { SaveSelectionMessage } from '../../../src/workers/selection/shared/messages';
import { handler as refreshSelections } from '../../../src/workers/selection/refreshSelections';
import { handler as saveSelections } from '../../../src/workers/selection/saveSelections';
import { heldDelivery } from '../replication/helpers';
import { drainQueue, useSelectionWorld, userIdOf } from './setup';

let saveSelectionQueueUrl = '';
let verdictReporterQueueUrl = '';
const world = useSelectionWorld(async (w) => {
  saveSelectionQueueUrl = await w.createQueue('save-selection');
  verdictReporterQueueUrl = await w.createQueue('verdict-reporter');
  return {
    SAVE_SELECTION_QUEUE_URL: saveSelectionQueueUrl,
    REFRESH_SELECTION_QUEUE_URL: await w.createQueue('refresh-selection'),
    VERDICT_REPORTER_QUEUE_URL: verdictReporterQueueUrl,
  };
});

const FANS = [1, 2, 3, 4];
const selection = (campaignId: string, n: number): SaveSelectionMessage => ({
  type: 'selection',
  campaignId,
  marketId: 'm1',
  globalUserId: `g${n}`,
  userId: userIdOf(n),
  eventIds: ['ev1'],
  code: `CODE-${n}`,
  date: { created: '2026-11-25T10:00:00.000Z', start: '2026-12-10T17:00:00.000Z' },
});

/** A campaign with fans 1–4 scored in Entry Service and registered in the demand table. */
async function seedCampaign(campaignId: string) {
  const { fakes, doc, tableName } = world();
  fakes.entries.seedScoring(
    campaignId,
    FANS.map((n) => ({ userId: userIdOf(n), globalUserId: `g${n}`, score: 100 - n, verdict: true, marketIds: ['m1'] })),
  );
  const table = createDemandTable(doc, tableName);
  const items = FANS.map((n) => ({
    ...entryKey(campaignId, `g${n}`),
    type: 'registration',
    campaignId,
    globalUserId: `g${n}`,
    userId: userIdOf(n),
  }));
  await table.batchPut(items);
  const read = async () => (await table.batchGet(items)).sort((a, b) => a.SK.localeCompare(b.SK));
  return { read, scoring: () => world().fakes.entries.scoring(campaignId) };
}

async function receiveReports() {
  const { Messages = [] } = await world().sqs.send(
    new ReceiveMessageCommand({ QueueUrl: verdictReporterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return Messages.map((m) => JSON.parse(m.Body!));
}

describe('saveSelections', () => {
  it('leaves the same state when the same batch is delivered twice, and Entry Service holds each assignment once', async () => {
    const campaign = 'camp-twice';
    const { read, scoring } = await seedCampaign(campaign);
    const event = sqsEvent(FANS.map((n) => selection(campaign, n)));

    expect(await saveSelections(event)).toEqual({ batchItemFailures: [] });
    const tableAfterFirst = await read();
    const scoringAfterFirst = scoring();
    expect(await saveSelections(event)).toEqual({ batchItemFailures: [] });

    expect(await read()).toEqual(tableAfterFirst);
    expect(scoring()).toEqual(scoringAfterFirst);
    expect(tableAfterFirst[0]).toMatchObject({
      verdict: true,
      codes: [{ id: 'CODE-1', marketId: 'm1' }],
      assignedMarkets: new Set(['m1']),
    });
    expect(scoringAfterFirst.map((f) => f.codes)).toEqual(
      FANS.map((n) => [
        {
          id: `CODE-${n}`,
          marketId: 'm1',
          eventIds: ['ev1'],
          date: { start: '2026-12-10T17:00:00.000Z', created: '2026-11-25T10:00:00.000Z' },
        },
      ]),
    );
    const reports = await receiveReports();
    expect(reports.map((r) => r.count)).toEqual(
      expect.arrayContaining([
        { saved: 4, alreadySaved: 0, refreshed: 0, failed: 0 },
        { saved: 0, alreadySaved: 4, refreshed: 0, failed: 0 },
      ]),
    );
    expect(reports[0]).toMatchObject({ type: 'selectionVerdicts', campaignId: campaign, marketId: 'm1' });
  });

  it('reports only the fan Entry Service failed, and leaves that fan’s entry untouched', async () => {
    const campaign = 'camp-one-fails';
    const { read } = await seedCampaign(campaign);
    const before = await read();
    world().fakes.entries.failUsers([userIdOf(3)]);

    const result = await saveSelections(
      sqsEvent(
        FANS.map((n) => selection(campaign, n)),
        { ids: FANS.map((n) => `fan-${n}`) },
      ),
    );

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'fan-3' }] });
    const after = await read();
    expect(after[2]).toEqual(before[2]);
    expect([after[0], after[1], after[3]].map((item) => item.verdict)).toEqual([true, true, true]);
  });

  it('retries the whole batch when Entry Service is down, writing no verdict', async () => {
    const campaign = 'camp-down';
    const { read } = await seedCampaign(campaign);
    const before = await read();
    world().fakes.entries.failNext({ status: 503, count: 10, path: `/${campaign}/entries/codes` });

    const result = await saveSelections(sqsEvent(FANS.map((n) => selection(campaign, n))));

    expect(result.batchItemFailures).toHaveLength(FANS.length);
    expect(await read()).toEqual(before);
  });

  it('delays selections that failed while Entry Service is down (retry backoff) instead of letting them come back at once', async () => {
    const campaign = 'camp-backoff';
    await seedCampaign(campaign);
    world().fakes.entries.failNext({ status: 503, count: 10, path: `/${campaign}/entries/codes` });
    const { event, visibleAfterTimeout } = await heldDelivery(world().sqs, 'save-selection-backoff', [
      selection(campaign, 1),
    ]);

    expect((await saveSelections(event)).batchItemFailures).toHaveLength(1);
    expect(await visibleAfterTimeout()).toBe(0);
  });
});

describe('one code per fan and market', () => {
  /** A campaign with fans 1–4, and two codes reserved in Code Service as a selection run leaves them. */
  async function twoReservedCodes(campaign: string) {
    const seeded = await seedCampaign(campaign);
    world().fakes.codes.seedCodes(campaign, 'external', ['X-A', 'X-B']);
    const { codes } = await createCodeService(world().client('codes')).reserveCodes(campaign, {
      count: 2,
      type: 'external',
    });
    expect(codes.sort()).toEqual(['X-A', 'X-B']);
    return seeded;
  }
  const status = (campaign: string, code: string) => world().fakes.codes.statusOf(campaign, code);
  const fan1Codes = (scoring: () => { globalUserId: string; codes?: { id: string }[] }[]) =>
    scoring()
      .find((f) => f.globalUserId === 'g1')
      ?.codes?.map((c) => c.id);

  it.each([
    ['X-A then X-B', ['X-A', 'X-B']],
    ['X-B then X-A', ['X-B', 'X-A']],
  ])('keeps the first of two selections with different codes (%s) and releases the other', async (_, codes) => {
    const campaign = `camp-two-codes-${codes[0]}`;
    const { read, scoring } = await twoReservedCodes(campaign);
    for (const code of codes) {
      expect(await saveSelections(sqsEvent([{ ...selection(campaign, 1), code }]))).toEqual({ batchItemFailures: [] });
    }
    const [kept, lost] = codes;
    expect(fan1Codes(scoring)).toEqual([kept]);
    expect((await read())[0]).toMatchObject({ verdict: true, codes: [{ id: kept, marketId: 'm1' }] });
    expect(status(campaign, lost)).toBe('available');
    expect(status(campaign, kept)).toBe('reserved');
  });

  it('gives the fan one code when the two selections arrive in one batch or in two at the same time', async () => {
    for (const concurrent of [false, true]) {
      const campaign = `camp-two-codes-${concurrent ? 'concurrent' : 'batch'}`;
      const { read, scoring } = await twoReservedCodes(campaign);
      const messages = ['X-A', 'X-B'].map((code) => ({ ...selection(campaign, 1), code }));
      const results = concurrent
        ? await Promise.all(messages.map((m) => saveSelections(sqsEvent([m]))))
        : [await saveSelections(sqsEvent(messages))];
      expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
      const held = fan1Codes(scoring) ?? [];
      expect(held).toHaveLength(1);
      expect((await read())[0]).toMatchObject({ codes: [{ id: held[0], marketId: 'm1' }] });
      const lost = ['X-A', 'X-B'].filter((code) => code !== held[0]);
      expect(lost.map((code) => status(campaign, code))).toEqual(['available']);
    }
  });
});

describe('refreshSelections', () => {
  it('re-sends the selected fans’ assignments with the market’s new presale time, without touching the table', async () => {
    const campaign = 'camp-refresh';
    const { fakes } = world();
    const { read, scoring } = await seedCampaign(campaign);
    fakes.campaigns.seedCampaign({ id: campaign, status: 'OPEN' });
    fakes.campaigns.seedMarket({
      id: 'm1',
      campaign_id: campaign,
      event: { ids: ['ev1'], presaleDateTime: '2026-12-10T17:00:00.000Z' },
    });
    await saveSelections(sqsEvent([1, 2].map((n) => selection(campaign, n))));
    const tableBefore = await read();

    // The presale moves; Campaign Service enqueues the market document.
    const moved = {
      id: 'm1',
      campaign_id: campaign,
      event: { ids: ['ev1', 'ev3'], presaleDateTime: '2026-12-12T18:00:00.000Z' },
    };
    fakes.campaigns.seedMarket(moved);
    expect(await refreshSelections(sqsEvent([moved]))).toEqual({ batchItemFailures: [] });
    const drained = await drainQueue(world().sqs, saveSelectionQueueUrl, saveSelections);

    expect(drained.failures).toBe(0);
    // The new presale time and the market's new events (DECISIONS C [15]).
    expect(scoring().map((f) => f.codes?.map((c) => [c.id, c.date?.start, c.eventIds]))).toEqual([
      [['CODE-1', '2026-12-12T18:00:00.000Z', ['ev1', 'ev3']]],
      [['CODE-2', '2026-12-12T18:00:00.000Z', ['ev1', 'ev3']]],
      undefined,
      undefined,
    ]);
    expect(await read()).toEqual(tableBefore);
  });

  it('rejects a market Campaign Service does not know, without retrying it', async () => {
    const { fakes, sqs } = world();
    fakes.campaigns.seedCampaign({ id: 'camp-gone', status: 'OPEN' });
    expect(await refreshSelections(sqsEvent([{ campaignId: 'camp-gone', marketId: 'm404' }]))).toEqual({
      batchItemFailures: [],
    });
    expect(fakes.campaigns.requests.map((r) => r.path)).toContain('/campaigns/camp-gone/markets/m404');
    expect(await drainQueue(sqs, saveSelectionQueueUrl, saveSelections)).toEqual({ batches: 0, failures: 0 });
  });
});
