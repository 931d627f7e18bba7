/**
 * `npm run ops` status and dlq verbs against a real local run (tools/local/runtime.ts): real
 * queues on the SQS emulator behind the run's one endpoint, found through the env file and the
 * wiring.json the run writes, exactly as `--env local` finds them. The only doubles are the
 * failures injected into the SQS client (a delete or a send that fails half-way), through main's
 * `prepare` hook, and the operator's answers to the confirmation prompt.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { LocalRuntime } from '../../../tools/local/runtime';
import { CliError } from '../../../tools/build/toolCli';
import type { Io } from '../../../tools/ops/cli';
import { main } from '../../../tools/ops/main';
import type { Status } from '../../../tools/ops/status';
import type { Target } from '../../../tools/ops/target';
import { resolveTarget } from '../../../tools/ops/target';
import { startStacksRuntime, tempDir } from '../local/helpers';

const workDir = tempDir('ops-dlq-');
let rt: LocalRuntime;
let target: Target;
let prefix: string;

beforeAll(async () => {
  rt = await startStacksRuntime('op', workDir);
  target = await resolveTarget('local', { envFile: rt.envFile });
  prefix = `prd2011-${target.environment}-${target.region}-`;
}, 300_000);

afterAll(async () => {
  target?.close();
  await rt?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs `npm run ops -- <argv>` in process: its exit code or CliError, and what it printed. */
async function ops(argv: string[], options: { answer?: boolean; prepare?: (t: Target) => void } = {}) {
  const lines: string[] = [];
  const asked: string[] = [];
  const io: Io = {
    out: (line) => lines.push(line),
    ask: async (question) => {
      asked.push(question);
      return options.answer ?? false;
    },
  };
  const local = ['--env', 'local', '--env-file', rt.envFile];
  try {
    const code = await main([...argv, ...local], io, options.prepare);
    return { code, out: lines.join('\n'), asked };
  } catch (error) {
    if (error instanceof CliError) {
      return { code: error.exitCode, out: lines.join('\n'), error: error.message, asked };
    }
    throw error;
  }
}

const sqs = (): SQSClient => target.sqs;
const url = (short: string) => target.queueUrl(`${prefix}${short}`);

async function depth(short: string): Promise<number> {
  const { Attributes = {} } = await sqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: await url(short),
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

async function put(short: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs().send(
      new SendMessageBatchCommand({
        QueueUrl: await url(short),
        Entries: bodies.slice(i, i + 10).map((body, j) => ({
          Id: String(j),
          MessageBody: body,
          MessageAttributes: { reason: { DataType: 'String', StringValue: `why-${body}` } },
        })),
      }),
    );
  }
}

