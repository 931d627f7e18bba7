/**
 * A market's selection end to end on local components: selection-step-fn (aws-local-stepfunctions)
 * loops enqueueMarketSelections over the Entry, Campaign and Code Service fakes into a fauxqs
 * save-selection queue; saveSelections drains it into DynamoDB Local at the same time; the table's
 * real change stream then feeds markAssignedCodes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent } from 'aws-lambda';
import { createDemandTable } from '../../../src/shared/aws/demandTable';
import { entryKey } from '../../../src/shared/aws/keys';
import { getConfig } from '../../../src/shared/config';
import { invokeHandler } from '../../../src/shared/runtime/direct';
import { silentLogger } from '../../../src/shared/runtime/logger';
import { createCampaignService, createCodeService, createEntryService } from '../../../src/shared/services';
import type { EnqueueResult, FailureReport } from '../../../src/workers/selection/enqueueMarketSelections/enqueueMarketSelections';
import {
  enqueueMarketSelections,
  reportSelectionFailure,
} from '../../../src/workers/selection/enqueueMarketSelections/enqueueMarketSelections';
import { handler as deployedEnqueueHandler } from '../../../src/workers/selection/enqueueMarketSelections';
import type { SelectionRequest } from '../../../src/workers/selection/enqueueMarketSelections/input';
import { parseSelectionTask } from '../../../src/workers/selection/enqueueMarketSelections/input';
import { handler as markAssignedCodesHandler } from '../../../src/workers/selection/markAssignedCodes';
import type { QueueSender } from '../../../src/workers/selection/shared/queueSender';
import { createQueueSender } from '../../../src/workers/selection/shared/queueSender';
import { handler as saveSelectionsHandler } from '../../../src/workers/selection/saveSelections';
import type { FakeScoringRecord } from '../../../tools/local/emulators/fakes';
import { openStreamReader } from '../../../tools/local/dynamoStream';
import { LocalClock } from '../../../tools/local/clock';
import { prepareHandlers } from '../../../tools/local/lambda/bundles';
import { FunctionHost } from '../../../tools/local/lambda/host';
import { StepFunctions } from '../../../tools/local/stepFunctions';
import type { SelectionWorld } from './setup';
import { drainQueue, queueDepth, useSelectionWorld, userIdOf } from './setup';
import { startSelection } from './stateMachine';

let saveSelectionQueueUrl = '';
const world = useSelectionWorld(async (w) => {
  saveSelectionQueueUrl = await w.createQueue('save-selection');
  return { SAVE_SELECTION_QUEUE_URL: saveSelectionQueueUrl };
});

/** Small slices so the 20,000-fan market takes several invocations and several reservations. */
const SETTINGS = {
  maxPerInvocation: 1200,
  maxReservePerCall: 500,
  minimumCodeReserveCount: 800,
  pageSize: 500,
  codeAssignmentChunkSize: 25,
  statsType: 'selection',
};

/**
 * enqueueMarketSelections as index.ts builds it (pages, and failure reports from ReportFailure),
 * with SETTINGS instead of the configured slice sizes. `sender` may wrap a page's save-selection sender.
 */
function enqueueHandler(
  w: SelectionWorld,
  queueUrl: string,
  options: {
    settings?: typeof SETTINGS;
    sender?: (real: QueueSender, request: SelectionRequest) => QueueSender;
  } = {},
) {
  const settings = options.settings ?? SETTINGS;
  return invokeHandler({
    worker: 'enqueueMarketSelections',
    log: silentLogger,
    parse: parseSelectionTask,
    process: (task, ctx): Promise<EnqueueResult | FailureReport> => {
      const entries = createEntryService(w.client('entries'));
      if (task.kind === 'reportFailure') {
        return reportSelectionFailure(task.request, task.failure, { entries, settings, log: ctx.log });
      }
      const sender = createQueueSender({ client: w.sqs, queueUrl, maxEntries: getConfig().aws.sqsSendBatchSize });
      return enqueueMarketSelections(task.request, {
        campaigns: createCampaignService(w.client('campaigns')),
        entries,
        codes: createCodeService(w.client('codes')),
        saveSelectionQueue: options.sender ? options.sender(sender, task.request) : sender,
        settings,
        log: ctx.log,
      });
    },
  });
}

