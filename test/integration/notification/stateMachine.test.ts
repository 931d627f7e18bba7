/**
 * Acceptance: notification-step-fn (the ASL file Terraform deploys, run by
 * aws-local-stepfunctions with its Lambda tasks mapped to the workers' handlers) plans the
 * reminders and triggers the reminder email; notificationGenerator, with its clock moved past
 * the planned time, then writes exactly one reminder per eligible fan to DynamoDB Local.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Document } from 'mongodb';
import { handler as getMarketsHandler } from '../../../src/workers/notification/getMarketsToNotify';
import { getMarketsToNotify } from '../../../src/workers/notification/getMarketsToNotify/getMarketsToNotify';
import { createNotificationGeneratorHandler } from '../../../src/workers/notification/notificationGenerator/notificationGenerator';
import { marketStore, scoringCollection } from '../../../src/workers/notification/shared/wiring';
import { handler as planSendsHandler } from '../../../src/workers/notification/planSends';
import { planSendTime } from '../../../src/workers/notification/planSends/sendTime';
import { handler as triggerReminderEmailHandler } from '../../../src/workers/notification/triggerReminderEmail';
import { getConfig } from '../../../src/shared/config';
import { demandTable } from '../../../src/shared/wiring/aws';
import { silentLogger } from '../../../src/shared/runtime';
import { HOUR, MINUTE, campaignDoc, marketDoc, newId, scoringDoc, seedEntryService, useNotificationEnv } from './setup';

const env = useNotificationEnv('ntfcn-sfn');

const ASL_PATH = path.resolve(__dirname, '../../../terraform/stacks/notification/notification-step-fn.asl.json');
const HANDLERS: Record<string, (input: never) => Promise<unknown>> = {
  getMarketsToNotify: getMarketsHandler,
  planSends: planSendsHandler,
  triggerReminderEmail: triggerReminderEmailHandler,
};

/**
 * Loads the ASL as Terraform's templatefile would render it (placeholders → function ARNs) and
 * maps each Task state to the handler of the worker its placeholder names.
 */
