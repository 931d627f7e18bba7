/**
 * What `npm run new-worker` writes for each kind of trigger: the worker folder (index.ts,
 * <worker>.ts, <worker>.test.ts) and terraform/stacks/<stack>/<worker>.tf. The code is the
 * smallest worker of its kind that the tests, the build and the local run accept: it checks its
 * input, logs what it handled and counts it. Its real work is what is left to write.
 */
import type { Trigger, WorkerDefinition } from '../../src/workers/registry';

/** The triggers the scaffold offers, as named on its command line. */
export const TRIGGERS = ['sqs', 'stream', 'direct', 'schedule', 'appsync'] as const;
export type TriggerOption = (typeof TRIGGERS)[number];

export interface Scaffold {
  name: string;
  stack: WorkerDefinition['stack'];
  trigger: TriggerOption;
  purpose: string;
  nameTag: string;
}

const pascal = (name: string) => name[0].toUpperCase() + name.slice(1);
const snake = (tag: string) => tag.replace(/-/g, '_');

/** The registry trigger of a scaffolded worker: its queue, DLQ or rule is named after its name tag. */
export function registryTrigger(s: Pick<Scaffold, 'trigger' | 'nameTag'>): Trigger {
  switch (s.trigger) {
    case 'sqs':
      return { kind: 'sqs', queues: [`${s.nameTag}-queue`] };
    case 'stream':
      return { kind: 'stream', source: 'demand-table', dlq: `${s.nameTag}-dlq` };
    case 'direct':
      return { kind: 'invoke', invokedBy: [] };
    case 'schedule':
      return { kind: 'schedule', rule: `${s.nameTag}-schedule` };
    case 'appsync':
      return { kind: 'appsync' };
  }
}

/** The entry for `WORKERS` in src/workers/registry.ts (new-worker formats it with the file). */
export const registryEntry = (s: Scaffold): string =>
  `worker({ name: '${s.name}', stack: '${s.stack}', nameTag: '${s.nameTag}', trigger: ${JSON.stringify(
    registryTrigger(s),
  )}, purpose: '${s.purpose}' }),`;

const header = (s: Scaffold, what: string) => `/**
 * ${s.name} (${s.stack} stack): ${s.purpose}.
 * ${what}
 * Made by \`npm run new-worker\`; README "Adding a worker" says what is left to write.
 */`;

/** src/workers/<stack>/<name>/index.ts: the Lambda entry. */
export function indexTs(s: Scaffold): string {
  const P = pascal(s.name);
  return `import { create${P}Handler } from './${s.name}';

/** The Lambda entry: the use case with its real collaborators (none yet). */
export const handler = create${P}Handler();
`;
}

