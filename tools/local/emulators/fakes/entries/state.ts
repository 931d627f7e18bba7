/** The state of the Entry Service fake, shared by its route groups, and what they have in common. */
import type { FakeScoringRecord, FakeStats } from '../entryService';
import { check, isObject } from '../server';

export interface EntryState {
  /** Entries keyed by `campaignId:userId`. */
  readonly entries: Map<string, Record<string, unknown>>;
  /** Scoring records by campaign, then by userId. */
  readonly scoring: Map<string, Map<string, FakeScoringRecord>>;
  readonly stats: Map<string, FakeStats>;
  /** User ids every endpoint reports as failed (`failUsers`) until failures are cleared. */
  readonly failing: Set<string>;
  /** How often each `campaignId:userId` was refreshed. */
  readonly refreshed: Map<string, number>;
  /** Most scoring records a page serves (`capPageSize`); `undefined` for no cap. */
  pageCap: number | undefined;
  /**
   * Per campaign, its scoring records in page order and the matches of each page query, kept
   * the way the real service's indexes keep them: a page is a slice, not a sort of the campaign.
   * Built on first use; `scoringChanged` drops a campaign's index when its records change.
   */
  readonly ranked: Map<string, RankedIndex>;
}

/** A campaign's scoring records by score (highest first, no score last, ties by userId). */
export interface RankedIndex {
  /** Every record, in that order; rebuilt only when records are seeded. */
  readonly order: FakeScoringRecord[];
  /** The matching records of a query (key: market and filter), in that order; cleared on any change. */
  readonly matches: Map<string, FakeScoringRecord[]>;
}

export const createEntryState = (): EntryState => ({
  entries: new Map(),
  scoring: new Map(),
  stats: new Map(),
  failing: new Set(),
  refreshed: new Map(),
  pageCap: undefined,
  ranked: new Map(),
});

/** Clears the data and the page cap; failing users stay (failures are cleared apart). */
export function resetEntryState(state: EntryState): void {
  state.pageCap = undefined;
  state.entries.clear();
  state.scoring.clear();
  state.stats.clear();
  state.refreshed.clear();
  state.ranked.clear();
}

/**
 * Keeps the campaign's page index true after its records changed: `reordered` (seeded records,
 * whose scores may differ) rebuilds the order; any other change (a code assigned) only the
 * matches, since the order depends on scores and user ids alone.
 */
export function scoringChanged(state: EntryState, campaignId: string, reordered: boolean): void {
  if (reordered) {
    state.ranked.delete(campaignId);
  } else {
    state.ranked.get(campaignId)?.matches.clear();
  }
}

export const MAX_BATCH = 1000;

export const entryKey = (campaignId: string, userId: string) => `${campaignId}:${userId}`;

/** The entry references `{ campaignId, userId }` in `value` (absent is none); 400 unless each has both. */
export function refs(value: unknown, what: string): { campaignId: string; userId: string }[] {
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

/** Adds scoring records to a campaign (replacing records with the same userId). */
export function seedScoring(state: EntryState, campaignId: string, records: FakeScoringRecord[]): void {
  const byUser = state.scoring.get(campaignId) ?? new Map<string, FakeScoringRecord>();
  for (const r of records) {
    byUser.set(r.userId, structuredClone(r));
  }
  state.scoring.set(campaignId, byUser);
  scoringChanged(state, campaignId, true);
}

export const scoringOf = (state: EntryState, campaignId: string) => [
  ...(state.scoring.get(campaignId)?.values() ?? []),
];
