/**
 * Collaborators built from configuration, once per execution environment. A worker's
 * `index.ts` takes what it needs from here and hands it to its logic; tests build their own.
 */
import { getConfig } from './config';
import { dynamoDocumentClient, secretsClient } from './aws/clients';
import { createDemandTable } from './aws/demandTable';
import type { DemandTable } from './aws/demandTable';
import { createSecretCache } from './aws/secrets';
import type { SecretCache } from './aws/secrets';
import { createCampaignCache } from './campaigns/cache';
import type { CampaignCache } from './campaigns/cache';
import { sharedRedis } from './campaigns/redis';
import { createKafkaPublisher, parseCertificate } from './kafka/producer';
import type { KafkaPublisher } from './kafka/producer';
import { resolveMongoUri, sharedMongoClient } from './mongo/client';
import type { Logger } from './runtime/logger';
import type { Db } from 'mongodb';
import { createServiceClient } from './services/http';
import type { ServiceName } from './services/http';
import { createTokenProvider, selectPrivateKeyLoader } from './services/jwt';
import { createEntryService } from './services/entries';
import type { EntryService } from './services/entries';
import { createUserService } from './services/users';
import type { UserService } from './services/users';
import { createCampaignService } from './services/campaigns';
import type { CampaignService } from './services/campaigns';
import { createCodeService } from './services/codes';
import type { CodeService } from './services/codes';
import { createExportsService } from './services/exports';
import type { ExportsService } from './services/exports';

const memo = new Map<string, unknown>();
function once<T>(key: string, create: () => T): T {
  if (!memo.has(key)) {
    memo.set(key, create());
  }
  return memo.get(key) as T;
}

/** The demand table repository. */
export const demandTable = (): DemandTable =>
  once('demandTable', () => createDemandTable(dynamoDocumentClient(), getConfig().aws.demandTable));

/** Secrets Manager reads with the configured cache TTL. */
export const secrets = (): SecretCache =>
  once('secrets', () => createSecretCache(secretsClient(), getConfig().aws.secretCacheTtlSeconds));

/** A MongoDB database by name over the shared connection. */
export async function mongoDb(name: string): Promise<Db> {
  const { mongo, aws } = getConfig();
  const client = await sharedMongoClient(
    () => resolveMongoUri(secrets(), aws.secrets.mongoUri),
    mongo.serverSelectionTimeoutMs,
  );
  return client.db(name);
}

/** Campaign look-up by slug: Redis cache, MongoDB fallback. */
export const campaignCache = (log: Logger): CampaignCache =>
  once('campaignCache', () => {
    const { redis, mongo } = getConfig();
    return createCampaignCache({
      redis: sharedRedis({
        url: redis.url,
        connectTimeoutMs: redis.connectTimeoutMs,
        commandTimeoutMs: redis.commandTimeoutMs,
      }),
      campaigns: async () => (await mongoDb(mongo.campaignsDb)).collection(mongo.campaignsCollection),
      markets: async () => (await mongoDb(mongo.campaignsDb)).collection(mongo.marketsCollection),
      keyPrefix: redis.campaignKeyPrefix,
      ttlSeconds: redis.campaignTtlSeconds,
      log,
    });
  });

/** The Kafka publisher; TLS client certificate from the `kafka-cert` secret outside `local`. */
export const kafkaPublisher = (log: Logger): KafkaPublisher =>
  once('kafkaPublisher', () => {
    // TLS outside local runs is enforced when the configuration is validated.
    const { kafka, aws } = getConfig();
    return createKafkaPublisher({
      brokers: kafka.brokers,
      clientId: kafka.clientId,
      ssl: kafka.ssl,
      loadCertificate: async () => parseCertificate(await secrets().getJson(aws.secrets.kafkaCert)),
      connectionTimeoutMs: kafka.connectionTimeoutMs,
      requestTimeoutMs: kafka.requestTimeoutMs,
      log,
    });
  });

/** The service JWT of a worker (RS256, `sub` = worker), signed with the key from env or Secrets Manager. */
const serviceToken = (worker: string) =>
  once(`token:${worker}`, () => {
    const { services, aws } = getConfig();
    return createTokenProvider({
      worker,
      issuer: services.jwt.issuer,
      ttlSeconds: services.jwt.ttlSeconds,
      loadPrivateKey: selectPrivateKeyLoader({ client: secretsClient(), secretId: aws.secrets.serviceJwtKey }),
    });
  });

/** An HTTP client for one of the five services, with the configured timeouts, retries and the worker's JWT. */
function serviceClient(service: ServiceName, worker: string, log: Logger) {
  const { services } = getConfig();
  return createServiceClient({
    service,
    baseUrl: services[service].baseUrl,
    timeoutMs: services.timeoutMs,
    retries: services.retries,
    backoffBaseMs: services.backoffBaseMs,
    backoffMaxMs: services.backoffMaxMs,
    getToken: serviceToken(worker),
    log,
  });
}

/** Entry Service client for `worker`. */
export const entryService = (worker: string, log: Logger): EntryService =>
  once(`entries:${worker}`, () => createEntryService(serviceClient('entries', worker, log)));

/** User Service client for `worker`. */
export const userService = (worker: string, log: Logger): UserService =>
  once(`users:${worker}`, () => createUserService(serviceClient('users', worker, log)));

/** Campaign Service client for `worker`. */
export const campaignService = (worker: string, log: Logger): CampaignService =>
  once(`campaigns:${worker}`, () => createCampaignService(serviceClient('campaigns', worker, log)));

/** Code Service client for `worker`. */
export const codeService = (worker: string, log: Logger): CodeService =>
  once(`codes:${worker}`, () => createCodeService(serviceClient('codes', worker, log)));

/** Exports Service client for `worker`. */
export const exportsService = (worker: string, log: Logger): ExportsService =>
  once(`exports:${worker}`, () => createExportsService(serviceClient('exports', worker, log)));

/** Forgets every collaborator (tests that change configuration between cases). */
export function resetWiring(): void {
  memo.clear();
}
