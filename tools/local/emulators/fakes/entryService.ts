import type { KeyObject } from 'node:crypto';
import type { FakeControls, FakeRequest } from './server';
import { check, createFakeServer, isObject, ok, extendFake } from './server';

export interface FakeScoringRecord {
  userId: string;
  globalUserId: string;
  memberId?: string;
  name?: { first?: string; last?: string };
  email?: string;
  phone?: string;
  score?: number;
  verdict: boolean;
  locale?: string;
  marketIds: string[];
  codes?: { id: string; marketId?: string; eventIds?: string[]; date?: Record<string, string> }[];
}

export interface FakeStats {
  campaignId: string;
  type: string;
  marketId?: string;
  dateId?: string;
  status: string;
  count: Record<string, number>;
  error?: string;
  date: { created: string; updated: string };
}

export interface EntryServiceFake extends FakeControls {
  /** Entries keyed by `campaignId:userId`. */
  readonly entries: Map<string, Record<string, unknown>>;
  readonly stats: Map<string, FakeStats>;
  /** Adds scoring records to a campaign (replacing records with the same userId). */
  seedScoring(campaignId: string, records: FakeScoringRecord[]): void;
  scoring(campaignId: string): FakeScoringRecord[];
  /** Calls naming these user ids report them as failed until `reset`. */
  failUsers(userIds: string[]): void;
  /** How often each `campaignId:userId` was refreshed. */
  readonly refreshed: Map<string, number>;
  /**
   * Serve at most `size` scoring records per page whatever `limit` asks (the real service's
   * documented default is 50); `undefined` lifts the cap. Cleared by `reset`.
   */
  capPageSize(size: number | undefined): void;
}

const MAX_BATCH = 1000;
const MAX_PAGE = 10000;
const STATS_STATUSES = ['PENDING', 'PROCESSING', 'FINISHED', 'FAILED'];

const bool = (value: string | undefined): boolean => value === 'true';
const optionalNumber = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined) {
    return undefined;
  }
  const n = Number(value);
  check(Number.isFinite(n), 'invalidQuery', `${name} must be a number`);
  return n;
};

const entryKey = (campaignId: string, userId: string) => `${campaignId}:${userId}`;
const statsKey = (campaignId: string, type: string, marketId?: string, dateId?: string) =>
  [campaignId, type, marketId ?? '', dateId ?? ''].join('|');

interface Filter {
  reassign: boolean;
  selectedOnly: boolean;
  excludeIntlPhone: boolean;
  minScore?: number;
  maxScore?: number;
}

function parseFilter(query: Record<string, string>): Filter {
  return {
    reassign: bool(query.reassign),
    selectedOnly: bool(query.selectedOnly),
    excludeIntlPhone: bool(query.excludeIntlPhone),
    minScore: optionalNumber(query.minScore, 'minScore'),
    maxScore: optionalNumber(query.maxScore, 'maxScore'),
  };
}

/** Eligible for a market: verdict true, prefers the market, and code/phone/score rules of the query. */
function eligible(record: FakeScoringRecord, marketId: string, f: Filter): boolean {
  if (!record.verdict || !record.marketIds.includes(marketId)) {
    return false;
  }
  const hasCode = (record.codes ?? []).some((c) => c.marketId === marketId);
  if (f.selectedOnly ? !hasCode : !f.reassign && hasCode) {
    return false;
  }
  if (f.excludeIntlPhone && !(record.phone ?? '').startsWith('+1')) {
    return false;
  }
  const score = record.score ?? 0;
  return !(f.minScore !== undefined && score < f.minScore) && !(f.maxScore !== undefined && score > f.maxScore);
}

function refs(value: unknown, what: string): { campaignId: string; userId: string }[] {
  check(value === undefined || Array.isArray(value), 'invalidEntries', `${what} must be an array`);
  const list = (value ?? []) as unknown[];
  for (const item of list) {
    check(
      isObject(item) &&
        typeof item.campaignId === 'string' &&
        item.campaignId !== '' &&
        typeof item.userId === 'string' &&
        item.userId !== '',
      'invalidEntries',
      `each of ${what} needs campaignId and userId`,
    );
  }
  return list as { campaignId: string; userId: string }[];
}

