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
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { currentTrace, withSpan } from '../../src/shared/runtime/tracing';
import type { Config } from '../../src/shared/config';
import { loadConfig } from '../../src/shared/config/load';
import { entryKey, reminderKey } from '../../src/shared/aws/keys';
import { LOCAL_AWS } from './emulators/dynamodb';
import type { FakeScoringRecord } from './emulators/fakes';
import type { LocalRuntime, StageStats } from './runtime';

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

interface Fan {
  globalUserId: string;
  userId: string;
  email: string;
  phone: string;
  firstName: string;
  lastName: string;
  locale: string;
  markets: string[];
  /** A free-text form field with characters beyond U+FFFF (emoji), for some fans. */
  note?: string;
}

/** The markets a stored entry lists, in the fan's order. */
const marketsOf = (entry: Record<string, unknown> | undefined): string[] =>
  ((entry?.fields as { markets?: unknown } | undefined)?.markets as string[] | undefined) ?? [];

/** A Kafka message value of the data pipeline (the fields the scenario looks at). */
interface KafkaValue {
  campaignId?: string;
  globalUserId?: string;
  marketId?: string;
  rank?: number;
  isDeleted?: boolean;
  /** A registration's form fields, as a JSON string. */
  fields?: string;
  dedupe?: { id?: string };
}

