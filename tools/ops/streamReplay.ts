/**
 * `ops stream replay <dlq>`: the DLQs of the two stream mappings (enqueueEntries,
 * markAssignedCodes) and of the demand-table pipe hold pointers to a failed batch
 * (`KinesisBatchInfo`: stream, shard, first and last sequence number), not the records. For each
 * pointer the records are read again from the stream (GetShardIterator AT_SEQUENCE_NUMBER,
 * GetRecords) while the stream still has them (24 h by default), filtered as the mapping or pipe
 * filters them, and delivered to the consumer again: the mapping's function is invoked with the
 * Kinesis event Lambda would have built, the pipe's records are shaped by its input template and
 * sent to its target queue. A pointer is deleted only once every record of its batch was
 * delivered; one whose records are gone from the stream stays in the DLQ and is reported.
 *
 * The filters and the pipe's input template are evaluated by the same code the local run uses
 * to emulate them (tools/local/eventPattern.ts, tools/local/pollers), so a replay shapes records
 * exactly as the local run's pipe does; tests/infra checks those against the Terraform.
 */
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import type { Message } from '@aws-sdk/client-sqs';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { sendMessageBatches } from '../../src/shared/aws/sqsBatchSender';
import { CliError } from '../build/toolCli';
import { passesFilters } from '../local/eventPattern';
import type { KinesisStreamRecord } from '../local/kinesisTypes';
import { applyInputTemplate } from '../local/pollers/pipe';
import { filterView } from '../local/pollers/stream';
import type { Pipe, StreamMapping } from '../local/wiring/model';
import type { Verb, VerbContext } from './cli';
import { positiveInt } from './cli';
import { peek } from './dlq';
import type { DeadLetterQueue } from './resources';
import { deadLetterQueue } from './resources';
import type { Target } from './target';
import { findQueue, shortName } from './target';

export interface BatchPointer {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  streamArn: string;
}

export interface PointerOutcome {
  messageId: string;
  batch?: BatchPointer;
  /** replayed: delivered and deleted; expired: no record left; partly-expired: what was left delivered, pointer kept; failed: kept. */
  result: 'replayed' | 'would replay' | 'expired' | 'partly expired' | 'failed' | 'not a pointer';
  delivered: number;
  /** Records of the batch still in the stream (after the consumer's filters). */
  found: number;
  detail?: string;
}

/** The batch pointer of a DLQ message (Lambda on-failure record or pipe DLQ record), or undefined. */
export function batchPointer(body: string | undefined): BatchPointer | undefined {
  try {
    const info = (JSON.parse(body ?? '') as { KinesisBatchInfo?: Partial<BatchPointer> }).KinesisBatchInfo;
    if (info?.shardId && info.startSequenceNumber && info.endSequenceNumber && info.streamArn) {
      return { ...info, batchSize: Number(info.batchSize ?? 0) } as BatchPointer;
    }
  } catch {
    // not JSON: not a pointer
  }
  return undefined;
}

/** The records of the pointer's range still in the stream, as Lambda's Kinesis event records. */
export async function readBatch(
  target: Target,
  batch: BatchPointer,
): Promise<{ records: KinesisStreamRecord[]; complete: boolean }> {
  const start = BigInt(batch.startSequenceNumber);
  const end = BigInt(batch.endSequenceNumber);
  let iterator: string | undefined;
  try {
    iterator = (
      await target.kinesis.send(
        new GetShardIteratorCommand({
          StreamARN: batch.streamArn,
          ShardId: batch.shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: batch.startSequenceNumber,
        }),
      )
    ).ShardIterator;
  } catch (error) {
    // A sequence number the shard no longer holds (trimmed) is refused as an invalid argument.
    if ((error as Error).name === 'InvalidArgumentException') {
      return { records: [], complete: false };
    }
    throw error;
  }
  const found: KinesisRecord[] = [];
  for (let page = 0; iterator && page < 10_000; page++) {
    const out = await target.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const records = out.Records ?? [];
    found.push(
      ...records.filter((r) => BigInt(r.SequenceNumber ?? '0') >= start && BigInt(r.SequenceNumber ?? '0') <= end),
    );
    const passedEnd = records.some((r) => BigInt(r.SequenceNumber ?? '0') >= end);
    if (passedEnd || (records.length === 0 && (out.MillisBehindLatest ?? 0) === 0)) {
      break;
    }
    iterator = out.NextShardIterator;
  }
  const sequences = new Set(found.map((r) => r.SequenceNumber));
  return {
    records: found.map((r) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey ?? '',
        sequenceNumber: r.SequenceNumber ?? '',
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${batch.shardId}:${r.SequenceNumber ?? ''}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: '',
      awsRegion: target.region,
      eventSourceARN: batch.streamArn,
    })),
    complete: sequences.has(batch.startSequenceNumber) && sequences.has(batch.endSequenceNumber),
  };
}

