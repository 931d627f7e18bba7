import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { FakeControls, FakeRequest, FakeResponse } from './server';
import { check, createFakeServer, isObject, ok, extendFake } from './server';

export type FakeCodeType = 'tm' | 'external';
export type FakeCodeStatus = 'available' | 'reserved' | 'assigned';

export interface FakeCode {
  code: string;
  type: FakeCodeType;
  date: { saved: string; reserved?: string; assigned?: string };
  reserveId?: string;
}

export interface CodeServiceFake extends FakeControls {
  /** Adds codes of `type` to a campaign's pool as available. */
  seedCodes(campaignId: string, type: FakeCodeType, codes: string[]): void;
  /** The code's status as Code Service derives it. */
  statusOf(campaignId: string, code: string): FakeCodeStatus | undefined;
  codes(campaignId: string): FakeCode[];
}

/** A reservation lapses after this long (DOMAIN 2.6). */
export const RESERVATION_MS = 24 * 60 * 60 * 1000;
const TYPES: readonly string[] = ['tm', 'external'];
const STATUSES: readonly string[] = ['available', 'reserved', 'assigned'];

/** The pools of codes by campaign, their index, and the clock reservations lapse by. */
interface CodeState {
  readonly now: () => number;
  readonly pools: Map<string, Map<string, FakeCode>>;
  readonly index: Map<string, PoolIndex>;
}

/**
 * A pool's codes that may be available, by type, in the order they became so, and its
 * reservations (code → when) in the order they were made. A reservation takes from the front of
 * the first, after moving lapsed reservations back to it: it costs the codes it hands out, as
 * the real service's status index makes it, not a scan past every code reserved before.
 */
interface PoolIndex {
  readonly free: Record<FakeCodeType, Set<string>>;
  readonly reservations: Map<string, number>;
}

function indexOf(state: CodeState, campaignId: string): PoolIndex {
  let index = state.index.get(campaignId);
  if (!index) {
    index = { free: { tm: new Set(), external: new Set() }, reservations: new Map() };
    state.index.set(campaignId, index);
  }
  return index;
}

/**
 * A stateful fake of Code Service. Reserving more codes than the pool holds returns the codes
 * there are (possibly none) rather than an error: the caller compares `codes.length` to its need.
 */
export function createCodeServiceFake(
  options: { publicKey?: string | KeyObject; now?: () => number } = {},
): CodeServiceFake {
  const state: CodeState = { now: options.now ?? Date.now, pools: new Map(), index: new Map() };
  const server = createFakeServer({
    name: 'codes',
    auth: 'bearer',
    publicKey: options.publicKey,
    routes: [
      { method: 'GET', pattern: '/:campaignId/reserve', handle: (req) => reserveCodes(state, req) },
      { method: 'POST', pattern: '/:campaignId/assign', handle: (req) => assignCodes(state, req) },
      { method: 'POST', pattern: '/:campaignId/release', handle: (req) => releaseCodes(state, req) },
      { method: 'GET', pattern: '/:campaignId/codes/count', handle: (req) => countCodes(state, req) },
    ],
    state: () =>
      Object.fromEntries(
        [...state.pools].map(([c, pool]) => [
          c,
          [...pool.values()].map((code) => ({ ...code, status: codeStatus(state, code) })),
        ]),
      ),
    resetState: () => {
      state.pools.clear();
      state.index.clear();
    },
    actions: { seed: (body) => seedAction(state, body) },
  });

  return extendFake(server, {
    seedCodes: (campaignId: string, type: FakeCodeType, codes: string[]) => seedCodes(state, campaignId, type, codes),
    statusOf: (campaignId: string, code: string) => {
      const found = state.pools.get(campaignId)?.get(code);
      return found && codeStatus(state, found);
    },
    codes: (campaignId: string) => [...poolOf(state, campaignId).values()].map((c) => structuredClone(c)),
  });
}

/** The code's status as Code Service derives it: assigned, else reserved until the reservation lapses. */
function codeStatus(state: CodeState, code: FakeCode): FakeCodeStatus {
  if (code.date.assigned) {
    return 'assigned';
  }
  return code.date.reserved && state.now() - Date.parse(code.date.reserved) < RESERVATION_MS ? 'reserved' : 'available';
}

/** The campaign's pool; an empty one (not stored) when it has none. */
function poolOf(state: CodeState, campaignId: string): Map<string, FakeCode> {
  return state.pools.get(campaignId) ?? new Map<string, FakeCode>();
}

function seedCodes(state: CodeState, campaignId: string, type: FakeCodeType, codes: string[]): void {
  const pool = poolOf(state, campaignId);
  const index = indexOf(state, campaignId);
  const saved = new Date(state.now()).toISOString();
  for (const code of codes) {
    pool.set(code, { code, type, date: { saved } });
    index.reservations.delete(code);
    index.free[type === 'tm' ? 'external' : 'tm'].delete(code);
    index.free[type].add(code);
  }
  state.pools.set(campaignId, pool);
}

