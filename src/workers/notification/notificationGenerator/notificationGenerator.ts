import type { Collection, Document } from 'mongodb';
import type { DemandTable } from '../../../shared/aws/demandTable';
import type { Campaign, Market } from '../../../shared/domain/campaign';
import type { Logger, WorkerContext } from '../../../shared/runtime';
import { formatError, scheduleHandler } from '../../../shared/runtime';
import type { MarketStore } from '../shared/store';
import { notificationCursorOf } from '../shared/store';
import { toIso } from '../shared/time';
import type { NotifiableMarket, NotificationSettings } from '../shared/types';
import type { MarketsInvoker } from './invoker';
import type { MarketFacts } from './message';
import { createMessageRenderer } from './message';
import type { ReminderContext, ReminderRecord } from './reminders';
import { buildReminder, isReminder, toWinner } from './reminders';
import { winnerPage } from './scoring';
import { writeReminders } from './writer';

export interface GeneratorDeps {
  getMarketsToNotify: MarketsInvoker;
  store: Pick<MarketStore, 'getMarket' | 'getCampaign' | 'markNotified' | 'advanceNotificationCursor'>;
  scoring: Collection<Document>;
  table: Pick<DemandTable, 'putIfAbsent'>;
  settings: Pick<NotificationSettings, 'pageSize' | 'templates' | 'defaultLocale'>;
  now: () => Date;
  remainingTimeMs: () => number;
  log: Logger;
}

/**
 * notified: every reminder is in the table, market marked. inProgress: this run's page is done
 * and the cursor moved on; the next run continues after it. alreadyNotified / skipped (market or
 * campaign gone): nothing done. deferred: out of time before the market started. incomplete:
 * some reminders could not be built or written; the next run retries them. failed: an error
 * stopped the market, or every write to the table failed.
 */
export type MarketStatus = 'notified' | 'inProgress' | 'alreadyNotified' | 'skipped' | 'deferred' | 'incomplete' | 'failed';

export interface MarketOutcome {
  marketId: string;
  status: MarketStatus;
  written: number;
  existing: number;
  /** Scoring records refused by a rule (no usable code, phone or id), each reason logged. */
  rejected: number;
  /** Reminders not in the table after this run: not buildable (missing data) or not written. */
  failed: number;
}

export interface GeneratorResult {
  marketCount: number;
  notifiedCount: number;
  writtenCount: number;
  existingCount: number;
  rejectedCount: number;
  failedCount: number;
  markets: MarketOutcome[];
}

/** The outcome of a market before (or without) any reminder. */
const noReminders = (marketId: string, status: MarketStatus): MarketOutcome => ({ marketId, status, written: 0, existing: 0, rejected: 0, failed: 0 });

/** Time kept back when deciding whether to start another market (the function times out at 30 s). */
const TIME_RESERVE_MS = 10_000;
/** Global user ids quoted in a log line, enough to find the records without flooding the log. */
const SAMPLE = 5;

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

/** Global user ids grouped by what went wrong, for one log line per kind of problem. */
class Problems {
  private readonly groups = new Map<string, { details: Record<string, unknown>; ids: string[] }>();

  add(details: Record<string, unknown>, globalUserId: string): void {
    const key = JSON.stringify(details);
    const group = this.groups.get(key) ?? { details, ids: [] };
    group.ids.push(globalUserId);
    this.groups.set(key, group);
  }

  each(fn: (details: Record<string, unknown>, count: number, sample: string[]) => void): void {
    this.groups.forEach(({ details, ids }) => fn(details, ids.length, ids.slice(0, SAMPLE)));
  }
}

/**
 * One page of a market's winners per run, from the cursor stored on the market: a market of
 * any size advances by a page a run without re-reading what it finished, and never holds up the
 * markets after it (DOMAIN 4.16: "15,000 records per execution"). A page writes faster than
 * the sender sends (15,000 per 5-minute run against 10 SMS a second), so the reminders stay
 * ahead of the sends.
 */
