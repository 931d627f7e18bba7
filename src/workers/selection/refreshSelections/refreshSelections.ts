/**
 * refreshSelections (DOMAIN.md 4.8, DECISIONS.md [16]): when a market's presale or events
 * change, every fan already selected for it gets a `selectionRefresh` message, and
 * saveSelections re-sends their assignment with the new dates. A market too big for one
 * invocation continues in a message to its own queue that names the offset to go on from.
 */
import type { BatchResult, RejectedRecord } from '../../../shared/runtime/batch';
import { RejectedRecordError } from '../../../shared/runtime/errors';
import type { Logger } from '../../../shared/runtime/logger';
import type { SqsMessage } from '../../../shared/runtime/sqs';
import type { RecordTrace } from '../../../shared/runtime/tracing';
import { inRecordTrace } from '../../../shared/runtime/tracing';
import type { Market } from '../../../shared/domain/campaign';
import { requireId } from '../../../shared/domain/ids';
import type { CampaignService } from '../../../shared/services/campaigns';
import type { EntryService, ScoringRecord } from '../../../shared/services/entries';
import { isLastPage } from '../../../shared/services/entries';
import type { SelectionRefreshMessage } from '../shared/messages';
import { SELECTION_REFRESH, presaleStart } from '../shared/messages';
import type { QueueSender } from '../shared/queueSender';

export interface RefreshRequest {
  campaignId: string;
  marketId: string;
  /** Position in the market's selected list to continue from (a continuation); 0 when absent. */
  offset?: number;
}

/** Stop starting pages when less than this is left of the invocation, and continue in a new message. */
export const REFRESH_FINISH_MARGIN_MS = 10_000;

