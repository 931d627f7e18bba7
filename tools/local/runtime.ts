/**
 * The whole system on one machine, wired from the stacks' Terraform: starts (or reuses) the
 * local components, reads the wiring model, creates what Terraform would (queues with their
 * redrive policies, the topic and its subscriptions, secrets, the demand table and its stream),
 * and runs the functions behind the triggers the model describes: SQS and stream event source
 * mappings, the pipe, EventBridge rules, state machines and direct invocations.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { LOCAL_AWS, createDemandTable } from './emulators/dynamodb';
import { localQueueUrl } from './emulators/sqs';
import { WORKERS, getWorker, workerEntryPath } from '../../src/workers/registry';
import type { Edge } from './aws/edge';
import { startEdge } from './aws/edge';
import { KinesisFacade } from './aws/kinesis';
import { SqsMoveTasks } from './aws/sqsMoveTasks';
import { clientEnvironment, envFileText } from './aws/clientEnvironment';
import { LocalClock } from './clock';
import { cloudWatchApi } from './cloudwatch/api';
import { MetricStore } from './cloudwatch/metrics';
import { AlarmMonitor } from './cloudwatch/monitor';
import type { Components } from './components';
import { startComponents } from './components';
import { openStreamReader } from './dynamoStream';
import { EventBus } from './eventBus';
import type { Gateway } from './gateway';
import { startGateway } from './gateway';
import { prepareHandlers } from './lambda/bundles';
import type { HandlerCode } from './lambda/bundles';
import { FunctionHost } from './lambda/host';
import type { RunTracing } from './tracing/otlpFile';
import { startRunTracing } from './tracing/otlpFile';
import { KafkaTlsBoundary } from './kafkaTls';
import type { InvokeOutcome } from './lambda/host';
import { pipeConsumer } from './pollers/pipe';
import type { StreamConsumer } from './pollers/stream';
import { streamMappingConsumer } from './pollers/stream';
import { SqsPoller } from './pollers/sqs';
import { StepFunctions } from './stepFunctions';
import type { ConfigTree } from './hcl/modules';
import { loadWiring, localResolver } from './wiring/load';
import type { LambdaFunction, Queue, WiringModel } from './wiring/model';
import { modelIndex } from './wiring/model';
import { triggersOf } from './wiring/diagram';
import { localStackVariables } from './wiring/variables';
import type { LocalVariables } from './wiring/variables';

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

/** One row of the per-stage summary. */
export interface StageStats {
  stage: string;
  trigger: string;
  in: number;
  processed: number;
  rejected: number;
  failed: number;
  deadLettered: number;
  timeMs: number;
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
  stages(): Promise<StageStats[]>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the local runtime. */
export async function startRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const root = path.resolve(options.root);
  const terraformDir = options.terraformDir ?? path.join(root, 'terraform');
  const environment = options.environment ?? 'local';
  const workDir = options.workDir ?? path.join(root, '.local', 'run', environment);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const tracing = options.tracing === false ? undefined : await startRunTracing(root, workDir);

