/**
 * `npm run ops -- replicate | cache evict | selection restart` on a real local run (the real
 * stacks, DynamoDB Local with its stream, the replication pipeline, the Entry Service and
 * Campaign Service fakes, Redis and the run's Step Functions), through `main` as the operator
 * calls it. Failures are injected only where the system has no other way to show them: Entry
 * Service refusing one fan (so its flag stays set, as after a failed replication), a registration
 * deleted between the count and its flag (a wrapped DynamoDB client), fake latency (so a
 * selection execution stays RUNNING for a few seconds), an env file naming a closed Redis port,
 * and an operator answering no in a protected environment (the verb run directly with
 * `protectedEnv` set, which `main` cannot reach locally).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { entryKey } from '../../../src/shared/aws/keys';
import { CliError } from '../../../tools/build/toolCli';
import { freePort } from '../../../tools/local/emulators/processes';
import type { LocalRuntime } from '../../../tools/local/runtime';
import { CACHE_EVICT_VERB } from '../../../tools/ops/cache';
import type { Io, Values, Verb } from '../../../tools/ops/cli';
import { confirmer } from '../../../tools/ops/cli';
import { main } from '../../../tools/ops/main';
import type { ReplicateResult } from '../../../tools/ops/replicate';
import { REPLICATE_VERB } from '../../../tools/ops/replicate';
import type { RestartResult } from '../../../tools/ops/selection';
import { SELECTION_RESTART_VERB } from '../../../tools/ops/selection';
import type { Target } from '../../../tools/ops/target';
import { resolveTarget } from '../../../tools/ops/target';
import { registrationItem, startStacksRuntime, tempDir } from '../local/helpers';

const workDir = tempDir('ops-verbs-');
const noRedisDir = tempDir('ops-verbs-no-redis-');
let rt: LocalRuntime;
let target: Target;
let redis: Redis;

const CAMPAIGN = 'c-ops';
const OTHER_CAMPAIGN = 'c-ops-other';
const FANS = ['f1', 'f2', 'f3', 'f4'];
/** A fan whose first replication Entry Service refuses: its flag stays set. */
const STUCK = 'f-stuck';
const ALL = [...FANS, STUCK];

beforeAll(async () => {
  rt = await startStacksRuntime('ov', workDir, { edgePort: 0 });
  target = await resolveTarget('local', { envFile: rt.envFile });
  redis = new Redis(rt.exports.REDIS_URL);
}, 300_000);

afterAll(async () => {
  rt?.components.fakes.campaigns.clearFailures();
  rt?.components.fakes.entries.clearFailures();
  for (const execution of rt?.stepFunctions.all() ?? []) {
    rt.stepFunctions.stop(execution.executionArn);
  }
  redis?.disconnect();
  target?.close();
  await rt?.stop();
  rmSync(workDir, { recursive: true, force: true });
  rmSync(noRedisDir, { recursive: true, force: true });
}, 60_000);

interface Run {
  code: number;
  out: string;
  error?: string;
  asked: string[];
}

const ioOf = (lines: string[], asked: string[], answer: boolean): Io => ({
  out: (line) => lines.push(line),
  ask: async (question) => {
    asked.push(question);
    return answer;
  },
});

/** `npm run ops -- <argv> --env local --env-file <the run's env.sh>`: exit code, output, the error of a CliError. */
async function ops(argv: string[], envFile = rt.envFile): Promise<Run> {
  const lines: string[] = [];
  const asked: string[] = [];
  try {
    const code = await main([...argv, '--env', 'local', '--env-file', envFile], ioOf(lines, asked, false));
    return { code, out: lines.join('\n'), asked };
  } catch (error) {
    if (error instanceof CliError) {
      return { code: error.exitCode, out: lines.join('\n'), error: error.message, asked };
    }
    throw error;
  }
}

/**
 * A verb run directly, as `main` would run it, on a target of our own: a protected one (so the
 * confirmation is asked and answered `answer`) or one with a wrapped client.
 */
