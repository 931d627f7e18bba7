/**
 * Every row of the seed's infrastructure tables (seedExpectations.ts), found in the Terraform with
 * the seed's settings: queues and DLQs, the topic and its subscriptions, rules, state machines,
 * the kafka-cert secret, stream mappings, the demand-table pipe, names and tags.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Located, ModuleConfig } from '../../tools/local/hcl/modules';
import { loadConfigTree, loadModuleConfig, ModuleInstance, parseHclFile } from '../../tools/local/hcl/modules';
import { expressionReferences, referenceText, references } from '../../tools/local/hcl/references';
import { parseStringValue } from '../../tools/local/hcl/syntax';
import type { Value } from '../../tools/local/hcl/values';
import { force } from '../../tools/local/hcl/values';
import { localResolver } from '../../tools/local/wiring/load';
import type { Pipe } from '../../tools/local/wiring/model';
import { at, environmentDirs, MODULES_DIR, REPO_ROOT, TERRAFORM_DIR, terraformDirs } from './hcl';
import { stackInstance } from './preconditions';
import type { Stack } from './stacks';
import { loadStacks, soleReference } from './stacks';
import {
  DLQ_RETENTION_SECONDS,
  SEED_DEFAULT_MEMORY_MB,
  SEED_DEFAULT_TIMEOUT_SECONDS,
  SEED_ENVIRONMENTS,
  SEED_FUNCTIONS,
  SEED_INVENTORY_CODES,
  SEED_OVERRIDES,
  SEED_PRODUCT_CODE,
  SEED_PRODUCT_NAME,
  SEED_QUEUES,
  SEED_REGION,
  SEED_RULES,
  SEED_SECRET,
  SEED_STANDALONE_DLQS,
  SEED_STATE_MACHINES,
  SEED_STREAM_MAPPINGS,
  SEED_TAG_KEYS,
  SEED_TOPIC,
  stepFnLogGroup,
  STREAM_MAPPING_SETTINGS,
  TWO_SECOND_BUFFER,
} from './seedExpectations';
import type { StackName } from '../../src/workers/registry';
import { INVENTORY_CODES, STACKS, WORKERS } from '../../src/workers/registry';

const stacks = {} as Record<StackName, Stack>;
const modules = {} as Record<string, ModuleConfig>;
/** terraform.tfvars of every stack and environment. */
const tfvars = {} as Record<StackName, Record<string, Record<string, unknown>>>;
/** Every stack evaluated as each environment plans it (its tfvars). */
const planned = {} as Record<StackName, Record<string, ModuleInstance>>;

beforeAll(async () => {
  Object.assign(stacks, await loadStacks(STACKS));
  const tree = new Map();
  for (const name of STACKS) {
    tfvars[name] = {};
    planned[name] = {};
    for (const { env, dir } of environmentDirs(name)) {
      tfvars[name][env] = await parseHclFile(path.join(dir, 'terraform.tfvars'));
      planned[name][env] = await stackInstance(TERRAFORM_DIR, name, path.join(dir, 'terraform.tfvars'), tree);
    }
  }
  for (const name of ['naming', 'queue-with-dlq', 'state-machine', 'nodejs-lambda', 'tm-env']) {
    modules[name] = await loadModuleConfig(path.join(MODULES_DIR, name));
  }
});

const resolver = localResolver({
  region: 'us-east-1',
  accountId: '000000000000',
  queueUrl: (name) => `http://q/${name}`,
});

/** A module of terraform/modules called directly with `inputs`, as a module call would. */
async function moduleInstance(module: string, inputs: Record<string, Value>): Promise<ModuleInstance> {
  const dir = path.join(MODULES_DIR, module);
  const tree = await loadConfigTree(dir);
  return new ModuleInstance(tree, tree.get(dir)!, `module.${module}`, (name) => inputs[name], dir, resolver);
}

/** The value of a module instance's local or output. */
const read = (instance: ModuleInstance, namespace: 'local' | 'outputs', name: string): unknown =>
  force(
    (namespace === 'local' ? (instance.lookup('local') as { get(k: string): Value }) : instance.outputs()).get(name),
  );

