import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { FakeControls, FakeRequest } from './server';
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

/**
 * A stateful fake of Code Service. Reserving more codes than the pool holds returns the codes
 * there are (possibly none) rather than an error: the caller compares `codes.length` to its need.
 */
export function createCodeServiceFake(
  options: { publicKey?: string | KeyObject; now?: () => number } = {},
): CodeServiceFake {
  const now = options.now ?? Date.now;
  const pools = new Map<string, Map<string, FakeCode>>();

  const statusOf = (code: FakeCode): FakeCodeStatus => {
    if (code.date.assigned) {
      return 'assigned';
    }
    return code.date.reserved && now() - Date.parse(code.date.reserved) < RESERVATION_MS ? 'reserved' : 'available';
  };
  const poolOf = (campaignId: string) => pools.get(campaignId) ?? new Map<string, FakeCode>();

  const seedCodes = (campaignId: string, type: FakeCodeType, codes: string[]) => {
    const pool = poolOf(campaignId);
    const saved = new Date(now()).toISOString();
    codes.forEach((code) => pool.set(code, { code, type, date: { saved } }));
    pools.set(campaignId, pool);
  };

  const codesFromBody = (body: unknown): string[] => {
    check(isObject(body) && 'codes' in body, 'missingCodes', 'codes is required');
    check(
      Array.isArray(body.codes) && body.codes.every((c) => typeof c === 'string'),
      'invalidCodesProp',
      'codes must be an array of strings',
    );
    check(body.codes.length > 0, 'emptyCodes', 'codes must not be empty');
    return [...new Set(body.codes as string[])];
  };

  const reserve = (req: FakeRequest) => {
    const { count: countText, type } = req.query;
    check(countText !== undefined && type !== undefined, 'missingCodeReserveParams', 'count and type are required');
    const count = Number(countText);
    check(Number.isInteger(count) && count >= 1, 'invalidCount', 'count must be an integer of at least 1');
    check(TYPES.includes(type), 'InvalidType', `type must be one of ${TYPES.join(', ')}`);
    const reserveId = randomUUID();
    const reserved = new Date(now()).toISOString();
    const codes: string[] = [];
    for (const code of poolOf(req.params.campaignId).values()) {
      if (codes.length >= count) {
        break;
      }
      if (code.type === type && statusOf(code) === 'available') {
        code.date.reserved = reserved;
        code.reserveId = reserveId;
        codes.push(code.code);
      }
    }
    return ok(req, { codes, reserveId });
  };

  const assign = (req: FakeRequest) => {
    const codes = codesFromBody(req.body);
    const pool = poolOf(req.params.campaignId);
    let updated = 0;
    for (const id of codes) {
      const code = pool.get(id);
      if (code && statusOf(code) !== 'assigned') {
        code.date.assigned = new Date(now()).toISOString();
        updated++;
      }
    }
    return ok(req, { count: { in: codes.length, updated } });
  };

  const release = (req: FakeRequest) => {
    const codes = codesFromBody(req.body);
    const pool = poolOf(req.params.campaignId);
    let updated = 0;
    for (const id of codes) {
      const code = pool.get(id);
      if (code && statusOf(code) === 'reserved') {
        delete code.date.reserved;
        delete code.reserveId;
        updated++;
      }
    }
    return ok(req, { count: { in: codes.length, updated } });
  };

  const count = (req: FakeRequest) => {
    const { type, status } = req.query;
    check(type === undefined || TYPES.includes(type), 'InvalidType', `type must be one of ${TYPES.join(', ')}`);
    check(
      status === undefined || STATUSES.includes(status),
      'invalidStatus',
      `status must be one of ${STATUSES.join(', ')}`,
    );
    const counts: Record<FakeCodeStatus, number> = { available: 0, reserved: 0, assigned: 0 };
    for (const code of poolOf(req.params.campaignId).values()) {
      const s = statusOf(code);
      if ((type === undefined || code.type === type) && (status === undefined || s === status)) {
        counts[s]++;
      }
    }
    return ok(req, counts);
  };

  const server = createFakeServer({
    name: 'codes',
    auth: 'bearer',
    publicKey: options.publicKey,
    routes: [
      { method: 'GET', pattern: '/:campaignId/reserve', handle: reserve },
      { method: 'POST', pattern: '/:campaignId/assign', handle: assign },
      { method: 'POST', pattern: '/:campaignId/release', handle: release },
      { method: 'GET', pattern: '/:campaignId/codes/count', handle: count },
    ],
    state: () =>
      Object.fromEntries(
        [...pools].map(([c, pool]) => [c, [...pool.values()].map((code) => ({ ...code, status: statusOf(code) }))]),
      ),
    resetState: () => pools.clear(),
    actions: {
      seed: (body) => {
        check(
          isObject(body) &&
            typeof body.campaignId === 'string' &&
            TYPES.includes(body.type as string) &&
            Array.isArray(body.codes),
          'invalidSeed',
          'seed body is { campaignId, type, codes: [...] }',
        );
        seedCodes(body.campaignId, body.type as FakeCodeType, body.codes.map(String));
        return { codes: poolOf(body.campaignId).size };
      },
    },
  });

  return extendFake(server, {
    seedCodes,
    statusOf: (campaignId: string, code: string) => {
      const found = pools.get(campaignId)?.get(code);
      return found && statusOf(found);
    },
    codes: (campaignId: string) => [...poolOf(campaignId).values()].map((c) => structuredClone(c)),
  });
}
