import { memoryLogger } from '../../../../test/doubles/runtime';
import type { Market } from '../../../shared/domain/campaign';
import type { EligibilityQuery } from '../../../shared/services/entries';
import { MAX_ELIGIBILITY_MARKET_IDS_CHARS } from '../../../shared/services/entries';
import { encodeQuery } from '../../../shared/services/http';
import type { PlanSendsDeps } from './planSends';
import { parsePlanSendsInput, planSends } from './planSends';

const settings = { smsPerSecond: 10, targetLeadMinutes: 60, finishBeforePresaleMinutes: 5, roundToMinutes: 5 };
const now = () => new Date('2026-06-13T10:00:00.000Z');

describe('planSends', () => {
  it('needs the markets array of getMarketsToNotify', () => {
    expect(parsePlanSendsInput({ mode: 'planning', markets: [], clearedCount: 0 })).toEqual({ markets: [] });
    expect(() => parsePlanSendsInput({ mode: 'planning' })).toThrow(/markets must be an array/);
  });

  it('reports malformed markets as errors and plans the rest', async () => {
    const stored: Record<string, string> = {};
    const result = await planSends(
      {
        markets: [
          { id: 'm1', campaignId: 'c1', presaleDateTime: '2026-06-13T17:00:00.000Z' },
          { id: 'm2', campaignId: 'c1', presaleDateTime: 'soon' },
          null,
        ],
      },
      {
        // In-memory stand-ins: this case is about input checking; the MongoDB and Entry Service paths are in test/integration/notification.
        store: {
          setNotificationTime: async (id, when) => ((stored[id] = when.toISOString()), true),
          getMarket: async () => undefined,
        },
        entries: { getEligibilityCount: async () => ({ total: 0, byMarket: { m1: 0 } }) },
        settings,
        now,
        log: memoryLogger(),
      },
    );
    expect(result.plannedCount).toBe(1);
    expect(stored).toEqual({ m1: '2026-06-13T16:00:00.000Z' });
    expect(result.errors).toEqual([
      { marketId: 'm2', campaignId: 'c1', error: 'market needs id, campaignId and a valid presaleDateTime' },
      { marketId: undefined, campaignId: undefined, error: 'market needs id, campaignId and a valid presaleDateTime' },
    ]);
  });

  it('uses the campaign total when Entry Service gives no per-market count', async () => {
    const stored: Record<string, string> = {};
    await planSends(
      { markets: [{ id: 'm1', campaignId: 'c1', presaleDateTime: '2026-06-13T17:00:00.000Z' }] },
      {
        store: {
          setNotificationTime: async (id, when) => ((stored[id] = when.toISOString()), true),
          getMarket: async () => undefined,
        },
        entries: { getEligibilityCount: async () => ({ total: 36_000, byMarket: {} }) },
        settings,
        now,
        log: memoryLogger(),
      },
    );
    // An hour of sends centred on 16:00.
    expect(stored).toEqual({ m1: '2026-06-13T15:30:00.000Z' });
  });

  describe('with a store of known markets', () => {
    const presaleDateTime = '2026-06-13T17:00:00.000Z';
    /** In-memory stand-ins; the MongoDB and Entry Service paths are in test/integration/notification. */
    function setup(knownIds: string[], planned: string[] = []) {
      const known = new Set(knownIds);
      const stored = new Map<string, string>(planned.map((id) => [id, 'earlier']));
      const queries: { campaignId: string; query: EligibilityQuery }[] = [];
      const log = memoryLogger();
      const deps: PlanSendsDeps = {
        store: {
          setNotificationTime: async (id, when) => {
            if (!known.has(id) || stored.has(id)) {
              return false;
            }
            stored.set(id, when.toISOString());
            return true;
          },
          getMarket: async (id) => (known.has(id) ? ({ id, campaign_id: 'c1' } as Market) : undefined),
        },
        entries: {
          getEligibilityCount: async (campaignId, query) => {
            queries.push({ campaignId, query });
            return { total: 0, byMarket: {} };
          },
        },
        settings,
        now,
        log,
      };
      return { deps, stored, queries, log };
    }

    it('reports a market MongoDB does not hold as missing, with a warning naming it, apart from those planned already', async () => {
      const { deps, log } = setup(['m1', 'm2'], ['m2']);
      const result = await planSends(
        { markets: ['m1', 'm2', 'gone'].map((id) => ({ id, campaignId: 'c1', presaleDateTime })) },
        deps,
      );
      expect(result).toMatchObject({
        plannedCount: 1,
        alreadyPlannedCount: 1,
        missingCount: 1,
        missing: [{ marketId: 'gone', campaignId: 'c1' }],
        errors: [],
      });
      expect(log.lines).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          message: 'market not found; nothing planned for it',
          data: { marketId: 'gone', campaignId: 'c1' },
        }),
      );
    });

    it.each([
      [
        'a campaignId of ..',
        { id: 'm1', campaignId: '..' },
        { marketId: 'm1', campaignId: undefined, error: 'campaignId must not be "." or ".."' },
      ],
      [
        'a campaignId of .',
        { id: 'm1', campaignId: '.' },
        { marketId: 'm1', campaignId: undefined, error: 'campaignId must not be "." or ".."' },
      ],
      [
        'a control character in the campaignId',
        { id: 'm1', campaignId: 'c\u00001' },
        {
          marketId: 'm1',
          campaignId: undefined,
          error: 'campaignId must not contain control characters or unpaired surrogates',
        },
      ],
      [
        'an overlong campaignId',
        { id: 'm1', campaignId: 'c'.repeat(100_000) },
        { marketId: 'm1', campaignId: undefined, error: 'campaignId is longer than 128 characters' },
      ],
      [
        'a market id of ..',
        { id: '..', campaignId: 'c1' },
        { marketId: undefined, campaignId: 'c1', error: 'id must not be "." or ".."' },
      ],
    ])('reports a market with %s without calling Entry Service or echoing the id', async (_name, market, error) => {
      const { deps, queries, stored } = setup(['m1', '..']);
      const result = await planSends({ markets: [{ ...market, presaleDateTime }] }, deps);
      expect(result.errors).toEqual([error]);
      expect(queries).toEqual([]);
      expect(stored.size).toBe(0);
    });

    it('pages the eligibility request of a campaign with 20,000 markets so each URL stays small', async () => {
      const ids = Array.from({ length: 20_000 }, (_, n) => n.toString(16).padStart(24, '0'));
      const { deps, queries } = setup(ids);
      const result = await planSends({ markets: ids.map((id) => ({ id, campaignId: 'c1', presaleDateTime })) }, deps);
      expect(result).toMatchObject({ plannedCount: 20_000, errors: [] });
      expect(queries.length).toBe(Math.ceil(20_000 / 151));
      expect(queries.flatMap((q) => q.query.marketIds)).toEqual(ids);
      for (const { query } of queries) {
        expect(encodeQuery({ marketIds: query.marketIds }).length).toBeLessThanOrEqual(
          MAX_ELIGIBILITY_MARKET_IDS_CHARS + '?marketIds='.length,
        );
      }
    });
  });
});