/** `POST /_fake/seed { campaignId, type, codes }`. */
function seedAction(state: CodeState, body: unknown) {
  check(
    isObject(body) &&
      typeof body.campaignId === 'string' &&
      TYPES.includes(body.type as string) &&
      Array.isArray(body.codes),
    'invalidSeed',
    'seed body is { campaignId, type, codes: [...] }',
  );
  seedCodes(state, body.campaignId, body.type as FakeCodeType, body.codes.map(String));
  return { codes: poolOf(state, body.campaignId).size };
}

/** The distinct codes of an assign or release body; 400 unless it holds a non-empty array of strings. */
function codesFromBody(body: unknown): string[] {
  check(isObject(body) && 'codes' in body, 'missingCodes', 'codes is required');
  check(
    Array.isArray(body.codes) && body.codes.every((c) => typeof c === 'string'),
    'invalidCodesProp',
    'codes must be an array of strings',
  );
  check(body.codes.length > 0, 'emptyCodes', 'codes must not be empty');
  return [...new Set(body.codes as string[])];
}

/** `GET /:campaignId/reserve?count&type`: reserves up to `count` available codes of `type`. */
function reserveCodes(state: CodeState, req: FakeRequest): FakeResponse {
  const { count: countText, type } = req.query;
  check(countText !== undefined && type !== undefined, 'missingCodeReserveParams', 'count and type are required');
  const count = Number(countText);
  check(Number.isInteger(count) && count >= 1, 'invalidCount', 'count must be an integer of at least 1');
  check(TYPES.includes(type), 'InvalidType', `type must be one of ${TYPES.join(', ')}`);
  const reserveId = randomUUID();
  const now = state.now();
  const reserved = new Date(now).toISOString();
  const pool = poolOf(state, req.params.campaignId);
  const index = indexOf(state, req.params.campaignId);
  for (const [id, at] of index.reservations) {
    if (now - at < RESERVATION_MS) {
      break;
    }
    index.reservations.delete(id);
    const code = pool.get(id);
    if (code && codeStatus(state, code) === 'available') {
      index.free[code.type].add(id);
    }
  }
  const codes: string[] = [];
  const free = index.free[type as FakeCodeType];
  for (const id of free) {
    if (codes.length >= count) {
      break;
    }
    free.delete(id);
    const code = pool.get(id);
    if (code?.type === type && codeStatus(state, code) === 'available') {
      code.date.reserved = reserved;
      code.reserveId = reserveId;
      index.reservations.set(id, now);
      codes.push(id);
    }
  }
  return ok(req, { codes, reserveId });
}

/** `POST /:campaignId/assign { codes }`: marks the codes not yet assigned as assigned. */
function assignCodes(state: CodeState, req: FakeRequest): FakeResponse {
  return updateCodes(state, req, (code) => {
    if (codeStatus(state, code) === 'assigned') {
      return false;
    }
    code.date.assigned = new Date(state.now()).toISOString();
    const index = indexOf(state, req.params.campaignId);
    index.free[code.type].delete(code.code);
    index.reservations.delete(code.code);
    return true;
  });
}

/** `POST /:campaignId/release { codes }`: ends the reservation of the reserved codes. */
function releaseCodes(state: CodeState, req: FakeRequest): FakeResponse {
  return updateCodes(state, req, (code) => {
    if (codeStatus(state, code) !== 'reserved') {
      return false;
    }
    delete code.date.reserved;
    delete code.reserveId;
    const index = indexOf(state, req.params.campaignId);
    index.reservations.delete(code.code);
    index.free[code.type].add(code.code);
    return true;
  });
}

/** Applies `update` to each known code the body lists; answers how many it changed. */
function updateCodes(state: CodeState, req: FakeRequest, update: (code: FakeCode) => boolean): FakeResponse {
  const codes = codesFromBody(req.body);
  const pool = poolOf(state, req.params.campaignId);
  let updated = 0;
  for (const id of codes) {
    const code = pool.get(id);
    if (code && update(code)) {
      updated++;
    }
  }
  return ok(req, { count: { in: codes.length, updated } });
}

/** `GET /:campaignId/codes/count[?type&status]`: codes per status, of the given type and status. */
function countCodes(state: CodeState, req: FakeRequest): FakeResponse {
  const { type, status } = req.query;
  check(type === undefined || TYPES.includes(type), 'InvalidType', `type must be one of ${TYPES.join(', ')}`);
  check(
    status === undefined || STATUSES.includes(status),
    'invalidStatus',
    `status must be one of ${STATUSES.join(', ')}`,
  );
  const counts: Record<FakeCodeStatus, number> = { available: 0, reserved: 0, assigned: 0 };
  for (const code of poolOf(state, req.params.campaignId).values()) {
    const s = codeStatus(state, code);
    if ((type === undefined || code.type === type) && (status === undefined || s === status)) {
      counts[s]++;
    }
  }
  return ok(req, counts);
}