async function runVerb(verb: Verb, on: Target, values: Values, answer = false): Promise<Run> {
  const lines: string[] = [];
  const asked: string[] = [];
  const io = ioOf(lines, asked, answer);
  try {
    const code = await verb.run({
      target: on,
      values,
      args: [],
      io,
      dryRun: false,
      json: values.json === true,
      confirm: confirmer(on, values, io, false),
    });
    return { code, out: lines.join('\n'), asked };
  } catch (error) {
    if (error instanceof CliError) {
      return { code: error.exitCode, out: lines.join('\n'), error: error.message, asked };
    }
    throw error;
  }
}

const protectedTarget = (): Target => ({ ...target, env: 'prod1', protectedEnv: true });

// ---------------------------------------------------------------- the demand table

const registration = (campaignId: string, fan: string) => registrationItem(campaignId, fan);
/** Not a registration, though it sits among the campaign's entries. */
const NOT_A_FAN = {
  ...entryKey(CAMPAIGN, 'not-a-fan'),
  type: 'notification',
  campaignId: CAMPAIGN,
  needsReplication: false,
};

const put = (item: Record<string, unknown>) =>
  target.dynamo.send(new PutCommand({ TableName: target.demandTableName, Item: item }));
const itemOf = async (campaignId: string, fan: string) =>
  (
    await target.dynamo.send(
      new GetCommand({ TableName: target.demandTableName, Key: entryKey(campaignId, fan), ConsistentRead: true }),
    )
  ).Item;

/** Every item of both campaigns' partitions as JSON, by key: what "byte-identical" is checked on. */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const campaignId of [CAMPAIGN, OTHER_CAMPAIGN]) {
    const { Items = [] } = await target.dynamo.send(
      new QueryCommand({
        TableName: target.demandTableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': entryKey(campaignId, '').PK },
        ConsistentRead: true,
      }),
    );
    for (const item of Items) {
      out[`${item.PK}|${item.SK}`] = JSON.stringify(item);
    }
  }
  return out;
}

const parsed = (items: Record<string, string>): Record<string, Record<string, unknown>> =>
  Object.fromEntries(Object.entries(items).map(([key, json]) => [key, JSON.parse(json) as Record<string, unknown>]));

/** Entry Service upserts (POST /v2/entries) that carried this fan's entry of `campaignId`. */
const upsertsOf = (campaignId: string, fan: string) =>
  rt.components.fakes.entries.requests.filter(
    (r) =>
      r.method === 'POST' &&
      r.path === '/v2/entries' &&
      ((r.body as { entries?: { campaignId: string; userId: string }[] }).entries ?? []).some(
        (e) => e.campaignId === campaignId && e.userId === fan,
      ),
  ).length;
const upsertCounts = () => Object.fromEntries(ALL.map((fan) => [fan, upsertsOf(CAMPAIGN, fan)]));
const replicated = (campaignId: string, fan: string) => rt.components.fakes.entries.entries.get(`${campaignId}:${fan}`);
const settle = () => rt.waitForIdle({ timeoutMs: 180_000 });

