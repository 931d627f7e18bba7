/**
 * The AWS actions the workers' code really calls are granted to them. Each worker that talks to
 * AWS runs its real handler once on a normal input, against the local components, with its
 * secrets read from Secrets Manager as in AWS; a middleware on the shared SDK clients records
 * every call with the worker it was made for. Each recorded action must be in the worker's row
 * of test/infra/iamExpectations.ts, which test/infra/registryContract.test.ts holds equal to the
 * Terraform.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { MiddlewareStack } from '@smithy/types';
import { MongoClient } from 'mongodb';
import {
  dynamoDocumentClient,
  lambdaClient,
  resetAwsClients,
  secretsClient,
  snsClient,
  sqsClient,
} from '../../src/shared/aws/clients';
import { entryKey, inviteKey } from '../../src/shared/aws/keys';
import { resetConfigCache } from '../../src/shared/config';
import { closeSharedMongoClient } from '../../src/shared/mongo/client';
import { currentContext } from '../../src/shared/runtime/context';
import { kinesisEvent, sqsEvent } from '../doubles/runtime';
import { resetWiring } from '../../src/shared/wiring/memo';
import { handler as processData } from '../../src/workers/dataPipeline/processData';
import { handler as getMarketsToNotify } from '../../src/workers/notification/getMarketsToNotify';
import { handler as notificationGenerator } from '../../src/workers/notification/notificationGenerator';
import { handler as checkEligibility } from '../../src/workers/registration/checkEligibility';
import { handler as enqueueEntries } from '../../src/workers/replication/enqueueEntries';
import { handler as saveEntries } from '../../src/workers/replication/saveEntries';
import { handler as enqueueMarketSelections } from '../../src/workers/selection/enqueueMarketSelections';
import { handler as refreshSelections } from '../../src/workers/selection/refreshSelections';
import { handler as saveSelections } from '../../src/workers/selection/saveSelections';
import { IAM_EXPECTATIONS } from '../infra/iamExpectations';
import type { LocalSecretsManager } from '../../tools/local/secretsManager';
import { startSecretsManager } from '../../tools/local/secretsManager';
import { uniqueName } from '../../tools/local/emulators/names';
import { setEnv } from '../harness/env';
import type { BadInputWorld } from '../bad-input/world';
import { startBadInputWorld } from '../bad-input/world';
import { changeRecord, localQueue, messagingClients } from '../faults/aws';

const NS = uniqueName('sec-iam');
const CAMPAIGN = `c-${NS}`;
const NOW = Date.now();
const iso = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();
const userIdOf = (n: number) => n.toString().padStart(24, '0');

/** IAM action of an SDK command (the batch APIs are authorised by their single-message actions). */
const ACTIONS: Record<string, string> = {
  SendMessageBatch: 'sqs:SendMessage',
  ChangeMessageVisibilityBatch: 'sqs:ChangeMessageVisibility',
  PublishBatch: 'sns:Publish',
  Invoke: 'lambda:InvokeFunction',
};
const PREFIX: Record<string, string> = {
  DynamoDBClient: 'dynamodb',
  SQSClient: 'sqs',
  SNSClient: 'sns',
  SecretsManagerClient: 'secretsmanager',
  LambdaClient: 'lambda',
};

const calls: { worker: string; action: string }[] = [];
let world: BadInputWorld;
let secrets: LocalSecretsManager;
let lambda: ReturnType<typeof createServer>;
let restoreEnv: () => void = () => undefined;

/** Records every call of the shared SDK clients (the ones the wiring hands the workers). */
function record(): void {
  const clients = [dynamoDocumentClient(), sqsClient(), snsClient(), secretsClient(), lambdaClient()] as unknown as {
    middlewareStack: MiddlewareStack<object, object>;
  }[];
  for (const client of clients) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = String(context.commandName).replace(/Command$/, '');
        calls.push({
          worker: currentContext()?.worker ?? '(none)',
          action: ACTIONS[command] ?? `${PREFIX[String(context.clientName)]}:${command}`,
        });
        return next(args);
      },
      { step: 'initialize', name: 'iamUsageRecorder' },
    );
  }
}

