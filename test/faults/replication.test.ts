/**
 * Fault matrix, replication stack: enqueueEntries (stream → save-entries), saveEntries (save-entries
 * → Entry Service + needsReplication clear), retryScore (retry-score → Entry Service refresh).
 * Each worker runs through its real trigger adapter with its real parse and logic, on DynamoDB
 * Local, fauxqs, the Entry Service fake and the Secrets Manager emulator.
 */
import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { entryKey } from '../../src/shared/aws/keys';
import { memoryLogger } from '../doubles/runtime';
import { kinesisEvent, sqsEvent } from '../doubles/runtime';
import { sqsBatchHandler } from '../../src/shared/runtime/sqs';
import { streamBatchHandler } from '../../src/shared/runtime/stream';
import { enqueueEntries } from '../../src/workers/replication/enqueueEntries/enqueueEntries';
import { parseRetryScoreMessage, retryScores } from '../../src/workers/replication/retryScore/retryScore';
import { parseSaveEntryMessage } from '../../src/workers/replication/saveEntries/message';
import { saveEntries } from '../../src/workers/replication/saveEntries/saveEntries';
import { uniqueName } from '../../tools/local/emulators/names';
import type { LocalTable } from './aws';
import { changeRecord, localQueue, localTable, messagingClients } from './aws';
import type { BadRecord, BatchRun, CellTest, Effects } from './cells';
import { batchCell, hostileBatchCell, normalize, runSuite } from './cells';
import type { HttpFailure, ServiceWorld, Services } from './faults';
import {
  closedPortUrl,
  dynamoThrottled,
  failBatchEntries,
  failCalls,
  requestThrottled,
  startServiceWorld,
  LOCAL_AWS,
} from './faults';

const log = memoryLogger('faults');
const FANS = ['f1', 'f2', 'f3'];
const T1 = '2026-05-01T10:00:00.000Z';
const HTTP: HttpFailure[] = ['5xx', '429', 'timeout', 'connection refused', 'connection dropped'];

let world: ServiceWorld;
let db: LocalTable;
let messaging: ReturnType<typeof messagingClients>;

beforeAll(async () => {
  [world, db] = await Promise.all([startServiceWorld(log), localTable('faults-replication')]);
  messaging = messagingClients();
});
afterAll(async () => {
  await world?.stop();
  db?.destroy();
  messaging?.sqs.destroy();
  messaging?.sns.destroy();
});

const registration = (campaignId: string, fan: string) => ({
  ...entryKey(campaignId, fan),
  type: 'registration',
  campaignId,
  globalUserId: fan,
  email: `${fan}@example.com`,
  fields: { markets: ['m1'], allow_marketing: true },
  needsReplication: true,
  date: { created: T1, updated: T1, fanModified: T1 },
});

// ------------------------------------------------------------------------------------------
// enqueueEntries

