/**
 * Fault matrix, selection stack: enqueueMarketSelections (Step Functions task), saveSelections
 * (save-selection → Entry Service codes + verdicts), refreshSelections (refresh-selection →
 * save-selection) and markAssignedCodes (stream → Code Service). Workers run through their real
 * trigger adapters on DynamoDB Local, fauxqs and the service fakes.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../../src/shared/config/load';
import type { DemandTable } from '../../src/shared/aws/demandTable';
import { entryKey } from '../../src/shared/aws/keys';
import { invokeHandler } from '../../src/shared/runtime/direct';
import { sqsBatchHandler } from '../../src/shared/runtime/sqs';
import { streamBatchHandler } from '../../src/shared/runtime/stream';
import { kinesisEvent, memoryLogger, sqsEvent } from '../doubles/runtime';
import { enqueueMarketSelections } from '../../src/workers/selection/enqueueMarketSelections/enqueueMarketSelections';
import type { EnqueueResult } from '../../src/workers/selection/enqueueMarketSelections/enqueueMarketSelections';
import { parseSelectionRequest } from '../../src/workers/selection/enqueueMarketSelections/input';
import { markAssignedCodes } from '../../src/workers/selection/markAssignedCodes/markAssignedCodes';
import type { EntryImage } from '../../src/workers/selection/markAssignedCodes/markAssignedCodes';
import { parseSaveSelectionMessage } from '../../src/workers/selection/shared/messages';
import { createQueueSender } from '../../src/workers/selection/shared/queueSender';
import {
  parseRefreshRequest,
  refreshSelections,
} from '../../src/workers/selection/refreshSelections/refreshSelections';
import { saveSelections } from '../../src/workers/selection/saveSelections/saveSelections';
import { createVerdictStore } from '../../src/workers/selection/saveSelections/verdicts';
import { uniqueName } from '../../tools/local/emulators/names';
import type { LocalTable } from './aws';
import { changeRecord, localQueue, localTable, messagingClients } from './aws';
import type { BatchRun, CellTest, Effects } from './cells';
import { batchCell, expectInvocationFailed, normalize, runSuite } from './cells';
import type { HttpFailure, ServiceWorld, Services } from './faults';
import {
  closedPortUrl,
  dynamoThrottled,
  failBatchEntries,
  failCalls,
  leaveKeysUnprocessed,
  startServiceWorld,
  LOCAL_AWS,
} from './faults';

const log = memoryLogger('faults');
const HTTP: HttpFailure[] = ['5xx', '429', 'timeout', 'connection refused', 'connection dropped'];
const NOW = new Date('2026-06-01T12:00:00.000Z');
const PRESALE = '2026-07-01T15:00:00.000Z';
const userIdOf = (n: number) => n.toString().padStart(24, '0');

let world: ServiceWorld;
let db: LocalTable;
let messaging: ReturnType<typeof messagingClients>;

beforeAll(async () => {
  [world, db] = await Promise.all([startServiceWorld(log), localTable('faults-selection')]);
  messaging = messagingClients();
});
afterAll(async () => {
  await world?.stop();
  db?.destroy();
  messaging?.sqs.destroy();
  messaging?.sns.destroy();
});

/** A selected-market world for `fans` fans of campaign `c-<ns>`: market m1 (and m2), scoring, entries, codes. */
async function seedCampaign(ns: string, fans: number, options: { codes?: number; selectedIn?: string[] } = {}) {
  const campaignId = `c-${ns}`;
  const market = (id: string) => ({
    id,
    campaign_id: campaignId,
    event: { ids: [`E-${id}`], ticketer: 'AXS', presaleDateTime: PRESALE },
  });
  world.fakes.campaigns.seedCampaign({ id: campaignId, markets: [market('m1'), market('m2')] });
  const numbers = Array.from({ length: fans }, (_, i) => i + 1);
  world.fakes.entries.seedScoring(
    campaignId,
    numbers.map((n) => ({
      userId: userIdOf(n),
      globalUserId: `g${n}`,
      verdict: true,
      score: 100 - n,
      marketIds: ['m1', 'm2'],
      codes: (options.selectedIn ?? []).map((marketId) => ({ id: `OLD-${marketId}-${n}`, marketId })),
    })),
  );
  world.fakes.codes.seedCodes(
    campaignId,
    'external',
    Array.from({ length: options.codes ?? 0 }, (_, i) => `CODE-${i + 1}`),
  );
  await Promise.all(
    numbers.map((n) =>
      db.client.send(
        new PutCommand({
          TableName: db.name,
          Item: { ...entryKey(campaignId, `g${n}`), type: 'registration', campaignId, globalUserId: `g${n}` },
        }),
      ),
    ),
  );
  return { campaignId, numbers };
}

