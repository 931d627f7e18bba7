import { memoryLogger } from '../../../../test/doubles/runtime';
import type { SqsMessage } from '../../../shared/runtime/sqs';
import type { Market } from '../../../shared/domain/campaign';
import type { SelectionRefreshMessage } from '../shared/messages';
import { fan, memoryEntries, memoryQueue } from '../../../../test/doubles/selection';
import type { RefreshRequest, RefreshSelectionsDeps } from './refreshSelections';
import { REFRESH_FINISH_MARGIN_MS, parseRefreshRequest, refreshSelections } from './refreshSelections';

const market: Market = {
  id: 'm1',
  campaign_id: 'c1',
  event: { ids: ['e9'], presaleDateTime: '2026-12-03T18:00:00Z' },
};
const sqs = (bodies: RefreshRequest[]): SqsMessage<RefreshRequest>[] =>
  bodies.map((body, i) => ({
    messageId: `msg-${i}`,
    body,
    messageAttributes: {},
    receiveCount: 1,
    eventSourceArn: 'arn',
  }));

function setup(failSend?: (m: SelectionRefreshMessage) => boolean) {
  const records = Array.from({ length: 7 }, (_, i) =>
    fan(i, i % 2 === 0 ? { codes: [{ id: `C${i}`, marketId: 'm1' }] } : {}),
  );
  records.push(fan(7, { codes: [{ id: 'C7', marketId: 'm1' }], globalUserId: '' }));
  const entries = memoryEntries(records);
  const queue = memoryQueue<SelectionRefreshMessage>(failSend);
  const continuations = memoryQueue<RefreshRequest>();
  const deps: RefreshSelectionsDeps = {
    campaigns: { getMarket: async (_c, id) => (id === 'm1' ? market : null) },
    entries: entries.service,
    saveSelectionQueue: queue.queue,
    refreshSelectionQueue: continuations.queue,
    pageSize: 2,
    log: memoryLogger(),
    now: () => new Date('2026-11-25T10:00:00Z'),
  };
  return { deps, queue, continuations };
}

