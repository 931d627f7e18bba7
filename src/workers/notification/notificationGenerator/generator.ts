import type { Collection, Document } from 'mongodb';
import type { DemandTable } from '../../../shared/aws/demandTable';
import type { Campaign, Market } from '../../../shared/domain/campaign';
import type { Logger } from '../../../shared/runtime';
import { formatError } from '../../../shared/runtime';
import type { MarketStore } from '../common/store';
import { toIso } from '../common/time';
import type { NotifiableMarket, NotificationSettings } from '../common/types';
import type { MarketsInvoker } from './invoker';
import type { MarketFacts } from './message';
import { createMessageRenderer } from './message';
import type { ReminderContext, ReminderRecord } from './reminders';
import { buildReminder, toWinner } from './reminders';
import { winnerPages } from './scoring';
import { writeMissingReminders } from './writer';

export interface GeneratorDeps {
  getMarketsToNotify: MarketsInvoker;
  store: Pick<MarketStore, 'getMarket' | 'getCampaign' | 'markNotified'>;
  scoring: Collection<Document>;
  table: Pick<DemandTable, 'batchGet' | 'batchPut'>;
  settings: Pick<NotificationSettings, 'pageSize' | 'templates' | 'defaultLocale'>;
  now: () => Date;
  remainingTimeMs: () => number;
  log: Logger;
}

/**
 * notified: reminders written, market marked. alreadyNotified / skipped (market or campaign
 * gone): nothing done. deferred: out of time, the next run continues. incomplete: some writes
 * failed, the next run retries them. failed: an error stopped the market.
 */
export type MarketStatus = 'notified' | 'alreadyNotified' | 'skipped' | 'deferred' | 'incomplete' | 'failed';

export interface MarketOutcome {
  marketId: string;
  status: MarketStatus;
  written: number;
  existing: number;
  /** Winners without a message body (no template for any of their locales, or market data missing). */
  dropped: number;
  failed: number;
}

export interface GeneratorResult {
  marketCount: number;
  notifiedCount: number;
  writtenCount: number;
  existingCount: number;
  droppedCount: number;
  failedCount: number;
  markets: MarketOutcome[];
}

/** Time kept back when deciding whether to start another market or page (the function times out at 30 s). */
const TIME_RESERVE_MS = 10_000;

function marketFacts(campaign: Campaign, market: Market): MarketFacts {
  return {
    artist: campaign.artist?.name,
    eventName: market.event?.name ?? campaign.tour?.name ?? market.name,
    eventDate: market.event?.date,
    presaleDateTime: toIso(market.event?.presaleDateTime),
    timeZone: market.timezone ?? campaign.referenceTimezone,
    link: market.event?.link,
  };
}

async function generateForMarket(summary: NotifiableMarket, deps: GeneratorDeps): Promise<MarketOutcome> {
  const outcome: MarketOutcome = { marketId: summary.id, status: 'notified', written: 0, existing: 0, dropped: 0, failed: 0 };
  const market = await deps.store.getMarket(summary.id);
  if (!market || market.date?.notified) {
    return { ...outcome, status: market ? 'alreadyNotified' : 'skipped' };
  }
  const campaignId = String(market.campaign_id);
  const campaign = await deps.store.getCampaign(campaignId);
  if (!campaign) {
    deps.log.error('campaign of a due market not found; market skipped', { marketId: market.id, campaignId });
    return { ...outcome, status: 'skipped' };
  }
  const { settings } = deps;
  const ctx: ReminderContext = {
    campaignId,
    marketId: market.id,
    eventId: market.event?.ids?.[0],
    presaleDateTime: toIso(market.event?.presaleDateTime) ?? summary.presaleDateTime,
    createdAt: deps.now().toISOString(),
    fallbackLocales: [campaign.locales?.find((l) => l.is_default)?.id, settings.defaultLocale],
    render: createMessageRenderer(settings.templates, marketFacts(campaign, market)),
  };
  for await (const page of winnerPages(deps.scoring, campaignId, market.id, settings.pageSize)) {
    const records = page
      .map((doc) => toWinner(doc, market.id))
      .map((winner) => (winner ? buildReminder(winner, ctx) : undefined))
      .filter((r): r is ReminderRecord => r !== undefined);
    const written = await writeMissingReminders(deps.table, records);
    outcome.written += written.written;
    outcome.existing += written.existing;
    outcome.failed += written.failed;
    outcome.dropped += page.length - records.length;
    if (page.length === settings.pageSize && deps.remainingTimeMs() < TIME_RESERVE_MS) {
      return { ...outcome, status: 'deferred' };
    }
  }
  if (outcome.failed > 0) {
    return { ...outcome, status: 'incomplete' };
  }
  // A market without eligible fans is marked too: there is nothing left to send.
  await deps.store.markNotified(market.id, deps.now());
  return outcome;
}

/**
 * One scheduled run (DOMAIN 4.16, DECISIONS [21], [24]): asks getMarketsToNotify for the due
 * markets and, per market, writes an SMS reminder record for each selected fan with a US
 * phone, then marks the market notified. A market is marked only when every reminder is in
 * the table, so a partial failure is retried on the next run without rewriting what exists.
 * Throws when every market failed, so the failure reaches Lambda's error metrics and alarms.
 */
export async function generateNotifications(deps: GeneratorDeps): Promise<GeneratorResult> {
  const { markets } = await deps.getMarketsToNotify({ mode: 'due' });
  const outcomes: MarketOutcome[] = [];
  for (const summary of markets) {
    if (deps.remainingTimeMs() < TIME_RESERVE_MS) {
      outcomes.push({ marketId: summary.id, status: 'deferred', written: 0, existing: 0, dropped: 0, failed: 0 });
      continue;
    }
    try {
      outcomes.push(await generateForMarket(summary, deps));
    } catch (error) {
      deps.log.error('reminder generation failed for a market; retried on the next run', { marketId: summary.id, error: formatError(error) });
      outcomes.push({ marketId: summary.id, status: 'failed', written: 0, existing: 0, dropped: 0, failed: 0 });
    }
  }
  const failedMarkets = outcomes.filter((o) => o.status === 'failed');
  if (failedMarkets.length > 0 && failedMarkets.length === outcomes.length) {
    throw new Error(`reminder generation failed for every due market (${failedMarkets.map((o) => o.marketId).join(', ')})`);
  }
  const sum = (key: 'written' | 'existing' | 'dropped' | 'failed') => outcomes.reduce((n, o) => n + o[key], 0);
  return {
    marketCount: markets.length,
    notifiedCount: outcomes.filter((o) => o.status === 'notified').length,
    writtenCount: sum('written'),
    existingCount: sum('existing'),
    droppedCount: sum('dropped'),
    failedCount: sum('failed'),
    markets: outcomes,
  };
}
