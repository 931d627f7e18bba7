/**
 * `ops dlq list | peek | redrive | purge`: dead-letter queues.
 *
 * Redrive uses SQS StartMessageMoveTask where the endpoint has it (AWS, and the local run), and
 * otherwise (or with --max, which a move task cannot honour) moves messages itself: receive,
 * send to the destination, and only then delete. The ids of messages sent but not yet deleted are
 * kept in a journal under the target's state folder, so a run stopped between the send and the
 * delete, run again, deletes them without sending them twice.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { sendMessageBatches } from '../../src/shared/aws/sqsBatchSender';
import { CliError } from '../build/toolCli';
import type { Queue } from '../local/wiring/model';
import type { Verb, VerbContext } from './cli';
import { pacer, positiveInt, table } from './cli';
import type { DeadLetterQueue } from './resources';
import { deadLetterQueue, deadLetterQueues, sourcesOf, stackFilter } from './resources';
import type { Target } from './target';
import { findQueue, shortName } from './target';

async function attributes(target: Target, queue: Queue) {
  const { Attributes: a = {} } = await target.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: await target.queueUrl(queue.name),
      AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    arn: a.QueueArn ?? queue.arn,
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** Makes messages received for a look visible again at once. */
async function release(target: Target, url: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await target.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: messages
          .slice(i, i + 10)
          .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  }
}

const receive = (target: Target, url: string, max: number, visibilityTimeout: number) =>
  target.sqs
    .send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, max),
        VisibilityTimeout: visibilityTimeout,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    )
    .then((out) => out.Messages ?? []);

const dlqOf = (ctx: VerbContext): DeadLetterQueue =>
  deadLetterQueue(ctx.target.model, findQueue(ctx.target, ctx.args[0]));

// ---------------------------------------------------------------- list

const LIST: Verb = {
  name: 'dlq list',
  args: [],
  summary: 'every dead-letter queue: depth, what sends to it, what it holds',
  help: `  --stack STACK     only this stack's DLQs

A DLQ holds either the failed messages (redrive them) or, for a stream mapping or the pipe,
pointers to a failed batch of stream records (replay them with \`stream replay\`).`,
  options: { stack: { type: 'string' } },
  changes: false,
  async run({ target, values, io, json }) {
    const dlqs = deadLetterQueues(target.model, stackFilter(target.model, values.stack));
    const rows = await Promise.all(
      dlqs.map(async (d) => ({
        name: d.queue.name,
        stack: d.queue.stack,
        holds: d.holds,
        from: sourcesOf(d, (n) => shortName(target, n)),
        ...(await attributes(target, d.queue)),
      })),
    );
    if (json) {
      io.out(
        JSON.stringify(
          rows.map(({ arn: _arn, ...r }) => r),
          null,
          2,
        ),
      );
      return 0;
    }
    for (const line of table(
      ['dlq', 'stack', 'visible', 'in flight', 'holds', 'from'],
      rows.map((r) => [shortName(target, r.name), r.stack, r.visible, r.inFlight, r.holds, r.from]),
    )) {
      io.out(line);
    }
    return 0;
  },
};

// ---------------------------------------------------------------- peek

/** Reads up to `n` messages without deleting them; they are visible again when it returns. */
export async function peek(target: Target, queue: Queue, n: number): Promise<Message[]> {
  const url = await target.queueUrl(queue.name);
  const seen = new Map<string, Message>();
  try {
    while (seen.size < n) {
      // Held for 30 s while more are read, so the same message does not come back in this look.
      const got = await receive(target, url, n - seen.size, 30);
      if (got.length === 0) {
        break;
      }
      for (const m of got) {
        seen.set(m.MessageId ?? '', m);
      }
    }
  } finally {
    await release(target, url, [...seen.values()]);
  }
  return [...seen.values()];
}

