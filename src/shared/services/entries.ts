import type { ServiceClient } from './http';
import { campaignPath, encodeQuery, segment } from './http';

/** An entry as replicated to Entry Service: the demand-table entry without PK, SK, type, needsReplication. */
export interface EntryUpsert {
  campaignId: string;
  userId: string;
  [attribute: string]: unknown;
}

export interface EntryRef {
  campaignId: string;
  userId: string;
}

export interface BatchEntriesResult {
  upsertedCount: number;
  deletedCount: number;
  /** User ids the service could not write; only their records are retried. */
  failed: string[];
}

export interface RefreshScoresResult {
  refreshedCount: number;
  failed: string[];
}

export interface CodeAssignment {
  /** Entry Service user id (24 characters). */
  userId: string;
  code: string;
  /**
   * Market the code is for; kept on the scoring record so the fan counts as selected there.
   * Not in the contract's item list (DOMAIN 6.2), but the stored code carries it (`codes.marketId`,
   * which selectedOnly and the reminders select on), and nothing else tells the service the market.
   */
  marketId?: string;
  /** The market's events, re-sent with every assignment so a refresh carries them (DECISIONS C [15]). */
  eventIds?: readonly string[];
  date: { start: string; end?: string; revealCode?: string; created?: string };
}

export interface AssignCodesResult {
  assignedCount: number;
  failed: string[];
}

/** Entry Service scoring record (DOMAIN 2.4). */
export interface ScoringRecord {
  readonly userId: string;
  readonly globalUserId: string;
  readonly memberId?: string;
  readonly name?: { readonly first?: string; readonly last?: string };
  readonly email?: string;
  readonly phone?: string;
  readonly score?: number;
  readonly verdict: boolean;
  readonly locale?: string;
  readonly marketIds: readonly string[];
  readonly codes?: readonly { readonly id: string; readonly marketId?: string }[];
}

export interface EligibilityQuery {
  marketIds: readonly string[];
  excludeIntlPhone?: boolean;
  /** Count fans who already hold a code for the market too (default: only those without). */
  reassign?: boolean;
  /** Count only fans who hold a code for the market. */
  selectedOnly?: boolean;
  minScore?: number;
  maxScore?: number;
}

export interface EligibilityCount {
  /** Distinct eligible fans over all requested markets. */
  total: number;
  byMarket: Record<string, number>;
}

export interface ScoringQuery {
  marketId: string;
  selectedOnly?: boolean;
  reassign?: boolean;
  minScore?: number;
  maxScore?: number;
  limit: number;
  offset: number;
  /** Highest score first; the service's default order. */
  orderBy?: 'score';
}

export interface ScoringPage {
  records: ScoringRecord[];
  /** Records in the whole list, when the service reports it. */
  total?: number;
}

/**
 * Whether a scoring listing has ended once the records up to `nextOffset` are read: on an empty
 * page, or when `nextOffset` reaches the reported total. Never on a short page: Entry Service
 * may serve fewer records than `limit` asked for (its default is 50) with more to come.
 */
export const isLastPage = (page: ScoringPage, nextOffset: number): boolean =>
  page.records.length === 0 || (page.total !== undefined && nextOffset >= page.total);

export type StatsStatus = 'PENDING' | 'PROCESSING' | 'FINISHED' | 'FAILED';

export interface StatsUpdate {
  marketId?: string;
  dateId?: string;
  status: StatsStatus;
  count?: { total?: number; processed?: number; failed?: number };
  error?: string;
}

export interface StatsDocument {
  campaignId: string;
  type: string;
  marketId?: string;
  dateId?: string;
  status: StatsStatus;
  count: Record<string, number>;
  error?: string;
  date?: { created?: string; updated?: string };
}

/**
 * Most characters the percent-encoded `marketIds` of one eligibility request may take (4,096).
 * With the base URL and the other parameters the request line stays well under the 8 KiB that
 * servers and proxies commonly allow for it: one request for a campaign's 20,000 markets was
 * refused with 431. About 150 Campaign Service market ids (24 characters) fit in one request.
 */
export const MAX_ELIGIBILITY_MARKET_IDS_CHARS = 4096;

/** `,` between market ids, as the query encodes it (`%2C`). */
const ENCODED_SEPARATOR_CHARS = 3;

/**
 * Market ids in consecutive runs whose `marketIds` query value stays within
 * MAX_ELIGIBILITY_MARKET_IDS_CHARS, for one eligibility request each. An id longer than that on
 * its own (impossible for ids that pass the id rule) gets a run of its own.
 * @example eligibilityPages(twentyThousandIds).length // 133 for 24-character ids (151 a request)
 */