/** A stateful fake of Entry Service: entries, score refreshes, scoring pages, code assignment, stats. */
export function createEntryServiceFake(options: { publicKey?: string | KeyObject } = {}): EntryServiceFake {
  const entries = new Map<string, Record<string, unknown>>();
  const scoring = new Map<string, Map<string, FakeScoringRecord>>();
  let pageCap: number | undefined;
  const stats = new Map<string, FakeStats>();
  const failing = new Set<string>();
  const refreshed = new Map<string, number>();

  const seedScoring = (campaignId: string, records: FakeScoringRecord[]) => {
    const byUser = scoring.get(campaignId) ?? new Map<string, FakeScoringRecord>();
    for (const r of records) {
      byUser.set(r.userId, structuredClone(r));
    }
    scoring.set(campaignId, byUser);
  };
  const scoringOf = (campaignId: string) => [...(scoring.get(campaignId)?.values() ?? [])];

  const writeEntries = (req: FakeRequest) => {
    check(isObject(req.body), 'invalidBody', 'body must be { entries, deletions }');
    const puts = refs(req.body.entries, 'entries');
    const deletions = refs(req.body.deletions, 'deletions');
    check(puts.length + deletions.length > 0, 'emptyBatch', 'entries or deletions must not be empty');
    check(puts.length + deletions.length <= MAX_BATCH, 'batchTooLarge', `at most ${MAX_BATCH} items per request`);
    const failed: string[] = [];
    let upsertedCount = 0;
    let deletedCount = 0;
    for (const entry of puts) {
      if (failing.has(entry.userId)) {
        failed.push(entry.userId);
        continue;
      }
      const key = entryKey(entry.campaignId, entry.userId);
      entries.set(key, { ...entries.get(key), ...structuredClone(entry) });
      upsertedCount++;
    }
    for (const { campaignId, userId } of deletions) {
      if (failing.has(userId)) {
        failed.push(userId);
        continue;
      }
      if (entries.delete(entryKey(campaignId, userId))) {
        deletedCount++;
      }
    }
    return ok(req, { upsertedCount, deletedCount, failed });
  };

  const refreshScores = (req: FakeRequest) => {
    check(isObject(req.body), 'invalidBody', 'body must be { entries }');
    const list = refs(req.body.entries, 'entries');
    check(list.length > 0, 'emptyEntries', 'entries must not be empty');
    check(list.length <= MAX_BATCH, 'batchTooLarge', `at most ${MAX_BATCH} entries per request`);
    const failed: string[] = [];
    for (const { campaignId, userId } of list) {
      const key = entryKey(campaignId, userId);
      // An entry the service does not hold cannot be scored.
      if (failing.has(userId) || !entries.has(key)) {
        failed.push(userId);
        continue;
      }
      refreshed.set(key, (refreshed.get(key) ?? 0) + 1);
    }
    return ok(req, { refreshedCount: list.length - failed.length, failed });
  };

  const assignCodes = (req: FakeRequest) => {
    const items = req.body;
    check(Array.isArray(items), 'invalidBody', 'body must be an array of code assignments');
    check(items.length >= 1 && items.length <= MAX_BATCH, 'invalidCount', `1 to ${MAX_BATCH} assignments per request`);
    const seen = new Set<string>();
    for (const item of items) {
      check(
        isObject(item) && typeof item.userId === 'string' && item.userId.length === 24,
        'invalidUserId',
        'userId must be a 24-character id',
      );
      check(!seen.has(item.userId), 'duplicateUserId', `user ${item.userId} appears more than once`);
      seen.add(item.userId);
      check(typeof item.code === 'string' && item.code !== '', 'invalidCode', 'code must be a non-empty string');
      check(isObject(item.date) && typeof item.date.start === 'string', 'invalidDate', 'date.start is required');
      check(
        item.marketId === undefined || typeof item.marketId === 'string',
        'invalidMarketId',
        'marketId must be a string',
      );
      check(
        item.eventIds === undefined ||
          (Array.isArray(item.eventIds) && item.eventIds.every((id) => typeof id === 'string')),
        'invalidEventIds',
        'eventIds must be a list of strings',
      );
    }
    const records = scoring.get(req.params.campaignId);
    const failed: string[] = [];
    for (const item of items as {
      userId: string;
      code: string;
      marketId?: string;
      eventIds?: string[];
      date: Record<string, string>;
    }[]) {
      const record = records?.get(item.userId);
      if (!record || failing.has(item.userId)) {
        failed.push(item.userId);
        continue;
      }
      const codes = (record.codes ??= []);
      const existing = codes.find((c) => c.id === item.code && c.marketId === item.marketId);
      const events = item.eventIds ? { eventIds: [...item.eventIds] } : {};
      if (existing) {
        // A repeated assignment (or a refresh) updates the dates and events only.
        Object.assign(existing, { date: { ...item.date } }, events);
      } else {
        codes.push({
          id: item.code,
          ...(item.marketId ? { marketId: item.marketId } : {}),
          ...events,
          date: { ...item.date },
        });
      }
    }
    return ok(req, { assignedCount: items.length - failed.length, failed });
  };

  const eligibility = (req: FakeRequest) => {
    const marketIds = (req.query.marketIds ?? '').split(',').filter(Boolean);
    check(marketIds.length > 0, 'missingMarketIds', 'marketIds is required');
    const filter = parseFilter(req.query);
    const byMarket: Record<string, number> = Object.fromEntries(marketIds.map((m) => [m, 0]));
    let total = 0;
    for (const record of scoringOf(req.params.campaignId)) {
      const markets = marketIds.filter((m) => eligible(record, m, filter));
      markets.forEach((m) => byMarket[m]++);
      total += markets.length > 0 ? 1 : 0;
    }
    return ok(req, { total, byMarket });
  };

  const scoringPage = (req: FakeRequest) => {
    const { marketId } = req.query;
    check(marketId, 'missingMarketId', 'marketId is required');
    const limit = optionalNumber(req.query.limit, 'limit') ?? 50;
    const offset = optionalNumber(req.query.offset, 'offset') ?? 0;
    check(Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE, 'invalidLimit', `limit must be 1 to ${MAX_PAGE}`);
    check(Number.isInteger(offset) && offset >= 0, 'invalidOffset', 'offset must be 0 or more');
    const filter = parseFilter(req.query);
    const matching = scoringOf(req.params.campaignId)
      .filter((r) => eligible(r, marketId, filter))
      .sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || a.userId.localeCompare(b.userId));
    const served = Math.min(limit, pageCap ?? limit);
    return ok(req, { data: matching.slice(offset, offset + served), total: matching.length, limit: served, offset });
  };

  const upsertStats = (req: FakeRequest) => {
    const { campaignId, type } = req.params;
    const b = req.body;
    check(isObject(b), 'invalidBody', 'body must be an object');
    check(
      typeof b.status === 'string' && STATS_STATUSES.includes(b.status),
      'invalidStatus',
      `status must be one of ${STATS_STATUSES.join(', ')}`,
    );
    check(b.count === undefined || isObject(b.count), 'invalidCount', 'count must be an object');
    check(b.marketId === undefined || typeof b.marketId === 'string', 'invalidMarketId', 'marketId must be a string');
    check(b.dateId === undefined || typeof b.dateId === 'string', 'invalidDateId', 'dateId must be a string');
    const key = statsKey(campaignId, type, b.marketId as string | undefined, b.dateId as string | undefined);
    const now = new Date().toISOString();
    const previous = stats.get(key);
    const doc: FakeStats = {
      campaignId,
      type,
      ...(b.marketId ? { marketId: b.marketId as string } : {}),
      ...(b.dateId ? { dateId: b.dateId as string } : {}),
      status: b.status,
      count: { ...previous?.count, ...(b.count as Record<string, number> | undefined) },
      ...(typeof b.error === 'string' ? { error: b.error } : {}),
      date: { created: previous?.date.created ?? now, updated: now },
    };
    stats.set(key, doc);
    return ok(req, doc, previous ? 200 : 201);
  };

  const getStats = (req: FakeRequest) => {
    const { campaignId, type } = req.params;
    const { marketId, dateId } = req.query;
    const docs = [...stats.values()].filter(
      (s) =>
        s.campaignId === campaignId &&
        s.type === type &&
        (marketId === undefined || s.marketId === marketId) &&
        (dateId === undefined || s.dateId === dateId),
    );
    return ok(req, docs);
  };

  const server = createFakeServer({
    name: 'entries',
    auth: 'bearer',
    publicKey: options.publicKey,
    routes: [
      { method: 'POST', pattern: '/v2/entries', handle: writeEntries },
      { method: 'POST', pattern: '/v2/refreshScores', handle: refreshScores },
      { method: 'POST', pattern: '/:campaignId/entries/codes', handle: assignCodes },
      { method: 'GET', pattern: '/:campaignId/entries/eligibility', handle: eligibility },
      { method: 'GET', pattern: '/:campaignId/entries/scoring', handle: scoringPage },
      { method: 'POST', pattern: '/:campaignId/stats/:type', handle: upsertStats },
      { method: 'GET', pattern: '/:campaignId/stats/:type', handle: getStats },
    ],
    state: () => ({
      entries: Object.fromEntries(entries),
      scoring: Object.fromEntries([...scoring.keys()].map((c) => [c, scoringOf(c)])),
      stats: [...stats.values()],
      failingUsers: [...failing],
      refreshed: Object.fromEntries(refreshed),
    }),
    clearFailures: () => failing.clear(),
    resetState: () => {
      pageCap = undefined;
      entries.clear();
      scoring.clear();
      stats.clear();
      refreshed.clear();
    },
    actions: {
      seed: (body) => {
        check(
          isObject(body) && typeof body.campaignId === 'string' && Array.isArray(body.scoring),
          'invalidSeed',
          'seed body is { campaignId, scoring: [...] }',
        );
        seedScoring(body.campaignId, body.scoring as FakeScoringRecord[]);
        return { seeded: body.scoring.length };
      },
      failUsers: (body) => {
        check(isObject(body) && Array.isArray(body.userIds), 'invalidControl', 'body is { userIds: [...] }');
        body.userIds.forEach((id) => failing.add(String(id)));
        return { failing: [...failing] };
      },
    },
  });

  return extendFake(server, {
    entries,
    stats,
    refreshed,
    seedScoring,
    scoring: scoringOf,
    failUsers: (userIds: string[]) => userIds.forEach((id) => failing.add(id)),
    capPageSize: (size: number | undefined) => {
      pageCap = size;
    },
  });
}
