/** Entry Service fake: entry upserts and deletions (`POST /v2/entries`) and score refreshes. */
import type { FakeRequest, FakeResponse } from '../server';
import { check, isObject, ok } from '../server';
import type { EntryState } from './state';
import { MAX_BATCH, entryKey, refs } from './state';

/** `POST /v2/entries { entries, deletions }`: upserts and deletes; failing users are reported, not written. */
export function writeEntries(state: EntryState, req: FakeRequest): FakeResponse {
  check(isObject(req.body), 'invalidBody', 'body must be { entries, deletions }');
  const puts = refs(req.body.entries, 'entries');
  const deletions = refs(req.body.deletions, 'deletions');
  check(puts.length + deletions.length > 0, 'emptyBatch', 'entries or deletions must not be empty');
  check(puts.length + deletions.length <= MAX_BATCH, 'batchTooLarge', `at most ${MAX_BATCH} items per request`);
  const failed: string[] = [];
  let upsertedCount = 0;
  let deletedCount = 0;
  for (const entry of puts) {
    if (state.failing.has(entry.userId)) {
      failed.push(entry.userId);
      continue;
    }
    const key = entryKey(entry.campaignId, entry.userId);
    state.entries.set(key, { ...state.entries.get(key), ...structuredClone(entry) });
    upsertedCount++;
  }
  for (const { campaignId, userId } of deletions) {
    if (state.failing.has(userId)) {
      failed.push(userId);
      continue;
    }
    if (state.entries.delete(entryKey(campaignId, userId))) {
      deletedCount++;
    }
  }
  return ok(req, { upsertedCount, deletedCount, failed });
}

/** `POST /v2/refreshScores { entries }`: counts a refresh per held entry; unknown or failing ones fail. */
export function refreshScores(state: EntryState, req: FakeRequest): FakeResponse {
  check(isObject(req.body), 'invalidBody', 'body must be { entries }');
  const list = refs(req.body.entries, 'entries');
  check(list.length > 0, 'emptyEntries', 'entries must not be empty');
  check(list.length <= MAX_BATCH, 'batchTooLarge', `at most ${MAX_BATCH} entries per request`);
  const failed: string[] = [];
  for (const { campaignId, userId } of list) {
    const key = entryKey(campaignId, userId);
    // An entry the service does not hold cannot be scored.
    if (state.failing.has(userId) || !state.entries.has(key)) {
      failed.push(userId);
      continue;
    }
    state.refreshed.set(key, (state.refreshed.get(key) ?? 0) + 1);
  }
  return ok(req, { refreshedCount: list.length - failed.length, failed });
}
