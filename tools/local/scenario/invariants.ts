/**
 * The invariants, once the reminders are sent: one successful selection per market; every entry
 * replicated once and no refused registration written; every winner exactly one code per market,
 * the refreshed market's assignments re-sent; every fan in User Service and every score retry
 * refreshed; the SMS reminders and the email export; the five Kafka topics and the form fields as
 * the fans typed them. Each group records its invariants through `check`, in that order. Hands the
 * demand table as read here to the changes phase.
 */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../../src/shared/config';
import { reminderKey } from '../../../src/shared/aws/keys';
import type { FakeScoringRecord } from '../emulators/fakes';
import type { Fan, MarketDoc, ScenarioSeed } from './campaign';
import type { ScenarioContext } from './context';
import type { DemandItems } from './demandTable';
import { entryOf, readDemandTable } from './demandTable';
import type { KafkaValue } from './kafka';
import { countKafka } from './kafka';
import type { Registrations } from './registration';
import type { Refresh } from './selection';
import { selectionArn } from './selection';

/** What the earlier phases hand to the invariants. */
export interface InvariantInputs {
  seed: ScenarioSeed;
  registrations: Registrations;
  /** The number of fans each market's selection was to select, by market id. */
  selectionCounts: Map<string, number>;
  refresh: Refresh;
}

/** The winners of each market (Entry Service's scoring records with a code of it), by market id. */
type Winners = Map<string, FakeScoringRecord[]>;

/** Checks every invariant; the demand table as read at their start. */
export async function checkInvariants(
  ctx: ScenarioContext,
  { seed, registrations, selectionCounts, refresh }: InvariantInputs,
): Promise<DemandItems> {
  checkSelectionRuns(ctx, seed);
  const items = await readDemandTable(ctx);
  checkReplication(ctx, seed.campaignId, registrations, items);
  const winners = checkCodes(ctx, seed, selectionCounts, items);
  checkRefresh(ctx, seed.campaignId, refresh, winners);
  checkUsersAndRetries(ctx, seed.campaignId, registrations.eligible);
  await checkReminders(ctx, seed, winners, items);
  await checkKafka(ctx, seed, registrations.eligible, items);
  return items;
}

/** One successful selection per market: the scenario's execution, or an operator's restart of a failed one. */
function checkSelectionRuns(ctx: ScenarioContext, { campaignId, marketDocs }: ScenarioSeed): void {
  const arn = selectionArn(ctx.rt);
  for (const market of marketDocs) {
    const runs = ctx.rt.stepFunctions.all().filter((e) => {
      const input = JSON.parse(e.input) as { campaignId?: string; marketId?: string };
      return e.stateMachineArn === arn && input.campaignId === campaignId && input.marketId === market.id;
    });
    ctx.check(
      `selection of ${market.name} succeeded`,
      runs.filter((e) => e.status === 'SUCCEEDED').length === 1,
      runs.map((e) => `${e.status}${e.error ? ` (${e.error}: ${e.cause})` : ''} by ${e.startedBy}`).join(', '),
    );
  }
}

/** Replication: each registration held once by Entry Service, its flag cleared; refused ones never written. */
function checkReplication(
  ctx: ScenarioContext,
  campaignId: string,
  { eligible, ineligible }: Registrations,
  items: DemandItems,
): void {
  const { fakes, repeatsAllowed } = ctx;
  const upserts = new Map<string, number>();
  for (const r of fakes.entries.requests.filter((q) => q.path === '/v2/entries' && q.method === 'POST')) {
    for (const e of (r.body as { entries?: { userId: string }[] })?.entries ?? []) {
      upserts.set(e.userId, (upserts.get(e.userId) ?? 0) + 1);
    }
  }
  const held = eligible.filter((f) => fakes.entries.entries.has(`${campaignId}:${f.userId}`)).length;
  const repeated = eligible.filter((f) => (upserts.get(f.userId) ?? 0) > 1).length;
  const flagged = eligible.filter((f) => entryOf(items, campaignId, f)?.needsReplication !== false).length;
  ctx.check(
    'every entry replicated once',
    held === eligible.length && flagged === 0 && (repeatsAllowed || repeated === 0),
    `${held}/${eligible.length} in Entry Service, ${flagged} still flagged, ${repeated} sent more than once${repeatsAllowed ? ' (repeats allowed: faults or an operator resent records)' : ''}`,
  );
  ctx.check(
    'refused registrations were never written',
    ineligible.every((r) => !items.has(`e:${campaignId}|entry#${r.split(':')[0]}`)),
    `${ineligible.length} refused`,
  );
}