function enqueueScenario() {
  const scenario = async (ns: string) => {
    const queue = await localQueue(messaging.sqs, 'faults-save-entries');
    const campaignId = `c-${ns}`;
    const records: BatchRun<KinesisStreamEvent> = {
      event: kinesisEvent(FANS.map((f) => changeRecord('INSERT', db.name, { newItem: registration(campaignId, f) }))),
      keys: FANS,
    };
    const collected: string[] = [];
    const observe = async (): Promise<Effects> => {
      collected.push(...(await queue.drain()).map((m) => m.body));
      const effects: Effects = {};
      for (const body of collected) {
        const fan = (JSON.parse(body) as { newItem: { globalUserId: string } }).newItem.globalUserId;
        (effects[fan] ??= []).push(normalize(JSON.parse(body), ns));
      }
      return effects;
    };
    const run = (client: SQSClient) => (event: KinesisStreamEvent) =>
      streamBatchHandler({
        worker: 'enqueueEntries',
        log,
        process: (changes, ctx) =>
          enqueueEntries(changes, {
            sendBatch: (input) => client.send(new SendMessageBatchCommand(input)),
            queueUrl: queue.url,
            batchSize: 10,
            log: ctx.log,
          }),
      })(event);
    return { queue, records, observe, run };
  };
  let baseline: Effects;
  const cellWith = async (inject: () => () => void, affected: string[], faultyClient?: () => Promise<SQSClient>) => {
    const s = await scenario(uniqueName('enq'));
    const faulty = faultyClient ? await faultyClient() : messaging.sqs;
    try {
      return await batchCell({
        records: s.records,
        run: (event, isFaulty) => s.run(isFaulty ? faulty : messaging.sqs)(event),
        inject: async () => inject(),
        affected,
        observe: s.observe,
        baseline,
      });
    } finally {
      if (faulty !== messaging.sqs) {
        faulty.destroy();
      }
    }
  };
  beforeAll(async () => {
    const base = await scenario(uniqueName('enq-base'));
    expect((await base.run(messaging.sqs)(base.records.event)).batchItemFailures).toEqual([]);
    baseline = await base.observe();
    expect(Object.keys(baseline).sort()).toEqual(FANS);
  });
  const fanOf = (entry: Record<string, unknown>) => JSON.parse(String(entry.MessageBody)).newItem.globalUserId;
  /** The valid changes with `bad` records among them, run once: they must be rejected alone. */
  const hostileCell = async (
    bad: (
      campaignId: string,
      valid: KinesisStreamEvent['Records'],
    ) => {
      records: unknown[];
      expected: BadRecord[];
    },
  ) => {
    const ns = uniqueName('enq-hostile');
    const s = await scenario(ns);
    const { records, expected } = bad(`c-${ns}`, s.records.event.Records);
    return hostileBatchCell({
      worker: 'enqueueEntries',
      log,
      event: { Records: records } as KinesisStreamEvent,
      run: s.run(messaging.sqs),
      observe: s.observe,
      baseline,
      bad: expected,
    });
  };
  /** A change of fan f4's registration, as its stream record (sequence number 2000). */
  const f4Change = (campaignId: string, fields: Record<string, unknown> = {}) =>
    kinesisEvent([changeRecord('INSERT', db.name, { newItem: { ...registration(campaignId, 'f4'), ...fields } })], 2000)
      .Records[0];
  return {
    'enqueueEntries × Lambda event (Kinesis) × null and a record with an empty sequenceNumber among valid records':
      () =>
        hostileCell((campaignId, [f1, f2, f3]) => {
          const unnumbered = f4Change(campaignId);
          unnumbered.kinesis.sequenceNumber = '';
          return {
            records: [f1, null, f2, unnumbered, f3],
            expected: [
              { index: 1, reason: /record is null/ },
              { index: 3, reason: /no kinesis\.sequenceNumber/ },
            ],
          };
        }),
    'enqueueEntries × DynamoDB stream × a registration number beyond 2^53': () =>
      hostileCell((campaignId, [f1, f2, f3]) => {
        const f4 = registration(campaignId, 'f4');
        const huge = f4Change(campaignId, { fields: { ...f4.fields, loyaltyNumber: 12345678901234567890n } });
        return {
          records: [f1, huge, f2, f3],
          expected: [{ id: huge.kinesis.sequenceNumber, reason: /cannot carry exactly.*12345678901234567890/ }],
        };
      }),
    'enqueueEntries × SQS × SendMessageBatch `Failed` entries': () =>
      cellWith(() => failBatchEntries(messaging.sqs, 'SendMessageBatchCommand', (e) => fanOf(e) === 'f1'), ['f1']),
    'enqueueEntries × SQS × throttling': () =>
      cellWith(() => failCalls(messaging.sqs, 'SendMessageBatchCommand', requestThrottled), FANS),
    'enqueueEntries × SQS × connection refused': () =>
      cellWith(
        () => () => undefined,
        FANS,
        async () => new SQSClient({ ...LOCAL_AWS, endpoint: await closedPortUrl(), maxAttempts: 2 }),
      ),
  } satisfies Record<string, CellTest>;
}

// ------------------------------------------------------------------------------------------
// saveEntries

