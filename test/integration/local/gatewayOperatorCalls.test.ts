/**
 * The operators' calls of the local gateway (tools/local/gateway.ts), made the way operators
 * make them: with the AWS SDK v3 clients and with Debian's AWS CLI (`/usr/bin/aws`, package
 * awscli) pointed at the gateway. It runs the fixture stack (fixtures/terraform) on a real
 * runtime; the gateway under test is started on that runtime's FunctionHost and EventBus with
 * the model's event source mappings, and a StepFunctions holding the fixture's machine plus one
 * that waits an hour (so an execution can be stopped while it runs). A third function, written
 * here, logs what it is told to, so `LogType: Tail` can be checked against its own lines.
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import type { ExecutionStatus, HistoryEvent as SdkHistoryEvent } from '@aws-sdk/client-sfn';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { LOCAL_AWS } from '../../../tools/local/emulators/dynamodb';
import type { Gateway } from '../../../tools/local/gateway';
import { startGateway } from '../../../tools/local/gateway';
import type { LocalRuntime } from '../../../tools/local/runtime';
import { uniqueEnvironment } from '../../../tools/local/runtime';
import { StepFunctions } from '../../../tools/local/stepFunctions';
import type { SqsMapping, StateMachine, StreamMapping } from '../../../tools/local/wiring/model';
import { startFixtureRuntime, tempDir, waitFor } from './helpers';

const AWS_CLI = '/usr/bin/aws';
const environment = uniqueEnvironment('gw');
const prefix = `fx-${environment}`;
const workDir = tempDir('local-gateway-ops-');
const cliHome = tempDir('local-gateway-cli-');
const codeDir = tempDir('local-gateway-code-');

let rt: LocalRuntime;
let stepFunctions: StepFunctions;
let gateway: Gateway;
let lambda: LambdaClient;
let sfn: SFNClient;

const chattyName = `${prefix}-chatty`;
/** Waits an hour before it calls the echo function: an execution that runs until it is stopped. */
const slowMachine = (echoArn: string, arn: string): StateMachine => ({
  stack: 'test',
  address: 'aws_sfn_state_machine.slow',
  file: __filename,
  name: arn.split(':').pop()!,
  arn,
  type: 'STANDARD',
  definition: {
    StartAt: 'Hold',
    States: { Hold: { Type: 'Wait', Seconds: 3600, Next: 'Echo' }, Echo: { Type: 'Task', Resource: echoArn, End: true } },
  },
});

beforeAll(async () => {
  rt = await startFixtureRuntime({
    environment,
    workDir,
  });
  const file = path.join(codeDir, 'chatty.js');
  writeFileSync(
    file,
    `module.exports.handler = async (event) => {
      for (let i = 0; i < event.lines; i++) console.log(event.marker + ' line ' + i + ' ' + '.'.repeat(event.width || 0));
      console.error(event.marker + ' on stderr');
      return { logged: event.lines };
    };\n`,
  );
  const arnPrefix = rt.functionOf('echo').arn.replace(/function:.*$/, 'function:');
  rt.host.register({
    name: chattyName,
    arn: `${arnPrefix}${chattyName}`,
    worker: 'chatty',
    timeoutSeconds: 5,
    memoryMb: 128,
    handler: 'index.handler',
    environment: {},
    code: { status: 'ready', worker: 'chatty', file, source: 'source' },
  });
  const slowArn = rt.model.stateMachines[0].arn.replace(/stateMachine:.*$/, `stateMachine:${prefix}-slow-sm`);
  stepFunctions = new StepFunctions([...rt.model.stateMachines, slowMachine(rt.functionOf('echo').arn, slowArn)], rt.host, () => rt.clock.now());
  gateway = await startGateway({ host: rt.host, stepFunctions, eventBus: rt.eventBus, mappings: rt.model.mappings });
  lambda = new LambdaClient({ ...LOCAL_AWS, endpoint: gateway.endpoint });
  sfn = new SFNClient({ ...LOCAL_AWS, endpoint: gateway.endpoint });
}, 300_000);