/** Selection: every winner exactly one code per market, the same in Entry Service, the table and Code Service. */
function checkCodes(
  ctx: ScenarioContext,
  { campaignId, marketDocs }: ScenarioSeed,
  selectionCounts: Map<string, number>,
  items: DemandItems,
): Winners {
  const finalScoring = ctx.fakes.entries.scoring(campaignId);
  const allCodes: string[] = [];
  const problems: string[] = [];
  const winners: Winners = new Map();
  for (const market of marketDocs) {
    const won = finalScoring.filter((r) => (r.codes ?? []).some((c) => c.marketId === market.id));
    winners.set(market.id, won);
    if (won.length !== selectionCounts.get(market.id)) {
      problems.push(`${market.name}: ${won.length} winners, expected ${selectionCounts.get(market.id)}`);
    }
    for (const r of won) {
      allCodes.push(...codesOfWinner(ctx, campaignId, market, r, items, problems));
    }
  }
  if (new Set(allCodes).size !== allCodes.length) {
    problems.push('a code was given to more than one fan');
  }
  const totalWinners = [...winners.values()].reduce((n, w) => n + w.length, 0);
  ctx.check(
    'every winner has exactly one code per market won',
    problems.length === 0,
    problems.slice(0, 5).join('; ') ||
      `${totalWinners} winning places, ${allCodes.length} codes, all assigned in Code Service`,
  );
  return winners;
}

/** A winner's codes of a market in Entry Service; what disagrees with the table or Code Service goes to `problems`. */
function codesOfWinner(
  ctx: ScenarioContext,
  campaignId: string,
  market: MarketDoc,
  r: FakeScoringRecord,
  items: DemandItems,
  problems: string[],
): string[] {
  const codes = (r.codes ?? []).filter((c) => c.marketId === market.id).map((c) => c.id);
  const tableCodes = (
    (items.get(`e:${campaignId}|entry#${r.globalUserId}`)?.codes as { id: string; marketId: string }[] | undefined) ??
    []
  )
    .filter((c) => c.marketId === market.id)
    .map((c) => c.id);
  if (codes.length !== 1 || tableCodes.length !== 1 || codes[0] !== tableCodes[0]) {
    problems.push(
      `${r.globalUserId} in ${market.name}: Entry Service ${JSON.stringify(codes)}, table ${JSON.stringify(tableCodes)}`,
    );
  }
  if (ctx.fakes.codes.statusOf(campaignId, codes[0]) !== 'assigned') {
    problems.push(`code ${codes[0]} is ${ctx.fakes.codes.statusOf(campaignId, codes[0])} in Code Service`);
  }
  return codes;
}

/** The refresh re-sent the refreshed market's assignments to Entry Service. */
function checkRefresh(
  ctx: ScenarioContext,
  campaignId: string,
  { market, assignmentsBefore }: Refresh,
  winners: Winners,
): void {
  const refreshed = ctx.fakes.entries.requests
    .slice(assignmentsBefore)
    .filter((q) => q.path === `/${campaignId}/entries/codes`)
    .reduce((n, q) => n + (Array.isArray(q.body) ? q.body.length : 0), 0);
  ctx.check(
    `refresh re-sent ${market.name}'s assignments`,
    refreshed >= (winners.get(market.id)?.length ?? 0),
    `${refreshed} assignments re-sent for ${winners.get(market.id)?.length ?? 0} winners`,
  );
}

/** Users and score retries. */
function checkUsersAndRetries(ctx: ScenarioContext, campaignId: string, eligible: Fan[]): void {
  const { fakes } = ctx;
  const users = eligible.filter((f) => fakes.users.users.has(f.globalUserId)).length;
  ctx.check('every registered fan upserted in User Service', users === eligible.length, `${users}/${eligible.length}`);
  const retried = eligible.filter((_, i) => i % 10 === 0);
  const rescored = retried.filter((f) => (fakes.entries.refreshed.get(`${campaignId}:${f.userId}`) ?? 0) > 0).length;
  ctx.check('every score retry refreshed', rescored === retried.length, `${rescored}/${retried.length}`);
}

