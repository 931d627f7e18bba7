/**
 * Every row of the seed's infrastructure tables (seedExpectations.ts), found in the Terraform with
 * the seed's settings: queues and DLQs, the topic and its subscriptions, rules, state machines,
 * the kafka-cert secret, stream mappings, the demand-table pipe, names and tags.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Block, Stack, TfDir } from './hcl';
import {
  at,
  environmentDirs,
  evalJsonencode,
  evalSum,
  loadDir,
  loadStack,
  localValue,
  MODULES_DIR,
  nameKey,
  parseHclFile,
  REPO_ROOT,
  soleExpression,
  terraformDirs,
} from './hcl';
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
const modules = {} as Record<string, TfDir>;
/** terraform.tfvars of every stack and environment. */
const tfvars = {} as Record<StackName, Record<string, Record<string, unknown>>>;

beforeAll(async () => {
  for (const name of STACKS) {
    stacks[name] = await loadStack(name);
    tfvars[name] = {};
    for (const { env, dir } of environmentDirs(name)) {
      tfvars[name][env] = await parseHclFile(path.join(dir, 'terraform.tfvars'));
    }
  }
  for (const name of ['naming', 'queue-with-dlq', 'state-machine', 'nodejs-lambda', 'tm-env']) {
    modules[name] = await loadDir(path.join(MODULES_DIR, name));
  }
});

/** Replaces ${var.x} / ${local.x} / ${x} in a template string with the given values. */
function evalTemplate(template: unknown, values: Record<string, string>): string {
  return String(template).replace(/\$\{([^}]+)\}/g, (_m, ref: string) => {
    const key = ref.trim();
    if (!(key in values)) {
      throw new Error(`no value for ${key} in ${String(template)}`);
    }
    return values[key];
  });
}

const worker = (name: string) => WORKERS.find((w) => w.name === name)!;

/** A variable's value in an environment: the tfvars value, else the variable's default. */
function variableValue(stack: StackName, env: string, name: string): unknown {
  const fromVars = tfvars[stack][env][name];
  return fromVars !== undefined ? fromVars : stacks[stack].tf.variables[name]?.default;
}

interface Statement {
  sid?: string;
  actions: string[];
  resources: unknown;
  principals?: { type: string; identifiers: unknown }[];
}

/** Statements of the aws_iam_policy_document a `data.aws_iam_policy_document.X.json` points at. */
function policyStatements(tf: TfDir, policy: unknown): Statement[] {
  const name = soleExpression(policy)?.match(/^data\.aws_iam_policy_document\.(\w+)(?:\[0\])?\.json$/)?.[1];
  const doc = tf.data.find((d) => d.type === 'aws_iam_policy_document' && d.name === name);
  if (!doc) {
    throw new Error(`${tf.rel}: policy ${String(policy)} is not a policy document`);
  }
  return doc.body.statement as Statement[];
}