function loadStateMachine() {
  const template = readFileSync(ASL_PATH, 'utf8');
  const placeholders = [...template.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
  expect(new Set(placeholders)).toEqual(new Set(Object.keys(HANDLERS)));
  const definition = JSON.parse(template.replace(/\$\{(\w+)\}/g, (_m, name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`));
  const outputs: Record<string, unknown[]> = {};
  const localHandlers = Object.fromEntries(
    Object.entries(definition.States as Record<string, { Type: string; Resource?: string }>)
      .filter(([, state]) => state.Type === 'Task')
      .map(([stateName, state]) => {
        const worker = String(state.Resource).split(':').pop() as string;
        return [
          stateName,
          async (input: unknown) => {
            const output = await HANDLERS[worker](input as never);
            (outputs[worker] ??= []).push(output);
            return output as never;
          },
        ];
      }),
  );
  const machine = new StateMachine(definition);
  return {
    outputs,
    run: async () => machine.run({}, { overrides: { taskResourceLocalHandlers: localHandlers } }).result,
  };
}

describe('notification-step-fn and notificationGenerator', () => {
  it('plans, triggers the email once, and writes one reminder per eligible fan, once', async () => {
    const { campaigns, markets, scoring, fakes, store } = env();
    const now = Date.now();
    const [campaignA, openCampaign, manualCampaign] = [newId(), newId(), newId()];
    const [nyc, la, tooSoon, passed, inOpen, inManual] = [newId(), newId(), newId(), newId(), newId(), newId()];
    const emailDue = new Date(now - HOUR).toISOString();
    const emailLater = new Date(now + 20 * HOUR).toISOString();
    await campaigns.insertMany([
      campaignDoc(campaignA, { date: { sendReminderEmails: [emailLater, emailDue] } }),
      campaignDoc(openCampaign, { status: 'OPEN' }),
      campaignDoc(manualCampaign, { options: { automatedReminders: false } }),
    ]);
    const nycPresale = new Date(now + 3 * HOUR);
    await markets.insertMany([
      marketDoc(nyc, campaignA, nycPresale),
      marketDoc(la, campaignA, new Date(now + 26 * HOUR), { timezone: 'America/Los_Angeles', name: 'Los Angeles, CA' }),
      marketDoc(tooSoon, campaignA, new Date(now + HOUR)),
      marketDoc(passed, campaignA, new Date(now - 10 * MINUTE), { date: { notification: new Date(now - HOUR).toISOString() } }),
      marketDoc(inOpen, openCampaign, new Date(now + 5 * HOUR)),
      marketDoc(inManual, manualCampaign, new Date(now + 5 * HOUR)),
    ]);
    const fans: Document[] = [
      scoringDoc(campaignA, { n: 1, locale: 'en-US', codesFor: [nyc] }),
      scoringDoc(campaignA, { n: 2, locale: 'es_MX', codesFor: [nyc, la] }),
      scoringDoc(campaignA, { n: 3, locale: 'fr-FR', codesFor: [nyc] }),
      scoringDoc(campaignA, { n: 4, codesFor: [nyc] }),
      scoringDoc(campaignA, { n: 5, phone: { number: '+15550000005', type: 'mobile' }, codesFor: [nyc] }),
      // Not reminded for nyc: international phone, not eligible, a code for another market only, no code.
      scoringDoc(campaignA, { n: 6, phone: '+447700900006', codesFor: [nyc] }),
      scoringDoc(campaignA, { n: 7, verdict: false, codesFor: [nyc] }),
      scoringDoc(campaignA, { n: 8, codesFor: [la] }),
      scoringDoc(campaignA, { n: 9, marketIds: [nyc] }),
    ];
    await scoring.insertMany(fans.map((f) => ({ ...f })));
    seedEntryService(fakes, fans);
    fakes.campaigns.seedCampaign({ id: campaignA });

    // --- planning run
    const machine = loadStateMachine();
    const first = await machine.run();
    expect(machine.outputs.getMarketsToNotify[0]).toMatchObject({ mode: 'planning', clearedCount: 1 });
    expect(machine.outputs.planSends[0]).toMatchObject({ plannedCount: 2, errors: [] });
    expect(first).toMatchObject({ triggeredCount: 1, errors: [] });
    // One trace per execution: getMarketsToNotify starts it, and each answer carries it into the next task's input.
    const traceOf = (output: unknown) => String((output as { traceparent?: string }).traceparent).slice(3, 35);
    expect(traceOf(machine.outputs.getMarketsToNotify[0])).toMatch(/^[0-9a-f]{32}$/);
    expect(traceOf(machine.outputs.planSends[0])).toBe(traceOf(machine.outputs.getMarketsToNotify[0]));

    const settings = getConfig().notifications;
    const planned = await store.getMarket(nyc);
    // Five fans with a code for the market and a US phone (fan 5's phone is stored as { number }).
    expect(planned?.date?.notification).toBe(planSendTime(5, nycPresale, new Date(now), settings).start.toISOString());
    expect((await store.getMarket(la))?.date?.notification).toEqual(expect.any(String));
    for (const id of [tooSoon, inOpen, inManual, passed]) {
      expect((await store.getMarket(id))?.date?.notification).toBeUndefined();
    }
    expect([...fakes.exports.exports.values()]).toEqual([expect.objectContaining({ campaignId: campaignA, exportType: 'autoReminderEmail' })]);
    const campaign = await store.getCampaign(campaignA);
    expect(campaign?.date?.sendReminderEmails).toEqual([emailLater]);
    expect(campaign?.date?.triggeredEmailReminders).toEqual(expect.any(String));

    // --- a second planning run changes nothing
    const second = await machine.run();
    expect(machine.outputs.planSends[1]).toMatchObject({ plannedCount: 0, errors: [] });
    expect(second).toMatchObject({ triggeredCount: 0, errors: [] });
    expect(fakes.exports.exports.size).toBe(1);
    expect((await store.getMarket(nyc))?.date?.notification).toBe(planned?.date?.notification);

    // --- generation, with the clock a minute past the planned time
    const clock = () => new Date(Date.parse(String(planned?.date?.notification)) + MINUTE);
    // The entry's wiring, with getMarketsToNotify invoked in process and the clock moved on.
    const generator = createNotificationGeneratorHandler(async (ctx) => ({
      getMarketsToNotify: (input) => getMarketsToNotify(input, { store, settings, now: clock, log: silentLogger }),
      store: await marketStore(),
      scoring: await scoringCollection(),
      table: demandTable(),
      settings,
      now: clock,
      remainingTimeMs: ctx.remainingTimeMs,
      log: ctx.log,
    }));
    const generated = await generator({ time: clock().toISOString() });
    expect(generated).toMatchObject({ marketCount: 1, notifiedCount: 1, writtenCount: 5, existingCount: 0, rejectedCount: 0, failedCount: 0 });

    const reminders = (await env().items()).filter((i) => i.campaignId === campaignA);
    expect(reminders.map((r) => r.SK)).toEqual(Array(5).fill(`asu#${campaignA}-${nyc}#reminder`));
    const byFan = new Map(reminders.map((r) => [r.globalUserId as string, r]));
    const fan1 = byFan.get(String(fans[0].globalUserId));
    const local = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', ...options });
    const zone = local({ timeZoneName: 'short' }).formatToParts(nycPresale).find((p) => p.type === 'timeZoneName')?.value;
    const eventDate = local({ weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' }).format(new Date(nycPresale.getTime() + 7 * 24 * HOUR));
    expect(fan1).toEqual({
      PK: `fan:${fans[0].globalUserId}`,
      SK: `asu#${campaignA}-${nyc}#reminder`,
      type: 'notification',
      notificationType: 'reminder',
      contactMethod: 'sms',
      status: 'CREATED',
      sendAttempts: 0,
      errors: [],
      eventId: `ev-${nyc.slice(-6)}`,
      phoneNumber: fans[0].phone,
      email: 'fan1@example.com',
      code: `CODE-${nyc.slice(-4)}-1`,
      campaignId: campaignA,
      marketId: nyc,
      globalUserId: fans[0].globalUserId,
      locale: 'en-US',
      presaleDateTime: nycPresale.toISOString(),
      date: { created: clock().toISOString() },
      messageBody:
        `The Band presale reminder: World Tour – Madison Square Garden on ${eventDate}. ` +
        `Presale starts ${local({ hour: 'numeric', minute: '2-digit' }).format(nycPresale)} (${zone}). ` +
        `Your code: CODE-${nyc.slice(-4)}-1. https://tm.example/e/${nyc.slice(-6)}`,
    });
    expect(byFan.get(String(fans[1].globalUserId))).toMatchObject({ locale: 'es-MX', code: `CODE-${nyc.slice(-4)}-2` });
    expect(byFan.get(String(fans[1].globalUserId))?.messageBody).toMatch(/^Recordatorio de preventa de The Band/);
    expect(byFan.get(String(fans[2].globalUserId))?.locale).toBe('en-US'); // fr-FR has no template: campaign default
    expect(byFan.get(String(fans[4].globalUserId))?.phoneNumber).toBe('+15550000005');
    expect((await store.getMarket(nyc))?.date?.notified).toBe(clock().toISOString());
    expect((await store.getMarket(la))?.date?.notified).toBeUndefined();

    // --- the next run writes nothing new
    expect(await generator({ time: clock().toISOString() })).toMatchObject({ marketCount: 0, writtenCount: 0 });
    expect((await env().items()).filter((i) => i.campaignId === campaignA)).toHaveLength(5);
  });
});