/** `jsonencode({ k = <reference>, ... })` as { k: '<reference>' } (the references as HCL text). */
function jsonencodedReferences(raw: unknown): Record<string, string | undefined> {
  const expr = parseStringValue(String(raw));
  const [object] = expr.kind === 'call' && expr.name === 'jsonencode' ? expr.args : [];
  if (object?.kind !== 'object') {
    throw new Error(`not a jsonencode({ ... }) expression: ${String(raw)}`);
  }
  return Object.fromEntries(
    object.items.map((item) => {
      const refs = expressionReferences(item.value);
      const key =
        item.key.kind === 'literal' ? String(item.key.value) : referenceText(expressionReferences(item.key)[0]);
      return [
        key,
        refs.length === 1 && ['variable', 'getattr', 'index'].includes(item.value.kind)
          ? referenceText(refs[0])
          : undefined,
      ];
    }),
  );
}

/** A seed queue's module argument as an environment's plan evaluates it. */
function plannedQueueInput(stack: StackName, env: string, queueTag: string, input: string): unknown {
  const queue = stacks[stack].queue(queueTag);
  const instance = planned[stack][env]
    .moduleInstances(queue!.name)
    .find((i) => (i.key === undefined ? undefined : String(i.key)) === queue!.key)!.instance;
  return force((instance.lookup('var') as { get(k: string): Value }).get(input));
}

/** The state-machine module call of a stack that makes the state machine `nameTag`. */
function stateMachineCall(stack: Stack, nameTag: string): { call: string; body: Record<string, unknown> } | undefined {
  const found = Object.entries(stack.moduleCalls('state-machine')).find(
    ([call]) => stack.nameTag(stack.input(call, 'name')) === nameTag,
  );
  return found && { call: found[0], body: found[1].body };
}

/** Root resources of a type (raw configuration). */
const resourcesOf = (stack: Stack, type: string): Located[] => Object.values(stack.config.resources[type] ?? {});

const worker = (name: string) => WORKERS.find((w) => w.name === name)!;

/** A variable's value in an environment: the tfvars value, else the variable's default. */
function variableValue(stack: StackName, env: string, name: string): unknown {
  const fromVars = tfvars[stack][env][name];
  return fromVars !== undefined ? fromVars : stacks[stack].config.variables[name]?.body.default;
}

interface Statement {
  sid?: string;
  actions: string[];
  resources: unknown;
  principals?: { type: string; identifiers: unknown }[];
}

/** Statements of the aws_iam_policy_document a `data.aws_iam_policy_document.X.json` points at. */
function policyStatements(tf: ModuleConfig, policy: unknown): Statement[] {
  const name = soleReference(policy)?.match(/^data\.aws_iam_policy_document\.(\w+)(?:\[0\])?\.json$/)?.[1];
  const doc = name === undefined ? undefined : tf.data.aws_iam_policy_document?.[name];
  if (!doc) {
    throw new Error(`${tf.dir}: policy ${String(policy)} is not a policy document`);
  }
  return doc.body.statement as Statement[];
}

describe('Lambda functions', () => {
  // A worker added after the seed (`npm run new-worker`) is the registry's own; the seed's are all there.
  it('the registry lists the seed functions per stack with the seed memory and timeouts', () => {
    for (const stack of STACKS) {
      expect(
        WORKERS.filter((w) => w.stack === stack && SEED_FUNCTIONS[stack].includes(w.name))
          .map((w) => w.name)
          .sort(),
      ).toEqual([...SEED_FUNCTIONS[stack]].sort());
    }
    for (const w of WORKERS.filter((x) => SEED_FUNCTIONS[x.stack].includes(x.name))) {
      expect({ worker: w.name, timeout: w.timeoutSeconds, memory: w.memoryMb }).toEqual({
        worker: w.name,
        timeout: SEED_OVERRIDES[w.name]?.timeoutSeconds ?? SEED_DEFAULT_TIMEOUT_SECONDS,
        memory: SEED_OVERRIDES[w.name]?.memoryMb ?? SEED_DEFAULT_MEMORY_MB,
      });
    }
  });
});

