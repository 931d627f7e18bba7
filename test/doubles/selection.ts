/**
 * In-memory stand-ins for the selection workers' unit tests: small, stateful versions of the
 * Entry Service, Code Service and queue contracts the logic is written against. Integration
 * tests use the HTTP fakes and real emulators instead.
 */
import type { CodeService, CodeType } from '../../src/shared/services/codes';
import type { EntryService, ScoringRecord, StatsUpdate } from '../../src/shared/services/entries';
import type { QueueSender } from '../../src/workers/selection/shared/queueSender';

type Scoring = ScoringRecord & { codes?: { id: string; marketId?: string }[] };

/** Entry Service over a list of scoring records, ordered like the service (score desc, then userId). */
export function memoryEntries(records: Scoring[]) {
  const stats: (StatsUpdate & { campaignId: string; type: string })[] = [];
  const holds = (r: Scoring, marketId: string) => (r.codes ?? []).some((c) => c.marketId === marketId);
  const eligible = (marketId: string, q: { reassign?: boolean; selectedOnly?: boolean }) =>
    records
      .filter((r) => r.verdict && r.marketIds.includes(marketId))
      .filter((r) => (q.selectedOnly ? holds(r, marketId) : q.reassign || !holds(r, marketId)))
      .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || a.userId.localeCompare(b.userId));
  const service: Pick<EntryService, 'getScoringPage' | 'getEligibilityCount' | 'upsertStats'> = {
    async getScoringPage(_campaignId, q) {
      const all = eligible(q.marketId, q);
      return { records: structuredClone(all.slice(q.offset, q.offset + q.limit)), total: all.length };
    },
    async getEligibilityCount(_campaignId, q) {
      const byMarket = Object.fromEntries(q.marketIds.map((m) => [m, eligible(m, q).length]));
      return { total: Object.values(byMarket).reduce((a, b) => a + b, 0), byMarket };
    },
    async upsertStats(campaignId, type, update) {
      stats.push({ campaignId, type, ...structuredClone(update) });
    },
  };
  /** What saveSelections does to the scoring record when it assigns a code. */
  const assign = (userId: string, marketId: string, code: string) => {
    const record = records.find((r) => r.userId === userId);
    if (record && !(record.codes ?? []).some((c) => c.marketId === marketId)) {
      record.codes = [...(record.codes ?? []), { id: code, marketId }];
    }
  };
  return { service, stats, records, assign };
}

/** Code Service over a pool of codes of one type. */
export function memoryCodes(pool: string[], type: CodeType = 'external') {
  const reserved = new Set<string>();
  const assigned = new Set<string>();
  const calls: { reserve: { count: number; type: CodeType }[]; release: string[][]; assign: string[][] } = {
    reserve: [],
    release: [],
    assign: [],
  };
  const service: Pick<CodeService, 'reserveCodes' | 'releaseCodes' | 'assignCodes'> = {
    async reserveCodes(_campaignId, options) {
      calls.reserve.push(options);
      const codes =
        options.type === type ? pool.filter((c) => !reserved.has(c) && !assigned.has(c)).slice(0, options.count) : [];
      codes.forEach((c) => reserved.add(c));
      return { codes, reserveId: `r${calls.reserve.length}` };
    },
    async releaseCodes(_campaignId, codes) {
      calls.release.push([...codes]);
      codes.forEach((c) => reserved.delete(c));
      return { count: { in: codes.length, updated: codes.length } };
    },
    async assignCodes(_campaignId, codes) {
      calls.assign.push([...codes]);
      const fresh = codes.filter((c) => !assigned.has(c));
      fresh.forEach((c) => assigned.add(c));
      return { count: { in: codes.length, updated: fresh.length } };
    },
  };
  return { service, reserved, assigned, calls };
}

/** A queue that keeps what it was sent; `failIf` makes chosen messages fail. */
export function memoryQueue<T = Record<string, unknown>>(failIf: (body: T) => boolean = () => false) {
  const sent: T[] = [];
  const queue: QueueSender = {
    async send(bodies) {
      const failed: number[] = [];
      bodies.forEach((body, i) => (failIf(body as T) ? failed.push(i) : sent.push(structuredClone(body) as T)));
      return {
        sent: bodies.length - failed.length,
        failed,
        ...(failed.length ? { firstError: 'InternalError: injected' } : {}),
      };
    },
  };
  return { queue, sent };
}

/** A scoring record for fan `n` (24-character user id, score falling with n). */
export function fan(n: number, overrides: Partial<Scoring> = {}): Scoring {
  return {
    userId: n.toString(16).padStart(24, '0'),
    globalUserId: `g${n}`,
    verdict: true,
    score: 1_000_000 - n,
    marketIds: ['m1'],
    ...overrides,
  };
}
