/**
 * One invocation of a selection run (DOMAIN.md 4.6, DECISIONS.md [13]): pick the next fans of
 * the market, give each a code, enqueue them to save-selection, and tell the state machine
 * whether to call again.
 */
import type { Config } from '../../../shared/config';
import type { Logger } from '../../../shared/runtime/logger';
import type { Market } from '../../../shared/domain/campaign';
import type { CampaignService } from '../../../shared/services/campaigns';
import type { CodeService } from '../../../shared/services/codes';
import type { EntryService, StatsUpdate } from '../../../shared/services/entries';
import type { SelectionMessage } from '../shared/messages';
import { SELECTION, presaleStart } from '../shared/messages';
import type { QueueSender } from '../shared/queueSender';
import { codeTypeFor, releaseCodes, reserveCodes } from './codes';
import type { SelectionProgress, SelectionRequest, TaskFailure } from './input';
import { decodeCursor, encodeCursor, startProgress } from './input';
import type { Winner } from './selectFans';
import { collectWinners } from './selectFans';

/** Stop reading fans when less than this is left of the invocation, to enqueue those read in time. */
export const FINISH_MARGIN_MS = 180_000;

export interface EnqueueDeps {
  campaigns: Pick<CampaignService, 'getCampaign' | 'getMarket'>;
  entries: Pick<EntryService, 'getEligibilityCount' | 'getScoringPage' | 'upsertStats'>;
  codes: Pick<CodeService, 'reserveCodes' | 'releaseCodes'>;
  /** Sender to the save-selection queue. */
  saveSelectionQueue: QueueSender;
  settings: Config['selection'];
  log: Logger;
  now?: () => Date;
  remainingTimeMs?: () => number;
}

export interface EnqueueCounts {
  /** This invocation. */
  queued: number;
  failed: number;
  skipped: number;
  /** The whole run so far. */
  totalQueued: number;
  totalFailed: number;
  totalSkipped: number;
  eligible: number;
}

export interface EnqueueResult {
  done: boolean;
  /** Pass back as `cursor` on the next invocation; null when done. */
  cursor: string | null;
  counts: EnqueueCounts;
}

/** Raised for a run that cannot go on (unknown campaign or market, codes that could not be sent). */
export class SelectionError extends Error {
  override name = 'SelectionError';
}

const messageFor = (
  winner: Winner,
  code: string,
  market: Market,
  request: SelectionRequest,
  created: string,
): SelectionMessage => {
  const start = presaleStart(market);
  return {
    type: SELECTION,
    campaignId: request.campaignId,
    marketId: request.marketId,
    globalUserId: winner.globalUserId,
    userId: winner.userId,
    ...(winner.memberId ? { memberId: winner.memberId } : {}),
    eventIds: market.event?.ids ?? [],
    code,
    date: { created, ...(start ? { start } : {}) },
  };
};

