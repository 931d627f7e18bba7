/**
 * The end-to-end scenario: one campaign with several markets and a few thousand fans goes
 * through the whole system as it would in AWS, and the run checks its own invariants.
 *
 * 1. Campaign Service (played here) stores the campaign and its markets in MongoDB and its own
 *    fake, seeds codes, and sends campaign, market and eventMapping records to data-queue.
 * 2. Fans register: checkEligibility (AppSync-style invocation), then the write it guards, the
 *    entry PutItem with `needsReplication` and `date.fanModified`. Their user info arrives as
 *    EventBridge events (user-info rule → queue → upsertUsers).
 * 3. The demand-table stream replicates entries (enqueueEntries → save-entries → saveEntries →
 *    Entry Service) and the pipe feeds registrations to data-queue (processData → data-sns →
 *    typed queues → sendData → Kafka).
 * 4. Entry Service (played here) scores the replicated entries and asks for a few score retries
 *    (retry-score → retryScore); registration closes.
 * 5. Selection: one selection-step-fn execution per market (enqueueMarketSelections →
 *    save-selection → saveSelections → verdict on the entry → stream → markAssignedCodes → Code
 *    Service), then a Campaign-Service-style refresh of one market (refreshSelections).
 * 6. Reminders: the clock skips to the notification-planning rule (notification-step-fn:
 *    getMarketsToNotify → planSends → triggerReminderEmail), then to the planned time, when the
 *    notification-schedule rule runs notificationGenerator, which calls getMarketsToNotify
 *    through the local Lambda endpoint and writes the SMS reminders.
 * 7. One fan deletes the registration and another drops a market: the pipe passes the REMOVE and
 *    the whole MODIFY, and Kafka gets the deleted registration and the market retractions.
 * With `faults`, services fail for a while and the Kafka broker stops answering; the system
 * must recover through its retries and the invariants must still hold.
 *
 * Each phase is a module of scenario/ (campaign, registration, scoring, selection, reminders,
 * invariants, changes, deadLetters) over a shared ScenarioContext (scenario/context.ts); what a
 * phase finds or makes goes to the next ones as arguments.
 */
import type { LocalRuntime, StageStats } from './runtime';
import { generateCampaign, hookCampaign, seedCampaign } from './scenario/campaign';
import { changeMinds } from './scenario/changes';
import type { ScenarioContext } from './scenario/context';
import { openContext } from './scenario/context';
import { checkDeadLetters } from './scenario/deadLetters';
import { startFaults } from './scenario/faults';
import { checkInvariants } from './scenario/invariants';
import type { Registrations } from './scenario/registration';
import { register } from './scenario/registration';
import { sendReminders } from './scenario/reminders';
import { score } from './scenario/scoring';
import { refreshOf, refreshSelection, select } from './scenario/selection';

export interface ScenarioOptions {
  fans: number;
  markets: number;
  faults: boolean;
  /** A line of progress (phase started, phase done). */
  log: (line: string) => void;
  /** The current status while waiting (replaced in place on a terminal). */
  status?: (line: string) => void;
  /** Longest wait for the system to settle after a phase. */
  settleTimeoutMs?: number;
  seed?: number;
  /**
   * Records may reach a service more than once (an operator's redrive, replay or re-replication):
   * the invariants then count distinct records and allow repeats, as with `faults`.
   */
  retried?: boolean;
  /** Called before and after each phase (the rehearsals inject failures and run runbooks here). */
  hooks?: ScenarioHooks;
}

/** The phases, in order. */
export type PhaseId = 'campaign' | 'registration' | 'scoring' | 'selection' | 'refresh' | 'reminders' | 'invariants' | 'changes' | 'dead-letters';

/** What a hook knows of the scenario's campaign. */
export interface ScenarioCampaign {
  campaignId: string;
  slug: string;
  markets: { id: string; name: string }[];
}

