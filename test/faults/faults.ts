/**
 * Fault injection for the fault matrix. Faults come from the real components wherever they can
 * produce them (service fakes: failNext / setLatency / dropConnections; clients pointed at a
 * closed port; a private Redis or Kafka broker that is stopped; the MongoDB wire server's
 * failNext / setDown; the Secrets Manager emulator's failNext). What no emulator can produce on
 * demand — DynamoDB throttling and UnprocessedItems/UnprocessedKeys, SQS SendMessageBatch and
 * SNS PublishBatch `Failed` entries, throttled SQS/SNS requests — is injected by a small
 * middleware on the real SDK client (see `failCalls` and friends).
 */
import { generateKeyPairSync } from 'node:crypto';
import net from 'node:net';
import type { MiddlewareStack } from '@smithy/types';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from '../../src/shared/runtime/logger';
import { createCampaignService } from '../../src/shared/services/campaigns';
import type { CampaignService } from '../../src/shared/services/campaigns';
import { createCodeService } from '../../src/shared/services/codes';
import type { CodeService } from '../../src/shared/services/codes';
import { createEntryService } from '../../src/shared/services/entries';
import type { EntryService } from '../../src/shared/services/entries';
import { createExportsService } from '../../src/shared/services/exports';
import type { ExportsService } from '../../src/shared/services/exports';
import type { ServiceName } from '../../src/shared/services/http';
import { createServiceClient } from '../../src/shared/services/http';
import { createTokenProvider, loadPrivateKeyFromSecret } from '../../src/shared/services/jwt';
import { createUserService } from '../../src/shared/services/users';
import type { UserService } from '../../src/shared/services/users';
import type { LocalSecretsManager } from '../../tools/local/secretsManager';
import { startSecretsManager } from '../../tools/local/secretsManager';
import type { FakeControls, ServiceFakes } from '../../tools/local/emulators/fakes';
import { startServiceFakes } from '../../tools/local/emulators/fakes';
import { freePort } from '../../tools/local/emulators/processes';

/** Per-attempt timeout of the service clients here: small, so a timeout cell costs well under a second. */
const SERVICE_TIMEOUT_MS = 150;
/** Latency a slow fake answers with: longer than every attempt. */
const SLOW_MS = 400;
/** Retries after the first attempt (config uses 3; one is enough to show retries do not hide a lasting fault). */
const SERVICE_RETRIES = 1;
/** Attempts one service call makes under a lasting fault: fail this many requests to fail exactly one call. */
export const SERVICE_ATTEMPTS = SERVICE_RETRIES + 1;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Throwaway region and credentials for the local emulators; valid nowhere else. */
export const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export interface Services {
  entries: EntryService;
  users: UserService;
  campaigns: CampaignService;
  codes: CodeService;
  exports: ExportsService;
}

/** HTTP failure modes of a service call. */
export type HttpFailure = '5xx' | '429' | 'timeout' | 'connection refused' | 'connection dropped';

/**
 * The services around the workers for one test file: the stateful fakes (verifying RS256 service
 * tokens), the Secrets Manager emulator holding the service JWT key, and service clients built
 * the way src/shared/wiring.ts builds them, with small timeouts and retries.
 */
export interface ServiceWorld {
  fakes: ServiceFakes;
  secrets: LocalSecretsManager;
  /** Clients reading the JWT key from Secrets Manager once per "execution environment" (this object). */
  services: Services;
  /** Clients for a fault: one service failing the given way (only on paths matching `path`). */
  inject(
    service: ServiceName,
    failure: HttpFailure,
    path?: RegExp,
  ): Promise<{ services: Services; clear(): Promise<void> }>;
  /**
   * A Secrets Manager outage met by a cold start: clients of a new execution environment (whose
   * first JWT key read falls into the outage) and the function that ends the outage. The same
   * clients are used after it, proving a failed key read is not cached.
   */
  secretsOutage(): { services: Services; clear(): void };
  stop(): Promise<void>;
}

const SERVICE_JWT_SECRET = 'service-jwt';

