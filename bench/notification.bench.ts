/**
 * notificationGenerator for one market of 15,000 selected fans (notifications.pageSize, one
 * page) against the local components: the in-process MongoDB wire server (campaign, market,
 * scoring) and DynamoDB Local (the demand table). getMarketsToNotify runs in process.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MongoClient, ObjectId } from 'mongodb';
import { createDemandTable as demandTableRepository } from '../src/shared/aws/demandTable';
import { getConfig } from '../src/shared/config';
import { silentLogger } from '../src/shared/runtime/logger';
import { createMarketStore } from '../src/workers/notification/shared/store';
import { getMarketsToNotify } from '../src/workers/notification/getMarketsToNotify/getMarketsToNotify';
import { generateNotifications } from '../src/workers/notification/notificationGenerator/notificationGenerator';
import type { GeneratorDeps } from '../src/workers/notification/notificationGenerator/notificationGenerator';
import { createDemandTable, localDynamoDbClient } from '../tools/local/emulators/dynamodb';
import { uniqueName } from '../tools/local/emulators/names';
import { startMongoServer } from '../tools/local/emulators/mongo';
import type { BenchContext, BenchRow } from '../tools/bench/types';

const FANS = 15_000;
const HOUR = 3_600_000;

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Measures one generation run over 15,000 fans, and a rerun that finds every reminder present. */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const endpoint = ctx.env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    throw new Error('DYNAMODB_ENDPOINT is not set: the bench runner starts DynamoDB Local and publishes it');
  }
  const settings = getConfig().notifications;
  const mongo = await startMongoServer({ useExisting: false });
  const client = await new MongoClient(mongo.uri).connect();
  const dynamo = localDynamoDbClient(endpoint);
  try {
    const tableName = uniqueName('bench-notification');
    await createDemandTable(endpoint, tableName);
    const table = demandTableRepository(DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }), tableName);
    const db = client.db('campaigns');
    const store = createMarketStore({ campaigns: db.collection('campaigns'), markets: db.collection('markets') });
    const scoring = client.db('entries').collection('scoring');

    const now = new Date();
    const [campaignId, marketId] = [new ObjectId(), new ObjectId()].map((id) => id.toHexString());
    ctx.progress(`seeding ${FANS} fans`);
    await db.collection('campaigns').insertOne({ _id: new ObjectId(campaignId), status: 'CLOSED', artist: { name: 'The Band' }, locales: [{ id: 'en-US', is_default: true }], options: { automatedReminders: true } });
    const market = {
      _id: new ObjectId(marketId),
      campaign_id: campaignId,
      timezone: 'America/New_York',
      date: { notification: new Date(now.getTime() - 60_000).toISOString() },
      event: { name: 'World Tour', date: '2026-07-18', presaleDateTime: new Date(now.getTime() + HOUR).toISOString(), ids: ['ev1'], link: 'https://tm.example/e/1' },
    };
    await db.collection('markets').insertOne(market);
    const locales = ['en-US', 'es-MX', 'fr-CA', undefined];
    await scoring.insertMany(
      Array.from({ length: FANS }, (_, n) => ({
        campaign_id: campaignId,
        globalUserId: `g${String(n).padStart(6, '0')}`,
        verdict: true,
        phone: `+1555${String(n).padStart(7, '0')}`,
        email: `fan${n}@example.com`,
        locale: locales[n % locales.length],
        marketIds: [marketId],
        codes: [{ id: `CODE${n}`, marketId }],
      })),
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
    await db.collection('markets').updateOne({ _id: market._id }, { $unset: { 'date.notified': '', notificationCursor: '' } });
    ctx.progress('rerunning over existing reminders');
    const rerunStarted = performance.now();
    const rerun = await generateNotifications(deps);
    const rerunSeconds = (performance.now() - rerunStarted) / 1000;
    if (rerun.existingCount !== FANS || rerun.writtenCount !== 0) {
      throw new Error(`rerun should find every reminder: ${JSON.stringify({ ...rerun, markets: undefined })}`);
    }

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
    ];
  } finally {
    await client.close();
    await mongo.stop();
    dynamo.destroy();
  }
}
