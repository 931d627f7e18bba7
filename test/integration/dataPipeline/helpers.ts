/**
 * The data pipeline's AWS side on fauxqs, built the way terraform/stacks/dataPipeline builds it:
 * one SNS topic, five typed queues subscribed with raw message delivery and a filter policy on the
 * `type` message attribute, and the data queue. Plus helpers that play the Lambda event source
 * mapping: receive real messages, turn them into an SQS event, delete what the handler did not fail.
 */
import net from 'node:net';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { Message as SqsSdkMessage } from '@aws-sdk/client-sqs';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { DataType } from '../../../src/shared/dataPipeline';
import { DATA_TYPES } from '../../../src/shared/dataPipeline';
import type { BatchItemFailuresResponse } from '../../../src/shared/runtime/batch';
import { uniqueName } from '../../../tools/local/emulators/names';
import { kafkaClient } from '../../../tools/local/emulators/kafka';
import { sqsEventOf } from '../../harness/sqs';
import { localQueueUrl } from '../../../tools/local/emulators/sqs';

const region = 'us-east-1';
// Throwaway credentials the emulator accepts; valid nowhere else.
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export const awsClients = (endpoint: string) => ({
  sqs: new SQSClient({ endpoint, region, credentials, maxAttempts: 1 }),
  sns: new SNSClient({ endpoint, region, credentials, maxAttempts: 1 }),
});

/** Queue name suffix per type, as in the Terraform `data_type_queues` local. */
export const TYPED_QUEUE_NAMES: Record<DataType, string> = {
  campaign: 'campaign-queue',
  market: 'market-queue',
  eventMapping: 'evt-mapping-queue',
  registeredMarket: 'reg-markets-queue',
  registration: 'registration-queue',
};

export interface Queue {
  name: string;
  url: string;
  arn: string;
}

export interface DataPipelineInfra {
  topicArn: string;
  dataQueue: Queue;
  typedQueues: Record<DataType, Queue>;
  /** A unique Kafka topic per type for `kafka.topics`. */
  kafkaTopics: Record<DataType, string>;
}

async function createQueue(sqs: SQSClient, endpoint: string, name: string): Promise<Queue> {
  await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = localQueueUrl(endpoint, name);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { name, url, arn: attrs.Attributes!.QueueArn! };
}

/** Creates the topic, the data queue and the five typed queues with their subscriptions. */
export async function createDataPipelineInfra(endpoint: string, prefix: string): Promise<DataPipelineInfra> {
  const { sqs, sns } = awsClients(endpoint);
  try {
    const topic = await sns.send(new CreateTopicCommand({ Name: uniqueName(`${prefix}-data-sns`) }));
    const topicArn = topic.TopicArn!;
    const dataQueue = await createQueue(sqs, endpoint, uniqueName(`${prefix}-data-queue`));
    const typedQueues = {} as Record<DataType, Queue>;
    for (const type of DATA_TYPES) {
      const queue = await createQueue(sqs, endpoint, uniqueName(`${prefix}-${TYPED_QUEUE_NAMES[type]}`));
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: queue.arn,
          Attributes: { FilterPolicy: JSON.stringify({ type: [type] }), RawMessageDelivery: 'true' },
          ReturnSubscriptionArn: true,
        }),
      );
      typedQueues[type] = queue;
    }
    const kafkaTopics = Object.fromEntries(DATA_TYPES.map((t) => [t, uniqueName(`${prefix}-${t}`)])) as Record<
      DataType,
      string
    >;
    return { topicArn, dataQueue, typedQueues, kafkaTopics };
  } finally {
    sqs.destroy();
    sns.destroy();
  }
}

/** Sends bodies (strings as is, anything else as JSON) to a queue, optionally with string attributes. */
export async function sendToQueue(
  sqs: SQSClient,
  queue: Queue,
  bodies: unknown[],
  attributes: Record<string, string> = {},
): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: bodies.slice(i, i + 10).map((body, j) => ({
          Id: `e${i + j}`,
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        })),
      }),
    );
    if (out.Failed?.length) {
      throw new Error(`SendMessageBatch failed: ${JSON.stringify(out.Failed)}`);
    }
  }
}

/**
 * Receives until `expected` messages arrived (then checks briefly that no more are waiting, so
 * a test sees extra deliveries too), or until `timeoutMs` passes.
 */
export async function receiveAll(
  sqs: SQSClient,
  queue: Queue,
  expected: number,
  options: { visibilityTimeout?: number; timeoutMs?: number } = {},
): Promise<SqsSdkMessage[]> {
  const messages: SqsSdkMessage[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let emptyAfterExpected = false;
  while (Date.now() < deadline && !emptyAfterExpected) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: messages.length >= expected ? 0 : 1,
        VisibilityTimeout: options.visibilityTimeout ?? 30,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const got = out.Messages ?? [];
    messages.push(...got);
    emptyAfterExpected = messages.length >= expected && got.length === 0;
  }
  return messages;
}

/** Deletes the messages the handler did not report as failures (what the event source mapping does). */
export async function deleteSettled(
  sqs: SQSClient,
  queue: Queue,
  messages: SqsSdkMessage[],
  response: BatchItemFailuresResponse,
): Promise<void> {
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const settled = messages.filter((m) => !failed.has(m.MessageId!));
  for (let i = 0; i < settled.length; i += 10) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: settled.slice(i, i + 10).map((m, j) => ({ Id: `d${j}`, ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

/** Receives from `queue`, runs `handler` on the batch like the event source mapping, deletes the settled messages. */
export async function deliver(
  sqs: SQSClient,
  queue: Queue,
  expected: number,
  handler: (event: SQSEvent) => Promise<BatchItemFailuresResponse>,
  options: { visibilityTimeout?: number } = {},
): Promise<{ messages: SqsSdkMessage[]; response: BatchItemFailuresResponse }> {
  const messages = await receiveAll(sqs, queue, expected, options);
  const response = await handler(sqsEventOf(messages, queue.url));
  await deleteSettled(sqs, queue, messages, response);
  return { messages, response };
}

/** A TCP proxy from `listenPort` to `target` (host:port); stands in for a broker coming back on its address. */
export async function startTcpProxy(
  listenHost: string,
  listenPort: number,
  target: string,
): Promise<{ stop(): Promise<void> }> {
  const [targetHost, targetPort] = target.split(':');
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(targetPort), targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => resolve());
  });
  return {
    stop: async () => {
      for (const s of sockets) {
        s.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Reads `topic` from the beginning until `done` says the messages seen so far are enough, or
 * `timeoutMs` passes; for shared topics where other tests' messages may also be present.
 */
export async function consumeUntil(
  brokers: string[],
  topic: string,
  done: (values: { key: string | null; value: string | null }[]) => boolean,
  timeoutMs = 20_000,
): Promise<{ key: string | null; value: string | null }[]> {
  const consumer = kafkaClient(brokers).consumer({ groupId: uniqueName('consume-until') });
  const seen: { key: string | null; value: string | null }[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null });
            if (done(seen)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