function saveEntriesScenario() {
  const fake = () => world.fakes.entries;
  const setup = async (ns: string): Promise<{ records: BatchRun<SQSEvent>; observe: () => Promise<Effects> }> => {
    const campaignId = `c-${ns}`;
    const items = FANS.map((f) => registration(campaignId, f));
    await Promise.all(items.map((Item) => db.client.send(new PutCommand({ TableName: db.name, Item }))));
    const event = sqsEvent(
      items.map((newItem) => ({ operation: 'INSERT', newItem })),
      { ids: FANS.map((f) => `m-${f}`) },
    );
    const observe = async (): Promise<Effects> => {
      const effects: Effects = {};
      for (const fan of FANS) {
        const replicated = fake().entries.get(`${campaignId}:${fan}`);
        const item = await db.table.get(entryKey(campaignId, fan), true);
        effects[fan] = [normalize({ replicated: replicated ?? null, needsReplication: item?.needsReplication }, ns)];
      }
      return effects;
    };
    return { records: { event, keys: FANS }, observe };
  };
  const handler = (services: Services, table = db.table) =>
    sqsBatchHandler({
      worker: 'saveEntries',
      log,
      parse: parseSaveEntryMessage,
      process: (messages, ctx) =>
        saveEntries(messages, { table, entries: services.entries, batchSize: 25, log: ctx.log }),
    });
  let baseline: Effects;
  beforeAll(async () => {
    const base = await setup(uniqueName('save-base'));
    expect((await handler(world.services)(base.records.event)).batchItemFailures).toEqual([]);
    baseline = await base.observe();
  });
  const cellWith = async (
    fault: () => Promise<{ services?: Services; table?: LocalTable['table']; clear(): Promise<void> | void }>,
    affected: string[],
  ) => {
    const s = await setup(uniqueName('save'));
    let injected: Awaited<ReturnType<typeof fault>> | undefined;
    return batchCell({
      records: s.records,
      inject: async () => {
        injected = await fault();
        return () => injected!.clear();
      },
      run: (event, faulty) =>
        faulty
          ? handler(injected?.services ?? world.services, injected?.table ?? db.table)(event)
          : handler(world.services)(event),
      affected,
      observe: s.observe,
      baseline,
    });
  };
  const keyIs = (fan: string) => (input: Record<string, unknown>) =>
    (input.Key as { SK?: string } | undefined)?.SK === `entry#${fan}`;
  const tests: Record<string, CellTest> = {
    'saveEntries × Entry Service × partial failure response (`failed` ids)': () =>
      cellWith(async () => {
        fake().failUsers(['f2']);
        return { clear: () => fake().clearFailures() };
      }, ['f2']),
    'saveEntries × DynamoDB × throttling (staleness read of one entry)': () =>
      cellWith(async () => ({ clear: failCalls(db.client, 'GetItemCommand', dynamoThrottled, keyIs('f2')) }), ['f2']),
    'saveEntries × DynamoDB × throttling (needsReplication clear of one entry)': () =>
      cellWith(
        async () => ({ clear: failCalls(db.client, 'UpdateItemCommand', dynamoThrottled, keyIs('f2')) }),
        ['f2'],
      ),
    'saveEntries × DynamoDB × connection refused': () =>
      cellWith(async () => ({ table: await db.refused(), clear: () => undefined }), FANS),
    'saveEntries × Secrets Manager (service JWT key) × unavailable at cold start': () =>
      cellWith(async () => world.secretsOutage(), FANS),
  };
  for (const failure of HTTP) {
    tests[`saveEntries × Entry Service × ${failure}`] = () =>
      cellWith(() => world.inject('entries', failure, /^\/v2\/entries$/), FANS);
  }
  return tests;
}

// ------------------------------------------------------------------------------------------
// retryScore

function retryScoreScenario() {
  const fake = () => world.fakes.entries;
  const setup = (ns: string) => {
    const campaignId = `c-${ns}`;
    // Entry Service can only refresh entries it holds.
    FANS.forEach((f) => fake().entries.set(`${campaignId}:${f}`, { campaignId, userId: f }));
    const event = sqsEvent(
      FANS.map((userId) => ({ campaignId, userId })),
      { ids: FANS.map((f) => `m-${f}`) },
    );
    const observe = async (): Promise<Effects> =>
      Object.fromEntries(FANS.map((f) => [f, [(fake().refreshed.get(`${campaignId}:${f}`) ?? 0) > 0]]));
    return { records: { event, keys: FANS }, observe };
  };
  const handler = (services: Services) =>
    sqsBatchHandler({
      worker: 'retryScore',
      log,
      parse: parseRetryScoreMessage,
      process: (messages, ctx) => retryScores(messages, { entries: services.entries, batchSize: 25, log: ctx.log }),
    });
  let baseline: Effects;
  beforeAll(async () => {
    const base = setup(uniqueName('score-base'));
    expect((await handler(world.services)(base.records.event)).batchItemFailures).toEqual([]);
    baseline = await base.observe();
    expect(baseline).toEqual({ f1: [true], f2: [true], f3: [true] });
  });
  const cellWith = async (
    fault: () => Promise<{ services?: Services; clear(): Promise<void> | void }>,
    affected: string[],
  ) => {
    const s = setup(uniqueName('score'));
    let injected: Awaited<ReturnType<typeof fault>> | undefined;
    return batchCell({
      records: s.records,
      inject: async () => {
        injected = await fault();
        return () => injected!.clear();
      },
      run: (event, faulty) => handler(faulty ? (injected?.services ?? world.services) : world.services)(event),
      affected,
      observe: s.observe,
      baseline,
    });
  };
  const tests: Record<string, CellTest> = {
    'retryScore × Entry Service × partial failure response (`failed` ids)': () =>
      cellWith(async () => {
        fake().failUsers(['f3']);
        return { clear: () => fake().clearFailures() };
      }, ['f3']),
    'retryScore × Secrets Manager (service JWT key) × unavailable at cold start': () =>
      cellWith(async () => world.secretsOutage(), FANS),
  };
  for (const failure of HTTP) {
    tests[`retryScore × Entry Service × ${failure}`] = () =>
      cellWith(() => world.inject('entries', failure, /^\/v2\/refreshScores$/), FANS);
  }
  return tests;
}

runSuite('replication', { ...enqueueScenario(), ...saveEntriesScenario(), ...retryScoreScenario() });