const saveSelections = (event: Parameters<typeof saveSelectionsHandler>[0]) => saveSelectionsHandler(event);
const market = (id: string, event: Record<string, unknown>) => ({
  id,
  name: `Market ${id}`,
  event: { ids: [`${id}-ev1`, `${id}-ev2`], presaleDateTime: '2026-12-10T17:00:00.000Z', ...event },
});

/** Fan at score rank `rank` (0 = best); ids are scrambled so id order says nothing about score. */
function rankedFan(rank: number, total: number): FakeScoringRecord {
  const n = ((rank * 7919) % total) + 1;
  return {
    userId: userIdOf(n),
    globalUserId: `g${n}`,
    score: total - rank,
    verdict: true,
    marketIds: ['m1', 'm2'],
    phone: '+13125550100',
  };
}

describe('selection of a 20,000-fan market through selection-step-fn', () => {
  const CAMPAIGN = 'camp-big';
  const FANS = 20_000;
  /** Two fans in a thousand fail a rule (rank % 1000 is 500 or 700), five were already selected. */
  const ELIGIBLE = FANS - (2 * FANS) / 1000 - 5;
  const WINNERS = 3_000;
  const POOL = 3_300;
  const NO_GLOBAL_ID = new Set([1, 9, 99]);
  const ALREADY_SELECTED = new Set([2, 19, 199, 299, 1999]);
  const ineligible = (rank: number) => rank % 1000 === 500 || rank % 1000 === 700;

  it('gives every winner exactly one code, never one code twice, releases the rest and marks the assigned ones', async () => {
    const w = world();
    const { fakes, doc, tableName } = w;
    const scoring = Array.from({ length: FANS }, (_, rank) => {
      const fan = rankedFan(rank, FANS);
      if (NO_GLOBAL_ID.has(rank)) {
        return { ...fan, globalUserId: '' };
      }
      if (ALREADY_SELECTED.has(rank)) {
        return { ...fan, codes: [{ id: `PREVIOUS-${rank}`, marketId: 'm1' }] };
      }
      if (rank % 1000 === 500) {
        return { ...fan, verdict: false };
      }
      return rank % 1000 === 700 ? { ...fan, marketIds: ['m2'] } : fan;
    });
    const expectedWinners = scoring
      .filter((f, rank) => !ineligible(rank) && !NO_GLOBAL_ID.has(rank) && !ALREADY_SELECTED.has(rank))
      .slice(0, WINNERS);
    fakes.entries.seedScoring(CAMPAIGN, scoring);
    fakes.campaigns.seedCampaign({
      id: CAMPAIGN,
      status: 'OPEN',
      markets: [{ ...market('m1', { ticketer: 'AXS' }), campaign_id: CAMPAIGN }],
    });
    const pool = Array.from({ length: POOL }, (_, i) => `X${String(i).padStart(5, '0')}`);
    fakes.codes.seedCodes(CAMPAIGN, 'external', pool);
    fakes.codes.seedCodes(CAMPAIGN, 'tm', ['T1', 'T2']);

    // Registration entries for the top of the market, winners and near misses.
    const table = createDemandTable(doc, tableName);
    const entries = scoring
      .slice(0, 3_400)
      .filter((f) => f.globalUserId)
      .map((f) => ({
        ...entryKey(CAMPAIGN, f.globalUserId),
        type: 'registration',
        campaignId: CAMPAIGN,
        globalUserId: f.globalUserId,
        userId: f.userId,
        date: { created: '2026-11-01T00:00:00.000Z', updated: '2026-11-01T00:00:00.000Z' },
      }));
    expect((await table.batchPut(entries)).unprocessed).toEqual([]);
    const stream = await openStreamReader({ endpoint: w.dynamoEndpoint, tableName, from: 'LATEST' });

    // The state machine and saveSelections run at the same time, as they do deployed.
    const execution = startSelection(
      { campaignId: CAMPAIGN, marketId: 'm1', dateId: 'presale-1', selectionCount: WINNERS },
      enqueueHandler(w, saveSelectionQueueUrl),
    );
    let selectionOver = false;
    const finished = execution.result.finally(() => {
      selectionOver = true;
    });
    const [output, drained] = await Promise.all([
      finished,
      drainQueue(w.sqs, saveSelectionQueueUrl, saveSelections, { lanes: 4, finished: () => selectionOver }),
    ]);

    expect(execution.invocations).toHaveLength(3);
    expect(output).toEqual({
      done: true,
      cursor: null,
      counts: {
        queued: 600,
        failed: 0,
        skipped: 0,
        totalQueued: WINNERS,
        totalFailed: 3,
        totalSkipped: 5,
        eligible: ELIGIBLE,
      },
    });
    expect(drained.failures).toBe(0);
    expect(fakes.entries.stats.get([CAMPAIGN, 'selection', 'm1', 'presale-1'].join('|'))).toMatchObject({
      status: 'FINISHED',
      count: { total: ELIGIBLE, processed: WINNERS, failed: 3 },
    });

    // Entry Service: the expected fans, one code each; no code twice.
    const codeOf = new Map<string, string>();
    for (const fan of fakes.entries.scoring(CAMPAIGN)) {
      const codes = (fan.codes ?? []).filter((c) => c.marketId === 'm1' && !c.id.startsWith('PREVIOUS'));
      expect(codes.length).toBeLessThanOrEqual(1);
      if (codes.length === 1) {
        codeOf.set(fan.globalUserId, codes[0].id);
        expect(codes[0].date).toEqual({ start: '2026-12-10T17:00:00.000Z', created: expect.any(String) });
      }
    }
    expect([...codeOf.keys()].sort()).toEqual(expectedWinners.map((f) => f.globalUserId).sort());
    expect(new Set(codeOf.values()).size).toBe(WINNERS);
    expect([...codeOf.values()].every((code) => code.startsWith('X'))).toBe(true);

    // demand table: the same code on each winner's entry, once; nobody else touched.
    const items = await table.batchGet(entries);
    expect(items).toHaveLength(entries.length);
    for (const item of items) {
      const code = codeOf.get(item.globalUserId as string);
      if (code) {
        expect(item).toMatchObject({
          verdict: true,
          codes: [{ id: code, marketId: 'm1' }],
          assignedMarkets: new Set(['m1']),
        });
      } else {
        expect(item).toEqual(entries.find((e) => e.SK === item.SK));
      }
    }

    // markAssignedCodes, fed the table's own change stream in batches of 500.
    const records: Awaited<ReturnType<typeof stream.read>> = [];
    for (let batch = await stream.read(); batch.length > 0; batch = await stream.read()) {
      records.push(...batch);
    }
    stream.close();
    // The stream also carries the code claims saveSelections writes first (one per winner);
    // markAssignedCodes' deployed filter (markAssignedCodes.tf) passes registrations only.
    const typeOf = (r: (typeof records)[number]): unknown =>
      JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')).dynamodb.NewImage?.type?.S;
    const registrations = records.filter((r) => typeOf(r) === 'registration');
    expect(records.filter((r) => typeOf(r) === 'codeClaim')).toHaveLength(WINNERS);
    expect(registrations).toHaveLength(WINNERS);
    for (let i = 0; i < registrations.length; i += 500) {
      const result = await markAssignedCodesHandler({ Records: registrations.slice(i, i + 500) } as KinesisStreamEvent);
      expect(result.batchItemFailures).toEqual([]);
    }

    // Code Service: exactly the given codes assigned; the rest back in the pool.
    const status = (code: string) => fakes.codes.statusOf(CAMPAIGN, code);
    const given = new Set(codeOf.values());
    expect(pool.filter((code) => status(code) === 'assigned').sort()).toEqual([...given].sort());
    expect(pool.filter((code) => !given.has(code)).every((code) => status(code) === 'available')).toBe(true);
    expect(['T1', 'T2'].map(status)).toEqual(['available', 'available']);
    expect(fakes.codes.requests.filter((r) => r.path.endsWith('/release'))).not.toHaveLength(0);
    expect(await queueDepth(w.sqs, saveSelectionQueueUrl)).toBe(0);
    // A shared CI machine runs this 2-6x slower than a quiet laptop (about 20 s); the bench measures speed.
  }, 300_000);

  it('fails the run when Code Service runs out of codes: FAILED stats, nothing enqueued, reserved codes released', async () => {
    const w = world();
    const { fakes } = w;
    const campaign = 'camp-short';
    fakes.entries.seedScoring(
      campaign,
      Array.from({ length: 50 }, (_, rank) => rankedFan(rank, 50)),
    );
    fakes.campaigns.seedCampaign({
      id: campaign,
      status: 'OPEN',
      markets: [{ ...market('m1', { ticketer: 'TM' }), campaign_id: campaign }],
    });
    const pool = Array.from({ length: 20 }, (_, i) => `T${i}`);
    fakes.codes.seedCodes(campaign, 'tm', pool);
    const queueUrl = await w.createQueue('save-selection-short');

    const execution = startSelection(
      { campaignId: campaign, marketId: 'm1', dateId: 'presale-1' },
      enqueueHandler(w, queueUrl),
    );

    await expect(execution.result).rejects.toMatchObject({
      name: 'ExecutionError',
      cause: { name: 'SelectionFailed' },
    });
    const [stats] = [...fakes.entries.stats.values()].filter((s) => s.campaignId === campaign);
    expect(stats).toMatchObject({
      status: 'FAILED',
      error: 'not enough codes: needed 50 tm codes, Code Service had 20',
      count: { total: 50, processed: 0 },
    });
    expect(await queueDepth(w.sqs, queueUrl)).toBe(0);
    expect(pool.map((code) => fakes.codes.statusOf(campaign, code))).toEqual(Array(20).fill('available'));
  }, 30_000);

  it('runs with the deployed handler and its configuration: a shared-code market needs no reservation', async () => {
    const w = world();
    const { fakes } = w;
    const campaign = 'camp-shared';
    fakes.entries.seedScoring(
      campaign,
      Array.from({ length: 30 }, (_, rank) => rankedFan(rank, 30)),
    );
    fakes.campaigns.seedCampaign({
      id: campaign,
      status: 'OPEN',
      markets: [{ ...market('m1', { ticketer: 'TM', sharedCode: 'FANCLUB' }), campaign_id: campaign }],
    });
    await createDemandTable(w.doc, w.tableName).batchPut(
      fakes.entries.scoring(campaign).map((f) => ({
        ...entryKey(campaign, f.globalUserId),
        type: 'registration',
        campaignId: campaign,
        globalUserId: f.globalUserId,
      })),
    );

    const execution = startSelection(
      { campaignId: campaign, marketId: 'm1', dateId: 'presale-1' },
      deployedEnqueueHandler,
    );
    await expect(execution.result).resolves.toMatchObject({ done: true, counts: { totalQueued: 30 } });
    await drainQueue(w.sqs, saveSelectionQueueUrl, saveSelections);

    expect(fakes.codes.requests.filter((r) => r.path.startsWith(`/${campaign}/`))).toEqual([]);
    expect(fakes.entries.scoring(campaign).map((f) => f.codes?.map((c) => c.id))).toEqual(Array(30).fill(['FANCLUB']));
    const { Item } = await w.doc.send(
      new GetCommand({
        TableName: w.tableName,
        Key: entryKey(campaign, fakes.entries.scoring(campaign)[0].globalUserId),
      }),
    );
    expect(Item).toMatchObject({ verdict: true, codes: [{ id: 'FANCLUB', marketId: 'm1' }] });
  }, 30_000);
});