export interface ScenarioHooks {
  before?(phase: PhaseId, campaign: ScenarioCampaign): Promise<void>;
  after?(phase: PhaseId, campaign: ScenarioCampaign): Promise<void>;
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ScenarioResult {
  ok: boolean;
  campaignId: string;
  stages: StageStats[];
  invariants: Invariant[];
  phases: { name: string; ms: number }[];
  /** Trace ids to follow: one fan's registration and one market's selection (docs/operations.md). */
  traces: { registration?: { traceId: string; fan: string }; selection?: { traceId: string; market: string } };
}

/** Runs the scenario against a started runtime. */
export async function runScenario(rt: LocalRuntime, options: ScenarioOptions): Promise<ScenarioResult> {
  const ctx = await openContext(rt, options);
  const phases: ScenarioResult['phases'] = [];
  try {
    // 1. The campaign, as Campaign Service stores and announces it.
    const seed = generateCampaign(ctx);
    const phase = phaseRunner(ctx, hookCampaign(seed), phases);
    await phase('campaign', `campaign ${seed.campaignId} with ${options.markets} market(s), ${options.fans} fans`, () => seedCampaign(ctx, seed));
    const outage = startFaults(ctx, seed.campaignId);
    // 2. Registrations and user info (3: replication and the data pipeline settle).
    const registrations = await phase('registration', 'registration: checkEligibility, then the entry write it guards', () => register(ctx, seed, outage));
    // 4. Entry Service scores the replicated entries; a few scores need a retry; registration closes.
    const scoring = await phase('scoring', 'scoring (Entry Service) and score retries; registration closes', () => score(ctx, seed, registrations.eligible));
    // 5. Selection, one market after another, then a refresh of the first market.
    const selectionCounts = await phase('selection', 'selection: selection-step-fn per market', () => select(ctx, seed, scoring));
    const refresh = refreshOf(ctx, seed);
    await phase('refresh', `selection refresh of ${refresh.market.name} (refresh-selection queue)`, () => refreshSelection(ctx, seed.campaignId, refresh));
    // 6. Reminders: planning at the next hourly run, generation at the planned time.
    await phase('reminders', 'reminders: notification-planning, then notification-schedule at the planned time', () => sendReminders(ctx, seed.campaignId));
    // Invariants, on the demand table as read at their start.
    const items = await phase('invariants', 'checking invariants', () => checkInvariants(ctx, { seed, registrations, selectionCounts, refresh }));
    // 7. Fans change their minds: one deletes the registration, another drops a market.
    await phase('changes', 'a fan deletes the registration, another drops a market', () => changeMinds(ctx, seed.campaignId, registrations.eligible, items));
    await phase('dead-letters', 'checking dead-letter queues', () => checkDeadLetters(ctx));
    return await result(ctx, seed.campaignId, registrations, phases);
  } finally {
    await ctx.close();
  }
}

/**
 * The phase wrapper: runs a phase between the hooks before and after it, logs "▶ name" and
 * the time it took, and adds that time to `phases`.
 */
function phaseRunner(ctx: ScenarioContext, campaign: ScenarioCampaign, phases: ScenarioResult['phases']) {
  const { options, log } = ctx;
  return async <T>(id: PhaseId, name: string, work: () => Promise<T>): Promise<T> => {
    await options.hooks?.before?.(id, campaign);
    const started = Date.now();
    log(`▶ ${name}`);
    const value = await work();
    const ms = Date.now() - started;
    phases.push({ name, ms });
    log(`  done in ${(ms / 1000).toFixed(1)} s`);
    await options.hooks?.after?.(id, campaign);
    return value;
  };
}

/** The result: the stages (checkEligibility's refusals as rejected), the invariants, the phases' times, the traces. */
async function result(ctx: ScenarioContext, campaignId: string, { eligible, ineligible }: Registrations, phases: ScenarioResult['phases']): Promise<ScenarioResult> {
  const { rt, invariants, traces } = ctx;
  const stages = await rt.stages();
  const eligibility = stages.find((s) => s.stage === 'checkEligibility');
  if (eligibility) {
    eligibility.rejected = ineligible.length;
    eligibility.processed = eligible.length;
  }
  await rt.tracing?.flush();
  return { ok: invariants.every((i) => i.ok), campaignId, stages, invariants, phases, traces };
}