/** Runs one invocation of a selection run; reports FAILED stats and rethrows on any error. */
export async function enqueueMarketSelections(request: SelectionRequest, deps: EnqueueDeps): Promise<EnqueueResult> {
  const { entries, settings, log } = deps;
  const { campaignId, marketId, dateId } = request;
  const stats = (update: Omit<StatsUpdate, 'marketId' | 'dateId'>) =>
    entries.upsertStats(campaignId, settings.statsType, { marketId, dateId, ...update });
  let progress: SelectionProgress | undefined = request.cursor ? decodeCursor(request.cursor, request) : undefined;
  try {
    const market = await loadMarket(request, deps);
    if (!progress) {
      const eligibility = await entries.getEligibilityCount(campaignId, { marketIds: [marketId] });
      progress = startProgress(request, eligibility.byMarket[marketId] ?? eligibility.total);
      await stats({ status: 'PROCESSING', count: { total: progress.eligible } });
    }
    const before = { ...progress };
    const wanted =
      request.selectionCount === undefined ? Number.POSITIVE_INFINITY : request.selectionCount - progress.queued;
    const remainingTimeMs = deps.remainingTimeMs ?? (() => Number.POSITIVE_INFINITY);
    const collected = await collectWinners(entries, {
      campaignId,
      marketId,
      offset: progress.offset,
      limit: Math.max(0, Math.min(settings.maxPerInvocation, wanted)),
      pageSize: settings.pageSize,
      hasTime: () => remainingTimeMs() > FINISH_MARGIN_MS,
    });
    progress.failed += collected.failed;
    progress.skipped += collected.skipped;
    const sent = await enqueueWinners(collected.winners, market, request, deps);
    progress.queued += sent.sent;
    if (sent.notSent > 0) {
      throw new SelectionError(
        `${sent.notSent} of ${collected.winners.length} selections could not be sent to save-selection: ${sent.error}`,
      );
    }
    progress.offset = collected.offset;

    const done = collected.exhausted || progress.queued >= (request.selectionCount ?? Number.POSITIVE_INFINITY);
    const count = { total: progress.eligible, processed: progress.queued, failed: progress.failed };
    if (done) {
      await stats({ status: 'FINISHED', count });
    } else {
      // Progress for whoever watches the run; losing one update is no reason to stop it.
      await stats({ status: 'PROCESSING', count }).catch((error: unknown) =>
        log.warn('progress stats not saved', { error }),
      );
    }
    return {
      done,
      cursor: done ? null : encodeCursor(progress),
      counts: {
        queued: progress.queued - before.queued,
        failed: progress.failed - before.failed,
        skipped: progress.skipped - before.skipped,
        totalQueued: progress.queued,
        totalFailed: progress.failed,
        totalSkipped: progress.skipped,
        eligible: progress.eligible,
      },
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const count = progress
      ? { total: progress.eligible, processed: progress.queued, failed: progress.failed }
      : undefined;
    await stats({ status: 'FAILED', error: message, ...(count ? { count } : {}) }).catch((statsError: unknown) =>
      log.error('FAILED stats not saved', { error: statsError }),
    );
    throw error;
  }
}

/** Longest error text written to stats by a failure report. */
export const MAX_REPORTED_ERROR_LENGTH = 1000;

export interface ReportDeps {
  entries: Pick<EntryService, 'getStats' | 'upsertStats'>;
  settings: Pick<Config['selection'], 'statsType'>;
  log: Logger;
}

export interface FailureReport {
  /** false when the failed invocation had already written these FAILED stats itself. */
  reported: boolean;
  /** The error text in the market's stats. */
  error: string;
}

/**
 * The message a failed invocation would have written itself, from a caught error: Lambda's cause
 * is its JSON error payload (`errorMessage`), the local executors' a plain message.
 */
export function failureMessage(failure: TaskFailure): string {
  const cause = failure.cause?.trim() ?? '';
  try {
    const payload = JSON.parse(cause) as unknown;
    if (
      payload &&
      typeof payload === 'object' &&
      typeof (payload as { errorMessage?: unknown }).errorMessage === 'string'
    ) {
      return (payload as { errorMessage: string }).errorMessage;
    }
  } catch {
    // Not JSON: the cause is the message.
  }
  return cause === failure.error ? '' : cause;
}

/**
 * ReportFailure (selection-step-fn): a page failed, perhaps without its worker ever reaching its
 * own catch (Lambda timeout, out of memory, States.Timeout), so write FAILED stats for the market
 * with the caught error and the counts of the cursor the failed page was given. Stats that already
 * say FAILED with the same message were written by the failed invocation itself, with counts at
 * least as recent as the cursor's: they are left alone. Throws when the stats cannot be written.
 */
export async function reportSelectionFailure(
  request: SelectionRequest,
  failure: TaskFailure,
  deps: ReportDeps,
): Promise<FailureReport> {
  const { entries, settings, log } = deps;
  const { campaignId, marketId, dateId } = request;
  const message = failureMessage(failure);
  const text = (message ? `${failure.error}: ${message}` : failure.error).slice(0, MAX_REPORTED_ERROR_LENGTH);
  if (message) {
    const current = await entries
      .getStats(campaignId, settings.statsType, { marketId, dateId })
      .then((docs) => docs.find((d) => d.marketId === marketId && d.dateId === dateId))
      .catch((error: unknown) => {
        log.warn('stats not read before reporting the failure; writing them', { error });
        return undefined;
      });
    if (current?.status === 'FAILED' && current.error === message) {
      log.info('the failed invocation reported FAILED stats itself', { error: message });
      return { reported: false, error: message };
    }
  }
  const progress = request.cursor ? decodeCursor(request.cursor, request) : undefined;
  const count = progress
    ? { total: progress.eligible, processed: progress.queued, failed: progress.failed }
    : undefined;
  await entries.upsertStats(campaignId, settings.statsType, {
    marketId,
    dateId,
    status: 'FAILED',
    error: text,
    ...(count ? { count } : {}),
  });
  log.warn('selection run reported FAILED', { campaignId, marketId, dateId, error: text });
  return { reported: true, error: text };
}

async function loadMarket(request: SelectionRequest, deps: EnqueueDeps): Promise<Market> {
  const [campaign, market] = await Promise.all([
    deps.campaigns.getCampaign(request.campaignId),
    deps.campaigns.getMarket(request.campaignId, request.marketId),
  ]);
  if (!campaign) {
    throw new SelectionError(`campaign ${request.campaignId} not found`);
  }
  if (!market) {
    throw new SelectionError(`market ${request.marketId} of campaign ${request.campaignId} not found`);
  }
  return market;
}

/**
 * Gives every winner a code and enqueues them. Codes that end up unused (reserved above the
 * need, or whose message could not be sent) are released.
 */
async function enqueueWinners(
  winners: Winner[],
  market: Market,
  request: SelectionRequest,
  deps: EnqueueDeps,
): Promise<{ sent: number; notSent: number; error?: string }> {
  if (winners.length === 0) {
    return { sent: 0, notSent: 0 };
  }
  const { codes, settings, log } = deps;
  const sharedCode = market.event?.sharedCode;
  const limits = { minimum: settings.minimumCodeReserveCount, maxPerCall: settings.maxReservePerCall };
  const reserved = sharedCode
    ? []
    : await reserveCodes(codes, request.campaignId, winners.length, codeTypeFor(market), limits, log);
  const created = (deps.now?.() ?? new Date()).toISOString();
  const messages = winners.map((winner, i) => messageFor(winner, sharedCode ?? reserved[i], market, request, created));
  const outcome = await deps.saveSelectionQueue.send(messages);
  const unused = [...reserved.slice(winners.length), ...(sharedCode ? [] : outcome.failed.map((i) => reserved[i]))];
  if (unused.length > 0) {
    await releaseCodes(codes, request.campaignId, unused, settings.maxReservePerCall, log);
  }
  return { sent: outcome.sent, notSent: outcome.failed.length, error: outcome.firstError };
}
