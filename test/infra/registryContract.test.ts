/**
 * The Terraform against src/workers/registry.ts, the one list of workers: each worker has its
 * function in its stack's <worker>.tf with the registry's timeout and memory, the trigger the
 * registry names, the queues/topics/functions it produces to reach it as environment variables,
 * and exactly the IAM of iamExpectations.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ModuleConfig } from '../../tools/local/hcl/modules';
import { loadModuleConfig } from '../../tools/local/hcl/modules';
import { parseStringValue } from '../../tools/local/hcl/syntax';
import { MODULES_DIR, REPO_ROOT } from './hcl';
import type { Stack } from './stacks';
import { loadStacks, soleReference } from './stacks';
import type { IamGrant } from './iamExpectations';
import { grantPairs, IAM_EXPECTATIONS, KINESIS_READ, SQS_CONSUME } from './iamExpectations';
import { SQS_MAPPING_SETTINGS } from './seedExpectations';
import type { StackName, WorkerDefinition } from '../../src/workers/registry';
import { STACKS, WORKERS } from '../../src/workers/registry';

/**
 * Environment variables each worker gets besides CONFIG_ENV, and what they point at. A worker
 * without a line here (one just made by `npm run new-worker`) gets only the variables of what
 * it produces to (PRODUCER_ENV); give it a line when it reads anything else.
 */
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

const expectedEnvironment = (w: WorkerDefinition): Readonly<Record<string, string>> =>
  ENVIRONMENT[w.name] ?? Object.fromEntries(producedTokens(w).map((t) => [PRODUCER_ENV[t]?.variable ?? `(${t})`, t]));

/**
 * What a worker's trigger and outputs alone need: consuming its queues, reading the stream and
 * sending failed batches to the stream DLQ, producing to what it produces to. Every row of
 * iamExpectations.ts holds at least this; a worker without a row must have exactly this.
 */
function baselineGrants(w: WorkerDefinition): IamGrant[] {
  const t = w.trigger;
  return [
    ...(t.kind === 'sqs' ? [{ actions: SQS_CONSUME, resources: t.queues.map((q) => `queue:${q}`) }] : []),
    ...(t.kind === 'stream'
      ? [
          { actions: KINESIS_READ, resources: ['stream:demand-table'] },
          { actions: ['sqs:SendMessage'], resources: [`queue:${t.dlq}`] },
        ]
      : []),
    ...producedTokens(w).map((token) => ({ actions: [PRODUCE_ACTION[token.split(':')[0]]], resources: [token] })),
  ];
}

const stacks = {} as Record<StackName, Stack>;
let lambdaModuleSource: string;