  const started = Date.now();
  const timed = (what: string) => log(`${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const region = LOCAL_AWS.region;
  const accountId = '000000000000';
  const secretName = (tag: string) => `prd2011/${environment}/${tag}`;
  const variables = (components?: Components): LocalVariables => ({
    environment,
    region,
    accountId,
    demandTableName: `prd3292-${environment}-us-east-1-demand-table`,
    demandTableStreamArn: `arn:aws:kinesis:${region}:${accountId}:stream/prd3292-${environment}-dmnd-table-stream`,
    // Secrets that exist before the stacks (their ARNs are stack variables).
    serviceJwtSecretArn: components?.secrets.put(secretName('service-jwt'), components.jwtKeys.privateKeyPem) ?? secretName('service-jwt'),
    mongoUriSecretArn: components?.secrets.put(secretName('mongo-uri'), components.mongo.uri) ?? secretName('mongo-uri'),
    kafkaCert: components?.kafkaCert ?? '{}',
  });
  const tree: ConfigTree = new Map();
  const load = (vars: LocalVariables, sqsEndpoint: string, secretArns = new Map<string, string>()) =>
    loadWiring({
      terraformDir,
      stacks: options.stacks,
      tree,
      variables: (stack) => localStackVariables(terraformDir, stack, vars),
      resolver: localResolver({
        region,
        accountId,
        queueUrl: (name) => localQueueUrl(sqsEndpoint, name),
        secretArn: (name) => secretArns.get(name),
      }),
    });
  const entryOf = options.entryOf ?? ((worker: string) => workerEntryPath(getWorker(worker)));
  // The components start while the stacks are read (with placeholder endpoints) and the handlers bundled.
  const [startedComponents, drafted] = await Promise.allSettled([
    startComponents({ ownKafka: options.ownKafka }).then((c) => {
      timed('components ready');
      return c;
    }),
    (async () => {
      const draft = await load(variables(), 'http://sqs.placeholder');
      timed(`read ${draft.stacks.length} stacks (${draft.functions.length} functions)`);
      const code = await prepareHandlers([...new Set(draft.functions.map((f) => f.worker))], {
        root,
        workDir,
        entryOf,
        // A configuration of its own is baked from source, never taken from dist/local.
        useDist: options.configDir ? false : options.useDist,
        configDir: options.configDir,
      });
      timed(`prepared ${code.size} handlers`);
      return { draft, code };
    })(),
  ]);
  if (startedComponents.status === 'rejected' || drafted.status === 'rejected') {
    if (startedComponents.status === 'fulfilled') {
      await startedComponents.value.stop();
    }
    await tracing?.stop();
    throw startedComponents.status === 'rejected' ? startedComponents.reason : (drafted as PromiseRejectedResult).reason;
  }
  const components = startedComponents.value;
  const { draft, code: handlers } = drafted.value;
  const aws = { region, credentials: LOCAL_AWS.credentials };
  const sqs = new SQSClient({ ...aws, endpoint: components.sqsEndpoint });
  const sns = new SNSClient({ ...aws, endpoint: components.sqsEndpoint });
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    const vars = variables(components);
    const demandTableName = vars.demandTableName;
    // Like `terraform apply`: the stacks' secrets exist before what refers to their ARNs is read.
    const secretArns = new Map(draft.secrets.map((s) => [s.name, components.secrets.put(s.name, '')]));
    const model = await load(vars, components.sqsEndpoint, secretArns);
    for (const secret of model.secrets) {
      components.secrets.put(secret.name, secret.value ?? '');
    }
    const index = modelIndex(model);

    await createDemandTable(components.dynamoDbEndpoint, demandTableName);
    await createQueues(sqs, model.queues);
    for (const topic of model.topics) {
      await sns.send(new CreateTopicCommand({ Name: topic.name }));
    }
    for (const s of model.subscriptions) {
      await sns.send(
        new SubscribeCommand({
          TopicArn: s.topicArn,
          Protocol: s.protocol,
          Endpoint: s.endpoint,
          ReturnSubscriptionArn: true,
          Attributes: {
            RawMessageDelivery: String(s.rawMessageDelivery),
            ...(s.filterPolicy ? { FilterPolicy: JSON.stringify(s.filterPolicy), FilterPolicyScope: s.filterPolicyScope } : {}),
          },
        }),
      );
    }
    timed('created queues, topic, subscriptions and the demand table');
    for (const h of handlers.values()) {
      if (h.status !== 'ready') {
        log(`warning: ${h.worker} is not runnable (${h.status}): ${h.reason}`);
      }
    }

    const clock = new LocalClock(options.clockSpeed ?? 1);
    const metrics = new MetricStore(() => clock.now());
    const { fakes } = components;
    const kafkaTls = options.kafkaTls ? trustKafkaCert(components, model) : undefined;
    const baseEnvironment: Record<string, string> = {
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: components.dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SQS: components.sqsEndpoint,
      AWS_ENDPOINT_URL_SNS: components.sqsEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: components.secrets.endpoint,
      DEMAND_TABLE_NAME: demandTableName,
      REDIS_URL: components.redisUrl,
      KAFKA_BROKERS: components.kafka.brokers.join(','),
      ENTRY_SERVICE_URL: fakes.urls.entries,
      USER_SERVICE_URL: fakes.urls.users,
      CAMPAIGN_SERVICE_URL: fakes.urls.campaigns,
      CODE_SERVICE_URL: fakes.urls.codes,
      EXPORTS_SERVICE_URL: fakes.urls.exports,
      SLACK_WEBHOOK_URL: fakes.urls.slack,
      VAULT_ADDR: fakes.urls.vault,
      // Lambda's own setting.
      TZ: ':UTC',
    };
    const host = new FunctionHost({
      clock,
      baseEnvironment,
      logDir: path.join(workDir, 'logs'),
      maxEnvironments: options.maxEnvironments,
      recordInvocations: options.recordInvocations,
      kafkaTls: kafkaTls?.workerData(),
      tracing: tracing && { setup: tracing.setup, file: tracing.file },
      metrics,
    });
    cleanups.push(() => host.stop());
    for (const f of model.functions) {
      host.register({ ...f, code: handlers.get(f.worker)! });
    }
    const stepFunctions = new StepFunctions(model.stateMachines, host, () => clock.now());
    const onError = (where: string) => (error: Error) => log(`error in ${where}: ${error.message}`);
    const eventBus = new EventBus({
      rules: model.rules,
      clock,
      host,
      stepFunctions,
      sqs,
      queueUrlOfArn: (arn) => index.queueByRef(arn).url,
      region,
      accountId,
      onError: onError('EventBridge'),
    });
    cleanups.push(() => eventBus.stop());
    const gateway = await startGateway({ host, stepFunctions, eventBus, mappings: model.mappings, onError: onError('the Lambda API') });
    cleanups.push(() => gateway.stop());
    const alarms = new AlarmMonitor({
      alarms: model.alarms,
      store: metrics,
      now: () => clock.now(),
      sample: recordGauges(sqs, model, stepFunctions, metrics),
      log,
    });
    cleanups.push(() => alarms.stop());
    const moveTasks = new SqsMoveTasks(sqs, (arn) => localQueueUrl(components.sqsEndpoint, arn.split(':').pop() ?? ''), onError('an SQS message move task'));
    const edge = await startEdge({
      port: options.edgePort ?? 0,
      backends: { gateway: gateway.endpoint, sqs: components.sqsEndpoint, dynamodb: components.dynamoDbEndpoint, secretsManager: components.secrets.endpoint },
      moveTasks,
      // Kinesis' read API on the demand table's stream, for operator tools (ops stream replay).
      kinesis: new KinesisFacade({
        dynamoDbEndpoint: components.dynamoDbEndpoint,
        region,
        streams: [{ streamArn: vars.demandTableStreamArn, tableName: demandTableName }],
      }),
      cloudwatch: cloudWatchApi(alarms, () => clock.offsetMs()),
      onError: onError('the local AWS endpoint'),
    });
    cleanups.push(() => edge.stop());
    // Set before any environment starts, so every function's LambdaClient reaches the gateway.
    Object.assign(baseEnvironment, {
      AWS_ENDPOINT_URL_LAMBDA: gateway.endpoint,
      AWS_ENDPOINT_URL_SFN: gateway.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: gateway.endpoint,
    });

    const runnable = (functionName: string) => handlers.get(index.functionByRef(functionName).worker)?.status === 'ready';
    const sqsPollers: SqsPoller[] = [];
    const streams: { address: string; consumer: StreamConsumer }[] = [];
    const openSource = async (streamArn: string, from: 'LATEST' | 'TRIM_HORIZON', who: string) => {
      if (streamArn !== vars.demandTableStreamArn) {
        throw new Error(`${who} reads ${streamArn}, but the only stream the local runtime hosts is the demand table's (${vars.demandTableStreamArn})`);
      }
      return openStreamReader({ endpoint: components.dynamoDbEndpoint, tableName: demandTableName, from, region, kinesisStreamArn: streamArn, now: () => clock.now() });
    };
    for (const mapping of model.mappings) {
      if (!mapping.enabled) {
        continue;
      }
      if (!runnable(mapping.functionName)) {
        log(`warning: ${mapping.address} is not polled: its function has no runnable handler`);
        continue;
      }
      if (mapping.kind === 'sqs') {
        const poller = new SqsPoller({
          mapping,
          queue: index.queueByRef(mapping.queueArn),
          host,
          sqs,
          region,
          concurrency: options.sqsPollers ?? 2,
          waitSeconds: options.sqsWaitSeconds,
          metrics,
          onError: onError(mapping.address),
        });
        sqsPollers.push(poller);
      } else {
        const fn = index.functionByRef(mapping.functionName);
        const consumer = streamMappingConsumer({
          mapping,
          functionArn: fn.arn,
          source: await openSource(mapping.streamArn, mapping.startingPosition, mapping.address),
          host,
          sqs,
          destinationUrl: mapping.onFailureDestinationArn ? index.queueByRef(mapping.onFailureDestinationArn).url : undefined,
          pollIntervalMs: options.streamPollMs,
          metrics,
          onError: onError(mapping.address),
        });
        streams.push({ address: mapping.address, consumer });
      }
    }
    for (const pipe of model.pipes.filter((p) => p.desiredState === 'RUNNING')) {
      const consumer = pipeConsumer({
        pipe,
        source: await openSource(pipe.sourceArn, pipe.startingPosition, pipe.address),
        sqs,
        targetUrl: index.queueByRef(pipe.targetArn).url,
        deadLetterUrl: pipe.deadLetterArn ? index.queueByRef(pipe.deadLetterArn).url : undefined,
        pollIntervalMs: options.streamPollMs,
        onError: onError(pipe.address),
      });
      streams.push({ address: pipe.address, consumer });
    }
    for (const poller of sqsPollers) {
      poller.start();
      cleanups.push(() => poller.stop());
    }
    for (const { consumer } of streams) {
      consumer.start();
      cleanups.push(() => consumer.stop());
    }
    eventBus.start();
    alarms.start();

    const busyNow = () =>
      host.inFlight() > 0 ||
      stepFunctions.running() > 0 ||
      eventBus.busy() ||
      sqsPollers.some((p) => p.isBusy()) ||
      streams.some((s) => s.consumer.isBusy());
    clock.startAcceleration(() => !busyNow());
    cleanups.push(() => clock.stop());

    const queue = (ref: string): Queue => {
      const prefix = `prd2011-${environment}-${region}-`;
      return index.queueByRef(ref.startsWith(prefix) || ref.startsWith('arn:') ? ref : `${prefix}${ref}`);
    };
    const queueDepth = async (ref: string): Promise<number> => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue(ref).url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      );
      return Object.values(Attributes).reduce((n, v) => n + Number(v ?? 0), 0);
    };
    const consumedQueues = model.mappings.flatMap((m) => (m.kind === 'sqs' && m.enabled && runnable(m.functionName) ? [m.queueArn] : []));
    const isIdle = async () => {
      if (busyNow()) {
        return false;
      }
      for (const arn of consumedQueues) {
        if ((await queueDepth(arn)) > 0) {
          return false;
        }
      }
      return !busyNow();
    };

    /** What keeps the runtime from being idle, for the timeout message of waitForIdle. */
    const busyWith = async (quietSince: number | undefined): Promise<string> => {
      const depths = await Promise.all(consumedQueues.map(async (arn) => [arn, await queueDepth(arn)] as const));
      const reasons = [
        host.inFlight() > 0 ? `${host.inFlight()} invocation(s) running` : '',
        stepFunctions.running() > 0 ? `${stepFunctions.running()} execution(s) running` : '',
        eventBus.busy() ? 'EventBridge delivering' : '',
        sqsPollers.some((p) => p.isBusy()) ? `${sqsPollers.filter((p) => p.isBusy()).length} SQS poller(s) delivering` : '',
        ...depths.filter(([, depth]) => depth > 0).map(([arn, depth]) => `${index.queueByRef(arn).name} holds ${depth} message(s)`),
        ...streams
          .filter((s) => s.consumer.isBusy() || (quietSince !== undefined && s.consumer.drainedSince() < quietSince))
          .map((s) => `${s.address} has not read its stream dry (see its "error in" lines)`),
      ].filter(Boolean);
      return reasons.join('; ') || 'it became busy again within every quiet period';
    };

    const stages = async (): Promise<StageStats[]> => {
      const rows: StageStats[] = [];
      // Pipeline order: the registry lists the workers in the order data flows through them.
      const order = (f: LambdaFunction) => WORKERS.findIndex((w) => w.name === f.worker);
      for (const f of [...model.functions].sort((a, b) => order(a) - order(b))) {
        const stats = host.stats(f.name);
        const mappings = model.mappings.filter((m) => m.functionName === f.name);
        const triggers = triggersOf(model, f);
        let deadLettered = 0;
        for (const m of mappings) {
          if (m.kind === 'sqs') {
            const dlq = index.queueByRef(m.queueArn).redrive?.deadLetterTargetArn;
            deadLettered += dlq ? await queueDepth(dlq) : 0;
          } else if (m.onFailureDestinationArn) {
            deadLettered += await queueDepth(m.onFailureDestinationArn);
          }
        }
        const s = stats.summary;
        const batch = s.received !== undefined;
        rows.push({
          stage: f.worker,
          trigger: triggers.join(', ') || 'direct invocation',
          in: batch ? s.received : stats.invocations,
          processed: batch ? (s.processed ?? 0) : stats.invocations - stats.errors,
          rejected: s.rejected ?? 0,
          failed: batch ? (s.failed ?? 0) + stats.errors : stats.errors,
          deadLettered,
          timeMs: stats.firstStartedAt && stats.lastEndedAt ? stats.lastEndedAt - stats.firstStartedAt : 0,
        });
      }
      for (const pipe of model.pipes) {
        const consumer = streams.find((s) => s.address === pipe.address)?.consumer as (StreamConsumer & { sent: () => number }) | undefined;
        if (consumer) {
          rows.push({
            stage: 'dmnd-table-pipe',
            trigger: 'demand-table stream',
            in: consumer.stats.records,
            processed: consumer.sent(),
            rejected: 0,
            failed: consumer.stats.failedRecords,
            deadLettered: pipe.deadLetterArn ? await queueDepth(pipe.deadLetterArn) : 0,
            timeMs: 0,
          });
        }
      }
      return rows;
    };

    const exports = clientEnvironment({
      edge: edge.endpoint,
      region,
      model,
      queueUrl: (name) => localQueueUrl(edge.endpoint, name),
      others: {
        DEMAND_TABLE_NAME: demandTableName,
        REDIS_URL: components.redisUrl,
        KAFKA_BROKERS: components.kafka.brokers.join(','),
        MONGODB_URI: components.mongo.uri,
        ENTRY_SERVICE_URL: fakes.urls.entries,
        USER_SERVICE_URL: fakes.urls.users,
        CAMPAIGN_SERVICE_URL: fakes.urls.campaigns,
        CODE_SERVICE_URL: fakes.urls.codes,
        EXPORTS_SERVICE_URL: fakes.urls.exports,
        CONFIG_ENV: 'local',
      },
    });
    const envFile = path.join(workDir, 'env.sh');
    writeFileSync(envFile, envFileText(exports, environment));
    // What `npm run ops -- --env local` reads beside env.sh: the resources of this run (no secret values).
    const wiring = { environment, model: { ...model, secrets: model.secrets.map(({ value: _value, ...secret }) => secret) } };
    writeFileSync(path.join(workDir, 'wiring.json'), JSON.stringify(wiring, null, 1));

    let stopping: Promise<void> | undefined;
    return {
      environment,
      model,
      components,
      clock,
      host,
      stepFunctions,
      eventBus,
      gateway,
      edge,
      sqs,
      demandTableName,
      handlers,
      exports,
      envFile,
      tracing,
      alarms,
      functionOf: index.functionOfWorker,
      queue,
      invoke: (worker, event, source = 'scenario') => host.invoke(index.functionOfWorker(worker).name, event, source),
      queueDepth,
      isIdle,
      async waitForIdle({ quietMs = 1500, timeoutMs = 120_000 } = {}) {
        const deadline = Date.now() + timeoutMs;
        let quietSince: number | undefined;
        for (;;) {
          if (await isIdle()) {
            quietSince ??= Date.now();
            // A slow stream read (a loaded machine) must not pass for quiet: each consumer must
            // have read its stream dry with a read that began after the quiet period did.
            const drained = streams.every((s) => s.consumer.drainedSince() >= quietSince!);
            if (drained && Date.now() - quietSince >= quietMs) {
              return;
            }
          } else {
            quietSince = undefined;
          }
          if (Date.now() > deadline) {
            throw new Error(`the local runtime was still busy after ${timeoutMs} ms: ${await busyWith(quietSince)}`);
          }
          await sleep(100);
        }
      },
      stages,
      stop() {
        stopping ??= (async () => {
          for (const cleanup of cleanups.reverse()) {
            await cleanup();
          }
          sqs.destroy();
          sns.destroy();
          await components.stop();
          await tracing?.stop();
        })();
        return stopping;
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) {
      await Promise.resolve(cleanup()).catch(() => undefined);
    }
    sqs.destroy();
    sns.destroy();
    await components.stop();
    await tracing?.stop();
    throw error;
  }
}

