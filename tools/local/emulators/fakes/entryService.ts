import type { KeyObject } from 'node:crypto';
import type { FakeControls, Route } from './server';
import { check, createFakeServer, isObject, extendFake } from './server';
import { assignCodes } from './entries/codes';
import { eligibility, scoringPage } from './entries/scoring';
import type { EntryState } from './entries/state';
import { createEntryState, resetEntryState, scoringOf, seedScoring } from './entries/state';
import { getStats, upsertStats } from './entries/stats';
import { refreshScores, writeEntries } from './entries/writes';

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
  /** Copies of a campaign's scoring records: change them through the service or `seedScoring`. */
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

/** A stateful fake of Entry Service: entries, score refreshes, scoring pages, code assignment, stats. */
export function createEntryServiceFake(options: { publicKey?: string | KeyObject } = {}): EntryServiceFake {
  const state = createEntryState();
  const server = createFakeServer({
    name: 'entries',
    auth: 'bearer',
    publicKey: options.publicKey,
    routes: entryRoutes(state),
    state: () => stateView(state),
    clearFailures: () => state.failing.clear(),
    resetState: () => resetEntryState(state),
    actions: entryActions(state),
  });

  return extendFake(server, {
    entries: state.entries,
    stats: state.stats,
    refreshed: state.refreshed,
    seedScoring: (campaignId: string, records: FakeScoringRecord[]) => seedScoring(state, campaignId, records),
    scoring: (campaignId: string) => scoringOf(state, campaignId).map((r) => structuredClone(r)),
    failUsers: (userIds: string[]) => userIds.forEach((id) => state.failing.add(id)),
    capPageSize: (size: number | undefined) => {
      state.pageCap = size;
    },
  });
}

/** The routes, each handled by its group's function over the shared state. */
function entryRoutes(state: EntryState): Route[] {
  return [
    { method: 'POST', pattern: '/v2/entries', handle: (req) => writeEntries(state, req) },
    { method: 'POST', pattern: '/v2/refreshScores', handle: (req) => refreshScores(state, req) },
    { method: 'POST', pattern: '/:campaignId/entries/codes', handle: (req) => assignCodes(state, req) },
    { method: 'GET', pattern: '/:campaignId/entries/eligibility', handle: (req) => eligibility(state, req) },
    { method: 'GET', pattern: '/:campaignId/entries/scoring', handle: (req) => scoringPage(state, req) },
    { method: 'POST', pattern: '/:campaignId/stats/:type', handle: (req) => upsertStats(state, req) },
    { method: 'GET', pattern: '/:campaignId/stats/:type', handle: (req) => getStats(state, req) },
  ];
}

/** What `GET /_fake/state` shows. */
function stateView(state: EntryState) {
  return {
    entries: Object.fromEntries(state.entries),
    scoring: Object.fromEntries([...state.scoring.keys()].map((c) => [c, scoringOf(state, c)])),
    stats: [...state.stats.values()],
    failingUsers: [...state.failing],
    refreshed: Object.fromEntries(state.refreshed),
  };
}

/** `POST /_fake/seed { campaignId, scoring }` and `POST /_fake/failUsers { userIds }`. */
function entryActions(state: EntryState): Record<string, (body: unknown) => unknown> {
  return {
    seed: (body) => {
      check(
        isObject(body) && typeof body.campaignId === 'string' && Array.isArray(body.scoring),
        'invalidSeed',
        'seed body is { campaignId, scoring: [...] }',
      );
      seedScoring(state, body.campaignId, body.scoring as FakeScoringRecord[]);
      return { seeded: body.scoring.length };
    },
    failUsers: (body) => {
      check(isObject(body) && Array.isArray(body.userIds), 'invalidControl', 'body is { userIds: [...] }');
      body.userIds.forEach((id) => state.failing.add(String(id)));
      return { failing: [...state.failing] };
    },
  };
}
