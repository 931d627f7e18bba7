/**
 * Shared setup of the selection integration suites: the service fakes with a throwaway signing
 * key, a demand table in DynamoDB Local, save-selection queues in fauxqs, the environment the
 * workers' own `handler`s read their configuration from, and a save-selection drain that plays
 * Lambda's SQS event source mapping.
 */
import { generateKeyPairSync } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { resetAwsClients } from '../../../src/shared/aws/clients';
import { resetConfigCache } from '../../../src/shared/config';
import type { BatchItemFailuresResponse } from '../../../src/shared/runtime/batch';
import type { ServiceName } from '../../../src/shared/services';
import { createServiceClient, createTokenProvider } from '../../../src/shared/services';
import { resetWiring } from '../../../src/shared/wiring/memo';
import { LOCAL_AWS, createDemandTable, localDynamoDbClient } from '../../../tools/local/emulators/dynamodb';
import { uniqueName } from '../../../tools/local/emulators/names';
import { requireEnv, setEnv } from '../../harness/env';
import type { ServiceFakes } from '../../../tools/local/emulators/fakes';
import { startServiceFakes } from '../../../tools/local/emulators/fakes';
import { sqsEventOf } from '../../harness/sqs';
import { localQueueUrl } from '../../../tools/local/emulators/sqs';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export interface SelectionWorld {
  fakes: ServiceFakes;
  sqs: SQSClient;
  sqsEndpoint: string;
  dynamoEndpoint: string;
  tableName: string;
  doc: DynamoDBDocumentClient;
  /** Creates a queue; its URL uses the emulator's host, so every SQS client can reach it. */
  createQueue(prefix: string): Promise<string>;
  /** A service client as a worker has it (JWT signed with the test key, quick retries). */
  client(service: ServiceName): ReturnType<typeof createServiceClient>;
}

/**
 * Starts the fakes and a demand table for a test file, and points the workers' configuration
 * (CONFIG_ENV=local) at them; restores the environment afterwards. `env` adds variables once
 * the world exists (e.g. queue URLs).
 */
export function useSelectionWorld(
  env: (world: SelectionWorld) => Promise<Record<string, string>> = async () => ({}),
): () => SelectionWorld {
  let world: SelectionWorld | undefined;
  let restoreEnv: () => void = () => undefined;
  beforeAll(async () => {
    const fakes = await startServiceFakes({ publicKey: keys.publicKey });
    const sqsEndpoint = requireEnv('SQS_ENDPOINT');
    const dynamoEndpoint = requireEnv('DYNAMODB_ENDPOINT');
    const tableName = uniqueName('selection-demand');
    await createDemandTable(dynamoEndpoint, tableName);
    const sqs = new SQSClient({ ...LOCAL_AWS, endpoint: sqsEndpoint });
    const getToken = createTokenProvider({
      worker: 'selectionTest',
      issuer: 'reg-workers',
      ttlSeconds: 600,
      loadPrivateKey: async () => privateKeyPem,
    });
    world = {
      fakes,
      sqs,
      sqsEndpoint,
      dynamoEndpoint,
      tableName,
      doc: DynamoDBDocumentClient.from(localDynamoDbClient(dynamoEndpoint), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      async createQueue(prefix) {
        const name = uniqueName(prefix);
        await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '2' } }));
        return localQueueUrl(sqsEndpoint, name);
      },
      client: (service) =>
        createServiceClient({
          service,
          baseUrl: fakes.urls[service],
          timeoutMs: 5000,
          retries: 2,
          backoffBaseMs: 1,
          backoffMaxMs: 10,
          getToken,
        }),
    };
    const vars: Record<string, string> = {
      CONFIG_ENV: 'local',
      LOG_LEVEL: 'error',
      SERVICE_JWT_PRIVATE_KEY: privateKeyPem,
      DEMAND_TABLE_NAME: tableName,
      ENTRY_SERVICE_URL: fakes.urls.entries,
      CAMPAIGN_SERVICE_URL: fakes.urls.campaigns,
      CODE_SERVICE_URL: fakes.urls.codes,
      ...(await env(world)),
    };
    restoreEnv = setEnv(vars);
    resetConfigCache();
    resetWiring();
    resetAwsClients();
  });
  afterAll(async () => {
    restoreEnv();
    resetConfigCache();
    resetWiring();
    resetAwsClients();
    world?.sqs.destroy();
    world?.doc.destroy();
    await world?.fakes.stop();
  });
  return () => {
    if (!world) {
      throw new Error('selection world did not start');
    }
    return world;
  };
}

/** Messages visible plus in flight. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/**
 * Plays the SQS event source mapping: receives batches of up to 10, calls `handler`, deletes the
 * messages it did not report as failures (failed ones come back after the visibility timeout).
 * Runs `lanes` consumers until `finished()` holds and the queue is empty.
 */
export async function drainQueue(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent) => Promise<BatchItemFailuresResponse>,
  options: { lanes?: number; finished?: () => boolean } = {},
): Promise<{ batches: number; failures: number }> {
  const finished = options.finished ?? (() => true);
  let batches = 0;
  let failures = 0;
  const lane = async () => {
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          AttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) {
        if (finished() && (await queueDepth(sqs, queueUrl)) === 0) {
          return;
        }
        continue;
      }
      batches++;
      const { batchItemFailures } = await handler(sqsEventOf(Messages, queueUrl));
      failures += batchItemFailures.length;
      const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
      const done = Messages.filter((m) => !failed.has(m.MessageId!));
      if (done.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: options.lanes ?? 1 }, lane));
  return { batches, failures };
}

/** A 24-character Entry Service user id for fan number `n`. */
export const userIdOf = (n: number): string => n.toString(16).padStart(24, '0');