const PEEK: Verb = {
  name: 'dlq peek',
  args: ['<queue>'],
  summary: 'show messages (bodies, attributes) without removing them',
  help: `  -n N              at most N messages (default 10)

<queue> is a queue's name, its short name (data-queue-dlq), URL or ARN; any queue works, not only
DLQs. Messages are received with a 30 s visibility timeout and made visible again before the
command returns; each look adds one to their receive count.`,
  options: { n: { type: 'string', short: 'n' } },
  changes: false,
  async run({ target, values, args, io, json }) {
    const queue = findQueue(target, args[0]);
    const messages = await peek(target, queue, positiveInt(values.n, '-n', 10));
    const shown = messages.map((m) => ({
      messageId: m.MessageId,
      sent: m.Attributes?.SentTimestamp ? new Date(Number(m.Attributes.SentTimestamp)).toISOString() : undefined,
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
      attributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? `(${v.DataType})`]),
      ),
      body: m.Body ?? '',
    }));
    if (json) {
      io.out(JSON.stringify(shown, null, 2));
      return 0;
    }
    io.out(`${shortName(target, queue.name)}: ${shown.length} message(s) shown, none removed`);
    for (const m of shown) {
      io.out('');
      io.out(`${m.messageId}  sent ${m.sent ?? '?'}  received ${m.receiveCount}x`);
      for (const [k, v] of Object.entries(m.attributes)) {
        io.out(`  ${k}: ${v}`);
      }
      let body = m.body;
      try {
        body = JSON.stringify(JSON.parse(m.body), null, 2);
      } catch {
        // not JSON: as it is
      }
      io.out(body);
    }
    return 0;
  },
};

// ---------------------------------------------------------------- redrive

/** Ids of messages already sent to the destination but not yet deleted from the DLQ. */
class Journal {
  private readonly ids: Set<string>;
  constructor(private readonly file: string) {
    this.ids = existsSync(file) ? new Set(JSON.parse(readFileSync(file, 'utf8')) as string[]) : new Set();
  }
  get size(): number {
    return this.ids.size;
  }
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(ids: string[]): void {
    ids.forEach((id) => this.ids.add(id));
    this.save();
  }
  remove(ids: string[]): void {
    ids.forEach((id) => this.ids.delete(id));
    this.save();
  }
  private save(): void {
    if (this.ids.size === 0) {
      rmSync(this.file, { force: true });
      return;
    }
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify([...this.ids]));
  }
}

const asSendable = (attrs: Record<string, MessageAttributeValue> | undefined) =>
  attrs && Object.keys(attrs).length > 0
    ? Object.fromEntries(
        Object.entries(attrs).map(([k, v]) => [
          k,
          { DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue },
        ]),
      )
    : undefined;

export interface RedriveResult {
  method: 'move task' | 'receive-send-delete';
  moved: number;
}

/**
 * Receive → send → delete, `max` messages at most, `rate` per second. Throws a CliError saying
 * what was moved and what is left when a send or a delete fails; running it again continues.
 */