/** src/workers/<stack>/<name>/<name>.ts: the use case and its handler factory. */
export function useCaseTs(s: Scaffold): string {
  const P = pascal(s.name);
  const n = s.name;
  const factoryDoc = `/** The Lambda handler around \`${n}\`; index.ts passes the real collaborators, tests their doubles. */`;
  switch (s.trigger) {
    case 'sqs':
      return `${header(s, `Reads the ${s.nameTag}-queue queue; a message it cannot handle is retried, then dead-lettered.`)}
import type { BatchResult } from '../../../shared/runtime/batch';
import { RejectedRecordError } from '../../../shared/runtime/errors';
import type { Logger } from '../../../shared/runtime/logger';
import type { SqsMessage } from '../../../shared/runtime/sqs';
import { sqsBatchHandler } from '../../../shared/runtime/sqs';

/** What a message of the queue holds. */
export interface ${P}Message {
  id: string;
}

/** Checks a message body; one that does not fit is rejected (logged with its reason, counted, never retried). */
export function parse${P}Message(body: unknown): ${P}Message {
  const id = body && typeof body === 'object' && !Array.isArray(body) ? (body as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id === '') {
    throw new RejectedRecordError('the message must be a JSON object with a non-empty string "id"');
  }
  return { id };
}

export interface ${P}Deps {
  log: Logger;
}

/** Handles one batch; the message ids it returns in \`failed\` are delivered again by SQS. */
export async function ${n}(messages: readonly SqsMessage<${P}Message>[], deps: ${P}Deps): Promise<BatchResult> {
  for (const message of messages) {
    deps.log.info('message handled', { messageId: message.messageId, id: message.body.id });
  }
  return { failed: [], counts: { handled: messages.length } };
}

${factoryDoc}
export function create${P}Handler(options: { log?: Logger } = {}) {
  return sqsBatchHandler<${P}Message>({
    worker: '${n}',
    log: options.log,
    parse: parse${P}Message,
    process: (messages, ctx) => ${n}(messages, { log: ctx.log }),
  });
}
`;
    case 'stream':
      return `${header(s, 'Reads the demand-table change stream; a batch that keeps failing goes to its DLQ.')}
import type { BatchResult } from '../../../shared/runtime/batch';
import type { Logger } from '../../../shared/runtime/logger';
import type { ChangeRecord } from '../../../shared/runtime/stream';
import { streamBatchHandler } from '../../../shared/runtime/stream';

/** The demand-table item fields this worker reads. */
export interface ${P}Item {
  type?: unknown;
}

export interface ${P}Deps {
  log: Logger;
}

/** Handles one batch of changes; the sequence numbers it returns in \`failed\` are read again. */
export async function ${n}(records: readonly ChangeRecord<${P}Item>[], deps: ${P}Deps): Promise<BatchResult> {
  let handled = 0;
  for (const record of records) {
    if (record.operation === 'REMOVE') {
      continue;
    }
    deps.log.info('change handled', { sequenceNumber: record.sequenceNumber, ...record.keys, operation: record.operation });
    handled++;
  }
  return { failed: [], counts: { handled, skipped: records.length - handled } };
}

${factoryDoc}
export function create${P}Handler(options: { log?: Logger } = {}) {
  return streamBatchHandler<${P}Item>({
    worker: '${n}',
    log: options.log,
    process: (records, ctx) => ${n}(records, { log: ctx.log }),
  });
}
`;
    case 'direct':
      return `${header(s, 'Invoked directly (Lambda Invoke); a bad input is an error the caller sees.')}
import { InvalidInputError } from '../../../shared/runtime/errors';
import { invokeHandler, requireObject } from '../../../shared/runtime/direct';
import type { Logger } from '../../../shared/runtime/logger';

export interface ${P}Input {
  id: string;
}

export interface ${P}Output {
  id: string;
  handledAt: string;
}

/** Checks the event; throws InvalidInputError, which the caller receives, when it does not fit. */
export function parse${P}Input(event: unknown): ${P}Input {
  const { id } = requireObject(event);
  if (typeof id !== 'string' || id === '') {
    throw new InvalidInputError('"id" must be a non-empty string');
  }
  return { id };
}

export interface ${P}Deps {
  log: Logger;
  now: () => Date;
}

export async function ${n}(input: ${P}Input, deps: ${P}Deps): Promise<${P}Output> {
  deps.log.info('input handled', { id: input.id });
  return { id: input.id, handledAt: deps.now().toISOString() };
}

${factoryDoc}
export function create${P}Handler(options: { log?: Logger; now?: () => Date } = {}) {
  return invokeHandler({
    worker: '${n}',
    log: options.log,
    parse: parse${P}Input,
    process: (input, ctx) => ${n}(input, { log: ctx.log, now: options.now ?? (() => new Date()) }),
  });
}
`;
    case 'schedule':
      return `${header(s, `Run by the ${s.nameTag}-schedule EventBridge rule; a failed run is retried by Lambda and alarms.`)}
import { scheduleHandler } from '../../../shared/runtime/direct';
import type { Logger } from '../../../shared/runtime/logger';

export interface ${P}Run {
  /** When the rule fired (ISO). */
  time: string;
  rule?: string;
}

export interface ${P}Deps {
  log: Logger;
}

export async function ${n}(run: ${P}Run, deps: ${P}Deps): Promise<{ ranFor: string }> {
  deps.log.info('scheduled run', { time: run.time, rule: run.rule });
  return { ranFor: run.time };
}

${factoryDoc}
export function create${P}Handler(options: { log?: Logger } = {}) {
  return scheduleHandler({
    worker: '${n}',
    log: options.log,
    process: (run, ctx) => ${n}(run, { log: ctx.log }),
  });
}
`;
    case 'appsync':
      return `${header(s, 'An AppSync pipeline function: it answers every call, errors included, and never throws.')}
import { appSyncHandler } from '../../../shared/runtime/appsync';
import type { Logger } from '../../../shared/runtime/logger';

export type ${P}Answer = { ok: true; id: string } | { ok: false; error: string };

export interface ${P}Deps {
  log: Logger;
}

export async function ${n}(payload: unknown, deps: ${P}Deps): Promise<${P}Answer> {
  const id = payload && typeof payload === 'object' ? (payload as { id?: unknown }).id : undefined;
  if (typeof id !== 'string' || id === '') {
    return { ok: false, error: 'input.id must be a non-empty string' };
  }
  deps.log.info('request handled', { id });
  return { ok: true, id };
}

${factoryDoc}
export function create${P}Handler(options: { log?: Logger } = {}) {
  return appSyncHandler<${P}Answer>({
    worker: '${n}',
    log: options.log,
    process: (payload, ctx) => ${n}(payload, { log: ctx.log }),
    // Logged with the correlation id by the adapter; the caller gets no internals.
    onError: () => ({ ok: false, error: 'internal error' }),
  });
}
`;
  }
}

