/**
 * planSends against the Entry Service fake and MongoDB: a campaign with more markets than one
 * URL can name is counted page by page, and a market MongoDB does not hold is reported as
 * missing rather than as planned by another run (issue 20, point 7).
 */
import { getConfig } from '../../../src/shared/config';
import { memoryLogger } from '../../doubles/runtime';
import type { Market } from '../../../src/shared/domain/campaign';
import { createEntryService } from '../../../src/shared/services/entries';
import { ServiceError, createServiceClient } from '../../../src/shared/services/http';
import { createTokenProvider, loadPrivateKeyFromEnv } from '../../../src/shared/services/jwt';
import type { PlanSendsDeps } from '../../../src/workers/notification/planSends/planSends';
import { planSends } from '../../../src/workers/notification/planSends/planSends';
import { MAX_REQUEST_HEADER_BYTES } from '../../../tools/local/emulators/fakes';
import { HOUR, marketDoc, newId, scoringDoc, seedEntryService, useNotificationEnv } from './setup';

const env = useNotificationEnv('ntfcn-plan-paging');
const NOW = new Date('2026-06-13T10:00:00.000Z');
const PRESALE = new Date(NOW.getTime() + 5 * HOUR);

const entries = () =>
  createEntryService(
    createServiceClient({
      service: 'entries',
      baseUrl: env().fakes.urls.entries,
      timeoutMs: 5000,
      retries: 0,
      backoffBaseMs: 1,
      backoffMaxMs: 5,
      getToken: createTokenProvider({
        worker: 'notificationTest',
        issuer: 'reg-workers',
        ttlSeconds: 600,
        loadPrivateKey: loadPrivateKeyFromEnv,
      }),
    }),
  );

const input = (campaignId: string, ids: string[]) => ({
  markets: ids.map((id) => ({ id, campaignId, presaleDateTime: PRESALE.toISOString() })),
});

describe('planSends with a campaign of 20,000 markets', () => {
  const campaign = newId();
  const ids = Array.from({ length: 20_000 }, () => newId());
  const eligibilityCalls = () => env().fakes.entries.requests.filter((r) => r.path.endsWith('/entries/eligibility'));

  beforeEach(() => {
    // Three fans with codes for the first and the last market, so both ends of the list are counted.
    seedEntryService(
      env().fakes,
      [0, 1, 2].map((n) => scoringDoc(campaign, { n, codesFor: [ids[0], ids[ids.length - 1]] })),
    );
  });

  it('is more than one URL can name: all the ids in one request are refused with 431', async () => {
    const error = await entries()
      .getEligibilityCount(campaign, { marketIds: ids, selectedOnly: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).status).toBe(431);
  });

  it('counts the markets page by page, every request under the 8 KiB limit, and plans every one', async () => {
    // 20,000 markets in the in-process MongoDB server would take minutes to update one by one;
    // what this case is about is the Entry Service request, so the store is an in-memory stand-in.
    const planned = new Map<string, Date>();
    const store: PlanSendsDeps['store'] = {
      setNotificationTime: async (id, when) => (planned.has(id) ? false : (planned.set(id, when), true)),
      getMarket: async (id) => ({ id, campaign_id: campaign }) as Market,
    };

    const result = await planSends(input(campaign, ids), {
      store,
      entries: entries(),
      settings: { ...getConfig().notifications, smsPerSecond: 0.01 },
      now: () => NOW,
      log: memoryLogger(),
    });

    expect(result).toMatchObject({ plannedCount: 20_000, alreadyPlannedCount: 0, missingCount: 0, errors: [] });
    const calls = eligibilityCalls();
    expect(calls.length).toBeGreaterThan(100);
    expect(calls.flatMap((c) => c.query.marketIds.split(','))).toEqual(ids);
    for (const call of calls) {
      const requestLine = `GET ${call.path}?${new URLSearchParams(call.query).toString()} HTTP/1.1`;
      // At most 5 KiB, leaving 3 KiB of the limit for the headers (the JWT is about 1 KiB).
      expect(requestLine.length).toBeLessThan(MAX_REQUEST_HEADER_BYTES - 3 * 1024);
    }
    // Three fans at 0.01 SMS/s take 300 s, centred on presale - 60 min; the rest have no fan.
    const counts = new Map(result.planned.map((p) => [p.marketId, p.count]));
    expect([counts.get(ids[0]), counts.get(ids[1]), counts.get(ids[ids.length - 1])]).toEqual([3, 0, 3]);
  });
});

describe('planSends with markets MongoDB does not hold', () => {
  it('reports them as missing with a warning naming each, apart from markets planned already', async () => {
    const { markets, store } = env();
    const campaign = newId();
    const [fresh, plannedBefore, gone] = [newId(), newId(), newId()];
    await markets.insertMany([
      marketDoc(fresh, campaign, PRESALE),
      marketDoc(plannedBefore, campaign, PRESALE, { date: { notification: NOW.toISOString() } }),
    ]);
    const log = memoryLogger();

    const result = await planSends(input(campaign, [fresh, plannedBefore, gone]), {
      store,
      entries: entries(),
      settings: getConfig().notifications,
      now: () => NOW,
      log,
    });

    expect(result).toMatchObject({
      plannedCount: 1,
      alreadyPlannedCount: 1,
      missingCount: 1,
      missing: [{ marketId: gone, campaignId: campaign }],
      errors: [],
    });
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'market not found; nothing planned for it',
        data: { marketId: gone, campaignId: campaign },
      }),
    );
    expect(await markets.countDocuments({})).toBe(2);
  });
});
