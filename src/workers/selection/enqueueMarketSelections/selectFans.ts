import type { EntryService, ScoringRecord } from '../../../shared/services/entries';
import { isLastPage } from '../../../shared/services/entries';

/** A fan chosen for the market: has both ids the save-selection message needs. */
export type Winner = ScoringRecord & { readonly globalUserId: string; readonly userId: string };

export interface CollectOptions {
  campaignId: string;
  marketId: string;
  /** Position in the market's eligible list (assigned fans included) to start at. */
  offset: number;
  /** Most winners to collect. */
  limit: number;
  pageSize: number;
  /** False once the invocation should stop reading and finish the fans it has. */
  hasTime: () => boolean;
}

export interface Collected {
  winners: Winner[];
  /** Position after the last record looked at. */
  offset: number;
  /** True when the list has no more records past `offset`. */
  exhausted: boolean;
  /** Records without globalUserId or userId (DOMAIN.md 4.6 step 4): counted as failed. */
  failed: number;
  /** Fans that already hold a code for the market (selected earlier or by this run). */
  skipped: number;
}

const holdsCodeFor = (record: ScoringRecord, marketId: string): boolean =>
  (record.codes ?? []).some((code) => code.marketId === marketId);

/**
 * Reads the market's eligible fans, highest score first, and keeps the first `limit` who have
 * no code for the market yet. It asks with `reassign: true` so the list includes fans that
 * already hold a code: codes assigned meanwhile by saveSelections then change no one's
 * position, and the offset a run stopped at stays the right place to continue.
 */
export async function collectWinners(
  entries: Pick<EntryService, 'getScoringPage'>,
  options: CollectOptions,
): Promise<Collected> {
  const { campaignId, marketId, limit, pageSize } = options;
  const winners: Winner[] = [];
  const seen = new Set<string>();
  let { offset } = options;
  let failed = 0;
  let skipped = 0;
  while (winners.length < limit && options.hasTime()) {
    const page = await entries.getScoringPage(campaignId, {
      marketId,
      reassign: true,
      limit: pageSize,
      offset,
      orderBy: 'score',
    });
    for (const record of page.records) {
      if (winners.length >= limit) {
        return { winners, offset, exhausted: false, failed, skipped };
      }
      offset++;
      if (!record.globalUserId || !record.userId) {
        failed++;
      } else if (holdsCodeFor(record, marketId) || seen.has(record.globalUserId)) {
        // A fan seen twice (the list shifted under the offset) must not get a second code.
        skipped++;
      } else {
        seen.add(record.globalUserId);
        winners.push(record as Winner);
      }
    }
    if (isLastPage(page, offset)) {
      return { winners, offset, exhausted: true, failed, skipped };
    }
  }
  return { winners, offset, exhausted: false, failed, skipped };
}
