/**
 * enqueueMarketSelections at production slice sizes (configs: 25,000 fans per invocation, code
 * reservations of up to 20,000) against the Entry, Campaign and Code Service fakes and a fauxqs
 * save-selection queue: one 25,000-fan invocation, and a 250,000-fan market run invocation after
 * invocation the way selection-step-fn does. The worker runs in a child process (this module,
 * bundled by esbuild, started with a job), so its time and peak RSS are its own and not the
 * fakes'; the fakes' CPU time is reported beside them. Runs in a few minutes.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { build } from 'esbuild';
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
import type { EnqueueResult } from '../src/workers/selection/enqueueMarketSelections/enqueueMarketSelections';
import { enqueueMarketSelections } from '../src/workers/selection/enqueueMarketSelections/enqueueMarketSelections';
import { createQueueSender } from '../src/workers/selection/shared/queueSender';
import type { FakeScoringRecord } from '../tools/local/emulators/fakes';
import { startServiceFakes } from '../tools/local/emulators/fakes';
import { startSqsSns } from '../tools/local/emulators/sqs';
import type { BenchContext, BenchRow } from '../tools/bench/types';

const JOB_VARIABLE = 'SELECTION_BENCH_JOB';
const RESULT_MARKER = 'SELECTION_BENCH_RESULT ';
const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const TIMEOUT_S = 900;

interface Job {
  urls: Record<ServiceName, string>;
  sqsEndpoint: string;
  queueUrl: string;
  privateKeyPem: string;
  campaignId: string;
  settings: ReturnType<typeof loadConfig>['selection'];
  sqsSendBatchSize: number;
  untilDone: boolean;
}

interface ChildResult {
  durationsMs: number[];
  peakRssMb: number;
  queued: number;
  done: boolean;
}

/** The child's side: runs the worker for a job and prints timings and peak RSS. */
export async function childMain(): Promise<void> {
  const job = JSON.parse(process.env[JOB_VARIABLE] ?? '{}') as Job;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  const getToken = createTokenProvider({
    worker: 'enqueueMarketSelections',
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
  const deps = {
    campaigns: createCampaignService(client('campaigns')),
    entries: createEntryService(client('entries')),
    codes: createCodeService(client('codes')),
    saveSelectionQueue: createQueueSender({ client: sqs, queueUrl: job.queueUrl, maxEntries: job.sqsSendBatchSize }),
    settings: job.settings,
    log: silentLogger,
  };
  const durationsMs: number[] = [];
  let result: EnqueueResult | undefined;
  do {
    const started = performance.now();
    result = await enqueueMarketSelections(
      {
        campaignId: job.campaignId,
        marketId: 'm1',
        dateId: 'bench',
        ...(result?.cursor ? { cursor: result.cursor } : {}),
      },
      deps,
    );
    durationsMs.push(performance.now() - started);
  } while (job.untilDone && !result.done);
  clearInterval(sampler);
  // maxRSS (KiB) also catches peaks between samples.
  const peakRssMb = Math.max(peakRss / 2 ** 20, process.resourceUsage().maxRSS / 1024);
  const out: ChildResult = { durationsMs, peakRssMb, queued: result.counts.totalQueued, done: result.done };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(out)}\n`);
  sqs.destroy();
}

/** Bundles a child entry that calls childMain (the module may itself be running from a bundle). */
async function buildChild(root: string): Promise<string> {
  const outfile = path.join(root, '.local', 'bench', 'selection-child.cjs');
  await build({
    stdin: {
      contents: "import { childMain } from './bench/selection.bench';\nvoid childMain();\n",
      resolveDir: root,
      loader: 'ts',
      sourcefile: 'selection-child.ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}

function runChild(file: string, job: Job): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, [JOB_VARIABLE]: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || !line) {
        reject(new Error(`selection bench child exited with ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as ChildResult);
    });
  });
}