/** What a fan holds for market m1: codes in Entry Service, the verdict on the entry. */
async function fanState(campaignId: string, n: number, marketId = 'm1') {
  const scoring = world.fakes.entries.scoring(campaignId).find((r) => r.userId === userIdOf(n));
  const item = await db.table.get(entryKey(campaignId, `g${n}`), true);
  const assigned = item?.assignedMarkets;
  return {
    entryServiceCodes: (scoring?.codes ?? []).filter((c) => c.marketId === marketId).length,
    verdict: item?.verdict ?? null,
    tableCodes: ((item?.codes as { marketId: string }[] | undefined) ?? []).filter((c) => c.marketId === marketId)
      .length,
    assignedMarkets: assigned instanceof Set ? [...assigned].sort() : [],
  };
}

const saveSelectionsHandler = (
  services: Services,
  table: DemandTable = db.table,
  reporter?: { client: SQSClient; url: string },
) =>
  sqsBatchHandler({
    worker: 'saveSelections',
    log,
    parse: parseSaveSelectionMessage,
    process: (messages, ctx) =>
      saveSelections(messages, {
        entries: services.entries,
        codes: services.codes,
        verdicts: createVerdictStore(table),
        verdictReporter:
          reporter && createQueueSender({ client: reporter.client, queueUrl: reporter.url, maxEntries: 10 }),
        chunkSize: 25,
        log: ctx.log,
        now: () => NOW,
      }),
  });

// ------------------------------------------------------------------------------------------
// saveSelections