afterAll(async () => {
  lambda?.destroy();
  sfn?.destroy();
  for (const e of stepFunctions?.all() ?? []) {
    stepFunctions.stop(e.executionArn);
  }
  await gateway?.stop();
  await rt?.stop();
  for (const dir of [workDir, cliHome, codeDir]) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs Debian's AWS CLI against the gateway with dummy credentials and a clean HOME; resolves with its exit code and output. */
async function aws(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; json: () => Record<string, unknown> }> {
  if (!existsSync(AWS_CLI)) {
    throw new Error(`${AWS_CLI} is missing: install the Debian package awscli (apt-get install awscli) to run these tests`);
  }
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cliHome, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PAGER: '' };
  const run = promisify(execFile);
  const result = await run(AWS_CLI, [...args, '--endpoint-url', gateway.endpoint, '--region', 'us-east-1', '--output', 'json'], { env, cwd: cliHome }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: Number(error.code ?? -1), stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
  return {
    ...result,
    json: () => {
      if (result.code !== 0) {
        throw new Error(`aws ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      }
      return JSON.parse(result.stdout) as Record<string, unknown>;
    },
  };
}

/** Calls an EventBridge operation as raw JSON 1.1, as the SDK would. */
async function events(operation: string, input: Record<string, unknown>): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const response = await fetch(gateway.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSEvents.${operation}` },
    body: JSON.stringify(input),
  });
  return { status: response.status, type: response.headers.get('x-amzn-errortype'), body: (await response.json()) as Record<string, unknown> };
}

const sqsMapping = () => rt.model.mappings.find((m): m is SqsMapping => m.kind === 'sqs')!;
const streamMapping = () => rt.model.mappings.find((m): m is StreamMapping => m.kind === 'stream')!;
const queueArn = (suffix: string) => rt.model.queues.find((q) => q.name === `${prefix}-${suffix}`)!.arn;
const echoMachine = () => rt.model.stateMachines.find((m) => m.name === `${prefix}-echo-sm`)!;
/** The error a call fails with (and a test failure when it succeeds). */
const failure = (call: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> =>
  call.then(
    () => {
      throw new Error('the call succeeded; it should have failed');
    },
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => error,
  );
const decode = (logResult: string | undefined) => Buffer.from(logResult ?? '', 'base64').toString('utf8');

async function finished(executionArn: string) {
  let status: string | undefined;
  await waitFor(`execution ${executionArn} to finish`, async () => {
    status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
    return status !== 'RUNNING';
  });
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

describe('Lambda operator calls on the local gateway', () => {
  it('GetFunctionConfiguration answers the configuration GetFunction holds, with Lambda’s fixed fields, from the SDK and the CLI', async () => {
    const echo = rt.functionOf('echo');
    const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: echo.name }));
    expect(configuration).toMatchObject({
      FunctionName: echo.name,
      FunctionArn: echo.arn,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Timeout: 5,
      MemorySize: 128,
      Environment: { Variables: { WORKER_KIND: 'ECHO' } },
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
    });
    const { $metadata: _m1, ...fromConfiguration } = configuration;
    const whole = await lambda.send(new GetFunctionCommand({ FunctionName: echo.arn }));
    expect(whole.Configuration).toEqual(fromConfiguration);

    const cli = (await aws('lambda', 'get-function-configuration', '--function-name', echo.arn)).json();
    expect(cli).toMatchObject({ FunctionName: echo.name, FunctionArn: echo.arn, Timeout: 5, State: 'Active', Environment: { Variables: { WORKER_KIND: 'ECHO' } } });
  });

  it('ListEventSourceMappings lists the model’s two mappings with their Terraform settings, filtered by function (name or ARN) and source', async () => {
    const all = (await lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings ?? [];
    expect(all).toHaveLength(2);

    const sqs = sqsMapping();
    const [work] = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: sqs.functionName }))).EventSourceMappings ?? [];
    expect(work).toMatchObject({
      EventSourceArn: queueArn('work'),
      FunctionArn: rt.functionOf('flaky').arn,
      State: 'Enabled',
      StateTransitionReason: 'USER_INITIATED',
      BatchSize: 4,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(work.UUID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(JSON.parse(work.FilterCriteria!.Filters![0].Pattern!)).toEqual({ body: { kind: [{ 'anything-but': 'ignored' }] } });

    const stream = streamMapping();
    const byArn = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: rt.functionOf('echo').arn }))).EventSourceMappings ?? [];
    expect(byArn).toHaveLength(1);
    expect(byArn[0]).toMatchObject({
      EventSourceArn: stream.streamArn,
      FunctionArn: rt.functionOf('echo').arn,
      BatchSize: 10,
      StartingPosition: 'LATEST',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: queueArn('stream-failures') } },
    });
    const bySource = (await lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: stream.streamArn }))).EventSourceMappings ?? [];
    expect(bySource.map((m) => m.UUID)).toEqual([byArn[0].UUID]);
    expect(work.UUID).not.toBe(byArn[0].UUID);
  });

  it('GetEventSourceMapping answers a listed mapping by UUID, the same UUID every run; an unknown UUID is a 404 ResourceNotFoundException', async () => {
    const [first] = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: sqsMapping().functionName }))).EventSourceMappings ?? [];
    const { $metadata: _m, ...one } = await lambda.send(new GetEventSourceMappingCommand({ UUID: first.UUID }));
    expect(one).toEqual(first);

    // A second gateway over the same model (another run) gives the mappings the same UUIDs.
    const again = await startGateway({ host: rt.host, stepFunctions, eventBus: rt.eventBus, mappings: rt.model.mappings });
    try {
      const other = new LambdaClient({ ...LOCAL_AWS, endpoint: again.endpoint });
      const uuids = (await other.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings?.map((m) => m.UUID);
      other.destroy();
      expect(uuids).toEqual((await lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings?.map((m) => m.UUID));
    } finally {
      await again.stop();
    }

    const missing = await failure(lambda.send(new GetEventSourceMappingCommand({ UUID: '00000000-0000-0000-0000-000000000000' })));
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });

  it('the CLI lists the mappings of a function with the same UUIDs', async () => {
    const sdk = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: sqsMapping().functionName }))).EventSourceMappings ?? [];
    const cli = (await aws('lambda', 'list-event-source-mappings', '--function-name', sqsMapping().functionName)).json();
    expect(cli.EventSourceMappings).toEqual([expect.objectContaining({ UUID: sdk[0].UUID, EventSourceArn: queueArn('work'), BatchSize: 4, State: 'Enabled' })]);
  });

  it('Invoke with LogType Tail answers the end of this invocation’s own log: START, the function’s lines (stdout and stderr), END and REPORT with its RequestId', async () => {
    const marker = `tail-${Date.now()}`;
    const answer = await lambda.send(new InvokeCommand({ FunctionName: chattyName, LogType: 'Tail', Payload: Buffer.from(JSON.stringify({ marker, lines: 3 })) }));
    expect(JSON.parse(Buffer.from(answer.Payload!).toString('utf8'))).toEqual({ logged: 3 });
    const requestId = answer.$metadata.requestId;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const lines = decode(answer.LogResult).trimEnd().split('\n');
    expect(lines[0]).toBe(`START RequestId: ${requestId} Version: $LATEST`);
    expect(lines.slice(1, 5).sort()).toEqual([`${marker} line 0 `, `${marker} line 1 `, `${marker} line 2 `, `${marker} on stderr`].sort());
    expect(lines[5]).toBe(`END RequestId: ${requestId}`);
    expect(lines[6]).toMatch(new RegExp(`^REPORT RequestId: ${requestId} `));
    expect(lines).toHaveLength(7);

    const untailed = await lambda.send(new InvokeCommand({ FunctionName: chattyName, Payload: Buffer.from(JSON.stringify({ marker, lines: 1 })) }));
    expect(untailed.LogResult).toBeUndefined();
  });

  it('the tail is the last 4 KB only: a long log keeps its end and loses its start', async () => {
    const marker = `long-${Date.now()}`;
    const answer = await lambda.send(new InvokeCommand({ FunctionName: chattyName, LogType: 'Tail', Payload: Buffer.from(JSON.stringify({ marker, lines: 200, width: 100 })) }));
    const tail = Buffer.from(answer.LogResult!, 'base64');
    expect(tail.length).toBe(4096);
    const text = tail.toString('utf8');
    expect(text).not.toContain('START RequestId');
    expect(text).not.toContain(`${marker} line 0 `);
    expect(text).toContain(`${marker} line 199 `);
    expect(text).toContain(`END RequestId: ${answer.$metadata.requestId}`);
    expect(text.trimEnd().split('\n').pop()).toMatch(/^REPORT RequestId: /);
  });

  it('the CLI’s `lambda invoke --log-type Tail` prints the tail', async () => {
    const marker = `cli-${Date.now()}`;
    const out = path.join(cliHome, 'out.json');
    const cli = (await aws('lambda', 'invoke', '--function-name', chattyName, '--log-type', 'Tail', '--cli-binary-format', 'raw-in-base64-out', '--payload', JSON.stringify({ marker, lines: 1 }), out)).json();
    expect(cli.StatusCode).toBe(200);
    expect(decode(cli.LogResult as string)).toContain(`${marker} line 0`);
  });

  it('a function that does not exist is a 404 ResourceNotFoundException listing the functions, naming the function of a worker given by its name', async () => {
    const echo = rt.functionOf('echo');
    const byWorker = await failure(lambda.send(new GetFunctionCommand({ FunctionName: 'echo' })));
    expect(byWorker).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    expect(byWorker.message).toContain(`echo is a worker: function ${echo.name} serves it`);
    expect(byWorker.message).toContain(rt.functionOf('flaky').name);

    const unknown = await failure(lambda.send(new InvokeCommand({ FunctionName: `${prefix}-nope` })));
    expect(unknown).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(unknown.message).not.toContain('is a worker');
    expect(unknown.message).toContain(echo.name);

    const cli = await aws('lambda', 'get-function-configuration', '--function-name', 'flaky');
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('ResourceNotFoundException');
    expect(cli.stderr).toContain(`function ${rt.functionOf('flaky').name} serves it`);
  });
});

