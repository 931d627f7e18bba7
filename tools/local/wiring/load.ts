/**
 * Builds the wiring model from the stacks' Terraform: every stack directory under
 * `terraform/stacks` is evaluated (modules expanded, locals and names resolved) and the
 * resources that connect things at run time are read into typed records.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AttributeResolver, ConfigTree, ResourceInstance } from '../hcl/modules';
import { HclError, loadStack, stringList } from '../hcl/modules';
import type { Value } from '../hcl/values';
import type { LazyObject } from '../hcl/values';
import { HclEvalError, force, lazyObject } from '../hcl/values';
import type {
  EventPattern,
  EventSourceMapping,
  LambdaFunction,
  Pipe,
  Queue,
  Rule,
  RuleTarget,
  Secret,
  StateMachine,
  Subscription,
  Topic,
  WiringModel,
} from './model';
import { arnService } from './model';
import { readAlarm } from './alarms';

const TYPES = new Set([
  'aws_lambda_function',
  'aws_sqs_queue',
  'aws_sns_topic',
  'aws_sns_topic_subscription',
  'aws_lambda_event_source_mapping',
  'aws_cloudwatch_event_rule',
  'aws_cloudwatch_event_target',
  'aws_sfn_state_machine',
  'aws_pipes_pipe',
  'aws_secretsmanager_secret',
  'aws_secretsmanager_secret_version',
  'aws_cloudwatch_metric_alarm',
]);

export interface LoadOptions {
  /** Directory holding `stacks/` and `modules/`. */
  terraformDir: string;
  /** Stacks to read; default: every directory under `stacks/`. */
  stacks?: string[];
  /** Input variables of a stack (only declared ones are passed; extra keys are ignored). */
  variables: (stack: string) => Record<string, unknown> | Promise<Record<string, unknown>>;
  resolver: AttributeResolver;
  /** Parsed configurations to reuse (loading the same stacks twice parses them once). */
  tree?: ConfigTree;
}

/** Computed attributes as the local machine has them: fixed account, queue URLs on the SQS emulator. */
export interface LocalResolverOptions {
  region: string;
  accountId: string;
  /** URL of a queue by name (on the SQS emulator). */
  queueUrl: (name: string) => string;
  /** ARN of a secret by name, when it already exists in the Secrets Manager emulator. */
  secretArn?: (name: string) => string | undefined;
}

