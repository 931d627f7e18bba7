/**
 * `npm run ops -- stream replay` on a real local run: registrations written to the real demand
 * table (DynamoDB Local), their change records read back through the run's Kinesis API, batch
 * pointers in the shape Lambda and Pipes write them put into the stream mapping's and the
 * pipe's DLQs, and the replay delivering the records again to the real enqueueEntries function
 * (and on to saveEntries and the Entry Service fake) or through the pipe's template to data-queue.
 */
import { rmSync } from 'node:fs';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { entryKey } from '../../../src/shared/aws/keys';
import { CliError } from '../../../tools/build/toolCli';
import type { LocalRuntime } from '../../../tools/local/runtime';
import type { StreamMapping } from '../../../tools/local/wiring/model';
import type { Io } from '../../../tools/ops/cli';
import { main } from '../../../tools/ops/main';
import type { PointerOutcome } from '../../../tools/ops/streamReplay';
import type { Target } from '../../../tools/ops/target';
import { resolveTarget } from '../../../tools/ops/target';
import { entryUpsertsOf, registrationItem, startStacksRuntime, tempDir } from '../local/helpers';

const workDir = tempDir('ops-replay-');
let rt: LocalRuntime;
let target: Target;
let streamArn: string;
const CAMPAIGN = 'c-replay';
const FANS = ['r1', 'r2', 'r3'];

beforeAll(async () => {
  rt = await startStacksRuntime('sr', workDir);
  target = await resolveTarget('local', { envFile: rt.envFile });
  streamArn = rt.model.mappings.find((m): m is StreamMapping => m.kind === 'stream')!.streamArn;
}, 300_000);