/** Reminders: one per winner with a US number, every market marked notified; the email export asked for. */
async function checkReminders(
  ctx: ScenarioContext,
  { campaignId, marketDocs }: ScenarioSeed,
  winners: Winners,
  items: DemandItems,
): Promise<void> {
  const { rt, config } = ctx;
  const expectedReminders = marketDocs.flatMap((m) =>
    (winners.get(m.id) ?? [])
      .filter((r) => (r.phone ?? '').startsWith('+1'))
      .map((r) => reminderKey(r.globalUserId, campaignId, m.id)),
  );
  let found = 0;
  for (let i = 0; i < expectedReminders.length; i += 100) {
    const out = await ctx.ddb.send(
      new BatchGetCommand({ RequestItems: { [rt.demandTableName]: { Keys: expectedReminders.slice(i, i + 100) } } }),
    );
    found += out.Responses?.[rt.demandTableName]?.length ?? 0;
  }
  const reminderItems = [...items.values()].filter((it) => String(it.SK).startsWith(`asu#${campaignId}-`)).length;
  const notified = await ctx.markets.countDocuments({ campaign_id: campaignId, 'date.notified': { $type: 'string' } });
  ctx.check(
    'one SMS reminder per winner with a US number',
    found === expectedReminders.length && reminderItems === expectedReminders.length && notified === marketDocs.length,
    `${found}/${expectedReminders.length} reminders (${reminderItems} written), ${notified}/${marketDocs.length} markets notified`,
  );
  const exported = [...ctx.fakes.exports.exports.values()].filter(
    (e) => e.campaignId === campaignId && e.exportType === config.notifications.reminderExportType,
  ).length;
  ctx.check(
    'reminder email export requested',
    exported >= 1,
    `${exported} ${config.notifications.reminderExportType} export(s)`,
  );
}

/**
 * Kafka: the five topics hold what went in. Every write of an entry passes the pipe (its
 * insert, the flag clear, one verdict per market won) and becomes a distinct registration
 * record; its registeredMarket records do not change between writes, so consumers see
 * repeats of one dedupe id per fan and market.
 */
function expectedKafka(
  { campaignId, marketDocs }: ScenarioSeed,
  eligible: Fan[],
  items: DemandItems,
): Record<string, { total: number; distinct: number }> {
  const won = (f: Fan) => {
    const assigned = entryOf(items, campaignId, f)?.assignedMarkets;
    return assigned instanceof Set ? assigned.size : Array.isArray(assigned) ? assigned.length : 0;
  };
  const chosen = (f: Fan) =>
    ((entryOf(items, campaignId, f)?.fields as { markets?: string[] } | undefined)?.markets ?? []).length;
  const writes = (f: Fan) => 2 + won(f);
  const sum = (value: (f: Fan) => number) => eligible.reduce((n, f) => n + value(f), 0);
  return {
    campaign: { total: 1, distinct: 1 },
    market: { total: marketDocs.length, distinct: marketDocs.length },
    eventMapping: { total: marketDocs.length, distinct: marketDocs.length },
    registration: { total: sum(writes), distinct: sum(writes) },
    registeredMarket: { total: sum((f) => writes(f) * chosen(f)), distinct: sum(chosen) },
  };
}

/** The Kafka topics against `expectedKafka`, and the form fields in the registrations read. */
async function checkKafka(
  ctx: ScenarioContext,
  seed: ScenarioSeed,
  eligible: Fan[],
  items: DemandItems,
): Promise<void> {
  const { config, repeatsAllowed } = ctx;
  const expected = expectedKafka(seed, eligible, items);
  const counted = await countKafka(ctx.rt, config, seed.campaignId, expected, 60_000);
  checkFormFields(ctx, seed.campaignId, eligible, counted.registration.values);
  for (const [type, want] of Object.entries(expected)) {
    const { total, distinct } = counted[type];
    ctx.check(
      `Kafka topic ${config.kafka.topics[type as keyof Config['kafka']['topics']]} holds the ${type} records`,
      distinct === want.distinct && (repeatsAllowed ? total >= want.total : total === want.total),
      `${total} messages (expected ${want.total}${repeatsAllowed ? ' or more' : ''}), ${distinct} distinct (expected ${want.distinct})`,
    );
  }
}

/** Form fields reach Entry Service and Kafka as the fans typed them, emoji included. */
function checkFormFields(ctx: ScenarioContext, campaignId: string, eligible: Fan[], registrations: KafkaValue[]): void {
  const noted = eligible.filter((f) => f.note);
  const noteOf = (fields: unknown) => (fields as { note?: unknown } | undefined)?.note;
  const garbled = noted.filter(
    (f) =>
      noteOf(ctx.fakes.entries.entries.get(`${campaignId}:${f.userId}`)?.fields) !== f.note ||
      !registrations.some((r) => r.globalUserId === f.globalUserId && noteOf(JSON.parse(r.fields ?? '{}')) === f.note),
  );
  ctx.check(
    'form fields with emoji reach Entry Service and Kafka intact',
    noted.length > 0 && garbled.length === 0,
    `${noted.length - garbled.length}/${noted.length} notes intact${
      garbled.length
        ? `; not: ${garbled
            .slice(0, 5)
            .map((f) => f.globalUserId)
            .join(', ')}`
        : ''
    }`,
  );
}