describe('Step Functions operator calls on the local gateway', () => {
  it('DescribeStateMachine answers the deployed definition, ACTIVE, a role and the type; an unknown ARN is StateMachineDoesNotExist', async () => {
    const machine = echoMachine();
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machine.arn }));
    expect(described).toMatchObject({ stateMachineArn: machine.arn, name: machine.name, status: 'ACTIVE', type: 'STANDARD' });
    expect(JSON.parse(described.definition!)).toEqual(machine.definition);
    expect(JSON.parse(described.definition!).States.Echo.Resource).toBe(rt.functionOf('echo').arn);
    expect(described.roleArn).toMatch(/^arn:aws:iam::000000000000:role\/.+/);
    expect(described.creationDate).toBeInstanceOf(Date);

    const missing = await failure(sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${machine.arn}-nope` })));
    expect(missing).toMatchObject({ name: 'StateMachineDoesNotExist' });

    const cli = (await aws('stepfunctions', 'describe-state-machine', '--state-machine-arn', machine.arn)).json();
    expect(cli).toMatchObject({ name: machine.name, status: 'ACTIVE', roleArn: described.roleArn });
  });

  it('GetExecutionHistory of a succeeded execution: started, the Task state around the Lambda call, succeeded; ids chained, times in order', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: echoMachine().arn, input: JSON.stringify({ order: 'h1' }) }));
    const execution = await finished(executionArn!);
    expect(execution.status).toBe('SUCCEEDED');
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    events!.forEach((e, i) => expect([e.id, e.previousEventId]).toEqual([i + 1, i]));
    const times = events!.map((e) => e.timestamp!.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(JSON.parse(events![0].executionStartedEventDetails!.input!)).toEqual({ order: 'h1' });
    expect(events![1].stateEnteredEventDetails!.name).toBe('Echo');
    expect(events![2].lambdaFunctionScheduledEventDetails).toMatchObject({ resource: rt.functionOf('echo').arn });
    expect(JSON.parse(events![4].lambdaFunctionSucceededEventDetails!.output!)).toMatchObject({ echo: { order: 'h1' }, kind: 'ECHO' });
    expect(events![6].executionSucceededEventDetails!.output).toBe(execution.output);
  });

  it('GetExecutionHistory honours reverseOrder and maxResults (pages joined by nextToken), and the CLI reads it', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: echoMachine().arn, input: '{}' }));
    await finished(executionArn!);
    const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }));
    expect(first.events!.map((e) => e.type)).toEqual(['ExecutionSucceeded', 'TaskStateExited']);
    expect(first.nextToken).toBeDefined();
    const pages: SdkHistoryEvent[] = [...first.events!];
    for (let token = first.nextToken; token; ) {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2, nextToken: token }));
      pages.push(...page.events!);
      token = page.nextToken;
    }
    expect(pages.map((e) => e.id)).toEqual([7, 6, 5, 4, 3, 2, 1]);

    const cli = (await aws('stepfunctions', 'get-execution-history', '--execution-arn', executionArn!)).json();
    expect((cli.events as { type: string }[]).map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
  });

  it('GetExecutionHistory of a failed execution shows the failed Lambda call, the caught error and the Fail state; an unknown ARN is ExecutionDoesNotExist', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: echoMachine().arn, input: JSON.stringify({ explode: true }) }));
    expect((await finished(executionArn!)).status).toBe('FAILED');
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'TaskStateExited',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
    expect(events![4].lambdaFunctionFailedEventDetails).toEqual({ error: 'Exploded', cause: 'asked to explode' });
    expect(events![7].executionFailedEventDetails).toEqual({ error: 'EchoFailed', cause: 'the echo worker threw' });

    const missing = await failure(sfn.send(new GetExecutionHistoryCommand({ executionArn: `${executionArn}-nope` })));
    expect(missing).toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('StopExecution aborts a running execution (ABORTED, stopDate, the error and cause given, the history ends ExecutionAborted); stopping it again changes nothing', async () => {
    const slow = stepFunctions.list().find((m) => m.name === `${prefix}-slow-sm`)!;
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: slow.arn, input: '{}' }));
    await waitFor('the slow execution to wait', async () => {
      const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      return events!.some((e) => e.type === 'WaitStateEntered');
    });
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    // ListExecutions filters by status, as `ops status` and `ops selection restart` rely on.
    const listed = async (statusFilter: ExecutionStatus) =>
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn: slow.arn, statusFilter }))).executions!.map((e) => e.executionArn);
    expect(await listed('RUNNING')).toEqual([executionArn]);
    expect(await listed('ABORTED')).toEqual([]);

    const stopped = await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Stop', cause: 'stopped by the test' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator.Stop', cause: 'stopped by the test' });
    expect(described.stopDate).toEqual(stopped.stopDate);

    await waitFor('the abort to reach the history', async () => {
      const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
      return events![0].type === 'ExecutionAborted';
    });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.map((e) => e.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionAborted']);
    expect(events![2].executionAbortedEventDetails).toEqual({ error: 'Operator.Stop', cause: 'stopped by the test' });

    const again = await sfn.send(new StopExecutionCommand({ executionArn, error: 'Second.Stop' }));
    expect(again.stopDate).toEqual(stopped.stopDate);
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ status: 'ABORTED', error: 'Operator.Stop' });
    expect(await listed('RUNNING')).toEqual([]);
    expect(await listed('ABORTED')).toEqual([executionArn]);
  });

  it('StopExecution of a finished execution answers success and leaves it as it was; the CLI stops a running one', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: echoMachine().arn, input: '{}' }));
    const done = await finished(executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    const stopped = await sfn.send(new StopExecutionCommand({ executionArn }));
    expect(stopped.stopDate).toEqual(done.stopDate);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('SUCCEEDED');

    const slow = stepFunctions.list().find((m) => m.name === `${prefix}-slow-sm`)!;
    const running = await sfn.send(new StartExecutionCommand({ stateMachineArn: slow.arn, input: '{}' }));
    const cli = await aws('stepfunctions', 'stop-execution', '--execution-arn', running.executionArn!, '--cause', 'from the CLI');
    expect(cli.json().stopDate).toBeDefined();
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: running.executionArn }))).toMatchObject({ status: 'ABORTED', cause: 'from the CLI' });
  });
});

describe('EventBridge operator calls on the local gateway', () => {
  const tick = () => rt.model.rules.find((r) => r.name === `${prefix}-tick`)!;
  const orders = () => rt.model.rules.find((r) => r.name === `${prefix}-orders`)!;

  it('ListRules lists the model’s rules on the default bus by name (schedule or pattern, ENABLED), filtered by NamePrefix', async () => {
    const all = await events('ListRules', {});
    expect(all.status).toBe(200);
    expect(all.body.Rules).toEqual([
      { Name: orders().name, Arn: orders().arn, EventPattern: expect.any(String), State: 'ENABLED', EventBusName: 'default' },
      { Name: tick().name, Arn: tick().arn, ScheduleExpression: 'rate(10 minutes)', State: 'ENABLED', EventBusName: 'default' },
    ]);
    const pattern = (all.body.Rules as { EventPattern?: string }[])[0].EventPattern!;
    expect(JSON.parse(pattern)).toEqual({ source: ['fixture.orders'], detail: { total: [{ numeric: ['>', 100] }] } });

    const prefixed = await events('ListRules', { NamePrefix: `${prefix}-ord`, EventBusName: 'default' });
    expect((prefixed.body.Rules as { Name: string }[]).map((r) => r.Name)).toEqual([orders().name]);
    expect((await events('ListRules', { EventBusName: 'other' })).body.Rules).toEqual([]);

    const cli = (await aws('events', 'list-rules', '--name-prefix', `${prefix}-t`)).json();
    expect(cli.Rules).toEqual([expect.objectContaining({ Name: tick().name, ScheduleExpression: 'rate(10 minutes)', State: 'ENABLED' })]);
  });

  it('DescribeRule and ListTargetsByRule answer a rule and its targets (input path kept); an unknown rule is ResourceNotFoundException', async () => {
    const described = await events('DescribeRule', { Name: orders().name });
    expect(described.body).toMatchObject({ Name: orders().name, Arn: orders().arn, State: 'ENABLED', EventBusName: 'default' });

    const targets = await events('ListTargetsByRule', { Rule: orders().name });
    expect(targets.body.Targets).toEqual([{ Id: 'work-queue', Arn: queueArn('work'), InputPath: '$.detail' }]);
    const cli = (await aws('events', 'list-targets-by-rule', '--rule', tick().name)).json();
    expect(cli.Targets).toEqual([{ Id: 'echo', Arn: rt.functionOf('echo').arn }]);

    const missing = await events('DescribeRule', { Name: `${prefix}-nope` });
    expect([missing.status, missing.type]).toEqual([400, 'ResourceNotFoundException']);
    const cliMissing = await aws('events', 'describe-rule', '--name', `${prefix}-nope`);
    expect(cliMissing.code).not.toBe(0);
    expect(cliMissing.stderr).toContain('ResourceNotFoundException');
  });

  it('ListEventBuses answers the default bus with its ARN, from raw JSON and the CLI', async () => {
    const bus = { Name: 'default', Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default' };
    expect((await events('ListEventBuses', {})).body.EventBuses).toEqual([bus]);
    expect((await aws('events', 'list-event-buses')).json().EventBuses).toEqual([bus]);
  });
});
