import type { Collection, Document, Filter } from 'mongodb';
import type { Campaign, Market } from '../../../shared/domain/campaign';
import { loadMongoDriver } from '../../../shared/mongo/driver';
import { storedTimeBetween, toTime } from './time';

export interface NotificationCollections {
  campaigns: Collection<Document>;
  markets: Collection<Document>;
}

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** Campaign Service keeps `_id` as an ObjectId; documents written by others may carry a string `_id` or an `id`. */
async function idAlternatives(ids: string[]): Promise<Filter<Document>> {
  const { ObjectId } = await loadMongoDriver();
  const objectIds = ids.filter((id) => OBJECT_ID.test(id)).map((id) => new ObjectId(id));
  const anyIds: unknown[] = [...ids, ...objectIds];
  return { $or: [{ id: { $in: ids } }, { _id: { $in: anyIds } }] } as Filter<Document>;
}

/** The worker-side shape: string `id` (the `id` field, else `_id`), no `_id`. */
function withId<T>(doc: Document): T {
  const { _id, ...rest } = doc;
  return { ...rest, id: String(rest.id ?? _id) } as T;
}

const NOT_NOTIFIED: Filter<Document> = { 'date.notified': null };

/**
 * Market field holding the generator's progress: the `globalUserId` up to which (in the winners'
 * order) every reminder of the market is in the demand table. Kept on the market next to
 * `date.notification` / `date.notified` (not in `date`: it is not a time). Losing it (a market
 * document replaced by Campaign Service, say) costs only re-reading: the writes are conditional.
 */
export const NOTIFICATION_CURSOR = 'notificationCursor';

/** The market's reminder cursor; '' (before the first winner) when there is none. */
export const notificationCursorOf = (market: Market): string => {
  const cursor = market[NOTIFICATION_CURSOR];
  return typeof cursor === 'string' ? cursor : '';
};

/**
 * Market and campaign bookkeeping of the notification workers, straight on MongoDB
 * (DECISIONS [10], [22]): `date.notification` (planned reminder time) and `date.notified` on
 * the market, `date.sendReminderEmails` / `date.triggeredEmailReminders` on the campaign.
 * Times this store writes are ISO-8601 UTC strings; it reads BSON Dates and strings alike.
 */
export function createMarketStore({ campaigns, markets }: NotificationCollections) {
  return {
    /** Markets with a planned reminder time that are not notified yet: only those planned in the last day or so, a small set. */
    async plannedNotNotified(): Promise<Market[]> {
      const docs = await markets.find({ 'date.notification': { $ne: null }, ...NOT_NOTIFIED }).toArray();
      return docs.map((d) => withId<Market>(d));
    },

    /** Markets whose presale is within [from, to] (inclusive), with no planned reminder time and not notified. */
    async unplannedWithPresaleBetween(from: Date, to: Date): Promise<Market[]> {
      const docs = await markets
        .find({ $and: [storedTimeBetween('event.presaleDateTime', { from, to }), { 'date.notification': null }, NOT_NOTIFIED] })
        .toArray();
      return docs.map((d) => withId<Market>(d)).filter((m) => {
        const presale = toTime(m.event?.presaleDateTime);
        return presale !== undefined && presale >= from.getTime() && presale <= to.getTime();
      });
    },

    /** Campaigns by id (any number of ids, one query). */
    async campaignsByIds(ids: string[]): Promise<Campaign[]> {
      if (ids.length === 0) {
        return [];
      }
      return (await campaigns.find(await idAlternatives(ids)).toArray()).map((d) => withId<Campaign>(d));
    },

    /** One market, or undefined. */
    async getMarket(id: string): Promise<Market | undefined> {
      const doc = await markets.findOne(await idAlternatives([id]));
      return doc ? withId<Market>(doc) : undefined;
    },

    /** One campaign, or undefined. */
    async getCampaign(id: string): Promise<Campaign | undefined> {
      const doc = await campaigns.findOne(await idAlternatives([id]));
      return doc ? withId<Campaign>(doc) : undefined;
    },

    /** Unsets the planned reminder time of markets that were never notified; returns how many changed. */
    async clearNotificationTimes(ids: string[]): Promise<number> {
      if (ids.length === 0) {
        return 0;
      }
      const result = await markets.updateMany({ $and: [await idAlternatives(ids), NOT_NOTIFIED] }, { $unset: { 'date.notification': '' } });
      return result.modifiedCount;
    },

    /**
     * Sets a market's planned reminder time unless one is set already (two planning runs at
     * once plan a market once); false when it was not set.
     */
    async setNotificationTime(id: string, when: Date): Promise<boolean> {
      const result = await markets.updateOne(
        { $and: [await idAlternatives([id]), { 'date.notification': null }, NOT_NOTIFIED] },
        { $set: { 'date.notification': when.toISOString() } },
      );
      return result.modifiedCount === 1;
    },

    /**
     * Records that a market's reminders were generated; false when it already was. The cursor
     * goes with it, so a market an operator un-marks to send again starts from its first winner.
     */
    async markNotified(id: string, now: Date): Promise<boolean> {
      const result = await markets.updateOne(
        { $and: [await idAlternatives([id]), NOT_NOTIFIED] },
        { $set: { 'date.notified': now.toISOString() }, $unset: { [NOTIFICATION_CURSOR]: '' } },
      );
      return result.modifiedCount === 1;
    },

    /**
     * Moves a not-yet-notified market's reminder cursor forward to `after`, never back (`$max`):
     * of two overlapping runs the one that got further wins, whichever writes last.
     */
    async advanceNotificationCursor(id: string, after: string): Promise<void> {
      await markets.updateOne({ $and: [await idAlternatives([id]), NOT_NOTIFIED] }, { $max: { [NOTIFICATION_CURSOR]: after } });
    },

    /** Campaigns that may have a reminder email date at or before `now` (callers check each date with `toTime`). */
    async campaignsWithReminderEmailsUntil(now: Date): Promise<Campaign[]> {
      const docs = await campaigns.find(storedTimeBetween('date.sendReminderEmails', { to: now })).toArray();
      return docs.map((d) => withId<Campaign>(d));
    },

    /** Removes one processed date (exactly as stored) from `date.sendReminderEmails` and stamps `date.triggeredEmailReminders`. */
    async completeReminderEmail(campaignId: string, storedDate: unknown, now: Date): Promise<void> {
      await campaigns.updateOne(await idAlternatives([campaignId]), {
        $pull: { 'date.sendReminderEmails': storedDate },
        $set: { 'date.triggeredEmailReminders': now.toISOString() },
      } as Document);
    },
  };
}

export type MarketStore = ReturnType<typeof createMarketStore>;