beforeAll(async () => {
  world = await startBadInputWorld('sec-iam', NS);
  secrets = await startSecretsManager();
  // Secrets as in AWS: the service JWT key and the MongoDB URI come from Secrets Manager.
  secrets.put('service-jwt', String(process.env.SERVICE_JWT_PRIVATE_KEY));
  secrets.put('mongo-uri', world.mongo.uri);
  // getMarketsToNotify behind a Lambda Invoke endpoint, as notificationGenerator reaches it.
  lambda = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const out = await getMarketsToNotify(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
  const reporter = await localQueue(messagingClients().sqs, 'sec-iam-verdict-reporter');
  restoreEnv = setEnv({
    SERVICE_JWT_PRIVATE_KEY: undefined,
    MONGODB_URI: undefined,
    SERVICE_JWT_SECRET_ID: 'service-jwt',
    MONGO_URI_SECRET_ID: 'mongo-uri',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`,
    GET_MARKETS_TO_NOTIFY_FUNCTION_NAME: 'getMarketsToNotify',
    VERDICT_REPORTER_QUEUE_URL: reporter.url,
  });
  resetConfigCache();
  resetWiring();
  resetAwsClients();
  await closeSharedMongoClient();
  record();
  await seed();
});

afterAll(async () => {
  restoreEnv();
  await closeSharedMongoClient();
  resetWiring();
  await new Promise<void>((resolve) => lambda?.close(() => resolve()));
  await secrets?.stop();
  await world?.stop();
});

/** A campaign with one invite-only market, three selected fans with codes, and a market due for reminders. */
async function seed(): Promise<void> {
  const { fakes, db } = world;
  const mongo = await new MongoClient(world.mongo.uri).connect();
  try {
    await mongo
      .db('campaigns')
      .collection('campaigns')
      .insertOne({
        id: CAMPAIGN,
        slug: `s-${NS}`,
        status: 'OPEN',
        artist: { name: 'Zoë' },
        locales: [{ id: 'en-US', is_default: true }],
        options: { gate: { inviteOnly: 'email' } },
        preferences: [],
      });
    await mongo
      .db('campaigns')
      .collection('markets')
      .insertOne({
        id: 'm1',
        campaign_id: CAMPAIGN,
        timezone: 'America/New_York',
        date: { notification: iso(-10) },
        event: {
          name: 'Live',
          date: '2030-06-20',
          presaleDateTime: iso(60),
          link: 'https://tm.example/e1',
          ids: ['E1'],
        },
      });
    await mongo
      .db('entries')
      .collection('scoring')
      .insertOne({
        campaign_id: CAMPAIGN,
        globalUserId: 'g1',
        verdict: true,
        phone: '+15550000001',
        codes: [{ id: 'OLD-1', marketId: 'm1' }],
      });
  } finally {
    await mongo.close();
  }
  const market = { id: 'm1', campaign_id: CAMPAIGN, event: { ids: ['E1'], ticketer: 'AXS', presaleDateTime: iso(60) } };
  fakes.campaigns.seedCampaign({ id: CAMPAIGN, markets: [market] });
  fakes.entries.seedScoring(
    CAMPAIGN,
    [1, 2, 3].map((n) => ({
      userId: userIdOf(n),
      globalUserId: `g${n}`,
      verdict: true,
      score: 10 - n,
      marketIds: ['m1'],
      codes: n === 1 ? [{ id: 'OLD-1', marketId: 'm1' }] : [],
    })),
  );
  fakes.codes.seedCodes(CAMPAIGN, 'external', ['C-1', 'C-2', 'C-3', 'C-4']);
  await Promise.all(
    [
      registrationItem('g1'),
      registrationItem('g2'),
      registrationItem('g3'),
      { ...inviteKey(CAMPAIGN, 'email', 'fan@example.com'), type: 'invite' },
    ].map((Item) => db.client.send(new PutCommand({ TableName: db.name, Item }))),
  );
}

const registrationItem = (fan: string) => ({
  ...entryKey(CAMPAIGN, fan),
  type: 'registration',
  campaignId: CAMPAIGN,
  globalUserId: fan,
  needsReplication: true,
  date: { created: iso(-60), updated: iso(-60), fanModified: iso(-60) },
});

/** A normal run of each worker that calls AWS, with what it must have done. */
const RUNS: Record<string, () => Promise<unknown>> = {
  checkEligibility: async () =>
    expect(
      await checkEligibility({
        arguments: {
          input: { slug: `s-${NS}`, entry: {}, userInfo: { email: 'fan@example.com', globalUserId: 'g9' } },
        },
      }),
    ).toMatchObject({ isEligible: true }),
  enqueueEntries: async () =>
    expect(
      await enqueueEntries(kinesisEvent([changeRecord('INSERT', world.db.name, { newItem: registrationItem('g2') })])),
    ).toEqual({
      batchItemFailures: [],
    }),
  saveEntries: async () =>
    expect(await saveEntries(sqsEvent([{ operation: 'INSERT', newItem: registrationItem('g2') }]))).toEqual({
      batchItemFailures: [],
    }),
  enqueueMarketSelections: async () =>
    expect(await enqueueMarketSelections({ campaignId: CAMPAIGN, marketId: 'm1', dateId: 'd1' })).toMatchObject({
      done: true,
    }),
  saveSelections: async () =>
    expect(
      await saveSelections(
        sqsEvent([
          {
            type: 'selection',
            campaignId: CAMPAIGN,
            marketId: 'm1',
            globalUserId: 'g3',
            userId: userIdOf(3),
            eventIds: ['E1'],
            code: 'C-3',
            date: { created: iso(0) },
          },
        ]),
      ),
    ).toEqual({ batchItemFailures: [] }),
  refreshSelections: async () =>
    expect(await refreshSelections(sqsEvent([{ campaignId: CAMPAIGN, marketId: 'm1' }]))).toEqual({
      batchItemFailures: [],
    }),
  processData: async () =>
    expect(await processData(sqsEvent([{ type: 'campaign', data: { id: CAMPAIGN, name: 'n' } }]))).toEqual({
      batchItemFailures: [],
    }),
  notificationGenerator: async () =>
    expect(await notificationGenerator({ time: iso(0) })).toMatchObject({ notifiedCount: 1, writtenCount: 1 }),
};

describe('AWS actions the code calls are granted', () => {
  it.each(Object.keys(RUNS))('%s', async (worker) => {
    const from = calls.length;
    await RUNS[worker]();
    const used = [
      ...new Set(
        calls
          .slice(from)
          .filter((c) => c.worker === worker)
          .map((c) => c.action),
      ),
    ].sort();
    expect(used.length).toBeGreaterThan(0);
    const granted = new Set(IAM_EXPECTATIONS[worker].flatMap((g) => g.actions));
    expect({ worker, notGranted: used.filter((a) => !granted.has(a)) }).toEqual({ worker, notGranted: [] });
  });

  it('saw every call made for a worker inside an invocation', () => {
    expect(calls.filter((c) => c.worker === '(none)')).toEqual([]);
  });
});
