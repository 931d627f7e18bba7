/**
 * The local stand-ins of everything around the workers, started with the emulators layer's
 * starters (tools/local/emulators, the same ones the tests and benchmarks use):
 * DynamoDB Local, fauxqs (SQS + SNS), redis-server, the Kafka mock cluster in kcat, the
 * in-process MongoDB wire server, the HTTP service fakes and the Secrets Manager emulator.
 * An endpoint variable that is already set (DYNAMODB_ENDPOINT, SQS_ENDPOINT, REDIS_URL,
 * KAFKA_BROKERS, MONGODB_URI) is used instead of starting that component, as in the tests.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { startDynamoDb } from './emulators/dynamodb';
import { startServiceFakes } from './emulators/fakes';
import type { ServiceFakes } from './emulators/fakes';
import { startKafkaMock } from './emulators/kafka';
import type { KafkaMock } from './emulators/kafka';
import { startMongoServer } from './emulators/mongo';
import type { LocalMongo } from './emulators/mongo';
import { startRedis } from './emulators/redis';
import { startSqsSns } from './emulators/sqs';
import { selfSignedBundle } from '../certs/x509';
import { startSecretsManager } from './secretsManager';
import type { LocalSecretsManager } from './secretsManager';

export interface Components {
  dynamoDbEndpoint: string;
  sqsEndpoint: string;
  redisUrl: string;
  /** `pause`/`resume` exist when this run owns the broker process (fault injection). */
  kafka: KafkaMock;
  mongo: LocalMongo;
  fakes: ServiceFakes;
  secrets: LocalSecretsManager;
  /** The key pair of the service JWTs: the private key is the service-jwt secret, the fakes verify with the public key. */
  jwtKeys: { privateKeyPem: string; publicKey: KeyObject };
  /** The kafka-cert secret value for this run: a self-signed client certificate, JSON { cert, key }. */
  kafkaCert: string;
  stop(): Promise<void>;
}

/** Starts every component (in parallel where they are independent); stops what started if one fails. */
export async function startComponents(options: { ownKafka?: boolean } = {}): Promise<Components> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stops: (() => Promise<void>)[] = [];
  const track = <T extends { stop(): Promise<void> }>(started: T): T => {
    stops.push(() => started.stop());
    return started;
  };
  const stopAll = async () => {
    await Promise.allSettled(stops.reverse().map((stop) => stop()));
  };
  const started = await Promise.allSettled([
    startDynamoDb().then(track),
    startSqsSns().then(track),
    startRedis().then(track),
    startKafkaMock({ useExisting: !options.ownKafka }).then(track),
    startMongoServer().then(track),
    startServiceFakes({ publicKey }).then(track),
    startSecretsManager().then(track),
  ]);
  const failures = started.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error)?.message ?? s.reason)] : []));
  if (failures.length > 0) {
    await stopAll();
    throw new Error(`${failures.length} local component(s) could not start:\n\n${failures.join('\n\n')}`);
  }
  const value = <T>(i: number) => (started[i] as PromiseFulfilledResult<T>).value;
  try {
    return {
      dynamoDbEndpoint: value<{ endpoint: string }>(0).endpoint,
      sqsEndpoint: value<{ endpoint: string }>(1).endpoint,
      redisUrl: value<{ url: string }>(2).url,
      kafka: value<KafkaMock>(3),
      mongo: value<LocalMongo>(4),
      fakes: value<ServiceFakes>(5),
      secrets: value<LocalSecretsManager>(6),
      jwtKeys: { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey },
      kafkaCert: JSON.stringify(selfSignedBundle('reg-workers.local', 365)),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