describe('replicate', () => {
  beforeAll(async () => {
    // Entry Service refuses STUCK until cleared: saveEntries retries it, it dead-letters, its flag stays set.
    rt.components.fakes.entries.failUsers([STUCK]);
    for (const fan of ALL) {
      await put(registration(CAMPAIGN, fan));
    }
    await put(registration(OTHER_CAMPAIGN, 'o1'));
    await put(NOT_A_FAN);
    await settle();
    rt.components.fakes.entries.clearFailures();
  }, 240_000);

  it('starts from registrations the pipeline replicated, except one whose replication failed', async () => {
    for (const fan of FANS) {
      expect(replicated(CAMPAIGN, fan)).toMatchObject({ globalUserId: fan });
      expect((await itemOf(CAMPAIGN, fan))?.needsReplication).toBe(false);
    }
    expect(replicated(CAMPAIGN, STUCK)).toBeUndefined();
    expect((await itemOf(CAMPAIGN, STUCK))?.needsReplication).toBe(true);
    expect(await rt.queueDepth('save-entries-dlq')).toBe(1);
  });

  it('a dry run counts the registrations and changes nothing', async () => {
    const before = await snapshot();
    const upserts = upsertCounts();

    const text = await ops(['replicate', '--campaign', CAMPAIGN, '--dry-run']);
    expect(text).toMatchObject({ code: 0, asked: [] });
    expect(text.out).toContain(`dry run: would flag 5 registration(s) of campaign ${CAMPAIGN}`);
    expect(text.out).toContain('1 already flagged');

    const json = await ops(['replicate', '--campaign', CAMPAIGN, '--dry-run', '--json']);
    expect(JSON.parse(json.out)).toEqual({
      campaignId: CAMPAIGN,
      dryRun: true,
      registrations: 5,
      flagged: 0,
      alreadyFlagged: 1,
      gone: 0,
      withoutFanModified: 0,
      rate: 25,
    });

    await settle();
    expect(await snapshot()).toEqual(before);
    expect(upsertCounts()).toEqual(upserts);
  });

  it('flags every registration of the campaign, at most --rate a second, and the pipeline replicates each again', async () => {
    // Entry Service lost f1's copy: re-replication brings it back.
    rt.components.fakes.entries.entries.delete(`${CAMPAIGN}:f1`);
    const before = await snapshot();
    const upserts = upsertCounts();
    const otherUpserts = upsertsOf(OTHER_CAMPAIGN, 'o1');

    const began = Date.now();
    const run = await ops(['replicate', '--campaign', CAMPAIGN, '--rate', '4', '--json']);
    const tookMs = Date.now() - began;
    expect(run).toMatchObject({ code: 0, asked: [] });
    expect(JSON.parse(run.out) as ReplicateResult).toEqual({
      campaignId: CAMPAIGN,
      dryRun: false,
      registrations: 5,
      flagged: 5,
      alreadyFlagged: 1,
      gone: 0,
      withoutFanModified: 0,
      rate: 4,
    });
    // Five flags at 4 a second: the fifth starts a second after the first.
    expect(tookMs).toBeGreaterThanOrEqual(1000);

    await settle();
    for (const fan of ALL) {
      // One more upsert each (STUCK included: its already-set flag was cleared and set again).
      expect({ fan, upserts: upsertsOf(CAMPAIGN, fan) }).toEqual({ fan, upserts: upserts[fan] + 1 });
      expect(replicated(CAMPAIGN, fan)).toMatchObject({ globalUserId: fan, userId: fan });
      // saveEntries cleared the flag again.
      expect((await itemOf(CAMPAIGN, fan))?.needsReplication).toBe(false);
    }
    // Nothing else was touched: the other campaign's entry and the campaign's non-registration.
    expect(upsertsOf(OTHER_CAMPAIGN, 'o1')).toBe(otherUpserts);
    const after = await snapshot();
    for (const key of [`${NOT_A_FAN.PK}|${NOT_A_FAN.SK}`, `e:${OTHER_CAMPAIGN}|entry#o1`]) {
      expect(after[key]).toBe(before[key]);
    }
    // The registrations are as they were but for STUCK's flag, now cleared (attribute order aside).
    const stuckKey = `e:${CAMPAIGN}|entry#${STUCK}`;
    expect(parsed(after)).toEqual({
      ...parsed(before),
      [stuckKey]: { ...parsed(before)[stuckKey], needsReplication: false },
    });
  });

  it('--fan flags only that registration', async () => {
    const upserts = upsertCounts();
    const run = await ops(['replicate', '--campaign', CAMPAIGN, '--fan', 'f2']);
    expect(run.code).toBe(0);
    expect(run.out).toContain(
      `flagged 1 of the registration of fan f2 in campaign ${CAMPAIGN} for re-replication; 0 gone`,
    );
    await settle();
    expect(upsertCounts()).toEqual({ ...upserts, f2: upserts.f2 + 1 });
  });

  it('--fan of a fan with no registration exits 1 and flags nothing', async () => {
    const before = await snapshot();
    const missing = await ops(['replicate', '--campaign', CAMPAIGN, '--fan', 'nobody']);
    expect(missing).toMatchObject({ code: 1, out: '' });
    expect(missing.error).toContain(`no registration of fan "nobody" in campaign "${CAMPAIGN}"`);
    const notRegistration = await ops(['replicate', '--campaign', CAMPAIGN, '--fan', 'not-a-fan']);
    expect(notRegistration.code).toBe(1);
    expect(notRegistration.error).toContain('type "notification"');
    expect(await snapshot()).toEqual(before);
  });

  it('a campaign without registrations flags nothing and says so', async () => {
    const run = await ops(['replicate', '--campaign', 'c-none']);
    expect(run.code).toBe(0);
    expect(run.out).toContain('no registrations of campaign c-none');
  });

  it('counts a registration deleted between the count and its flag as gone, and does not recreate it', async () => {
    const victim = entryKey(CAMPAIGN, 'f3');
    let deleted = false;
    // Failure injection: just before the verb flags f3, the fan deletes the registration.
    const racing: Target = {
      ...target,
      dynamo: {
        send: async (command: unknown) => {
          if (
            !deleted &&
            command instanceof UpdateCommand &&
            command.input.Key?.PK === victim.PK &&
            command.input.Key?.SK === victim.SK
          ) {
            deleted = true;
            await target.dynamo.send(new DeleteCommand({ TableName: target.demandTableName, Key: victim }));
          }
          return target.dynamo.send(command as never);
        },
      } as unknown as DynamoDBDocumentClient,
    };
    const run = await runVerb(REPLICATE_VERB, racing, { campaign: CAMPAIGN, json: true });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ registrations: 5, flagged: 4, gone: 1 });
    expect(deleted).toBe(true);
    expect(await itemOf(CAMPAIGN, 'f3')).toBeUndefined();
    await settle();
    expect(await itemOf(CAMPAIGN, 'f3')).toBeUndefined();
    // The deletion itself was replicated (a REMOVE), nothing put it back.
    expect(replicated(CAMPAIGN, 'f3')).toBeUndefined();
  });

  it('asks before flagging in a protected environment, and a "no" flags nothing', async () => {
    const before = await snapshot();
    const upserts = upsertCounts();
    const run = await runVerb(REPLICATE_VERB, protectedTarget(), { campaign: CAMPAIGN });
    expect(run.asked).toEqual([`flag 4 registration(s) of campaign ${CAMPAIGN} for re-replication in prod1?`]);
    expect(run).toMatchObject({ code: 1, error: 'not confirmed; nothing changed' });
    await settle();
    expect(await snapshot()).toEqual(before);
    expect(upsertCounts()).toEqual(upserts);
  });

  it.each([
    ['no --campaign', ['replicate'], /give --campaign/],
    ['--rate 0', ['replicate', '--campaign', CAMPAIGN, '--rate', '0'], /--rate must be a positive integer, not "0"/],
    ['--rate 2.5', ['replicate', '--campaign', CAMPAIGN, '--rate', '2.5'], /--rate must be a positive integer/],
    ['an empty --fan', ['replicate', '--campaign', CAMPAIGN, '--fan', ''], /give --fan/],
    ['an unknown flag', ['replicate', '--campaign', CAMPAIGN, '--bogus'], /Unknown option '--bogus'/],
    ['a positional argument', ['replicate', CAMPAIGN], /replicate takes no arguments/],
  ])('%s is a usage error (exit 2) and changes nothing', async (_what, argv, message) => {
    const before = await snapshot();
    await expect(main([...argv, '--env', 'local', '--env-file', rt.envFile], ioOf([], [], true))).rejects.toMatchObject(
      {
        name: 'CliError',
        exitCode: 2,
        message: expect.stringMatching(message),
      },
    );
    expect(await snapshot()).toEqual(before);
  });
});

