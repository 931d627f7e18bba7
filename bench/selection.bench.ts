/**
 * Selection at scale (issue 32): is a fan as cheap in a big market as in a small one?
 * - enqueueMarketSelections at the production slice (config `selection.maxPerInvocation`, 25,000
 *   fans an invocation), a 25,000-fan market against a 250,000-fan market run invocation after
 *   invocation the way selection-step-fn does: time per 25,000 fans and peak RSS per invocation,
 *   as ratios of the big market to the small one measured in the same run. `--fans <n>` adds a
 *   market of n fans (e.g. 1,000,000) on demand.
 * - refreshSelections: a market of 25,000 selected fans against one of 250,000, refreshed message
 *   after message (a continuation after `selection.maxPerInvocation` fans).
 * Each invocation runs in a fresh child process (tools/bench/child.ts), as a new Lambda instance would: its time and peak RSS are the worker's own, not the
 * fakes'. The Entry, Campaign and Code Service fakes run here (their CPU time is reported beside),
 * with a fauxqs save-selection queue. Under `--cpu-prof` every child writes its own profile.
 */
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadConfig } from '../src/shared/config/load';
import { silentLogger } from '../src/shared/runtime/logger';
import type { ServiceName } from '../src/shared/services';
import {
  createCampaignService,
  createCodeService,
  createEntryService,
  createServiceClient,
  createTokenProvider,
} from '../src/shared/services';
import { enqueueMarketSelections } from '../src/workers/selection/enqueueMarketSelections/enqueueMarketSelections';
import type { RefreshRequest } from '../src/workers/selection/refreshSelections/refreshSelections';
import { refreshSelections } from '../src/workers/selection/refreshSelections/refreshSelections';
import { createQueueSender } from '../src/workers/selection/shared/queueSender';
import type { FakeScoringRecord } from '../tools/local/emulators/fakes';
import { startServiceFakes } from '../tools/local/emulators/fakes';
import { startSqsSns } from '../tools/local/emulators/sqs';
import { buildChild, childJob, childResult, measured, profileArgs, runChild } from '../tools/bench/child';
import { SCALE_TARGETS, median } from '../tools/bench/stats';
import type { BenchContext, BenchRow } from '../tools/bench/types';

const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
/** What an invocation's time is held to: enqueueMarketSelections' 900 s timeout, and the 20 s
 * refreshSelections has before it stops starting pages (30 s timeout, REFRESH_FINISH_MARGIN_MS). */
const SLOWEST_TARGET = {
  enqueueMarketSelections: '< 90 s (10% of the 900 s timeout)',
  refreshSelections: '< 20 s (its 30 s timeout less the 10 s margin)',
};
/** The small market (one slice) and the big one of the default run. */
const SMALL = 25_000;
const BIG = 250_000;
/** Runs of the small market; the median is the baseline. */
const SMALL_RUNS = 3;

interface Job {
  kind: 'select' | 'refresh';
  urls: Record<ServiceName, string>;
  sqsEndpoint: string;
  queueUrl: string;
  /** refresh: refresh-selection itself, for continuations. */
  continuationQueueUrl: string;
  privateKeyPem: string;
  campaignId: string;
  settings: ReturnType<typeof loadConfig>['selection'];
  sqsSendBatchSize: number;
  /** Where the previous invocation stopped: select's cursor, refresh's continuation offset. */
  cursor?: string;
  /** select: every invocation of the market in this one process, as a warm Lambda instance would. */
  warm?: boolean;
}

/** One invocation, as the child saw it. */
interface Invocation {
  ms: number;
  peakRssMb: number;
  /** Fans queued (select) or refreshes sent (refresh) by this invocation. */
  sent: number;
  done: boolean;
  cursor?: string;
  /** Heap in use after a full GC once the invocation ended: what it left behind. */
  heapAfterGcMb: number;
}

/**
 * The child's side: one invocation of the job's worker (every invocation of the market when the
 * job is `warm`); prints each one's time, the process's peak RSS so far and the heap after GC.
 */
