/**
 * notificationGenerator for one market of 15,000 selected fans (notifications.pageSize, one
 * page) against the local components: the in-process MongoDB wire server (campaign, market,
 * scoring) and DynamoDB Local (the demand table). getMarketsToNotify runs in process.
 * Then the worker against the bare clients doing its work (issue 31), rounds alternating on a
 * market of 3,000 fans: the worker's run beside the same page read with the bare MongoDB driver
 * and the same conditional PutItems with the bare DynamoDBDocumentClient, into fresh keys.
 * Then scale (issue 32): a market of 150,000 fans (ten pages, ten scheduled runs) against one of
 * 15,000, each run in a fresh child process: time per 15,000 fans and peak RSS per run.
 */
import type { DynamoDBDocumentClient as DocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Collection, Db, Document } from 'mongodb';
import { MongoClient, ObjectId } from 'mongodb';
import { createDemandTable as demandTableRepository } from '../src/shared/aws/demandTable';
import { reminderKey } from '../src/shared/aws/keys';
import { getConfig } from '../src/shared/config';
import { mapLimit } from '../src/shared/util/mapLimit';
import { silentLogger } from '../src/shared/runtime/logger';
import { createMarketStore } from '../src/workers/notification/shared/store';
import { getMarketsToNotify } from '../src/workers/notification/getMarketsToNotify/getMarketsToNotify';
import { generateNotifications } from '../src/workers/notification/notificationGenerator/notificationGenerator';
import type { GeneratorDeps } from '../src/workers/notification/notificationGenerator/notificationGenerator';
import { createDemandTable, localDynamoDbClient, startDynamoDb } from '../tools/local/emulators/dynamodb';
import { uniqueName } from '../tools/local/emulators/names';
import { startMongoServer } from '../tools/local/emulators/mongo';
import { buildChild, childJob, childResult, measured, profileArgs, runChild } from '../tools/bench/child';
import { SCALE_TARGETS, median } from '../tools/bench/stats';
import type { BenchContext, BenchRow } from '../tools/bench/types';

const FANS = 15_000;
const HOUR = 3_600_000;
/** The market of the worker-against-bare-clients pair, and its rounds (each one worker run and one bare run). */
const PAIR_FANS = 3_000;
const PAIR_ROUNDS = 5;
/** The scaling check: markets of one page and of ten pages (notifications.pageSize fans a page). */
const SCALE_SMALL = 15_000;
const SCALE_BIG = 150_000;
/** writeReminders' puts in flight (CONCURRENCY in src/workers/notification/notificationGenerator/writer.ts). */
const PUTS_IN_FLIGHT = 32;

/** A CLOSED campaign with automated reminders, as the notification workers look for. */
const closedCampaign = (campaignId: string) => ({
  _id: new ObjectId(campaignId),
  status: 'CLOSED',
  artist: { name: 'The Band' },
  locales: [{ id: 'en-US', is_default: true }],
  options: { automatedReminders: true },
});

/** A market of the campaign due for reminders at `now`: notification time a minute ago, presale in an hour. */
const dueMarket = (marketId: string, campaignId: string, now: Date) => ({
  _id: new ObjectId(marketId),
  campaign_id: campaignId,
  timezone: 'America/New_York',
  date: { notification: new Date(now.getTime() - 60_000).toISOString() },
  event: {
    name: 'World Tour',
    date: '2026-07-18',
    presaleDateTime: new Date(now.getTime() + HOUR).toISOString(),
    ids: ['ev1'],
    link: 'https://tm.example/e/1',
  },
});

/**
 * Entry Service scoring records of `count` selected fans of a campaign (ids `<prefix>000000`…),
 * each with a US phone number and a code for every market of `marketIds`.
 */