/** A small seeded generator, so a run can be repeated. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const objectId = () => randomBytes(12).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOUR = 3_600_000;

/** Runs `task` over `items` with at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i], i);
      }
    }),
  );
}

/** Runs the scenario against a started runtime. */
export async function runScenario(rt: LocalRuntime, options: ScenarioOptions): Promise<ScenarioResult> {
  const { log } = options;
  const status = options.status ?? (() => undefined);
  const rnd = random(options.seed ?? 20260213);
  const config: Config = loadConfig('local', { environment: rt.exports });
  const { fakes } = rt.components;
  const clock = rt.clock;
  const iso = (t = clock.now()) => new Date(t).toISOString();
  const phases: { name: string; ms: number }[] = [];
  const invariants: Invariant[] = [];
  const check = (name: string, ok: boolean, detail: string) => invariants.push({ name, ok, detail });
  const traces: ScenarioResult['traces'] = {};

  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_AWS, endpoint: rt.components.dynamoDbEndpoint }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const mongo = await new MongoClient(rt.components.mongo.uri).connect();
  const campaignsDb = mongo.db(config.mongo.campaignsDb);
  const campaigns = campaignsDb.collection(config.mongo.campaignsCollection);
  const marketsCollection = campaignsDb.collection(config.mongo.marketsCollection);
  const scoringCollection = mongo.db(config.mongo.entriesDb).collection(config.mongo.scoringCollection);

  const repeatsAllowed = options.faults || options.retried === true;
  let campaignOfHooks: ScenarioCampaign | undefined;
  const phase = async <T>(id: PhaseId, name: string, work: () => Promise<T>): Promise<T> => {
    if (campaignOfHooks) {
      await options.hooks?.before?.(id, campaignOfHooks);
    }
    const started = Date.now();
    log(`▶ ${name}`);
    const result = await work();
    const ms = Date.now() - started;
    phases.push({ name, ms });
    log(`  done in ${(ms / 1000).toFixed(1)} s`);
    if (campaignOfHooks) {
      await options.hooks?.after?.(id, campaignOfHooks);
    }
    return result;
  };

  /** Waits until nothing runs and no consumed queue holds messages, showing what is still going on. */
  const settle = async (what: string) => {
    const timer = setInterval(() => {
      const running = rt.host.inFlight();
      const total = rt.model.functions.reduce((n, f) => n + rt.host.stats(f.name).invocations, 0);
      status(`  … ${what}: ${running} invocation(s) running, ${total} so far`);
    }, 1000);
    try {
      await rt.waitForIdle({ timeoutMs: options.settleTimeoutMs ?? 300_000, quietMs: 2000 });
    } finally {
      clearInterval(timer);
      status('');
    }
  };

  const sendToQueue = async (nameTag: string, bodies: unknown[]) => {
    for (let i = 0; i < bodies.length; i += 10) {
      await rt.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: rt.queue(nameTag).url,
          Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: String(j), MessageBody: JSON.stringify(b) })),
        }),
      );
    }
  };

  try {
    // 1. The campaign, as Campaign Service stores and announces it.
    const start = clock.now();
    const campaignId = objectId();
    const slug = `local-${campaignId.slice(-8)}`;
    const marketDocs = Array.from({ length: options.markets }, (_, i) => ({
      id: objectId(),
      campaign_id: campaignId,
      name: `Market ${i + 1}`,
      city: ['New York', 'Chicago', 'Los Angeles', 'Toronto', 'Austin'][i % 5],
      state: ['NY', 'IL', 'CA', 'ON', 'TX'][i % 5],
      timezone: 'America/New_York',
      point: { type: 'Point', coordinates: [-73.99 + i, 40.75 - i] },
      date: { created: iso(start), updated: iso(start) },
      event: {
        ids: [`vvG1${campaignId.slice(-6)}${i}`],
        name: `Tour stop ${i + 1}`,
        date: iso(start + 30 * 24 * HOUR),
        // Far enough ahead that the hourly planning run, an hour from now, finds it in its window.
        presaleDateTime: iso(start + (6 + i) * HOUR),
        link: `https://www.ticketmaster.com/event/${i}`,
        ticketer: i % 2 === 0 ? 'TM' : 'AXS',
        venue: { name: `Arena ${i + 1}` },
      },
    }));
    const campaign = {
      id: campaignId,
      type: 'registration',
      slug,
      name: 'Local Scenario Tour',
      status: 'OPEN',
      referenceTimezone: 'America/New_York',
      artist: { name: 'The Local Runtime', discovery_id: 'K8vZ917_local' },
      tour: { name: 'Local Scenario Tour' },
      domain: { site: `${slug}.example.com` },
      locales: [{ id: 'en-US', is_default: true }],
      date: { created: iso(start), updated: iso(start), open: iso(start - 24 * HOUR), close: iso(start + 24 * HOUR) },
      options: { automatedReminders: true },
      preferences: [
        { id: 'email', type: 'email', is_optional: false },
        { id: 'phone', type: 'phone', is_optional: false },
        { id: 'markets', type: 'markets', is_optional: false, additional: { min: 1, max: options.markets } },
        { id: 'allow_marketing', type: 'opt_in', is_optional: true },
        { id: 'note', type: 'freeform_text', is_optional: true, additional: { maxLength: 200 } },
      ],
    };
    const fans: Fan[] = Array.from({ length: options.fans }, (_, i) => {
      const ranked = marketDocs.map((m) => m.id).sort(() => rnd() - 0.5);
      return {
        globalUserId: `gu${campaignId.slice(-6)}${String(i).padStart(6, '0')}`,
        userId: objectId(),
        // Every 40th fan mistypes the address: checkEligibility refuses the entry.
        email: i % 40 === 39 ? `fan${i}.example.com` : `fan${i}@example.com`,
        // Every 10th fan has a UK number: selected like everyone, but no SMS reminder.
        phone: i % 10 === 9 ? `+447911${String(100000 + i).slice(-6)}` : `+1415${2000000 + i}`,
        firstName: 'Fan',
        lastName: `Number${i}`,
        locale: 'en-US',
        markets: ranked.slice(0, 1 + Math.floor(rnd() * options.markets)),
        // Every 8th fan leaves a note with emoji (outside the Basic Multilingual Plane, as SQS allows).
        ...(i % 8 === 5 ? { note: `fan ${i} says see you there 🎸🤘 𝄞` } : {}),
      };
    });

    campaignOfHooks = { campaignId, slug, markets: marketDocs.map((m) => ({ id: m.id, name: m.name })) };
    await phase('campaign', `campaign ${campaignId} with ${options.markets} market(s), ${options.fans} fans`, async () => {
      await campaigns.insertOne({ ...campaign });
      await marketsCollection.insertMany(marketDocs.map((m) => ({ ...m })));
      fakes.campaigns.seedCampaign({ ...campaign, markets: marketDocs });
      for (const type of ['tm', 'external'] as const) {
        const count = Math.max(600, options.fans) * options.markets + 600;
        fakes.codes.seedCodes(campaignId, type, Array.from({ length: count }, (_, i) => `${type.toUpperCase()}-${campaignId.slice(-6)}-${i}`));
      }
      await sendToQueue('data-queue', [
        { type: 'CAMPAIGN', data: campaign },
        ...marketDocs.map((m) => ({ type: 'market', data: m })),
        ...marketDocs.map((m) => ({ type: 'eventMapping', data: { campaignId, marketId: m.id, eventIds: m.event.ids } })),
      ]);
    });

    if (options.faults) {
      log('  faults: Entry Service, Code Service and Kafka will fail for a while');
      // More failures than the service client's retries absorb: some batches fail and come back
      // after the queue's visibility timeout.
      fakes.entries.failNext({ status: 503, count: 12, path: '/v2/entries' });
      fakes.entries.failNext({ status: 500, count: 6, path: new RegExp(`^/${campaignId}/entries/codes$`) });
      fakes.codes.failNext({ status: 503, count: 6, path: new RegExp(`^/${campaignId}/assign$`) });
    }
    const outage = options.faults && rt.components.kafka.pause ? kafkaOutage(rt, 15_000, log) : undefined;

    // 2. Registrations and user info.
    const eligible: Fan[] = [];
    const ineligible: string[] = [];
    await phase('registration', 'registration: checkEligibility, then the entry write it guards', async () => {
      const userInfoRule = rt.model.rules.find((r) => r.eventPattern && r.targets.some((t) => t.arn === rt.queue('user-info').arn));
      // Each registration is one trace, as a fan's request through the registration API would be:
      // checkEligibility gets it as the AppSync request's traceparent header, the entry write stamps it on the item.
      await pool(fans, 8, (fan, i) => withSpan('register fan', { 'fan.globalUserId': fan.globalUserId }, async () => {
        const { traceparent } = currentTrace();
        const outcome = await rt.invoke('checkEligibility', {
          arguments: {
            input: {
              slug,
              entry: { email: fan.email, phone: fan.phone, markets: fan.markets, allow_marketing: i % 2 === 0, ...(fan.note ? { note: fan.note } : {}) },
              userInfo: { globalUserId: fan.globalUserId, email: fan.email, phoneNumber: fan.phone, countryCode: 'US', locale: fan.locale, isLoggedIn: 'true' },
              doTransfer: false,
            },
          },
          info: { fieldName: 'upsertEntry', parentTypeName: 'Mutation' },
          request: { headers: { traceparent } },
          prev: null,
          stash: {},
        });
        const answer = (outcome.ok ? outcome.payload : undefined) as { isEligible?: boolean; reason?: string; fields?: Record<string, unknown> } | undefined;
        if (!answer?.isEligible) {
          ineligible.push(`${fan.globalUserId}: ${answer?.reason ?? (outcome.ok ? 'no answer' : outcome.error.errorMessage)}`);
          return;
        }
        const now = iso();
        await ddb.send(
          new PutCommand({
            TableName: rt.demandTableName,
            Item: {
              ...entryKey(campaignId, fan.globalUserId),
              type: 'registration',
              campaignId,
              globalUserId: fan.globalUserId,
              userId: fan.userId,
              email: fan.email,
              phoneNumber: fan.phone,
              firstName: fan.firstName,
              lastName: fan.lastName,
              locale: fan.locale,
              fields: answer.fields,
              origin: { ip: { address: '203.0.113.7', country: 'US' } },
              date: { created: now, updated: now, fanModified: now },
              needsReplication: true,
              traceparent,
            },
          }),
        );
        eligible.push(fan);
        traces.registration ??= { traceId: traceparent.slice(3, 35), fan: fan.globalUserId };
        if (i % 100 === 0) {
          status(`  … ${i + 1}/${fans.length} fans through checkEligibility`);
        }
      }, { parent: ROOT_CONTEXT, kind: SpanKind.PRODUCER }));
      status('');
      log(`  ${eligible.length} registered, ${ineligible.length} refused by checkEligibility`);
      if (userInfoRule?.eventPattern) {
        const pattern = userInfoRule.eventPattern as { source: string[]; 'detail-type': string[] };
        for (let i = 0; i < eligible.length; i += 10) {
          rt.eventBus.putEvents(
            eligible.slice(i, i + 10).map((fan) => ({
              Source: pattern.source[0],
              DetailType: pattern['detail-type'][0],
              Detail: JSON.stringify({ globalUserId: fan.globalUserId, email: fan.email, firstName: fan.firstName, lastName: fan.lastName, ticketmasterId: fan.globalUserId }),
            })),
          );
        }
      }
      await outage;
      await settle('replication, user upserts and the data pipeline');
    });

    // 4. Entry Service scores the replicated entries; a few scores need a retry; registration closes.
    const scoring: FakeScoringRecord[] = [];
    await phase('scoring', 'scoring (Entry Service) and score retries; registration closes', async () => {
      for (const fan of eligible) {
        const entry = fakes.entries.entries.get(`${campaignId}:${fan.userId}`) as { fields?: { markets?: string[] } } | undefined;
        if (entry) {
          scoring.push({
            userId: fan.userId,
            globalUserId: fan.globalUserId,
            email: fan.email,
            phone: fan.phone,
            name: { first: fan.firstName, last: fan.lastName },
            score: Math.round(rnd() * 1000) / 10,
            verdict: true,
            locale: fan.locale,
            marketIds: entry.fields?.markets ?? fan.markets,
          });
        }
      }
      fakes.entries.seedScoring(campaignId, scoring);
      await sendToQueue(
        'retry-score',
        eligible.filter((_, i) => i % 10 === 0).map((f) => ({ campaignId, userId: f.userId, globalUserId: f.globalUserId })),
      );
      await campaigns.updateOne({ id: campaignId }, { $set: { status: 'CLOSED', 'date.updated': iso() } });
      fakes.campaigns.seedCampaign({ ...campaign, status: 'CLOSED', markets: marketDocs });
      await settle('score retries');
    });

    // 5. Selection, one market after another (each run reserves codes, then releases what it did not use).
    const selectionCounts = new Map<string, number>();
    await phase('selection', 'selection: selection-step-fn per market', async () => {
      for (const market of marketDocs) {
        const interested = scoring.filter((s) => s.marketIds.includes(market.id)).length;
        const selectionCount = Math.max(1, Math.floor(interested * 0.6));
        selectionCounts.set(market.id, Math.min(selectionCount, interested));
        // One trace per market's selection: the execution's input carries it to enqueueMarketSelections.
        const done = await withSpan('select market', { 'market.id': market.id }, async () => {
          const { traceparent } = currentTrace();
          traces.selection ??= { traceId: traceparent.slice(3, 35), market: market.name };
          const execution = rt.stepFunctions.start(
            rt.model.stateMachines.find((s) => s.name.endsWith('selection-step-fn'))!.arn,
            { campaignId, marketId: market.id, dateId: 'presale', selectionCount, traceparent },
            'scenario',
          );
          return execution.done;
        }, { parent: ROOT_CONTEXT, kind: SpanKind.PRODUCER });
        log(`  ${market.name}: ${done.status}${done.error ? ` (${done.error}: ${done.cause})` : ''}, ${selectionCount} of ${interested} to select`);
      }
      await settle('code assignment and verdicts');
    });

    const refreshMarket = marketDocs[0];
    const assignmentsBefore = fakes.entries.requests.length;
    await phase('refresh', `selection refresh of ${refreshMarket.name} (refresh-selection queue)`, async () => {
      await sendToQueue('refresh-selection', [{ campaignId, marketId: refreshMarket.id }]);
      await settle('selection refresh');
    });

    // 6. Reminders: planning at the next hourly run, generation at the planned time.
    await phase('reminders', 'reminders: notification-planning, then notification-schedule at the planned time', async () => {
      const winners = fakes.entries.scoring(campaignId).map((r) => ({ ...r, campaign_id: campaignId }));
      // An empty list here means replication lost entries; the invariants below say so.
      if (winners.length > 0) {
        await scoringCollection.insertMany(winners);
      }
      await campaigns.updateOne({ id: campaignId }, { $set: { 'date.sendReminderEmails': [iso()] } });
      const planning = rt.eventBus.nextFirings().find((f) => f.rule.endsWith('notification-planning'));
      if (planning) {
        log(`  clock → ${iso(planning.at)} (next notification-planning run)`);
        clock.advanceTo(planning.at + 1000);
      }
      await sleep(500);
      await settle('reminder planning');
      const planned = await marketsCollection.find({ campaign_id: campaignId }).toArray();
      const times = planned.map((m) => Date.parse(String((m.date as { notification?: string } | undefined)?.notification ?? '')));
      check('every market got a planned reminder time', times.every((t) => Number.isFinite(t)), `${times.filter(Number.isFinite).length}/${planned.length} planned`);
      // One market at a time, earliest first: skipping past a later market's time could take
      // the clock past an earlier market's presale, and a market whose presale passed is dropped.
      const order = planned
        .map((m, i) => ({ id: String(m.id), name: String(m.name), at: times[i] }))
        .filter((m) => Number.isFinite(m.at))
        .sort((a, b) => a.at - b.at);
      for (const m of order) {
        clock.advanceTo(m.at + 60_000);
        log(`  clock → ${iso()} (${m.name}'s reminder time)`);
        const deadline = Date.now() + (options.settleTimeoutMs ?? 300_000);
        while (Date.now() < deadline && !(await marketsCollection.findOne({ id: m.id, 'date.notified': { $type: 'string' } }))) {
          await sleep(250);
        }
      }
      await settle('reminder generation');
    });

    // Invariants.
    // The demand table as the invariants see it (read at their start).
    const items = new Map<string, Record<string, unknown>>();
    const entryOf = (fan: Fan) => items.get(`e:${campaignId}|entry#${fan.globalUserId}`);
    await phase('invariants', 'checking invariants', async () => {
      // One successful selection per market: the scenario's execution, or an operator's restart of a failed one.
      const selectionArn = rt.model.stateMachines.find((s) => s.name.endsWith('selection-step-fn'))!.arn;
      for (const market of marketDocs) {
        const runs = rt.stepFunctions.all().filter((e) => {
          const input = JSON.parse(e.input) as { campaignId?: string; marketId?: string };
          return e.stateMachineArn === selectionArn && input.campaignId === campaignId && input.marketId === market.id;
        });
        check(
          `selection of ${market.name} succeeded`,
          runs.filter((e) => e.status === 'SUCCEEDED').length === 1,
          runs.map((e) => `${e.status}${e.error ? ` (${e.error}: ${e.cause})` : ''} by ${e.startedBy}`).join(', '),
        );
      }
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await ddb.send(new ScanCommand({ TableName: rt.demandTableName, ExclusiveStartKey: startKey }));
        for (const item of page.Items ?? []) {
          items.set(`${item.PK}|${item.SK}`, item);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);

      // Replication: each registration held once by Entry Service, its flag cleared.
      const upserts = new Map<string, number>();
      for (const r of fakes.entries.requests.filter((q) => q.path === '/v2/entries' && q.method === 'POST')) {
        for (const e of ((r.body as { entries?: { userId: string }[] })?.entries ?? [])) {
          upserts.set(e.userId, (upserts.get(e.userId) ?? 0) + 1);
        }
      }
      const held = eligible.filter((f) => fakes.entries.entries.has(`${campaignId}:${f.userId}`)).length;
      const repeated = eligible.filter((f) => (upserts.get(f.userId) ?? 0) > 1).length;
      const flagged = eligible.filter((f) => entryOf(f)?.needsReplication !== false).length;
      check(
        'every entry replicated once',
        held === eligible.length && flagged === 0 && (repeatsAllowed || repeated === 0),
        `${held}/${eligible.length} in Entry Service, ${flagged} still flagged, ${repeated} sent more than once${repeatsAllowed ? ' (repeats allowed: faults or an operator resent records)' : ''}`,
      );
      check('refused registrations were never written', ineligible.every((r) => !items.has(`e:${campaignId}|entry#${r.split(':')[0]}`)), `${ineligible.length} refused`);

      // Selection: every winner exactly one code per market, the same in Entry Service, the table and Code Service.
      const finalScoring = fakes.entries.scoring(campaignId);
      const allCodes: string[] = [];
      const problems: string[] = [];
      const winners = new Map<string, FakeScoringRecord[]>();
      for (const market of marketDocs) {
        const won = finalScoring.filter((r) => (r.codes ?? []).some((c) => c.marketId === market.id));
        winners.set(market.id, won);
        if (won.length !== selectionCounts.get(market.id)) {
          problems.push(`${market.name}: ${won.length} winners, expected ${selectionCounts.get(market.id)}`);
        }
        for (const r of won) {
          const codes = (r.codes ?? []).filter((c) => c.marketId === market.id).map((c) => c.id);
          const tableCodes = ((items.get(`e:${campaignId}|entry#${r.globalUserId}`)?.codes as { id: string; marketId: string }[] | undefined) ?? [])
            .filter((c) => c.marketId === market.id)
            .map((c) => c.id);
          if (codes.length !== 1 || tableCodes.length !== 1 || codes[0] !== tableCodes[0]) {
            problems.push(`${r.globalUserId} in ${market.name}: Entry Service ${JSON.stringify(codes)}, table ${JSON.stringify(tableCodes)}`);
          }
          if (fakes.codes.statusOf(campaignId, codes[0]) !== 'assigned') {
            problems.push(`code ${codes[0]} is ${fakes.codes.statusOf(campaignId, codes[0])} in Code Service`);
          }
          allCodes.push(...codes);
        }
      }
      if (new Set(allCodes).size !== allCodes.length) {
        problems.push('a code was given to more than one fan');
      }
      const totalWinners = [...winners.values()].reduce((n, w) => n + w.length, 0);
      check('every winner has exactly one code per market won', problems.length === 0, problems.slice(0, 5).join('; ') || `${totalWinners} winning places, ${allCodes.length} codes, all assigned in Code Service`);
      const refreshed = fakes.entries.requests
        .slice(assignmentsBefore)
        .filter((q) => q.path === `/${campaignId}/entries/codes`)
        .reduce((n, q) => n + (Array.isArray(q.body) ? q.body.length : 0), 0);
      check(`refresh re-sent ${refreshMarket.name}'s assignments`, refreshed >= (winners.get(refreshMarket.id)?.length ?? 0), `${refreshed} assignments re-sent for ${winners.get(refreshMarket.id)?.length ?? 0} winners`);

      // Users and score retries.
      const users = eligible.filter((f) => fakes.users.users.has(f.globalUserId)).length;
      check('every registered fan upserted in User Service', users === eligible.length, `${users}/${eligible.length}`);
      const retried = eligible.filter((_, i) => i % 10 === 0);
      const rescored = retried.filter((f) => (fakes.entries.refreshed.get(`${campaignId}:${f.userId}`) ?? 0) > 0).length;
      check('every score retry refreshed', rescored === retried.length, `${rescored}/${retried.length}`);

      // Reminders: one per winner with a US number, every market marked notified; the email export asked for.
      const expectedReminders = marketDocs.flatMap((m) => (winners.get(m.id) ?? []).filter((r) => (r.phone ?? '').startsWith('+1')).map((r) => reminderKey(r.globalUserId, campaignId, m.id)));
      let found = 0;
      for (let i = 0; i < expectedReminders.length; i += 100) {
        const out = await ddb.send(new BatchGetCommand({ RequestItems: { [rt.demandTableName]: { Keys: expectedReminders.slice(i, i + 100) } } }));
        found += out.Responses?.[rt.demandTableName]?.length ?? 0;
      }
      const reminderItems = [...items.values()].filter((it) => String(it.SK).startsWith(`asu#${campaignId}-`)).length;
      const notified = await marketsCollection.countDocuments({ campaign_id: campaignId, 'date.notified': { $type: 'string' } });
      check(
        'one SMS reminder per winner with a US number',
        found === expectedReminders.length && reminderItems === expectedReminders.length && notified === marketDocs.length,
        `${found}/${expectedReminders.length} reminders (${reminderItems} written), ${notified}/${marketDocs.length} markets notified`,
      );
      const exported = [...fakes.exports.exports.values()].filter((e) => e.campaignId === campaignId && e.exportType === config.notifications.reminderExportType).length;
      check('reminder email export requested', exported >= 1, `${exported} ${config.notifications.reminderExportType} export(s)`);

      // Kafka: the five topics hold what went in. Every write of an entry passes the pipe (its
      // insert, the flag clear, one verdict per market won) and becomes a distinct registration
      // record; its registeredMarket records do not change between writes, so consumers see
      // repeats of one dedupe id per fan and market.
      const won = (f: Fan) => {
        const assigned = entryOf(f)?.assignedMarkets;
        return assigned instanceof Set ? assigned.size : Array.isArray(assigned) ? assigned.length : 0;
      };
      const chosen = (f: Fan) => ((entryOf(f)?.fields as { markets?: string[] } | undefined)?.markets ?? []).length;
      const writes = (f: Fan) => 2 + won(f);
      const sum = (value: (f: Fan) => number) => eligible.reduce((n, f) => n + value(f), 0);
      const expected: Record<string, { total: number; distinct: number }> = {
        campaign: { total: 1, distinct: 1 },
        market: { total: marketDocs.length, distinct: marketDocs.length },
        eventMapping: { total: marketDocs.length, distinct: marketDocs.length },
        registration: { total: sum(writes), distinct: sum(writes) },
        registeredMarket: { total: sum((f) => writes(f) * chosen(f)), distinct: sum(chosen) },
      };
      const counted = await countKafka(rt, config, campaignId, expected, 60_000);

      // Form fields reach Entry Service and Kafka as the fans typed them, emoji included.
      const noted = eligible.filter((f) => f.note);
      const noteOf = (fields: unknown) => (fields as { note?: unknown } | undefined)?.note;
      const garbled = noted.filter(
        (f) =>
          noteOf(fakes.entries.entries.get(`${campaignId}:${f.userId}`)?.fields) !== f.note ||
          !counted.registration.values.some((r) => r.globalUserId === f.globalUserId && noteOf(JSON.parse(r.fields ?? '{}')) === f.note),
      );
      check(
        'form fields with emoji reach Entry Service and Kafka intact',
        noted.length > 0 && garbled.length === 0,
        `${noted.length - garbled.length}/${noted.length} notes intact${garbled.length ? `; not: ${garbled.slice(0, 5).map((f) => f.globalUserId).join(', ')}` : ''}`,
      );
      for (const [type, want] of Object.entries(expected)) {
        const { total, distinct } = counted[type];
        check(
          `Kafka topic ${config.kafka.topics[type as keyof Config['kafka']['topics']]} holds the ${type} records`,
          distinct === want.distinct && (repeatsAllowed ? total >= want.total : total === want.total),
          `${total} messages (expected ${want.total}${repeatsAllowed ? ' or more' : ''}), ${distinct} distinct (expected ${want.distinct})`,
        );
      }

    });

    // 7. Fans change their minds: one deletes the registration, another drops a market. The pipe
    // passes the REMOVE and the whole MODIFY, so Kafka gets the deletion and the retraction.
    await phase('changes', 'a fan deletes the registration, another drops a market', async () => {
      const entries = eligible.map((f) => ({ fan: f, markets: marketsOf(entryOf(f)) })).filter((e) => e.markets.length > 0);
      const [deleted, ...others] = entries;
      const dropper = others.sort((a, b) => b.markets.length - a.markets.length)[0];
      if (!deleted || !dropper) {
        check('deletions and dropped markets reach Kafka', false, `needs two registrations with markets, found ${entries.length}`);
        return;
      }
      const dropped = dropper.markets[dropper.markets.length - 1];
      const now = iso();
      await ddb.send(new DeleteCommand({ TableName: rt.demandTableName, Key: entryKey(campaignId, deleted.fan.globalUserId) }));
      await ddb.send(
        new UpdateCommand({
          TableName: rt.demandTableName,
          Key: entryKey(campaignId, dropper.fan.globalUserId),
          UpdateExpression: 'SET #f.#m = :markets, #d.#u = :now, #d.#fm = :now',
          ExpressionAttributeNames: { '#f': 'fields', '#m': 'markets', '#d': 'date', '#u': 'updated', '#fm': 'fanModified' },
          ExpressionAttributeValues: { ':markets': dropper.markets.slice(0, -1), ':now': now },
        }),
      );
      await settle('the deletion and the changed registration');
      const isFor = (globalUserId: string) => (r: KafkaValue) => r.globalUserId === globalUserId && r.isDeleted === true;
      const retractions = (byType: Record<string, KafkaValue[]>) => ({
        registration: byType.registration.filter(isFor(deleted.fan.globalUserId)).length,
        deletedMarkets: new Set(byType.registeredMarket.filter(isFor(deleted.fan.globalUserId)).map((r) => r.marketId)).size,
        droppedMarket: byType.registeredMarket.filter((r) => isFor(dropper.fan.globalUserId)(r) && r.marketId === dropped),
      });
      const seen = retractions(
        await readKafka(rt, config, campaignId, 60_000, (byType) => {
          const r = retractions(byType);
          return r.registration > 0 && r.deletedMarkets === deleted.markets.length && r.droppedMarket.length > 0;
        }),
      );
      const rank = dropper.markets.length;
      check(
        'a deleted registration reaches Kafka with isDeleted, with its registeredMarkets retracted',
        seen.registration > 0 && seen.deletedMarkets === deleted.markets.length,
        `${seen.registration} deleted registration record(s), ${seen.deletedMarkets}/${deleted.markets.length} registeredMarkets retracted`,
      );
      check(
        'a market dropped from a registration is retracted on Kafka with its old rank',
        seen.droppedMarket.some((r) => r.rank === rank),
        `${seen.droppedMarket.length} retraction(s) of ${dropped}, ranks ${JSON.stringify(seen.droppedMarket.map((r) => r.rank))} (expected ${rank})`,
      );
    });

    await phase('dead-letters', 'checking dead-letter queues', async () => {
      // Dead-letter queues stay empty unless faults were injected.
      const dlqs = new Set([
        ...rt.model.queues.flatMap((q) => (q.redrive ? [q.redrive.deadLetterTargetArn] : [])),
        ...rt.model.mappings.flatMap((m) => (m.kind === 'stream' && m.onFailureDestinationArn ? [m.onFailureDestinationArn] : [])),
        ...rt.model.pipes.flatMap((p) => (p.deadLetterArn ? [p.deadLetterArn] : [])),
      ]);
      const dead: string[] = [];
      for (const arn of dlqs) {
        const depth = await rt.queueDepth(arn);
        if (depth > 0) {
          dead.push(`${arn.split(':').pop()}: ${depth}`);
        }
      }
      check('no dead-lettered message', options.faults || dead.length === 0, dead.join(', ') || 'all dead-letter queues empty');
    });

    const stages = await rt.stages();
    const eligibility = stages.find((s) => s.stage === 'checkEligibility');
    if (eligibility) {
      eligibility.rejected = ineligible.length;
      eligibility.processed = eligible.length;
    }
    await rt.tracing?.flush();
    return { ok: invariants.every((i) => i.ok), campaignId, stages, invariants, phases, traces };
  } finally {
    await mongo.close();
    ddb.destroy();
  }
}

