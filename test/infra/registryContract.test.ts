/**
 * The Terraform against src/workers/registry.ts, the one list of workers: each worker has its
 * function in its stack's <worker>.tf with the registry's timeout and memory, the trigger the
 * registry names, the queues/topics/functions it produces to reach it as environment variables,
 * and exactly the IAM of iamExpectations.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Stack } from './hcl';
import { at, evalSum, expressionsIn, loadDir, loadStack, MODULES_DIR, nameKey, REPO_ROOT, soleExpression } from './hcl';
import { grantPairs, IAM_EXPECTATIONS } from './iamExpectations';
import { SQS_MAPPING_SETTINGS } from './seedExpectations';
import type { StackName, WorkerDefinition } from '../../src/workers/registry';
import { STACKS, WORKERS } from '../../src/workers/registry';

/** Environment variables each worker gets besides CONFIG_ENV, and what they point at. */
const SERVICE_JWT = { SERVICE_JWT_SECRET_ID: 'secret:service-jwt' };
const MONGO_URI = { MONGO_URI_SECRET_ID: 'secret:mongo-uri' };
const ENVIRONMENT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  checkEligibility: { ...MONGO_URI, IDV_PUBLIC_KEY: 'key:idv-issuer' },
  upsertUsers: { ...SERVICE_JWT },
  enqueueEntries: { SAVE_ENTRIES_QUEUE_URL: 'queue:save-entries' },
  saveEntries: { ...SERVICE_JWT },
  retryScore: { ...SERVICE_JWT },
  enqueueMarketSelections: { ...SERVICE_JWT, SAVE_SELECTION_QUEUE_URL: 'queue:save-selection' },
  saveSelections: { ...SERVICE_JWT, VERDICT_REPORTER_QUEUE_URL: 'queue:verdict-reporter' },
  refreshSelections: {
    ...SERVICE_JWT,
    SAVE_SELECTION_QUEUE_URL: 'queue:save-selection',
    REFRESH_SELECTION_QUEUE_URL: 'queue:refresh-selection',
  },
  markAssignedCodes: { ...SERVICE_JWT },
  processData: { DATA_TOPIC_ARN: 'topic:data-sns' },
  sendData: { KAFKA_CERT_SECRET_ID: 'secret:kafka-cert' },
  notificationGenerator: {
    ...MONGO_URI,
    GET_MARKETS_TO_NOTIFY_FUNCTION_NAME: 'function:getMarketsToNotify',
  },
  getMarketsToNotify: { ...MONGO_URI },
  planSends: { ...SERVICE_JWT, ...MONGO_URI },
  triggerReminderEmail: { ...SERVICE_JWT, ...MONGO_URI },
};

/** How a produced resource reaches the producer: variable name and the attribute it carries. */
const PRODUCER_ENV: Readonly<Record<string, { variable: string; attr: string }>> = {
  'queue:save-entries': { variable: 'SAVE_ENTRIES_QUEUE_URL', attr: 'url' },
  'queue:save-selection': { variable: 'SAVE_SELECTION_QUEUE_URL', attr: 'url' },
  'queue:refresh-selection': { variable: 'REFRESH_SELECTION_QUEUE_URL', attr: 'url' },
  'topic:data-sns': { variable: 'DATA_TOPIC_ARN', attr: 'arn' },
  'function:getMarketsToNotify': { variable: 'GET_MARKETS_TO_NOTIFY_FUNCTION_NAME', attr: 'name' },
};
const PRODUCE_ACTION: Readonly<Record<string, string>> = {
  queue: 'sqs:SendMessage',
  topic: 'sns:Publish',
  function: 'lambda:InvokeFunction',
};

const producedTokens = (w: WorkerDefinition): string[] => [
  ...(w.produces.queues ?? []).map((q) => `queue:${q}`),
  ...(w.produces.topics ?? []).map((t) => `topic:${t}`),
  ...(w.produces.invokes ?? []).map((f) => `function:${f}`),
];

const stacks = {} as Record<StackName, Stack>;
let lambdaModuleSource: string;

