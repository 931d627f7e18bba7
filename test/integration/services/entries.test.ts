import type { ServiceError } from '../../../src/shared/services';
import { createEntryService } from '../../../src/shared/services';
import type { FakeScoringRecord } from '../../../tools/local/emulators/fakes';
import { clientFor, useServiceFakes, userId } from './setup';

const fakes = useServiceFakes();
const service = () => createEntryService(clientFor(fakes(), 'entries'));

const record = (n: number, overrides: Partial<FakeScoringRecord> = {}): FakeScoringRecord => ({
  userId: userId(n),
  globalUserId: `g${n}`,
  email: `fan${n}@example.com`,
  phone: '+15555550100',
  score: n,
  verdict: true,
  locale: 'en-US',
  marketIds: ['m1'],
  ...overrides,
});

describe('Entry Service client: entries', () => {
  it('upserts and deletes, counting each', async () => {
    const entries = service();
    await expect(
      entries.batchUpsert([
        { campaignId: 'c1', userId: 'u1', fields: { zip: '10001' } },
        { campaignId: 'c1', userId: 'u2' },
      ]),
    ).resolves.toEqual({
      upsertedCount: 2,
      deletedCount: 0,
      failed: [],
    });
    await expect(
      entries.batchWrite(
        [{ campaignId: 'c1', userId: 'u3' }],
        [
          { campaignId: 'c1', userId: 'u1' },
          { campaignId: 'c1', userId: 'gone' },
        ],
      ),
    ).resolves.toEqual({
      upsertedCount: 1,
      deletedCount: 1,
      failed: [],
    });
    expect([...fakes().entries.entries.keys()].sort()).toEqual(['c1:u2', 'c1:u3']);
    await expect(entries.batchDelete([{ campaignId: 'c1', userId: 'u2' }])).resolves.toEqual({
      upsertedCount: 0,
      deletedCount: 1,
      failed: [],
    });
  });

  it('returns the user ids that failed and writes the others', async () => {
    fakes().entries.failUsers(['u2', 'u4']);
    const result = await service().batchWrite(
      [
        { campaignId: 'c1', userId: 'u1' },
        { campaignId: 'c1', userId: 'u2' },
      ],
      [{ campaignId: 'c1', userId: 'u4' }],
    );
    expect(result).toEqual({ upsertedCount: 1, deletedCount: 0, failed: ['u2', 'u4'] });
    expect([...fakes().entries.entries.keys()]).toEqual(['c1:u1']);
  });

  it('is told 400 for entries without a user id', async () => {
    await expect(service().batchUpsert([{ campaignId: 'c1', userId: '' }])).rejects.toMatchObject({
      status: 400,
      serviceError: { code: 'invalidEntries' },
    });
  });

  it('refreshes scores of known entries and names the others as failed', async () => {
    const entries = service();
    await entries.batchUpsert([
      { campaignId: 'c1', userId: 'u1' },
      { campaignId: 'c1', userId: 'u2' },
    ]);
    fakes().entries.failUsers(['u2']);
    await expect(
      entries.refreshScores([
        { campaignId: 'c1', userId: 'u1' },
        { campaignId: 'c1', userId: 'u2' },
        { campaignId: 'c1', userId: 'unknown' },
      ]),
    ).resolves.toEqual({ refreshedCount: 1, failed: ['u2', 'unknown'] });
    expect(fakes().entries.refreshed.get('c1:u1')).toBe(1);
    expect(fakes().entries.requests[1].body).toEqual({
      entries: [
        { campaignId: 'c1', userId: 'u1' },
        { campaignId: 'c1', userId: 'u2' },
        { campaignId: 'c1', userId: 'unknown' },
      ],
    });
  });
});

