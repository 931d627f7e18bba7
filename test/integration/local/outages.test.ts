/**
 * Outages of minutes and a certificate rotation on the local run lose nothing and dead-letter
 * nothing (issue 18, point 5). The real dataPipeline and replication stacks run on the local
 * runtime with their real workers; time is compressed instead of waited for:
 *
 * - the retry backoff is local.config.yml's, the production schedule divided by 12.5
 *   (60 s / 300 s -> 5 s / 24 s), so a 5-minute outage becomes OUTAGE_MS = 26 s (a little more
 *   than 300 / 12.5, so the outage also outlasts today's retries);
 * - sendData's and saveEntries' Lambda timeout is 8 s instead of 30 s (a copy of the Terraform),
 *   so their queues' visibility timeout is 10 s instead of 32 s: without the backoff a failed
 *   message is received at 0, 10 and 20 s and dead-lettered inside the outage, as a production
 *   message is within about two minutes;
 * - Kafka client timeouts are 1 s (a copy of the configuration), so a send to the frozen broker
 *   fails within the shorter function timeout; the service clients keep production's 5 s, so an
 *   Entry Service that hangs runs a request past saveEntries' 8 s.
 *
 * The runtime's clock cannot do this compression: SQS visibility runs on fauxqs' real time.
 * Failure injection: the Kafka broker process is frozen (SIGSTOP) and Entry Service answers 503
 * or holds every request for the length of the outage (the fake's latency);
 * the certificate check is the local runtime's TLS boundary MOCK (tools/local/kafkaTls.ts), since
 * the Kafka mock speaks no TLS: it accepts only the certificate in the kafka-cert secret and
 * refuses any other with the error Node gives for a broker's bad_certificate alert.
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { entryKey } from '../../../src/shared/aws/keys';
import { localDynamoDbClient } from '../../../tools/local/emulators/dynamodb';
import { readTopic } from '../../../tools/local/emulators/kafka';
import { selfSignedBundle } from '../../../tools/certs/x509';
import type { LocalRuntime } from '../../../tools/local/runtime';
import { startRuntime, uniqueEnvironment } from '../../../tools/local/runtime';
import { REPO_ROOT, tempDir } from './helpers';

const OUTAGE_MS = 26_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const scratch = tempDir('outages-');
const environment = uniqueEnvironment('o');
let rt: LocalRuntime;
let ddb: DynamoDBDocumentClient;

/** Replaces `from` by `to` in a copied file; fails when the original changed under the test. */
function edit(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  if (!(typeof from === 'string' ? text.includes(from) : from.test(text))) {
    throw new Error(`${file} no longer contains ${String(from)}; update this test's edit`);
  }
  writeFileSync(file, text.replace(from, to));
}

beforeAll(async () => {
  cpSync(path.join(REPO_ROOT, 'terraform'), path.join(scratch, 'terraform'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'configs'), path.join(scratch, 'configs'), { recursive: true });
  for (const stack of ['dataPipeline/sendData.tf', 'replication/saveEntries.tf']) {
    edit(path.join(scratch, 'terraform', 'stacks', stack), 'timeout            = 30', 'timeout            = 8');
  }
  // Production's per-request timeout, so Entry Service hanging outlasts saveEntries' 8 s timeout.
  edit(path.join(scratch, 'configs', 'local.config.yml'), 'timeoutMs: 2000', 'timeoutMs: 5000');
  edit(
    path.join(scratch, 'configs', 'local.config.yml'),
    /kafka:\n {2}brokers: (.*)\n {2}ssl: false\n/,
    `kafka:\n  brokers: $1\n  ssl: true\n  connectionTimeoutMs: 1000\n  requestTimeoutMs: 1000\n`,
  );
  rt = await startRuntime({
    root: REPO_ROOT,
    terraformDir: path.join(scratch, 'terraform'),
    configDir: path.join(scratch, 'configs'),
    stacks: ['dataPipeline', 'replication'],
    environment,
    workDir: path.join(scratch, 'run'),
    ownKafka: true,
    kafkaTls: true,
    // One execution environment per function: the sendData that cached the old certificate is
    // the one that meets the rotation (a second, fresh one would simply read the new secret).
    maxEnvironments: 1,
    streamPollMs: 100,
    sqsWaitSeconds: 1,
  });
  ddb = DynamoDBDocumentClient.from(localDynamoDbClient(rt.components.dynamoDbEndpoint));
}, 300_000);

