/**
 * refreshSelections (DOMAIN.md 4.8, DECISIONS.md [16]): when a market's presale or events
 * change, every fan already selected for it gets a `selectionRefresh` message, and
 * saveSelections re-sends their assignment with the new dates.
 */
import type { BatchResult, RejectedRecord } from '../../../shared/runtime/batch';
import { RejectedRecordError } from '../../../shared/runtime/errors';
import type { Logger } from '../../../shared/runtime/logger';
import type { SqsMessage } from '../../../shared/runtime/sqs';
import type { Market } from '../../../shared/domain/campaign';
import type { CampaignService } from '../../../shared/services/campaigns';
import type { EntryService, ScoringRecord } from '../../../shared/services/entries';
import { isLastPage } from '../../../shared/services/entries';
import type { SelectionRefreshMessage } from '../messages';
import { SELECTION_REFRESH, presaleStart } from '../messages';
import type { QueueSender } from '../queueSender';

export interface RefreshRequest {
  campaignId: string;
  marketId: string;
}

export interface RefreshSelectionsDeps {
  campaigns: Pick<CampaignService, 'getMarket'>;
  entries: Pick<EntryService, 'getScoringPage'>;
  saveSelectionQueue: QueueSender;
  /** Scoring records per Entry Service page (config `selection.pageSize`). */
  pageSize: number;
  log: Logger;
  now?: () => Date;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Accepts `{ campaignId, marketId }` or a Campaign Service market document (`id`, `campaign_id`). */
export function parseRefreshRequest(body: unknown): RefreshRequest {
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (isText(b.campaignId) && isText(b.marketId)) {
    return { campaignId: b.campaignId, marketId: b.marketId };
  }
  if (isText(b.id) && isText(b.campaign_id)) {
    return { campaignId: b.campaign_id, marketId: b.id };
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

/**
 * Refreshes one market. The market is read from Campaign Service even when the message carries
 * it: messages can arrive out of order, and the current market is what the fans should get.
 * `found` is false when the market no longer exists.
 */
async function refreshMarket(
  request: RefreshRequest,
  deps: RefreshSelectionsDeps,
): Promise<{ found: boolean; sent: number; skipped: number }> {
  const market = await deps.campaigns.getMarket(request.campaignId, request.marketId);
  if (!market) {
    return { found: false, sent: 0, skipped: 0 };
  }
  const created = (deps.now?.() ?? new Date()).toISOString();
  let sent = 0;
  let skipped = 0;
  // Refreshing removes no code, so the selected-only list keeps still and offsets stay valid.
  for (let offset = 0; ;) {
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
  const byMarket = new Map<string, { request: RefreshRequest; messageIds: string[] }>();
  for (const { messageId, body } of messages) {
    const key = JSON.stringify([body.campaignId, body.marketId]);
    byMarket.set(key, { request: body, messageIds: [...(byMarket.get(key)?.messageIds ?? []), messageId] });
  }
  const failed: string[] = [];
  const rejected: RejectedRecord[] = [];
  let refreshes = 0;
  let skipped = 0;
  for (const { request, messageIds } of byMarket.values()) {
    try {
      const result = await refreshMarket(request, deps);
      if (!result.found) {
        rejected.push(
          ...messageIds.map((id) => ({
            id,
            reason: `market ${request.marketId} of campaign ${request.campaignId} not found`,
          })),
        );
      }
      refreshes += result.sent;
      skipped += result.skipped;
    } catch (error) {
      deps.log.error('market refresh failed', { ...request, error });
      failed.push(...messageIds);
    }
  }
  return { failed, rejected, counts: { markets: byMarket.size, refreshes, skipped } };
}
