/** Entry Service fake: stats (`/:campaignId/stats/:type`), one document per campaign, type, market and date. */
import type { FakeStats } from '../entryService';
import type { FakeRequest, FakeResponse } from '../server';
import { check, isObject, ok } from '../server';
import type { EntryState } from './state';

const STATS_STATUSES = ['PENDING', 'PROCESSING', 'FINISHED', 'FAILED'];

const statsKey = (campaignId: string, type: string, marketId?: string, dateId?: string) =>
  [campaignId, type, marketId ?? '', dateId ?? ''].join('|');

/** `POST /:campaignId/stats/:type`: creates (201) or updates (200) the document; counts merge. */
export function upsertStats(state: EntryState, req: FakeRequest): FakeResponse {
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
  const previous = state.stats.get(key);
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
  state.stats.set(key, doc);
  return ok(req, doc, previous ? 200 : 201);
}

/** `GET /:campaignId/stats/:type[?marketId&dateId]`: the matching documents. */
export function getStats(state: EntryState, req: FakeRequest): FakeResponse {
  const { campaignId, type } = req.params;
  const { marketId, dateId } = req.query;
  const docs = [...state.stats.values()].filter(
    (s) =>
      s.campaignId === campaignId &&
      s.type === type &&
      (marketId === undefined || s.marketId === marketId) &&
      (dateId === undefined || s.dateId === dateId),
  );
  return ok(req, docs);
}