function saveSelectionsCells(): Record<string, CellTest> {
  const FANS = ['f1', 'f2', 'f3'];
  const setup = async (ns: string) => {
    const { campaignId, numbers } = await seedCampaign(ns, 3);
    const messages = numbers.map((n) => ({
      type: 'selection',
      campaignId,
      marketId: 'm1',
      globalUserId: `g${n}`,
      userId: userIdOf(n),
      eventIds: ['E-m1'],
      code: `CODE-${n}`,
      date: { created: NOW.toISOString(), start: PRESALE },
    }));
    const observe = async (): Promise<Effects> =>
      Object.fromEntries(await Promise.all(numbers.map(async (n) => [`f${n}`, [await fanState(campaignId, n)]])));
    return {
      campaignId,
      records: { event: sqsEvent(messages, { ids: FANS.map((f) => `m-${f}`) }), keys: FANS },
      observe,
    };
  };
  let baseline: Effects;
  beforeAll(async () => {
    const base = await setup(uniqueName('ss-base'));
    expect((await saveSelectionsHandler(world.services)(base.records.event)).batchItemFailures).toEqual([]);
    baseline = await base.observe();
    expect(baseline.f1).toEqual([{ entryServiceCodes: 1, verdict: true, tableCodes: 1, assignedMarkets: ['m1'] }]);
  });
  const cellWith = async (
    fault: (campaignId: string) => Promise<{ services?: Services; table?: DemandTable; clear(): Promise<void> | void }>,
    affected: string[],
  ) => {
    const s = await setup(uniqueName('ss'));
    let injected: Awaited<ReturnType<typeof fault>> | undefined;
    return batchCell({
      records: s.records,
      inject: async () => {
        injected = await fault(s.campaignId);
        return () => injected!.clear();
      },
      run: (event, faulty) =>
        faulty
          ? saveSelectionsHandler(injected?.services ?? world.services, injected?.table ?? db.table)(event)
          : saveSelectionsHandler(world.services)(event),
      affected,
      observe: s.observe,
      baseline,
    });
  };
  const isFan = (n: number) => (input: Record<string, unknown>) =>
    (input.Key as { SK?: string } | undefined)?.SK === `entry#g${n}`;
  const tests: Record<string, CellTest> = {
    'saveSelections × Entry Service × partial failure response (`failed` ids)': () =>
      cellWith(async () => {
        world.fakes.entries.failUsers([userIdOf(2)]);
        return { clear: () => world.fakes.entries.clearFailures() };
      }, ['f2']),
    // One key left unprocessed through every BatchGet retry fails the read, so every selection of the batch.
    'saveSelections × DynamoDB × UnprocessedKeys (entry pre-read)': () =>
      cellWith(async () => ({ clear: leaveKeysUnprocessed(db.client, (key) => key.SK === 'entry#g2') }), FANS),
    'saveSelections × DynamoDB × throttling (verdict update of one fan)': () =>
      cellWith(async () => ({ clear: failCalls(db.client, 'UpdateItemCommand', dynamoThrottled, isFan(2)) }), ['f2']),
    // The claim comes before Entry Service: a fan whose claim failed gets no code anywhere, and is retried.
    'saveSelections × DynamoDB × throttling (code claim of one fan)': () =>
      cellWith(
        async () => ({
          clear: failCalls(
            db.client,
            'PutItemCommand',
            dynamoThrottled,
            (input) => (input.Item as { SK?: string } | undefined)?.SK === 'claim#m1#g2',
          ),
        }),
        ['f2'],
      ),
    'saveSelections × DynamoDB × connection refused': () =>
      cellWith(async () => ({ table: await db.refused(), clear: () => undefined }), FANS),
    'saveSelections × Secrets Manager (service JWT key) × unavailable at cold start': () =>
      cellWith(async () => world.secretsOutage(), FANS),
    'saveSelections × SQS (verdict reporter) × SendMessageBatch `Failed` entries': async () => {
      const s = await setup(uniqueName('ss'));
      const reporter = await localQueue(messaging.sqs, 'faults-verdict-reporter');
      const clear = failBatchEntries(messaging.sqs, 'SendMessageBatchCommand', () => true);
      let response;
      try {
        response = await saveSelectionsHandler(world.services, db.table, { client: messaging.sqs, url: reporter.url })(
          s.records.event,
        );
      } finally {
        clear();
      }
      expect(response.batchItemFailures).toEqual([]);
      expect(await s.observe()).toEqual(baseline);
      expect(await reporter.drain()).toEqual([]);
      expect(log.lines.some((l) => l.message === 'verdict counts not reported')).toBe(true);
      return 'logged';
    },
  };
  for (const failure of HTTP) {
    tests[`saveSelections × Entry Service × ${failure}`] = () =>
      cellWith(() => world.inject('entries', failure, /\/entries\/codes$/), FANS);
  }
  return tests;
}

// ------------------------------------------------------------------------------------------
// refreshSelections