/** The AttributeResolver of a local run (also what the diagram and the tests use, with a dummy endpoint). */
export function localResolver(options: LocalResolverOptions): AttributeResolver {
  const { region, accountId } = options;
  const arn = (service: string, resource: string, withRegion = true) =>
    `arn:aws:${service}:${withRegion ? region : ''}:${withRegion || service === 'iam' ? accountId : ''}:${resource}`;
  const name = (args: LazyObject, key = 'name') => String(force(args.get(key)));
  const byType: Record<string, Record<string, (args: LazyObject, address: string) => Value>> = {
    aws_sqs_queue: {
      arn: (a) => arn('sqs', name(a)),
      url: (a) => options.queueUrl(name(a)),
      id: (a) => options.queueUrl(name(a)),
    },
    aws_sns_topic: { arn: (a) => arn('sns', name(a)), id: (a) => arn('sns', name(a)) },
    aws_sns_topic_subscription: { arn: (_a, address) => `${arn('sns', 'subscription')}:${address}`, id: (_a, address) => address },
    aws_lambda_function: {
      arn: (a) => arn('lambda', `function:${name(a, 'function_name')}`),
      qualified_arn: (a) => arn('lambda', `function:${name(a, 'function_name')}:$LATEST`),
      invoke_arn: (a) =>
        `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn('lambda', `function:${name(a, 'function_name')}`)}/invocations`,
      version: () => '$LATEST',
      id: (a) => name(a, 'function_name'),
    },
    aws_iam_role: { arn: (a) => `arn:aws:iam::${accountId}:role/${name(a)}`, id: (a) => name(a), unique_id: (a) => `AROA${name(a)}` },
    aws_sfn_state_machine: { arn: (a) => arn('states', `stateMachine:${name(a)}`), id: (a) => arn('states', `stateMachine:${name(a)}`) },
    aws_secretsmanager_secret: {
      arn: (a) => options.secretArn?.(name(a)) ?? arn('secretsmanager', `secret:${name(a)}`),
      id: (a) => options.secretArn?.(name(a)) ?? arn('secretsmanager', `secret:${name(a)}`),
    },
    aws_secretsmanager_secret_version: { id: (_a, address) => address, version_id: () => 'local' },
    aws_cloudwatch_event_rule: {
      arn: (a) => {
        const bus = a.has('event_bus_name') ? String(force(a.get('event_bus_name'))) : 'default';
        return arn('events', bus === 'default' ? `rule/${name(a)}` : `rule/${bus}/${name(a)}`);
      },
      id: (a) => name(a),
    },
    aws_cloudwatch_log_group: { arn: (a) => arn('logs', `log-group:${name(a)}`), id: (a) => name(a) },
    aws_cloudwatch_metric_alarm: { arn: (a) => arn('cloudwatch', `alarm:${name(a, 'alarm_name')}`), id: (a) => name(a, 'alarm_name') },
    aws_cloudwatch_dashboard: { dashboard_arn: (a) => arn('cloudwatch', `dashboard/${name(a, 'dashboard_name')}`, false), id: (a) => name(a, 'dashboard_name') },
    aws_pipes_pipe: { arn: (a) => arn('pipes', `pipe/${name(a)}`), id: (a) => name(a) },
    aws_lambda_event_source_mapping: { uuid: (_a, address) => address, id: (_a, address) => address },
  };
  const idOnly = ['aws_iam_role_policy', 'aws_lambda_permission', 'aws_cloudwatch_event_target', 'aws_sqs_queue_policy', 'aws_sqs_queue_redrive_allow_policy', 'aws_secretsmanager_secret_policy'];
  return {
    computedKeys: (type) => (byType[type] ? Object.keys(byType[type]) : idOnly.includes(type) ? ['id'] : []),
    computed: (type, key, args, address) => {
      const compute = byType[type]?.[key] ?? (key === 'id' && idOnly.includes(type) ? () => address : undefined);
      if (!compute) {
        throw new HclEvalError(`${address}: the local runtime does not know the computed attribute "${key}" of ${type}`);
      }
      return compute(args, address);
    },
    data: (type, args, address) => {
      const known: Record<string, Record<string, Value>> = {
        aws_caller_identity: { account_id: accountId, arn: `arn:aws:iam::${accountId}:root`, user_id: accountId, id: accountId },
        aws_partition: { partition: 'aws', dns_suffix: 'amazonaws.com', id: 'aws' },
        aws_region: { name: region, id: region },
      };
      const attrs = known[type];
      if (!attrs) {
        return lazyObject(address, ['json', 'id'], () => {
          throw new HclEvalError(`${address}: data source ${type} is not evaluated by the local runtime`);
        });
      }
      void args;
      return lazyObject(address, Object.keys(attrs), (k) => attrs[k]);
    },
  };
}

/** Directories under `terraform/stacks`. */
export function stackNames(terraformDir: string): string[] {
  const dir = path.join(terraformDir, 'stacks');
  return readdirSync(dir)
    .filter((name) => statSync(path.join(dir, name)).isDirectory())
    .sort();
}

class Reader {
  constructor(
    readonly stack: string,
    readonly r: ResourceInstance,
  ) {}

  fail(message: string): never {
    throw new HclError(message, [`${path.relative(process.cwd(), this.r.file)}: ${this.r.address}`]);
  }

  has(key: string): boolean {
    return this.r.attributes.has(key);
  }

  value(key: string): unknown {
    return force(this.r.attributes.get(key));
  }

  optional<T>(key: string, fallback: T): T {
    if (!this.has(key)) {
      return fallback;
    }
    const v = this.value(key);
    return (v === null || v === undefined ? fallback : v) as T;
  }

