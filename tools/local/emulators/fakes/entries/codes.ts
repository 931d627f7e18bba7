/** Entry Service fake: code assignment (`POST /:campaignId/entries/codes`) onto scoring records. */
import type { FakeScoringRecord } from '../entryService';
import type { FakeRequest, FakeResponse } from '../server';
import { check, isObject, ok } from '../server';
import type { EntryState } from './state';
import { MAX_BATCH, scoringChanged } from './state';

interface Assignment {
  userId: string;
  code: string;
  marketId?: string;
  eventIds?: string[];
  date: Record<string, string>;
}

/**
 * 400 unless `items` is 1 to MAX_BATCH assignments, each with its own 24-character user id, a
 * code and `date.start`.
 */
function checkAssignments(items: unknown): asserts items is Assignment[] {
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
}

/** Adds the assigned code to the record, or updates the dates and events of the same code and market. */
function applyAssignment(record: FakeScoringRecord, item: Assignment): void {
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

/** `POST /:campaignId/entries/codes [assignments]`: records it cannot find, or failing users, fail. */
export function assignCodes(state: EntryState, req: FakeRequest): FakeResponse {
  const items = req.body;
  checkAssignments(items);
  const records = state.scoring.get(req.params.campaignId);
  const failed: string[] = [];
  for (const item of items) {
    const record = records?.get(item.userId);
    if (!record || state.failing.has(item.userId)) {
      failed.push(item.userId);
      continue;
    }
    applyAssignment(record, item);
  }
  scoringChanged(state, req.params.campaignId, false);
  return ok(req, { assignedCount: items.length - failed.length, failed });
}