beforeAll(async () => {
  for (const name of STACKS) {
    stacks[name] = await loadStack(name);
  }
  lambdaModuleSource = readFileSync(path.join(MODULES_DIR, 'nodejs-lambda', 'main.tf'), 'utf8');
});

/** IAM of a worker's policy_statements as "action on resource" pairs. */
function iamPairs(stack: Stack, worker: string): string[] {
  const statements = stack.functions[worker].body.policy_statements as { actions: string[]; resources: unknown }[];
  return [
    ...new Set(
      statements.flatMap((s) => {
        const resources = stack.tokens(s.resources);
        expect({ worker, statement: s, resolved: resources.length > 0 }).toEqual({
          worker,
          statement: s,
          resolved: true,
        });
        return s.actions.flatMap((a) => resources.map((r) => `${a} on ${r}`));
      }),
    ),
  ].sort();
}

/** Event source mappings of a stack, expanded over for_each, with what they connect. */
function mappings(stack: Stack) {
  return stack.resourcesOf('aws_lambda_event_source_mapping').flatMap((block) => {
    const instances = block.body.for_each === undefined ? [undefined] : stack.forEachEntries(block.body.for_each);
    return instances.map((each) => ({
      block,
      functions: stack.tokens(block.body.function_name),
      sources: stack.tokens(block.body.event_source_arn, each),
    }));
  });
}

describe('workers and stacks', () => {
  it('every stack holds exactly its registry workers as nodejs-lambda modules', () => {
    for (const name of STACKS) {
      const expected = WORKERS.filter((w) => w.stack === name)
        .map((w) => w.name)
        .sort();
      expect({ stack: name, functions: Object.keys(stacks[name].functions).sort() }).toEqual({
        stack: name,
        functions: expected,
      });
    }
  });

  it('the IAM table covers exactly the registry workers', () => {
    expect(Object.keys(IAM_EXPECTATIONS).sort()).toEqual(WORKERS.map((w) => w.name).sort());
  });
});