const selectedFans = (
  campaignId: string,
  count: number,
  marketIds: string[],
  fan: { prefix: string; phone: string; locale: (n: number) => string | undefined },
) =>
  Array.from({ length: count }, (_, n) => ({
    campaign_id: campaignId,
    globalUserId: `${fan.prefix}${String(n).padStart(6, '0')}`,
    verdict: true,
    phone: `${fan.phone}${String(n).padStart(7, '0')}`,
    email: `${fan.prefix}${n}@example.com`,
    locale: fan.locale(n),
    marketIds,
    codes: marketIds.map((marketId, m) => ({ id: `${fan.prefix.toUpperCase()}${n}M${m}`, marketId })),
  }));

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Measures one generation run over 15,000 fans, and a rerun that finds every reminder present. */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  // A DynamoDB Local of its own: after its 48,000 conditional writes the shared one answered the
  // modules after this one 10x slower, even with this table deleted.
  const dynamoDbLocal = await startDynamoDb({ useExisting: false });
  const endpoint = dynamoDbLocal.endpoint;
  const settings = getConfig().notifications;
  const mongo = await startMongoServer({ useExisting: false });
  const client = await new MongoClient(mongo.uri).connect();
  const dynamo = localDynamoDbClient(endpoint);
  const tableName = uniqueName('bench-notification');
  try {
    await createDemandTable(endpoint, tableName);
    const table = demandTableRepository(
      DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
      tableName,
    );
    const db = client.db('campaigns');
    const store = createMarketStore({ campaigns: db.collection('campaigns'), markets: db.collection('markets') });
    const scoring = client.db('entries').collection('scoring');

    const now = new Date();
    const [campaignId, marketId] = [new ObjectId(), new ObjectId()].map((id) => id.toHexString());
    ctx.progress(`seeding ${FANS} fans`);
    await db.collection('campaigns').insertOne(closedCampaign(campaignId));
    const market = dueMarket(marketId, campaignId, now);
    await db.collection('markets').insertOne(market);
    const locales = ['en-US', 'es-MX', 'fr-CA', undefined];
    await scoring.insertMany(
      selectedFans(campaignId, FANS, [marketId], { prefix: 'g', phone: '+1555', locale: (n) => locales[n % 4] }),
    );

    const deps: GeneratorDeps = {
      getMarketsToNotify: (input) => getMarketsToNotify(input, { store, settings, now: () => now, log: silentLogger }),
      store,
      scoring,
      table,
      settings,
      now: () => now,
      remainingTimeMs: () => Number.POSITIVE_INFINITY,
      log: silentLogger,
    };
    ctx.progress('generating');
    const rssBeforeMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
    const started = performance.now();
    const first = await generateNotifications(deps);
    const firstSeconds = (performance.now() - started) / 1000;
    const rss = peakRssMb();
    if (first.writtenCount !== FANS) {
      throw new Error(`expected ${FANS} reminders written, got ${JSON.stringify({ ...first, markets: undefined })}`);
    }

    // As after a partial failure: the market is due again from its first fan and every reminder exists.
    await db
      .collection('markets')
      .updateOne({ _id: market._id }, { $unset: { 'date.notified': '', notificationCursor: '' } });
    ctx.progress('rerunning over existing reminders');
    const rerunStarted = performance.now();
    const rerun = await generateNotifications(deps);
    const rerunSeconds = (performance.now() - rerunStarted) / 1000;
    if (rerun.existingCount !== FANS || rerun.writtenCount !== 0) {
      throw new Error(`rerun should find every reminder: ${JSON.stringify({ ...rerun, markets: undefined })}`);
    }

    // The rerun's full page left the market in progress (one more, empty, page would mark it): marked
    // here, so the pair's runs find only their own market due.
    await db.collection('markets').updateOne({ _id: market._id }, { $set: { 'date.notified': now.toISOString() } });
    const pair = await workerAgainstBareClients(ctx, { db, scoring, doc: table.client, tableName, deps, now });
    const scale = await scaling(ctx, { db, scoring, mongoUri: mongo.uri, now });

    return [
      {
        name: `notificationGenerator, one market of ${FANS.toLocaleString('en-US')} fans (read page, one conditional put per fan)`,
        value: Number(firstSeconds.toFixed(2)),
        unit: 's',
        target: '< 20 s (30 s function timeout less the 10 s reserve)',
        notes: `${Math.round(FANS / firstSeconds)} reminders/s; DynamoDB Local and the in-process MongoDB wire server are slower than the AWS services`,
      },
      {
        name: 'notificationGenerator peak RSS (process, including the in-process MongoDB server holding the fans)',
        value: rss,
        unit: 'MB',
        target: '< 256 MB (function memory)',
        notes: `${rssBeforeMb} MB before the run, with the seeded MongoDB server in the same process`,
      },
      {
        name: `notificationGenerator rerun, ${FANS.toLocaleString('en-US')} reminders already present (every put finds its reminder)`,
        value: Number(rerunSeconds.toFixed(2)),
        unit: 's',
        target: '< 20 s',
      },
      pair,
      ...scale,
    ];
  } finally {
    await client.close();
    await mongo.stop();
    dynamo.destroy();
    await dynamoDbLocal.stop();
  }
}

