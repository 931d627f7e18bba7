import { memoryLogger } from '../../../../test/doubles/runtime';
import type { Market } from '../../../shared/domain/campaign';
import type { SelectionMessage } from '../shared/messages';
import { fan, memoryCodes, memoryEntries, memoryQueue } from '../../../../test/doubles/selection';
import type { StatsDocument } from '../../../shared/services/entries';
import type { EnqueueDeps, EnqueueResult, ReportDeps } from './enqueueMarketSelections';
import { enqueueMarketSelections, failureMessage, reportSelectionFailure } from './enqueueMarketSelections';
import type { SelectionRequest } from './input';
import { encodeCursor, startProgress } from './input';

const settings = {
  maxPerInvocation: 4,
  maxReservePerCall: 3,
  minimumCodeReserveCount: 2,
  pageSize: 3,
  codeAssignmentChunkSize: 25,
  statsType: 'selection',
};
const market: Market = {
  id: 'm1',
  campaign_id: 'c1',
  event: { ids: ['e1', 'e2'], ticketer: 'AXS', presaleDateTime: '2026-12-01T15:00:00Z' },
};
const request: SelectionRequest = { campaignId: 'c1', marketId: 'm1', dateId: 'd1' };
const codesPool = (n: number) => Array.from({ length: n }, (_, i) => `CODE${i}`);

function setup(
  options: { fans?: number; pool?: number; market?: Market; failSend?: (m: SelectionMessage) => boolean } = {},
) {
  const entries = memoryEntries(Array.from({ length: options.fans ?? 10 }, (_, i) => fan(i)));
  const codes = memoryCodes(codesPool(options.pool ?? 100));
  const queue = memoryQueue<SelectionMessage>(options.failSend);
  const log = memoryLogger();
  const deps: EnqueueDeps = {
    campaigns: {
      getCampaign: async (id) => (id === 'c1' ? { id } : null),
      getMarket: async (_c, id) => (id === 'm1' ? (options.market ?? market) : null),
    },
    entries: entries.service,
    codes: codes.service,
    saveSelectionQueue: queue.queue,
    settings,
    log,
    now: () => new Date('2026-11-25T10:00:00Z'),
  };
  return { entries, codes, queue, deps, log };
}

/** Runs invocations the way the state machine does, until done. */
async function runToEnd(
  deps: EnqueueDeps,
  input: SelectionRequest,
  between: () => void = () => undefined,
): Promise<EnqueueResult[]> {
  const results: EnqueueResult[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const result = await enqueueMarketSelections({ ...input, ...(cursor ? { cursor } : {}) }, deps);
    results.push(result);
    between();
    if (result.done) {
      return results;
    }
    cursor = result.cursor ?? undefined;
  }
  throw new Error('selection never finished');
}