describe.each(WORKERS.map((w) => [w.name, w] as const))('%s', (name, worker) => {
  const stack = () => stacks[worker.stack];
  const fn = () => stack().functions[name];

  it(`lives in terraform/stacks/${worker.stack}/${name}.tf`, () => {
    expect(fn().file).toBe(`${name}.tf`);
  });

  it('has the registry timeout, memory, name tag and purpose', () => {
    expect(fn().body.timeout).toBe(worker.timeoutSeconds);
    expect(fn().body.memory_size).toBe(worker.memoryMb);
    expect(nameKey(fn().body.function_name)).toBe(worker.nameTag);
    expect(nameKey(fn().body.name_tag)).toBe(worker.nameTag);
    expect(fn().body.description).toBe(worker.purpose);
  });

  it('deploys its own ZIP from dist/<config-env>/', () => {
    expect(fn().body.lambda_zip_path).toBe(`\${path.root}/../../../dist/\${var.config_env}/${name}.zip`);
    expect(soleExpression(fn().body.config_env)).toBe('local.config_env');
  });

  it('runs in the environment VPC with the stack log retention', () => {
    expect(soleExpression(fn().body.vpc_config)).toBe('local.lambda_vpc_config');
    expect(soleExpression(fn().body.log_retention_days)).toBe('var.log_retention_days');
  });

  it('gets exactly its environment variables, pointing at the right resources', () => {
    const variables = fn().body.environment_variables as Record<string, unknown>;
    const expected = ENVIRONMENT[name];
    expect(Object.keys(variables).sort()).toEqual(Object.keys(expected).sort());
    for (const [variable, token] of Object.entries(expected)) {
      expect({ variable, points: stack().tokens(variables[variable]) }).toEqual({ variable, points: [token] });
    }
  });

  it('has exactly the IAM of iamExpectations.ts', () => {
    expect(iamPairs(stack(), name)).toEqual(grantPairs(IAM_EXPECTATIONS[name]));
  });

  it('may read every secret it is given', () => {
    const variables = fn().body.environment_variables as Record<string, unknown>;
    const pairs = iamPairs(stack(), name);
    for (const [variable, value] of Object.entries(variables).filter(([v]) => v.endsWith('_SECRET_ID'))) {
      for (const secret of stack().tokens(value)) {
        expect({ variable, granted: pairs.includes(`secretsmanager:GetSecretValue on ${secret}`) }).toEqual({
          variable,
          granted: true,
        });
      }
    }
  });

  it('reaches everything it produces to, by environment variable and IAM', () => {
    const variables = fn().body.environment_variables as Record<string, unknown>;
    const pairs = iamPairs(stack(), name);
    for (const token of producedTokens(worker)) {
      const route = PRODUCER_ENV[token];
      expect({ token, hasRoute: route !== undefined }).toEqual({ token, hasRoute: true });
      const targets = stack().resolve(variables[route.variable]);
      expect(targets.map((t) => `${t.token}.${t.attr}`)).toEqual([`${token}.${route.attr}`]);
      expect(pairs).toContain(`${PRODUCE_ACTION[token.split(':')[0]]} on ${token}`);
      if (token.startsWith('queue:')) {
        expect(stack().queue(token.slice('queue:'.length))?.kind).toMatch(/main|plain/);
      }
    }
  });

  it('is triggered the way the registry says', () => {
    const own = mappings(stack()).filter((m) => m.functions.includes(`function:${name}`));
    const trigger = worker.trigger;
    switch (trigger.kind) {
      case 'sqs': {
        expect(own.flatMap((m) => m.sources).sort()).toEqual(trigger.queues.map((q) => `queue:${q}`).sort());
        for (const m of own) {
          expect(m.block.body).toMatchObject(SQS_MAPPING_SETTINGS);
          expect(m.block.body.starting_position).toBeUndefined();
        }
        for (const q of trigger.queues) {
          // The queue's visibility timeout is derived from this consumer (checked in detail in seedConformance).
          const queue = stack().queue(q);
          expect(queue?.kind).toBe('main');
          expect(soleExpression(queue?.block.body.consumer_timeout_seconds)).toBe(`module.${name}.timeout`);
        }
        break;
      }
      case 'stream': {
        expect(own).toHaveLength(1);
        expect(own[0].sources).toEqual(['stream:demand-table']);
        const dlq = at(own[0].block.body, 'destination_config', 0, 'on_failure', 0, 'destination_arn');
        expect(stack().tokens(dlq)).toEqual([`queue:${trigger.dlq}`]);
        break;
      }
      case 'stepFunction': {
        expect(own).toEqual([]);
        const machine = stateMachine(stack(), trigger.stateMachine);
        expect(stack().tokens((machine.body.lambda_function_arns as Record<string, unknown>)[name])).toEqual([
          `function:${name}`,
        ]);
        expect(aslResources(stack(), machine)).toContain(`\${${name}}`);
        break;
      }
      case 'invoke': {
        expect(own).toEqual([]);
        for (const by of trigger.invokedBy) {
          const invoker = WORKERS.find((w) => w.name === by);
          if (invoker) {
            expect(invoker.produces.invokes).toContain(name);
            expect(iamPairs(stacks[invoker.stack], by)).toContain(`lambda:InvokeFunction on function:${name}`);
          } else {
            const machine = stateMachine(stack(), by);
            expect(Object.keys(machine.body.lambda_function_arns as object)).toContain(name);
            expect(aslResources(stack(), machine)).toContain(`\${${name}}`);
          }
        }
        break;
      }
      case 'schedule': {
        expect(own).toEqual([]);
        const rule = stack()
          .resourcesOf('aws_cloudwatch_event_rule')
          .find((r) => nameKey(r.body.name) === trigger.rule);
        expect(rule?.body.schedule_expression).toBeDefined();
        const ruleToken = `rule:${trigger.rule}`;
        const targets = stack()
          .resourcesOf('aws_cloudwatch_event_target')
          .filter((t) => stack().tokens(t.body.rule).includes(ruleToken));
        expect(targets.map((t) => stack().tokens(t.body.arn))).toEqual([[`function:${name}`]]);
        const permissions = stack()
          .resourcesOf('aws_lambda_permission')
          .filter((p) => stack().tokens(p.body.function_name).includes(`function:${name}`));
        expect(permissions).toHaveLength(1);
        expect(permissions[0].body).toMatchObject({
          action: 'lambda:InvokeFunction',
          principal: 'events.amazonaws.com',
        });
        expect(stack().tokens(permissions[0].body.source_arn)).toEqual([ruleToken]);
        break;
      }
      case 'appsync': {
        expect(own).toEqual([]);
        // The AppSync API's stack wires the data source to this ARN.
        const outputs = Object.values(stack().tf.outputs).map((o) => soleExpression(o.value));
        expect(outputs).toContain(`module.${name}.function_arn`);
        break;
      }
    }
  });
});

