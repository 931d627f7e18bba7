/**
 * 6. Reminders: planning at the next hourly run, generation at the planned time. The winners go
 * to the scoring collection, the clock skips to the notification-planning rule
 * (notification-step-fn: getMarketsToNotify → planSends → triggerReminderEmail), then to each
 * market's planned time, when the notification-schedule rule runs notificationGenerator, which
 * calls getMarketsToNotify through the local Lambda endpoint and writes the SMS reminders. Checks
 * that every market got a planned time; the reminders themselves are checked by the invariants.
 */
import type { ScenarioContext } from './context';
import { sleep } from './pool';

/** A market's planned reminder time. */
interface Planned {
  id: string;
  name: string;
  at: number;
}

/** Plans the reminders, then generates them market by market at their planned times. */
export async function sendReminders(ctx: ScenarioContext, campaignId: string): Promise<void> {
  const order = await planReminders(ctx, campaignId);
  // One market at a time, earliest first: skipping past a later market's time could take
  // the clock past an earlier market's presale, and a market whose presale passed is dropped.
  for (const m of order) {
    ctx.clock.advanceTo(m.at + 60_000);
    ctx.log(`  clock → ${ctx.iso()} (${m.name}'s reminder time)`);
    const deadline = Date.now() + (ctx.options.settleTimeoutMs ?? 300_000);
    while (Date.now() < deadline && !(await ctx.markets.findOne({ id: m.id, 'date.notified': { $type: 'string' } }))) {
      await sleep(250);
    }
  }
  await ctx.settle('reminder generation');
}

/** Runs the next notification-planning; the markets with a planned reminder time, earliest first. */
async function planReminders(ctx: ScenarioContext, campaignId: string): Promise<Planned[]> {
  const { rt, clock, iso } = ctx;
  const winners = ctx.fakes.entries.scoring(campaignId).map((r) => ({ ...r, campaign_id: campaignId }));
  // An empty list here means replication lost entries; the invariants say so.
  if (winners.length > 0) {
    await ctx.scoring.insertMany(winners);
  }
  await ctx.campaigns.updateOne({ id: campaignId }, { $set: { 'date.sendReminderEmails': [iso()] } });
  const planning = rt.eventBus.nextFirings().find((f) => f.rule.endsWith('notification-planning'));
  if (planning) {
    ctx.log(`  clock → ${iso(planning.at)} (next notification-planning run)`);
    clock.advanceTo(planning.at + 1000);
  }
  await sleep(500);
  await ctx.settle('reminder planning');
  const planned = await ctx.markets.find({ campaign_id: campaignId }).toArray();
  const times = planned.map((m) =>
    Date.parse(String((m.date as { notification?: string } | undefined)?.notification ?? '')),
  );
  ctx.check(
    'every market got a planned reminder time',
    times.every((t) => Number.isFinite(t)),
    `${times.filter(Number.isFinite).length}/${planned.length} planned`,
  );
  return planned
    .map((m, i) => ({ id: String(m.id), name: String(m.name), at: times[i] }))
    .filter((m) => Number.isFinite(m.at))
    .sort((a, b) => a.at - b.at);
}
