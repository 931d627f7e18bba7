/**
 * Nothing about the wiring is written twice: the pollers take batch sizes and filters from
 * the Terraform. A copy of the stacks is edited (processData's batch_size 10 → 3; the
 * enqueueEntries filter loses INSERT), both models are loaded, and the same messages and the
 * same table changes are run through the original and the edited mappings.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { CreateQueueCommand, SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS, createDemandTable, localDynamoDbClient } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';
import { localQueueUrl } from '../../../tools/local/emulators/sqs';
import { LocalClock } from '../../../tools/local/clock';
import { openStreamReader } from '../../../tools/local/dynamoStream';
import { prepareHandlers } from '../../../tools/local/lambda/bundles';
import { FunctionHost } from '../../../tools/local/lambda/host';
import { SqsPoller } from '../../../tools/local/pollers/sqs';
import type { StreamConsumer } from '../../../tools/local/pollers/stream';
import { streamMappingConsumer } from '../../../tools/local/pollers/stream';
import { loadWiring, localResolver } from '../../../tools/local/wiring/load';
import type { SqsMapping, StreamMapping, WiringModel } from '../../../tools/local/wiring/model';
import { modelIndex } from '../../../tools/local/wiring/model';
import { localStackVariables, placeholderVariables } from '../../../tools/local/wiring/variables';
import { editedTerraformCopy } from '../../harness/terraformCopy';
import { REPO_ROOT, fixtureWorker, sqsBodies, tempDir, waitFor } from './helpers';

const sqsEndpoint = () => requireEnv('SQS_ENDPOINT');
const variables = placeholderVariables(uniqueName('tf').replace(/[^a-z0-9]/g, '').slice(0, 12));

const scratch: string[] = [];
const scratchDir = (prefix: string) => {
  const dir = tempDir(prefix);
  scratch.push(dir);
  return dir;
};

/** A copy of terraform/ and configs/ with `edits` (file → [from, to]) applied. */
const editedCopy = (edits: Record<string, [string, string]>): string =>
  editedTerraformCopy(REPO_ROOT, scratchDir('tf-copy-'), edits);

const load = (terraformDir: string, stacks: string[]) =>
  loadWiring({
    terraformDir,
    stacks,
    variables: (stack) => localStackVariables(terraformDir, stack, variables),
    resolver: localResolver({ region: 'us-east-1', accountId: '000000000000', queueUrl: (name) => localQueueUrl(sqsEndpoint(), name) }),
  });

let original: WiringModel;
let edited: WiringModel;
let host: FunctionHost;
const sqs = () => new SQSClient({ ...LOCAL_AWS, endpoint: sqsEndpoint() });

beforeAll(async () => {
  const copy = editedCopy({
    'stacks/dataPipeline/processData.tf': ['batch_size              = 10', 'batch_size              = 3'],
    'stacks/replication/enqueueEntries.tf': ['eventName = ["INSERT", "MODIFY"]', 'eventName = ["MODIFY"]'],
  });
  original = await load(path.join(REPO_ROOT, 'terraform'), ['dataPipeline', 'replication']);
  edited = await load(copy, ['dataPipeline', 'replication']);
  // The pollers run the fixture workers under the real functions' names: this is about the
  // mappings, not the workers.
  const code = await prepareHandlers(['flaky', 'echo'], { root: REPO_ROOT, workDir: scratchDir('tf-bundles-'), entryOf: fixtureWorker, useDist: false });
  host = new FunctionHost({ clock: new LocalClock(), baseEnvironment: {}, logDir: scratchDir('tf-logs-'), recordInvocations: true });
  for (const model of [original, edited]) {
    const index = modelIndex(model);
    const processData = index.functionOfWorker('processData');
    const enqueueEntries = index.functionOfWorker('enqueueEntries');
    if (!host.find(processData.name)) {
      host.register({ ...processData, code: code.get('flaky')! });
      host.register({ ...enqueueEntries, code: code.get('echo')! });
    }
  }
}, 180_000);