/**
 * The TLS boundary mock in front of the Kafka broker, trusting the certificate the stacks'
 * kafka-cert secret holds now and after every change of it (a rotation).
 */
function trustKafkaCert(components: Components, model: WiringModel): KafkaTlsBoundary {
  const secret = model.secrets.find((s) => s.name.endsWith('-kafka-cert'));
  if (!secret) {
    throw new Error('kafkaTls needs the kafka-cert secret of the dataPipeline stack in the run');
  }
  const boundary = new KafkaTlsBoundary(components.kafka.brokers);
  const trustValue = (value: string) => {
    try {
      boundary.trust(String((JSON.parse(value) as { cert?: unknown }).cert ?? ''));
    } catch {
      // A value that is not the JSON bundle trusts nothing: every client certificate is refused.
      boundary.trust(randomBytes(16).toString('hex'));
    }
  };
  trustValue(secret.value ?? '');
  components.secrets.watch((name, value) => {
    if (name === secret.name) {
      trustValue(value);
    }
  });
  return boundary;
}

/**
 * Creates the queues with their Terraform attributes (max_message_size included, so a message
 * AWS would refuse is refused locally too), dead-letter queues first (a redrive policy needs its target).
 */
/**
 * The gauges CloudWatch samples, recorded before each alarm evaluation: every queue's visible
 * messages (AWS/SQS ApproximateNumberOfMessagesVisible) and each execution that ended since the
 * last sample (AWS/States ExecutionsSucceeded, ExecutionsFailed, ExecutionsAborted, at its stop time).
 */
