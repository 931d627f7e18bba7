import { memoryLogger } from '../../../../test/doubles/runtime';
import type { SqsMessage } from '../../../shared/runtime/sqs';
import type { CodeAssignment } from '../../../shared/services/entries';
import { ServiceError } from '../../../shared/services/http';
import type { SaveSelectionMessage } from '../shared/messages';
import { memoryQueue } from '../../../../test/doubles/selection';
import { assignmentChunks, dedupe, saveSelections } from './saveSelections';
import type { SaveSelectionsDeps } from './saveSelections';
import type { Verdict, VerdictStore } from './verdicts';

const userId = (g: string) => g.padStart(24, '0');
const selection = (globalUserId: string, overrides: Partial<SaveSelectionMessage> = {}): SaveSelectionMessage =>
  ({
    type: 'selection',
    campaignId: 'c1',
    marketId: 'm1',
    globalUserId,
    userId: userId(globalUserId),
    eventIds: ['e1'],
    code: `CODE-${globalUserId}`,
    date: { created: '2026-11-25T10:00:00.000Z' },
    ...overrides,
  }) as SaveSelectionMessage;
const sqs = (bodies: SaveSelectionMessage[]): SqsMessage<SaveSelectionMessage>[] =>
  bodies.map((body, i) => ({
    messageId: `msg-${i}`,
    body,
    messageAttributes: {},
    receiveCount: 1,
    eventSourceArn: 'arn',
  }));

/** The demand table as far as verdicts go: entries by fan with their codes and assigned markets, and code claims. */
function memoryVerdicts(fans: string[]) {
  const entries = new Map(
    fans.map((g) => [g, { codes: [] as { id: string; marketId: string }[], markets: new Set<string>() }]),
  );
  const claims = new Map<string, string>();
  const store: VerdictStore = {
    async assignedMarkets(_campaignId, globalUserIds) {
      return new Map(
        globalUserIds.flatMap((g) => {
          const entry = entries.get(g);
          const codeOf = (m: string) => entry?.codes.find((c) => c.marketId === m)?.id;
          return entry ? [[g, new Map([...entry.markets].map((m) => [m, codeOf(m)]))]] : [];
        }),
      );
    },
    async claimCode({ globalUserId, marketId, code }: Verdict) {
      const key = `${marketId}#${globalUserId}`;
      if (!claims.has(key)) {
        claims.set(key, code);
      }
      return claims.get(key)!;
    },
    async markSelected({ globalUserId, marketId, code }: Verdict) {
      const entry = entries.get(globalUserId);
      if (!entry) {
        return 'noEntry';
      }
      if (entry.markets.has(marketId)) {
        return 'alreadySaved';
      }
      entry.markets.add(marketId);
      entry.codes.push({ id: code, marketId });
      return 'saved';
    },
  };
  return { store, entries, claims };
}

function setup(fans = ['g1', 'g2', 'g3']) {
  const calls: { campaignId: string; items: CodeAssignment[] }[] = [];
  const failUsers = new Set<string>();
  const verdicts = memoryVerdicts(fans);
  const reporter = memoryQueue();
  const released: string[][] = [];
  const deps: SaveSelectionsDeps = {
    entries: {
      assignCodes: async (campaignId, items) => {
        calls.push({ campaignId, items: [...items] });
        const failed = items.filter((i) => failUsers.has(i.userId)).map((i) => i.userId);
        return { assignedCount: items.length - failed.length, failed };
      },
    },
    codes: {
      releaseCodes: async (_campaignId, codes) => {
        released.push([...codes]);
        return { count: { in: codes.length, updated: codes.length } };
      },
    },
    verdicts: verdicts.store,
    verdictReporter: reporter.queue,
    chunkSize: 2,
    log: memoryLogger(),
    now: () => new Date('2026-11-26T00:00:00Z'),
  };
  return { deps, calls, failUsers, verdicts, reporter, released };
}