describe('refreshSelections', () => {
  it('accepts { campaignId, marketId } or a market document', () => {
    expect(parseRefreshRequest({ campaignId: 'c1', marketId: 'm1' })).toEqual({ campaignId: 'c1', marketId: 'm1' });
    expect(parseRefreshRequest({ ...market, name: 'Chicago' })).toEqual({ campaignId: 'c1', marketId: 'm1' });
    expect(() => parseRefreshRequest({ id: 'm1' })).toThrow(expect.objectContaining({ name: 'RejectedRecordError' }));
    expect(parseRefreshRequest({ campaignId: 'c1', marketId: 'm1', offset: 4 })).toEqual({
      campaignId: 'c1',
      marketId: 'm1',
      offset: 4,
    });
    for (const offset of [-1, 1.5, '4', null]) {
      expect(() => parseRefreshRequest({ campaignId: 'c1', marketId: 'm1', offset })).toThrow(
        'offset must be a non-negative integer',
      );
    }
  });

  it.each([
    [{ campaignId: '..', marketId: 'm1' }, 'campaignId must not be "." or ".."'],
    [{ campaignId: 'c1', marketId: '.', offset: 4 }, 'marketId must not be "." or ".."'],
    [{ campaignId: 'c1\r\n', marketId: 'm1' }, 'campaignId must not begin or end with whitespace'],
    [{ id: 'm\u00001', campaign_id: 'c1' }, 'id must not contain control characters or unpaired surrogates'],
    [{ id: 'm1', campaign_id: 'c'.repeat(200) }, 'campaign_id is longer than 128 characters'],
  ])('rejects a message whose ids cannot go into a URL path: %j', (body, reason) => {
    expect(() => parseRefreshRequest(body)).toThrow(expect.objectContaining({ name: 'RejectedRecordError', reason }));
  });

  it('continues a market in a new message when time runs short, and the continuation finishes it', async () => {
    const { deps, queue, continuations } = setup();
    // Time for one page (two selected fans), then the margin is reached.
    let pagesLeft = 1;
    const entries = deps.entries;
    const timed: RefreshSelectionsDeps = {
      ...deps,
      entries: { getScoringPage: (...args) => (pagesLeft--, entries.getScoringPage(...args)) },
      remainingTimeMs: () => (pagesLeft > 0 ? 25_000 : REFRESH_FINISH_MARGIN_MS),
    };
    const first = await refreshSelections(sqs([{ campaignId: 'c1', marketId: 'm1' }]), timed);
    expect(first).toMatchObject({ failed: [], rejected: [], counts: { refreshes: 2, continued: 1 } });
    expect(continuations.sent).toEqual([{ campaignId: 'c1', marketId: 'm1', offset: 2 }]);

    const second = await refreshSelections(sqs(continuations.sent), deps);
    expect(second).toMatchObject({ failed: [], counts: { refreshes: 2, skipped: 1, continued: 0 } });
    expect(queue.sent.map((m) => m.globalUserId)).toEqual(['g0', 'g2', 'g4', 'g6']);
  });

  it('continues a market in a new message after maxPerInvocation fans, each continuation from its offset', async () => {
    const { deps, queue, continuations } = setup();
    const capped = { ...deps, maxPerInvocation: 3 };
    // Five selected fans in pages of two: the second page reaches the cap of 3, so the first
    // message refreshes four and the continuation the last (a record without globalUserId).
    const first = await refreshSelections(sqs([{ campaignId: 'c1', marketId: 'm1' }]), capped);
    expect(first).toMatchObject({ failed: [], counts: { refreshes: 4, skipped: 0, continued: 1 } });
    expect(continuations.sent).toEqual([{ campaignId: 'c1', marketId: 'm1', offset: 4 }]);
    const second = await refreshSelections(sqs(continuations.sent), capped);
    expect(second).toMatchObject({ failed: [], counts: { refreshes: 0, skipped: 1, continued: 0 } });
    expect(continuations.sent).toHaveLength(1);
    expect(queue.sent.map((m) => m.globalUserId)).toEqual(['g0', 'g2', 'g4', 'g6']);
  });

  it('fails the market when its continuation cannot be sent, so the message is retried', async () => {
    const { deps } = setup();
    const result = await refreshSelections(sqs([{ campaignId: 'c1', marketId: 'm1', offset: 2 }]), {
      ...deps,
      refreshSelectionQueue: memoryQueue(() => true).queue,
      remainingTimeMs: () => 0,
    });
    expect(result).toMatchObject({ failed: ['msg-0'], counts: { refreshes: 0 } });
  });

  it('enqueues a refresh with the current market data for every selected fan, page by page', async () => {
    const { deps, queue } = setup();
    const result = await refreshSelections(sqs([{ campaignId: 'c1', marketId: 'm1' }]), deps);
    expect(result).toMatchObject({ failed: [], rejected: [], counts: { refreshes: 4, skipped: 1 } });
    expect(queue.sent.map((m) => [m.globalUserId, m.code])).toEqual([
      ['g0', 'C0'],
      ['g2', 'C2'],
      ['g4', 'C4'],
      ['g6', 'C6'],
    ]);
    expect(queue.sent[0]).toEqual({
      type: 'selectionRefresh',
      campaignId: 'c1',
      marketId: 'm1',
      globalUserId: 'g0',
      userId: fan(0).userId,
      eventIds: ['e9'],
      code: 'C0',
      date: { created: '2026-11-25T10:00:00.000Z', start: '2026-12-03T18:00:00.000Z' },
    });
  });

  it('refreshes a market once per batch however often it is asked', async () => {
    const { deps, queue } = setup();
    const result = await refreshSelections(
      sqs([
        { campaignId: 'c1', marketId: 'm1' },
        { campaignId: 'c1', marketId: 'm1' },
      ]),
      deps,
    );
    expect(result.counts).toMatchObject({ markets: 1, refreshes: 4 });
    expect(queue.sent).toHaveLength(4);
  });

  it('refreshes a market asked twice from the earlier offset', async () => {
    const { deps, queue } = setup();
    await refreshSelections(
      sqs([
        { campaignId: 'c1', marketId: 'm1', offset: 4 },
        { campaignId: 'c1', marketId: 'm1', offset: 2 },
      ]),
      deps,
    );
    // Offsets count selected fans: g0, g2 | g4, g6 | (no globalUserId).
    expect(queue.sent.map((m) => m.globalUserId)).toEqual(['g4', 'g6']);
  });

  it('rejects a market Campaign Service no longer knows, and fails a market whose refreshes could not be sent', async () => {
    const { deps } = setup((m) => m.globalUserId === 'g4');
    const result = await refreshSelections(
      sqs([
        { campaignId: 'c1', marketId: 'gone' },
        { campaignId: 'c1', marketId: 'm1' },
      ]),
      deps,
    );
    expect(result.rejected).toEqual([{ id: 'msg-0', reason: 'market gone of campaign c1 not found' }]);
    expect(result.failed).toEqual(['msg-1']);
  });
});