/** src/workers/<stack>/<name>/<name>.test.ts: the handler as deployed, on the trigger's own event shape. */
export function testTs(s: Scaffold): string {
  const P = pascal(s.name);
  const n = s.name;
  const imports = (doubles: string[]) =>
    `${doubles.length > 0 ? `import { ${doubles.join(', ')} } from '../../../../test/doubles/runtime';\n` : ''}import { create${P}Handler } from './${n}';\n`;
  const logged = (msg: string, field: string) =>
    `log.lines.filter((l) => l.message === '${msg}').map((l) => (l.data as Record<string, unknown> | undefined)?.${field})`;
  switch (s.trigger) {
    case 'sqs':
      return `${imports(['memoryLogger', 'sqsEvent'])}
describe('${n}', () => {
  it('handles every valid message and rejects, without a retry, one that does not fit', async () => {
    const log = memoryLogger();
    const result = await create${P}Handler({ log })(sqsEvent([{ id: 'a' }, { nope: true }, { id: 'b' }]));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(${logged('message handled', 'id')}).toEqual(['a', 'b']);
    expect(JSON.stringify(log.lines)).toContain('the message must be a JSON object with a non-empty string');
  });
});
`;
    case 'stream':
      return `import { marshall } from '@aws-sdk/util-dynamodb';
${imports(['kinesisEvent', 'memoryLogger'])}
const change = (eventName: string, item: Record<string, unknown>) => ({
  eventName,
  tableName: 'demand',
  dynamodb: {
    Keys: marshall({ PK: item.PK, SK: item.SK }),
    ...(eventName === 'REMOVE' ? { OldImage: marshall(item) } : { NewImage: marshall(item) }),
  },
});

describe('${n}', () => {
  it('handles inserted and changed items, skips removed ones, and fails none', async () => {
    const log = memoryLogger();
    const result = await create${P}Handler({ log })(
      kinesisEvent([
        change('INSERT', { PK: 'e:c1', SK: 'entry#a', type: 'registration' }),
        change('REMOVE', { PK: 'e:c1', SK: 'entry#b', type: 'registration' }),
        change('MODIFY', { PK: 'e:c1', SK: 'entry#c', type: 'registration' }),
      ]),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(${logged('change handled', 'SK')}).toEqual(['entry#a', 'entry#c']);
  });
});
`;
    case 'direct':
      return `${imports(['memoryLogger'])}
describe('${n}', () => {
  const now = () => new Date('2026-01-01T00:00:00Z');

  it('answers a valid input', async () => {
    const handler = create${P}Handler({ log: memoryLogger(), now });
    await expect(handler({ id: 'a' })).resolves.toEqual({ id: 'a', handledAt: '2026-01-01T00:00:00.000Z' });
  });

  it('refuses an input without an id, with the reason', async () => {
    const handler = create${P}Handler({ log: memoryLogger(), now });
    await expect(handler({ id: 7 })).rejects.toThrow('"id" must be a non-empty string');
  });
});
`;
    case 'schedule':
      return `${imports(['memoryLogger'])}
describe('${n}', () => {
  it('runs for the time of the scheduled event', async () => {
    const log = memoryLogger();
    const event = { source: 'aws.events', time: '2026-01-01T00:05:00Z', resources: ['arn:aws:events:us-east-1:000000000000:rule/x'] };
    await expect(create${P}Handler({ log })(event)).resolves.toEqual({ ranFor: '2026-01-01T00:05:00Z' });
    expect(${logged('scheduled run', 'time')}).toEqual(['2026-01-01T00:05:00Z']);
  });
});
`;
    case 'appsync':
      return `${imports(['memoryLogger'])}
describe('${n}', () => {
  it('answers a valid request and explains a bad one, never throwing', async () => {
    const handler = create${P}Handler({ log: memoryLogger() });
    await expect(handler({ arguments: { input: { id: 'a' } } })).resolves.toEqual({ ok: true, id: 'a' });
    await expect(handler({ arguments: { input: {} } })).resolves.toEqual({
      ok: false,
      error: 'input.id must be a non-empty string',
    });
  });
});
`;
  }
}