afterAll(async () => {
  ddb?.destroy();
  await rt?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const broker = () => rt.components.kafka.brokers[0];

/** Registrations on the registrations topic, by globalUserId (the topic is this run's own broker's). */
async function registrationsOnKafka(campaignId: string): Promise<Set<string>> {
  const records = await readTopic(broker(), 'registrations').catch(() => []);
  return new Set(
    records
      .map((r) => JSON.parse(r.value) as { campaignId: string; globalUserId: string })
      .filter((r) => r.campaignId === campaignId)
      .map((r) => r.globalUserId),
  );
}

/** Messages in each stage's dead-letter queues, for the stages with any. */
async function deadLettered(): Promise<Record<string, number>> {
  return Object.fromEntries((await rt.stages()).filter((s) => s.deadLettered > 0).map((s) => [s.stage, s.deadLettered]));
}

/** Messages dead-lettered since `before` (a `deadLettered()` snapshot), per stage. */
async function deadLetteredSince(before: Record<string, number>): Promise<Record<string, number>> {
  const now = await deadLettered();
  return Object.fromEntries(Object.entries(now).flatMap(([stage, n]) => (n > (before[stage] ?? 0) ? [[stage, n - (before[stage] ?? 0)]] : [])));
}

/** Registrations of `fans` in the demand table, flagged for replication (they flow to saveEntries and sendData). */
async function putRegistrations(campaignId: string, fans: string[]): Promise<void> {
  const now = new Date().toISOString();
  for (const globalUserId of fans) {
    await ddb.send(
      new PutCommand({
        TableName: rt.demandTableName,
        Item: {
          ...entryKey(campaignId, globalUserId),
          type: 'registration',
          campaignId,
          globalUserId,
          email: `${globalUserId}@example.com`,
          fields: { markets: ['m1'] },
          date: { created: now, updated: now, fanModified: now },
          needsReplication: true,
        },
      }),
    );
  }
}

describe('outages and a certificate rotation on the local run', () => {
  it('a certificate rotation (the old certificate refused at once) loses nothing and dead-letters nothing', async () => {
    const campaignId = `rotation-${environment}`;
    const queue = rt.queue('registration-queue');
    const send = (globalUserIds: string[]) =>
      rt.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: globalUserIds.map((globalUserId, i) => ({
            Id: String(i),
            MessageBody: JSON.stringify({
              campaignId,
              globalUserId,
              dedupe: { id: createHash('sha256').update(globalUserId).digest('hex'), timestamp: new Date().toISOString() },
            }),
            MessageAttributes: { type: { DataType: 'String', StringValue: 'registration' } },
          })),
        }),
      );
    const dlqBefore = await deadLettered();
    // sendData connects with the certificate it read (and caches for an hour).
    await send(['before']);
    await rt.waitForIdle({ timeoutMs: 60_000 });
    expect(await registrationsOnKafka(campaignId)).toEqual(new Set(['before']));

    // The rotation: a new certificate in the secret; the broker trusts only it from now on.
    const secret = rt.model.secrets.find((s) => s.name.endsWith('-kafka-cert'))!;
    const delayedBefore = rt.host.stats(rt.functionOf('sendData').name).summary.delayed ?? 0;
    rt.components.secrets.put(secret.name, JSON.stringify(selfSignedBundle('reg-workers.rotated', 365)));
    // The boundary closes the old certificate's open connections within 50 ms (kafkaTls.ts).
    await sleep(250);
    await send(['after-1', 'after-2']);
    await rt.waitForIdle({ timeoutMs: 120_000 });

    expect(await deadLetteredSince(dlqBefore)).toEqual({});
    expect(await registrationsOnKafka(campaignId)).toEqual(new Set(['before', 'after-1', 'after-2']));
    // Refused once, read again at once: no record even needed a second delivery.
    const sendDataLog = readFileSync(path.join(scratch, 'run', 'logs', 'sendData.log'), 'utf8');
    expect(sendDataLog).toContain('kafka refused the client certificate; reading kafka-cert again and reconnecting');
    expect(rt.host.stats(rt.functionOf('sendData').name).summary.delayed ?? 0).toBe(delayedBefore);
  }, 240_000);

  it('a 5-minute outage of Kafka and of Entry Service (compressed) dead-letters nothing and loses nothing', async () => {
    const campaignId = `outage-${environment}`;
    const fans = ['g1', 'g2', 'g3', 'g4'].map((g) => `${g}-${environment}`);
    const entries = rt.components.fakes.entries;
    const dlqBefore = await deadLettered();
    await rt.components.kafka.pause!();
    entries.failNext({ status: 503, count: 1_000_000, path: /^\/v2\/entries/ });
    try {
      await putRegistrations(campaignId, fans);
      await sleep(OUTAGE_MS);
    } finally {
      entries.clearFailures();
      await rt.components.kafka.resume!();
    }
    await rt.waitForIdle({ timeoutMs: 120_000 });
    expect(await deadLetteredSince(dlqBefore)).toEqual({});
    const replicated = [...entries.entries.values()].filter((e) => e.campaignId === campaignId).map((e) => e.globalUserId);
    expect(new Set(replicated)).toEqual(new Set(fans));
    expect(await registrationsOnKafka(campaignId)).toEqual(new Set(fans));
    // Both workers met the outage: their records failed and were delayed rather than dead-lettered.
    const summary = (worker: string) => rt.host.stats(rt.functionOf(worker).name).summary;
    expect({ sendData: summary('sendData').delayed > 0, saveEntries: summary('saveEntries').delayed > 0 }).toEqual({
      sendData: true,
      saveEntries: true,
    });
  }, 240_000);

  it('Entry Service that accepts requests and never answers (compressed 5-minute outage) dead-letters nothing', async () => {
    const campaignId = `hang-${environment}`;
    const fans = ['h1', 'h2', 'h3'].map((g) => `${g}-${environment}`);
    const entries = rt.components.fakes.entries;
    const saveEntries = rt.functionOf('saveEntries').name;
    const dlqBefore = await deadLettered();
    const before = { ...rt.host.stats(saveEntries) };
    const delayedBefore = before.summary.delayed ?? 0;
    entries.setLatency(OUTAGE_MS);
    try {
      await putRegistrations(campaignId, fans);
      await sleep(OUTAGE_MS);
    } finally {
      entries.clearFailures();
    }
    await rt.waitForIdle({ timeoutMs: 120_000 });
    expect(await deadLetteredSince(dlqBefore)).toEqual({});
    const replicated = [...entries.entries.values()].filter((e) => e.campaignId === campaignId).map((e) => e.globalUserId);
    expect(new Set(replicated)).toEqual(new Set(fans));
    // Each hanging batch was given up before the function timeout and delayed, never timed out.
    const after = rt.host.stats(saveEntries);
    expect({ timeouts: after.timeouts - before.timeouts, delayed: (after.summary.delayed ?? 0) > delayedBefore }).toEqual({
      timeouts: 0,
      delayed: true,
    });
  }, 240_000);
});
