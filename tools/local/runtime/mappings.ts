/**
 * The event source mappings and the pipe: an SQS poller per enabled SQS mapping, a stream
 * consumer per enabled stream mapping and per running pipe, each reading the demand table's
 * stream (the only stream a local run hosts). They are created here and started by the runtime
 * once everything they deliver to is listening.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalClock } from '../clock';
import type { MetricStore } from '../cloudwatch/metrics';
import type { Components } from '../components';
import { openStreamReader } from '../dynamoStream';
import type { FunctionHost } from '../lambda/host';
import { pipeConsumer } from '../pollers/pipe';
import { SqsPoller } from '../pollers/sqs';
import type { StreamConsumer, StreamSource } from '../pollers/stream';
import { streamMappingConsumer } from '../pollers/stream';
import type { ModelIndex, WiringModel } from '../wiring/model';
import type { LocalVariables } from '../wiring/variables';

/** A stream consumer (a stream mapping's or a pipe's) by its Terraform address. */
export interface StreamTrigger {
  address: string;
  consumer: StreamConsumer;
}

export interface Triggers {
  sqsPollers: SqsPoller[];
  streams: StreamTrigger[];
  /** The queues a started poller consumes (ARNs): the runtime is idle only when they are empty. */
  consumedQueues: string[];
}

export interface TriggerOptions {
  model: WiringModel;
  index: ModelIndex;
  vars: LocalVariables;
  components: Components;
  host: FunctionHost;
  sqs: SQSClient;
  clock: LocalClock;
  metrics: MetricStore;
  /** False for a function whose handler did not build: its mappings are not polled. */
  runnable(functionName: string): boolean;
  sqsPollers?: number;
  sqsWaitSeconds?: number;
  streamPollMs?: number;
  log(line: string): void;
  onError(where: string): (error: Error) => void;
}

/** Creates the pollers of the enabled mappings and the consumers of the running pipes. */
export async function createTriggers(options: TriggerOptions): Promise<Triggers> {
  const { model, runnable } = options;
  const triggers: Triggers = { sqsPollers: [], streams: [], consumedQueues: [] };
  for (const mapping of model.mappings.filter((m) => m.enabled)) {
    if (!runnable(mapping.functionName)) {
      options.log(`warning: ${mapping.address} is not polled: its function has no runnable handler`);
    } else if (mapping.kind === 'sqs') {
      triggers.sqsPollers.push(sqsPoller(options, mapping));
      triggers.consumedQueues.push(mapping.queueArn);
    } else {
      triggers.streams.push({ address: mapping.address, consumer: await streamConsumer(options, mapping) });
    }
  }
  for (const pipe of model.pipes.filter((p) => p.desiredState === 'RUNNING')) {
    triggers.streams.push({ address: pipe.address, consumer: await pipeTrigger(options, pipe) });
  }
  return triggers;
}

type SqsMapping = Extract<WiringModel['mappings'][number], { kind: 'sqs' }>;
type StreamMapping = Extract<WiringModel['mappings'][number], { kind: 'stream' }>;

function sqsPoller(options: TriggerOptions, mapping: SqsMapping): SqsPoller {
  return new SqsPoller({
    mapping,
    queue: options.index.queueByRef(mapping.queueArn),
    host: options.host,
    sqs: options.sqs,
    region: options.vars.region,
    concurrency: options.sqsPollers ?? 2,
    waitSeconds: options.sqsWaitSeconds,
    metrics: options.metrics,
    onError: options.onError(mapping.address),
  });
}

async function streamConsumer(options: TriggerOptions, mapping: StreamMapping): Promise<StreamConsumer> {
  const { index } = options;
  return streamMappingConsumer({
    mapping,
    functionArn: index.functionByRef(mapping.functionName).arn,
    source: await openSource(options, mapping.streamArn, mapping.startingPosition, mapping.address),
    host: options.host,
    sqs: options.sqs,
    destinationUrl: mapping.onFailureDestinationArn ? index.queueByRef(mapping.onFailureDestinationArn).url : undefined,
    pollIntervalMs: options.streamPollMs,
    metrics: options.metrics,
    onError: options.onError(mapping.address),
  });
}

async function pipeTrigger(options: TriggerOptions, pipe: WiringModel['pipes'][number]): Promise<StreamConsumer> {
  const { index } = options;
  return pipeConsumer({
    pipe,
    source: await openSource(options, pipe.sourceArn, pipe.startingPosition, pipe.address),
    sqs: options.sqs,
    targetUrl: index.queueByRef(pipe.targetArn).url,
    deadLetterUrl: pipe.deadLetterArn ? index.queueByRef(pipe.deadLetterArn).url : undefined,
    pollIntervalMs: options.streamPollMs,
    onError: options.onError(pipe.address),
  });
}

/** A reader of the demand table's stream; any other stream is an error naming who asked. */
async function openSource(
  options: TriggerOptions,
  streamArn: string,
  from: 'LATEST' | 'TRIM_HORIZON',
  who: string,
): Promise<StreamSource> {
  const { vars, components, clock } = options;
  if (streamArn !== vars.demandTableStreamArn) {
    throw new Error(
      `${who} reads ${streamArn}, but the only stream the local runtime hosts is the demand table's (${vars.demandTableStreamArn})`,
    );
  }
  return openStreamReader({
    endpoint: components.dynamoDbEndpoint,
    tableName: vars.demandTableName,
    from,
    region: vars.region,
    kinesisStreamArn: streamArn,
    now: () => clock.now(),
  });
}