beforeAll(async () => {
  Object.assign(stacks, await loadStacks(STACKS));
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

/** Event source mappings of a stack (the wiring model's, for_each expanded), with what they connect. */
function mappings(stack: Stack) {
  return stack.model.mappings.map((mapping) => ({
    mapping,
    block: stack.blockAt(mapping.address),
    functions: stack.tokensOf(mapping.functionName),
    sources: stack.tokensOf(mapping.kind === 'sqs' ? mapping.queueArn : mapping.streamArn),
  }));
}

/** How many `${...}` interpolations a raw value has. */
function interpolations(raw: unknown): number {
  if (typeof raw !== 'string') {
    return 0;
  }
  const expr = parseStringValue(raw);
  return expr.kind === 'literal'
    ? 0
    : expr.kind === 'template'
      ? expr.parts.filter((p) => p.kind !== 'text').length
      : 1;
}

describe('workers and stacks', () => {
  it('every stack holds exactly its registry workers as nodejs-lambda modules', () => {
    for (const name of STACKS) {
      const expected = WORKERS.filter((w) => w.stack === name).map((w) => w.name);
      const actual = Object.keys(stacks[name].functions);
      expect({
        stack: name,
        missing: expected
          .filter((w) => !actual.includes(w))
          .map((w) => `terraform/stacks/${name}/${w}.tf with module "${w}" (npm run new-worker writes both)`),
        unlisted: actual
          .filter((w) => !expected.includes(w))
          .map((w) => `module "${w}" is no worker of src/workers/registry.ts`),
      }).toEqual({ stack: name, missing: [], unlisted: [] });
    }
  });

  it('the IAM and environment tables name only registry workers', () => {
    const names = WORKERS.map((w) => w.name);
    expect(names).toEqual(expect.arrayContaining(Object.keys(IAM_EXPECTATIONS)));
    expect(names).toEqual(expect.arrayContaining(Object.keys(ENVIRONMENT)));
  });

  it("every IAM row grants at least what the worker's trigger and outputs need", () => {
    for (const w of WORKERS.filter((x) => IAM_EXPECTATIONS[x.name])) {
      const row = grantPairs(IAM_EXPECTATIONS[w.name]);
      expect({ worker: w.name, missing: grantPairs(baselineGrants(w)).filter((p) => !row.includes(p)) }).toEqual({
        worker: w.name,
        missing: [],
      });
    }
  });
});

describe.each(WORKERS.map((w) => [w.name, w] as const))('%s', (name, worker) => {
  const stack = () => stacks[worker.stack];
  const fn = () => stack().functions[name];

  it(`lives in terraform/stacks/${worker.stack}/${name}.tf`, () => {
    expect(path.basename(fn().file)).toBe(`${name}.tf`);
  });

  it('has the registry timeout, memory, name tag and purpose', () => {
    expect(fn().body.timeout).toBe(worker.timeoutSeconds);
    expect(fn().body.memory_size).toBe(worker.memoryMb);
    expect(stack().nameTag(stack().input(name, 'function_name'))).toBe(worker.nameTag);
    expect(stack().nameTag(stack().input(name, 'name_tag'))).toBe(worker.nameTag);
    expect(fn().body.description).toBe(worker.purpose);
  });

  it('deploys its own ZIP from dist/<config-env>/', () => {
    expect(fn().body.lambda_zip_path).toBe(`\${path.root}/../../../dist/\${var.config_env}/${name}.zip`);
    expect(soleReference(fn().body.config_env)).toBe('local.config_env');
  });

  it('runs in the environment VPC with the stack log retention', () => {
    expect(soleReference(fn().body.vpc_config)).toBe('local.lambda_vpc_config');
    expect(soleReference(fn().body.log_retention_days)).toBe('var.log_retention_days');
  });

  it('gets exactly its environment variables, pointing at the right resources', () => {
    const variables = fn().body.environment_variables as Record<string, unknown>;
    const expected = expectedEnvironment(worker);
    expect(Object.keys(variables).sort()).toEqual(Object.keys(expected).sort());
    for (const [variable, token] of Object.entries(expected)) {
      expect({ variable, points: stack().tokens(variables[variable]) }).toEqual({ variable, points: [token] });
    }
  });

  it('has exactly the IAM of iamExpectations.ts (without a row there: only what its trigger and outputs need)', () => {
    const row = IAM_EXPECTATIONS[name];
    const expected = grantPairs(row ?? baselineGrants(worker));
    const actual = iamPairs(stack(), name);
    if (!row) {
      const extra = actual.filter((p) => !expected.includes(p));
      expect({
        worker: name,
        'grants beyond its trigger and outputs; add its row to test/infra/iamExpectations.ts': extra,
      }).toEqual({
        worker: name,
        'grants beyond its trigger and outputs; add its row to test/infra/iamExpectations.ts': [],
      });
    }
    expect(actual).toEqual(expected);
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
          expect(soleReference(queue?.block.body.consumer_timeout_seconds)).toBe(`module.${name}.timeout`);
        }
        break;
      }
      case 'stream': {
        expect(own).toHaveLength(1);
        expect(own[0].sources).toEqual(['stream:demand-table']);
        const { mapping } = own[0];
        const dlq = mapping.kind === 'stream' ? mapping.onFailureDestinationArn : undefined;
        expect(stack().tokensOf(dlq)).toEqual([`queue:${trigger.dlq}`]);
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
        const rule = stack().model.rules.find((r) => stack().nameTag(r.name) === trigger.rule);
        expect(rule?.scheduleExpression).toBeDefined();
        const ruleToken = `rule:${trigger.rule}`;
        // The wiring model joins each aws_cloudwatch_event_target to the rule it names.
        const targets = rule?.targets ?? [];
        expect(targets.map((t) => stack().tokensOf(t.arn))).toEqual([[`function:${name}`]]);
        const permissions = stack()
          .instancesOf('aws_lambda_permission')
          .filter((p) => stack().tokensOf(stack().attr(p, 'function_name')).includes(`function:${name}`));
        expect(permissions).toHaveLength(1);
        expect(stack().resource(permissions[0].type, permissions[0].name).body).toMatchObject({
          action: 'lambda:InvokeFunction',
          principal: 'events.amazonaws.com',
        });
        expect(stack().tokensOf(stack().attr(permissions[0], 'source_arn'))).toEqual([ruleToken]);
        break;
      }
      case 'appsync': {
        expect(own).toEqual([]);
        // The AppSync API's stack wires the data source to this ARN.
        const outputs = Object.values(stack().config.outputs).map((o) => soleReference(o.body.value));
        expect(outputs).toContain(`module.${name}.function_arn`);
        break;
      }
    }
  });
});

