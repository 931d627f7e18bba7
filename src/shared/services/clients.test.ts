import type { HttpMethod, RequestOptions, ServiceClient, ServiceResponse } from './http';
import { createCampaignService } from './campaigns';
import { createCodeService } from './codes';
import {
  MAX_ELIGIBILITY_MARKET_IDS_CHARS,
  createEntryService,
  eligibilityPages,
  failedIds,
  isLastPage,
  normalizeEligibility,
  normalizeScoringPage,
  validateCodeAssignments,
} from './entries';
import { createExportsService } from './exports';
import { createUserService } from './users';

/** A ServiceClient that records calls and answers from a queue. */
function stubClient(...responses: ServiceResponse<unknown>[]) {
  const calls: { method: HttpMethod; path: string; options?: RequestOptions }[] = [];
  const send = async <T>(method: HttpMethod, path: string, options?: RequestOptions) => {
    calls.push({ method, path, options });
    return (responses.shift() ?? { status: 200, data: undefined }) as ServiceResponse<T>;
  };
  const client: ServiceClient = {
    service: 'entries',
    send,
    request: async (m, p, o) => (await send(m, p, o)).data as never,
  };
  return { client, calls };
}

const assignment = (userId: string) => ({ userId, code: `C-${userId}`, date: { start: '2026-05-01T17:00:00Z' } });