interface PairSetup {
  db: Db;
  scoring: Collection<Document>;
  doc: DocumentClient;
  tableName: string;
  deps: GeneratorDeps;
  now: Date;
}

/**
 * The bare clients doing the generator's work for one market: winnerPage's query (same filter,
 * projection, sort and limit) with the bare driver, then one PutItem per fan with the reminder's
 * item shape and `attribute_not_exists(PK)`, PUTS_IN_FLIGHT at once. Returns the reminders written.
 */
async function bareReminders(
  setup: PairSetup,
  campaignId: string,
  marketId: string,
  facts: { body: (code: string) => string; presaleDateTime: string; createdAt: string },
): Promise<number> {
  const page = await setup.scoring
    .find(
      {
        campaign_id: { $in: [campaignId, new ObjectId(campaignId)] },
        verdict: true,
        'codes.marketId': marketId,
        $or: [{ phone: /^\+1/ }, { 'phone.number': /^\+1/ }],
        globalUserId: { $gt: '' },
      },
      {
        projection: { _id: 0, globalUserId: 1, phone: 1, email: 1, locale: 1, codes: 1 },
        sort: { globalUserId: 1 },
        limit: setup.deps.settings.pageSize,
      },
    )
    .toArray();
  let written = 0;
  await mapLimit(page, PUTS_IN_FLIGHT, async (fan) => {
    const code = (fan.codes as { id: string; marketId: string }[]).find((c) => c.marketId === marketId)!.id;
    await setup.doc.send(
      new PutCommand({
        TableName: setup.tableName,
        Item: {
          ...reminderKey(String(fan.globalUserId), campaignId, marketId),
          type: 'notification',
          notificationType: 'reminder',
          contactMethod: 'sms',
          status: 'CREATED',
          sendAttempts: 0,
          errors: [],
          eventId: 'ev1',
          phoneNumber: fan.phone,
          email: fan.email,
          code,
          campaignId,
          marketId,
          globalUserId: fan.globalUserId,
          locale: fan.locale ?? 'en-US',
          presaleDateTime: facts.presaleDateTime,
          messageBody: facts.body(code),
          date: { created: facts.createdAt },
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    written += 1;
  });
  return written;
}

/**
 * notificationGenerator against the bare client calls doing the same work, in the same run: a
 * campaign of PAIR_FANS selected fans, each with a code for 2 × PAIR_ROUNDS markets; each round
 * the worker generates one market's reminders and the bare clients another's (fresh keys, so
 * every condition passes on both sides), in alternating order, and the medians are compared.
 */
async function workerAgainstBareClients(ctx: BenchContext, setup: PairSetup): Promise<BenchRow> {
  const { db, scoring, deps, now } = setup;
  const campaignId = new ObjectId().toHexString();
  const marketIds = Array.from({ length: 2 * PAIR_ROUNDS }, () => new ObjectId().toHexString());
  // The presale of every dueMarket, which the bare side writes into its reminders.
  const presaleDateTime = new Date(now.getTime() + HOUR).toISOString();
  ctx.progress(`worker against bare clients: seeding ${PAIR_FANS} fans with codes for ${marketIds.length} markets`);
  await db.collection('campaigns').insertOne(closedCampaign(campaignId));
  await scoring.insertMany(
    selectedFans(campaignId, PAIR_FANS, marketIds, {
      prefix: 'p',
      phone: '+1556',
      locale: (n) => (n % 2 === 0 ? 'en-US' : undefined),
    }),
  );
  const facts = {
    presaleDateTime,
    createdAt: now.toISOString(),
    body: (code: string) =>
      `The Band presale reminder: World Tour on Sat, Jul 18, 2026. Presale starts 2:00 PM (EDT). Your code: ${code}. https://tm.example/e/1`,
  };

  const workerRates: number[] = [];
  const bareRates: number[] = [];
  const runWorker = async (marketId: string) => {
    await db.collection('markets').insertOne(dueMarket(marketId, campaignId, now));
    const started = performance.now();
    const result = await generateNotifications(deps);
    const seconds = (performance.now() - started) / 1000;
    const outcome = result.markets[0];
    if (
      result.markets.length !== 1 ||
      outcome.marketId !== marketId ||
      outcome.status !== 'notified' ||
      outcome.written !== PAIR_FANS
    ) {
      throw new Error(
        `worker: expected ${PAIR_FANS} reminders written for market ${marketId}, got ${JSON.stringify(result)}`,
      );
    }
    workerRates.push(PAIR_FANS / seconds);
  };
  const runBare = async (marketId: string) => {
    const started = performance.now();
    const written = await bareReminders(setup, campaignId, marketId, facts);
    const seconds = (performance.now() - started) / 1000;
    if (written !== PAIR_FANS) {
      throw new Error(`bare clients: expected ${PAIR_FANS} reminders written for market ${marketId}, got ${written}`);
    }
    bareRates.push(PAIR_FANS / seconds);
  };
  for (let round = 0; round < PAIR_ROUNDS; round++) {
    ctx.progress(`worker against bare clients: round ${round + 1}/${PAIR_ROUNDS}`);
    const [workerMarket, bareMarket] = [marketIds[2 * round], marketIds[2 * round + 1]];
    // Alternating which side goes first, so neither always meets the table a little fuller.
    if (round % 2 === 0) {
      await runWorker(workerMarket);
      await runBare(bareMarket);
    } else {
      await runBare(bareMarket);
      await runWorker(workerMarket);
    }
  }
  const fans = PAIR_FANS.toLocaleString('en-US');
  return {
    name: `notificationGenerator, market of ${fans} fans: reminders/s`,
    value: Math.round(median(workerRates)),
    unit: 'reminders/s',
    baseline: {
      name: 'bare MongoDB page read + conditional PutItem per fan (same concurrency)',
      value: Math.round(median(bareRates)),
    },
    summary: { atLeast: 0.7 },
    notes:
      `median of ${PAIR_ROUNDS} alternating rounds, each into a fresh market (every put's condition passes). ` +
      `Worker: the whole run (getMarketsToNotify in process, market and campaign reads, winnerPage, building and rendering each reminder, ` +
      `writeReminders with ${PUTS_IN_FLIGHT} conditional puts in flight, marking the market). Bare: the same find (filter, projection, sort, limit) ` +
      `with the mongodb driver, then one PutCommand per fan (same item shape, attribute_not_exists(PK)), ${PUTS_IN_FLIGHT} in flight. ` +
      `Both checked to have written all ${fans} reminders. Rates per round: worker ${workerRates.map(Math.round).join(', ')}; bare ${bareRates.map(Math.round).join(', ')}`,
  };
}

/** What a child run of the generator gets: where the components are, and the clock. */
interface GeneratorJob {
  mongoUri: string;
  endpoint: string;
  tableName: string;
  now: string;
  marketId: string;
}

interface GeneratorRun {
  ms: number;
  peakRssMb: number;
  written: number;
  status: string;
}

/** The child's side: one scheduled run of notificationGenerator, as its Lambda would make it. */
export async function generatorChild(): Promise<void> {
  const job = childJob<GeneratorJob>();
  const now = new Date(job.now);
  const settings = getConfig().notifications;
  const client = await new MongoClient(job.mongoUri).connect();
  const dynamo = localDynamoDbClient(job.endpoint);
  try {
    const db = client.db('campaigns');
    const store = createMarketStore({ campaigns: db.collection('campaigns'), markets: db.collection('markets') });
    const deps: GeneratorDeps = {
      getMarketsToNotify: (input) => getMarketsToNotify(input, { store, settings, now: () => now, log: silentLogger }),
      store,
      scoring: client.db('entries').collection('scoring'),
      table: demandTableRepository(
        DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
        job.tableName,
      ),
      settings,
      now: () => now,
      remainingTimeMs: () => Number.POSITIVE_INFINITY,
      log: silentLogger,
    };
    const { result, ms, peakRssMb } = await measured(() => generateNotifications(deps));
    const outcome = result.markets.find((m) => m.marketId === job.marketId);
    if (result.markets.length !== 1 || !outcome) {
      throw new Error(`expected market ${job.marketId} alone to be due: ${JSON.stringify(result.markets)}`);
    }
    childResult({ ms, peakRssMb, written: outcome.written, status: outcome.status } satisfies GeneratorRun);
  } finally {
    await client.close();
    dynamo.destroy();
  }
}

interface ScaleSetup {
  db: Db;
  scoring: Collection<Document>;
  mongoUri: string;
  now: Date;
}

/**
 * A market of SCALE_BIG fans against markets of SCALE_SMALL (before and after it): the scheduled
 * runs of each, every one in a fresh child process, until the market is notified. Each market's
 * fans leave MongoDB afterwards. Each run writes into a DynamoDB Local of its own: DynamoDB
 * Local slows down with the writes it has taken (a page of 15,000 puts took 20 s on a fresh one
 * and over 6 minutes after about 75,000 writes, tables deleted or not), which DynamoDB does not;
 * the runs write different fans, so a fresh table changes nothing of the worker's work.
 */
async function scaling(ctx: BenchContext, setup: ScaleSetup): Promise<BenchRow[]> {
  const { db, scoring, now } = setup;
  const childFile = await buildChild(process.cwd(), 'notification', 'bench/notification.bench', 'generatorChild');
  let children = 0;
  const market = async (fans: number) => {
    const [campaignId, marketId] = [new ObjectId(), new ObjectId()].map((id) => id.toHexString());
    const tableName = uniqueName('bench-notification-scale');
    ctx.progress(`scale: seeding a market of ${fans.toLocaleString('en-US')} fans`);
    await db.collection('campaigns').insertOne(closedCampaign(campaignId));
    for (let from = 0; from < fans; from += 50_000) {
      const part = selectedFans(campaignId, Math.min(fans, from + 50_000), [marketId], {
        prefix: 's',
        phone: '+1557',
        locale: () => 'en-US',
      }).slice(from);
      await scoring.insertMany(part);
    }
    await db.collection('markets').insertOne(dueMarket(marketId, campaignId, now));
    const runs: GeneratorRun[] = [];
    const job = { mongoUri: setup.mongoUri, tableName, now: now.toISOString(), marketId };
    try {
      ctx.progress(`scale: ${fans.toLocaleString('en-US')} fans`);
      do {
        const name = `notificationGenerator-${fans}-${++children}`;
        const dynamoDbLocal = await startDynamoDb({ useExisting: false });
        try {
          await createDemandTable(dynamoDbLocal.endpoint, tableName);
          const args = profileArgs(ctx.cpuProfile ? ctx.profileDir : undefined, name);
          runs.push(
            await runChild<GeneratorRun>(
              childFile,
              { ...job, endpoint: dynamoDbLocal.endpoint } satisfies GeneratorJob,
              args,
            ),
          );
        } finally {
          await dynamoDbLocal.stop();
        }
        if (runs.length > fans / SCALE_SMALL + 2 || runs.at(-1)!.status === 'failed') {
          throw new Error(`market of ${fans} fans not notified after ${runs.length} runs: ${JSON.stringify(runs)}`);
        }
      } while (runs.at(-1)!.status !== 'notified');
      const written = runs.reduce((sum, r) => sum + r.written, 0);
      if (written !== fans) {
        throw new Error(`market of ${fans} fans: ${written} reminders written`);
      }
    } finally {
      await scoring.deleteMany({ campaign_id: campaignId });
    }
    return { fans, runs };
  };
  type Market = Awaited<ReturnType<typeof market>>;
  const seconds = (m: Market) => m.runs.reduce((sum, r) => sum + r.ms, 0) / 1000;
  const perPage = (m: Market) => seconds(m) / (m.fans / SCALE_SMALL);
  const peak = (m: Market) => Math.max(...m.runs.map((r) => r.peakRssMb));
  const small = [await market(SCALE_SMALL)];
  const big = await market(SCALE_BIG);
  small.push(await market(SCALE_SMALL));
  const smallNote = `markets of ${SCALE_SMALL.toLocaleString('en-US')} fans (before and after): ${small.map((m) => `${seconds(m).toFixed(1)} s in ${m.runs.length} runs`).join(', ')}; the median is the baseline`;
  return [
    {
      name: `notificationGenerator, ${SCALE_BIG.toLocaleString('en-US')}-fan market: time per ${SCALE_SMALL.toLocaleString('en-US')} fans`,
      value: perPage(big),
      unit: 's',
      baseline: { name: `${SCALE_SMALL.toLocaleString('en-US')}-fan market`, value: median(small.map(perPage)) },
      summary: { atMost: SCALE_TARGETS.timePerSlice },
      notes: `${big.runs.length} scheduled runs, seconds each: ${big.runs.map((r) => (r.ms / 1000).toFixed(1)).join(', ')}. Baseline: ${smallNote}`,
    },
    {
      name: `notificationGenerator, ${SCALE_BIG.toLocaleString('en-US')}-fan market: peak RSS per run`,
      value: peak(big),
      unit: 'MB',
      baseline: { name: `${SCALE_SMALL.toLocaleString('en-US')}-fan market`, value: median(small.map(peak)) },
      summary: { atMost: SCALE_TARGETS.peakRss },
      target: '< 256 MB (function memory)',
      notes: `each run (MB): ${big.runs.map((r) => Math.round(r.peakRssMb)).join(', ')}`,
    },
  ];
}