describe('enqueueMarketSelections', () => {
  it('selects every eligible fan, highest score first, over several invocations, with one distinct code each', async () => {
    const { deps, queue, entries, codes } = setup({ fans: 10 });
    const results = await runToEnd(deps, request);

    expect(results.map((r) => r.counts.queued)).toEqual([4, 4, 2]);
    expect(results.map((r) => r.done)).toEqual([false, false, true]);
    expect(queue.sent.map((m) => m.globalUserId)).toEqual(Array.from({ length: 10 }, (_, i) => `g${i}`));
    expect(new Set(queue.sent.map((m) => m.code)).size).toBe(10);
    expect(queue.sent[0]).toEqual({
      type: 'selection',
      campaignId: 'c1',
      marketId: 'm1',
      globalUserId: 'g0',
      userId: fan(0).userId,
      eventIds: ['e1', 'e2'],
      code: queue.sent[0].code,
      date: { created: '2026-11-25T10:00:00.000Z', start: '2026-12-01T15:00:00.000Z' },
    });
    expect(entries.stats.map((s) => [s.status, s.count])).toEqual([
      ['PROCESSING', { total: 10 }],
      ['PROCESSING', { total: 10, processed: 4, failed: 0 }],
      ['PROCESSING', { total: 10, processed: 8, failed: 0 }],
      ['FINISHED', { total: 10, processed: 10, failed: 0 }],
    ]);
    expect(entries.stats.every((s) => s.type === 'selection' && s.marketId === 'm1' && s.dateId === 'd1')).toBe(true);
    // 4 fans: two calls (3 at most per call); the last 2 fans: one call.
    expect(codes.calls.reserve.map((c) => c.count)).toEqual([3, 1, 3, 1, 2]);
    expect(codes.reserved.size).toBe(10);
  });

  it('keeps its place when saveSelections assigns codes between invocations', async () => {
    const { deps, queue, entries } = setup({ fans: 10 });
    const assignQueued = () => queue.sent.forEach((m) => entries.assign(m.userId, m.marketId, m.code));
    await runToEnd(deps, request, assignQueued);
    expect(queue.sent.map((m) => m.globalUserId)).toEqual(Array.from({ length: 10 }, (_, i) => `g${i}`));
  });

  it('skips fans who already hold a code for the market and counts fans without globalUserId as failed', async () => {
    const { deps, queue, entries } = setup({ fans: 6 });
    entries.records[1].codes = [{ id: 'OLD', marketId: 'm1' }];
    Object.assign(entries.records[2], { globalUserId: '' });
    const results = await runToEnd(deps, request);

    expect(queue.sent.map((m) => m.globalUserId)).toEqual(['g0', 'g3', 'g4', 'g5']);
    expect(results.at(-1)?.counts).toMatchObject({ totalQueued: 4, totalFailed: 1, totalSkipped: 1, eligible: 5 });
    expect(entries.stats.at(-1)).toMatchObject({ status: 'FINISHED', count: { total: 5, processed: 4, failed: 1 } });
  });

  it('stops at selectionCount', async () => {
    const { deps, queue, entries } = setup({ fans: 10 });
    const results = await runToEnd(deps, { ...request, selectionCount: 6 });
    expect(queue.sent).toHaveLength(6);
    expect(results.map((r) => r.counts.queued)).toEqual([4, 2]);
    expect(entries.stats.at(-1)).toMatchObject({ status: 'FINISHED', count: { processed: 6 } });
  });

  it('reserves at least the minimum and releases codes reserved above the need', async () => {
    const { deps, codes } = setup({ fans: 1 });
    await runToEnd(deps, request);
    expect(codes.calls.reserve).toEqual([{ count: 2, type: 'external' }]);
    expect(codes.calls.release).toEqual([['CODE1']]);
    expect([...codes.reserved]).toEqual(['CODE0']);
  });

  it('reserves tm codes for Ticketmaster markets', async () => {
    const { deps, codes } = setup({ fans: 1, market: { ...market, event: { ...market.event, ticketer: 'TM' } } });
    await expect(enqueueMarketSelections(request, deps)).rejects.toThrow(
      'not enough codes: needed 1 tm codes, Code Service had 0',
    );
    expect(codes.calls.reserve).toEqual([{ count: 2, type: 'tm' }]);
  });

  it('gives every winner the shared code of a market that has one, without reserving', async () => {
    const { deps, codes, queue } = setup({
      fans: 5,
      market: { ...market, event: { ...market.event, sharedCode: 'SHARED' } },
    });
    await runToEnd(deps, request);
    expect(queue.sent.map((m) => m.code)).toEqual(Array(5).fill('SHARED'));
    expect(codes.calls.reserve).toEqual([]);
  });

  it('fails without enqueueing anyone when Code Service runs out of codes, and releases what it reserved', async () => {
    const { deps, codes, queue, entries } = setup({ fans: 4, pool: 3 });
    await expect(enqueueMarketSelections(request, deps)).rejects.toThrow(
      'not enough codes: needed 4 external codes, Code Service had 3',
    );
    expect(queue.sent).toEqual([]);
    expect(codes.reserved.size).toBe(0);
    expect(codes.calls.release.flat().sort()).toEqual(['CODE0', 'CODE1', 'CODE2']);
    expect(entries.stats.at(-1)).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('not enough codes'),
      count: { processed: 0 },
    });
  });

  it('fails when messages cannot be sent, releasing the codes of the unsent ones and counting the sent ones', async () => {
    const { deps, codes, queue, entries } = setup({ fans: 4, failSend: (m) => m.globalUserId === 'g2' });
    await expect(enqueueMarketSelections(request, deps)).rejects.toThrow(
      '1 of 4 selections could not be sent to save-selection',
    );
    expect(queue.sent.map((m) => m.globalUserId)).toEqual(['g0', 'g1', 'g3']);
    expect(codes.reserved.size).toBe(3);
    expect(codes.reserved.has(queue.sent[0].code)).toBe(true);
    expect(entries.stats.at(-1)).toMatchObject({ status: 'FAILED', count: { processed: 3 } });
  });

  it('reports FAILED and throws for an unknown market', async () => {
    const { deps, entries } = setup();
    await expect(enqueueMarketSelections({ ...request, marketId: 'nope' }, deps)).rejects.toThrow(
      'market nope of campaign c1 not found',
    );
    expect(entries.stats).toEqual([
      expect.objectContaining({ status: 'FAILED', marketId: 'nope', error: 'market nope of campaign c1 not found' }),
    ]);
  });

  it('still throws the original error when the FAILED stats cannot be saved', async () => {
    const { deps, log } = setup();
    deps.entries = { ...deps.entries, upsertStats: async () => Promise.reject(new Error('stats down')) };
    await expect(enqueueMarketSelections(request, deps)).rejects.toThrow('stats down');
    expect(log.lines.some((l) => l.message === 'FAILED stats not saved')).toBe(true);
  });

  it('finishes the fans it has read when the invocation runs low on time', async () => {
    const { deps, queue } = setup({ fans: 10 });
    let pages = 0;
    const getScoringPage = deps.entries.getScoringPage;
    deps.entries = { ...deps.entries, getScoringPage: (c, q) => (pages++, getScoringPage(c, q)) };
    deps.remainingTimeMs = () => (pages === 0 ? 600_000 : 60_000);
    const result = await enqueueMarketSelections(request, deps);
    expect(result).toMatchObject({ done: false, counts: { queued: 3 } });
    expect(queue.sent).toHaveLength(3);
  });
});