describe('entries client', () => {
  it('normalises both eligibility shapes to { total, byMarket }', () => {
    expect(normalizeEligibility({ total: 3, byMarket: { m1: 2, m2: 1 } })).toEqual({
      total: 3,
      byMarket: { m1: 2, m2: 1 },
    });
    expect(
      normalizeEligibility({
        count: 5,
        byMarket: [
          { marketId: 'm1', count: 4 },
          { id: 'm2', total: 1 },
        ],
      }),
    ).toEqual({ total: 5, byMarket: { m1: 4, m2: 1 } });
    expect(normalizeEligibility({ byMarket: { m1: 2, m2: 1 } })).toEqual({ total: 3, byMarket: { m1: 2, m2: 1 } });
  });

  it('normalises the scoring page shapes and phone objects', () => {
    const raw = {
      user_id: 'u1',
      globalUserId: 'g1',
      verdict: true,
      marketIds: ['m1'],
      phone: { number: '+15555550100', type: 'mobile' },
      score: 9,
    };
    expect(normalizeScoringPage({ data: [raw], total: 10, limit: 1, offset: 0 })).toEqual({
      records: [
        expect.objectContaining({ userId: 'u1', globalUserId: 'g1', phone: '+15555550100', score: 9, verdict: true }),
      ],
      total: 10,
    });
    expect(normalizeScoringPage({ list: [raw], counts: { total: 4 } }).total).toBe(4);
    expect(normalizeScoringPage({ records: [], total: 0 })).toEqual({ records: [], total: 0 });
    // No total reported: unknown, not the length of the page.
    expect(normalizeScoringPage({ data: [raw] }).total).toBeUndefined();
  });

  it('ends a scoring listing on an empty page or at the total, never on a short page', () => {
    const record = normalizeScoringPage([{ globalUserId: 'g1' }]).records[0];
    const short = { records: [record] };
    // 50 served of the 1000 asked: more may follow.
    expect(isLastPage({ ...short, total: 3000 }, 50)).toBe(false);
    expect(isLastPage(short, 50)).toBe(false);
    expect(isLastPage({ ...short, total: 3000 }, 3000)).toBe(true);
    expect(isLastPage({ records: [], total: 3000 }, 50)).toBe(true);
    expect(isLastPage({ records: [] }, 50)).toBe(true);
  });

  it('validates code assignments: 1 to 1000 items, unique user ids, code and date.start', () => {
    expect(() => validateCodeAssignments([])).toThrow('1 to 1000 items, got 0');
    expect(() => validateCodeAssignments(Array.from({ length: 1001 }, (_, i) => assignment(String(i))))).toThrow(
      'got 1001',
    );
    expect(() => validateCodeAssignments([assignment('a'), assignment('a')])).toThrow('user a more than once');
    expect(() => validateCodeAssignments([{ userId: 'a', code: 'X', date: { start: '' } }])).toThrow(
      'needs userId, code and date.start',
    );
    expect(() => validateCodeAssignments(Array.from({ length: 1000 }, (_, i) => assignment(String(i))))).not.toThrow();
  });

  it('does not call the service for an invalid assignment or an empty batch', async () => {
    const { client, calls } = stubClient();
    const entries = createEntryService(client);
    await expect(entries.assignCodes('c1', [])).rejects.toThrow(RangeError);
    await expect(entries.batchUpsert([])).resolves.toEqual({ upsertedCount: 0, deletedCount: 0, failed: [] });
    await expect(entries.refreshScores([])).resolves.toEqual({ refreshedCount: 0, failed: [] });
    expect(calls).toEqual([]);
  });

  it('sends deletions and upserts with the other list empty, and defaults missing counts', async () => {
    const { client, calls } = stubClient({ status: 200, data: { deletedCount: 1 } });
    await expect(createEntryService(client).batchDelete([{ campaignId: 'c1', userId: 'u1' }])).resolves.toEqual({
      upsertedCount: 0,
      deletedCount: 1,
      failed: [],
    });
    expect(calls[0]).toEqual({
      method: 'POST',
      path: '/v2/entries',
      options: { body: { entries: [], deletions: [{ campaignId: 'c1', userId: 'u1' }] } },
    });
  });

  it('reads failed entries given as ids or as objects, and refuses failures it cannot tie to a user', async () => {
    expect(failedIds(undefined)).toEqual([]);
    expect(failedIds(['u1', { userId: 'u2', reason: 'x' }, { user_id: 'u3' }, { id: 'u4' }])).toEqual([
      'u1',
      'u2',
      'u3',
      'u4',
    ]);
    expect(() => failedIds([{ reason: 'duplicate code' }])).toThrow('does not tie to a user');
    expect(() => failedIds('u1')).toThrow('not a list');
    // Through the client: an object failure fails its user, an anonymous one fails the call.
    const item = { userId: 'u1', code: 'C1', date: { start: '2026-12-10T17:00:00.000Z' } };
    const objects = stubClient({ status: 200, data: { assignedCount: 0, failed: [{ userId: 'u1', reason: 'x' }] } });
    await expect(createEntryService(objects.client).assignCodes('c1', [item])).resolves.toEqual({
      assignedCount: 0,
      failed: ['u1'],
    });
    const anonymous = stubClient({ status: 200, data: { upsertedCount: 0, failed: [{ reason: 'x' }] } });
    await expect(
      createEntryService(anonymous.client).batchUpsert([{ campaignId: 'c1', userId: 'u1' }]),
    ).rejects.toThrow(TypeError);
  });

  it('pages market ids so the encoded marketIds of one eligibility request stay within the limit', () => {
    const ids = Array.from({ length: 1000 }, (_, n) => `m ${n},é`);
    const pages = eligibilityPages(ids);
    expect(pages.flat()).toEqual(ids);
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) {
      const encoded = new URLSearchParams({ marketIds: page.join(',') }).toString().length - 'marketIds='.length;
      expect(encoded).toBeLessThanOrEqual(MAX_ELIGIBILITY_MARKET_IDS_CHARS);
    }
    expect(eligibilityPages([])).toEqual([]);
    const huge = 'x'.repeat(MAX_ELIGIBILITY_MARKET_IDS_CHARS + 1);
    expect(eligibilityPages(['a', huge, 'b'])).toEqual([['a'], [huge], ['b']]);
  });

  it('encodes ids in paths and keeps orderBy out of the query', async () => {
    const { client, calls } = stubClient({ status: 200, data: { data: [], total: 0 } });
    await createEntryService(client).getScoringPage('c/1', {
      marketId: 'm1',
      limit: 10,
      offset: 20,
      orderBy: 'score',
      reassign: false,
    });
    expect(calls[0]).toEqual({
      method: 'GET',
      path: '/c%2F1/entries/scoring',
      options: { query: { marketId: 'm1', limit: 10, offset: 20, reassign: false } },
    });
  });
});

