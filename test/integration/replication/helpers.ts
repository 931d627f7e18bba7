/**
 * Helpers for the registration and replication suites: real SQS queues on fauxqs (turned into
 * SQS events by the harness's `sqsEventOf`), DynamoDB Local's stream turned into a KinesisStreamEvent,
 * and the environment the workers' handlers read their configuration from.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import type { StreamReader } from '../../../tools/local/dynamoStream';
import { openStreamReader } from '../../../tools/local/dynamoStream';
import { createDemandTable, LOCAL_AWS } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv } from '../../harness/env';
import type { ServiceFakes } from '../../../tools/local/emulators/fakes';
import { startServiceFakes } from '../../../tools/local/emulators/fakes';
import { sqsEventOf } from '../../harness/sqs';
import { localQueueUrl } from '../../../tools/local/emulators/sqs';

/** A throwaway service-JWT key pair: workers sign with the private key, the fakes verify with the public one. */
export function serviceKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicKey, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** Points the configuration (`CONFIG_ENV=local`) at this suite's resources; call before the first handler call. */
export function useLocalConfig(vars: Record<string, string>): void {
  Object.assign(process.env, { CONFIG_ENV: 'local', LOG_LEVEL: 'error', ...vars });
}

/**
 * What a replication suite runs on: a demand table with its stream (read from now on), the
 * service fakes verifying `keys`, and the configuration pointing the workers at them and at the
 * save-entries queue `queueUrl`. `stop` closes the reader and the fakes.
 */
export async function startReplicationWorld(options: {
  endpoint: string;
  tableName: string;
  queueUrl: string;
  keys: ReturnType<typeof serviceKeys>;
}): Promise<{ fakes: ServiceFakes; reader: StreamReader; stop(): Promise<void> }> {
  const { endpoint, tableName, queueUrl, keys } = options;
  await createDemandTable(endpoint, tableName);
  const fakes = await startServiceFakes({ publicKey: keys.publicKey });
  useLocalConfig({
    DEMAND_TABLE_NAME: tableName,
    SAVE_ENTRIES_QUEUE_URL: queueUrl,
    ENTRY_SERVICE_URL: fakes.urls.entries,
    SERVICE_JWT_PRIVATE_KEY: keys.privateKeyPem,
  });
  const reader = await openStreamReader({ endpoint, tableName, from: 'LATEST' });
  return {
    fakes,
    reader,
    async stop() {
      reader.close();
      await fakes.stop();
    },
  };
}

/** An SQS client for fauxqs with the endpoint given explicitly (see tools/local/emulators/sqs.ts on queue URL hosts). */
export const localSqsClient = (): SQSClient => new SQSClient({ ...LOCAL_AWS, endpoint: requireEnv('SQS_ENDPOINT') });

/** A queue of this suite, with its URL on the emulator's own host. */
export async function createQueue(sqs: SQSClient, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await sqs.send(new CreateQueueCommand({ QueueName: name }));
  return localQueueUrl(requireEnv('SQS_ENDPOINT'), name);
}

/** Receives (and deletes, as Lambda does after success) messages until `count` arrived or `timeoutMs` passed. */
export async function receive(sqs: SQSClient, queueUrl: string, count: number, timeoutMs = 5000): Promise<Message[]> {
  const got: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    got.push(...messages);
    if (messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }
  return got;
}

/**
 * Sends bodies to a queue in batches of 10, receives them back and returns the SQS event Lambda
 * would deliver, so events carry real message ids and receipt handles.
 */
export async function roundTrip(sqs: SQSClient, queueUrl: string, bodies: unknown[]): Promise<SQSEvent> {
  for (let i = 0; i < bodies.length; i += 10) {
    const part = bodies.slice(i, i + 10);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: part.map((body, j) => ({
          Id: `m${j}`,
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        })),
      }),
    );
  }
  return sqsEventOf(await receive(sqs, queueUrl, bodies.length), queueUrl);
}

/** Reads the table's stream until at least `count` records arrived (they show up shortly after the write). */
export async function streamEvent(reader: StreamReader, count: number, timeoutMs = 5000): Promise<KinesisStreamEvent> {
  const records: Awaited<ReturnType<StreamReader['read']>> = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) {
    records.push(...(await reader.read()));
    if (records.length < count) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  if (records.length < count) {
    throw new Error(`expected ${count} stream records, got ${records.length}`);
  }
  return { Records: records };
}

/** The ids a partial batch response asks Lambda to retry. */
export const failures = (response: { batchItemFailures: { itemIdentifier: string }[] }): string[] =>
  response.batchItemFailures.map((f) => f.itemIdentifier);

/** Message ids of the records whose parsed body matches `predicate` (receive order is not guaranteed). */
export const idsWhere = (event: SQSEvent, predicate: (body: Record<string, unknown>) => boolean): string[] =>
  event.Records.filter((r) => {
    try {
      return predicate(JSON.parse(r.body));
    } catch {
      return false;
    }
  }).map((r) => r.messageId);

/**
 * A delivery on a fresh queue whose visibility timeout is 1 s, with receipt handles that stay
 * valid (nothing is deleted), to see the retry backoff: `visibleAfterTimeout()` waits past the
 * 1 s and counts the messages SQS would deliver again. Without a backoff that is every message
 * a handler reported failed; with it (5 s and more locally), none.
 */
export async function heldDelivery(sqs: SQSClient, prefix: string, bodies: unknown[]) {
  const name = uniqueName(prefix);
  await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '1' } }));
  const queueUrl = localQueueUrl(requireEnv('SQS_ENDPOINT'), name);
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: bodies.map((body, i) => ({ Id: `m${i}`, MessageBody: JSON.stringify(body) })),
    }),
  );
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
  );
  const event = sqsEventOf(out.Messages ?? [], queueUrl);
  const visibleAfterTimeout = async (): Promise<number> => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    return again.Messages?.length ?? 0;
  };
  return { event, visibleAfterTimeout };
}
