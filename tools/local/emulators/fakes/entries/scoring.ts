/** Entry Service fake: eligibility counts and pages of scoring records, by market and query filter. */
import type { FakeScoringRecord } from '../entryService';
import type { FakeRequest, FakeResponse } from '../server';
import { check, ok } from '../server';
import type { EntryState, RankedIndex } from './state';
import { scoringOf } from './state';

const MAX_PAGE = 10000;

const bool = (value: string | undefined): boolean => value === 'true';
const optionalNumber = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined) {
    return undefined;
  }
  const n = Number(value);
  check(Number.isFinite(n), 'invalidQuery', `${name} must be a number`);
  return n;
};

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

/** `GET /:campaignId/entries/eligibility?marketIds=…`: eligible records, in total and per market. */
export function eligibility(state: EntryState, req: FakeRequest): FakeResponse {
  const marketIds = (req.query.marketIds ?? '').split(',').filter(Boolean);
  check(marketIds.length > 0, 'missingMarketIds', 'marketIds is required');
  const filter = parseFilter(req.query);
  const byMarket: Record<string, number> = Object.fromEntries(marketIds.map((m) => [m, 0]));
  let total = 0;
  for (const record of scoringOf(state, req.params.campaignId)) {
    const markets = marketIds.filter((m) => eligible(record, m, filter));
    markets.forEach((m) => byMarket[m]++);
    total += markets.length > 0 ? 1 : 0;
  }
  return ok(req, { total, byMarket });
}

/** At most this many queries' matches are kept per campaign; more clear the oldest. */
const MAX_CACHED_QUERIES = 16;

const byRank = (a: FakeScoringRecord, b: FakeScoringRecord) =>
  (b.score ?? -Infinity) - (a.score ?? -Infinity) || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);

/**
 * The campaign's records eligible for the market under `filter`, in page order. Like the real
 * service's indexed query, a page costs its own length, not a sort of the campaign: the order
 * is built once per seeding and each query's matches once per change of the records.
 */
function rankedMatches(state: EntryState, campaignId: string, marketId: string, filter: Filter): FakeScoringRecord[] {
  let index: RankedIndex | undefined = state.ranked.get(campaignId);
  if (!index) {
    index = { order: scoringOf(state, campaignId).sort(byRank), matches: new Map() };
    state.ranked.set(campaignId, index);
  }
  const key = JSON.stringify([marketId, filter]);
  let matches = index.matches.get(key);
  if (!matches) {
    if (index.matches.size >= MAX_CACHED_QUERIES) {
      index.matches.delete(index.matches.keys().next().value!);
    }
    matches = index.order.filter((r) => eligible(r, marketId, filter));
    index.matches.set(key, matches);
  }
  return matches;
}

/**
 * `GET /:campaignId/entries/scoring?marketId=…&limit&offset`: a page of the eligible records, by
 * score (highest first, no score last, ties by userId), at most `pageCap` long when one is set.
 */
export function scoringPage(state: EntryState, req: FakeRequest): FakeResponse {
  const { marketId } = req.query;
  check(marketId, 'missingMarketId', 'marketId is required');
  const limit = optionalNumber(req.query.limit, 'limit') ?? 50;
  const offset = optionalNumber(req.query.offset, 'offset') ?? 0;
  check(Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE, 'invalidLimit', `limit must be 1 to ${MAX_PAGE}`);
  check(Number.isInteger(offset) && offset >= 0, 'invalidOffset', 'offset must be 0 or more');
  const matching = rankedMatches(state, req.params.campaignId, marketId, parseFilter(req.query));
  const served = Math.min(limit, state.pageCap ?? limit);
  return ok(req, { data: matching.slice(offset, offset + served), total: matching.length, limit: served, offset });
}