describe('Entry Service client: selection', () => {
  beforeEach(() => {
    fakes().entries.seedScoring('c1', [
      record(1, { score: 10 }),
      record(2, { score: 30, phone: '+445555550100' }),
      record(3, { score: 20, marketIds: ['m1', 'm2'] }),
      record(4, { score: 40, verdict: false }),
      record(5, { score: 5, marketIds: ['m2'], codes: [{ id: 'OLD', marketId: 'm2' }] }),
      record(6, { score: 50, codes: [{ id: 'TAKEN', marketId: 'm1' }] }),
    ]);
  });

  it('counts eligible fans per market and in total', async () => {
    const entries = service();
    await expect(entries.getEligibilityCount('c1', { marketIds: ['m1', 'm2'] })).resolves.toEqual({
      total: 3,
      byMarket: { m1: 3, m2: 1 },
    });
    await expect(entries.getEligibilityCount('c1', { marketIds: ['m1'], excludeIntlPhone: true })).resolves.toEqual({
      total: 2,
      byMarket: { m1: 2 },
    });
    await expect(entries.getEligibilityCount('c1', { marketIds: ['m1', 'm2'], reassign: true })).resolves.toEqual({
      total: 5,
      byMarket: { m1: 4, m2: 2 },
    });
    await expect(entries.getEligibilityCount('c1', { marketIds: ['m2'], selectedOnly: true })).resolves.toEqual({
      total: 1,
      byMarket: { m2: 1 },
    });
    expect(fakes().entries.requests[0].query).toEqual({ marketIds: 'm1,m2' });
  });

  it('pages unassigned eligible records by score, highest first', async () => {
    const entries = service();
    const first = await entries.getScoringPage('c1', { marketId: 'm1', limit: 2, offset: 0, reassign: false });
    expect(first.total).toBe(3);
    expect(first.records.map((r) => r.globalUserId)).toEqual(['g2', 'g3']);
    expect(first.records[0]).toMatchObject({
      userId: userId(2),
      verdict: true,
      marketIds: ['m1'],
      score: 30,
      phone: '+445555550100',
    });
    const second = await entries.getScoringPage('c1', { marketId: 'm1', limit: 2, offset: 2 });
    expect(second.records.map((r) => r.globalUserId)).toEqual(['g1']);
    const selected = await entries.getScoringPage('c1', { marketId: 'm1', limit: 10, offset: 0, selectedOnly: true });
    expect(selected).toEqual({
      records: [
        expect.objectContaining({
          globalUserId: 'g6',
          codes: [expect.objectContaining({ id: 'TAKEN', marketId: 'm1' })],
        }),
      ],
      total: 1,
    });
  });

  it('assigns codes onto scoring records, so the fans leave the unassigned pages', async () => {
    const entries = service();
    const date = { start: '2026-05-01T17:00:00Z', created: '2026-04-01T00:00:00Z' };
    await expect(
      entries.assignCodes('c1', [
        { userId: userId(2), code: 'A2', marketId: 'm1', date },
        { userId: userId(3), code: 'A3', marketId: 'm1', date },
      ]),
    ).resolves.toEqual({
      assignedCount: 2,
      failed: [],
    });
    const page = await entries.getScoringPage('c1', { marketId: 'm1', limit: 10, offset: 0 });
    expect(page.records.map((r) => r.globalUserId)).toEqual(['g1']);
    // A repeat (a refresh with new dates) does not add a second code.
    await entries.assignCodes('c1', [
      { userId: userId(2), code: 'A2', marketId: 'm1', date: { start: '2026-05-02T17:00:00Z' } },
    ]);
    expect(
      fakes()
        .entries.scoring('c1')
        .find((r) => r.globalUserId === 'g2')?.codes,
    ).toEqual([{ id: 'A2', marketId: 'm1', date: { start: '2026-05-02T17:00:00Z' } }]);
  });

  it('keeps its pages true to the records after pages were served (the fake indexes its pages)', async () => {
    const entries = service();
    const ids = async (query: { reassign?: boolean; selectedOnly?: boolean }) =>
      (await entries.getScoringPage('c1', { marketId: 'm1', limit: 10, offset: 0, ...query })).records.map(
        (r) => r.globalUserId,
      );
    expect(await ids({})).toEqual(['g2', 'g3', 'g1']);
    expect(await ids({ reassign: true })).toEqual(['g6', 'g2', 'g3', 'g1']);
    // A code assigned moves the fan out of the unassigned pages and into the selected ones.
    await entries.assignCodes('c1', [{ userId: userId(3), code: 'A3', marketId: 'm1', date: { start: 'x' } }]);
    expect(await ids({})).toEqual(['g2', 'g1']);
    expect(await ids({ selectedOnly: true })).toEqual(['g6', 'g3']);
    expect(await ids({ reassign: true })).toEqual(['g6', 'g2', 'g3', 'g1']);
    // Seeded records take their place by score, including a changed score of a known fan.
    fakes().entries.seedScoring('c1', [record(7, { score: 35 }), record(1, { score: 60 })]);
    expect(await ids({})).toEqual(['g1', 'g7', 'g2']);
    // What scoring() hands out is a copy: changing it changes no page.
    fakes().entries.scoring('c1').forEach((r) => (r.score = 0));
    expect(await ids({})).toEqual(['g1', 'g7', 'g2']);
  });

  it('names fans it could not assign as failed', async () => {
    fakes().entries.failUsers([userId(3)]);
    const date = { start: '2026-05-01T17:00:00Z' };
    const result = await service().assignCodes('c1', [
      { userId: userId(1), code: 'A1', marketId: 'm1', date },
      { userId: userId(3), code: 'A3', marketId: 'm1', date },
      { userId: userId(99), code: 'A99', marketId: 'm1', date },
    ]);
    expect(result).toEqual({ assignedCount: 1, failed: [userId(3), userId(99)] });
  });

  it('is told 400 for a user id that is not 24 characters, without a retry', async () => {
    const error = (await service()
      .assignCodes('c1', [{ userId: 'short', code: 'X', date: { start: '2026-05-01T17:00:00Z' } }])
      .catch((e: unknown) => e)) as ServiceError;
    expect(error).toMatchObject({ status: 400, attempts: 1, serviceError: { code: 'invalidUserId' } });
  });
});