describe('reportSelectionFailure (the ReportFailure state)', () => {
  /** The stats the entries double holds for the market: the last update per key, as Entry Service keeps them. */
  function reportSetup() {
    const { entries, deps, log } = setup({ fans: 10 });
    const current = (): StatsDocument[] => {
      const last = new Map<string, StatsDocument>();
      for (const { campaignId, type, marketId, dateId, status, count, error } of entries.stats) {
        last.set([campaignId, type, marketId, dateId].join('|'), {
          campaignId,
          type,
          marketId,
          dateId,
          status,
          count: { ...last.get([campaignId, type, marketId, dateId].join('|'))?.count, ...count },
          ...(error ? { error } : {}),
        });
      }
      return [...last.values()];
    };
    const reportDeps: ReportDeps = {
      entries: {
        upsertStats: entries.service.upsertStats,
        getStats: async (campaignId, type, q = {}) =>
          current().filter(
            (d) => d.campaignId === campaignId && d.type === type && d.marketId === q.marketId && d.dateId === q.dateId,
          ),
      },
      settings,
      log,
    };
    return { entries, deps, reportDeps, current, log };
  }

  it('writes FAILED over the PROCESSING of a page that timed out, with the counts of the cursor it was given', async () => {
    const { entries, deps, reportDeps, current } = reportSetup();
    const first = await enqueueMarketSelections(request, deps);
    expect(current()).toEqual([expect.objectContaining({ status: 'PROCESSING' })]);
    // The second page timed out: its worker never reached its own catch.
    const report = await reportSelectionFailure(
      { ...request, cursor: first.cursor! },
      { error: 'States.Timeout', cause: 'States.Timeout' },
      reportDeps,
    );
    expect(report).toEqual({ reported: true, error: 'States.Timeout' });
    expect(entries.stats.at(-1)).toEqual({
      campaignId: 'c1',
      type: 'selection',
      marketId: 'm1',
      dateId: 'd1',
      status: 'FAILED',
      error: 'States.Timeout',
      count: { total: 10, processed: 4, failed: 0 },
    });
  });

  it("writes FAILED without counts when the first page failed, with the message of Lambda's error payload", async () => {
    const { entries, reportDeps } = reportSetup();
    const cause = JSON.stringify({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'RequestId: r1 Error: Task timed out after 900.00 seconds',
    });
    await expect(reportSelectionFailure(request, { error: 'Sandbox.Timedout', cause }, reportDeps)).resolves.toEqual({
      reported: true,
      error: 'Sandbox.Timedout: RequestId: r1 Error: Task timed out after 900.00 seconds',
    });
    expect(entries.stats).toEqual([
      {
        campaignId: 'c1',
        type: 'selection',
        marketId: 'm1',
        dateId: 'd1',
        status: 'FAILED',
        error: 'Sandbox.Timedout: RequestId: r1 Error: Task timed out after 900.00 seconds',
      },
    ]);
  });

  it('leaves the FAILED stats the failed invocation wrote itself (their counts are more recent than the cursor)', async () => {
    const { entries, deps, reportDeps } = reportSetup();
    const first = await enqueueMarketSelections(request, deps);
    deps.codes = { ...deps.codes, reserveCodes: async () => Promise.reject(new Error('Code Service down')) };
    const next = { ...request, cursor: first.cursor! };
    const error = await enqueueMarketSelections(next, deps).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe('Code Service down');
    const written = entries.stats.length;
    const cause = JSON.stringify({ errorType: error!.name, errorMessage: error!.message, trace: [] });
    await expect(reportSelectionFailure(next, { error: error!.name, cause }, reportDeps)).resolves.toEqual({
      reported: false,
      error: 'Code Service down',
    });
    expect(entries.stats).toHaveLength(written);
    // Another error than the one in the stats is written.
    await reportSelectionFailure(next, { error: 'Runtime.OutOfMemory', cause: 'Runtime exited' }, reportDeps);
    expect(entries.stats.at(-1)).toMatchObject({ status: 'FAILED', error: 'Runtime.OutOfMemory: Runtime exited' });
  });

  it('still writes when the stats cannot be read, and throws when they cannot be written', async () => {
    const { entries, reportDeps, log } = reportSetup();
    reportDeps.entries = { ...reportDeps.entries, getStats: async () => Promise.reject(new Error('read down')) };
    await reportSelectionFailure(request, { error: 'Lambda.Unknown', cause: 'boom' }, reportDeps);
    expect(entries.stats.at(-1)).toMatchObject({ status: 'FAILED', error: 'Lambda.Unknown: boom' });
    expect(log.lines.some((l) => l.message === 'stats not read before reporting the failure; writing them')).toBe(true);

    reportDeps.entries = { ...reportDeps.entries, upsertStats: async () => Promise.reject(new Error('write down')) };
    await expect(reportSelectionFailure(request, { error: 'Lambda.Unknown' }, reportDeps)).rejects.toThrow(
      'write down',
    );
  });

  it('refuses a cursor of another run and bounds the error text', async () => {
    const { entries, reportDeps } = reportSetup();
    const foreign = encodeCursor({ ...startProgress({ ...request, dateId: 'd2' }, 5) });
    await expect(
      reportSelectionFailure({ ...request, cursor: foreign }, { error: 'States.Timeout' }, reportDeps),
    ).rejects.toThrow('cursor belongs to another campaign, market or dateId');
    expect(entries.stats).toEqual([]);
    const long = await reportSelectionFailure(request, { error: 'E', cause: 'x'.repeat(5000) }, reportDeps);
    expect(long.error).toHaveLength(1000);
  });

  it.each([
    [{ error: 'States.Timeout', cause: 'States.Timeout' }, ''],
    [{ error: 'States.Timeout' }, ''],
    [
      { error: 'Sandbox.Timedout', cause: '{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out"}' },
      'Task timed out',
    ],
    [{ error: 'Lambda.Unknown', cause: 'The cause could not be determined' }, 'The cause could not be determined'],
    [{ error: 'X', cause: '{"not":"a payload"}' }, '{"not":"a payload"}'],
  ])('failureMessage(%j) is %j', (failure, message) => {
    expect(failureMessage(failure)).toBe(message);
  });
});