type Deliver = (records: KinesisStreamRecord[]) => Promise<void>;

/** Invokes the mapping's function with the records, in the mapping's batch size; throws on a function error or a failed item. */
function toFunction(target: Target, mapping: StreamMapping): Deliver {
  let role: Promise<string> | undefined;
  return async (records) => {
    role ??= target.lambda
      .send(new GetFunctionConfigurationCommand({ FunctionName: mapping.functionName }))
      .then((c) => c.Role ?? '');
    const invokeIdentityArn = await role;
    for (let i = 0; i < records.length; i += mapping.batchSize) {
      const batch = records.slice(i, i + mapping.batchSize).map((r) => ({ ...r, invokeIdentityArn }));
      const out = await target.lambda.send(
        new InvokeCommand({
          FunctionName: mapping.functionName,
          Payload: Buffer.from(JSON.stringify({ Records: batch })),
        }),
      );
      const payload = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
      if (out.FunctionError) {
        throw new Error(`${shortName(target, mapping.functionName)} failed: ${payload.slice(0, 500)}`);
      }
      const failures =
        (JSON.parse(payload || '{}') as { batchItemFailures?: { itemIdentifier: string }[] } | null)
          ?.batchItemFailures ?? [];
      if (failures.length > 0) {
        throw new Error(
          `${shortName(target, mapping.functionName)} reported ${failures.length} failed record(s), first ${failures[0].itemIdentifier}`,
        );
      }
    }
  };
}

/** Sends the records, shaped by the pipe's input template, to its target queue (the shared sender, with its retries); throws when any is still refused. */
function toPipeTarget(target: Target, pipe: Pipe): Deliver {
  const queue = findQueue(target, pipe.targetArn);
  return async (records) => {
    const bodies = records.map((r) =>
      pipe.inputTemplate === undefined
        ? JSON.stringify(filterView(r))
        : applyInputTemplate(pipe.inputTemplate, filterView(r)),
    );
    const url = await target.queueUrl(queue.name);
    const { failures } = await sendMessageBatches(
      bodies.map((body) => ({ body })),
      { sendBatch: (input) => target.sqs.send(new SendMessageBatchCommand(input)), queueUrl: url },
    );
    if (failures.length > 0) {
      throw new Error(
        `${shortName(target, queue.name)} refused ${failures.length} record(s): ${failures[0].message || failures[0].code}`,
      );
    }
  };
}

function consumerOf(
  target: Target,
  dlq: DeadLetterQueue,
): { name: string; filters: StreamMapping['filters']; deliver: Deliver } {
  const short = (name: string) => shortName(target, name);
  if (dlq.holds !== 'batch pointers') {
    throw new CliError(
      `${short(dlq.queue.name)} holds messages, not stream batch pointers: \`npm run ops -- dlq redrive ${short(dlq.queue.name)} --env ${target.env}\``,
      2,
    );
  }
  const [mapping] = dlq.streamMappings;
  if (mapping) {
    return {
      name: `function ${short(mapping.functionName)}`,
      filters: mapping.filters,
      deliver: toFunction(target, mapping),
    };
  }
  const [pipe] = dlq.pipes;
  return {
    name: `pipe ${short(pipe.name)} → ${short(pipe.targetArn.split(':').pop() ?? '')}`,
    filters: pipe.filters,
    deliver: toPipeTarget(target, pipe),
  };
}