// ---------------------------------------------------------------- cache evict

describe('cache evict', () => {
  const slug = `show-${randomBytes(3).toString('hex')}`;
  const key = `campaign:${slug}`;
  const cache = () => redis.set(key, JSON.stringify({ id: 'c1', slug }), 'EX', 3600);

  it('a dry run says the key exists and deletes nothing', async () => {
    await cache();
    const run = await ops(['cache', 'evict', '--campaign', slug, '--dry-run', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ key, existed: true, deleted: false, dryRun: true });
    expect(JSON.parse(run.out).ttlSeconds).toBeGreaterThan(3500);
    expect(await redis.exists(key)).toBe(1);
    const text = await ops(['cache', 'evict', '--campaign', slug, '--dry-run']);
    expect(text.out).toMatch(
      new RegExp(`^dry run: would delete ${key} \\(cached, expires in \\d+ s\\); nothing deleted$`),
    );
  });

  it("deletes the key from the run's Redis; a second run reports it absent", async () => {
    const first = await ops(['cache', 'evict', '--campaign', slug, '--json']);
    expect(first).toMatchObject({ code: 0, asked: [] });
    expect(JSON.parse(first.out)).toMatchObject({ key, existed: true, deleted: true, dryRun: false });
    expect(await redis.exists(key)).toBe(0);

    const second = await ops(['cache', 'evict', '--campaign', slug, '--json']);
    expect(JSON.parse(second.out)).toEqual({ key, existed: false, deleted: false, ttlSeconds: null, dryRun: false });
    const text = await ops(['cache', 'evict', '--campaign', slug]);
    expect(text).toMatchObject({ code: 0, out: `${key} is not cached; nothing to delete` });
  });

  it('asks before deleting in a protected environment, and a "no" deletes nothing', async () => {
    await cache();
    const run = await runVerb(CACHE_EVICT_VERB, protectedTarget(), { campaign: slug });
    expect(run.asked).toEqual([`delete the Redis key ${key} in prod1?`]);
    expect(run).toMatchObject({ code: 1, error: 'not confirmed; nothing changed' });
    expect(await redis.exists(key)).toBe(1);
    const yes = await runVerb(CACHE_EVICT_VERB, protectedTarget(), { campaign: slug }, true);
    expect(yes.code).toBe(0);
    expect(await redis.exists(key)).toBe(0);
  });

  it('says clearly when Redis cannot be reached (exit 1)', async () => {
    // The run's env file and wiring, with REDIS_URL naming a port nothing listens on.
    const port = await freePort();
    const envFile = path.join(noRedisDir, 'env.sh');
    writeFileSync(
      envFile,
      readFileSync(rt.envFile, 'utf8').replace(
        /^export REDIS_URL=.*$/m,
        `export REDIS_URL='redis://127.0.0.1:${port}'`,
      ),
    );
    copyFileSync(path.join(path.dirname(rt.envFile), 'wiring.json'), path.join(noRedisDir, 'wiring.json'));
    const run = await ops(['cache', 'evict', '--campaign', slug], envFile);
    expect(run.code).toBe(1);
    expect(run.error).toContain(`cannot reach Redis at redis://127.0.0.1:${port} (connect ECONNREFUSED`);
    expect(run.error).toContain('is the local run still running');
    expect(run.error).toContain('Nothing deleted.');
  });

  it('needs --campaign (exit 2)', async () => {
    expect(await ops(['cache', 'evict'])).toMatchObject({ code: 2, error: expect.stringContaining('give --campaign') });
    expect(await ops(['cache'])).toMatchObject({
      code: 2,
      error: expect.stringContaining('"cache" needs one of: cache evict'),
    });
  });
});