describe('SQS queues', () => {
  it.each(SEED_QUEUES.map((q) => [q.name, q] as const))('%s', (_name, seed) => {
    const stack = stacks[seed.stack];
    const queue = stack.queue(seed.name);
    expect(queue?.kind).toBe('main');
    expect(stack.queue(seed.dlq)?.kind).toBe('dlq');
    const body = queue!.block.body;
    expect(body.max_receive_count).toBe(seed.maxReceiveCount);
    expect(soleReference(body.consumer_timeout_seconds)).toBe(`module.${seed.consumer}.timeout`);
    expect(soleReference(body.two_second_buffer)).toBe('var.two_second_buffer');
    const timeout = worker(seed.consumer).timeoutSeconds;
    for (const { env } of SEED_ENVIRONMENTS) {
      const buffer = Number(variableValue(seed.stack, env, 'two_second_buffer'));
      expect(buffer).toBe(TWO_SECOND_BUFFER);
      // As the environment's plan evaluates it (the consumer's timeout, the environment's buffer).
      const visibility = plannedQueueInput(seed.stack, env, seed.name, 'visibility_timeout_seconds');
      // Seed: "Lambda timeout + 2s" (no batching window on SQS mappings).
      expect({ env, visibility }).toEqual({ env, visibility: timeout + TWO_SECOND_BUFFER });
      expect(body.batching_window_seconds).toBeUndefined();
    }
  });

  it('the queue module gives every DLQ 14 days, redrives with maxReceiveCount and names it <queue>-dlq', async () => {
    const tf = modules['queue-with-dlq'];
    const dlq = tf.resources.aws_sqs_queue.dlq;
    const main = tf.resources.aws_sqs_queue.this;
    expect(tf.locals.dlq_message_retention_seconds?.body).toBe(DLQ_RETENTION_SECONDS);
    expect(dlq.body.message_retention_seconds).toBe('${local.dlq_message_retention_seconds}');
    expect(dlq.body.name).toBe('${var.name}-dlq');
    // The redrive policy as a plan evaluates it: to this instance's DLQ, after max_receive_count receives.
    const instance = await moduleInstance('queue-with-dlq', {
      name: 'q-main',
      name_tag: 'q-main',
      visibility_timeout_seconds: 32,
      consumer_timeout_seconds: 30,
      two_second_buffer: 2,
      batching_window_seconds: 0,
      max_receive_count: 7,
    });
    const queues = [...instance.resources(new Set(['aws_sqs_queue']))];
    const attribute = (name: string, key: string) => force(queues.find((q) => q.name === name)!.attributes.get(key));
    expect(JSON.parse(String(attribute('this', 'redrive_policy')))).toEqual({
      deadLetterTargetArn: attribute('dlq', 'arn'),
      maxReceiveCount: 7,
    });
    expect(main.body.visibility_timeout_seconds).toBe('${var.visibility_timeout_seconds}');
  });

  it('the queue module fails the plan when the visibility timeout is below consumer timeout + buffer + window', () => {
    const main = modules['queue-with-dlq'].resources.aws_sqs_queue.this;
    expect(at(main.body, 'lifecycle', 0, 'precondition', 0, 'condition')).toBe(
      '${var.visibility_timeout_seconds >= var.consumer_timeout_seconds + var.two_second_buffer + var.batching_window_seconds}',
    );
  });

  it.each(SEED_STANDALONE_DLQS.map((q) => [q.name, q] as const))(
    '%s keeps messages 14 days and is used',
    (_n, seed) => {
      const stack = stacks[seed.stack];
      const queue = stack.queue(seed.name);
      expect(queue?.kind).toBe('plain');
      expect(queue!.block.body.message_retention_seconds).toBe(DLQ_RETENTION_SECONDS);
      const users = [
        ...Object.values(stack.config.resources).flatMap((r) => Object.values(r)),
        ...Object.values(stack.config.modules),
      ].filter((b) =>
        references(b.body).some(
          (r) => r.root === 'aws_sqs_queue' && r.steps[0] === queue!.name && r.steps[1] === 'arn',
        ),
      );
      expect(users.length).toBeGreaterThan(0);
    },
  );

  it.each([...STACKS])('%s has no queues besides the seed rows and those of workers added after the seed', (name) => {
    const later = WORKERS.filter((w) => w.stack === name && !SEED_FUNCTIONS[name].includes(w.name)).flatMap((w) =>
      w.trigger.kind === 'sqs' ? w.trigger.queues.flatMap((q) => [q, `${q}-dlq`]) : w.trigger.kind === 'stream' ? [w.trigger.dlq] : [],
    );
    const expected = [
      ...SEED_QUEUES.filter((q) => q.stack === name).flatMap((q) => [q.name, q.dlq]),
      ...SEED_STANDALONE_DLQS.filter((q) => q.stack === name).map((q) => q.name),
      ...later,
    ].sort();
    expect(stacks[name].queues.map((q) => q.nameTag).sort()).toEqual(expected);
  });
});