  string(key: string): string {
    const v = this.value(key);
    if (typeof v !== 'string') {
      this.fail(`${key} must be a string, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  number(key: string, fallback?: number): number {
    const v = this.has(key) ? this.value(key) : fallback;
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      this.fail(`${key} must be a number, got ${JSON.stringify(v)}`);
    }
    return n;
  }

  /** The first instance of a nested block (hcl2json gives blocks as lists), or undefined. */
  block(key: string, from: Record<string, unknown> = {}): Record<string, unknown> | undefined {
    const list = key in from ? from[key] : this.has(key) ? this.value(key) : undefined;
    return Array.isArray(list) ? (list[0] as Record<string, unknown> | undefined) : undefined;
  }

  patterns(filterCriteria: Record<string, unknown> | undefined): EventPattern[] {
    const filters = (filterCriteria?.filter as { pattern?: unknown }[] | undefined) ?? [];
    return filters.map((f) => this.json(f.pattern, 'filter pattern') as EventPattern);
  }

  json(text: unknown, what: string): unknown {
    if (typeof text !== 'string') {
      this.fail(`${what} must be a JSON string`);
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      return this.fail(`${what} is not JSON: ${(error as Error).message}`);
    }
  }

  located() {
    return { stack: this.stack, address: this.r.address, file: this.r.file };
  }
}

function readFunction(x: Reader): LambdaFunction {
  const zip = x.string('filename');
  const env = x.block('environment');
  const variables = (env?.variables ?? {}) as Record<string, unknown>;
  return {
    ...x.located(),
    worker: path.basename(zip, '.zip'),
    name: x.string('function_name'),
    arn: x.value('arn') as string,
    handler: x.optional('handler', 'index.handler'),
    runtime: x.optional('runtime', 'nodejs22.x'),
    timeoutSeconds: x.number('timeout', 3),
    memoryMb: x.number('memory_size', 128),
    environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
  };
}

function readQueue(x: Reader): Queue {
  const policy = x.optional<string | null>('redrive_policy', null);
  const redrive = policy ? (x.json(policy, 'redrive_policy') as { deadLetterTargetArn: string; maxReceiveCount: number | string }) : undefined;
  return {
    ...x.located(),
    name: x.string('name'),
    arn: x.value('arn') as string,
    url: x.value('url') as string,
    visibilityTimeoutSeconds: x.number('visibility_timeout_seconds', 30),
    messageRetentionSeconds: x.number('message_retention_seconds', 345600),
    delaySeconds: x.number('delay_seconds', 0),
    // Unset, AWS (and the Terraform provider) make it 256 KiB, not the emulator's 1 MiB.
    maxMessageSizeBytes: x.number('max_message_size', 262144),
    fifo: x.optional('fifo_queue', false),
    ...(redrive ? { redrive: { deadLetterTargetArn: redrive.deadLetterTargetArn, maxReceiveCount: Number(redrive.maxReceiveCount) } } : {}),
  };
}

function readMapping(x: Reader, functions: LambdaFunction[]): EventSourceMapping {
  const ref = x.string('function_name');
  const fn = functions.find((f) => f.arn === ref || f.name === ref);
  if (!fn) {
    x.fail(`function_name ${ref} is not a function of the stacks`);
  }
  const source = x.string('event_source_arn');
  const common = {
    ...x.located(),
    functionName: fn.name,
    maximumBatchingWindowSeconds: x.number('maximum_batching_window_in_seconds', 0),
    reportBatchItemFailures: stringList(x.optional<Value>('function_response_types', []), 'function_response_types').includes('ReportBatchItemFailures'),
    filters: x.patterns(x.block('filter_criteria')),
    enabled: x.optional('enabled', true),
  };
  if (arnService(source) === 'sqs') {
    const scaling = x.block('scaling_config');
    return {
      kind: 'sqs',
      ...common,
      queueArn: source,
      batchSize: x.number('batch_size', 10),
      ...(scaling?.maximum_concurrency ? { maximumConcurrency: Number(scaling.maximum_concurrency) } : {}),
    };
  }
  if (arnService(source) !== 'kinesis' && arnService(source) !== 'dynamodb') {
    x.fail(`event source ${source} is not SQS, Kinesis or DynamoDB`);
  }
  const onFailure = x.block('on_failure', x.block('destination_config') ?? {});
  return {
    kind: 'stream',
    ...common,
    streamArn: source,
    batchSize: x.number('batch_size', 100),
    startingPosition: x.optional('starting_position', 'LATEST'),
    bisectOnError: x.optional('bisect_batch_on_function_error', false),
    maximumRetryAttempts: x.number('maximum_retry_attempts', -1),
    ...(onFailure?.destination_arn ? { onFailureDestinationArn: String(onFailure.destination_arn) } : {}),
  };
}

function readPipe(x: Reader): Pipe {
  const source = x.block('source_parameters') ?? {};
  const kinesis = x.block('kinesis_stream_parameters', source) ?? x.block('dynamodb_stream_parameters', source);
  if (!kinesis) {
    x.fail('only pipes with a Kinesis or DynamoDB stream source are supported locally');
  }
  const dlq = x.block('dead_letter_config', kinesis);
  const template = x.block('target_parameters')?.input_template;
  return {
    ...x.located(),
    name: x.string('name'),
    arn: x.value('arn') as string,
    sourceArn: x.string('source'),
    targetArn: x.string('target'),
    desiredState: x.optional('desired_state', 'RUNNING'),
    batchSize: Number(kinesis.batch_size ?? 100),
    maximumBatchingWindowSeconds: Number(kinesis.maximum_batching_window_in_seconds ?? 0),
    startingPosition: (kinesis.starting_position as 'LATEST' | 'TRIM_HORIZON') ?? 'LATEST',
    maximumRetryAttempts: Number(kinesis.maximum_retry_attempts ?? -1),
    bisectOnError: kinesis.on_partial_batch_item_failure === 'AUTOMATIC_BISECT',
    ...(dlq?.arn ? { deadLetterArn: String(dlq.arn) } : {}),
    filters: x.patterns(x.block('filter_criteria', source)),
    ...(typeof template === 'string' ? { inputTemplate: template } : {}),
  };
}

/** Reads the stacks' Terraform into a wiring model. */
export async function loadWiring(options: LoadOptions): Promise<WiringModel> {
  const stacks = options.stacks ?? stackNames(options.terraformDir);
  const tree: ConfigTree = options.tree ?? new Map();
  const readers: Reader[] = [];
  for (const stack of stacks) {
    const dir = path.join(options.terraformDir, 'stacks', stack);
    if (!existsSync(dir)) {
      throw new Error(`Stack directory ${dir} does not exist`);
    }
    const root = await loadStack(dir, await options.variables(stack), options.resolver, tree);
    for (const r of root.resources(TYPES)) {
      readers.push(new Reader(stack, r));
    }
  }
  const of = (type: string) => readers.filter((x) => x.r.type === type);

  const functions = of('aws_lambda_function').map(readFunction);
  const queues = of('aws_sqs_queue').map(readQueue);
  const topics: Topic[] = of('aws_sns_topic').map((x) => ({ ...x.located(), name: x.string('name'), arn: x.value('arn') as string }));
  const subscriptions: Subscription[] = of('aws_sns_topic_subscription').map((x) => {
    const policy = x.optional<string | null>('filter_policy', null);
    return {
      ...x.located(),
      topicArn: x.string('topic_arn'),
      protocol: x.string('protocol'),
      endpoint: x.string('endpoint'),
      rawMessageDelivery: x.optional('raw_message_delivery', false),
      ...(policy ? { filterPolicy: x.json(policy, 'filter_policy') as EventPattern } : {}),
      filterPolicyScope: x.optional('filter_policy_scope', 'MessageAttributes'),
    };
  });
  const mappings = of('aws_lambda_event_source_mapping').map((x) => readMapping(x, functions));
  const targets = of('aws_cloudwatch_event_target').map((x) => ({
    rule: x.string('rule'),
    bus: x.optional('event_bus_name', 'default'),
    target: {
      id: x.optional('target_id', x.r.address),
      arn: x.string('arn'),
      ...(x.has('input') && x.value('input') !== null ? { input: x.string('input') } : {}),
      ...(x.has('input_path') && x.value('input_path') !== null ? { inputPath: x.string('input_path') } : {}),
      ...(x.has('role_arn') && x.value('role_arn') !== null ? { roleArn: x.string('role_arn') } : {}),
    } as RuleTarget,
  }));
  const rules: Rule[] = of('aws_cloudwatch_event_rule').map((x) => {
    const name = x.string('name');
    const eventBusName = x.optional('event_bus_name', 'default');
    const pattern = x.optional<string | null>('event_pattern', null);
    const schedule = x.optional<string | null>('schedule_expression', null);
    return {
      ...x.located(),
      name,
      arn: x.value('arn') as string,
      eventBusName,
      ...(schedule ? { scheduleExpression: schedule } : {}),
      ...(pattern ? { eventPattern: x.json(pattern, 'event_pattern') as EventPattern } : {}),
      targets: targets.filter((t) => t.rule === name && t.bus === eventBusName).map((t) => t.target),
    };
  });
  const stateMachines: StateMachine[] = of('aws_sfn_state_machine').map((x) => ({
    ...x.located(),
    name: x.string('name'),
    arn: x.value('arn') as string,
    type: x.optional('type', 'STANDARD'),
    definition: x.json(x.value('definition'), 'definition') as Record<string, unknown>,
  }));
  const versions = of('aws_secretsmanager_secret_version');
  const secrets: Secret[] = of('aws_secretsmanager_secret').map((x) => {
    const arn = x.value('arn') as string;
    const version = versions.find((v) => v.value('secret_id') === arn || v.value('secret_id') === x.string('name'));
    const value = version?.optional<string | null>('secret_string', null);
    return { ...x.located(), name: x.string('name'), arn, ...(value ? { value } : {}) };
  });
  return {
    region: String(force(options.resolver.data('aws_region', lazyObject('region', [], () => null), 'data.aws_region').get('name'))),
    accountId: String(force(options.resolver.data('aws_caller_identity', lazyObject('id', [], () => null), 'data.aws_caller_identity').get('account_id'))),
    stacks,
    functions,
    queues,
    topics,
    subscriptions,
    mappings,
    rules,
    stateMachines,
    pipes: of('aws_pipes_pipe').map(readPipe),
    secrets,
    alarms: of('aws_cloudwatch_metric_alarm').map((x) => ({ ...readAlarm(x.r), stack: x.stack })),
  };
}