// ---------------------------------------------------------------- selection restart

describe('selection restart', () => {
  const SELECTION_CAMPAIGN = 'c-sel';
  const machineArn = () => rt.model.stateMachines.find((m) => m.name.endsWith('selection-step-fn'))!.arn;
  const executions = () => rt.stepFunctions.all().filter((e) => e.stateMachineArn === machineArn());
  const restart = (market: string, ...more: string[]) =>
    ops(['selection', 'restart', '--campaign', SELECTION_CAMPAIGN, '--market', market, '--date', 'd1', ...more]);

  beforeAll(() => {
    // Campaign Service and Entry Service answer only after the workers' 2 s timeout (three
    // retries each): the first page, then ReportFailure, each take about 8 s, so an execution
    // stays RUNNING for about 16 s, and the refusal below meets a really running execution.
    rt.components.fakes.campaigns.setLatency(5000);
    rt.components.fakes.entries.setLatency(5000);
  });

  afterAll(() => {
    rt.components.fakes.campaigns.clearFailures();
    rt.components.fakes.entries.clearFailures();
  });

  let first: RestartResult;

  it('starts selection-step-fn with the input the state machine documents and prints the execution ARN', async () => {
    const run = await restart('m1', '--count', '10', '--json');
    expect(run).toMatchObject({ code: 0, asked: [] });
    first = JSON.parse(run.out) as RestartResult;
    const input = { campaignId: SELECTION_CAMPAIGN, marketId: 'm1', dateId: 'd1', selectionCount: 10 };
    expect(first).toMatchObject({ stateMachineArn: machineArn(), input, dryRun: false });
    const described = await target.sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(described.status).toBe('RUNNING');
    expect(described.stateMachineArn).toBe(machineArn());
    expect(JSON.parse(described.input!)).toEqual(input);
    expect(described.name).toMatch(/^ops-c-sel-m1-\d{8}T\d{6}-[0-9a-f]{4}$/);
  });

  it('refuses a second restart of the same market while it runs (exit 1, nothing started)', async () => {
    const count = executions().length;
    for (const more of [[], ['--dry-run']]) {
      const run = await restart('m1', ...more);
      expect(run.code).toBe(1);
      expect(run.error).toContain(`an execution for campaign ${SELECTION_CAMPAIGN} market m1 is still RUNNING`);
      expect(run.error).toContain(first.executionArn);
      expect(run.error).toContain('Nothing started.');
    }
    expect(executions()).toHaveLength(count);
    expect(rt.stepFunctions.describe(first.executionArn!).status).toBe('RUNNING');
  });

  it('starts another market of the same campaign meanwhile', async () => {
    const run = await restart('m2');
    expect(run.code).toBe(0);
    const [started, input] = run.out.split('\n');
    expect(started).toMatch(/^started arn:aws:states:.*:execution:.*selection-step-fn:ops-c-sel-m2-/);
    expect(JSON.parse(input.replace(/^input /, ''))).toEqual({
      campaignId: SELECTION_CAMPAIGN,
      marketId: 'm2',
      dateId: 'd1',
    });
  });

  it('a dry run says what it would start and starts nothing', async () => {
    const count = executions().length;
    const run = await restart('m3', '--dry-run', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toEqual({
      stateMachineArn: machineArn(),
      input: { campaignId: SELECTION_CAMPAIGN, marketId: 'm3', dateId: 'd1' },
      dryRun: true,
    });
    expect(executions()).toHaveLength(count);
  });

  it('asks before starting in a protected environment, and a "no" starts nothing', async () => {
    const count = executions().length;
    const run = await runVerb(SELECTION_RESTART_VERB, protectedTarget(), {
      campaign: SELECTION_CAMPAIGN,
      market: 'm4',
      date: 'd1',
    });
    expect(run.asked).toHaveLength(1);
    expect(run.asked[0]).toMatch(/^start selection-step-fn for campaign c-sel market m4 .* in prod1\?$/);
    expect(run).toMatchObject({ code: 1, error: 'not confirmed; nothing changed' });
    expect(executions()).toHaveLength(count);
  });

  it.each([
    ['no --market', ['--campaign', SELECTION_CAMPAIGN, '--date', 'd1'], /give --market/],
    ['no --date', ['--campaign', SELECTION_CAMPAIGN, '--market', 'm1'], /give --date/],
    [
      '--count 0',
      ['--campaign', SELECTION_CAMPAIGN, '--market', 'm5', '--date', 'd1', '--count', '0'],
      /--count must be a positive integer/,
    ],
    [
      'a campaign id the worker refuses',
      ['--campaign', '..', '--market', 'm5', '--date', 'd1'],
      /campaignId must not be "\." or "\.\."/,
    ],
    [
      'an unknown flag',
      ['--campaign', SELECTION_CAMPAIGN, '--market', 'm5', '--date', 'd1', '--now'],
      /Unknown option '--now'/,
    ],
  ])('%s is a usage error (exit 2) and starts nothing', async (_what, argv, message) => {
    const count = executions().length;
    const run = await ops(['selection', 'restart', ...argv]);
    expect(run.code).toBe(2);
    expect(run.error).toMatch(message);
    expect(executions()).toHaveLength(count);
  });
});