describe('SNS topic data-sns', () => {
  it('fans out to the five queues by message attribute type, with raw delivery', async () => {
    const stack = stacks[SEED_TOPIC.stack];
    const topic = stack.model.topics.find((t) => stack.nameTag(t.name) === SEED_TOPIC.name);
    expect(topic).toBeDefined();
    const routes: Record<string, string> = {};
    // The wiring model's subscriptions: one per for_each instance, evaluated.
    for (const subscription of stack.model.subscriptions) {
      const body = stack.blockAt(subscription.address).body;
      expect(stack.tokensOf(subscription.topicArn)).toEqual([`topic:${SEED_TOPIC.name}`]);
      expect(body).toMatchObject({
        protocol: 'sqs',
        raw_message_delivery: true,
        filter_policy_scope: 'MessageAttributes',
      });
      const policy = subscription.filterPolicy as Record<string, unknown>;
      const [queue] = stack.tokensOf(subscription.endpoint);
      expect(Object.keys(policy)).toEqual(['type']);
      for (const type of policy.type as string[]) {
        routes[type] = queue.replace('queue:', '');
      }
    }
    expect(routes).toEqual(SEED_TOPIC.subscriptions);
  });

  it('each subscribed queue lets exactly the topic send to it', () => {
    const stack = stacks[SEED_TOPIC.stack];
    for (const queueName of Object.values(SEED_TOPIC.subscriptions)) {
      const queue = stack.queue(queueName)!;
      const publishers = stack.queueInput(queue, 'publishers') as { service: string; source_arn: string }[];
      expect(publishers.map((p) => ({ service: p.service, source: stack.tokensOf(p.source_arn) }))).toEqual([
        { service: 'sns.amazonaws.com', source: [`topic:${SEED_TOPIC.name}`] },
      ]);
    }
  });

  it('the queue module turns publishers into a queue policy conditioned on aws:SourceArn', () => {
    const doc = modules['queue-with-dlq'].data.aws_iam_policy_document.publishers;
    const content = at(doc.body.dynamic, 'statement', 0, 'content', 0);
    expect(at(content, 'actions')).toEqual(['sqs:SendMessage']);
    expect(at(content, 'condition', 0)).toEqual({
      test: 'ArnEquals',
      variable: 'aws:SourceArn',
      values: ['${statement.value.source_arn}'],
    });
  });
});