describe('Lambda functions', () => {
  it('the registry lists the seed functions per stack with the seed memory and timeouts', () => {
    for (const stack of STACKS) {
      expect(
        WORKERS.filter((w) => w.stack === stack)
          .map((w) => w.name)
          .sort(),
      ).toEqual([...SEED_FUNCTIONS[stack]].sort());
    }
    for (const w of WORKERS) {
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
    expect(soleExpression(body.consumer_timeout_seconds)).toBe(`module.${seed.consumer}.timeout`);
    expect(soleExpression(body.two_second_buffer)).toBe('var.two_second_buffer');
    const timeout = worker(seed.consumer).timeoutSeconds;
    for (const { env } of SEED_ENVIRONMENTS) {
      const buffer = Number(variableValue(seed.stack, env, 'two_second_buffer'));
      expect(buffer).toBe(TWO_SECOND_BUFFER);
      const visibility = evalSum(body.visibility_timeout_seconds, {
        [`module.${seed.consumer}.timeout`]: timeout,
        'var.two_second_buffer': buffer,
      });
      // Seed: "Lambda timeout + 2s" (no batching window on SQS mappings).
      expect({ env, visibility }).toEqual({ env, visibility: timeout + TWO_SECOND_BUFFER });
      expect(body.batching_window_seconds).toBeUndefined();
    }
  });

  it('the queue module gives every DLQ 14 days, redrives with maxReceiveCount and names it <queue>-dlq', async () => {
    const tf = modules['queue-with-dlq'];
    const dlq = tf.resources.find((r) => r.type === 'aws_sqs_queue' && r.name === 'dlq')!;
    const main = tf.resources.find((r) => r.type === 'aws_sqs_queue' && r.name === 'this')!;
    expect(localValue(tf, 'dlq_message_retention_seconds')).toBe(DLQ_RETENTION_SECONDS);
    expect(dlq.body.message_retention_seconds).toBe('${local.dlq_message_retention_seconds}');
    expect(dlq.body.name).toBe('${var.name}-dlq');
    expect(await evalJsonencode(main.body.redrive_policy)).toEqual({
      deadLetterTargetArn: '${aws_sqs_queue.dlq.arn}',
      maxReceiveCount: '${var.max_receive_count}',
    });
    expect(main.body.visibility_timeout_seconds).toBe('${var.visibility_timeout_seconds}');
  });

  it('the queue module fails the plan when the visibility timeout is below consumer timeout + buffer + window', () => {
    const main = modules['queue-with-dlq'].resources.find((r) => r.type === 'aws_sqs_queue' && r.name === 'this')!;
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
      const users = [...stack.tf.resources, ...stack.tf.modules].filter((b) =>
        JSON.stringify(b.body).includes(`aws_sqs_queue.${queue!.block.name}.arn`),
      );
      expect(users.length).toBeGreaterThan(0);
    },
  );

  it.each([...STACKS])('%s has no queues besides the seed rows', (name) => {
    const expected = [
      ...SEED_QUEUES.filter((q) => q.stack === name).flatMap((q) => [q.name, q.dlq]),
      ...SEED_STANDALONE_DLQS.filter((q) => q.stack === name).map((q) => q.name),
    ].sort();
    expect(stacks[name].queues.map((q) => q.nameTag).sort()).toEqual(expected);
  });
});

describe('SNS topic data-sns', () => {
  it('fans out to the five queues by message attribute type, with raw delivery', async () => {
    const stack = stacks[SEED_TOPIC.stack];
    const topic = stack.resourcesOf('aws_sns_topic').find((t) => nameKey(t.body.name) === SEED_TOPIC.name);
    expect(topic).toBeDefined();
    const routes: Record<string, string> = {};
    for (const subscription of stack.resourcesOf('aws_sns_topic_subscription')) {
      for (const each of stack.forEachEntries(subscription.body.for_each)) {
        const body = subscription.body;
        expect(stack.tokens(body.topic_arn)).toEqual([`topic:${SEED_TOPIC.name}`]);
        expect(body).toMatchObject({
          protocol: 'sqs',
          raw_message_delivery: true,
          filter_policy_scope: 'MessageAttributes',
        });
        const policy = JSON.parse(
          JSON.stringify(await evalJsonencode(body.filter_policy)).replace('${each.key}', each.key),
        );
        const [queue] = stack.tokens(body.endpoint, each);
        expect(Object.keys(policy)).toEqual(['type']);
        for (const type of policy.type as string[]) {
          routes[type] = queue.replace('queue:', '');
        }
      }
    }
    expect(routes).toEqual(SEED_TOPIC.subscriptions);
  });

  it('each subscribed queue lets exactly the topic send to it', () => {
    const stack = stacks[SEED_TOPIC.stack];
    for (const queueName of Object.values(SEED_TOPIC.subscriptions)) {
      const queue = stack.queue(queueName)!;
      const publishers = queue.block.body.publishers as { service: string; source_arn: string }[];
      expect(publishers.map((p) => ({ service: p.service, source: stack.tokens(p.source_arn) }))).toEqual([
        { service: 'sns.amazonaws.com', source: [`topic:${SEED_TOPIC.name}`] },
      ]);
    }
  });

  it('the queue module turns publishers into a queue policy conditioned on aws:SourceArn', () => {
    const doc = modules['queue-with-dlq'].data.find((d) => d.name === 'publishers')!;
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
    const rule = stack.resourcesOf('aws_cloudwatch_event_rule').find((r) => nameKey(r.body.name) === seed.name)!;
    expect(rule).toBeDefined();
    const targets = stack
      .resourcesOf('aws_cloudwatch_event_target')
      .filter((t) => stack.tokens(t.body.rule).includes(`rule:${seed.name}`));
    expect(targets.map((t) => stack.tokens(t.body.arn))).toEqual([[seed.target]]);
    if (seed.kind === 'schedule') {
      const key = soleExpression(rule.body.schedule_expression)?.match(/^local\.schedules\.(\w+)$/)?.[1];
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
    expect(await evalJsonencode(rule.body.event_pattern)).toEqual({
      source: '${var.user_info_event_sources}',
      'detail-type': '${var.user_info_detail_types}',
    });
    const publishers = stack.queue('user-info')!.block.body.publishers as { service: string; source_arn: string }[];
    expect(publishers.map((p) => ({ service: p.service, source: stack.tokens(p.source_arn) }))).toEqual([
      { service: 'events.amazonaws.com', source: ['rule:user-info'] },
    ]);
  });

  it('notification-planning starts notification-step-fn through a role that may only start it', () => {
    const stack = stacks.notification;
    const target = stack.resource('aws_cloudwatch_event_target', 'notification_planning');
    const roleName = soleExpression(target.body.role_arn)?.match(/^aws_iam_role\.(\w+)\.arn$/)?.[1];
    const role = stack.resource('aws_iam_role', roleName!);
    const assume = policyStatements(stack.tf, role.body.assume_role_policy);
    expect(assume[0].principals?.[0].identifiers).toEqual(['events.amazonaws.com']);
    const rolePolicy = stack
      .resourcesOf('aws_iam_role_policy')
      .find((p) => soleExpression(p.body.role) === `aws_iam_role.${roleName}.id`)!;
    const statements = policyStatements(stack.tf, rolePolicy.body.policy);
    expect(statements.map((s) => ({ actions: s.actions, resources: stack.tokens(s.resources) }))).toEqual([
      { actions: ['states:StartExecution'], resources: ['stateMachine:notification-step-fn'] },
    ]);
  });
});

describe('Step Functions', () => {
  it.each(SEED_STATE_MACHINES.map((s) => [s.name, s] as const))('%s', (_name, seed) => {
    const stack = stacks[seed.stack];
    const machine = stack.tf.modules.find(
      (m) => String(m.body.source).endsWith('modules/state-machine') && nameKey(m.body.name) === seed.name,
    )!;
    expect(machine).toBeDefined();
    const invokes = machine.body.lambda_function_arns as Record<string, unknown>;
    expect(Object.keys(invokes).sort()).toEqual([...seed.invokes].sort());
    for (const [fn, arn] of Object.entries(invokes)) {
      expect(stack.tokens(arn)).toEqual([`function:${fn}`]);
    }
    expect(machine.body.definition_path).toBe(`\${path.module}/${seed.name}.asl.json`);
    expect(soleExpression(machine.body.log_group_name)).toBe('module.naming.step_fn_log_group_name');
  });

  it('the state machine module: STANDARD, ERROR logging with execution data, invoke only the given functions', () => {
    const tf = modules['state-machine'];
    const machine = tf.resources.find((r) => r.type === 'aws_sfn_state_machine')!;
    expect(machine.body.type).toBe('STANDARD');
    expect(machine.body.definition).toBe('${templatefile(var.definition_path, var.lambda_function_arns)}');
    expect((machine.body.logging_configuration as unknown[])[0]).toEqual({
      level: 'ERROR',
      include_execution_data: true,
      log_destination: '${aws_cloudwatch_log_group.this.arn}:*',
    });
    const logGroup = tf.resources.find((r) => r.type === 'aws_cloudwatch_log_group')!;
    expect(logGroup.body.name).toBe('${var.log_group_name}');
    const statements = tf.data.find((d) => d.name === 'this')!.body.statement as Statement[];
    expect(statements[0]).toMatchObject({
      actions: ['lambda:InvokeFunction'],
      resources: '${sort(values(var.lambda_function_arns))}',
    });
    expect(statements[1].actions).toEqual(expect.arrayContaining(['logs:CreateLogDelivery', 'logs:PutResourcePolicy']));
  });

  it.each(SEED_ENVIRONMENTS.map((e) => [e.env]))('log groups are named per the seed in %s', (env) => {
    const template = modules.naming.outputs.step_fn_log_group_name.value;
    for (const seed of SEED_STATE_MACHINES) {
      expect(
        evalTemplate(template, {
          'var.product_code': SEED_PRODUCT_CODE,
          'var.environment': env,
          'var.inventory_code': SEED_INVENTORY_CODES[seed.stack],
        }),
      ).toBe(stepFnLogGroup(env, SEED_INVENTORY_CODES[seed.stack]));
    }
  });
});

describe('Secrets Manager kafka-cert', () => {
  it('holds the sensitive kafka_cert and grants read to sendData and the CCPA roles', () => {
    const stack = stacks[SEED_SECRET.stack];
    const secret = stack
      .resourcesOf('aws_secretsmanager_secret')
      .find((s) => nameKey(s.body.name) === SEED_SECRET.name)!;
    expect(secret).toBeDefined();
    const version = stack.resourcesOf('aws_secretsmanager_secret_version')[0];
    expect(stack.tokens(version.body.secret_id)).toEqual([`secret:${SEED_SECRET.name}`]);
    expect(version.body.secret_string).toBe('${var.kafka_cert}');
    expect(stack.tf.variables.kafka_cert).toMatchObject({ sensitive: true });
    expect('default' in stack.tf.variables.kafka_cert).toBe(false);
    expect(stack.tf.variables.ccpa_role_arns.type).toBe('${list(string)}');

    const policy = stack.resourcesOf('aws_secretsmanager_secret_policy')[0];
    expect(stack.tokens(policy.body.secret_arn)).toEqual([`secret:${SEED_SECRET.name}`]);
    const statements = policyStatements(stack.tf, policy.body.policy);
    expect(statements).toHaveLength(1);
    expect([...statements[0].actions].sort()).toEqual(SEED_SECRET.actions);
    expect(statements[0].principals?.[0].type).toBe('AWS');
    expect(stack.tokens(statements[0].principals?.[0].identifiers)).toEqual([...SEED_SECRET.readers].sort());
  });
});

describe('stream event source mappings', () => {
  it.each(SEED_STREAM_MAPPINGS.map((m) => [m.worker, m] as const))('%s', async (_name, seed) => {
    const stack = stacks[seed.stack];
    const mapping = stack
      .resourcesOf('aws_lambda_event_source_mapping')
      .find((m) => stack.tokens(m.body.function_name).includes(`function:${seed.worker}`))!;
    const body = mapping.body;
    expect(body).toMatchObject(STREAM_MAPPING_SETTINGS);
    expect(stack.tokens(body.event_source_arn)).toEqual(['stream:demand-table']);
    expect(body.maximum_batching_window_in_seconds).toBe('${var.batching_window}');
    expect(stack.tokens(at(body, 'destination_config', 0, 'on_failure', 0, 'destination_arn'))).toEqual([
      `queue:${seed.dlq}`,
    ]);
    const filters = await Promise.all(
      (at(body, 'filter_criteria', 0, 'filter') as { pattern: string }[]).map((f) => evalJsonencode(f.pattern)),
    );
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
  let pipe: Block;
  beforeAll(() => {
    pipe = stacks.dataPipeline.resourcesOf('aws_pipes_pipe').find((p) => nameKey(p.body.name) === 'dmnd-table-pipe')!;
  });

  it('reads the stream from LATEST and sends registrations to data-queue, failures to dmnd-table-pipe-dlq', async () => {
    const stack = stacks.dataPipeline;
    const body = pipe.body;
    expect(stack.tokens(body.source)).toEqual(['stream:demand-table']);
    expect(stack.tokens(body.target)).toEqual(['queue:data-queue']);
    const kinesis = at(body, 'source_parameters', 0, 'kinesis_stream_parameters', 0);
    expect(at(kinesis, 'starting_position')).toBe('LATEST');
    expect(typeof at(kinesis, 'batch_size')).toBe('number');
    expect(stack.tokens(at(kinesis, 'dead_letter_config', 0, 'arn'))).toEqual(['queue:dmnd-table-pipe-dlq']);
    const filters = at(body, 'source_parameters', 0, 'filter_criteria', 0, 'filter') as { pattern: unknown }[];
    expect(await Promise.all(filters.map((f) => evalJsonencode(f.pattern)))).toEqual([
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
    const roleName = soleExpression(pipe.body.role_arn)?.match(/^aws_iam_role\.(\w+)\.arn$/)?.[1];
    const rolePolicy = stack
      .resourcesOf('aws_iam_role_policy')
      .find((p) => soleExpression(p.body.role) === `aws_iam_role.${roleName}.id`)!;
    const grants = policyStatements(stack.tf, rolePolicy.body.policy)
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
  it.each(SEED_ENVIRONMENTS.map((e) => [e.env]))('resource names and Name tags follow the convention in %s', (env) => {
    const naming = modules.naming;
    const values = {
      'var.product_code': SEED_PRODUCT_CODE,
      'var.product_name': SEED_PRODUCT_NAME,
      'var.region': SEED_REGION,
      'var.environment': env,
    };
    const resourcePrefix = evalTemplate(localValue(naming, 'resource_prefix'), values);
    const nameTagPrefix = evalTemplate(localValue(naming, 'name_tag_prefix'), values);
    expect(resourcePrefix).toBe(`${SEED_PRODUCT_CODE}-${env}-${SEED_REGION}`);
    expect(nameTagPrefix).toBe(`${SEED_PRODUCT_CODE}.${SEED_PRODUCT_NAME}.${SEED_REGION}.${env}`);
    expect(naming.outputs.names.value).toBe('${{ for t in var.name_tags : t => "${local.resource_prefix}-${t}" }}');
    expect(naming.outputs.name_tags.value).toBe('${{ for t in var.name_tags : t => "${local.name_tag_prefix}.${t}" }}');
    // Function and state machine names get "-role" for their roles (64 characters at most).
    for (const stack of STACKS) {
      const tags = stacks[stack].tf.modules.find((m) => m.name === 'naming')!.body.name_tags as string[];
      for (const tag of tags) {
        expect({ name: `${resourcePrefix}-${tag}`, fits: `${resourcePrefix}-${tag}-role`.length <= 64 }).toEqual({
          name: `${resourcePrefix}-${tag}`,
          fits: true,
        });
      }
    }
  });

  it.each([...STACKS])('%s: the naming module gets the stack inputs and the seed inventory code', (stack) => {
    const tf = stacks[stack].tf;
    const naming = tf.modules.find((m) => m.name === 'naming')!;
    expect(naming.body).toMatchObject({
      product_code: '${var.product_code}',
      product_name: '${var.product_name}',
      region: '${module.tm_env.region}',
      environment: '${module.tm_env.environment}',
      inventory_code: '${local.inventory_code}',
      iac_repo: '${var.iac_repo}',
    });
    expect(localValue(tf, 'inventory_code')).toBe(SEED_INVENTORY_CODES[stack]);
    expect(INVENTORY_CODES[stack]).toBe(SEED_INVENTORY_CODES[stack]);
    expect(tf.variables.product_code.default).toBe(SEED_PRODUCT_CODE);
    expect(tf.variables.product_name.default).toBe(SEED_PRODUCT_NAME);
    for (const { env } of SEED_ENVIRONMENTS) {
      expect(variableValue(stack, env, 'aws_region')).toBe(SEED_REGION);
    }
  });

  it.each([...STACKS])('%s: provider default_tags carry Environment, ProductCode, InventoryCode, iacRepo', (stack) => {
    const tf = stacks[stack].tf;
    const aws = tf.providers.find((p) => p.name === 'aws')!;
    expect((aws.body.default_tags as { tags: string }[])[0].tags).toBe('${local.tags}');
    expect(localValue(tf, 'tags')).toBe('${merge(module.tm_env.tags, module.naming.tags)}');
    expect(modules.naming.outputs.tags.value).toEqual({
      Environment: '${var.environment}',
      ProductCode: '${var.product_code}',
      InventoryCode: '${var.inventory_code}',
      iacRepo: '${var.iac_repo}',
    });
    expect(Object.keys(modules.naming.outputs.tags.value as object).sort()).toEqual([...SEED_TAG_KEYS].sort());
    expect(modules['tm-env'].outputs.tags.value).toBe('${merge(var.extra_tags, { Environment = var.environment })}');
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
      const tf = await loadDir(dir);
      for (const r of tf.resources.filter((x) => taggable.has(x.type))) {
        const tags = r.body.tags;
        const expression = typeof tags === 'string' && tags === '${local.tags}' ? localValue(tf, 'tags') : tags;
        const hasName =
          (typeof expression === 'object' && expression !== null && 'Name' in expression) ||
          (typeof expression === 'string' && /^\$\{merge\(var\.tags, \{ Name = .+ \}\)\}$/.test(expression));
        if (!hasName) {
          missing.push(`${tf.rel}: ${r.type}.${r.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
