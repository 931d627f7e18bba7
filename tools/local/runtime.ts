/**
 * The whole system on one machine, wired from the stacks' Terraform: starts (or reuses) the
 * local components, reads the wiring model, creates what Terraform would (queues with their
 * redrive policies, the topic and its subscriptions, secrets, the demand table and its stream),
 * and runs the functions behind the triggers the model describes: SQS and stream event source
 * mappings, the pipe, EventBridge rules, state machines and direct invocations.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SNSClient } from '@aws-sdk/client-sns';
import { LOCAL_AWS, createDemandTable } from './emulators/dynamodb';
import { getWorker, workerEntryPath } from '../../src/workers/registry';
import type { Edge } from './aws/edge';
import { LocalClock } from './clock';
import { MetricStore } from './cloudwatch/metrics';
import type { AlarmMonitor } from './cloudwatch/monitor';
import type { Components } from './components';
import { startComponents } from './components';
import { EventBus } from './eventBus';
import type { Gateway } from './gateway';
import { prepareHandlers } from './lambda/bundles';
import type { HandlerCode } from './lambda/bundles';
import type { FunctionHost, InvokeOutcome } from './lambda/host';
import type { RunTracing } from './tracing/otlpFile';
import { startRunTracing } from './tracing/otlpFile';
import { StepFunctions } from './stepFunctions';
import type { LambdaFunction, Queue, WiringModel } from './wiring/model';
import { modelIndex } from './wiring/model';
import type { LocalVariables } from './wiring/variables';
import { Activity } from './runtime/activity';
import { alarmMonitor } from './runtime/alarms';
import { writeClientFiles } from './runtime/clientFiles';
import { startGatewayAndEdge } from './runtime/endpoints';
import { functionBaseEnvironment, startFunctions } from './runtime/functions';
import { createTriggers } from './runtime/mappings';
import { createQueues, queueLookup } from './runtime/queues';
import { stageStats } from './runtime/stages';
import type { StageStats } from './runtime/stages';
import { runVariables, stackReader } from './runtime/stacks';
import type { StackReader } from './runtime/stacks';
import { createTopics } from './runtime/topics';

export type { StageStats } from './runtime/stages';
export { createQueues } from './runtime/queues';

export interface RuntimeOptions {
  /** Repository root (configs/, src/, dist/, terraform/). */
  root: string;
  /** Directory with `stacks/` and `modules/`; default `<root>/terraform`. */
  terraformDir?: string;
  /** Stacks to run; default all. */
  stacks?: string[];
  /** Terraform `environment` of the run: part of every resource name (unique per test file). */
  environment?: string;
  /** Local seconds per real second while idle (schedules, TTLs, reminder times). */
  clockSpeed?: number;
  /** Where bundles and function logs go; default `<root>/.local/run`. */
  workDir?: string;
  /** Handler source of a worker (relative to root); default the registry's path. */
  entryOf?: (worker: string) => string | undefined;
  /** Use fresh `dist/local` ZIPs when present (default true). */
  useDist?: boolean;
  /** Start a Kafka broker this run can pause (for --faults) even when KAFKA_BROKERS is set. */
  ownKafka?: boolean;
  /**
   * Put the TLS boundary mock (kafkaTls.ts) in front of the Kafka broker: it accepts only the
   * client certificate in the kafka-cert secret and follows its rotations. Needs a configuration
   * with `kafka.ssl: true` (see `configDir`).
   */
  kafkaTls?: boolean;
  /** Configuration files baked into the bundled workers; default `<root>/configs`. */
  configDir?: string;
  /** SQS pollers per mapping and execution environments per function. */
  sqsPollers?: number;
  maxEnvironments?: number;
  /** Keep each invocation's event and outcome (tests). */
  recordInvocations?: boolean;
  /** Interval of the stream readers (ms). */
  streamPollMs?: number;
  /** Long-poll wait of the SQS pollers (s). */
  sqsWaitSeconds?: number;
  /** Write the spans of the run to `<workDir>/traces.otlp.jsonl` (default true). */
  tracing?: boolean;
  /** Port of the one AWS endpoint (the edge); default 0, a free one (`npm start` uses 4566). */
  edgePort?: number;
  log?: (line: string) => void;
}