async function generateForMarket(summary: NotifiableMarket, deps: GeneratorDeps): Promise<MarketOutcome> {
  const outcome = noReminders(summary.id, 'notified');
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
  const where = { marketId: market.id, campaignId };
  const page = await winnerPage(deps.scoring, campaignId, market.id, notificationCursorOf(market), settings.pageSize);

  // Which records of the page (in cursor order) have no reminder in the table after this run.
  const missed = new Array<boolean>(page.length).fill(false);
  const records: ReminderRecord[] = [];
  const recordIndex: number[] = [];
  const rejections = new Problems();
  const unbuildable = new Problems();
  page.forEach((doc, index) => {
    const winner = toWinner(doc, market.id);
    if ('rejected' in winner) {
      outcome.rejected += 1;
      rejections.add({ reason: winner.rejected }, String(doc.globalUserId));
      return;
    }
    const built = buildReminder(winner, ctx);
    if (!isReminder(built)) {
      missed[index] = true;
      unbuildable.add({ missing: built.missing, ...(built.locale ? { locale: built.locale } : {}) }, winner.globalUserId);
      return;
    }
    records.push(built);
    recordIndex.push(index);
  });
  const written = await writeReminders(deps.table, records);
  written.statuses.forEach((status, i) => {
    missed[recordIndex[i]] ||= status === 'failed';
  });
  outcome.written = written.written;
  outcome.existing = written.existing;
  outcome.failed = missed.filter(Boolean).length;

  rejections.each((details, count, sample) =>
    deps.log.warn('scoring records rejected: no reminder for them', { ...where, ...details, count, globalUserIds: sample }),
  );
  // A reminder that cannot be built is an error, never a silent drop: the market stays unmarked,
  // and the next run builds it once the data is fixed.
  unbuildable.each((details, count, sample) =>
    deps.log.error('reminders could not be built; the market stays due and is retried on the next run', { ...where, ...details, count, globalUserIds: sample }),
  );
  if (written.failed > 0) {
    deps.log.error('reminder writes failed; the market stays due and is retried on the next run', { ...where, failed: written.failed, error: formatError(written.firstError) });
  }

  // The cursor moves to just before the first record still missing: everything up to it is
  // written, existing or rejected, so no run needs to read it again.
  const firstMissed = missed.indexOf(true);
  const done = firstMissed === -1 ? page.length : firstMissed;
  const morePages = page.length === settings.pageSize;
  if (done > 0 && (firstMissed !== -1 || morePages)) {
    await deps.store.advanceNotificationCursor(market.id, String(page[done - 1].globalUserId));
  }
  if (outcome.failed > 0) {
    const tableDown = written.failed > 0 && written.written + written.existing === 0;
    return { ...outcome, status: tableDown ? 'failed' : 'incomplete' };
  }
  if (morePages) {
    return { ...outcome, status: 'inProgress' };
  }
  // The last page (or a market without eligible fans): there is nothing left to send.
  await deps.store.markNotified(market.id, deps.now());
  return outcome;
}

/**
 * One scheduled run (DOMAIN 4.16, DECISIONS [21], [24]): asks getMarketsToNotify for the due
 * markets and, per market, writes the SMS reminder records of one page of selected fans with a
 * US phone, marking the market notified after its last page. A market is marked only when every
 * reminder is in the table, so a partial failure is retried on the next run without rewriting
 * what exists. Throws when every market failed, so the failure reaches Lambda's error metrics
 * and alarms.
 */
export async function generateNotifications(deps: GeneratorDeps): Promise<GeneratorResult> {
  const { markets } = await deps.getMarketsToNotify({ mode: 'due' });
  const outcomes: MarketOutcome[] = [];
  for (const summary of markets) {
    if (deps.remainingTimeMs() < TIME_RESERVE_MS) {
      outcomes.push(noReminders(summary.id, 'deferred'));
      continue;
    }
    try {
      outcomes.push(await generateForMarket(summary, deps));
    } catch (error) {
      deps.log.error('reminder generation failed for a market; retried on the next run', { marketId: summary.id, error: formatError(error) });
      outcomes.push(noReminders(summary.id, 'failed'));
    }
  }
  const failedMarkets = outcomes.filter((o) => o.status === 'failed');
  if (failedMarkets.length > 0 && failedMarkets.length === outcomes.length) {
    throw new Error(`reminder generation failed for every due market (${failedMarkets.map((o) => o.marketId).join(', ')})`);
  }
  const sum = (key: 'written' | 'existing' | 'rejected' | 'failed') => outcomes.reduce((n, o) => n + o[key], 0);
  return {
    marketCount: markets.length,
    notifiedCount: outcomes.filter((o) => o.status === 'notified').length,
    writtenCount: sum('written'),
    existingCount: sum('existing'),
    rejectedCount: sum('rejected'),
    failedCount: sum('failed'),
    markets: outcomes,
  };
}

/**
 * notificationGenerator's scheduled handler around `deps`, which is called per invocation (inside
 * it, so a collaborator that cannot be built fails the run with a logged error). The entry passes
 * the Lambda invoker of getMarketsToNotify; tests pass an in-process one and a clock.
 */
export function createNotificationGeneratorHandler(deps: (ctx: WorkerContext) => Promise<GeneratorDeps>) {
  return scheduleHandler({
    worker: 'notificationGenerator',
    process: async (_event, ctx) => generateNotifications(await deps(ctx)),
    summary: ({ markets: _markets, ...counts }) => counts,
  });
}