afterAll(async () => {
  await host?.stop();
  for (const dir of scratch) {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the local runtime follows the Terraform', () => {
  it('reads the edited batch size and filter into the model', () => {
    const batch = (m: WiringModel) => (m.mappings.find((x) => x.address === 'aws_lambda_event_source_mapping.process_data') as SqsMapping).batchSize;
    expect([batch(original), batch(edited)]).toEqual([10, 3]);
    const events = (m: WiringModel) =>
      (m.mappings.find((x) => x.address === 'aws_lambda_event_source_mapping.enqueue_entries') as StreamMapping).filters.map((f) => (f.data as { eventName: string[] }).eventName);
    expect(events(original)[0]).toEqual(['INSERT', 'MODIFY']);
    expect(events(edited)[0]).toEqual(['MODIFY']);
  });

  it('delivers the same seven messages in different batches when batch_size changes', async () => {
    const client = sqs();
    const batchesFor = async (model: WiringModel, tag: string) => {
      const mapping = model.mappings.find((x) => x.address === 'aws_lambda_event_source_mapping.process_data') as SqsMapping;
      const queue = { ...modelIndex(model).queueByRef(mapping.queueArn) };
      // A queue of its own per run (same settings as the Terraform's), so the two runs do not meet.
      queue.name = uniqueName(`batch-${tag}`);
      queue.url = localQueueUrl(sqsEndpoint(), queue.name);
      queue.arn = `arn:aws:sqs:us-east-1:000000000000:${queue.name}`;
      await client.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: { VisibilityTimeout: String(queue.visibilityTimeoutSeconds) } }));
      await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: Array.from({ length: 7 }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ id: `${tag}${i}`, fail: 'never' }) })),
        }),
      );
      const poller = new SqsPoller({ mapping, queue, host, sqs: client, region: 'us-east-1', concurrency: 1, waitSeconds: 1 });
      poller.start();
      const mine = () => host.invocations.filter((i) => sqsBodies(i).some((b) => String(b.id).startsWith(tag)));
      await waitFor(`seven ${tag} messages`, () => mine().reduce((n, i) => n + sqsBodies(i).length, 0) === 7);
      await poller.stop();
      return mine().map((i) => sqsBodies(i).length);
    };
    try {
      expect(await batchesFor(original, 'orig')).toEqual([7]);
      expect(await batchesFor(edited, 'edit')).toEqual([3, 3, 1]);
    } finally {
      client.destroy();
    }
  }, 60_000);

  it('filters an INSERT out once the filter no longer lists it, and still delivers the MODIFY', async () => {
    const endpoint = requireEnv('DYNAMODB_ENDPOINT');
    const tableName = uniqueName('tf-demand');
    await createDemandTable(endpoint, tableName);
    const client = sqs();
    const consumers: StreamConsumer[] = [];
    for (const model of [original, edited]) {
      const mapping = model.mappings.find((x) => x.address === 'aws_lambda_event_source_mapping.enqueue_entries') as StreamMapping;
      const source = await openStreamReader({ endpoint, tableName, from: 'LATEST' });
      const consumer = streamMappingConsumer({ mapping, functionArn: modelIndex(model).functionOfWorker('enqueueEntries').arn, source, host, sqs: client, pollIntervalMs: 100 });
      consumer.start();
      consumers.push(consumer);
    }
    const ddb = DynamoDBDocumentClient.from(localDynamoDbClient(endpoint));
    try {
      const key = { PK: `e:${tableName}`, SK: 'entry#fan-1' };
      await ddb.send(new PutCommand({ TableName: tableName, Item: { ...key, type: 'registration', date: { fanModified: '2026-01-01T00:00:00Z' } } }));
      await ddb.send(new UpdateCommand({ TableName: tableName, Key: key, UpdateExpression: 'SET needsReplication = :t', ExpressionAttributeValues: { ':t': true } }));
      await waitFor('both consumers to settle', () => consumers.every((c) => c.stats.records + c.stats.filteredOut === 2));
      const [byOriginal, byEdited] = consumers.map((c) => c.stats);
      expect([byOriginal.records, byOriginal.filteredOut]).toEqual([2, 0]);
      expect([byEdited.records, byEdited.filteredOut]).toEqual([1, 1]);
    } finally {
      await Promise.all(consumers.map((c) => c.stop()));
      ddb.destroy();
      client.destroy();
    }
  }, 60_000);
});