export function eligibilityPages(marketIds: readonly string[]): string[][] {
  const pages: string[][] = [];
  let page: string[] = [];
  let chars = 0;
  for (const id of marketIds) {
    const idChars = encodeQuery({ m: id }).length - '?m='.length;
    if (page.length > 0 && chars + ENCODED_SEPARATOR_CHARS + idChars > MAX_ELIGIBILITY_MARKET_IDS_CHARS) {
      pages.push(page);
      page = [];
      chars = 0;
    }
    chars += (page.length > 0 ? ENCODED_SEPARATOR_CHARS : 0) + idChars;
    page.push(id);
  }
  return page.length > 0 ? [...pages, page] : pages;
}

/** The most items Entry Service accepts in one code assignment. */
export const MAX_CODE_ASSIGNMENTS = 1000;

export interface EntryService {
  /** Writes entries and deletions in one call; returns counts and the user ids that failed. */
  batchWrite(entries: readonly EntryUpsert[], deletions: readonly EntryRef[]): Promise<BatchEntriesResult>;
  /** Upserts entries; returns counts and the user ids that failed. */
  batchUpsert(entries: readonly EntryUpsert[]): Promise<BatchEntriesResult>;
  /** Deletes entries; returns counts and the user ids that failed. */
  batchDelete(deletions: readonly EntryRef[]): Promise<BatchEntriesResult>;
  /** Asks Entry Service to refresh phone score and account fanscore of entries. */
  refreshScores(entries: readonly EntryRef[]): Promise<RefreshScoresResult>;
  /** Assigns access codes to fans of a campaign (1–1000 unique user ids). */
  assignCodes(campaignId: string, items: readonly CodeAssignment[]): Promise<AssignCodesResult>;
  /** Eligible fan counts for markets of a campaign; a long list is split with `eligibilityPages` first. */
  getEligibilityCount(campaignId: string, query: EligibilityQuery): Promise<EligibilityCount>;
  /** One page of a market's eligible scoring records, highest score first. */
  getScoringPage(campaignId: string, query: ScoringQuery): Promise<ScoringPage>;
  /** Creates or updates the stats document of a run (`type`, market, date). */
  upsertStats(campaignId: string, type: string, stats: StatsUpdate): Promise<void>;
  /** Stats documents of a campaign's `type`, optionally narrowed to a market and date. */
  getStats(campaignId: string, type: string, query?: { marketId?: string; dateId?: string }): Promise<StatsDocument[]>;
}

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * The user ids of a response's `failed` list: strings, or objects naming the user (`userId`,
 * `user_id`, `id`). A failure the worker cannot tie to a user fails the whole call (its records are
 * retried) rather than being read as a success.
 */
export function failedIds(value: unknown): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new TypeError(`Entry Service reported failed as ${typeof value}, not a list`);
  }
  return value.map((item) => {
    if (typeof item === 'string' && item !== '') {
      return item;
    }
    const o = item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : {};
    const id = o.userId ?? o.user_id ?? o.id;
    if (typeof id !== 'string' || id === '') {
      throw new TypeError(`Entry Service reported a failure it does not tie to a user: ${JSON.stringify(item)}`);
    }
    return id;
  });
}
const asObject = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Normalises the counts shapes Entry Service has used (`{ total, byMarket }`, `{ count, byMarket: [...] }`). */
export function normalizeEligibility(body: unknown): EligibilityCount {
  const o = asObject(body);
  const byMarket: Record<string, number> = {};
  if (Array.isArray(o.byMarket)) {
    for (const item of o.byMarket.map(asObject)) {
      const id = item.marketId ?? item.id;
      if (typeof id === 'string') {
        byMarket[id] = num(item.count ?? item.total);
      }
    }
  } else {
    for (const [id, count] of Object.entries(asObject(o.byMarket))) {
      byMarket[id] = num(count);
    }
  }
  const total =
    typeof o.total === 'number'
      ? o.total
      : typeof o.count === 'number'
        ? o.count
        : Object.values(byMarket).reduce((a, b) => a + b, 0);
  return { total, byMarket };
}