describe('EventBridge rules', () => {
  const configSchedules = (env: string): Record<string, string> => {
    const read = (file: string) =>
      (parseYaml(readFileSync(path.join(REPO_ROOT, 'configs', file), 'utf8')) ?? {}) as {
        schedules?: Record<string, string>;
      };
    const configEnv = SEED_ENVIRONMENTS.find((e) => e.env === env)!.configEnv;
    return { ...read('default.config.yml').schedules, ...read(`${configEnv}.config.yml`).schedules };
  };

  it.each(SEED_RULES.map((r) => [r.name, r] as const))('%s', (_name, seed) => {
    const stack = stacks[seed.stack];
    const model = stack.model.rules.find((r) => stack.nameTag(r.name) === seed.name)!;
    expect(model).toBeDefined();
    // The wiring model joins each aws_cloudwatch_event_target to the rule it names.
    expect(model.targets.map((t) => stack.tokensOf(t.arn))).toEqual([[seed.target]]);
    const rule = stack.blockAt(model.address);
    if (seed.kind === 'schedule') {
      const key = soleReference(rule.body.schedule_expression)?.match(/^local\.schedules\.(\w+)$/)?.[1];
      expect(key).toBeDefined();
      for (const { env } of SEED_ENVIRONMENTS) {
        expect({ env, schedule: configSchedules(env)[key!] }).toEqual({ env, schedule: seed.schedule });
      }
    } else {
      expect(rule.body.event_pattern).toBeDefined();
      expect(rule.body.schedule_expression).toBeUndefined();
    }
  });

  it('the user-info rule matches its sources and detail types and may send to the queue', async () => {
    const stack = stacks.registration;
    const rule = stack.resource('aws_cloudwatch_event_rule', 'user_info');
    expect(jsonencodedReferences(rule.body.event_pattern)).toEqual({
      source: 'var.user_info_event_sources',
      'detail-type': 'var.user_info_detail_types',
    });
    const publishers = stack.queueInput(stack.queue('user-info')!, 'publishers') as {
      service: string;
      source_arn: string;
    }[];
    expect(publishers.map((p) => ({ service: p.service, source: stack.tokensOf(p.source_arn) }))).toEqual([
      { service: 'events.amazonaws.com', source: ['rule:user-info'] },
    ]);
  });

  it('notification-planning starts notification-step-fn through a role that may only start it', () => {
    const stack = stacks.notification;
    const target = stack.resource('aws_cloudwatch_event_target', 'notification_planning');
    const roleName = soleReference(target.body.role_arn)?.match(/^aws_iam_role\.(\w+)\.arn$/)?.[1];
    const role = stack.resource('aws_iam_role', roleName!);
    const assume = policyStatements(stack.config, role.body.assume_role_policy);
    expect(assume[0].principals?.[0].identifiers).toEqual(['events.amazonaws.com']);
    const rolePolicy = resourcesOf(stack, 'aws_iam_role_policy').find(
      (p) => soleReference(p.body.role) === `aws_iam_role.${roleName}.id`,
    )!;
    const statements = policyStatements(stack.config, rolePolicy.body.policy);
    expect(statements.map((s) => ({ actions: s.actions, resources: stack.tokens(s.resources) }))).toEqual([
      { actions: ['states:StartExecution'], resources: ['stateMachine:notification-step-fn'] },
    ]);
  });
});

describe('Step Functions', () => {
  it.each(SEED_STATE_MACHINES.map((s) => [s.name, s] as const))('%s', (_name, seed) => {
    const stack = stacks[seed.stack];
    const machine = stateMachineCall(stack, seed.name)!;
    expect(machine).toBeDefined();
    const invokes = machine.body.lambda_function_arns as Record<string, unknown>;
    expect(Object.keys(invokes).sort()).toEqual([...seed.invokes].sort());
    for (const [fn, arn] of Object.entries(invokes)) {
      expect(stack.tokens(arn)).toEqual([`function:${fn}`]);
    }
    expect(machine.body.definition_path).toBe(`\${path.module}/${seed.name}.asl.json`);
    expect(soleReference(machine.body.log_group_name)).toBe('module.naming.step_fn_log_group_name');
  });

  it('the state machine module: STANDARD, ERROR logging with execution data, invoke only the given functions', () => {
    const tf = modules['state-machine'];
    const machine = Object.values(tf.resources.aws_sfn_state_machine)[0];
    expect(machine.body.type).toBe('STANDARD');
    expect(machine.body.definition).toBe('${templatefile(var.definition_path, var.lambda_function_arns)}');
    expect((machine.body.logging_configuration as unknown[])[0]).toEqual({
      level: 'ERROR',
      include_execution_data: true,
      log_destination: '${aws_cloudwatch_log_group.this.arn}:*',
    });
    const logGroup = Object.values(tf.resources.aws_cloudwatch_log_group)[0];
    expect(logGroup.body.name).toBe('${var.log_group_name}');
    const statements = tf.data.aws_iam_policy_document.this.body.statement as Statement[];
    expect(statements[0]).toMatchObject({
      actions: ['lambda:InvokeFunction'],
      resources: '${sort(values(var.lambda_function_arns))}',
    });
    expect(statements[1].actions).toEqual(expect.arrayContaining(['logs:CreateLogDelivery', 'logs:PutResourcePolicy']));
  });

  it.each(SEED_ENVIRONMENTS.map((e) => [e.env]))('log groups are named per the seed in %s', async (env) => {
    for (const seed of SEED_STATE_MACHINES) {
      const naming = await moduleInstance('naming', {
        product_code: SEED_PRODUCT_CODE,
        environment: env,
        inventory_code: SEED_INVENTORY_CODES[seed.stack],
      });
      expect(read(naming, 'outputs', 'step_fn_log_group_name')).toBe(
        stepFnLogGroup(env, SEED_INVENTORY_CODES[seed.stack]),
      );
    }
  });
});