describe('ids in paths', () => {
  const assignments = [assignment('u'.repeat(24))];
  const calls: [string, (id: string, client: ServiceClient) => Promise<unknown>][] = [
    ['entries.assignCodes', (id, c) => createEntryService(c).assignCodes(id, assignments)],
    ['entries.getEligibilityCount', (id, c) => createEntryService(c).getEligibilityCount(id, { marketIds: ['m1'] })],
    [
      'entries.getScoringPage',
      (id, c) => createEntryService(c).getScoringPage(id, { marketId: 'm1', limit: 1, offset: 0 }),
    ],
    ['entries.upsertStats', (id, c) => createEntryService(c).upsertStats(id, 'selection', { status: 'FAILED' })],
    ['entries.upsertStats type', (id, c) => createEntryService(c).upsertStats('c1', id, { status: 'FAILED' })],
    ['entries.getStats', (id, c) => createEntryService(c).getStats(id, 'selection')],
    ['campaigns.getCampaign', (id, c) => createCampaignService(c).getCampaign(id)],
    ['campaigns.getMarket', (id, c) => createCampaignService(c).getMarket(id, 'm1')],
    ['campaigns.getMarket marketId', (id, c) => createCampaignService(c).getMarket('c1', id)],
    ['campaigns.getMarkets', (id, c) => createCampaignService(c).getMarkets(id)],
    ['codes.reserveCodes', (id, c) => createCodeService(c).reserveCodes(id, { count: 1, type: 'tm' })],
    ['codes.assignCodes', (id, c) => createCodeService(c).assignCodes(id, ['A'])],
    ['codes.releaseCodes', (id, c) => createCodeService(c).releaseCodes(id, ['A'])],
    ['codes.countCodes', (id, c) => createCodeService(c).countCodes(id)],
    ['exports.createExport', (id, c) => createExportsService(c).createExport(id, { exportType: 'autoReminderEmail' })],
  ];
  const badIds = [
    ['..', '..', /must not be "\." or "\.\."/],
    ['.', '.', /must not be "\." or "\.\."/],
    ['a control character', 'c\u00001', /control characters/],
    ['1 MB long', 'x'.repeat(1024 * 1024), /longer than 128 characters/],
  ] as const;

  it.each(calls.flatMap(([name, call]) => badIds.map(([what, id, reason]) => [name, what, call, id, reason] as const)))(
    '%s refuses an id that is %s before any call',
    async (_name, _what, call, id, reason) => {
      const { client, calls: made } = stubClient();
      const error = (await call(id, client).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(reason);
      expect(error.message.length).toBeLessThan(100);
      expect(made).toEqual([]);
    },
  );
});

describe('campaigns client', () => {
  it('maps 404 to null and an unknown campaign to no markets', async () => {
    const { client, calls } = stubClient(
      { status: 404, data: {} },
      { status: 404, data: {} },
      { status: 200, data: { id: 'm1', campaign_id: 'c1' } },
    );
    const campaigns = createCampaignService(client);
    await expect(campaigns.getCampaign('c1')).resolves.toBeNull();
    await expect(campaigns.getMarkets('c1')).resolves.toEqual([]);
    await expect(campaigns.getMarket('c1', 'm1')).resolves.toEqual({ id: 'm1', campaign_id: 'c1' });
    expect(calls.map((c) => c.options?.expectedStatuses)).toEqual([
      [200, 404],
      [200, 404],
      [200, 404],
    ]);
  });
});

describe('codes client', () => {
  it('skips the call for no codes and reads counts', async () => {
    const { client, calls } = stubClient({ status: 200, data: { available: 2, reserved: 1 } });
    const codes = createCodeService(client);
    await expect(codes.assignCodes('c1', [])).resolves.toEqual({ count: { in: 0, updated: 0 } });
    await expect(codes.countCodes('c1', { type: 'tm' })).resolves.toEqual({ available: 2, reserved: 1, assigned: 0 });
    expect(calls).toEqual([{ method: 'GET', path: '/c1/codes/count', options: { query: { type: 'tm' } } }]);
  });
});

describe('users client', () => {
  it('derives success from failed ids when the service omits it', async () => {
    const { client } = stubClient({ status: 200, data: { failed: ['g2'] } });
    await expect(
      createUserService(client).batchUpsert([{ globalUserId: 'g1' }, { globalUserId: 'g2' }]),
    ).resolves.toEqual({ success: false, failed: ['g2'] });
  });
});

describe('exports client', () => {
  it('reports created from the status', async () => {
    const record = {
      id: 'e1',
      exportType: 'autoReminderEmail',
      campaignId: 'c1',
      status: 'PENDING',
      date: { created: 'now' },
    };
    const { client, calls } = stubClient({ status: 201, data: record }, { status: 200, data: record });
    const exportsService = createExportsService(client);
    await expect(exportsService.createExport('c1', { exportType: 'autoReminderEmail' })).resolves.toEqual({
      ...record,
      created: true,
    });
    await expect(exportsService.createExport('c1', { exportType: 'autoReminderEmail' })).resolves.toEqual({
      ...record,
      created: false,
    });
    expect(calls[0].options?.expectedStatuses).toEqual([200, 201]);
  });
});
