import { memoryLogger } from '../../../shared/runtime/testing';
import type { SqsMessage } from '../../../shared/runtime/sqs';
import type { Market } from '../../../shared/domain/campaign';
import type { SelectionRefreshMessage } from '../messages';
import { fan, memoryEntries, memoryQueue } from '../testing';
import type { RefreshRequest, RefreshSelectionsDeps } from './refreshSelections';
import { parseRefreshRequest, refreshSelections } from './refreshSelections';

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
  const deps: RefreshSelectionsDeps = {
    campaigns: { getMarket: async (_c, id) => (id === 'm1' ? market : null) },
    entries: entries.service,
    saveSelectionQueue: queue.queue,
    pageSize: 2,
    log: memoryLogger(),
    now: () => new Date('2026-11-25T10:00:00Z'),
  };
  return { deps, queue };
}

describe('refreshSelections', () => {
  it('accepts { campaignId, marketId } or a market document', () => {
    expect(parseRefreshRequest({ campaignId: 'c1', marketId: 'm1' })).toEqual({ campaignId: 'c1', marketId: 'm1' });
    expect(parseRefreshRequest({ ...market, name: 'Chicago' })).toEqual({ campaignId: 'c1', marketId: 'm1' });
    expect(() => parseRefreshRequest({ id: 'm1' })).toThrow(expect.objectContaining({ name: 'RejectedRecordError' }));
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
