/**
 * The local runtime on a small fixture stack (fixtures/terraform): its HCL is evaluated into
 * the wiring model and run on the harness's DynamoDB Local and fauxqs with two fixture workers,
 * so the semantics of each trigger can be shown quickly (visibility timeout 2 s, 2 receives).
 */
import { rmSync } from 'node:fs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS, localDynamoDbClient } from '../../../tools/local/emulators/dynamodb';
import type { LocalRuntime } from '../../../tools/local/runtime';
import { uniqueEnvironment } from '../../../tools/local/runtime';
import type { Queue, StreamMapping } from '../../../tools/local/wiring/model';
import { sqsBodies, startFixtureRuntime, streamImages, tempDir, waitFor } from './helpers';

let rt: LocalRuntime;
let ddb: DynamoDBDocumentClient;
const environment = uniqueEnvironment('fx');
const workDir = tempDir('local-runtime-');
const queueNamed = (suffix: string): Queue => rt.model.queues.find((q) => q.name === `fx-${environment}-${suffix}`)!;

beforeAll(async () => {
  rt = await startFixtureRuntime({
    environment,
    workDir,
    recordInvocations: true,
    streamPollMs: 100,
    sqsWaitSeconds: 1,
  });
  ddb = DynamoDBDocumentClient.from(localDynamoDbClient(rt.components.dynamoDbEndpoint));
}, 300_000);

afterAll(async () => {
  ddb?.destroy();
  await rt?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** Sends messages to a queue; the work queue's filter passes bodies whose `kind` is anything but "ignored" (and present). */
const send = async (queue: Queue, bodies: Record<string, unknown>[]) => {
  await rt.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queue.url,
      Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: JSON.stringify({ kind: 'work', ...b }) })),
    }),
  );
};

/** Invocations of the SQS mapping whose records carry the message with this id. */
const deliveriesOf = (id: string) =>
  rt.host.invocations.filter((i) => i.source.startsWith('sqs:') && sqsBodies(i).some((b) => b.id === id));