/** Once sendData is publishing, freezes the Kafka broker for `ms`, then lets it answer again. */
async function kafkaOutage(rt: LocalRuntime, ms: number, log: (line: string) => void): Promise<void> {
  const sendData = rt.functionOf('sendData').name;
  while (rt.host.stats(sendData).invocations === 0) {
    await sleep(100);
  }
  log(`  fault: Kafka broker stops answering for ${ms / 1000} s`);
  await rt.components.kafka.pause?.();
  await sleep(ms);
  await rt.components.kafka.resume?.();
  log('  fault: Kafka broker answers again');
}

/**
 * The campaign's messages per data type in the five topics, read from the beginning until
 * `enough` holds for what was read (then a moment more, so duplicates right behind are read
 * too) or `timeoutMs` passed.
 */
async function readKafka(
  rt: LocalRuntime,
  config: Config,
  campaignId: string,
  timeoutMs: number,
  enough: (byType: Record<string, KafkaValue[]>) => boolean,
): Promise<Record<string, KafkaValue[]>> {
  const typeOfTopic = new Map(Object.entries(config.kafka.topics).map(([type, topic]) => [topic, type]));
  const byType: Record<string, KafkaValue[]> = Object.fromEntries([...typeOfTopic.values()].map((t) => [t, []]));
  const kafka = new Kafka({ brokers: rt.components.kafka.brokers, clientId: 'local-scenario', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `local-scenario-${campaignId}-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...typeOfTopic.keys()], fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      let finishing = false;
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
          const value = JSON.parse(message.value?.toString('utf8') ?? '{}') as KafkaValue;
          const type = typeOfTopic.get(topic);
          if (!type || value.campaignId !== campaignId) {
            return;
          }
          byType[type].push(value);
          if (!finishing && enough(byType)) {
            finishing = true;
            clearTimeout(timer);
            setTimeout(resolve, 1000);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return byType;
}

/** Messages of the campaign per data type in the five topics: total, distinct (by dedupe id) and the values. */
async function countKafka(
  rt: LocalRuntime,
  config: Config,
  campaignId: string,
  expected: Record<string, { total: number }>,
  timeoutMs: number,
): Promise<Record<string, { total: number; distinct: number; values: KafkaValue[] }>> {
  const byType = await readKafka(rt, config, campaignId, timeoutMs, (read) =>
    Object.entries(expected).every(([t, want]) => read[t].length >= want.total),
  );
  return Object.fromEntries(
    Object.keys(expected).map((t) => [
      t,
      { total: byType[t].length, distinct: new Set(byType[t].map((v) => v.dedupe?.id ?? randomBytes(8).toString('hex'))).size, values: byType[t] },
    ]),
  );
}