export interface RefreshSelectionsDeps {
  campaigns: Pick<CampaignService, 'getMarket'>;
  entries: Pick<EntryService, 'getScoringPage'>;
  saveSelectionQueue: QueueSender;
  /** Sender to the refresh-selection queue itself, for continuations. */
  refreshSelectionQueue: QueueSender;
  /** Scoring records per Entry Service page (config `selection.pageSize`). */
  pageSize: number;
  /**
   * Most fans one invocation refreshes per market (config `selection.maxPerInvocation`); the rest
   * continues in a new message. Absent: no limit but the time.
   */
  maxPerInvocation?: number;
  log: Logger;
  now?: () => Date;
  remainingTimeMs?: () => number;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * Accepts `{ campaignId, marketId, offset? }` (offset: a continuation's position, a non-negative
 * integer) or a Campaign Service market document (`id`, `campaign_id`).
 */
export function parseRefreshRequest(body: unknown): RefreshRequest {
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  // The ids go into Campaign and Entry Service URL paths: checked by the id rule before any call.
  if (isText(b.campaignId) && isText(b.marketId)) {
    const ids = {
      campaignId: requireId(b.campaignId, 'campaignId', RejectedRecordError),
      marketId: requireId(b.marketId, 'marketId', RejectedRecordError),
    };
    if (b.offset === undefined) {
      return ids;
    }
    if (!Number.isSafeInteger(b.offset) || (b.offset as number) < 0) {
      throw new RejectedRecordError('offset must be a non-negative integer');
    }
    return { ...ids, offset: b.offset as number };
  }
  if (isText(b.id) && isText(b.campaign_id)) {
    return {
      campaignId: requireId(b.campaign_id, 'campaign_id', RejectedRecordError),
      marketId: requireId(b.id, 'id', RejectedRecordError),
    };
  }
  throw new RejectedRecordError(
    'message must be { campaignId, marketId } or a market document with id and campaign_id',
  );
}

const refreshMessage = (
  record: ScoringRecord,
  market: Market,
  request: RefreshRequest,
  created: string,
): SelectionRefreshMessage | undefined => {
  const code = record.codes?.find((c) => c.marketId === request.marketId)?.id;
  if (!record.globalUserId || !record.userId || !code) {
    return undefined;
  }
  const start = presaleStart(market);
  return {
    type: SELECTION_REFRESH,
    campaignId: request.campaignId,
    marketId: request.marketId,
    globalUserId: record.globalUserId,
    userId: record.userId,
    ...(record.memberId ? { memberId: record.memberId } : {}),
    eventIds: market.event?.ids ?? [],
    code,
    date: { created, ...(start ? { start } : {}) },
  };
};

interface MarketRefresh {
  found: boolean;
  sent: number;
  skipped: number;
  /** Offset the market continues from in a new message; undefined when it was refreshed to the end. */
  continuedAt?: number;
}

/**
 * Refreshes one market from `request.offset`. The market is read from Campaign Service even when
 * the message carries it: messages can arrive out of order, and the current market is what the
 * fans should get. `found` is false when the market no longer exists. When the invocation runs
 * short of time the rest of the market is handed to a continuation message.
 */
async function refreshMarket(request: RefreshRequest, deps: RefreshSelectionsDeps): Promise<MarketRefresh> {
  const market = await deps.campaigns.getMarket(request.campaignId, request.marketId);
  if (!market) {
    return { found: false, sent: 0, skipped: 0 };
  }
  const created = (deps.now?.() ?? new Date()).toISOString();
  const hasTime = () => (deps.remainingTimeMs?.() ?? Number.POSITIVE_INFINITY) > REFRESH_FINISH_MARGIN_MS;
  const start = request.offset ?? 0;
  const limit = deps.maxPerInvocation ?? Number.POSITIVE_INFINITY;
  let sent = 0;
  let skipped = 0;
  // Refreshing removes no code, so the selected-only list keeps still and offsets stay valid.
  for (let offset = start; ;) {
    // A page may pass the limit; the next page starts a new message. Every message makes a page of progress.
    if (!hasTime() || (offset > start && offset - start >= limit)) {
      const continuation: RefreshRequest = { campaignId: request.campaignId, marketId: request.marketId, offset };
      const outcome = await deps.refreshSelectionQueue.send([continuation]);
      if (outcome.failed.length > 0) {
        throw new Error(`the continuation at offset ${offset} could not be sent: ${outcome.firstError}`);
      }
      return { found: true, sent, skipped, continuedAt: offset };
    }
    const page = await deps.entries.getScoringPage(request.campaignId, {
      marketId: request.marketId,
      selectedOnly: true,
      limit: deps.pageSize,
      offset,
    });
    const messages = page.records.flatMap((r) => refreshMessage(r, market, request, created) ?? []);
    skipped += page.records.length - messages.length;
    const outcome = await deps.saveSelectionQueue.send(messages);
    if (outcome.failed.length > 0) {
      throw new Error(`${outcome.failed.length} refreshes could not be sent to save-selection: ${outcome.firstError}`);
    }
    sent += outcome.sent;
    offset += page.records.length;
    if (isLastPage(page, offset)) {
      return { found: true, sent, skipped };
    }
  }
}

/** Processes one batch of the refresh-selection queue; a market whose refresh failed is retried. */
export async function refreshSelections(
  messages: readonly SqsMessage<RefreshRequest>[],
  deps: RefreshSelectionsDeps,
): Promise<BatchResult> {
  // One refresh per market, from the earliest offset asked: it covers every message of the market.
  // The refresh continues the trace of the message it took its request from.
  const byMarket = new Map<string, { request: RefreshRequest; messageIds: string[]; trace?: RecordTrace }>();
  for (const { messageId, body, trace } of messages) {
    const key = JSON.stringify([body.campaignId, body.marketId]);
    const found = byMarket.get(key);
    const keep = found && (found.request.offset ?? 0) <= (body.offset ?? 0);
    byMarket.set(key, {
      request: keep ? found.request : body,
      messageIds: [...(found?.messageIds ?? []), messageId],
      trace: keep ? found.trace : trace,
    });
  }
  const failed: string[] = [];
  const rejected: RejectedRecord[] = [];
  let refreshes = 0;
  let skipped = 0;
  let continued = 0;
  for (const { request, messageIds, trace } of byMarket.values()) {
    try {
      const result = await inRecordTrace(trace, () => refreshMarket(request, deps));
      if (!result.found) {
        rejected.push(
          ...messageIds.map((id) => ({
            id,
            reason: `market ${request.marketId} of campaign ${request.campaignId} not found`,
          })),
        );
      }
      if (result.continuedAt !== undefined) {
        deps.log.info('market refresh continues in a new message', { ...request, offset: result.continuedAt });
        continued++;
      }
      refreshes += result.sent;
      skipped += result.skipped;
    } catch (error) {
      deps.log.error('market refresh failed', { ...request, error });
      failed.push(...messageIds);
    }
  }
  return { failed, rejected, counts: { markets: byMarket.size, refreshes, skipped, continued } };
}
