import { memoryLogger } from '../../../shared/runtime/testing';
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
        store: { setNotificationTime: async (id, when) => ((stored[id] = when.toISOString()), true) },
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
        store: { setNotificationTime: async (id, when) => ((stored[id] = when.toISOString()), true) },
        entries: { getEligibilityCount: async () => ({ total: 36_000, byMarket: {} }) },
        settings,
        now,
        log: memoryLogger(),
      },
    );
    // An hour of sends centred on 16:00.
    expect(stored).toEqual({ m1: '2026-06-13T15:30:00.000Z' });
  });
});
