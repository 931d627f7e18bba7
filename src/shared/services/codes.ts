import type { ServiceClient } from './http';
import { campaignPath } from './http';

export type CodeType = 'tm' | 'external';
export type CodeStatus = 'available' | 'reserved' | 'assigned';

export interface ReservedCodes {
  /** May hold fewer codes than asked for when the pool runs short. */
  codes: string[];
  reserveId: string;
}

export interface CodeUpdateCount {
  count: { in: number; updated: number };
}

export type CodeCounts = Record<CodeStatus, number>;

export interface CodeService {
  /** Reserves up to `count` available codes of `type` for 24 hours. */
  reserveCodes(campaignId: string, options: { count: number; type: CodeType }): Promise<ReservedCodes>;
  /** Marks codes as assigned (permanent; repeating is harmless). */
  assignCodes(campaignId: string, codes: readonly string[]): Promise<CodeUpdateCount>;
  /** Returns reserved, unassigned codes to the pool. */
  releaseCodes(campaignId: string, codes: readonly string[]): Promise<CodeUpdateCount>;
  /** Code counts by status, optionally for one type or status. */
  countCodes(campaignId: string, options?: { type?: CodeType; status?: CodeStatus }): Promise<CodeCounts>;
}

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

const toUpdateCount = (body: unknown): CodeUpdateCount => {
  const count = (body as { count?: { in?: unknown; updated?: unknown } } | undefined)?.count;
  return { count: { in: num(count?.in), updated: num(count?.updated) } };
};

/** Code Service client (reserve, assign, release, count access codes). */
export function createCodeService(client: ServiceClient): CodeService {
  const update = async (campaignId: string, action: 'assign' | 'release', codes: readonly string[]) =>
    codes.length === 0
      ? { count: { in: 0, updated: 0 } }
      : toUpdateCount(await client.request('POST', `${campaignPath(campaignId)}/${action}`, { body: { codes } }));

  return {
    async reserveCodes(campaignId, { count, type }) {
      const body = await client.request<{ codes?: unknown; reserveId?: unknown }>(
        'GET',
        `${campaignPath(campaignId)}/reserve`,
        { query: { count, type } },
      );
      return {
        codes: Array.isArray(body?.codes) ? body.codes.map(String) : [],
        reserveId: String(body?.reserveId ?? ''),
      };
    },
    assignCodes: (campaignId, codes) => update(campaignId, 'assign', codes),
    releaseCodes: (campaignId, codes) => update(campaignId, 'release', codes),
    async countCodes(campaignId, options = {}) {
      const body = await client.request<Partial<Record<CodeStatus, unknown>>>(
        'GET',
        `${campaignPath(campaignId)}/codes/count`,
        { query: { ...options } },
      );
      return { available: num(body?.available), reserved: num(body?.reserved), assigned: num(body?.assigned) };
    },
  };
}