/** Takes every message off a queue (deleting it): bodies with their `reason` attribute. */
async function drain(short: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs().send(
      new ReceiveMessageCommand({
        QueueUrl: await url(short),
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 300,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      return out.sort();
    }
    out.push(...Messages.map((m) => `${m.Body}|${m.MessageAttributes?.reason?.StringValue}`));
    await sqs().send(
      new DeleteMessageBatchCommand({
        QueueUrl: await url(short),
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

const bodies = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}-${String(i).padStart(3, '0')}`);
const expected = (list: string[]) => list.map((b) => `${b}|why-${b}`).sort();

/** Fails the `nth` call of `command` (1-based) on the target's SQS client. */
function failing(command: string, nth: number) {
  return (t: Target) => {
    const real = t.sqs.send.bind(t.sqs);
    let calls = 0;
    t.sqs.send = ((cmd: { constructor: { name: string } }, ...rest: unknown[]) => {
      if (cmd.constructor.name === command && ++calls === nth) {
        return Promise.reject(
          Object.assign(new Error(`injected ${command} failure`), { name: 'InternalError', $metadata: {} }),
        );
      }
      return (real as (...a: unknown[]) => Promise<unknown>)(cmd, ...rest);
    }) as SQSClient['send'];
  };
}

describe('ops status', () => {
  it('lists every queue of the run with its depth, the mappings, the state machines; one stack with --stack', async () => {
    await put('user-info-dlq', ['a', 'b']);
    const all = await ops(['status', '--json']);
    expect(all.code).toBe(0);
    const status = JSON.parse(all.out) as Status;
    expect(status.queues.map((q) => q.name).sort()).toEqual(rt.model.queues.map((q) => q.name).sort());
    expect(status.queues.find((q) => q.name === `${prefix}user-info-dlq`)).toMatchObject({
      dlq: true,
      visible: 2,
      oldestAgeSeconds: null,
    });
    expect(status.queues.find((q) => q.name === `${prefix}user-info`)).toMatchObject({ dlq: false });
    expect(status.mappings).toHaveLength(rt.model.mappings.length);
    expect(status.mappings.every((m) => m.state === 'Enabled')).toBe(true);
    expect(status.stateMachines.map((s) => s.name).sort()).toEqual(rt.model.stateMachines.map((s) => s.name).sort());
    expect(status.stateMachines.every((s) => s.running === 0)).toBe(true);
    // The run evaluates its alarms every 2 s on complete minutes: only the DLQ just filled may be in ALARM yet.
    expect(status.alarms.filter((a) => a.name !== `${prefix}user-info-dlq-messages`)).toEqual([]);

    const text = await ops(['status', '--stack', 'registration']);
    expect(text.out).toContain('user-info-dlq [dlq]');
    expect(text.out).toContain('dead letters waiting in user-info-dlq');
    expect(text.out).not.toContain('save-entries');
    expect((await ops(['dlq', 'purge', 'user-info-dlq'])).code).toBe(0);
  });
});

describe('ops dlq', () => {
  it('lists the DLQs with what sends to them and what they hold', async () => {
    const { code, out } = await ops(['dlq', 'list', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(out) as { name: string; holds: string; from: string }[];
    const byShort = Object.fromEntries(rows.map((r) => [r.name.slice(prefix.length), r]));
    expect(byShort['save-entries-dlq']).toMatchObject({ holds: 'messages', from: 'save-entries (redrive)' });
    expect(byShort['enqueue-entries-dlq']).toMatchObject({
      holds: 'batch pointers',
      from: 'enqueue-entries stream mapping',
    });
    expect(byShort['mark-assigned-codes-dlq']).toMatchObject({ holds: 'batch pointers' });
    expect(Object.values(byShort).some((r) => r.from.endsWith(' pipe'))).toBe(true);
    expect(rows.some((r) => r.name === `${prefix}save-entries`)).toBe(false);
  });

  it('peeks without removing: bodies and attributes shown, every message visible again at once', async () => {
    await put('retry-score-dlq', ['{"fan":"g1"}', '{"fan":"g2"}', '{"fan":"g3"}']);
    const { code, out } = await ops(['dlq', 'peek', 'retry-score-dlq', '-n', '2', '--json']);
    expect(code).toBe(0);
    const shown = JSON.parse(out) as { body: string; attributes: Record<string, string>; receiveCount: number }[];
    expect(shown).toHaveLength(2);
    for (const m of shown) {
      expect(m.attributes.reason).toBe(`why-${m.body}`);
      expect(m.receiveCount).toBe(1);
    }
    // Visible again now, not after a visibility timeout: a plain receive gets all three.
    expect(await drain('retry-score-dlq')).toEqual(expected(['{"fan":"g1"}', '{"fan":"g2"}', '{"fan":"g3"}']));
  });

  it('redrives with a move task: every message and its attributes at the destination, none left', async () => {
    const sent = bodies(23, 'mt');
    await put('save-entries-dlq', sent);
    const dry = await ops(['dlq', 'redrive', 'save-entries-dlq', '--to', 'refresh-selection-dlq', '--dry-run']);
    expect(dry.out).toMatch(/dry run: would move 23 message\(s\) from save-entries-dlq to refresh-selection-dlq/);
    expect(await depth('save-entries-dlq')).toBe(23);
    expect(await depth('refresh-selection-dlq')).toBe(0);

    const { code, out } = await ops([
      'dlq',
      'redrive',
      'save-entries-dlq',
      '--to',
      'refresh-selection-dlq',
      '--rate',
      '500',
    ]);
    expect({ code, out }).toEqual({ code: 0, out: 'moved 23 message(s) (move task)' });
    expect(await depth('save-entries-dlq')).toBe(0);
    expect(await drain('refresh-selection-dlq')).toEqual(expected(sent));
  });

  it('moves messages itself where there is no move task; a redrive that fails half-way loses and duplicates nothing when run again', async () => {
    const sent = bodies(35, 'rd');
    await put('save-selection-dlq', sent);
    const args = ['dlq', 'redrive', 'save-selection-dlq', '--to', 'mark-assigned-codes-dlq', '--rate', '500'];
    // The endpoint has no move task: the fallback path, and its deletes fail on the second batch.
    const noMoveTask = (t: Target) => {
      const real = t.sqs.send.bind(t.sqs);
      t.sqs.send = ((cmd: { constructor: { name: string } }, ...rest: unknown[]) =>
        cmd.constructor.name === 'StartMessageMoveTaskCommand'
          ? Promise.reject(
              Object.assign(new Error('StartMessageMoveTask is not supported'), {
                name: 'UnsupportedOperation',
                $metadata: {},
              }),
            )
          : (real as (...a: unknown[]) => Promise<unknown>)(cmd, ...rest)) as SQSClient['send'];
      failing('DeleteMessageBatchCommand', 2)(t);
    };
    const first = await ops(args, { prepare: noMoveTask });
    expect(first.code).toBe(1);
    expect(first.out).toContain('StartMessageMoveTask is not available here');
    expect(first.error).toMatch(/10 moved; 10 sent and not yet deleted, recorded/);
    expect(await depth('save-selection-dlq')).toBe(25);
    // The ten sent-but-not-deleted are at the destination already and in the journal.
    expect(readdirSync(target.stateDir)).toEqual([`redrive-${prefix}save-selection-dlq.json`]);

    const second = await ops([...args, '--no-move-task']);
    expect(second).toMatchObject({ code: 0, out: 'moved 25 message(s) (receive-send-delete)' });
    expect(await depth('save-selection-dlq')).toBe(0);
    expect(await drain('mark-assigned-codes-dlq')).toEqual(expected(sent));
    expect(existsSync(target.stateDir) ? readdirSync(target.stateDir) : []).toEqual([]);
  });

  it('a send that fails leaves the messages in the DLQ; --max moves no more than asked', async () => {
    const sent = bodies(12, 'sf');
    await put('save-selection-dlq', sent);
    const args = [
      'dlq',
      'redrive',
      'save-selection-dlq',
      '--to',
      'mark-assigned-codes-dlq',
      '--no-move-task',
      '--rate',
      '500',
    ];
    const failed = await ops(args, { prepare: failing('SendMessageBatchCommand', 1) });
    expect(failed.code).toBe(1);
    expect(failed.error).toMatch(/InternalError: injected SendMessageBatchCommand failure/);
    expect(await depth('save-selection-dlq')).toBe(12);
    expect(await depth('mark-assigned-codes-dlq')).toBe(0);

    expect((await ops([...args, '--max', '5'])).out).toBe('moved 5 message(s) (receive-send-delete)');
    expect(await depth('save-selection-dlq')).toBe(7);
    expect((await ops(args)).out).toBe('moved 7 message(s) (receive-send-delete)');
    expect(await drain('mark-assigned-codes-dlq')).toEqual(expected(sent));
  });

  it('asks before moving or deleting in a protected environment; no answer, no change; --yes does not ask', async () => {
    await put('retry-score-dlq', ['p1', 'p2']);
    const asProd = (t: Target) => {
      t.protectedEnv = true;
    };
    const refused = await ops(['dlq', 'purge', 'retry-score-dlq'], { prepare: asProd, answer: false });
    expect(refused).toMatchObject({ code: 1, error: 'not confirmed; nothing changed' });
    expect(refused.asked).toEqual(['delete all 2 message(s) of retry-score-dlq in local?']);
    expect(await depth('retry-score-dlq')).toBe(2);
    const redrive = await ops(['dlq', 'redrive', 'retry-score-dlq', '--to', 'user-info-dlq'], {
      prepare: asProd,
      answer: false,
    });
    expect(redrive.asked).toEqual(['move 2 message(s) from retry-score-dlq to user-info-dlq in local?']);
    expect(await depth('retry-score-dlq')).toBe(2);

    const dry = await ops(['dlq', 'purge', 'retry-score-dlq', '--dry-run'], { prepare: asProd });
    expect(dry).toMatchObject({
      code: 0,
      asked: [],
      out: 'dry run: would delete all 2 message(s) of retry-score-dlq; nothing deleted',
    });
    const yes = await ops(['dlq', 'purge', 'retry-score-dlq', '--yes'], { prepare: asProd });
    expect(yes).toMatchObject({ code: 0, asked: [] });
    expect(await depth('retry-score-dlq')).toBe(0);
  });

  it('refuses what it cannot do, with exit 2 and nothing changed', async () => {
    await put('user-info-dlq', ['keep']);
    const cases: [string[], RegExp][] = [
      [
        ['dlq', 'redrive', 'enqueue-entries-dlq'],
        /holds pointers to failed stream batches.*stream replay enqueue-entries-dlq/,
      ],
      [['dlq', 'purge', 'user-info'], /user-info is not a dead-letter queue/],
      [['dlq', 'peek', 'no-such-queue'], /no queue "no-such-queue".*queues: .*save-entries-dlq/],
      [['dlq', 'peek', 'user-info-dlq', '-n', '0'], /-n must be a positive integer/],
      [['dlq', 'redrive', 'user-info-dlq', '--max', '1.5'], /--max must be a positive integer/],
      [['dlq', 'redrive', 'user-info-dlq', '--to', 'user-info-dlq'], /--to names the dead-letter queue itself/],
      [['dlq', 'redrive', 'user-info-dlq', '--bogus'], /Unknown option '--bogus'/],
      [['dlq', 'peek'], /dlq peek takes <queue>/],
      [['dlq'], /"dlq" needs one of: dlq list, dlq peek, dlq redrive, dlq purge/],
      [['status', '--stack', 'nope'], /unknown stack "nope"/],
      [['status', 'extra'], /status takes no arguments/],
    ];
    for (const [argv, message] of cases) {
      const result = await ops(argv);
      expect({ argv, code: result.code, error: result.error }).toEqual({
        argv,
        code: 2,
        error: expect.stringMatching(message),
      });
    }
    await expect(main(['status'], { out: () => {}, ask: async () => false })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('give --env'),
    });
    await expect(main(['status', '--env', 'prod2'], { out: () => {}, ask: async () => false })).rejects.toMatchObject({
      exitCode: 2,
    });
    expect(await depth('user-info-dlq')).toBe(1);
    await drain('user-info-dlq');
  });

  it('prints help for the tool and for every verb', async () => {
    const lines: string[] = [];
    const io: Io = { out: (l) => lines.push(l), ask: async () => false };
    expect(await main(['--help'], io)).toBe(0);
    expect(lines.join('\n')).toMatch(/dlq redrive <queue>/);
    for (const verb of ['status', 'dlq list', 'dlq peek', 'dlq redrive', 'dlq purge']) {
      lines.length = 0;
      expect(await main([...verb.split(' '), '--help'], io)).toBe(0);
      expect(lines.join('\n')).toContain(`usage: npm run ops -- ${verb}`);
    }
  });
});

describe('ops against an AWS environment', () => {
  it('reads prod1 from its tfvars: its names, a confirmation before changes, CloudWatch for ages and alarms; no call made yet', async () => {
    const prod = await resolveTarget('prod1');
    try {
      expect(prod).toMatchObject({
        env: 'prod1',
        environment: 'prod1',
        protectedEnv: true,
        demandTableName: 'prd3292-prod1-us-east-1-demand-table',
      });
      expect(prod.cloudwatch).toBeDefined();
      expect(prod.model.queues.map((q) => q.name)).toContain('prd2011-prod1-us-east-1-save-entries-dlq');
      expect(prod.model.functions.map((f) => f.name)).toContain('prd2011-prod1-us-east-1-save-entries');
    } finally {
      prod.close();
    }
    expect((await resolveTarget('qa1').then((t) => (t.close(), t))).protectedEnv).toBe(false);
  });
});
