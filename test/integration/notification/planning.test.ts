import { getConfig } from '../../../src/shared/config';
import { memoryLogger } from '../../doubles/runtime';
import { createEntryService } from '../../../src/shared/services/entries';
import { createExportsService } from '../../../src/shared/services/exports';
import { createServiceClient } from '../../../src/shared/services/http';
import type { ServiceName } from '../../../src/shared/services/http';
import { createTokenProvider, loadPrivateKeyFromEnv } from '../../../src/shared/services/jwt';
import { planSends } from '../../../src/workers/notification/planSends/planSends';
import { triggerReminderEmails } from '../../../src/workers/notification/triggerReminderEmail/triggerReminderEmail';
import { HOUR, MINUTE, campaignDoc, marketDoc, newId, scoringDoc, seedEntryService, useNotificationEnv } from './setup';

const env = useNotificationEnv('ntfcn-planning');
const NOW = new Date('2026-06-13T10:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

/** A service client on the fakes with the worker's JWT and quick retries. */
function client(service: ServiceName) {
  return createServiceClient({
    service,
    baseUrl: env().fakes.urls[service],
    timeoutMs: 2000,
    retries: 2,
    backoffBaseMs: 1,
    backoffMaxMs: 5,
    getToken: createTokenProvider({ worker: 'notificationTest', issuer: 'reg-workers', ttlSeconds: 600, loadPrivateKey: loadPrivateKeyFromEnv }),
  });
}

describe('planSends against MongoDB and Entry Service', () => {
  // At 0.01 SMS per second each fan adds 100 s, so a few fans make a visible window.
  const settings = () => ({ ...getConfig().notifications, smsPerSecond: 0.01 });
  const plan = (markets: unknown[]) =>
    planSends({ markets }, { store: env().store, entries: createEntryService(client('entries')), settings: settings(), now: () => NOW, log: memoryLogger() });

  it('plans from the count of selected fans with US phones, with one Entry Service call per campaign', async () => {
    const { markets, fakes, store } = env();
    const campaign = newId();
    const [soon, tomorrow] = [newId(), newId()];
    await markets.insertMany([marketDoc(soon, campaign, at(3 * HOUR)), marketDoc(tomorrow, campaign, at(20 * HOUR))]);
    seedEntryService(fakes, [
      ...Array.from({ length: 36 }, (_, n) => scoringDoc(campaign, { n, codesFor: [soon] })),
      scoringDoc(campaign, { n: 100, phone: '+447700900100', codesFor: [soon] }),
      scoringDoc(campaign, { n: 101, marketIds: [soon] }),
    ]);

    const result = await plan([
      { id: soon, campaignId: campaign, presaleDateTime: at(3 * HOUR).toISOString() },
      { id: tomorrow, campaignId: campaign, presaleDateTime: at(20 * HOUR).toISOString() },
    ]);

    // 36 fans at 0.01/s take an hour: centred on presale - 60 min, they start 90 minutes before presale.
    expect(result).toMatchObject({ plannedCount: 2, alreadyPlannedCount: 0, errors: [] });
    expect(result.planned[0]).toEqual({
      marketId: soon,
      campaignId: campaign,
      count: 36,
      notificationDate: at(90 * MINUTE).toISOString(),
      finishDate: at(150 * MINUTE).toISOString(),
      late: false,
    });
    expect((await store.getMarket(soon))?.date?.notification).toBe(at(90 * MINUTE).toISOString());
    expect((await store.getMarket(tomorrow))?.date?.notification).toBe(at(19 * HOUR).toISOString());
    const calls = fakes.entries.requests.filter((r) => r.path.endsWith('/entries/eligibility'));
    expect(calls).toHaveLength(1);
    expect(calls[0].query).toMatchObject({ marketIds: `${soon},${tomorrow}`, excludeIntlPhone: 'true', selectedOnly: 'true' });
  });

  it('reports the markets of a campaign whose count failed, plans the others, and plans the rest on the next run', async () => {
    const { markets, fakes, store } = env();
    const [healthy, failing] = [newId(), newId()];
    const [m1, m2, m3] = [newId(), newId(), newId()];
    await markets.insertMany([marketDoc(m1, healthy, at(5 * HOUR)), marketDoc(m2, failing, at(6 * HOUR)), marketDoc(m3, failing, at(7 * HOUR))]);
    const input = [
      { id: m1, campaignId: healthy, presaleDateTime: at(5 * HOUR).toISOString() },
      { id: m2, campaignId: failing, presaleDateTime: at(6 * HOUR).toISOString() },
      { id: m3, campaignId: failing, presaleDateTime: at(7 * HOUR).toISOString() },
    ];
    fakes.entries.failNext({ status: 503, count: 3, path: `/${failing}/entries/eligibility` });

    const first = await plan(input);
    expect(first.plannedCount).toBe(1);
    expect(first.errors).toEqual([
      { marketId: m2, campaignId: failing, error: expect.stringContaining('failed with 503') },
      { marketId: m3, campaignId: failing, error: expect.stringContaining('failed with 503') },
    ]);
    expect((await store.getMarket(m2))?.date?.notification).toBeUndefined();

    const second = await plan(input);
    expect(second).toMatchObject({ plannedCount: 2, alreadyPlannedCount: 1, errors: [] });
    expect((await store.getMarket(m3))?.date?.notification).toBe(at(6 * HOUR).toISOString());
  });
});

describe('triggerReminderEmail against MongoDB and Exports Service', () => {
  const trigger = () =>
    triggerReminderEmails({
      store: env().store,
      exports: createExportsService(client('exports')),
      exportType: getConfig().notifications.reminderExportType,
      now: () => NOW,
      log: memoryLogger(),
    });

  it('exports for the earliest due date only; an export still running serves the next due date without a second one', async () => {
    const { campaigns, fakes, store } = env();
    const campaign = newId();
    const later = at(HOUR).toISOString();
    const dueString = at(-HOUR).toISOString();
    // Dates stored as BSON Dates and as strings are both read.
    await campaigns.insertOne(campaignDoc(campaign, { date: { sendReminderEmails: [later, dueString, at(-2 * HOUR)] } }));
    fakes.campaigns.seedCampaign({ id: campaign });

    const first = await trigger();
    expect(first.triggered).toEqual([{ campaignId: campaign, exportId: expect.any(String), reminderDate: at(-2 * HOUR).toISOString(), created: true }]);
    expect((await store.getCampaign(campaign))?.date).toEqual({ sendReminderEmails: [later, dueString], triggeredEmailReminders: NOW.toISOString() });

    const second = await trigger();
    expect(second.triggered).toEqual([{ campaignId: campaign, exportId: first.triggered[0].exportId, reminderDate: dueString, created: false }]);
    expect((await store.getCampaign(campaign))?.date?.sendReminderEmails).toEqual([later]);

    expect(await trigger()).toEqual({ triggeredCount: 0, triggered: [], errors: [] });
    expect(fakes.exports.exports.size).toBe(1);
    expect([...fakes.exports.exports.values()][0]).toMatchObject({ exportType: 'autoReminderEmail', requesterUserId: 'notificationTest' });
  });

  it('completes on the next run without a second export when the MongoDB update failed after the export', async () => {
    const { campaigns, fakes, store, mongo } = env();
    const campaign = newId();
    await campaigns.insertOne(campaignDoc(campaign, { date: { sendReminderEmails: [at(-MINUTE).toISOString()] } }));
    fakes.campaigns.seedCampaign({ id: campaign });
    mongo.server?.failNext(1, { commands: ['update'] });

    const first = await trigger();
    expect(first).toMatchObject({ triggeredCount: 0, errors: [{ campaignId: campaign, error: expect.stringContaining('injected failure') }] });
    expect((await store.getCampaign(campaign))?.date?.sendReminderEmails).toHaveLength(1);

    const second = await trigger();
    expect(second).toMatchObject({ triggeredCount: 1, triggered: [{ created: false }], errors: [] });
    expect((await store.getCampaign(campaign))?.date?.sendReminderEmails).toEqual([]);
    expect(fakes.exports.exports.size).toBe(1);
  });

  it('keeps the date and reports the campaign when Exports Service refuses the export', async () => {
    const { campaigns, store } = env();
    const campaign = newId(); // unknown to Campaign Service, so Exports Service answers CampaignNotFound
    const due = at(-MINUTE).toISOString();
    await campaigns.insertOne(campaignDoc(campaign, { date: { sendReminderEmails: [due] } }));

    const result = await trigger();
    expect(result).toMatchObject({ triggeredCount: 0, errors: [{ campaignId: campaign, error: expect.stringContaining('CampaignNotFound') }] });
    expect((await store.getCampaign(campaign))?.date?.sendReminderEmails).toEqual([due]);
  });
});