describe('Secrets Manager kafka-cert', () => {
  it('holds the sensitive kafka_cert and grants read to sendData and the CCPA roles', () => {
    const stack = stacks[SEED_SECRET.stack];
    const secret = stack.model.secrets.find((s) => stack.nameTag(s.name) === SEED_SECRET.name)!;
    expect(secret).toBeDefined();
    const version = resourcesOf(stack, 'aws_secretsmanager_secret_version')[0];
    expect(stack.tokens(version.body.secret_id)).toEqual([`secret:${SEED_SECRET.name}`]);
    expect(version.body.secret_string).toBe('${var.kafka_cert}');
    expect(stack.config.variables.kafka_cert.body).toMatchObject({ sensitive: true });
    expect('default' in stack.config.variables.kafka_cert.body).toBe(false);
    expect(stack.config.variables.ccpa_role_arns.body.type).toBe('${list(string)}');

    const policy = resourcesOf(stack, 'aws_secretsmanager_secret_policy')[0];
    expect(stack.tokens(policy.body.secret_arn)).toEqual([`secret:${SEED_SECRET.name}`]);
    const statements = policyStatements(stack.config, policy.body.policy);
    expect(statements).toHaveLength(1);
    expect([...statements[0].actions].sort()).toEqual(SEED_SECRET.actions);
    expect(statements[0].principals?.[0].type).toBe('AWS');
    expect(stack.tokens(statements[0].principals?.[0].identifiers)).toEqual([...SEED_SECRET.readers].sort());
  });
});

describe('stream event source mappings', () => {
  it.each(SEED_STREAM_MAPPINGS.map((m) => [m.worker, m] as const))('%s', async (_name, seed) => {
    const stack = stacks[seed.stack];
    const mapping = stack.model.mappings.find((m) =>
      stack.tokensOf(m.functionName).includes(`function:${seed.worker}`),
    )!;
    const body = stack.blockAt(mapping.address).body;
    expect(body).toMatchObject(STREAM_MAPPING_SETTINGS);
    expect(stack.tokensOf(mapping.kind === 'stream' ? mapping.streamArn : mapping.queueArn)).toEqual([
      'stream:demand-table',
    ]);
    expect(body.maximum_batching_window_in_seconds).toBe('${var.batching_window}');
    expect(stack.tokensOf(mapping.kind === 'stream' ? mapping.onFailureDestinationArn : undefined)).toEqual([
      `queue:${seed.dlq}`,
    ]);
    // The filter patterns as evaluated (jsonencode) and decoded by the wiring model.
    const filters = mapping.filters;
    expect(filters).toEqual(seed.filters);
  });

  it('batching windows are set per environment', () => {
    for (const seed of SEED_STREAM_MAPPINGS) {
      for (const { env } of SEED_ENVIRONMENTS) {
        expect(typeof tfvars[seed.stack][env].batching_window).toBe('number');
      }
    }
  });
});

