import { getConfig } from '../../../src/shared/config';
import { memoryLogger } from '../../doubles/runtime';
import type { Mode } from '../../../src/workers/notification/getMarketsToNotify/getMarketsToNotify';
import { getMarketsToNotify } from '../../../src/workers/notification/getMarketsToNotify/getMarketsToNotify';
import { HOUR, MINUTE, campaignDoc, marketDoc, newId, useNotificationEnv } from './setup';

const env = useNotificationEnv('ntfcn-markets');
const NOW = new Date('2026-06-13T10:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const iso = (offsetMs: number) => at(offsetMs).toISOString();

const run = (mode: Mode) =>
  getMarketsToNotify({ mode }, { store: env().store, settings: getConfig().notifications, now: () => NOW, log: memoryLogger() });
const ids = (out: { markets: { id: string }[] }) => out.markets.map((m) => m.id);

describe('getMarketsToNotify against MongoDB', () => {
  it('due mode: planned markets whose time has come, with the presale at least five minutes away', async () => {
    const { campaigns, markets } = env();
    const campaign = newId();
    const [due, dueAtLimit, presaleTooClose, notYet, notified, asDates, unplanned] = Array.from({ length: 7 }, newId);
    await campaigns.insertOne(campaignDoc(campaign));
    await markets.insertMany([
      marketDoc(due, campaign, at(HOUR), { date: { notification: iso(-MINUTE) } }),
      marketDoc(dueAtLimit, campaign, at(5 * MINUTE), { date: { notification: iso(0) } }),
      marketDoc(presaleTooClose, campaign, at(5 * MINUTE - 1000), { date: { notification: iso(-30 * MINUTE) } }),
      marketDoc(notYet, campaign, at(HOUR), { date: { notification: iso(MINUTE) } }),
      marketDoc(notified, campaign, at(HOUR), { date: { notification: iso(-HOUR), notified: iso(-55 * MINUTE) } }),
      {
        ...marketDoc(asDates, campaign, at(2 * HOUR), { date: { notification: at(-5 * MINUTE) } }),
        event: { presaleDateTime: at(2 * HOUR) },
      },
      marketDoc(unplanned, campaign, at(HOUR)),
    ]);

    const out = await run('due');
    expect(ids(out)).toEqual([dueAtLimit, due, asDates]); // by presale time
    expect(out.markets[1]).toEqual({
      id: due,
      campaignId: campaign,
      name: 'New York, NY',
      timezone: 'America/New_York',
      presaleDateTime: iso(HOUR),
      notificationDate: iso(-MINUTE),
    });
    expect(out.markets[2]).toMatchObject({ presaleDateTime: iso(2 * HOUR), notificationDate: iso(-5 * MINUTE) });
    expect(out.clearedCount).toBe(0);
  });

  it('in both modes unsets the planned time of markets whose presale passed before they were notified', async () => {
    const { campaigns, markets, store } = env();
    const campaign = newId();
    const [passed, passedNotified] = [newId(), newId()];
    await campaigns.insertOne(campaignDoc(campaign));
    await markets.insertMany([
      marketDoc(passed, campaign, at(-MINUTE), { date: { notification: iso(-2 * HOUR) } }),
      marketDoc(passedNotified, campaign, at(-MINUTE), { date: { notification: iso(-2 * HOUR), notified: iso(-2 * HOUR) } }),
    ]);

    expect(await run('planning')).toMatchObject({ markets: [], clearedCount: 1 });
    expect((await store.getMarket(passed))?.date).toEqual({});
    expect((await store.getMarket(passedNotified))?.date?.notification).toBe(iso(-2 * HOUR));
    expect(await run('due')).toMatchObject({ markets: [], clearedCount: 0 });
  });

  it('planning mode: unplanned markets 2 to 27 hours ahead of CLOSED campaigns with automated reminders', async () => {
    const { campaigns, markets } = env();
    const [closed, open, manual, active] = [newId(), newId(), newId(), newId()];
    await campaigns.insertMany([
      campaignDoc(closed),
      campaignDoc(open, { status: 'OPEN' }),
      campaignDoc(manual, { options: {} }),
      campaignDoc(active, { status: 'ACTIVE' }),
      // A campaign stored with a string id is found as well.
      { ...campaignDoc(newId()), _id: 'legacy-campaign' },
    ]);
    const [at2h, before2h, at27h, after27h, asDate, planned, notified, inOpen, inManual, inActive, inLegacy] = Array.from({ length: 11 }, newId);
    await markets.insertMany([
      marketDoc(at2h, closed, at(2 * HOUR)),
      marketDoc(before2h, closed, at(2 * HOUR - 1000)),
      marketDoc(at27h, closed, at(27 * HOUR)),
      marketDoc(after27h, closed, at(27 * HOUR + 1000)),
      { ...marketDoc(asDate, closed, at(10 * HOUR)), event: { presaleDateTime: at(10 * HOUR) } },
      marketDoc(planned, closed, at(5 * HOUR), { date: { notification: iso(4 * HOUR) } }),
      marketDoc(notified, closed, at(5 * HOUR), { date: { notified: iso(-HOUR) } }),
      marketDoc(inOpen, open, at(5 * HOUR)),
      marketDoc(inManual, manual, at(5 * HOUR)),
      marketDoc(inActive, active, at(5 * HOUR)),
      marketDoc(inLegacy, 'legacy-campaign', at(6 * HOUR)),
    ]);

    const out = await run('planning');
    expect(ids(out)).toEqual([at2h, inLegacy, asDate, at27h]);
    expect(out.markets[0]).toEqual({ id: at2h, campaignId: closed, name: 'New York, NY', timezone: 'America/New_York', presaleDateTime: iso(2 * HOUR) });
  });
});