export async function childMain(): Promise<void> {
  const job = childJob<Job>();
  const getToken = createTokenProvider({
    worker: job.kind === 'select' ? 'enqueueMarketSelections' : 'refreshSelections',
    issuer: 'reg-workers',
    ttlSeconds: 3600,
    loadPrivateKey: async () => job.privateKeyPem,
  });
  const client = (service: ServiceName) =>
    createServiceClient({
      service,
      baseUrl: job.urls[service],
      timeoutMs: 60_000,
      retries: 2,
      backoffBaseMs: 50,
      backoffMaxMs: 500,
      getToken,
    });
  const sqs = new SQSClient({ ...local, endpoint: job.sqsEndpoint });
  const queue = createQueueSender({ client: sqs, queueUrl: job.queueUrl, maxEntries: job.sqsSendBatchSize });
  const campaigns = createCampaignService(client('campaigns'));
  const entries = createEntryService(client('entries'));
  type Outcome = Pick<Invocation, 'sent' | 'done' | 'cursor'>;
  const invoke = async (from?: string): Promise<Outcome> => {
    if (job.kind === 'select') {
      const { counts, done, cursor } = await enqueueMarketSelections(
        { campaignId: job.campaignId, marketId: 'm1', dateId: 'bench', ...(from ? { cursor: from } : {}) },
        {
          campaigns,
          entries,
          codes: createCodeService(client('codes')),
          saveSelectionQueue: queue,
          settings: job.settings,
          log: silentLogger,
        },
      );
      return { sent: counts.queued, done, ...(cursor ? { cursor } : {}) };
    }
    const body = { campaignId: job.campaignId, marketId: 'm1', ...(from ? { offset: Number(from) } : {}) };
    const continuations = createQueueSender({
      client: sqs,
      queueUrl: job.continuationQueueUrl,
      maxEntries: job.sqsSendBatchSize,
    });
    let continuation: RefreshRequest | undefined;
    const refreshed = await refreshSelections(
      [{ messageId: 'bench', body, messageAttributes: {}, receiveCount: 1, eventSourceArn: 'bench' }],
      {
        campaigns,
        entries,
        saveSelectionQueue: queue,
        refreshSelectionQueue: {
          send: (bodies) => ((continuation = bodies[0] as RefreshRequest), continuations.send(bodies)),
        },
        pageSize: job.settings.pageSize,
        maxPerInvocation: job.settings.maxPerInvocation,
        log: silentLogger,
      },
    );
    if (refreshed.failed.length > 0 || (refreshed.rejected ?? []).length > 0) {
      throw new Error(`refreshSelections failed the market: ${JSON.stringify(refreshed)}`);
    }
    const sent = Number(refreshed.counts?.refreshes ?? 0);
    return continuation ? { sent, done: false, cursor: String(continuation.offset) } : { sent, done: true };
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  const invocations: Invocation[] = [];
  let cursor = job.cursor;
  do {
    const { result, ms, peakRssMb } = await measured(() => invoke(cursor));
    gc?.();
    invocations.push({ ...result, ms, peakRssMb, heapAfterGcMb: process.memoryUsage().heapUsed / 2 ** 20 });
    cursor = result.cursor;
    // The bench gives up on a market that does not finish (at most a few hundred invocations).
  } while (job.warm && !invocations.at(-1)!.done && invocations.length < 1000);
  childResult(invocations);
  sqs.destroy();
}

/** Fan n of a market of `total`: eligible for m1, scores a permutation of 0…total-1. */
const fan = (n: number, total: number, codes?: FakeScoringRecord['codes']): FakeScoringRecord => ({
  userId: n.toString(16).padStart(24, '0'),
  globalUserId: `g${n}`,
  memberId: `mem${n}`,
  email: `fan${n}@example.com`,
  score: (n * 7919) % total,
  verdict: true,
  marketIds: ['m1', 'm2', 'm3'],
  ...(codes ? { codes } : {}),
});

/** What one market's run took: its invocations, and the fakes' CPU meanwhile. */
interface MarketRun {
  fans: number;
  invocations: Invocation[];
  fakesCpuS: number;
}

const totalS = (run: MarketRun) => run.invocations.reduce((sum, i) => sum + i.ms, 0) / 1000;
/** Seconds per `SMALL` fans: the run's total time over its number of slices. */
const perSlice = (run: MarketRun) => totalS(run) / (run.fans / SMALL);
const peakMb = (run: MarketRun) => Math.max(...run.invocations.map((i) => i.peakRssMb));
const fmtS = (s: number) => s.toFixed(2);
const count = (n: number) => n.toLocaleString('en-US');

/** Runs the scenarios and returns the report rows. */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const root = process.cwd();
  const config = loadConfig('local', { dir: path.join(root, 'configs'), environment: ctx.env });
  if (config.selection.maxPerInvocation !== SMALL) {
    throw new Error(`the bench slices markets by ${SMALL} fans; configs say ${config.selection.maxPerInvocation}`);
  }
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const fakes = await startServiceFakes({ publicKey: keys.publicKey });
  const sqsSns = await startSqsSns();
  const sqs = new SQSClient({ ...local, endpoint: sqsSns.endpoint });
  const childFile = await buildChild(root, 'selection', 'bench/selection.bench', 'childMain');
  let runs = 0;
  const nodeArgs = (name: string) => [
    '--expose-gc',
    ...profileArgs(ctx.cpuProfile ? ctx.profileDir : undefined, `${name}-${++runs}`),
  ];
  const createQueue = async (name: string) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    return `${sqsSns.endpoint}/000000000000/${QueueUrl!.split('/').pop()}`;
  };
  try {
    /** Seeds a market of `fans` (selected already for a refresh), runs its invocations, checks and cleans up. */
    const market = async (kind: Job['kind'], fans: number, warm = false): Promise<MarketRun> => {
      const campaignId = `bench-${kind}-${fans}-${Date.now()}`;
      ctx.progress(`${kind}: seeding a market of ${count(fans)} fans`);
      const selected = kind === 'refresh' ? (n: number) => [{ id: `C${n}`, marketId: 'm1' }] : () => undefined;
      fakes.entries.seedScoring(
        campaignId,
        Array.from({ length: fans }, (_, i) => fan(i + 1, fans, selected(i + 1))),
      );
      if (kind === 'select') {
        fakes.codes.seedCodes(
          campaignId,
          'external',
          Array.from({ length: fans }, (_, i) => `C${i}`),
        );
      }
      fakes.campaigns.seedCampaign({
        id: campaignId,
        status: 'OPEN',
        markets: [
          {
            id: 'm1',
            campaign_id: campaignId,
            event: { ids: ['ev1'], ticketer: 'AXS', presaleDateTime: '2026-12-10T17:00:00.000Z' },
          },
        ],
      });
      const queueUrl = await createQueue(campaignId);
      const continuationQueueUrl = await createQueue(`${campaignId}-refresh`);
      ctx.progress(`${kind}: ${count(fans)} fans`);
      const fakesCpuBefore = process.cpuUsage();
      const invocations: Invocation[] = [];
      const job: Job = {
        kind,
        urls: fakes.urls,
        sqsEndpoint: sqsSns.endpoint,
        queueUrl,
        continuationQueueUrl,
        privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        campaignId,
        settings: config.selection,
        sqsSendBatchSize: config.aws.sqsSendBatchSize,
        warm,
      };
      do {
        const cursor = invocations.at(-1)?.cursor;
        invocations.push(
          ...(await runChild<Invocation[]>(
            childFile,
            { ...job, ...(cursor ? { cursor } : {}) },
            nodeArgs(`${kind}-${fans}${warm ? '-warm' : ''}`),
          )),
        );
        // A run that stopped making progress would loop for ever.
        if (invocations.length > fans / SMALL + 2) {
          throw new Error(`${kind} of ${fans} fans did not finish in ${invocations.length} invocations`);
        }
      } while (!invocations.at(-1)!.done);
      const cpu = process.cpuUsage(fakesCpuBefore);
      const sent = invocations.reduce((sum, i) => sum + i.sent, 0);
      if (sent !== fans) {
        throw new Error(`${kind} of ${fans} fans sent ${sent} messages`);
      }
      for (const url of [queueUrl, continuationQueueUrl]) {
        await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
      }
      fakes.reset();
      return { fans, invocations, fakesCpuS: (cpu.user + cpu.system) / 1e6 };
    };
    const scaling = async (kind: Job['kind'], extra?: number) => {
      const small: MarketRun[] = [];
      const big: MarketRun[] = [];
      // Small markets before, between and after the big ones, so a drift of the machine hits both.
      small.push(await market(kind, SMALL));
      big.push(await market(kind, BIG));
      small.push(await market(kind, SMALL));
      if (extra) {
        big.push(await market(kind, extra));
      }
      while (small.length < SMALL_RUNS) {
        small.push(await market(kind, SMALL));
      }
      return { small, big };
    };
    const select = await scaling('select', ctx.fans);
    const warm = await market('select', BIG, true);
    const refresh = await scaling('refresh');
    return [
      ...scalingRows('enqueueMarketSelections', select.small, select.big),
      warmRow(warm, select.small),
      ...scalingRows('refreshSelections', refresh.small, refresh.big),
    ];
  } finally {
    sqs.destroy();
    await fakes.stop();
    await sqsSns.stop();
  }
}