/** Starts the fakes and the Secrets Manager emulator and builds the clients. */
export async function startServiceWorld(log: Logger): Promise<ServiceWorld> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const fakes = await startServiceFakes({ publicKey });
  const secrets = await startSecretsManager();
  secrets.put(SERVICE_JWT_SECRET, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  // maxAttempts 1: the SDK's own retries would hide the emulator's injected failure.
  const secretsClient = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: secrets.endpoint, maxAttempts: 1 });
  const tokenProvider = () =>
    createTokenProvider({
      worker: 'fault-matrix',
      issuer: 'reg-workers',
      ttlSeconds: 3600,
      loadPrivateKey: () => loadPrivateKeyFromSecret(secretsClient, SERVICE_JWT_SECRET),
    });
  const sharedToken = tokenProvider();
  const clientsFor = (urls: Record<ServiceName, string>, getToken = sharedToken): Services => {
    const client = (service: ServiceName) =>
      createServiceClient({
        service,
        baseUrl: urls[service],
        timeoutMs: SERVICE_TIMEOUT_MS,
        retries: SERVICE_RETRIES,
        backoffBaseMs: 5,
        backoffMaxMs: 10,
        getToken,
        log,
      });
    return {
      entries: createEntryService(client('entries')),
      users: createUserService(client('users')),
      campaigns: createCampaignService(client('campaigns')),
      codes: createCodeService(client('codes')),
      exports: createExportsService(client('exports')),
    };
  };
  const services = clientsFor(fakes.urls);
  return {
    fakes,
    secrets,
    services,
    async inject(service, failure, path = /./) {
      if (failure === 'connection refused') {
        const closed = `http://127.0.0.1:${await freePort()}`;
        return { services: clientsFor({ ...fakes.urls, [service]: closed }), clear: async () => undefined };
      }
      return { services, clear: injectHttp(fakes[service], failure, path) };
    },
    secretsOutage() {
      // Every request fails until cleared (failNext(0) ends it).
      secrets.failNext(Number.MAX_SAFE_INTEGER, 'InternalServiceError');
      return { services: clientsFor(fakes.urls, tokenProvider()), clear: () => secrets.failNext(0) };
    },
    async stop() {
      secretsClient.destroy();
      await Promise.all([fakes.stop(), secrets.stop()]);
    },
  };
}

/** Injects an HTTP failure on a fake; returns the function that ends it (waiting for slow answers to land). */
function injectHttp(fake: FakeControls, failure: Exclude<HttpFailure, 'connection refused'>, path: RegExp) {
  if (failure === 'timeout') {
    fake.setLatency(SLOW_MS);
  } else if (failure === 'connection dropped') {
    fake.dropConnections(20);
  } else {
    fake.failNext({
      status: failure === '429' ? 429 : 503,
      count: Number.POSITIVE_INFINITY,
      path,
      ...(failure === '429' ? { headers: { 'retry-after': '0' } } : {}),
    });
  }
  return async () => {
    fake.clearFailures();
    if (failure === 'timeout') {
      // Requests that timed out on the client are still being answered (and applied) by the
      // fake; let them land, as a slow service would, before anyone looks at its state.
      await sleep(SLOW_MS + 50);
    }
  };
}

/** The URL of a port nothing listens on (connection refused). */
export async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

// ---------------------------------------------------------------------------------------------
// SDK middleware faults. They sit at the initialize step, above the SDK's retry layer: the
// worker sees what it would see once the SDK's own retries are spent, and the cell stays fast.
// For DynamoDBDocumentClient commands the input and output there are plain JavaScript values
// (marshalling happens at the serialize step).

interface MiddlewareClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  middlewareStack: MiddlewareStack<any, any>;
}

type Args = { input: Record<string, unknown> };
type Next = (args: Args) => Promise<{ output: Record<string, unknown>; response: unknown }>;

let middlewareSeq = 0;

function addFault(
  client: MiddlewareClient,
  command: string,
  handle: (next: Next, args: Args) => Promise<{ output: Record<string, unknown>; response: unknown }>,
): () => void {
  const name = `fault-matrix-${++middlewareSeq}`;
  client.middlewareStack.add(
    (next: Next, context: { commandName?: string }) => async (args: Args) =>
      context.commandName === command ? handle(next, args) : next(args),
    { step: 'initialize', name },
  );
  return () => {
    client.middlewareStack.remove(name);
  };
}

/** An error shaped like an AWS service exception (name, $fault, $metadata), as the SDK throws it. */
function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/** Calls of `command` whose input matches `when` throw `error()` until the returned function is called. */
export function failCalls(
  client: MiddlewareClient,
  command: string,
  error: () => Error,
  when: (input: Record<string, unknown>) => boolean = () => true,
): () => void {
  return addFault(client, command, async (next, args) => {
    if (when(args.input)) {
      throw error();
    }
    return next(args);
  });
}

/**
 * SendMessageBatch / PublishBatch entries matching `when` are not sent and come back in
 * `Failed` as a service-side fault (SenderFault false), the way SQS and SNS report them.
 */