/** terraform/stacks/<stack>/<name>.tf: the function, its trigger, its IAM and what its alarms watch. */
export function workerTf(s: Scaffold): string {
  const n = s.name;
  const t = registryTrigger(s);
  const statements: string[] = [];
  const extra: string[] = [];
  const env = `  environment_variables = {}\n`;
  if (t.kind === 'sqs') {
    const queue = t.queues[0];
    const q = `${snake(queue)}`;
    statements.push(`    {
      sid       = "ConsumeQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      resources = [module.${q}.queue_arn]
    },`);
    extra.push(`module "${q}" {
  source = "../../modules/queue-with-dlq"

  name                       = local.names["${queue}"]
  name_tag                   = local.name_tags["${queue}"]
  max_receive_count          = 3
  visibility_timeout_seconds = module.${n}.timeout + var.two_second_buffer
  consumer_timeout_seconds   = module.${n}.timeout
  two_second_buffer          = var.two_second_buffer
}

resource "aws_lambda_event_source_mapping" "${snake(s.nameTag)}" {
  function_name           = module.${n}.function_arn
  event_source_arn        = module.${q}.queue_arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

variable "alarm_${q}_oldest_message_seconds" {
  description = "The ${queue} queue alarms when its oldest message has waited longer than this many seconds (${n} is behind)."
  type        = number
  default     = 900
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  ${n}_alarms = {
    queues = {
      "${queue}" = { queue_name = module.${q}.queue_name, oldest_message_seconds = var.alarm_${q}_oldest_message_seconds }
    }
    dlqs = {
      "${queue}-dlq" = module.${q}.dlq_name
    }
  }
}`);
  } else if (t.kind === 'stream') {
    const dlq = snake(t.dlq);
    statements.push(`    {
      sid = "ReadDemandTableStream"
      actions = [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:ListShards",
        "kinesis:ListStreams",
      ]
      resources = [var.demand_table_stream_arn]
    },
    {
      sid       = "SendFailedBatchesToDlq"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.${dlq}.arn]
    },`);
    extra.push(`# On-failure destination of the stream mapping: batches that still fail after the retries.
resource "aws_sqs_queue" "${dlq}" {
  name                      = local.names["${t.dlq}"]
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true

  tags = {
    Name = local.name_tags["${t.dlq}"]
  }
}

resource "aws_lambda_event_source_mapping" "${snake(s.nameTag)}" {
  function_name                      = module.${n}.function_arn
  event_source_arn                   = var.demand_table_stream_arn
  starting_position                  = "LATEST"
  batch_size                         = 100
  maximum_batching_window_in_seconds = var.batching_window
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = 3
  function_response_types            = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.${dlq}.arn
    }
  }
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  ${n}_alarms = {
    dlqs = {
      "${t.dlq}" = aws_sqs_queue.${dlq}.name
    }
  }
}`);
  } else if (t.kind === 'schedule') {
    const rule = snake(t.rule);
    extra.push(`variable "${rule}_expression" {
  description = "When the ${t.rule} rule runs ${n} (an EventBridge rate() or cron() expression)."
  type        = string
  default     = "rate(1 hour)"
}

resource "aws_cloudwatch_event_rule" "${rule}" {
  name                = local.names["${t.rule}"]
  description         = "Runs ${n}"
  schedule_expression = var.${rule}_expression

  tags = {
    Name = local.name_tags["${t.rule}"]
  }
}

resource "aws_cloudwatch_event_target" "${rule}" {
  rule      = aws_cloudwatch_event_rule.${rule}.name
  target_id = "${s.nameTag}"
  arn       = module.${n}.function_arn
}

resource "aws_lambda_permission" "${rule}" {
  statement_id  = "Allow${n[0].toUpperCase()}${n.slice(1)}Schedule"
  action        = "lambda:InvokeFunction"
  function_name = module.${n}.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.${rule}.arn
}

# What the stack's alarms watch for this worker (workers.tf gathers it into alarms.tf).
locals {
  ${n}_alarms = {
    rules = {
      "${t.rule}" = { rule_name = aws_cloudwatch_event_rule.${rule}.name, event_bus_name = "default" }
    }
  }
}`);
  } else if (t.kind === 'appsync') {
    extra.push(`output "${snake(s.nameTag)}_function_arn" {
  description = "ARN of ${n}, for the AppSync API's Lambda data source."
  value       = module.${n}.function_arn
}`);
  }
  const triggerLine =
    t.kind === 'invoke'
      ? `invoked directly: grant its caller lambda:InvokeFunction on module.${n}.function_arn`
      : `trigger: ${s.trigger}`;
  return `# ${n}: ${s.purpose}. ${triggerLine[0].toUpperCase()}${triggerLine.slice(1)}.
# Made by \`npm run new-worker\`. Add the IAM and environment variables its code needs (and its row
# in test/infra/iamExpectations.ts); the stack's alarms already watch it (workers.tf).
module "${n}" {
  source = "../../modules/nodejs-lambda"

  function_name      = local.names["${s.nameTag}"]
  name_tag           = local.name_tags["${s.nameTag}"]
  description        = ${JSON.stringify(s.purpose)}
  lambda_zip_path    = "\${path.root}/../../../dist/\${var.config_env}/${n}.zip"
  timeout            = 30
  memory_size        = 256
  config_env         = local.config_env
  vpc_config         = local.lambda_vpc_config
  log_retention_days = var.log_retention_days
  otel_layer_arn     = var.otel_layer_arn

${env}
  policy_statements = [${statements.length > 0 ? `\n${statements.join('\n')}\n  ` : ''}]
}
${extra.map((e) => `\n${e}\n`).join('')}`;
}