function stateMachine(stack: Stack, nameTag: string) {
  const found = stack.tf.modules.find(
    (m) => String(m.body.source).endsWith('modules/state-machine') && nameKey(m.body.name) === nameTag,
  );
  if (!found) {
    throw new Error(`${stack.name}: no state machine ${nameTag}`);
  }
  return found;
}

/** Task Resource values of a state machine's ASL file. */
function aslResources(stack: Stack, machine: { body: Record<string, unknown> }): string[] {
  const file = String(machine.body.definition_path).replace('${path.module}', stack.tf.dir);
  const asl = JSON.parse(readFileSync(file, 'utf8')) as { States: Record<string, { Type: string; Resource?: string }> };
  return Object.values(asl.States)
    .filter((s) => s.Type === 'Task')
    .map((s) => String(s.Resource));
}

describe('queues the workers consume', () => {
  it('every queue with a consumer derives its visibility from that consumer', () => {
    for (const name of STACKS) {
      const stack = stacks[name];
      const consumed = mappings(stack).flatMap((m) =>
        m.sources.filter((s) => s.startsWith('queue:')).map((s) => ({ s, m })),
      );
      for (const { s, m } of consumed) {
        const queue = stack.queue(s.slice('queue:'.length));
        const [consumer] = m.functions;
        const worker = WORKERS.find((w) => `function:${w.name}` === consumer);
        expect(worker).toBeDefined();
        const values = { [`module.${worker?.name}.timeout`]: worker?.timeoutSeconds ?? 0, 'var.two_second_buffer': 2 };
        expect({ queue: s, visibility: evalSum(queue?.block.body.visibility_timeout_seconds, values) }).toEqual({
          queue: s,
          visibility: (worker?.timeoutSeconds ?? 0) + 2,
        });
        expect(soleExpression(queue?.block.body.two_second_buffer)).toBe('var.two_second_buffer');
      }
    }
  });

  it('every queue module call has a consumer mapping', () => {
    for (const name of STACKS) {
      const stack = stacks[name];
      const consumed = new Set(mappings(stack).flatMap((m) => m.sources));
      for (const q of stack.queues.filter((x) => x.kind === 'main')) {
        expect({ queue: q.nameTag, consumed: consumed.has(`queue:${q.nameTag}`) }).toEqual({
          queue: q.nameTag,
          consumed: true,
        });
      }
    }
  });
});