/** Drains a queue: every body it holds now (each deleted). */
async function drain(queue: Queue): Promise<Record<string, unknown>[]> {
  const bodies: Record<string, unknown>[] = [];
  for (;;) {
    const out = await rt.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!out.Messages?.length) {
      return bodies;
    }
    for (const m of out.Messages) {
      bodies.push(JSON.parse(m.Body ?? '{}') as Record<string, unknown>);
      await rt.sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

describe('the local runtime on a fixture stack', () => {
  it('wires what the fixture Terraform says: names from locals, module outputs in environment variables, templatefile ASL', () => {
    const echo = rt.functionOf('echo');
    const flaky = rt.functionOf('flaky');
    expect(echo.name).toBe(`fx-${environment}-echo`);
    expect(echo.environment).toEqual({ WORK_QUEUE_URL: queueNamed('work').url, WORKER_KIND: 'ECHO' });
    expect([echo.timeoutSeconds, flaky.timeoutSeconds]).toEqual([5, 3]);
    expect(queueNamed('work').redrive).toEqual({ deadLetterTargetArn: queueNamed('work-dlq').arn, maxReceiveCount: 2 });
    expect((rt.model.stateMachines[0].definition.States as Record<string, { Resource?: string }>).Echo.Resource).toBe(echo.arn);
    expect(rt.handlers.get('echo')).toMatchObject({ status: 'ready', source: 'source' });
  });

  it('SQS: deletes what succeeded, redelivers only the failed message, and dead-letters it after maxReceiveCount', async () => {
    await send(queueNamed('work'), [
      { id: 'p1', fail: 'never' },
      { id: 'p2', fail: 'once' },
      { id: 'p3', fail: 'always' },
    ]);
    // p2 and p3 stay in the queue (invisible) for the 2 s visibility timeout: waiting for idle
    // times out and names what keeps the runtime busy.
    await expect(rt.waitForIdle({ quietMs: 100, timeoutMs: 500 })).rejects.toThrow(/still busy after 500 ms: .*fx-\S+-work holds [1-9]\d* message/);
    await waitFor('p3 in the dead-letter queue', async () => (await rt.queueDepth(queueNamed('work-dlq').arn)) === 1 && (await rt.queueDepth(queueNamed('work').arn)) === 0);
    expect(deliveriesOf('p1')).toHaveLength(1);
    expect(deliveriesOf('p2')).toHaveLength(2);
    expect(deliveriesOf('p3')).toHaveLength(2);
    expect(await drain(queueNamed('work-dlq'))).toEqual([{ kind: 'work', id: 'p3', fail: 'always' }]);
  }, 60_000);

  it('SQS: while a failed message waits out its visibility timeout, waitingFor says so', async () => {
    await send(queueNamed('work'), [{ id: 'v1', fail: 'always' }]);
    // After the first failed attempt nothing runs: the message is in flight until the 2 s timeout ends.
    const reason = new RegExp(`^fx-${environment}-work holds 1 message\\(s\\): 1 in flight, back after its 2 s visibility timeout$`);
    await waitFor('the visibility timeout named', async () => (await rt.waitingFor()).some((r) => reason.test(r)));
    await waitFor('v1 in the dead-letter queue', async () => (await rt.queueDepth(queueNamed('work-dlq').arn)) === 1 && (await rt.queueDepth(queueNamed('work').arn)) === 0);
    expect(await drain(queueNamed('work-dlq'))).toEqual([{ kind: 'work', id: 'v1', fail: 'always' }]);
    await waitFor('nothing left to wait for', async () => (await rt.waitingFor()).length === 0);
  }, 60_000);

  it('SQS: a function error leaves the whole batch, so its healthy messages are redelivered with it', async () => {
    await send(queueNamed('work'), [
      { id: 't1', fail: 'throw' },
      { id: 't2', fail: 'never' },
    ]);
    await waitFor('both in the dead-letter queue', async () => (await rt.queueDepth(queueNamed('work-dlq').arn)) === 2);
    expect(deliveriesOf('t2').length).toBeGreaterThanOrEqual(2);
    expect(deliveriesOf('t2').every((i) => !i.outcome.ok)).toBe(true);
    expect((await drain(queueNamed('work-dlq'))).map((b) => b.id).sort()).toEqual(['t1', 't2']);
  }, 60_000);

  it('SQS: drops messages the filter criteria reject and never puts more than batch_size records in a batch', async () => {
    // anything-but matches only a present field: a body without `kind` is dropped too.
    await send(queueNamed('work'), [{ id: 'f0', kind: 'ignored' }, ...Array.from({ length: 8 }, (_, i) => ({ id: `b${i}`, fail: 'never' }))]);
    await rt.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueNamed('work').url, Entries: [{ Id: 'k', MessageBody: JSON.stringify({ id: 'f1' }) }, { Id: 'b8', MessageBody: JSON.stringify({ id: 'b8', kind: 'work', fail: 'never' }) }] }));
    await waitFor('all nine delivered', () => Array.from({ length: 9 }, (_, i) => `b${i}`).every((id) => deliveriesOf(id).length === 1));
    await waitFor('the queue empty', async () => (await rt.queueDepth(queueNamed('work').arn)) === 0);
    expect(deliveriesOf('f0')).toHaveLength(0);
    expect(deliveriesOf('f1')).toHaveLength(0);
    const batches = rt.host.invocations.filter((i) => sqsBodies(i).some((b) => String(b.id).startsWith('b')));
    expect(Math.max(...batches.map((b) => sqsBodies(b).length))).toBeLessThanOrEqual(4);
    expect(await rt.queueDepth(queueNamed('work-dlq').arn)).toBe(0);
  }, 60_000);

  const item = (key: string, behaviour?: string, kind = 'fx-item') => ({ PK: `fx#${key}`, SK: 'item', kind, ...(behaviour ? { behaviour } : {}) });
  /** Writes the items in one request, so their changes reach the stream together (one batch within the window). */
  const write = (items: Record<string, unknown>[]) =>
    ddb.send(new BatchWriteCommand({ RequestItems: { [rt.demandTableName]: items.map((Item) => ({ PutRequest: { Item } })) } }));
  const streamDeliveries = (key: string) =>
    rt.host.invocations.filter((i) => i.source.startsWith('stream:')).filter((i) => streamImages(i).some((r) => r.image.PK?.S === `fx#${key}`));
  const sequenceOf = (key: string) =>
    streamDeliveries(key).flatMap(streamImages).find((r) => r.image.PK?.S === `fx#${key}`)!.sequenceNumber;

  it('stream: bisects around a poison record, retries it, then sends its batch info to the on-failure destination', async () => {
    await write([item('a1'), item('a2'), item('a3', 'poison'), item('a4'), item('a5'), item('a6', undefined, 'other')]);
    await waitFor('the destination message', async () => (await rt.queueDepth(queueNamed('stream-failures').arn)) === 1);
    const [failure] = await drain(queueNamed('stream-failures'));
    const info = failure.KinesisBatchInfo as Record<string, unknown>;
    expect(info).toMatchObject({ batchSize: 1, startSequenceNumber: sequenceOf('a3'), endSequenceNumber: sequenceOf('a3'), streamArn: (rt.model.mappings.find((m) => m.kind === 'stream') as StreamMapping).streamArn });
    expect(failure.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', functionArn: rt.functionOf('echo').arn, approximateInvokeCount: 3 });
    // Alone, after bisection: the first attempt and maximum_retry_attempts (2) retries.
    expect(streamDeliveries('a3').filter((i) => streamImages(i).length === 1)).toHaveLength(3);
    for (const key of ['a1', 'a2', 'a4', 'a5']) {
      expect(streamDeliveries(key).some((i) => i.outcome.ok)).toBe(true);
    }
    expect(streamDeliveries('a6')).toHaveLength(0);
  }, 60_000);

  it('stream: after a partial batch failure, retries from the lowest failed record onward', async () => {
    await write([item('c1'), item('c2', 'fail'), item('c3'), item('c4')]);
    await waitFor('the destination message', async () => (await rt.queueDepth(queueNamed('stream-failures').arn)) === 1);
    const [failure] = await drain(queueNamed('stream-failures'));
    expect(failure.KinesisBatchInfo).toMatchObject({ batchSize: 3, startSequenceNumber: sequenceOf('c2'), endSequenceNumber: sequenceOf('c4') });
    expect(streamDeliveries('c1')).toHaveLength(1);
    expect(streamDeliveries('c3')).toHaveLength(3);
  }, 60_000);

  it('Step Functions: runs the task on the function the ASL names, and a worker error takes the Catch', async () => {
    const sfn = new SFNClient({ ...LOCAL_AWS, endpoint: rt.gateway.endpoint });
    try {
      const run = async (input: unknown) => {
        const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: rt.model.stateMachines[0].arn, input: JSON.stringify(input) }));
        let out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        await waitFor('the execution to end', async () => {
          out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
          return out.status !== 'RUNNING';
        });
        return out;
      };
      const ok = await run({ hello: 'world' });
      expect(ok.status).toBe('SUCCEEDED');
      expect(JSON.parse(ok.output ?? '{}').echoed).toMatchObject({ echo: { hello: 'world' }, functionName: rt.functionOf('echo').name });
      const failed = await run({ explode: true });
      expect(failed).toMatchObject({ status: 'FAILED', error: 'EchoFailed' });
    } finally {
      sfn.destroy();
    }
  }, 60_000);

  it('Lambda API: Invoke runs the function with its Terraform environment and a Lambda context', async () => {
    const lambda = new LambdaClient({ ...LOCAL_AWS, endpoint: rt.gateway.endpoint });
    try {
      const invoke = (FunctionName: string, payload: unknown) => lambda.send(new InvokeCommand({ FunctionName, Payload: Buffer.from(JSON.stringify(payload)) }));
      const ok = await invoke(rt.functionOf('echo').arn, { ping: 1 });
      const answer = JSON.parse(Buffer.from(ok.Payload ?? []).toString('utf8'));
      expect(answer).toMatchObject({ echo: { ping: 1 }, kind: 'ECHO', queue: queueNamed('work').url });
      expect(answer.remainingMs).toBeGreaterThan(0);
      expect(answer.remainingMs).toBeLessThanOrEqual(5000);
      const failed = await invoke(rt.functionOf('echo').name, { explode: true });
      expect(failed.FunctionError).toBe('Unhandled');
      expect(JSON.parse(Buffer.from(failed.Payload ?? []).toString('utf8'))).toMatchObject({ errorType: 'Exploded', errorMessage: 'asked to explode' });
      await expect(invoke('no-such-function', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      lambda.destroy();
    }
  }, 60_000);

  it('EventBridge: a schedule fires on the local clock, and a pattern rule routes only matching events to its target', async () => {
    const tick = rt.model.rules.find((r) => r.scheduleExpression)!;
    const fired = () => rt.host.invocations.filter((i) => i.source === `events:${tick.name}`);
    expect(fired()).toHaveLength(0);
    rt.clock.advance(10 * 60_000);
    await waitFor('the scheduled invocation', () => fired().length === 1);
    const { echo, now } = (fired()[0].outcome as { payload: { echo: Record<string, unknown>; now: number } }).payload;
    expect(echo).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', resources: [tick.arn] });
    // The worker's own clock moved with the local clock.
    expect(now).toBeGreaterThanOrEqual(Date.now() + 9 * 60_000);

    rt.eventBus.putEvents([
      { Source: 'fixture.orders', DetailType: 'order', Detail: JSON.stringify({ id: 'o1', kind: 'order', total: 150, fail: 'never' }) },
      { Source: 'fixture.orders', DetailType: 'order', Detail: JSON.stringify({ id: 'o2', kind: 'order', total: 50, fail: 'never' }) },
      { Source: 'elsewhere', DetailType: 'order', Detail: JSON.stringify({ id: 'o3', kind: 'order', total: 500, fail: 'never' }) },
    ]);
    await waitFor('o1 delivered from the queue', () => deliveriesOf('o1').length === 1);
    await rt.waitForIdle({ quietMs: 500, timeoutMs: 30_000 });
    expect(sqsBodies(deliveriesOf('o1')[0])).toContainEqual({ id: 'o1', kind: 'order', total: 150, fail: 'never' });
    expect(deliveriesOf('o2')).toHaveLength(0);
    expect(deliveriesOf('o3')).toHaveLength(0);
  }, 60_000);
});
