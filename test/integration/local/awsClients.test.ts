/**
 * The local run as a drop-in AWS endpoint: the real stacks, driven the way a user would, with
 * nothing but `source <env file>`, by Debian's AWS CLI (awscli 2.9: SQS over the query
 * protocol, no `AWS_ENDPOINT_URL` support, so the env file's `aws` function carries the
 * endpoint) and by AWS SDK v3 clients configured only by the env file's variables.
 * Debian's CLI is required: `.ci/run` installs the `awscli` package; without it these tests fail.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { LocalRuntime } from '../../../tools/local/runtime';
import { startRuntime, uniqueEnvironment } from '../../../tools/local/runtime';
import { REPO_ROOT, tempDir, waitFor } from './helpers';

const DEBIAN_AWS = '/usr/bin/aws';
const run = promisify(execFile);
let rt: LocalRuntime;
const workDir = tempDir('local-aws-clients-');
const home = tempDir('local-aws-home-');
const savedEnv = { ...process.env };

beforeAll(async () => {
  rt = await startRuntime({ root: REPO_ROOT, environment: uniqueEnvironment('ac'), workDir, sqsWaitSeconds: 1 });
  // What `source <env file>` does for an SDK: the variables, nothing else.
  for (const key of Object.keys(process.env).filter((k) => k.startsWith('AWS_'))) {
    delete process.env[key];
  }
  Object.assign(process.env, rt.exports);
}, 300_000);

afterAll(async () => {
  process.env = savedEnv;
  await rt?.stop();
  rmSync(workDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

/** Runs Debian's `aws` after `source <env file>`, in a shell with no other AWS settings; parses its JSON output. */
async function aws(...args: string[]): Promise<Record<string, unknown>> {
  if (!existsSync(DEBIAN_AWS)) {
    throw new Error(`${DEBIAN_AWS} is missing: install Debian's AWS CLI (apt-get install awscli); .ci/run does`);
  }
  const { stdout } = await run(
    'bash',
    ['-c', 'source "$1"; shift; aws --output json "$@"', 'aws', rt.envFile, ...args],
    {
      env: { PATH: '/usr/bin:/bin', HOME: home, AWS_PAGER: '' },
    },
  );
  return stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {};
}