describe('demand-table pipe', () => {
  let pipe: { model: Pipe; body: Record<string, unknown> };
  beforeAll(() => {
    const stack = stacks.dataPipeline;
    const model = stack.model.pipes.find((p) => stack.nameTag(p.name) === 'dmnd-table-pipe')!;
    pipe = { model, body: stack.blockAt(model.address).body };
  });

  it('reads the stream from LATEST and sends registrations to data-queue, failures to dmnd-table-pipe-dlq', async () => {
    const stack = stacks.dataPipeline;
    const body = pipe.body;
    expect(stack.tokensOf(pipe.model.sourceArn)).toEqual(['stream:demand-table']);
    expect(stack.tokensOf(pipe.model.targetArn)).toEqual(['queue:data-queue']);
    const kinesis = at(body, 'source_parameters', 0, 'kinesis_stream_parameters', 0);
    expect(at(kinesis, 'starting_position')).toBe('LATEST');
    expect(typeof at(kinesis, 'batch_size')).toBe('number');
    expect(stack.tokensOf(pipe.model.deadLetterArn)).toEqual(['queue:dmnd-table-pipe-dlq']);
    // The filter patterns as evaluated (jsonencode) and decoded by the wiring model.
    expect(pipe.model.filters).toEqual([
      { data: { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { type: { S: ['registration'] } } } } },
      // Deletions reach Kafka (DOMAIN 5.3): a REMOVE has only the old image.
      { data: { eventName: ['REMOVE'], dynamodb: { OldImage: { type: { S: ['registration'] } } } } },
    ]);
  });

  it('wraps each whole change record as { type: "registration", data: <record> }, so processData sees both images', () => {
    const template = String(at(pipe.body, 'target_parameters', 0, 'input_template'));
    const change = {
      eventName: 'REMOVE',
      dynamodb: { OldImage: { PK: { S: 'e:c1' }, SK: { S: 'entry#u1' }, type: { S: 'registration' } } },
    };
    const rendered = template.replace('<$.data>', JSON.stringify(change));
    expect(JSON.parse(rendered)).toEqual({ type: 'registration', data: change });
  });

  it('its role reads the stream and sends to data-queue and the DLQ only', () => {
    const stack = stacks.dataPipeline;
    const roleName = soleReference(pipe.body.role_arn)?.match(/^aws_iam_role\.(\w+)\.arn$/)?.[1];
    const rolePolicy = resourcesOf(stack, 'aws_iam_role_policy').find(
      (p) => soleReference(p.body.role) === `aws_iam_role.${roleName}.id`,
    )!;
    const grants = policyStatements(stack.config, rolePolicy.body.policy)
      .flatMap((s) => s.actions.flatMap((a) => stack.tokens(s.resources).map((r) => `${a} on ${r}`)))
      .sort();
    expect(grants.filter((g) => g.startsWith('sqs:'))).toEqual([
      'sqs:SendMessage on queue:data-queue',
      'sqs:SendMessage on queue:dmnd-table-pipe-dlq',
    ]);
    expect(
      grants.filter((g) => !g.startsWith('sqs:')).every((g) => /^kinesis:\w+ on stream:demand-table$/.test(g)),
    ).toBe(true);
  });
});

