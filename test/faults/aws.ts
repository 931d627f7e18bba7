/**
 * AWS-side helpers of the fault suites: a demand table on DynamoDB Local with clients that can
 * carry fault middleware, queues and topics on fauxqs that a cell can drain, and the change
 * records DynamoDB puts on its Kinesis stream.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DemandTable } from '../../src/shared/aws/demandTable';
import { createDemandTable } from '../../src/shared/aws/demandTable';
import { createDemandTable as createLocalTable } from '../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../tools/local/emulators/names';
import { requireEnv } from '../harness/env';
import { localQueueUrl } from '../../tools/local/emulators/sqs';
import { LOCAL_AWS, closedPortUrl } from './faults';

/** The document client the workers use (src/shared/aws/clients.ts), on a given endpoint. */
function documentClient(endpoint: string): DynamoDBDocumentClient {
  // Two attempts: the SDK may retry a network error once, as it would in Lambda (where it tries 3 times).
  return DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 2 }), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

export interface LocalTable {
  name: string;
  /** The client the repository uses; fault middleware goes on it. */
  client: DynamoDBDocumentClient;
  table: DemandTable;
  /** A repository over the same table through a port nothing listens on. */
  refused(): Promise<DemandTable>;
  destroy(): void;
}

/** A fresh demand table (stream and TTL on) for one suite. */
export async function localTable(prefix: string): Promise<LocalTable> {
  const endpoint = requireEnv('DYNAMODB_ENDPOINT');
  const name = uniqueName(prefix);
  await createLocalTable(endpoint, name);
  const client = documentClient(endpoint);
  const others: DynamoDBDocumentClient[] = [];
  return {
    name,
    client,
    table: createDemandTable(client, name),
    async refused() {
      const dead = documentClient(await closedPortUrl());
      others.push(dead);
      return createDemandTable(dead, name);
    },
    destroy: () => [client, ...others].forEach((c) => c.destroy()),
  };
}

/** The Kinesis Data Streams for DynamoDB payload of one change (DECISIONS.md B [3]). */
export function changeRecord(
  operation: 'INSERT' | 'MODIFY' | 'REMOVE',
  tableName: string,
  images: { newItem?: Record<string, unknown>; oldItem?: Record<string, unknown> },
): Record<string, unknown> {
  const item = (images.newItem ?? images.oldItem)!;
  const options = { removeUndefinedValues: true, convertClassInstanceToMap: false };
  return {
    eventName: operation,
    tableName,
    recordFormat: 'application/json',
    dynamodb: {
      ApproximateCreationDateTime: Date.now(),
      Keys: marshall({ PK: item.PK, SK: item.SK }),
      ...(images.newItem ? { NewImage: marshall(images.newItem, options) } : {}),
      ...(images.oldItem ? { OldImage: marshall(images.oldItem, options) } : {}),
    },
  };
}

/** SQS and SNS clients for fauxqs, endpoint given explicitly (see tools/local/emulators/sqs.ts), on `endpoint` when given. */
export function messagingClients(endpoint = requireEnv('SQS_ENDPOINT')) {
  return {
    sqs: new SQSClient({ ...LOCAL_AWS, endpoint, maxAttempts: 2 }),
    sns: new SNSClient({ ...LOCAL_AWS, endpoint, maxAttempts: 2 }),
  };
}

export interface LocalQueue {
  url: string;
  arn: string;
  /** Receives and deletes everything waiting; returns the bodies (with the `type` attribute, when set). */
  drain(): Promise<{ body: string; type?: string }[]>;
}

/** A fresh queue on fauxqs. */
export async function localQueue(sqs: SQSClient, prefix: string): Promise<LocalQueue> {
  const name = uniqueName(prefix);
  await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = localQueueUrl(requireEnv('SQS_ENDPOINT'), name);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return {
    url,
    arn: attrs.Attributes!.QueueArn!,
    async drain() {
      const out: { body: string; type?: string }[] = [];
      for (;;) {
        // fauxqs holds messages in memory: a message sent is visible at once, so an empty
        // receive means the queue is empty.
        const got = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
          }),
        );
        const messages = got.Messages ?? [];
        if (messages.length === 0) {
          return out;
        }
        out.push(...messages.map((m) => ({ body: m.Body!, type: m.MessageAttributes?.type?.StringValue })));
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    },
  };
}

/** A topic with one queue subscribed to everything (raw delivery, as the Terraform subscribes). */
export async function topicWithQueue(clients: ReturnType<typeof messagingClients>, prefix: string) {
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: uniqueName(`${prefix}-topic`) }));
  const queue = await localQueue(clients.sqs, `${prefix}-sub`);
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn: topic.TopicArn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return { topicArn: topic.TopicArn!, queue };
}