/** The same, for a call that must fail: its stderr. */
async function awsError(...args: string[]): Promise<string> {
  try {
    await aws(...args);
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  throw new Error(`aws ${args.join(' ')} succeeded, expected a failure`);
}

describe('the env file', () => {
  it('exports one endpoint for every AWS service, the region under both names, dummy credentials, function names and queue URLs', () => {
    const text = readFileSync(rt.envFile, 'utf8');
    const endpoint = rt.edge.endpoint;
    expect(text).toContain(`export AWS_ENDPOINT_URL='${endpoint}'`);
    for (const service of ['SQS', 'SNS', 'DYNAMODB', 'LAMBDA', 'SFN', 'EVENTBRIDGE', 'SECRETS_MANAGER']) {
      expect(text).toContain(`export AWS_ENDPOINT_URL_${service}='${endpoint}'`);
    }
    expect(text).toMatch(/^export AWS_DEFAULT_REGION='us-east-1'$/m);
    expect(text).toContain(`export FN_CHECK_ELIGIBILITY='${rt.functionOf('checkEligibility').name}'`);
    expect(text).toContain(`export QUEUE_DATA_QUEUE_DLQ='${endpoint}/000000000000/${rt.queue('data-queue-dlq').name}'`);
  });
});

describe("Debian's AWS CLI 2.9 with only `source <env file>`", () => {
  it('speaks SQS over the query protocol: list, attributes, send with attributes, receive, batch, delete', async () => {
    const dlq = rt.exports.QUEUE_DATA_QUEUE_DLQ;
    const listed = (await aws('sqs', 'list-queues')).QueueUrls as string[];
    expect(listed).toContain(dlq);
    expect(listed.every((u) => u.startsWith(`${rt.edge.endpoint}/000000000000/`))).toBe(true);
    expect(
      (await aws('sqs', 'get-queue-url', '--queue-name', rt.queue('data-queue-dlq').name)).QueueUrl as string,
    ).toBe(dlq);
    const attributes = (
      await aws('sqs', 'get-queue-attributes', '--queue-url', rt.exports.QUEUE_DATA_QUEUE, '--attribute-names', 'All')
    ).Attributes as Record<string, string>;
    expect(JSON.parse(attributes.RedrivePolicy)).toMatchObject({ deadLetterTargetArn: rt.queue('data-queue-dlq').arn });

    const note = 'a fan’s note 🎟 & <tags>';
    await aws(
      'sqs',
      'send-message',
      '--queue-url',
      dlq,
      '--message-body',
      note,
      '--message-attributes',
      'origin={DataType=String,StringValue=cli}',
    );
    await aws(
      'sqs',
      'send-message-batch',
      '--queue-url',
      dlq,
      '--entries',
      'Id=a,MessageBody=one',
      'Id=b,MessageBody=two',
    );
    const bodies: string[] = [];
    let withAttribute: Record<string, unknown> | undefined;
    await waitFor('three messages received', async () => {
      const got = (
        await aws(
          'sqs',
          'receive-message',
          '--queue-url',
          dlq,
          '--max-number-of-messages',
          '10',
          '--message-attribute-names',
          'All',
          '--attribute-names',
          'All',
        )
      ).Messages as
        | {
            Body: string;
            ReceiptHandle: string;
            MessageAttributes?: Record<string, unknown>;
            Attributes: Record<string, string>;
          }[]
        | undefined;
      for (const m of got ?? []) {
        bodies.push(m.Body);
        withAttribute = m.MessageAttributes ? m.MessageAttributes : withAttribute;
        expect(Number(m.Attributes.ApproximateReceiveCount)).toBeGreaterThanOrEqual(1);
        await aws('sqs', 'delete-message', '--queue-url', dlq, '--receipt-handle', m.ReceiptHandle);
      }
      return bodies.length >= 3;
    });
    expect(bodies.sort()).toEqual([note, 'one', 'two'].sort());
    expect(withAttribute).toEqual({ origin: { DataType: 'String', StringValue: 'cli' } });
    expect(await rt.queueDepth('data-queue-dlq')).toBe(0);
  }, 60_000);

  it('takes a query-protocol request posted to the queue URL itself, without QueueUrl (as the SDK for Java 1 sends it)', async () => {
    const answer = await fetch(rt.exports.QUEUE_DATA_QUEUE_DLQ, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        Action: 'GetQueueAttributes',
        'AttributeName.1': 'QueueArn',
        Version: '2012-11-05',
      }).toString(),
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain(
      `<Attribute><Name>QueueArn</Name><Value>${rt.queue('data-queue-dlq').arn}</Value></Attribute>`,
    );
  });

  it("answers SQS's errors in the query protocol's terms", async () => {
    expect(await awsError('sqs', 'get-queue-url', '--queue-name', 'no-such-queue')).toContain(
      'AWS.SimpleQueueService.NonExistentQueue',
    );
  });

  it('creates queues with attributes and lists the dead-letter source queues', async () => {
    const dlqUrl = (await aws('sqs', 'create-queue', '--queue-name', 'cli-made-dlq')).QueueUrl as string;
    expect(dlqUrl).toBe(`${rt.edge.endpoint}/000000000000/cli-made-dlq`);
    const redrive = JSON.stringify({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:cli-made-dlq',
      maxReceiveCount: 2,
    });
    const sourceUrl = (
      await aws(
        'sqs',
        'create-queue',
        '--queue-name',
        'cli-made',
        '--attributes',
        JSON.stringify({ RedrivePolicy: redrive, VisibilityTimeout: '7' }),
      )
    ).QueueUrl as string;
    const attributes = (
      await aws(
        'sqs',
        'get-queue-attributes',
        '--queue-url',
        sourceUrl,
        '--attribute-names',
        'VisibilityTimeout',
        'RedrivePolicy',
      )
    ).Attributes as Record<string, string>;
    expect(attributes.VisibilityTimeout).toBe('7');
    expect((await aws('sqs', 'list-dead-letter-source-queues', '--queue-url', dlqUrl)).queueUrls).toEqual([sourceUrl]);
    expect(
      (await aws('sqs', 'list-dead-letter-source-queues', '--queue-url', rt.exports.QUEUE_SAVE_ENTRIES_DLQ)).queueUrls,
    ).toEqual([rt.exports.QUEUE_SAVE_ENTRIES]);
  });

  it('reaches every other service on the same endpoint', async () => {
    expect((await aws('sts', 'get-caller-identity')).Account).toBe('000000000000');
    expect(((await aws('sns', 'list-topics')).Topics as { TopicArn: string }[]).map((t) => t.TopicArn)).toEqual(
      expect.arrayContaining([expect.stringMatching(/:prd2011-ac[0-9a-f]+-us-east-1-data-sns$/)]),
    );
    expect(
      (
        (await aws('dynamodb', 'describe-table', '--table-name', rt.demandTableName)).Table as {
          StreamSpecification?: unknown;
        }
      ).StreamSpecification,
    ).toMatchObject({ StreamEnabled: true });
    expect(
      ((await aws('dynamodbstreams', 'list-streams', '--table-name', rt.demandTableName)).Streams as unknown[]).length,
    ).toBe(1);
    expect(((await aws('secretsmanager', 'list-secrets')).SecretList as { Name: string }[]).map((s) => s.Name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/service-jwt$/)]),
    );
    expect(
      ((await aws('lambda', 'list-functions')).Functions as { FunctionName: string }[]).map((f) => f.FunctionName),
    ).toContain(rt.exports.FN_SAVE_ENTRIES);
    expect(((await aws('stepfunctions', 'list-state-machines')).stateMachines as { name: string }[]).length).toBe(2);
    const mappings = (await aws('lambda', 'list-event-source-mappings', '--function-name', rt.exports.FN_SEND_DATA))
      .EventSourceMappings as { EventSourceArn: string; State: string }[];
    expect(mappings.map((m) => m.EventSourceArn.split(':').pop()).sort()).toEqual(
      ['campaign-queue', 'evt-mapping-queue', 'market-queue', 'reg-markets-queue', 'registration-queue']
        .map((q) => rt.queue(q).name)
        .sort(),
    );
    expect(((await aws('events', 'list-rules')).Rules as { Name: string }[]).length).toBe(rt.model.rules.length);
    expect((await aws('events', 'list-event-buses')).EventBuses).toEqual([
      { Name: 'default', Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default' },
    ]);
    const configuration = await aws(
      'lambda',
      'get-function-configuration',
      '--function-name',
      rt.exports.FN_SAVE_ENTRIES,
    );
    expect(configuration).toMatchObject({
      FunctionName: rt.exports.FN_SAVE_ENTRIES,
      Timeout: rt.functionOf('saveEntries').timeoutSeconds,
      State: 'Active',
    });
    const machine = rt.model.stateMachines.find((m) => m.name.endsWith('-selection-step-fn'))!;
    const described = await aws('stepfunctions', 'describe-state-machine', '--state-machine-arn', machine.arn);
    expect(described).toMatchObject({ name: machine.name, status: 'ACTIVE' });
    expect(JSON.parse(String(described.definition))).toEqual(machine.definition);
  });

  it('invokes a worker by the function name the env file gives, with the log tail', async () => {
    const out = `${home}/out.json`;
    const result = await aws(
      'lambda',
      'invoke',
      '--function-name',
      rt.exports.FN_CHECK_ELIGIBILITY,
      '--cli-binary-format',
      'raw-in-base64-out',
      '--payload',
      JSON.stringify({ arguments: { input: { slug: 'no-such-campaign' } } }),
      '--log-type',
      'Tail',
      out,
    );
    expect(result.StatusCode).toBe(200);
    expect(Buffer.from(String(result.LogResult), 'base64').toString('utf8')).toMatch(
      /START RequestId: [\s\S]*REPORT RequestId: /,
    );
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ isEligible: false, reason: 'CAMPAIGN_NOT_FOUND' });
    expect(await awsError('lambda', 'invoke', '--function-name', 'checkEligibility', out)).toContain(
      rt.exports.FN_CHECK_ELIGIBILITY,
    );
  }, 60_000);
});