function refreshSelectionsCells(): Record<string, CellTest> {
  const MARKETS = ['m1', 'm2'];
  const setup = async (ns: string) => {
    const { campaignId } = await seedCampaign(ns, 2, { selectedIn: MARKETS });
    const queue = await localQueue(messaging.sqs, 'faults-save-selection');
    const collected: string[] = [];
    const observe = async (): Promise<Effects> => {
      collected.push(...(await queue.drain()).map((m) => m.body));
      const effects: Effects = {};
      for (const body of collected) {
        const message = JSON.parse(body) as { marketId: string };
        (effects[message.marketId] ??= []).push(normalize(message, ns));
      }
      return effects;
    };
    const event = sqsEvent(
      MARKETS.map((marketId) => ({ campaignId, marketId })),
      { ids: MARKETS.map((m) => `m-${m}`) },
    );
    return { campaignId, queue, observe, records: { event, keys: MARKETS } as BatchRun<SQSEvent> };
  };
  const handler = (services: Services, queueUrl: string, sqs: SQSClient = messaging.sqs) =>
    sqsBatchHandler({
      worker: 'refreshSelections',
      log,
      parse: parseRefreshRequest,
      process: (messages, ctx) =>
        refreshSelections(messages, {
          campaigns: services.campaigns,
          entries: services.entries,
          saveSelectionQueue: createQueueSender({ client: sqs, queueUrl, maxEntries: 10 }),
          // No deadline here (no remainingTimeMs), so a market never continues in a new message.
          refreshSelectionQueue: createQueueSender({ client: sqs, queueUrl, maxEntries: 10 }),
          pageSize: 10,
          log: ctx.log,
          now: () => NOW,
        }),
    });
  let baseline: Effects;
  beforeAll(async () => {
    const base = await setup(uniqueName('rs-base'));
    expect((await handler(world.services, base.queue.url)(base.records.event)).batchItemFailures).toEqual([]);
    baseline = await base.observe();
    expect(baseline.m1).toHaveLength(2);
  });
  const cellWith = async (
    fault: (campaignId: string) => Promise<{ services?: Services; sqs?: SQSClient; clear(): Promise<void> | void }>,
    affected: string[],
  ) => {
    const s = await setup(uniqueName('rs'));
    let injected: Awaited<ReturnType<typeof fault>> | undefined;
    try {
      return await batchCell({
        records: s.records,
        inject: async () => {
          injected = await fault(s.campaignId);
          return () => injected!.clear();
        },
        run: (event, faulty) =>
          faulty
            ? handler(injected?.services ?? world.services, s.queue.url, injected?.sqs)(event)
            : handler(world.services, s.queue.url)(event),
        affected,
        observe: s.observe,
        baseline,
      });
    } finally {
      if (injected?.sqs) {
        injected.sqs.destroy();
      }
    }
  };
  return {
    'refreshSelections × Campaign Service × 5xx': () =>
      cellWith((c) => world.inject('campaigns', '5xx', new RegExp(`/campaigns/${c}/markets/m1$`)), ['m1']),
    'refreshSelections × Campaign Service × timeout': () =>
      cellWith(() => world.inject('campaigns', 'timeout'), MARKETS),
    'refreshSelections × Entry Service × 5xx (selected fans page)': () =>
      cellWith(() => world.inject('entries', '5xx', /\/entries\/scoring$/), MARKETS),
    'refreshSelections × Entry Service × connection dropped': () =>
      cellWith(() => world.inject('entries', 'connection dropped'), MARKETS),
    // One of m1's two refreshes fails on every attempt; its other one went out and is sent again.
    'refreshSelections × SQS × SendMessageBatch `Failed` entries': () =>
      cellWith(async () => {
        const body = (e: Record<string, unknown>) =>
          JSON.parse(String(e.MessageBody)) as { marketId: string; globalUserId: string };
        const clear = failBatchEntries(
          messaging.sqs,
          'SendMessageBatchCommand',
          (e) => body(e).marketId === 'm1' && body(e).globalUserId === 'g1',
        );
        return { clear };
      }, ['m1']),
    'refreshSelections × SQS × connection refused': () =>
      cellWith(
        async () => ({
          sqs: new SQSClient({ ...LOCAL_AWS, endpoint: await closedPortUrl(), maxAttempts: 2 }),
          clear: () => undefined,
        }),
        MARKETS,
      ),
    'refreshSelections × Secrets Manager (service JWT key) × unavailable at cold start': () =>
      cellWith(async () => world.secretsOutage(), MARKETS),
  };
}

// ------------------------------------------------------------------------------------------
// markAssignedCodes

