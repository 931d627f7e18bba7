/**
 * Entry Service may serve fewer scoring records than `limit` asks for (its documented default is
 * 50). The deployed selection workers ask for pages of 1000 (config `selection.pageSize`); here
 * the Entry Service fake serves at most 50 per page, and a 3,000-fan market must still be
 * selected, and refreshed, to the last fan. The refresh also runs short of time: each invocation
 * has time for 10 pages, so the market goes on in continuation messages on refresh-selection.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { createDemandTable } from '../../../src/shared/aws/demandTable';
import { entryKey } from '../../../src/shared/aws/keys';
import { getConfig } from '../../../src/shared/config';
import { handler as enqueueHandler } from '../../../src/workers/selection/enqueueMarketSelections';
import { handler as refreshSelections } from '../../../src/workers/selection/refreshSelections';
import { REFRESH_FINISH_MARGIN_MS } from '../../../src/workers/selection/refreshSelections/refreshSelections';
import { handler as saveSelections } from '../../../src/workers/selection/saveSelections';
import { drainQueue, useSelectionWorld, userIdOf } from './setup';
import { startSelection } from './stateMachine';

let saveSelectionQueueUrl = '';
let refreshSelectionQueueUrl = '';
const world = useSelectionWorld(async (w) => {
  saveSelectionQueueUrl = await w.createQueue('save-selection');
  refreshSelectionQueueUrl = await w.createQueue('refresh-selection');
  return { SAVE_SELECTION_QUEUE_URL: saveSelectionQueueUrl, REFRESH_SELECTION_QUEUE_URL: refreshSelectionQueueUrl };
});

const CAMPAIGN = 'camp-capped';
const FANS = 3_000;
const PAGE_CAP = 50;
const market = (presaleDateTime: string) => ({
  id: 'm1',
  campaign_id: CAMPAIGN,
  name: 'Market m1',
  event: { ids: ['ev1'], ticketer: 'AXS', presaleDateTime },
});

describe('a 3,000-fan market when Entry Service serves 50 records per page', () => {
  afterAll(() => world().fakes.entries.capPageSize(undefined));

  it('selects every fan, then refreshes every fan', async () => {
    const { fakes, doc, tableName, sqs } = world();
    expect(getConfig().selection.pageSize).toBeGreaterThan(PAGE_CAP);
    fakes.entries.capPageSize(PAGE_CAP);
    const fans = Array.from({ length: FANS }, (_, i) => ({
      userId: userIdOf(i + 1),
      globalUserId: `g${i + 1}`,
      score: FANS - i,
      verdict: true,
      marketIds: ['m1'],
    }));
    fakes.entries.seedScoring(CAMPAIGN, fans);
    fakes.campaigns.seedCampaign({ id: CAMPAIGN, status: 'OPEN', markets: [market('2026-12-10T17:00:00.000Z')] });
    const pool = Array.from({ length: FANS }, (_, i) => `X${String(i).padStart(5, '0')}`);
    fakes.codes.seedCodes(CAMPAIGN, 'external', pool);
    const table = createDemandTable(doc, tableName);
    const entries = fans.map((f) => ({
      ...entryKey(CAMPAIGN, f.globalUserId),
      type: 'registration',
      campaignId: CAMPAIGN,
      globalUserId: f.globalUserId,
      userId: f.userId,
    }));
    expect((await table.batchPut(entries)).unprocessed).toEqual([]);

    const execution = startSelection({ campaignId: CAMPAIGN, marketId: 'm1', dateId: 'presale-1' }, enqueueHandler);
    await expect(execution.result).resolves.toMatchObject({ done: true, counts: { totalQueued: FANS } });
    expect((await drainQueue(sqs, saveSelectionQueueUrl, saveSelections, { lanes: 4 })).failures).toBe(0);

    expect(fakes.entries.stats.get([CAMPAIGN, 'selection', 'm1', 'presale-1'].join('|'))).toMatchObject({
      status: 'FINISHED',
      count: { total: FANS, processed: FANS, failed: 0 },
    });
    const codesOf = () =>
      fakes.entries.scoring(CAMPAIGN).map((f) => (f.codes ?? []).filter((c) => c.marketId === 'm1'));
    const selected = codesOf();
    expect(selected.filter((codes) => codes.length === 1)).toHaveLength(FANS);
    expect(new Set(selected.map((codes) => codes[0].id)).size).toBe(FANS);
    // Paged at the cap: the scoring endpoint was asked at least FANS / PAGE_CAP times.
    const pages = () => fakes.entries.requests.filter((r) => r.path === `/${CAMPAIGN}/entries/scoring`).length;
    expect(pages()).toBeGreaterThanOrEqual(FANS / PAGE_CAP);

    // The presale moves: every selected fan's assignment is re-sent with the new start, ten pages
    // per invocation (the Lambda context's remaining time falls with each page read).
    const before = pages();
    fakes.campaigns.seedMarket(market('2026-12-12T18:00:00.000Z'));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: refreshSelectionQueueUrl,
        MessageBody: JSON.stringify({ campaignId: CAMPAIGN, marketId: 'm1' }),
      }),
    );
    const withTenPages = (event: SQSEvent) => {
      const start = pages();
      const context = {
        getRemainingTimeInMillis: () => (pages() - start < 10 ? 25_000 : REFRESH_FINISH_MARGIN_MS),
      } as Context;
      return refreshSelections(event, context);
    };
    const refreshed = await drainQueue(sqs, refreshSelectionQueueUrl, withTenPages);
    expect(refreshed.failures).toBe(0);
    // 3,000 fans at 50 a page is 60 pages, 10 per invocation.
    expect(refreshed.batches).toBeGreaterThanOrEqual(6);
    expect((await drainQueue(sqs, saveSelectionQueueUrl, saveSelections, { lanes: 4 })).failures).toBe(0);
    const starts = codesOf().map((codes) => codes[0].date?.start);
    expect(starts.filter((start) => start === '2026-12-12T18:00:00.000Z')).toHaveLength(FANS);
    expect(pages() - before).toBeGreaterThanOrEqual(FANS / PAGE_CAP);
    // 33 s to 93 s on this shared machine from run to run; the limit leaves room for a loaded CI runner.
  }, 300_000);
});