describe('saveSelections', () => {
  it('assigns codes in chunks, then writes each verdict once', async () => {
    const { deps, calls, verdicts } = setup();
    const result = await saveSelections(
      sqs([
        selection('g1'),
        selection('g2', { date: { created: '2026-11-25T10:00:00.000Z', start: '2026-12-01T15:00:00.000Z' } }),
        selection('g3'),
      ]),
      deps,
    );

    expect(result.failed).toEqual([]);
    expect(result.counts).toMatchObject({ codeAssignments: 3, savedVerdicts: 3, alreadySaved: 0 });
    expect(calls.map((c) => c.items.map((i) => i.userId))).toEqual([[userId('g1'), userId('g2')], [userId('g3')]]);
    expect(calls[0].items[1]).toEqual({
      userId: userId('g2'),
      code: 'CODE-g2',
      marketId: 'm1',
      eventIds: ['e1'],
      date: { start: '2026-12-01T15:00:00.000Z', created: '2026-11-25T10:00:00.000Z' },
    });
    expect(calls[0].items[0].date.start).toBe('2026-11-26T00:00:00.000Z');
    expect(verdicts.entries.get('g2')?.codes).toEqual([{ id: 'CODE-g2', marketId: 'm1' }]);
  });

  it('changes nothing when the same batch comes again, and does not call Entry Service for it', async () => {
    const { deps, verdicts, calls } = setup();
    const batch = sqs([selection('g1'), selection('g2')]);
    await saveSelections(batch, deps);
    const again = await saveSelections(batch, deps);
    expect(again).toMatchObject({ failed: [], counts: { savedVerdicts: 0, alreadySaved: 2 } });
    expect(verdicts.entries.get('g1')?.codes).toHaveLength(1);
    expect(calls).toHaveLength(1);
  });

  it('keeps the first code when a fan is selected twice for a market, and releases the second', async () => {
    const { deps, verdicts, calls, released } = setup();
    await saveSelections(sqs([selection('g1')]), deps);
    const second = await saveSelections(sqs([selection('g1', { code: 'CODE-OTHER' })]), deps);
    expect(second).toMatchObject({ failed: [], counts: { alreadySaved: 0, releasedCodes: 1 } });
    expect(calls.flatMap((c) => c.items.map((i) => i.code))).toEqual(['CODE-g1']);
    expect(verdicts.entries.get('g1')?.codes).toEqual([{ id: 'CODE-g1', marketId: 'm1' }]);
    expect(released).toEqual([['CODE-OTHER']]);
  });

  it.each([
    ['A first', ['CODE-A', 'CODE-B']],
    ['B first', ['CODE-B', 'CODE-A']],
  ])('gives a fan one code when two selections with different codes come in one batch (%s)', async (_, codes) => {
    const { deps, verdicts, calls, released } = setup();
    const result = await saveSelections(sqs(codes.map((code) => selection('g1', { code }))), deps);
    expect(result).toMatchObject({ failed: [], counts: { savedVerdicts: 1, releasedCodes: 1 } });
    const kept = verdicts.claims.get('m1#g1');
    expect(calls.flatMap((c) => c.items.map((i) => i.code))).toEqual([kept]);
    expect(verdicts.entries.get('g1')?.codes).toEqual([{ id: kept, marketId: 'm1' }]);
    expect(released).toEqual([codes.filter((code) => code !== kept)]);
  });

  it('gives a fan one code when two batches with different codes run at the same time', async () => {
    const { deps, verdicts, calls, released } = setup();
    await Promise.all(['CODE-A', 'CODE-B'].map((code) => saveSelections(sqs([selection('g1', { code })]), deps)));
    const kept = verdicts.claims.get('m1#g1');
    expect(calls.flatMap((c) => c.items.map((i) => i.code))).toEqual([kept]);
    expect(released.flat()).toEqual(['CODE-A', 'CODE-B'].filter((code) => code !== kept));
  });

  it('retries a selection that lost its claim when its code cannot be released', async () => {
    const { deps, calls } = setup();
    deps.codes = { releaseCodes: async () => Promise.reject(new Error('Code Service down')) };
    await saveSelections(sqs([selection('g1')]), deps);
    const lost = await saveSelections(sqs([selection('g1', { code: 'CODE-OTHER' })]), deps);
    expect(lost).toMatchObject({ failed: ['msg-0'], counts: { releasedCodes: 0, notSaved: 1 } });
    expect(calls).toHaveLength(1);
  });

  it('retries a selection whose claim cannot be written, without assigning its code', async () => {
    const { deps, calls } = setup();
    deps.verdicts = { ...deps.verdicts, claimCode: async () => Promise.reject(new Error('throttled')) };
    const result = await saveSelections(sqs([selection('g1'), selection('g2')]), deps);
    expect(result.failed).toEqual(['msg-0', 'msg-1']);
    expect(calls).toEqual([]);
  });

  it('retries the selections, not the refreshes, when the entries cannot be read', async () => {
    const { deps, calls } = setup();
    deps.verdicts = { ...deps.verdicts, assignedMarkets: async () => Promise.reject(new Error('throttled')) };
    const refresh = selection('g2', { type: 'selectionRefresh' });
    const result = await saveSelections(sqs([selection('g1'), refresh]), deps);
    expect(result.failed).toEqual(['msg-0']);
    expect(calls.flatMap((c) => c.items.map((i) => i.userId))).toEqual([userId('g2')]);
  });

  it('de-duplicates a fan and market within a batch; the duplicates share the outcome', async () => {
    const { deps, calls, failUsers } = setup();
    failUsers.add(userId('g1'));
    const result = await saveSelections(sqs([selection('g1'), selection('g1'), selection('g2')]), deps);
    expect(calls.flatMap((c) => c.items)).toHaveLength(2);
    expect(result).toMatchObject({ failed: ['msg-0', 'msg-1'], counts: { deduped: 1 } });
  });

  it('fails only the fan Entry Service did not assign, and leaves its verdict unwritten', async () => {
    const { deps, failUsers, verdicts } = setup();
    failUsers.add(userId('g2'));
    const result = await saveSelections(sqs([selection('g1'), selection('g2'), selection('g3')]), deps);
    expect(result.failed).toEqual(['msg-1']);
    expect(verdicts.entries.get('g2')?.codes).toEqual([]);
    expect(verdicts.entries.get('g3')?.codes).toHaveLength(1);
  });

  it('fails a whole chunk when its Entry Service call fails', async () => {
    const { deps, verdicts } = setup();
    deps.entries = {
      assignCodes: async () =>
        Promise.reject(
          new ServiceError({
            service: 'entries',
            method: 'POST',
            path: '/c1/entries/codes',
            status: 503,
            retryable: true,
            attempts: 4,
            reason: 'down',
          }),
        ),
    };
    const result = await saveSelections(sqs([selection('g1'), selection('g2')]), deps);
    expect(result.failed).toEqual(['msg-0', 'msg-1']);
    expect([...verdicts.entries.values()].every((e) => e.codes.length === 0)).toBe(true);
  });

  it('tries fans one by one when Entry Service refuses a chunk as invalid, so only the bad one fails', async () => {
    const { deps, calls } = setup();
    const assign = deps.entries.assignCodes;
    deps.entries = {
      assignCodes: async (campaignId, items) => {
        if (items.some((i) => i.code === 'BAD')) {
          calls.push({ campaignId, items: [...items] });
          throw new ServiceError({
            service: 'entries',
            method: 'POST',
            path: '/c1/entries/codes',
            status: 400,
            retryable: false,
            attempts: 1,
            reason: 'Bad Request',
          });
        }
        return assign(campaignId, items);
      },
    };
    const result = await saveSelections(sqs([selection('g1', { code: 'BAD' }), selection('g2')]), deps);
    expect(result.failed).toEqual(['msg-0']);
    expect(calls.map((c) => c.items.length)).toEqual([2, 1, 1]);
  });

  it('fails a winner whose entry is missing from the demand table, without giving it a code', async () => {
    const { deps, calls } = setup(['g1']);
    const result = await saveSelections(sqs([selection('g1'), selection('g9')]), deps);
    expect(result.failed).toEqual(['msg-1']);
    expect(calls.flatMap((c) => c.items.map((i) => i.userId))).toEqual([userId('g1')]);
  });

  it('re-sends refreshes to Entry Service without touching the table', async () => {
    const { deps, calls, verdicts } = setup();
    const refresh = selection('g1', {
      type: 'selectionRefresh',
      date: { created: '2026-11-25T12:00:00.000Z', start: '2026-12-02T15:00:00.000Z' },
    });
    const result = await saveSelections(sqs([refresh]), deps);
    expect(result).toMatchObject({ failed: [], counts: { selectionRefreshes: 1, savedVerdicts: 0 } });
    expect(calls[0].items[0].date.start).toBe('2026-12-02T15:00:00.000Z');
    expect(verdicts.entries.get('g1')?.codes).toEqual([]);
  });

  it('reports counts per campaign and market to the verdict reporter, and survives a failed report', async () => {
    const { deps, reporter, failUsers } = setup();
    failUsers.add(userId('g3'));
    await saveSelections(sqs([selection('g1'), selection('g2', { marketId: 'm2' }), selection('g3')]), deps);
    expect(reporter.sent).toEqual([
      {
        type: 'selectionVerdicts',
        campaignId: 'c1',
        marketId: 'm1',
        count: { saved: 1, alreadySaved: 0, refreshed: 0, failed: 1 },
        date: '2026-11-26T00:00:00.000Z',
      },
      {
        type: 'selectionVerdicts',
        campaignId: 'c1',
        marketId: 'm2',
        count: { saved: 1, alreadySaved: 0, refreshed: 0, failed: 0 },
        date: '2026-11-26T00:00:00.000Z',
      },
    ]);
    deps.verdictReporter = memoryQueue(() => true).queue;
    await expect(saveSelections(sqs([selection('g1', { marketId: 'm3' })]), deps)).resolves.toMatchObject({
      failed: [],
    });
  });
});

describe('saveSelections helpers', () => {
  it('keeps the selection over a refresh of the same fan, with the newest dates', () => {
    const refresh = selection('g1', {
      type: 'selectionRefresh',
      date: { created: '2026-11-27T00:00:00.000Z', start: '2026-12-05T00:00:00.000Z' },
    });
    const [only] = dedupe(sqs([selection('g1'), refresh]));
    expect(only.message).toMatchObject({ type: 'selection', date: refresh.date });
    expect(only.messageIds).toEqual(['msg-0', 'msg-1']);
  });

  it('never puts one user twice in a chunk', () => {
    const deliveries = dedupe(sqs([selection('g1'), selection('g1', { marketId: 'm2' }), selection('g2')]));
    expect(assignmentChunks(deliveries, 25).map((c) => c.map((d) => d.message.marketId))).toEqual([
      ['m1', 'm1'],
      ['m2'],
    ]);
  });
});