/** Normalises a scoring record (`phone` may be `{ number, type }`, `user_id` for `userId`). */
export function normalizeScoringRecord(raw: unknown): ScoringRecord {
  const r = asObject(raw);
  const phone =
    typeof r.phone === 'object' && r.phone !== null
      ? (r.phone as { number?: string }).number
      : (r.phone as string | undefined);
  return {
    ...(r as unknown as ScoringRecord),
    userId: String(r.userId ?? r.user_id ?? ''),
    globalUserId: String(r.globalUserId ?? ''),
    phone,
    verdict: r.verdict === true,
    marketIds: Array.isArray(r.marketIds) ? r.marketIds.map(String) : [],
  };
}

/** Normalises the page shapes Entry Service has used (`{ data, total }`, `{ list, counts: { total } }`, `{ records, total }`). */
export function normalizeScoringPage(body: unknown): ScoringPage {
  const o = asObject(body);
  const list = Array.isArray(body)
    ? body
    : Array.isArray(o.records)
      ? o.records
      : Array.isArray(o.list)
        ? o.list
        : Array.isArray(o.data)
          ? o.data
          : [];
  const counted = asObject(o.counts).total;
  const total = typeof o.total === 'number' ? o.total : typeof counted === 'number' ? counted : undefined;
  return { records: list.map(normalizeScoringRecord), ...(total === undefined ? {} : { total }) };
}

/** Checks a code assignment batch the way Entry Service does, before spending a call on it. */
export function validateCodeAssignments(items: readonly CodeAssignment[]): void {
  if (items.length < 1 || items.length > MAX_CODE_ASSIGNMENTS) {
    throw new RangeError(`code assignments must hold 1 to ${MAX_CODE_ASSIGNMENTS} items, got ${items.length}`);
  }
  const seen = new Set<string>();
  for (const item of items) {
    if (!item.userId || !item.code || !item.date?.start) {
      throw new TypeError(`code assignment for user "${item.userId}" needs userId, code and date.start`);
    }
    if (seen.has(item.userId)) {
      throw new TypeError(`code assignments hold user ${item.userId} more than once`);
    }
    seen.add(item.userId);
  }
}

/** Entry Service client (entries, scores, code assignment, scoring pages, stats). */
export function createEntryService(client: ServiceClient): EntryService {
  const batchWrite = async (
    entries: readonly EntryUpsert[],
    deletions: readonly EntryRef[],
  ): Promise<BatchEntriesResult> => {
    if (entries.length === 0 && deletions.length === 0) {
      return { upsertedCount: 0, deletedCount: 0, failed: [] };
    }
    const body = asObject(await client.request('POST', '/v2/entries', { body: { entries, deletions } }));
    return {
      upsertedCount: num(body.upsertedCount),
      deletedCount: num(body.deletedCount),
      failed: failedIds(body.failed),
    };
  };

  return {
    batchWrite,
    batchUpsert: (entries) => batchWrite(entries, []),
    batchDelete: (deletions) => batchWrite([], deletions),

    async refreshScores(entries) {
      if (entries.length === 0) {
        return { refreshedCount: 0, failed: [] };
      }
      const refs = entries.map(({ campaignId, userId }) => ({ campaignId, userId }));
      const body = asObject(await client.request('POST', '/v2/refreshScores', { body: { entries: refs } }));
      return { refreshedCount: num(body.refreshedCount), failed: failedIds(body.failed) };
    },

    async assignCodes(campaignId, items) {
      validateCodeAssignments(items);
      const body = asObject(await client.request('POST', `${campaignPath(campaignId)}/entries/codes`, { body: items }));
      return { assignedCount: num(body.assignedCount), failed: failedIds(body.failed) };
    },

    async getEligibilityCount(campaignId, query) {
      const body = await client.request('GET', `${campaignPath(campaignId)}/entries/eligibility`, {
        query: { ...query },
      });
      return normalizeEligibility(body);
    },

    async getScoringPage(campaignId, { orderBy: _orderBy, ...query }) {
      const body = await client.request('GET', `${campaignPath(campaignId)}/entries/scoring`, { query });
      return normalizeScoringPage(body);
    },

    async upsertStats(campaignId, type, stats) {
      await client.request('POST', `${campaignPath(campaignId)}/stats/${segment(type, 'type')}`, { body: stats });
    },

    async getStats(campaignId, type, query = {}) {
      const body = await client.request<unknown>('GET', `${campaignPath(campaignId)}/stats/${segment(type, 'type')}`, {
        query,
      });
      if (Array.isArray(body)) {
        return body as StatsDocument[];
      }
      return body ? [body as StatsDocument] : [];
    },
  };
}