export interface LocalRuntime {
  /** The Terraform environment of the run's resource names. */
  environment: string;
  model: WiringModel;
  components: Components;
  clock: LocalClock;
  host: FunctionHost;
  stepFunctions: StepFunctions;
  eventBus: EventBus;
  gateway: Gateway;
  /** The one AWS endpoint every client can use (tools/local/aws/edge.ts). */
  edge: Edge;
  sqs: SQSClient;
  demandTableName: string;
  /** Handler code status per worker (ready, pending, failed). */
  handlers: Map<string, HandlerCode>;
  /** Variables to export for tools that talk to the running system (AWS services on the edge). */
  exports: Record<string, string>;
  /** The file with `exports` as shell `export` lines, for `source` (`<workDir>/env.sh`). */
  envFile: string;
  /** The run's spans as OTLP JSON lines (`<workDir>/traces.otlp.jsonl`), unless tracing is off. */
  tracing?: RunTracing;
  /** The stacks' alarms evaluated over the metrics the run records (tools/local/cloudwatch). */
  alarms: AlarmMonitor;
  /** The function of a worker (by registry name). */
  functionOf(worker: string): LambdaFunction;
  /** A queue by its Terraform name tag (`save-entries`, `data-queue-dlq`) or full name. */
  queue(ref: string): Queue;
  invoke(worker: string, event: unknown, source?: string): Promise<InvokeOutcome>;
  /** Messages visible + in flight of a queue. */
  queueDepth(ref: string): Promise<number>;
  /** True when nothing runs and no consumed queue holds messages. */
  isIdle(): Promise<boolean>;
  /** Resolves once the system has been idle for `quietMs`; rejects after `timeoutMs`. */
  waitForIdle(options?: { quietMs?: number; timeoutMs?: number }): Promise<void>;
  /** What keeps the runtime busy right now, one reason per part (empty when idle). */
  waitingFor(): Promise<string[]>;
  stages(): Promise<StageStats[]>;
  stop(): Promise<void>;
}

/** Starts the local runtime. */
export async function startRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  const root = path.resolve(options.root);
  const environment = options.environment ?? 'local';
  const workDir = options.workDir ?? path.join(root, '.local', 'run', environment);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const cleanups = new Cleanups();
  try {
    const tracing = options.tracing === false ? undefined : await startRunTracing(root, workDir);
    cleanups.push(() => tracing?.stop());
    const prepared = await startComponentsWhileBundling({ ...options, root, environment, workDir }, cleanups);
    return await wire({ ...prepared, options, environment, workDir, tracing, cleanups });
  } catch (error) {
    await cleanups.run({ ignoreErrors: true });
    throw error;
  }
}

/** Steps that undo a start, run last-in first-out (by `stop`, or when the start fails). */
class Cleanups {
  private readonly steps: (() => Promise<void> | void)[] = [];

  push(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run({ ignoreErrors = false } = {}): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      await (ignoreErrors ? Promise.resolve().then(step).catch(() => undefined) : step());
    }
  }
}

interface Prepared {
  components: Components;
  handlers: Map<string, HandlerCode>;
  /** The stacks read with placeholder endpoints (what they declare, before anything exists). */
  draft: WiringModel;
  readStacks: StackReader;
  timed(what: string): void;
  log(line: string): void;
}