describe('AWS SDK v3 clients configured only by the env file', () => {
  const sqs = () => new SQSClient({});

  it('reach every service through AWS_ENDPOINT_URL, and send to the path-style queue URLs', async () => {
    const client = sqs();
    const urls = (await client.send(new ListQueuesCommand({}))).QueueUrls ?? [];
    expect(urls).toContain(rt.exports.QUEUE_DATA_QUEUE_DLQ);
    await client.send(new SendMessageCommand({ QueueUrl: rt.exports.QUEUE_DATA_QUEUE_DLQ, MessageBody: 'sdk' }));
    expect(await rt.queueDepth('data-queue-dlq')).toBe(1);
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: rt.exports.QUEUE_DATA_QUEUE_DLQ, WaitTimeSeconds: 1 }),
    );
    expect(Messages.map((m) => m.Body)).toEqual(['sdk']);
    client.destroy();

    expect(
      (await new DynamoDBClient({}).send(new DescribeTableCommand({ TableName: rt.demandTableName }))).Table?.TableName,
    ).toBe(rt.demandTableName);
    expect((await new SNSClient({}).send(new ListTopicsCommand({}))).Topics?.length).toBeGreaterThan(0);
    expect((await new SecretsManagerClient({}).send(new ListSecretsCommand({}))).SecretList?.length).toBeGreaterThan(0);
    expect((await new LambdaClient({}).send(new ListFunctionsCommand({}))).Functions?.length).toBe(
      rt.model.functions.length,
    );
    expect((await new SFNClient({}).send(new ListStateMachinesCommand({}))).stateMachines?.length).toBe(2);
  });

  it('redrive a dead-letter queue back to its source with StartMessageMoveTask, and report progress', async () => {
    const client = sqs();
    const dlqUrl = (await client.send(new CreateQueueCommand({ QueueName: 'sdk-redrive-dlq' }))).QueueUrl!;
    const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:sdk-redrive-dlq';
    const sourceUrl = (
      await client.send(
        new CreateQueueCommand({
          QueueName: 'sdk-redrive',
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }) },
        }),
      )
    ).QueueUrl!;
    expect((await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls).toEqual([
      sourceUrl,
    ]);
    for (let batch = 0; batch < 3; batch += 1) {
      await client.send(
        new SendMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({
            Id: String(i),
            MessageBody: `m${batch * 10 + i}`,
            MessageAttributes: { n: { DataType: 'Number', StringValue: String(batch * 10 + i) } },
          })),
        }),
      );
    }
    const { TaskHandle } = await client.send(
      new StartMessageMoveTaskCommand({ SourceArn: dlqArn, MaxNumberOfMessagesPerSecond: 20 }),
    );
    expect(TaskHandle).toBeTruthy();
    // One task per source queue at a time, as in SQS.
    await expect(client.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }))).rejects.toThrow(
      /already a task running/,
    );
    await waitFor(
      'the move task to complete',
      async () =>
        (await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results?.[0]?.Status ===
        'COMPLETED',
    );
    const [task] = (await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results ?? [];
    expect(task).toMatchObject({
      Status: 'COMPLETED',
      ApproximateNumberOfMessagesMoved: 30,
      ApproximateNumberOfMessagesToMove: 30,
      SourceArn: dlqArn,
    });
    expect(task.TaskHandle).toBeUndefined();
    // Visible and in flight: every message the queue holds.
    const depth = async (url: string) => {
      const { Attributes = {} } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
    };
    expect([await depth(dlqUrl), await depth(sourceUrl)]).toEqual([0, 30]);
    const moved =
      (
        await client.send(
          new ReceiveMessageCommand({ QueueUrl: sourceUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
        )
      ).Messages ?? [];
    expect(moved.every((m) => m.Body === `m${m.MessageAttributes?.n?.StringValue}`)).toBe(true);

    // A slow task can be cancelled; what it moved stays moved and nothing is lost.
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `late${i}` })),
      }),
    );
    const slow = await client.send(
      new StartMessageMoveTaskCommand({ SourceArn: dlqArn, MaxNumberOfMessagesPerSecond: 1 }),
    );
    await client.send(new CancelMessageMoveTaskCommand({ TaskHandle: slow.TaskHandle }));
    await waitFor(
      'the cancelled task to stop',
      async () =>
        (await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results?.[0]?.Status ===
        'CANCELLED',
    );
    const cancelled =
      (await client.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }))).Results ?? [];
    expect(cancelled.map((t) => t.Status)).toEqual(['CANCELLED', 'COMPLETED']);
    expect((await depth(dlqUrl)) + (await depth(sourceUrl))).toBe(40);
    expect(await depth(dlqUrl)).toBeGreaterThan(0);
    client.destroy();
  }, 60_000);

  it('refuse a move from a queue that is no dead-letter queue, with a clear error', async () => {
    const client = sqs();
    await expect(
      client.send(new StartMessageMoveTaskCommand({ SourceArn: rt.queue('data-queue').arn })),
    ).rejects.toThrow(/must be configured as a Dead Letter Queue/);
    client.destroy();
  });
});

describe('the edge', () => {
  it('says which services it routes where, and refuses what it does not emulate with a pointer to the docs', async () => {
    const health = (await (await fetch(`${rt.edge.endpoint}/health`)).json()) as { services: Record<string, string> };
    expect(Object.keys(health.services)).toEqual(
      expect.arrayContaining([
        'sqs',
        'sns',
        'lambda',
        'stepfunctions',
        'events',
        'dynamodb',
        'secretsmanager',
        'cloudwatch',
      ]),
    );
    const refused = await fetch(rt.edge.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData' },
      body: '{}',
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('docs/local-runtime.md');
    // A name every JavaScript object has is no CloudWatch action either.
    for (const action of ['constructor', 'toString', '__proto__']) {
      const inherited = await fetch(rt.edge.endpoint, {
        method: 'POST',
        headers: { 'x-amz-target': `GraniteServiceVersion20100801.${action}` },
        body: '{}',
      });
      expect({ action, status: inherited.status, docs: (await inherited.text()).includes('docs/local-runtime.md') }).toEqual({ action, status: 400, docs: true });
    }
  });
});