function markAssignedCodesCells(): Record<string, CellTest> {
  const FANS = ['f1', 'f2', 'f3'];
  /** f1 and f2 in campaign A, f3 in campaign B: each gets a code on its entry (a MODIFY on the stream). */
  const setup = (ns: string) => {
    const campaigns = { A: `ca-${ns}`, B: `cb-${ns}` };
    const fans = [
      { fan: 'f1', campaignId: campaigns.A, code: 'A-1' },
      { fan: 'f2', campaignId: campaigns.A, code: 'A-2' },
      { fan: 'f3', campaignId: campaigns.B, code: 'B-1' },
    ];
    world.fakes.codes.seedCodes(campaigns.A, 'external', ['A-1', 'A-2']);
    world.fakes.codes.seedCodes(campaigns.B, 'external', ['B-1']);
    const changes = fans.map(({ fan, campaignId, code }) => {
      const before = { ...entryKey(campaignId, fan), type: 'registration', campaignId, globalUserId: fan };
      return changeRecord('MODIFY', db.name, {
        oldItem: before,
        newItem: { ...before, verdict: true, codes: [{ id: code, marketId: 'm1' }] },
      });
    });
    const observe = async (): Promise<Effects> =>
      Object.fromEntries(fans.map((f) => [f.fan, [world.fakes.codes.statusOf(f.campaignId, f.code) ?? null]]));
    return {
      campaigns,
      observe,
      records: { event: kinesisEvent(changes), keys: FANS } as BatchRun<KinesisStreamEvent>,
    };
  };
  const handler = (services: Services) =>
    streamBatchHandler<EntryImage>({
      worker: 'markAssignedCodes',
      log,
      process: (records, ctx) => markAssignedCodes(records, { codes: services.codes, log: ctx.log }),
    });
  let baseline: Effects;
  beforeAll(async () => {
    const base = setup(uniqueName('mac-base'));
    expect((await handler(world.services)(base.records.event)).batchItemFailures).toEqual([]);
    baseline = await base.observe();
    expect(baseline).toEqual({ f1: ['assigned'], f2: ['assigned'], f3: ['assigned'] });
  });
  const cellWith = async (
    fault: (campaigns: { A: string; B: string }) => Promise<{ services?: Services; clear(): Promise<void> | void }>,
    affected: string[],
  ) => {
    const s = setup(uniqueName('mac'));
    let injected: Awaited<ReturnType<typeof fault>> | undefined;
    return batchCell({
      records: s.records,
      inject: async () => {
        injected = await fault(s.campaigns);
        return () => injected!.clear();
      },
      run: (event, faulty) => handler(faulty ? (injected?.services ?? world.services) : world.services)(event),
      affected,
      observe: s.observe,
      baseline,
    });
  };
  const tests: Record<string, CellTest> = {
    'markAssignedCodes × Secrets Manager (service JWT key) × unavailable at cold start': () =>
      cellWith(async () => world.secretsOutage(), FANS),
  };
  for (const failure of HTTP) {
    // Status faults hit campaign A's call only; timeouts and dropped or refused connections hit both.
    const onlyA = failure === '5xx' || failure === '429';
    tests[`markAssignedCodes × Code Service × ${failure}`] = () =>
      cellWith(
        (c) => world.inject('codes', failure, onlyA ? new RegExp(`^/${c.A}/assign$`) : undefined),
        onlyA ? ['f1', 'f2'] : FANS,
      );
  }
  return tests;
}

// ------------------------------------------------------------------------------------------
// enqueueMarketSelections