const fan = (n: number, total: number): FakeScoringRecord => ({
  userId: n.toString(16).padStart(24, '0'),
  globalUserId: `g${n}`,
  memberId: `mem${n}`,
  email: `fan${n}@example.com`,
  score: (n * 7919) % total,
  verdict: true,
  marketIds: ['m1', 'm2', 'm3'],
});

/** Runs both scenarios and returns the report rows. */
export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const root = process.cwd();
  const config = loadConfig('local', { dir: path.join(root, 'configs'), environment: ctx.env });
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const fakes = await startServiceFakes({ publicKey: keys.publicKey });
  const sqsSns = await startSqsSns();
  const sqs = new SQSClient({ ...local, endpoint: sqsSns.endpoint });
  const childFile = await buildChild(root);
  const rows: BenchRow[] = [];
  try {
    const scenario = async (campaignId: string, fans: number, untilDone: boolean) => {
      ctx.progress(`seeding ${fans} fans and ${fans} codes`);
      fakes.entries.seedScoring(
        campaignId,
        Array.from({ length: fans }, (_, i) => fan(i + 1, fans)),
      );
      fakes.codes.seedCodes(
        campaignId,
        'external',
        Array.from({ length: fans }, (_, i) => `C${i}`),
      );
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
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: `bench-save-selection-${campaignId}-${Date.now()}` }),
      );
      const queueUrl = `${sqsSns.endpoint}/000000000000/${QueueUrl!.split('/').pop()}`;
      ctx.progress(`running enqueueMarketSelections for ${campaignId}`);
      const fakesCpuBefore = process.cpuUsage();
      const result = await runChild(childFile, {
        urls: fakes.urls,
        sqsEndpoint: sqsSns.endpoint,
        queueUrl,
        privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        campaignId,
        settings: config.selection,
        sqsSendBatchSize: config.aws.sqsSendBatchSize,
        untilDone,
      });
      const cpu = process.cpuUsage(fakesCpuBefore);
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      fakes.reset();
      return { ...result, fakesCpuS: (cpu.user + cpu.system) / 1e6 };
    };

    const one = await scenario('bench-one', 30_000, false);
    const oneNote = `${one.queued} fans queued of 30,000 eligible; page ${config.selection.pageSize}; service fakes used ${one.fakesCpuS.toFixed(1)} s CPU meanwhile`;
    rows.push(
      {
        name: 'enqueueMarketSelections, one invocation of 25,000 fans: time',
        value: one.durationsMs[0] / 1000,
        unit: 's',
        target: `< ${TIMEOUT_S / 10} s (10% of the ${TIMEOUT_S} s timeout)`,
        notes: oneNote,
      },
      {
        name: 'enqueueMarketSelections, one invocation of 25,000 fans: peak RSS',
        value: one.peakRssMb,
        unit: 'MB',
        target: '< 512 MB (function has 1024 MB)',
      },
    );

    const market = await scenario('bench-market', 250_000, true);
    const slowest = Math.max(...market.durationsMs) / 1000;
    const marketNote = `${market.durationsMs.length} invocations, ${market.queued} fans queued; service fakes used ${market.fakesCpuS.toFixed(1)} s CPU meanwhile`;
    rows.push(
      {
        name: 'enqueueMarketSelections, 250,000-fan market: total time',
        value: market.durationsMs.reduce((a, b) => a + b, 0) / 1000,
        unit: 's',
        notes: marketNote,
      },
      {
        name: 'enqueueMarketSelections, 250,000-fan market: slowest invocation',
        value: slowest,
        unit: 's',
        target: `< ${TIMEOUT_S / 10} s`,
      },
      {
        name: 'enqueueMarketSelections, 250,000-fan market: peak RSS over all invocations',
        value: market.peakRssMb,
        unit: 'MB',
        target: '< 512 MB',
      },
    );
    return rows;
  } finally {
    sqs.destroy();
    await fakes.stop();
    await sqsSns.stop();
  }
}
