/**
 * The wiring model of the real stacks (terraform/stacks/*): what the local runtime connects,
 * read from the HCL. Facts asserted here are the seed's (SEED-infrastructure-resources) and the
 * cross-references that must hold for anything to run (every mapping finds its function and
 * queue, every environment variable points at a resource of the stacks).
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WORKERS } from '../../../src/workers/registry';
import { HclError } from '../../../tools/local/hcl/modules';
import { loadWiring, localResolver } from '../../../tools/local/wiring/load';
import type { SqsMapping, StreamMapping, WiringModel } from '../../../tools/local/wiring/model';
import { modelIndex } from '../../../tools/local/wiring/model';
import { localStackVariables, placeholderVariables } from '../../../tools/local/wiring/variables';
import { REPO_ROOT, tempDir } from './helpers';

const TERRAFORM = path.join(REPO_ROOT, 'terraform');
const variables = placeholderVariables('local');
const resolver = localResolver({ region: 'us-east-1', accountId: '000000000000', queueUrl: (name) => `http://127.0.0.1:4566/000000000000/${name}` });
const short = (name: string) => name.replace('prd2011-local-us-east-1-', '');

let model: WiringModel;
let index: ReturnType<typeof modelIndex>;

beforeAll(async () => {
  model = await loadWiring({ terraformDir: TERRAFORM, variables: (stack) => localStackVariables(TERRAFORM, stack, variables), resolver });
  index = modelIndex(model);
}, 120_000);

const sqsMappingOf = (worker: string) => model.mappings.filter((m): m is SqsMapping => m.kind === 'sqs' && m.functionName === index.functionOfWorker(worker).name);
const streamMappingOf = (worker: string) => model.mappings.find((m): m is StreamMapping => m.kind === 'stream' && m.functionName === index.functionOfWorker(worker).name)!;

describe('wiring model of the real stacks', () => {
  it('runs the functions with the ADOT wrapper only when otel_layer_arn is set (docs/operations.md)', async () => {
    expect(model.functions.filter((f) => f.environment.AWS_LAMBDA_EXEC_WRAPPER !== undefined)).toEqual([]);
    const layer = 'arn:aws:lambda:us-east-1:901920570463:layer:aws-otel-nodejs-amd64-ver-1-30-2:1';
    const traced = await loadWiring({
      terraformDir: TERRAFORM,
      variables: async (stack) => ({ ...(await localStackVariables(TERRAFORM, stack, variables)), otel_layer_arn: layer }),
      resolver,
    });
    expect(traced.functions).toHaveLength(WORKERS.length);
    expect(traced.functions.filter((f) => f.environment.AWS_LAMBDA_EXEC_WRAPPER !== '/opt/otel-handler')).toEqual([]);
  }, 120_000);

  it('has one function per registry worker, named by the naming module and sized as the registry says', () => {
    expect(model.functions.map((f) => f.worker).sort()).toEqual(WORKERS.map((w) => w.name).sort());
    for (const w of WORKERS) {
      const f = index.functionOfWorker(w.name);
      expect(f.name).toBe(`prd2011-local-us-east-1-${w.nameTag}`);
      expect([f.timeoutSeconds, f.memoryMb]).toEqual([w.timeoutSeconds, w.memoryMb]);
      expect(f.environment.CONFIG_ENV).toBe('local');
    }
  });

  it('has an SQS mapping for every queue-triggered worker, each on a queue with a redrive policy, partial batch responses on', () => {
    const sqsWorkers = WORKERS.filter((w) => w.trigger.kind === 'sqs');
    for (const w of sqsWorkers) {
      const queues = (w.trigger as { queues: readonly string[] }).queues;
      const mappings = sqsMappingOf(w.name);
      expect(mappings.map((m) => short(index.queueByRef(m.queueArn).name)).sort()).toEqual([...queues].sort());
      for (const m of mappings) {
        const queue = index.queueByRef(m.queueArn);
        expect(m.reportBatchItemFailures).toBe(true);
        expect(queue.redrive?.maxReceiveCount).toBe(short(queue.name) === 'user-info' ? 2 : 3);
        // Seed: visibility timeout = function timeout + two_second_buffer.
        expect(queue.visibilityTimeoutSeconds).toBe(index.functionOfWorker(w.name).timeoutSeconds + 2);
        expect(short(index.queueByRef(queue.redrive!.deadLetterTargetArn).name)).toBe(`${short(queue.name)}-dlq`);
      }
    }
    expect(model.mappings.filter((m) => m.kind === 'sqs')).toHaveLength(sqsWorkers.reduce((n, w) => n + (w.trigger as { queues: readonly string[] }).queues.length, 0));
  });

  it('has both stream mappings with batch 500, bisect, 3 retries, an on-failure queue and their filters', () => {
    for (const [worker, dlq] of [
      ['enqueueEntries', 'enqueue-entries-dlq'],
      ['markAssignedCodes', 'mark-assigned-codes-dlq'],
    ]) {
      const m = streamMappingOf(worker);
      expect(m).toMatchObject({ batchSize: 500, startingPosition: 'LATEST', bisectOnError: true, maximumRetryAttempts: 3, reportBatchItemFailures: true, streamArn: variables.demandTableStreamArn });
      expect(short(index.queueByRef(m.onFailureDestinationArn!).name)).toBe(dlq);
      expect(m.filters.length).toBeGreaterThan(0);
    }
    expect(JSON.stringify(streamMappingOf('enqueueEntries').filters)).toContain('fanModified');
    expect(JSON.stringify(streamMappingOf('markAssignedCodes').filters)).toContain('MODIFY');
  });

  it('has the five data-sns subscriptions, raw delivery, each filtering one record type to its queue', () => {
    const routing = Object.fromEntries(model.subscriptions.map((s) => [(s.filterPolicy?.type as string[]).join(), short(index.queueByRef(s.endpoint).name)]));
    expect(routing).toEqual({
      campaign: 'campaign-queue',
      market: 'market-queue',
      eventMapping: 'evt-mapping-queue',
      registeredMarket: 'reg-markets-queue',
      registration: 'registration-queue',
    });
    expect(model.subscriptions.every((s) => s.rawMessageDelivery && s.topicArn === index.topicByRef('prd2011-local-us-east-1-data-sns').arn)).toBe(true);
  });

  it('has the rules with their schedules or pattern and targets', () => {
    const rule = (tag: string) => model.rules.find((r) => short(r.name) === tag)!;
    expect(rule('notification-schedule').scheduleExpression).toMatch(/^rate\(|^cron\(/);
    expect(rule('notification-schedule').targets.map((t) => t.arn)).toEqual([index.functionOfWorker('notificationGenerator').arn]);
    expect(rule('notification-planning').targets.map((t) => t.arn)).toEqual([index.stateMachineByRef('prd2011-local-us-east-1-notification-step-fn').arn]);
    expect(rule('user-info').eventPattern).toBeDefined();
    expect(rule('user-info').targets.map((t) => t.arn)).toEqual([index.queueByRef('prd2011-local-us-east-1-user-info').arn]);
  });

  it('has both state machines with the function ARNs put into their ASL by templatefile', () => {
    const tasks = (name: string) =>
      Object.values(index.stateMachineByRef(`prd2011-local-us-east-1-${name}`).definition.States as Record<string, { Type: string; Resource?: string }>)
        .filter((s) => s.Type === 'Task')
        .map((s) => index.functionByRef(s.Resource!).worker);
    // EnqueueMarketSelections and ReportFailure (the same function in failure-report mode).
    expect(tasks('selection-step-fn')).toEqual(['enqueueMarketSelections', 'enqueueMarketSelections']);
    expect(tasks('notification-step-fn').sort()).toEqual(['getMarketsToNotify', 'planSends', 'triggerReminderEmail']);
  });

  it('has the pipe from the demand-table stream to data-queue with its filter, template and dead-letter queue', () => {
    expect(model.pipes).toHaveLength(1);
    const [pipe] = model.pipes;
    expect(pipe.sourceArn).toBe(variables.demandTableStreamArn);
    expect(short(index.queueByRef(pipe.targetArn).name)).toBe('data-queue');
    expect(short(index.queueByRef(pipe.deadLetterArn!).name)).toBe('dmnd-table-pipe-dlq');
    expect(pipe.inputTemplate).toContain('<$.data>');
    expect(pipe.filters).toHaveLength(2);
  });

  it('resolves every environment variable that names a resource to that resource', () => {
    const env = (worker: string) => index.functionOfWorker(worker).environment;
    expect(env('enqueueEntries').SAVE_ENTRIES_QUEUE_URL).toBe(index.queueByRef('prd2011-local-us-east-1-save-entries').url);
    expect(env('enqueueMarketSelections').SAVE_SELECTION_QUEUE_URL).toBe(index.queueByRef('prd2011-local-us-east-1-save-selection').url);
    expect(env('processData').DATA_TOPIC_ARN).toBe(index.topicByRef('prd2011-local-us-east-1-data-sns').arn);
    expect(env('notificationGenerator').GET_MARKETS_TO_NOTIFY_FUNCTION_NAME).toBe(index.functionOfWorker('getMarketsToNotify').name);
    expect(env('sendData').KAFKA_CERT_SECRET_ID).toBe(model.secrets.find((s) => short(s.name) === 'kafka-cert')!.arn);
    expect(env('saveEntries').SERVICE_JWT_SECRET_ID).toBe(variables.serviceJwtSecretArn);
  });

  it('fails loudly, naming the file and the expression, on HCL it cannot evaluate', async () => {
    const dir = tempDir('bad-stack-');
    mkdirSync(path.join(dir, 'stacks', 'bad'), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, 'configs', 'default.config.yml'), path.join(dir, 'default.config.yml'));
    writeFileSync(
      path.join(dir, 'stacks', 'bad', 'main.tf'),
      'resource "aws_sqs_queue" "q" {\n  name = "q-${sha1("x")}"\n}\n',
    );
    try {
      const load = loadWiring({ terraformDir: dir, variables: () => ({}), resolver });
      await expect(load).rejects.toThrow(HclError);
      await expect(load).rejects.toThrow(/function sha1\(\) is not supported[\s\S]*main\.tf: q-\$\{sha1\("x"\)\}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