function stateMachine(stack: Stack, nameTag: string) {
  const found = Object.entries(stack.moduleCalls('state-machine')).find(
    ([call]) => stack.nameTag(stack.input(call, 'name')) === nameTag,
  );
  if (!found) {
    throw new Error(`${stack.name}: no state machine ${nameTag}`);
  }
  return { call: found[0], body: found[1].body };
}

/** Task Resource values of a state machine's ASL file. */
function aslResources(stack: Stack, machine: { call: string }): string[] {
  const file = String(stack.input(machine.call, 'definition_path'));
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
        // Evaluated as the plan does: the consumer's timeout (module output) + var.two_second_buffer.
        expect({ queue: s, visibility: queue && stack.queueInput(queue, 'visibility_timeout_seconds') }).toEqual({
          queue: s,
          visibility: (worker?.timeoutSeconds ?? 0) + 2,
        });
        expect(soleReference(queue?.block.body.two_second_buffer)).toBe('var.two_second_buffer');
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
  let lambda: ModuleConfig;

  beforeAll(async () => {
    lambda = await loadModuleConfig(path.join(MODULES_DIR, 'nodejs-lambda'));
  });
  const local = (name: string) => lambda.locals[name]?.body;
  const lambdaFunction = () => Object.values(lambda.resources.aws_lambda_function ?? {})[0];

  it('deploys a Node 22 function from the ZIP with index.handler and CONFIG_ENV', () => {
    const fn = lambdaFunction();
    expect(local('runtime')).toBe('nodejs22.x');
    expect(local('handler')).toBe('index.handler');
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
    const fn = lambdaFunction();
    expect(local('tracing')).toBe('${var.otel_layer_arn != ""}');
    expect(lambda.variables.otel_layer_arn.body.default).toBe('');
    expect(fn?.body.layers).toBe('${local.tracing ? [var.otel_layer_arn] : []}');
    expect((fn?.body.environment as { variables: string }[])[0].variables).toContain(
      'local.tracing ? { AWS_LAMBDA_EXEC_WRAPPER = "/opt/otel-handler" } : {}',
    );
    expect((fn?.body.tracing_config as { mode: string }[])[0].mode).toBe('${local.tracing ? "Active" : "PassThrough"}');
    const xray = lambda.resources.aws_iam_role_policy_attachment?.xray;
    expect(xray?.body).toMatchObject({
      count: '${local.tracing ? 1 : 0}',
      policy_arn: 'arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess',
    });
  });

  it('gets otel_layer_arn from its stack in every function of every stack', () => {
    for (const name of STACKS) {
      const calls = Object.entries(stacks[name].functions).map(([fn, f]) => ({
        fn,
        layer: soleReference(f.body.otel_layer_arn),
      }));
      expect(calls).toEqual(calls.map((c) => ({ fn: c.fn, layer: 'var.otel_layer_arn' })));
    }
  });

  it('writes logs only to /aws/lambda/<function> and manages VPC interfaces', () => {
    expect(local('log_group_name')).toBe('/aws/lambda/${var.function_name}');
    const base = lambda.data.aws_iam_policy_document?.base;
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
    expect(lambda.variables.policy_statements.body.type).toBe(
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
          expect({ worker, variable, expression: interpolations(value) }).toEqual({
            worker,
            variable,
            expression: 1,
          });
        }
      }
    }
  });
});