function enqueueMarketSelectionsCells(): Record<string, CellTest> {
  const FANS = 4;
  const settings = {
    ...loadConfig('local', { environment: {} }).selection,
    minimumCodeReserveCount: 1,
    pageSize: 10,
  };
  const setup = async (ns: string) => {
    const { campaignId, numbers } = await seedCampaign(ns, FANS, { codes: 20 });
    const queue = await localQueue(messaging.sqs, 'faults-save-selection');
    const input = { campaignId, marketId: 'm1', dateId: 'd1' };
    /** saveSelections drains the queue, as it does between a failed run and its re-run. */
    const drain = async () => {
      const bodies = (await queue.drain()).map((m) => m.body);
      if (bodies.length > 0) {
        expect((await saveSelectionsHandler(world.services)(sqsEvent(bodies))).batchItemFailures).toEqual([]);
      }
    };
    const observe = async () => {
      const fans = await Promise.all(numbers.map((n) => fanState(campaignId, n)));
      const stats = [...world.fakes.entries.stats.values()].filter((s) => s.campaignId === campaignId);
      const pool = world.fakes.codes.codes(campaignId).map((c) => world.fakes.codes.statusOf(campaignId, c.code));
      return {
        fans,
        // The counts of a re-run cover that run only; what must hold is that the run finished.
        status: stats.map((s) => s.status),
        reserved: pool.filter((p) => p === 'reserved').length,
      };
    };
    return { input, queue, drain, observe };
  };
  const handler = (services: Services, queueUrl: string, sqs: SQSClient = messaging.sqs) =>
    invokeHandler({
      worker: 'enqueueMarketSelections',
      log,
      parse: parseSelectionRequest,
      process: (request, ctx) =>
        enqueueMarketSelections(request, {
          campaigns: services.campaigns,
          entries: services.entries,
          codes: services.codes,
          saveSelectionQueue: createQueueSender({
            client: sqs,
            queueUrl,
            maxEntries: 10,
            sleep: async () => undefined,
          }),
          settings,
          log: ctx.log,
          now: () => NOW,
        }),
    });
  /** One execution of selection-step-fn: invocations until done (the cursor carried over). */
  const execution = async (run: ReturnType<typeof handler>, input: Record<string, unknown>) => {
    let result: EnqueueResult;
    let cursor: string | null | undefined;
    do {
      result = await run({ ...input, ...(cursor ? { cursor } : {}) });
      cursor = result.cursor;
    } while (!result.done);
    return result;
  };
  let baseline: Awaited<ReturnType<Awaited<ReturnType<typeof setup>>['observe']>>;
  beforeAll(async () => {
    const s = await setup(uniqueName('ems-base'));
    await execution(handler(world.services, s.queue.url), s.input);
    await s.drain();
    baseline = await s.observe();
    expect(baseline.fans.every((f) => f.entryServiceCodes === 1 && f.verdict === true)).toBe(true);
    expect(baseline.status).toEqual(['FINISHED']);
  });
  /** Fails the execution under the fault; saveSelections drains; a new execution with the same input completes. */
  const cellWith = async (
    fault: (s: { campaignId: string }) => Promise<{ services?: Services; clear(): Promise<void> | void }>,
  ): Promise<'runFailed' | 'runFailedLeaks'> => {
    const s = await setup(uniqueName('ems'));
    const injected = await fault(s.input);
    try {
      await expectInvocationFailed(
        () => execution(handler(injected.services ?? world.services, s.queue.url), s.input),
        log,
        'enqueueMarketSelections',
      );
    } finally {
      await injected.clear();
    }
    await s.drain();
    await execution(handler(world.services, s.queue.url), s.input);
    await s.drain();
    const final = await s.observe();
    expect(final.fans).toEqual(baseline.fans);
    expect(final.status).toEqual(['FINISHED']);
    expect(final.reserved).toBeGreaterThanOrEqual(baseline.reserved);
    return final.reserved > baseline.reserved ? 'runFailedLeaks' : 'runFailed';
  };
  return {
    'enqueueMarketSelections × Campaign Service × 5xx': () => cellWith(() => world.inject('campaigns', '5xx')),
    'enqueueMarketSelections × Entry Service × 5xx (scoring page)': () =>
      cellWith(() => world.inject('entries', '5xx', /\/entries\/scoring$/)),
    'enqueueMarketSelections × Code Service × 5xx (reserve)': () =>
      cellWith(() => world.inject('codes', '5xx', /\/reserve$/)),
    'enqueueMarketSelections × Code Service × timeout (reserve)': () =>
      cellWith(() => world.inject('codes', 'timeout')),
    'enqueueMarketSelections × SQS × SendMessageBatch `Failed` entries': () =>
      cellWith(async () => ({
        clear: failBatchEntries(messaging.sqs, 'SendMessageBatchCommand', (e) =>
          String(e.MessageBody).includes('"globalUserId":"g2"'),
        ),
      })),
    'enqueueMarketSelections × Secrets Manager (service JWT key) × unavailable at cold start': () =>
      cellWith(async () => world.secretsOutage()),
  };
}

runSuite('selection', {
  ...enqueueMarketSelectionsCells(),
  ...saveSelectionsCells(),
  ...refreshSelectionsCells(),
  ...markAssignedCodesCells(),
});
