import { normaliseStatus } from '../../../shared/domain/campaign';
import type { Market } from '../../../shared/domain/campaign';
import { InvalidInputError, quote, requireObject } from '../../../shared/runtime';
import type { Logger } from '../../../shared/runtime';
import type { MarketStore } from '../shared/store';
import { toTime } from '../shared/time';
import type { NotifiableMarket, NotificationSettings } from '../shared/types';
import { toNotifiableMarket } from '../shared/types';

export const MODES = ['due', 'planning'] as const;
export type Mode = (typeof MODES)[number];

export interface GetMarketsInput {
  mode: Mode;
}

/** What getMarketsToNotify returns to notificationGenerator and to notification-step-fn's next state (planSends). */
export interface MarketsToNotify {
  mode: Mode;
  /** Ordered by presale time. */
  markets: NotifiableMarket[];
  /** Markets whose presale passed without a notification; their planned time was unset. */
  clearedCount: number;
}

export interface GetMarketsDeps {
  store: MarketStore;
  settings: Pick<NotificationSettings, 'minimumLeadMinutes' | 'planningWindowFromHours' | 'planningWindowToHours'>;
  now: () => Date;
  log: Logger;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** Validates the invocation input: `{ mode?: 'due' | 'planning' }`, `due` when absent. */
export function parseGetMarketsInput(event: unknown): GetMarketsInput {
  const input = event === undefined || event === null ? {} : requireObject(event);
  const mode = input.mode ?? 'due';
  if (!(MODES as readonly unknown[]).includes(mode)) {
    throw new InvalidInputError(`mode must be "due" or "planning", got ${quote(mode)}`);
  }
  return { mode: mode as Mode };
}

const presaleOf = (m: Market) => toTime(m.event?.presaleDateTime);

function compact(markets: Market[]): NotifiableMarket[] {
  return markets
    .map(toNotifiableMarket)
    .filter((m): m is NotifiableMarket => m !== undefined)
    .sort((a, b) => a.presaleDateTime.localeCompare(b.presaleDateTime) || a.id.localeCompare(b.id));
}

/** Planned markets whose time has come and whose presale is still at least the minimum lead away. */
function dueMarkets(planned: Market[], now: number, minimumLeadMinutes: number): Market[] {
  return planned.filter((m) => {
    const notification = toTime(m.date?.notification);
    const presale = presaleOf(m);
    return notification !== undefined && notification <= now && presale !== undefined && presale >= now + minimumLeadMinutes * MINUTE_MS;
  });
}

/** Markets in the planning window whose campaign is CLOSED and has automated reminders on. */
async function planningMarkets(deps: GetMarketsDeps, now: number): Promise<Market[]> {
  const { store, settings } = deps;
  const candidates = await store.unplannedWithPresaleBetween(
    new Date(now + settings.planningWindowFromHours * HOUR_MS),
    new Date(now + settings.planningWindowToHours * HOUR_MS),
  );
  const campaignIds = [...new Set(candidates.map((m) => String(m.campaign_id)))];
  const remindable = new Set(
    (await store.campaignsByIds(campaignIds))
      .filter((c) => normaliseStatus(c.status) === 'CLOSED' && c.options?.automatedReminders === true)
      .map((c) => c.id),
  );
  return candidates.filter((m) => remindable.has(String(m.campaign_id)));
}

/**
 * The markets to act on (DOMAIN 4.13): in `due` mode those whose planned reminder time has
 * come, in `planning` mode those with a presale 2 to 27 hours ahead that need a reminder
 * time. In both modes markets whose presale passed before they were notified lose their
 * planned time, so they are never picked again.
 */
export async function getMarketsToNotify(input: GetMarketsInput, deps: GetMarketsDeps): Promise<MarketsToNotify> {
  const now = deps.now().getTime();
  const planned = await deps.store.plannedNotNotified();
  const expired = planned.filter((m) => {
    const presale = presaleOf(m);
    return presale !== undefined && presale <= now;
  });
  const clearedCount = await deps.store.clearNotificationTimes(expired.map((m) => m.id));
  if (clearedCount > 0) {
    deps.log.warn('presale passed before these markets were notified; their planned time was unset', {
      markets: expired.map((m) => m.id),
    });
  }
  const markets =
    input.mode === 'due' ? dueMarkets(planned, now, deps.settings.minimumLeadMinutes) : await planningMarkets(deps, now);
  return { mode: input.mode, markets: compact(markets), clearedCount };
}