describe('Entry Service client: stats', () => {
  it('creates, updates and reads the stats of a selection run', async () => {
    const entries = service();
    await entries.upsertStats('c1', 'selection', {
      marketId: 'm1',
      dateId: 'd1',
      status: 'PROCESSING',
      count: { total: 100 },
    });
    await entries.upsertStats('c1', 'selection', {
      marketId: 'm1',
      dateId: 'd1',
      status: 'FINISHED',
      count: { processed: 98, failed: 2 },
    });
    await entries.upsertStats('c1', 'selection', {
      marketId: 'm2',
      dateId: 'd1',
      status: 'FAILED',
      error: 'not enough codes',
    });
    const [m1] = await entries.getStats('c1', 'selection', { marketId: 'm1', dateId: 'd1' });
    expect(m1).toMatchObject({
      campaignId: 'c1',
      type: 'selection',
      marketId: 'm1',
      dateId: 'd1',
      status: 'FINISHED',
      count: { total: 100, processed: 98, failed: 2 },
    });
    await expect(entries.getStats('c1', 'selection', { dateId: 'd1' })).resolves.toHaveLength(2);
    await expect(entries.getStats('c1', 'selection', { marketId: 'm2' })).resolves.toEqual([
      expect.objectContaining({ status: 'FAILED', error: 'not enough codes' }),
    ]);
    await expect(entries.getStats('c2', 'selection')).resolves.toEqual([]);
  });

  it('is told 400 for an unknown status', async () => {
    await expect(service().upsertStats('c1', 'selection', { status: 'DONE' as never })).rejects.toMatchObject({
      status: 400,
      serviceError: { code: 'invalidStatus' },
    });
  });
});
