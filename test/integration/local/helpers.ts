/** Helpers of the local runtime's integration tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { entryKey } from '../../../src/shared/aws/keys';
import type { InvocationRecord } from '../../../tools/local/lambda/host';
import type { LocalRuntime, RuntimeOptions } from '../../../tools/local/runtime';
import { startRuntime, uniqueEnvironment } from '../../../tools/local/runtime';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(__dirname, 'fixtures');

/** Handler entry of a fixture worker, relative to the repository root (what the runtime's `entryOf` returns). */
export const fixtureWorker = (worker: string): string => path.relative(REPO_ROOT, path.join(FIXTURES, 'workers', `${worker}.js`));

/** A local run of the fixture stack (fixtures/terraform) with the fixture workers' handlers; `options` add to or override that. */
export const startFixtureRuntime = (options: Omit<RuntimeOptions, 'root'>): Promise<LocalRuntime> =>
  startRuntime({
    root: REPO_ROOT,
    terraformDir: path.join(FIXTURES, 'terraform'),
    entryOf: fixtureWorker,
    useDist: false,
    ...options,
  });

/**
 * A local run of the real stacks for one suite: a unique environment (`<prefix>` + random), 1 s
 * SQS long polls, and its own Kafka broker, so the records it publishes never reach the suites
 * that read the shared one. `options` add to or override that.
 */
export const startStacksRuntime = (prefix: string, workDir: string, options: Omit<RuntimeOptions, 'root' | 'workDir'> = {}): Promise<LocalRuntime> =>
  startRuntime({ root: REPO_ROOT, environment: uniqueEnvironment(prefix), workDir, sqsWaitSeconds: 1, ownKafka: true, ...options });

export const tempDir = (prefix: string): string => mkdtempSync(path.join(tmpdir(), prefix));

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. Never a fixed sleep. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Parsed bodies of the SQS records an invocation received. */
export const sqsBodies = (record: InvocationRecord): Record<string, unknown>[] =>
  ((record.event as SQSEvent | undefined)?.Records ?? []).map((r) => JSON.parse(r.body) as Record<string, unknown>);

/** The new images (attribute-value form) of the Kinesis records an invocation received, with their sequence numbers. */
export const streamImages = (record: InvocationRecord): { sequenceNumber: string; image: Record<string, { S?: string }> }[] =>
  ((record.event as KinesisStreamEvent | undefined)?.Records ?? []).map((r) => ({
    sequenceNumber: r.kinesis.sequenceNumber,
    image: (JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')) as { dynamodb: { NewImage: Record<string, { S?: string }> } }).dynamodb.NewImage,
  }));

/** A registration entry of the demand table that needs replication (dated 2026-12-01); `extra` adds to it. */
export const registrationItem = (campaignId: string, fan: string, extra: Record<string, unknown> = {}) => ({
  ...entryKey(campaignId, fan),
  type: 'registration',
  campaignId,
  globalUserId: fan,
  email: `${fan}@example.com`,
  fields: { email: `${fan}@example.com`, markets: ['m1'], allow_marketing: true },
  needsReplication: true,
  date: {
    created: '2026-12-01T00:00:00.000Z',
    updated: '2026-12-01T00:00:00.000Z',
    fanModified: '2026-12-01T00:00:00.000Z',
  },
  ...extra,
});

/** How many Entry Service upserts of a run carried this fan's entry. */
export const entryUpsertsOf = (rt: LocalRuntime, fan: string): number =>
  rt.components.fakes.entries.requests.filter(
    (r) => r.method === 'POST' && r.path.startsWith('/v2/entries') && JSON.stringify(r.body).includes(`"${fan}"`),
  ).length;