/** The components start while the stacks are read (with placeholder endpoints) and the handlers bundled. */
async function startComponentsWhileBundling(
  options: RuntimeOptions & { root: string; environment: string; workDir: string },
  cleanups: Cleanups,
): Promise<Prepared> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const timed = (what: string) => log(`${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const readStacks = stackReader(options.terraformDir ?? path.join(options.root, 'terraform'), options.stacks);
  const entryOf = options.entryOf ?? ((worker: string) => workerEntryPath(getWorker(worker)));
  const [components, drafted] = await Promise.allSettled([
    startComponents({ ownKafka: options.ownKafka }).then((c) => {
      cleanups.push(() => c.stop());
      timed('components ready');
      return c;
    }),
    (async () => {
      const draft = await readStacks(runVariables(options.environment, LOCAL_AWS.region), 'http://sqs.placeholder');
      timed(`read ${draft.stacks.length} stacks (${draft.functions.length} functions)`);
      const handlers = await prepareHandlers([...new Set(draft.functions.map((f) => f.worker))], {
        root: options.root,
        workDir: options.workDir,
        entryOf,
        // A configuration of its own is baked from source, never taken from dist/local.
        useDist: options.configDir ? false : options.useDist,
        configDir: options.configDir,
      });
      timed(`prepared ${handlers.size} handlers`);
      return { draft, handlers };
    })(),
  ]);
  if (components.status === 'rejected' || drafted.status === 'rejected') {
    throw components.status === 'rejected' ? components.reason : (drafted as PromiseRejectedResult).reason;
  }
  return { components: components.value, ...drafted.value, readStacks, timed, log };
}

/**
 * Like `terraform apply`: the stacks' secrets exist before what refers to their ARNs is read,
 * then the demand table, the queues, the topic and its subscriptions are created.
 */
async function applyStacks(p: Prepared, vars: LocalVariables, sqs: SQSClient, sns: SNSClient): Promise<WiringModel> {
  const { components } = p;
  const secretArns = new Map(p.draft.secrets.map((s) => [s.name, components.secrets.put(s.name, '')]));
  const model = await p.readStacks(vars, components.sqsEndpoint, secretArns);
  for (const secret of model.secrets) {
    components.secrets.put(secret.name, secret.value ?? '');
  }
  await createDemandTable(components.dynamoDbEndpoint, vars.demandTableName);
  await createQueues(sqs, model.queues);
  await createTopics(sns, model);
  p.timed('created queues, topic, subscriptions and the demand table');
  for (const h of p.handlers.values()) {
    if (h.status !== 'ready') {
      p.log(`warning: ${h.worker} is not runnable (${h.status}): ${h.reason}`);
    }
  }
  return model;
}

/** Creates the resources of the stacks and starts what runs them, in the order AWS needs them. */
async function wire(
  p: Prepared & { options: RuntimeOptions; environment: string; workDir: string; tracing?: RunTracing; cleanups: Cleanups },
): Promise<LocalRuntime> {
  const { options, components, handlers, cleanups, tracing } = p;
  const region = LOCAL_AWS.region;
  const aws = { region, credentials: LOCAL_AWS.credentials };
  const sqs = new SQSClient({ ...aws, endpoint: components.sqsEndpoint });
  const sns = new SNSClient({ ...aws, endpoint: components.sqsEndpoint });
  cleanups.push(() => {
    sqs.destroy();
    sns.destroy();
  });
  const vars = runVariables(p.environment, region, components);
  const model = await applyStacks(p, vars, sqs, sns);
  const index = modelIndex(model);
  const log = p.log;
  const onError = (where: string) => (error: Error) => log(`error in ${where}: ${error.message}`);

  const clock = new LocalClock(options.clockSpeed ?? 1);
  const metrics = new MetricStore(() => clock.now());
  const baseEnvironment = functionBaseEnvironment(components, vars.demandTableName);
  const host = startFunctions({ ...options, model, handlers, components, baseEnvironment, clock, metrics, workDir: p.workDir, tracing });
  cleanups.push(() => host.stop());
  const stepFunctions = new StepFunctions(model.stateMachines, host, () => clock.now());
  const eventBus = new EventBus({
    rules: model.rules,
    clock,
    host,
    stepFunctions,
    sqs,
    queueUrlOfArn: (arn) => index.queueByRef(arn).url,
    region,
    accountId: vars.accountId,
    onError: onError('EventBridge'),
  });
  cleanups.push(() => eventBus.stop());
  const alarms = alarmMonitor({ model, metrics, clock, sqs, stepFunctions, log });
  cleanups.push(() => alarms.stop());
  const { gateway, edge } = await startGatewayAndEdge({ model, vars, components, host, stepFunctions, eventBus, alarms, clock, sqs, edgePort: options.edgePort ?? 0, onError });
  cleanups.push(() => gateway.stop());
  cleanups.push(() => edge.stop());
  // Set before any environment starts, so every function's LambdaClient reaches the gateway.
  Object.assign(baseEnvironment, {
    AWS_ENDPOINT_URL_LAMBDA: gateway.endpoint,
    AWS_ENDPOINT_URL_SFN: gateway.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: gateway.endpoint,
  });

  const runnable = (functionName: string) => handlers.get(index.functionByRef(functionName).worker)?.status === 'ready';
  const triggers = await createTriggers({ ...options, model, index, vars, components, host, sqs, clock, metrics, runnable, log, onError });
  for (const started of [...triggers.sqsPollers, ...triggers.streams.map((s) => s.consumer)]) {
    started.start();
    cleanups.push(() => started.stop());
  }
  eventBus.start();
  alarms.start();
  const queues = queueLookup(sqs, index, `prd2011-${p.environment}-${region}-`);
  const activity = new Activity({ host, stepFunctions, eventBus, triggers, queues });
  clock.startAcceleration(() => !activity.busyNow());
  cleanups.push(() => clock.stop());
  const { exports, envFile } = writeClientFiles({ workDir: p.workDir, edgeEndpoint: edge.endpoint, model, vars, components });

  let stopping: Promise<void> | undefined;
  return {
    environment: p.environment,
    model,
    components,
    clock,
    host,
    stepFunctions,
    eventBus,
    gateway,
    edge,
    sqs,
    demandTableName: vars.demandTableName,
    handlers,
    exports,
    envFile,
    tracing,
    alarms,
    functionOf: index.functionOfWorker,
    queue: queues.queue,
    invoke: (worker, event, source = 'scenario') => host.invoke(index.functionOfWorker(worker).name, event, source),
    queueDepth: queues.depth,
    isIdle: () => activity.isIdle(),
    waitForIdle: (waitOptions) => activity.waitForIdle(waitOptions),
    waitingFor: () => activity.waitingFor(),
    stages: () => stageStats(model, host, triggers.streams, queues),
    stop: () => (stopping ??= cleanups.run()),
  };
}

/** A name unique enough to keep parallel test files' resources apart (a Terraform environment name). */
export const uniqueEnvironment = (prefix = 't'): string => `${prefix}${randomBytes(3).toString('hex')}`;