export async function replay(ctx: VerbContext): Promise<PointerOutcome[]> {
  const { target, values, io } = ctx;
  const dlq = deadLetterQueue(target.model, findQueue(target, ctx.args[0]));
  const consumer = consumerOf(target, dlq);
  const max = positiveInt(values.max, '--max', 100);
  const url = await target.queueUrl(dlq.queue.name);
  const outcomes: PointerOutcome[] = [];

  const examine = async (message: Message) => {
    const batch = batchPointer(message.Body);
    const outcome: PointerOutcome = {
      messageId: message.MessageId ?? '',
      batch,
      result: 'not a pointer',
      delivered: 0,
      found: 0,
    };
    if (!batch) {
      return { outcome, records: [] as KinesisStreamRecord[], complete: false };
    }
    const { records, complete } = await readBatch(target, batch);
    const wanted = records.filter((r) => passesFilters(consumer.filters, filterView(r)));
    outcome.found = wanted.length;
    outcome.result = wanted.length === 0 && !complete ? 'expired' : complete ? 'would replay' : 'partly expired';
    return { outcome, records: wanted, complete };
  };

  if (ctx.dryRun) {
    for (const message of await peek(target, dlq.queue, max)) {
      outcomes.push((await examine(message)).outcome);
    }
    return outcomes;
  }
  await ctx.confirm(
    `replay the stream batches of up to ${max} pointer(s) in ${shortName(target, dlq.queue.name)} to ${consumer.name}`,
  );
  const seen = new Set<string>();
  while (outcomes.length < max) {
    const { Messages = [] } = await target.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, max - outcomes.length),
        VisibilityTimeout: 300,
        WaitTimeSeconds: 1,
      }),
    );
    const fresh = Messages.filter((m) => !seen.has(m.MessageId ?? ''));
    if (fresh.length === 0) {
      break;
    }
    for (const message of fresh) {
      seen.add(message.MessageId ?? '');
      const { outcome, records, complete } = await examine(message);
      if (outcome.result !== 'not a pointer' && outcome.result !== 'expired') {
        try {
          await consumer.deliver(records);
          outcome.delivered = records.length;
          outcome.result = complete ? 'replayed' : 'partly expired';
        } catch (error) {
          outcome.result = 'failed';
          outcome.detail = (error as Error).message;
        }
      }
      if (outcome.result === 'replayed') {
        await target.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
      } else {
        // Kept: visible again for the operator (peek) or the next run.
        await target.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      }
      outcomes.push(outcome);
      if (!ctx.json) {
        io.out(describe(outcome));
      }
    }
  }
  return outcomes;
}

const describe = (o: PointerOutcome): string => {
  const range = o.batch
    ? `${o.batch.shardId} ${o.batch.startSequenceNumber}..${o.batch.endSequenceNumber} (${o.batch.batchSize} records)`
    : 'unreadable body';
  const what: Record<PointerOutcome['result'], string> = {
    replayed: `replayed ${o.delivered} record(s); pointer deleted`,
    'would replay': `would replay ${o.found} record(s)`,
    expired: 'records gone from the stream (expired); pointer kept',
    'partly expired': `${o.delivered || o.found} record(s) left in the stream${o.delivered ? ' delivered' : ''}, the rest expired; pointer kept`,
    failed: `delivery failed, pointer kept: ${o.detail ?? ''}`,
    'not a pointer': 'not a batch pointer; kept',
  };
  return `${o.messageId}  ${range}: ${what[o.result]}`;
};

const REPLAY: Verb = {
  name: 'stream replay',
  args: ['<dlq>'],
  summary: 'deliver the stream records a mapping or the pipe gave up on again',
  help: `  --max N           handle at most N pointers (default 100)

<dlq> is the DLQ of a stream mapping (enqueue-entries-dlq, mark-assigned-codes-dlq) or of the
demand-table pipe (dmnd-table-pipe-dlq); \`dlq list\` shows which hold batch pointers. Each
pointer names a shard and a sequence range; the records are read again from the stream while it
holds them (24 hours by default), filtered as the mapping or pipe filters them, and delivered
again: to the mapping's function (invoked with the Kinesis event Lambda builds) or, for the pipe,
shaped by its input template and sent to its target queue. A pointer is deleted once all of its
records were delivered. Pointers whose records have expired stay in the DLQ and are reported:
read them (\`dlq peek\`), then purge them. The consumers are idempotent, so a batch delivered
twice (a replay run again after a partial failure) changes nothing twice.
--dry-run reads the pointers and the stream and says what it would deliver.`,
  options: { max: { type: 'string' } },
  changes: true,
  async run(ctx) {
    const outcomes = await replay(ctx);
    const count = (r: PointerOutcome['result']) => outcomes.filter((o) => o.result === r).length;
    if (ctx.json) {
      ctx.io.out(JSON.stringify(outcomes, null, 2));
    } else if (ctx.dryRun) {
      outcomes.forEach((o) => ctx.io.out(describe(o)));
      ctx.io.out(`dry run: ${outcomes.length} pointer(s) read; nothing delivered or deleted`);
    } else {
      ctx.io.out(
        `${count('replayed')} replayed, ${count('partly expired')} partly expired, ${count('expired')} expired, ${count('failed')} failed, ${count('not a pointer')} unreadable`,
      );
    }
    // Anything kept in the DLQ (failed, expired, unreadable) needs the operator: exit 1.
    return !ctx.dryRun && outcomes.some((o) => o.result !== 'replayed') ? 1 : 0;
  },
};

export const STREAM_VERBS: Verb[] = [REPLAY];