describe('the nodejs-lambda module', () => {
  let lambda: Awaited<ReturnType<typeof loadDir>>;

  beforeAll(async () => {
    lambda = await loadDir(path.join(MODULES_DIR, 'nodejs-lambda'));
  });

  it('deploys a Node 22 function from the ZIP with index.handler and CONFIG_ENV', () => {
    const fn = lambda.resources.find((r) => r.type === 'aws_lambda_function');
    const locals = lambda.locals[0].values;
    expect(locals.runtime).toBe('nodejs22.x');
    expect(locals.handler).toBe('index.handler');
    expect(fn?.body).toMatchObject({
      runtime: '${local.runtime}',
      handler: '${local.handler}',
      filename: '${var.lambda_zip_path}',
      source_code_hash: '${filebase64sha256(var.lambda_zip_path)}',
      timeout: '${var.timeout}',
      memory_size: '${var.memory_size}',
    });
    const env = (fn?.body.environment as { variables: string }[])[0].variables;
    expect(env).toContain('var.environment_variables');
    expect(env).toContain('{ CONFIG_ENV = var.config_env }');
  });

  it('exports spans only with the ADOT layer: layer, wrapper, active tracing and X-Ray write access follow otel_layer_arn', () => {
    const fn = lambda.resources.find((r) => r.type === 'aws_lambda_function');
    expect(lambda.locals[0].values.tracing).toBe('${var.otel_layer_arn != ""}');
    expect(lambda.variables.otel_layer_arn.default).toBe('');
    expect(fn?.body.layers).toBe('${local.tracing ? [var.otel_layer_arn] : []}');
    expect((fn?.body.environment as { variables: string }[])[0].variables).toContain(
      'local.tracing ? { AWS_LAMBDA_EXEC_WRAPPER = "/opt/otel-handler" } : {}',
    );
    expect((fn?.body.tracing_config as { mode: string }[])[0].mode).toBe('${local.tracing ? "Active" : "PassThrough"}');
    const xray = lambda.resources.find((r) => r.type === 'aws_iam_role_policy_attachment' && r.name === 'xray');
    expect(xray?.body).toMatchObject({
      count: '${local.tracing ? 1 : 0}',
      policy_arn: 'arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess',
    });
  });

  it('gets otel_layer_arn from its stack in every function of every stack', () => {
    for (const name of STACKS) {
      const calls = Object.values(stacks[name].functions).map((f) => ({
        fn: f.name,
        layer: soleExpression(f.body.otel_layer_arn),
      }));
      expect(calls).toEqual(calls.map((c) => ({ fn: c.fn, layer: 'var.otel_layer_arn' })));
    }
  });

  it('writes logs only to /aws/lambda/<function> and manages VPC interfaces', () => {
    expect(lambda.locals[0].values.log_group_name).toBe('/aws/lambda/${var.function_name}');
    const base = lambda.data.find((d) => d.type === 'aws_iam_policy_document' && d.name === 'base');
    const statements = base?.body.statement as { actions: string[]; resources: string[] }[];
    expect(statements[0]).toMatchObject({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: ['${aws_cloudwatch_log_group.this.arn}:*'],
    });
    expect(statements[1].actions).toEqual(
      expect.arrayContaining([
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DeleteNetworkInterface',
      ]),
    );
    expect(lambdaModuleSource).toContain('retention_in_days = var.log_retention_days');
  });

  it('takes extra permissions as typed statements', () => {
    expect(lambda.variables.policy_statements.type).toBe(
      '${list(object({\n    sid       = string\n    actions   = list(string)\n    resources = list(string)\n  }))}',
    );
  });

  it('outputs what other stacks and mappings need', () => {
    expect(Object.keys(lambda.outputs)).toEqual(
      expect.arrayContaining(['function_name', 'function_arn', 'invoke_arn', 'role_name', 'role_arn', 'timeout']),
    );
  });
});

describe('configuration', () => {
  it('every environment variable Terraform sets is read by the config', () => {
    const config = readFileSync(path.join(REPO_ROOT, 'configs', 'default.config.yml'), 'utf8');
    parseYaml(config);
    const variables = new Set(Object.values(ENVIRONMENT).flatMap((v) => Object.keys(v)));
    for (const variable of variables) {
      expect({ variable, read: config.includes(`\${env:${variable}`) }).toEqual({ variable, read: true });
    }
  });

  it('no function sets an environment variable without a value', () => {
    for (const name of STACKS) {
      for (const [worker, fn] of Object.entries(stacks[name].functions)) {
        for (const [variable, value] of Object.entries(fn.body.environment_variables as Record<string, unknown>)) {
          expect({ worker, variable, expression: expressionsIn(value).length }).toEqual({
            worker,
            variable,
            expression: 1,
          });
        }
      }
    }
  });
});