export async function copyMessages(
  target: Target,
  from: Queue,
  to: Queue,
  options: { max: number; rate: number },
): Promise<number> {
  const fromUrl = await target.queueUrl(from.name);
  const toUrl = await target.queueUrl(to.name);
  const journal = new Journal(path.join(target.stateDir, `redrive-${from.name}.json`));
  let moved = 0;
  const next = pacer(options.rate);
  /** Gives the batch back to the queue at once (best effort) and says what is left. */
  const stop = async (messages: Message[], why: string): Promise<never> => {
    await release(target, fromUrl, messages).catch(() => undefined);
    const pending =
      journal.size > 0
        ? `; ${journal.size} sent and not yet deleted, recorded so that running it again deletes them without sending them twice`
        : '';
    throw new CliError(`${why}: ${moved} moved${pending}; the rest stay in ${from.name}: run the same command again`);
  };
  while (moved < options.max) {
    const messages = await receive(target, fromUrl, options.max - moved, 60);
    if (messages.length === 0) {
      break;
    }
    await next(messages.length);
    const fresh = messages.filter((m) => !journal.has(m.MessageId ?? ''));
    let failed: Message[] = [];
    let sendError = '';
    if (fresh.length > 0) {
      // One attempt: a message that could not be sent stops the move (below), and running the
      // same command again picks up where it stopped.
      const { failures } = await sendMessageBatches(
        fresh.map((m) => ({ body: m.Body ?? '', attributes: asSendable(m.MessageAttributes) })),
        { sendBatch: (input) => target.sqs.send(new SendMessageBatchCommand(input)), queueUrl: toUrl, attempts: 1 },
      );
      const notSent = new Set(failures.map((f) => f.index));
      failed = fresh.filter((_, i) => notSent.has(i));
      journal.add(fresh.filter((_, i) => !notSent.has(i)).map((m) => m.MessageId ?? ''));
      sendError = failures.length > 0 ? `${failures[0].code}: ${failures[0].message}` : '';
    }
    const sent = messages.filter((m) => journal.has(m.MessageId ?? ''));
    if (sent.length > 0) {
      try {
        const out = await target.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: fromUrl,
            Entries: sent.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        const deleted = (out.Successful ?? []).map((s) => sent[Number(s.Id)].MessageId ?? '');
        journal.remove(deleted);
        moved += deleted.length;
      } catch (error) {
        await stop(
          messages,
          `deleting moved messages from ${from.name} failed (${(error as Error).name}: ${(error as Error).message})`,
        );
      }
    }
    if (failed.length > 0) {
      await stop(failed, `${failed.length} message(s) could not be sent to ${to.name} (${sendError})`);
    }
  }
  return moved;
}

const UNSUPPORTED = /Unknown|Unsupported|NotImplemented|InvalidAction/i;