export function failBatchEntries(
  client: MiddlewareClient,
  command: 'SendMessageBatchCommand' | 'PublishBatchCommand',
  when: (entry: Record<string, unknown>) => boolean,
): () => void {
  const listKey = command === 'SendMessageBatchCommand' ? 'Entries' : 'PublishBatchRequestEntries';
  return addFault(client, command, async (next, args) => {
    const entries = (args.input[listKey] ?? []) as Record<string, unknown>[];
    const withheld = entries.filter(when);
    const sent = entries.filter((e) => !withheld.includes(e));
    const failed = withheld.map((e) => ({
      Id: e.Id,
      SenderFault: false,
      Code: 'InternalError',
      Message: 'injected service fault',
    }));
    if (sent.length === 0) {
      return { output: { Successful: [], Failed: failed, $metadata: {} }, response: {} };
    }
    const result = await next({ ...args, input: { ...args.input, [listKey]: sent } });
    const previous = (result.output.Failed ?? []) as unknown[];
    return { ...result, output: { ...result.output, Failed: [...previous, ...failed] } };
  });
}

/** BatchWriteItem put requests whose item matches `when` are not written and come back as UnprocessedItems. */
export function leaveWritesUnprocessed(
  client: MiddlewareClient,
  when: (item: Record<string, unknown>) => boolean,
): () => void {
  return addFault(client, 'BatchWriteItemCommand', async (next, args) => {
    const requestItems = args.input.RequestItems as Record<
      string,
      { PutRequest?: { Item: Record<string, unknown> } }[]
    >;
    const unprocessed: typeof requestItems = {};
    const remaining: typeof requestItems = {};
    for (const [table, requests] of Object.entries(requestItems)) {
      const held = requests.filter((r) => r.PutRequest && when(r.PutRequest.Item));
      const rest = requests.filter((r) => !held.includes(r));
      if (held.length > 0) {
        unprocessed[table] = held;
      }
      if (rest.length > 0) {
        remaining[table] = rest;
      }
    }
    const result =
      Object.keys(remaining).length > 0
        ? await next({ ...args, input: { ...args.input, RequestItems: remaining } })
        : { output: { $metadata: {} }, response: {} };
    return { ...result, output: { ...result.output, UnprocessedItems: unprocessed } };
  });
}

/** BatchGetItem keys matching `when` are not read and come back as UnprocessedKeys. */
export function leaveKeysUnprocessed(
  client: MiddlewareClient,
  when: (key: Record<string, unknown>) => boolean,
): () => void {
  return addFault(client, 'BatchGetItemCommand', async (next, args) => {
    const requestItems = args.input.RequestItems as Record<string, { Keys: Record<string, unknown>[] }>;
    const unprocessed: typeof requestItems = {};
    const remaining: typeof requestItems = {};
    for (const [table, request] of Object.entries(requestItems)) {
      const held = request.Keys.filter(when);
      const rest = request.Keys.filter((k) => !held.includes(k));
      if (held.length > 0) {
        unprocessed[table] = { ...request, Keys: held };
      }
      if (rest.length > 0) {
        remaining[table] = { ...request, Keys: rest };
      }
    }
    const result =
      Object.keys(remaining).length > 0
        ? await next({ ...args, input: { ...args.input, RequestItems: remaining } })
        : { output: { Responses: {}, $metadata: {} }, response: {} };
    return { ...result, output: { ...result.output, UnprocessedKeys: unprocessed } };
  });
}

/** A DynamoDB throttling error as the SDK surfaces it after its retries. */
export const dynamoThrottled = () =>
  awsError(
    'ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded (injected)',
  );

/** An SQS/SNS throttling error as the SDK surfaces it after its retries. */
export const requestThrottled = () => awsError('ThrottlingException', 'Rate exceeded (injected)');

// ---------------------------------------------------------------------------------------------

/**
 * A TCP proxy from `listenPort` to `target` (host:port): brings a "stopped" Kafka broker back on
 * its old address. The mock broker advertises its own address, so clients then talk to it directly.
 */
export async function tcpProxy(listenPort: number, target: string): Promise<{ stop(): Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

/**
 * Waits until the driver reaches MongoDB again after an outage. The driver re-checks a server
 * it lost at most every 500 ms, so the first operations after a restart can still fail server
 * selection; a scheduled next run, minutes later, never sees that.
 */
export async function mongoReachable(client: {
  db(name: string): { command(c: object): Promise<unknown> };
}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      if (attempt >= 20) {
        throw error;
      }
    }
  }
}