/** Rows of one worker: each big market's time per 25,000 fans and peak RSS against the small market's. */
function scalingRows(worker: keyof typeof SLOWEST_TARGET, small: MarketRun[], big: MarketRun[]): BenchRow[] {
  const baseSlice = median(small.map(perSlice));
  const baseMb = median(small.map(peakMb));
  const smallNote = `${SMALL_RUNS} markets of ${count(SMALL)} fans: ${small.map((r) => `${fmtS(totalS(r))} s`).join(', ')} (median is the baseline); fakes' CPU per 25,000 fans ${fmtS(median(small.map((r) => r.fakesCpuS)))} s`;
  const rows: BenchRow[] = [];
  for (const run of big) {
    const onDemand = run.fans === BIG ? '' : ' (on demand, --fans)';
    const invocations = run.invocations.map((i) => fmtS(i.ms / 1000)).join(', ');
    rows.push(
      {
        name: `${worker}, ${count(run.fans)}-fan market: time per 25,000 fans${onDemand}`,
        value: perSlice(run),
        unit: 's',
        baseline: { name: `${count(SMALL)}-fan market`, value: baseSlice },
        summary: { atMost: SCALE_TARGETS.timePerSlice },
        notes: `${run.invocations.length} invocation(s), seconds each: ${invocations}; fakes' CPU per 25,000 fans ${fmtS(run.fakesCpuS / (run.fans / SMALL))} s. Baseline: ${smallNote}`,
      },
      {
        name: `${worker}, ${count(run.fans)}-fan market: peak RSS per invocation${onDemand}`,
        value: peakMb(run),
        unit: 'MB',
        baseline: { name: `${count(SMALL)}-fan market`, value: baseMb },
        summary: { atMost: SCALE_TARGETS.peakRss },
        target: '< 512 MB (the function has 1024 MB)',
        notes: `each invocation (MB): ${run.invocations.map((i) => Math.round(i.peakRssMb)).join(', ')}; heap in use after a full GC at its end (MB): ${run.invocations.map((i) => Math.round(i.heapAfterGcMb)).join(', ')}; the ${count(SMALL)}-fan markets' peaks: ${small.map((r) => Math.round(peakMb(r))).join(', ')}`,
      },
      {
        name: `${worker}, ${count(run.fans)}-fan market: slowest invocation${onDemand}`,
        value: Math.max(...run.invocations.map((i) => i.ms)) / 1000,
        unit: 's',
        target: SLOWEST_TARGET[worker],
      },
    );
  }
  return rows;
}

/**
 * The big market's invocations in one process, as a warm Lambda instance runs them: its peak RSS
 * against the small market's (fresh process), and the heap each invocation left behind.
 */
function warmRow(run: MarketRun, small: MarketRun[]): BenchRow {
  const heap = run.invocations.map((i) => Math.round(i.heapAfterGcMb));
  return {
    name: `enqueueMarketSelections, ${count(run.fans)}-fan market in one warm process: peak RSS`,
    value: peakMb(run),
    unit: 'MB',
    baseline: { name: `${count(SMALL)}-fan market, fresh process`, value: median(small.map(peakMb)) },
    target: '< 512 MB',
    notes: `${run.invocations.length} invocations, seconds each: ${run.invocations.map((i) => fmtS(i.ms / 1000)).join(', ')}; peak RSS so far after each (MB): ${run.invocations.map((i) => Math.round(i.peakRssMb)).join(', ')}; heap in use after a full GC after each (MB): ${heap.join(', ')}`,
  };
}