/** StartMessageMoveTask and wait for it; undefined when the endpoint does not have it. */
async function moveTask(
  target: Target,
  sourceArn: string,
  destinationArn: string,
  rate: number,
  io: VerbContext['io'],
): Promise<number | undefined> {
  let handle: string | undefined;
  try {
    handle = (
      await target.sqs.send(
        new StartMessageMoveTaskCommand({
          SourceArn: sourceArn,
          DestinationArn: destinationArn,
          MaxNumberOfMessagesPerSecond: rate,
        }),
      )
    ).TaskHandle;
  } catch (error) {
    if (UNSUPPORTED.test((error as Error).name) || UNSUPPORTED.test((error as Error).message)) {
      io.out(
        `StartMessageMoveTask is not available here (${(error as Error).name}); moving messages one batch at a time`,
      );
      return undefined;
    }
    throw error;
  }
  for (;;) {
    const { Results = [] } = await target.sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }),
    );
    const task = Results.find((r) => r.TaskHandle === handle) ?? Results[0];
    if (!task || task.Status === 'COMPLETED') {
      return task?.ApproximateNumberOfMessagesMoved ?? 0;
    }
    if (task.Status === 'FAILED' || task.Status === 'CANCELLED') {
      throw new CliError(
        `the move task ${task.Status.toLowerCase()} after ${task.ApproximateNumberOfMessagesMoved ?? 0} message(s): ${task.FailureReason ?? 'no reason given'}; run the same command again`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function redrive(ctx: VerbContext): Promise<RedriveResult> {
  const { target, values, io } = ctx;
  const dlq = dlqOf(ctx);
  const short = (name: string) => shortName(target, name);
  if (dlq.holds === 'batch pointers') {
    throw new CliError(
      `${short(dlq.queue.name)} holds pointers to failed stream batches, not messages: \`npm run ops -- stream replay ${short(dlq.queue.name)} --env ${target.env}\``,
      2,
    );
  }
  let to: Queue;
  if (typeof values.to === 'string') {
    to = findQueue(target, values.to);
  } else if (dlq.sourceQueues.length === 1) {
    to = dlq.sourceQueues[0];
  } else {
    throw new CliError(
      `${short(dlq.queue.name)} takes messages from ${dlq.sourceQueues.map((q) => short(q.name)).join(', ')}: choose one with --to`,
      2,
    );
  }
  if (to.arn === dlq.queue.arn) {
    throw new CliError('--to names the dead-letter queue itself', 2);
  }
  const max = positiveInt(values.max, '--max', Number.MAX_SAFE_INTEGER);
  const rate = positiveInt(values.rate, '--rate', 50);
  const source = await attributes(target, dlq.queue);
  const count = Math.min(max, source.visible);
  const what = `move ${count} message(s) from ${short(dlq.queue.name)} to ${short(to.name)}`;
  if (ctx.dryRun) {
    io.out(`dry run: would ${what} (${source.inFlight} in flight not counted), at most ${rate}/s; nothing moved`);
    return { method: values.max === undefined ? 'move task' : 'receive-send-delete', moved: 0 };
  }
  await ctx.confirm(what);
  if (values.max === undefined && values['no-move-task'] !== true) {
    const destination = await attributes(target, to);
    const moved = await moveTask(target, source.arn, destination.arn, rate, io);
    if (moved !== undefined) {
      return { method: 'move task', moved };
    }
  }
  return { method: 'receive-send-delete', moved: await copyMessages(target, dlq.queue, to, { max, rate }) };
}

const REDRIVE: Verb = {
  name: 'dlq redrive',
  args: ['<queue>'],
  summary: 'move dead letters back to their queue (or --to another)',
  help: `  --to QUEUE        destination (default: the queue that dead-letters into <queue>)
  --max N           move at most N messages (moves them itself: a move task has no count)
  --rate N          at most N messages per second (default 50)
  --no-move-task    move messages itself even where StartMessageMoveTask exists

Uses SQS StartMessageMoveTask where the endpoint has it; otherwise receives, sends to the
destination and deletes only what was sent. A run that stops half-way loses nothing: run it
again to continue; messages sent but not yet deleted are recorded and are not sent twice.
Fix the cause first (\`dlq peek\` shows why they failed), or they come back.`,
  options: {
    to: { type: 'string' },
    max: { type: 'string' },
    rate: { type: 'string' },
    'no-move-task': { type: 'boolean' },
  },
  changes: true,
  async run(ctx) {
    const result = await redrive(ctx);
    if (ctx.json) {
      ctx.io.out(JSON.stringify({ ...result, dryRun: ctx.dryRun }));
    } else if (!ctx.dryRun) {
      ctx.io.out(`moved ${result.moved} message(s) (${result.method})`);
    }
    return 0;
  },
};

// ---------------------------------------------------------------- purge

const PURGE: Verb = {
  name: 'dlq purge',
  args: ['<queue>'],
  summary: 'delete every message of a dead-letter queue',
  help: `Only dead-letter queues can be purged here. Read them first (\`dlq peek\`): what is purged is gone.
SQS allows one purge per queue every 60 seconds.`,
  options: {},
  changes: true,
  async run(ctx) {
    const { target, io } = ctx;
    const dlq = dlqOf(ctx);
    const { visible, inFlight } = await attributes(target, dlq.queue);
    const what = `delete all ${visible + inFlight} message(s) of ${shortName(target, dlq.queue.name)}`;
    if (ctx.dryRun) {
      io.out(`dry run: would ${what}; nothing deleted`);
      return 0;
    }
    await ctx.confirm(what);
    await target.sqs.send(new PurgeQueueCommand({ QueueUrl: await target.queueUrl(dlq.queue.name) }));
    io.out(`purged ${shortName(target, dlq.queue.name)} (${visible + inFlight} message(s))`);
    return 0;
  },
};

export const DLQ_VERBS: Verb[] = [LIST, PEEK, REDRIVE, PURGE];