afterAll(async () => {
  target?.close();
  await rt?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

async function ops(argv: string[]) {
  const lines: string[] = [];
  const io: Io = { out: (line) => lines.push(line), ask: async () => false };
  try {
    const code = await main([...argv, '--env', 'local', '--env-file', rt.envFile], io);
    return { code, out: lines.join('\n') };
  } catch (error) {
    if (error instanceof CliError) {
      return { code: error.exitCode, out: lines.join('\n'), error: error.message };
    }
    throw error;
  }
}

const registration = (fan: string) => registrationItem(CAMPAIGN, fan);

/** Entry Service upserts that carried this fan's entry. */
const upsertsOf = (fan: string) => entryUpsertsOf(rt, fan);

/** Sequence numbers of the INSERTs of the campaign's registrations, read through the run's Kinesis API. */
async function insertSequences(): Promise<string[]> {
  const { ShardIterator } = await target.kinesis.send(
    new GetShardIteratorCommand({
      StreamARN: streamArn,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const { Records = [] } = await target.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
  return Records.filter((r) => {
    const change = JSON.parse(Buffer.from(r.Data!).toString('utf8')) as {
      eventName: string;
      dynamodb: { Keys: { PK: { S: string } } };
    };
    return change.eventName === 'INSERT' && change.dynamodb.Keys.PK.S === entryKey(CAMPAIGN, 'x').PK;
  }).map((r) => r.SequenceNumber!);
}

const pointer = (start: string, end: string, batchSize: number) =>
  JSON.stringify({
    requestContext: {
      requestId: 'test',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 4,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: new Date().toISOString(),
    KinesisBatchInfo: {
      shardId: 'shardId-000000000000',
      startSequenceNumber: start,
      endSequenceNumber: end,
      batchSize,
      streamArn,
    },
  });

async function send(queue: string, body: string): Promise<void> {
  await target.sqs.send(
    new SendMessageCommand({ QueueUrl: await target.queueUrl(rt.queue(queue).name), MessageBody: body }),
  );
}

async function depth(queue: string): Promise<number> {
  const { Attributes = {} } = await target.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: await target.queueUrl(rt.queue(queue).name),
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

describe('ops stream replay', () => {
  let sequences: string[] = [];

  beforeAll(async () => {
    await target.dynamo.send(
      new BatchWriteCommand({
        RequestItems: { [target.demandTableName]: FANS.map((fan) => ({ PutRequest: { Item: registration(fan) } })) },
      }),
    );
    await rt.waitForIdle({ timeoutMs: 120_000 });
    expect(FANS.map(upsertsOf)).toEqual([1, 1, 1]);
    sequences = await insertSequences();
    expect(sequences).toHaveLength(3);
  }, 180_000);

  it("delivers a stream mapping's failed batch to its function again; expired and unreadable pointers stay and are reported", async () => {
    const gone = '9'.repeat(30);
    await send('enqueue-entries-dlq', pointer(sequences[0], sequences[2], 3));
    await send('enqueue-entries-dlq', pointer(gone, gone, 1));
    await send('enqueue-entries-dlq', 'not a pointer');

    const dry = await ops(['stream', 'replay', 'enqueue-entries-dlq', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/would replay \d+ record\(s\)/);
    expect(dry.out).toContain('records gone from the stream (expired); pointer kept');
    expect(dry.out).toContain('dry run: 3 pointer(s) read; nothing delivered or deleted');
    expect(await depth('enqueue-entries-dlq')).toBe(3);
    await rt.waitForIdle({ timeoutMs: 60_000 });
    expect(FANS.map(upsertsOf)).toEqual([1, 1, 1]);

    const run = await ops(['stream', 'replay', 'enqueue-entries-dlq', '--json']);
    // Something stays in the DLQ for the operator: exit 1.
    expect(run.code).toBe(1);
    const outcomes = JSON.parse(run.out) as PointerOutcome[];
    expect(outcomes.map((o) => o.result).sort()).toEqual(['expired', 'not a pointer', 'replayed']);
    const replayed = outcomes.find((o) => o.result === 'replayed')!;
    expect(replayed.delivered).toBeGreaterThanOrEqual(3);
    expect(await depth('enqueue-entries-dlq')).toBe(2);

    // enqueueEntries sent each fan to save-entries again; saveEntries upserted each once more.
    await rt.waitForIdle({ timeoutMs: 120_000 });
    expect(FANS.map(upsertsOf)).toEqual([2, 2, 2]);
    for (const fan of FANS) {
      expect(rt.components.fakes.entries.entries.get(`${CAMPAIGN}:${fan}`)).toBeDefined();
    }
    expect((await ops(['dlq', 'purge', 'enqueue-entries-dlq'])).code).toBe(0);
  });

  it("sends the pipe's failed batch through its input template to its target queue again", async () => {
    const before = (await rt.stages()).find((s) => s.stage === 'processData')?.in ?? 0;
    await send('dmnd-table-pipe-dlq', pointer(sequences[0], sequences[2], 3));
    const run = await ops(['stream', 'replay', 'dmnd-table-pipe-dlq']);
    expect(run).toMatchObject({ code: 0 });
    expect(run.out).toMatch(/replayed \d+ record\(s\); pointer deleted/);
    expect(run.out).toContain('1 replayed, 0 partly expired, 0 expired, 0 failed, 0 unreadable');
    expect(await depth('dmnd-table-pipe-dlq')).toBe(0);
    await rt.waitForIdle({ timeoutMs: 120_000 });
    const after = (await rt.stages()).find((s) => s.stage === 'processData')?.in ?? 0;
    expect(after - before).toBeGreaterThanOrEqual(3);
  });

  it('refuses a DLQ of messages, a queue that is no DLQ and bad numbers, with exit 2', async () => {
    expect(await ops(['stream', 'replay', 'save-entries-dlq'])).toMatchObject({
      code: 2,
      error: expect.stringMatching(/holds messages.*dlq redrive save-entries-dlq/),
    });
    expect(await ops(['stream', 'replay', 'save-entries'])).toMatchObject({
      code: 2,
      error: expect.stringMatching(/not a dead-letter queue/),
    });
    expect(await ops(['stream', 'replay', 'enqueue-entries-dlq', '--max', '-1'])).toMatchObject({ code: 2 });
  });
});