describe('names and tags', () => {
  it.each(SEED_ENVIRONMENTS.map((e) => [e.env]))(
    'resource names and Name tags follow the convention in %s',
    async (env) => {
      const naming = modules.naming;
      const instance = await moduleInstance('naming', {
        product_code: SEED_PRODUCT_CODE,
        product_name: SEED_PRODUCT_NAME,
        region: SEED_REGION,
        environment: env,
      });
      const resourcePrefix = String(read(instance, 'local', 'resource_prefix'));
      const nameTagPrefix = String(read(instance, 'local', 'name_tag_prefix'));
      expect(resourcePrefix).toBe(`${SEED_PRODUCT_CODE}-${env}-${SEED_REGION}`);
      expect(nameTagPrefix).toBe(`${SEED_PRODUCT_CODE}.${SEED_PRODUCT_NAME}.${SEED_REGION}.${env}`);
      expect(naming.outputs.names.body.value).toBe(
        '${{ for t in var.name_tags : t => "${local.resource_prefix}-${t}" }}',
      );
      expect(naming.outputs.name_tags.body.value).toBe(
        '${{ for t in var.name_tags : t => "${local.name_tag_prefix}.${t}" }}',
      );
      // Function and state machine names get "-role" for their roles (64 characters at most).
      for (const stack of STACKS) {
        const tags = stacks[stack].config.modules.naming.body.name_tags as string[];
        for (const tag of tags) {
          expect({ name: `${resourcePrefix}-${tag}`, fits: `${resourcePrefix}-${tag}-role`.length <= 64 }).toEqual({
            name: `${resourcePrefix}-${tag}`,
            fits: true,
          });
        }
      }
    },
  );

  it.each([...STACKS])('%s: the naming module gets the stack inputs and the seed inventory code', (stack) => {
    const tf = stacks[stack].config;
    const naming = tf.modules.naming;
    expect(naming.body).toMatchObject({
      product_code: '${var.product_code}',
      product_name: '${var.product_name}',
      region: '${module.tm_env.region}',
      environment: '${module.tm_env.environment}',
      inventory_code: '${local.inventory_code}',
      iac_repo: '${var.iac_repo}',
    });
    expect(tf.locals.inventory_code?.body).toBe(SEED_INVENTORY_CODES[stack]);
    expect(INVENTORY_CODES[stack]).toBe(SEED_INVENTORY_CODES[stack]);
    expect(tf.variables.product_code.body.default).toBe(SEED_PRODUCT_CODE);
    expect(tf.variables.product_name.body.default).toBe(SEED_PRODUCT_NAME);
    for (const { env } of SEED_ENVIRONMENTS) {
      expect(variableValue(stack, env, 'aws_region')).toBe(SEED_REGION);
    }
  });

  it.each([...STACKS])('%s: provider default_tags carry Environment, ProductCode, InventoryCode, iacRepo', (stack) => {
    const tf = stacks[stack].config;
    const [aws] = tf.providers.aws;
    expect((aws.body.default_tags as { tags: string }[])[0].tags).toBe('${local.tags}');
    expect(tf.locals.tags?.body).toBe('${merge(module.tm_env.tags, module.naming.tags)}');
    expect(modules.naming.outputs.tags.body.value).toEqual({
      Environment: '${var.environment}',
      ProductCode: '${var.product_code}',
      InventoryCode: '${var.inventory_code}',
      iacRepo: '${var.iac_repo}',
    });
    expect(Object.keys(modules.naming.outputs.tags.body.value as object).sort()).toEqual([...SEED_TAG_KEYS].sort());
    expect(modules['tm-env'].outputs.tags.body.value).toBe(
      '${merge(var.extra_tags, { Environment = var.environment })}',
    );
  });

  it('every taggable resource carries a Name tag', async () => {
    const taggable = new Set([
      'aws_lambda_function',
      'aws_iam_role',
      'aws_cloudwatch_log_group',
      'aws_sqs_queue',
      'aws_sns_topic',
      'aws_cloudwatch_event_rule',
      'aws_sfn_state_machine',
      'aws_secretsmanager_secret',
      'aws_pipes_pipe',
    ]);
    const missing: string[] = [];
    for (const dir of terraformDirs()) {
      const tf = await loadModuleConfig(dir);
      const resources = Object.entries(tf.resources).flatMap(([type, byName]) =>
        Object.entries(byName).map(([name, block]) => ({ type, name, body: block.body })),
      );
      for (const r of resources.filter((x) => taggable.has(x.type))) {
        const tags = r.body.tags;
        const expression = typeof tags === 'string' && tags === '${local.tags}' ? tf.locals.tags?.body : tags;
        const hasName =
          (typeof expression === 'object' && expression !== null && 'Name' in expression) ||
          (typeof expression === 'string' && /^\$\{merge\(var\.tags, \{ Name = .+ \}\)\}$/.test(expression));
        if (!hasName) {
          missing.push(`${path.relative(TERRAFORM_DIR, tf.dir)}: ${r.type}.${r.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
