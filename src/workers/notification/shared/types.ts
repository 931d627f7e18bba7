import type { Config } from '../../../shared/config';
import type { Market } from '../../../shared/domain/campaign';
import { toIso } from './time';

export type NotificationSettings = Config['notifications'];

/**
 * A market as getMarketsToNotify returns it: small on purpose, because a Step Functions
 * payload holds at most 256 KB; the generator reloads the full market anyway.
 */
export interface NotifiableMarket {
  id: string;
  campaignId: string;
  name?: string;
  timezone?: string;
  presaleDateTime: string;
  /** Planned reminder time (due mode only). */
  notificationDate?: string;
}

/** The message of anything thrown, for per-item error lists. */
export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The compact form of a market with a campaign and a valid presale time; undefined otherwise. */
export function toNotifiableMarket(market: Market): NotifiableMarket | undefined {
  const presaleDateTime = toIso(market.event?.presaleDateTime);
  if (!presaleDateTime || !market.campaign_id) {
    return undefined;
  }
  const notificationDate = toIso(market.date?.notification);
  return {
    id: market.id,
    campaignId: String(market.campaign_id),
    ...(market.name ? { name: market.name } : {}),
    ...(market.timezone ? { timezone: market.timezone } : {}),
    presaleDateTime,
    ...(notificationDate ? { notificationDate } : {}),
  };
}