describe('a page that never answers (issue 19.2: no market left in PROCESSING)', () => {
  /** A page's sender that never answers: the invocation hangs the way one that times out in Lambda does. */
  const hangingSender = (): QueueSender => ({ send: () => new Promise(() => undefined) });
  const SMALL = { ...SETTINGS, maxPerInvocation: 100, pageSize: 50 };

  function seedMarket(w: SelectionWorld, campaign: string, fans: number): string[] {
    w.fakes.entries.seedScoring(
      campaign,
      Array.from({ length: fans }, (_, rank) => rankedFan(rank, fans)),
    );
    w.fakes.campaigns.seedCampaign({
      id: campaign,
      status: 'OPEN',
      markets: [{ ...market('m1', { ticketer: 'AXS' }), campaign_id: campaign }],
    });
    const pool = Array.from({ length: 1000 }, (_, i) => `${campaign}-${i}`);
    w.fakes.codes.seedCodes(campaign, 'external', pool);
    return pool;
  }

  const statsPosts = (w: SelectionWorld, campaign: string) =>
    w.fakes.entries.requests
      .filter((r) => r.method === 'POST' && r.path === `/${campaign}/stats/selection`)
      .map((r) => (r.body as { status: string }).status);

  it('the executor gives up on the second page (States.Timeout): ReportFailure turns PROCESSING into FAILED with the first page counted', async () => {
    const w = world();
    const campaign = 'camp-timeout';
    seedMarket(w, campaign, 250);
    const queueUrl = await w.createQueue('save-selection-timeout');

    const execution = startSelection(
      { campaignId: campaign, marketId: 'm1', dateId: 'presale-1' },
      enqueueHandler(w, queueUrl, {
        settings: SMALL,
        // The second page (it has a cursor) hangs while sending its fans.
        sender: (real, request) => (request.cursor ? hangingSender() : real),
      }),
      { pageTimeoutSeconds: 3 },
    );

    await expect(execution.result).rejects.toMatchObject({
      name: 'ExecutionError',
      cause: { name: 'SelectionFailed' },
    });
    expect(execution.states).toEqual(['EnqueueMarketSelections', 'EnqueueMarketSelections', 'ReportFailure']);
    expect(execution.invocations[2]).toEqual({
      campaignId: campaign,
      marketId: 'm1',
      dateId: 'presale-1',
      cursor: expect.any(String),
      failure: { Error: 'States.Timeout', Cause: expect.any(String) },
    });
    expect(w.fakes.entries.stats.get([campaign, 'selection', 'm1', 'presale-1'].join('|'))).toMatchObject({
      status: 'FAILED',
      error: 'States.Timeout',
      count: { total: 250, processed: 100, failed: 0 },
    });
    // PROCESSING at the start and after the first page; nobody else wrote FAILED.
    expect(statsPosts(w, campaign)).toEqual(['PROCESSING', 'PROCESSING', 'FAILED']);
    expect(await queueDepth(w.sqs, queueUrl)).toBe(100);
  }, 30_000);

  it('the first page never answers: the deployed handler, invoked by ReportFailure, writes FAILED', async () => {
    const w = world();
    const campaign = 'camp-timeout-first';
    seedMarket(w, campaign, 20);

    const execution = startSelection(
      { campaignId: campaign, marketId: 'm1', dateId: 'presale-1' },
      (event) =>
        (event as { failure?: unknown }).failure === undefined
          ? new Promise(() => undefined)
          : deployedEnqueueHandler(event),
      { pageTimeoutSeconds: 1 },
    );

    await expect(execution.result).rejects.toMatchObject({ cause: { name: 'SelectionFailed' } });
    expect(execution.states).toEqual(['EnqueueMarketSelections', 'ReportFailure']);
    expect([...w.fakes.entries.stats.values()].filter((s) => s.campaignId === campaign)).toEqual([
      expect.objectContaining({ marketId: 'm1', dateId: 'presale-1', status: 'FAILED', error: 'States.Timeout' }),
    ]);
  }, 30_000);

  it('a page that fails by itself keeps the FAILED stats it wrote: ReportFailure sees them and writes nothing', async () => {
    const w = world();
    const campaign = 'camp-own-failure';
    seedMarket(w, campaign, 250);
    const queueUrl = await w.createQueue('save-selection-own-failure');

    const execution = startSelection(
      { campaignId: campaign, marketId: 'm1', dateId: 'presale-1' },
      enqueueHandler(w, queueUrl, {
        settings: SMALL,
        // SQS refuses every message of the second page: the worker reports FAILED and throws.
        sender: (real, request) =>
          request.cursor
            ? { send: async (bodies) => ({ sent: 0, failed: bodies.map((_, i) => i), firstError: 'refused' }) }
            : real,
      }),
    );

    await expect(execution.result).rejects.toMatchObject({ cause: { name: 'SelectionFailed' } });
    expect(execution.states).toEqual(['EnqueueMarketSelections', 'EnqueueMarketSelections', 'ReportFailure']);
    expect(statsPosts(w, campaign)).toEqual(['PROCESSING', 'PROCESSING', 'FAILED']);
    expect(w.fakes.entries.stats.get([campaign, 'selection', 'm1', 'presale-1'].join('|'))).toMatchObject({
      status: 'FAILED',
      error: '100 of 100 selections could not be sent to save-selection: refused',
      count: { total: 250, processed: 100, failed: 0 },
    });
  }, 30_000);

  it('the local runtime: the function times out in its host (Sandbox.Timedout) and the same function, invoked again, writes FAILED', async () => {
    const w = world();
    const campaign = 'camp-local-runtime';
    seedMarket(w, campaign, 20);
    const root = path.resolve(__dirname, '../../..');
    const workDir = mkdtempSync(path.join(tmpdir(), 'selection-timeout-'));
    const worker = 'enqueueMarketSelections';
    const code = (
      await prepareHandlers([worker], {
        root,
        workDir,
        useDist: false,
        entryOf: () => `src/workers/selection/${worker}/index.ts`,
      })
    ).get(worker)!;
    expect(code.status).toBe('ready');
    const arn = `arn:aws:lambda:us-east-1:000000000000:function:${worker}`;
    const host = new FunctionHost({
      clock: new LocalClock(),
      // The environment the selection world set up (service fakes, signing key, queue URL).
      baseEnvironment: Object.fromEntries(
        Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
      logDir: path.join(workDir, 'logs'),
      recordInvocations: true,
    });
    host.register({
      name: worker,
      arn,
      worker,
      timeoutSeconds: 3,
      memoryMb: 256,
      handler: 'index.handler',
      environment: {},
      code,
    });
    const asl = readFileSync(path.join(root, 'terraform/stacks/selection/selection-step-fn.asl.json'), 'utf8');
    const stepFunctions = new StepFunctions(
      [
        {
          name: 'selection-step-fn',
          arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:selection-step-fn',
          type: 'STANDARD',
          definition: JSON.parse(asl.split('${enqueueMarketSelections}').join(arn)) as Record<string, unknown>,
          stack: 'selection',
          address: 'module.selection_step_fn.aws_sfn_state_machine.this',
          file: 'selection-step-fn.tf',
        },
      ],
      host,
      Date.now,
    );
    // Campaign Service answers after the function's 3 s timeout: the first page never gets its
    // market. A report needs Entry Service only.
    w.fakes.campaigns.setLatency(20_000);
    try {
      const input = { campaignId: campaign, marketId: 'm1', dateId: 'presale-1' };
      const execution = await stepFunctions.start('selection-step-fn', input, 'test').done;

      expect(execution).toMatchObject({ status: 'FAILED', error: 'SelectionFailed' });
      expect(host.invocations.map((i) => [i.event, i.outcome.ok ? 'ok' : i.outcome.error.errorType])).toEqual([
        [input, 'Sandbox.Timedout'],
        [
          {
            ...input,
            failure: { Error: 'Sandbox.Timedout', Cause: 'Task timed out after 3.00 seconds' },
          },
          'ok',
        ],
      ]);
      expect([...w.fakes.entries.stats.values()].filter((st) => st.campaignId === campaign)).toEqual([
        expect.objectContaining({
          marketId: 'm1',
          dateId: 'presale-1',
          status: 'FAILED',
          error: 'Sandbox.Timedout: Task timed out after 3.00 seconds',
        }),
      ]);
    } finally {
      w.fakes.campaigns.clearFailures();
      await host.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 60_000);
});