function recordGauges(sqs: SQSClient, model: WiringModel, stepFunctions: StepFunctions, metrics: MetricStore): () => Promise<void> {
  const counted = new Set<string>();
  const outcomes: Record<string, string> = { SUCCEEDED: 'ExecutionsSucceeded', FAILED: 'ExecutionsFailed', ABORTED: 'ExecutionsAborted' };
  return async () => {
    for (const e of stepFunctions.all()) {
      if (e.status !== 'RUNNING' && e.stopDate !== undefined && !counted.has(e.executionArn)) {
        counted.add(e.executionArn);
        metrics.put('AWS/States', outcomes[e.status], { StateMachineArn: e.stateMachineArn }, 1, e.stopDate);
      }
    }
    await Promise.all(
      model.queues.map(async (q) => {
        const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['ApproximateNumberOfMessages'] }));
        metrics.put('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: q.name }, Number(Attributes.ApproximateNumberOfMessages ?? 0));
      }),
    );
  };
}

export async function createQueues(sqs: SQSClient, queues: Queue[]): Promise<void> {
  const ordered = [...queues].sort((a, b) => Number(Boolean(a.redrive)) - Number(Boolean(b.redrive)));
  for (const q of ordered) {
    await sqs.send(
      new CreateQueueCommand({
        QueueName: q.name,
        Attributes: {
          VisibilityTimeout: String(q.visibilityTimeoutSeconds),
          MessageRetentionPeriod: String(q.messageRetentionSeconds),
          DelaySeconds: String(q.delaySeconds),
          MaximumMessageSize: String(q.maxMessageSizeBytes),
          ...(q.fifo ? { FifoQueue: 'true' } : {}),
          ...(q.redrive ? { RedrivePolicy: JSON.stringify(q.redrive) } : {}),
        },
      }),
    );
  }
}

/** A name unique enough to keep parallel test files' resources apart (a Terraform environment name). */
export const uniqueEnvironment = (prefix = 't'): string => `${prefix}${randomBytes(3).toString('hex')}`;
