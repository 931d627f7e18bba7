/**
 * Jest global setup for the `integration` project: starts DynamoDB Local, fauxqs (SQS + SNS),
 * redis-server and the Kafka mock once per run, in parallel, and publishes their endpoints as
 * environment variables, which the test workers inherit. Any component that fails to start
 * fails the whole run with its reason; nothing is skipped.
 *
 * Timings on the dev VM (parallel, so the total is the slowest start): DynamoDB Local ~2.0 s
 * (JVM), fauxqs ~0.35 s, Kafka mock ~0.1 s, redis ~0.02 s; total ~2.1 s.
 * An endpoint variable that is already set (DYNAMODB_ENDPOINT, SQS_ENDPOINT, REDIS_URL,
 * KAFKA_BROKERS) is used as is instead of starting that component.
 */
import { startDynamoDb } from '../../tools/local/emulators/dynamodb';
import { startKafkaMock } from '../../tools/local/emulators/kafka';
import { startRedis } from '../../tools/local/emulators/redis';
import { startSqsSns } from '../../tools/local/emulators/sqs';

/** Where globalTeardown finds the stop functions (both run in jest's parent process). */
export const STOPS_KEY = '__regWorkersHarnessStops';

type Stop = () => Promise<void>;

async function timed<T>(name: string, timings: string[], start: () => Promise<T>): Promise<T> {
  const began = performance.now();
  const result = await start();
  timings.push(`${name} ${Math.round(performance.now() - began)} ms`);
  return result;
}

function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

function fulfilled<T>(result: PromiseSettledResult<T>): T {
  if (result.status !== 'fulfilled') {
    throw new Error('unreachable: checked above');
  }
  return result.value;
}

/** Starts the shared components and sets the variables the tests read. */
export default async function globalSetup(): Promise<void> {
  const began = performance.now();
  const timings: string[] = [];
  const results = await Promise.allSettled([
    timed('dynamodb', timings, () => startDynamoDb()),
    timed('sqs/sns', timings, () => startSqsSns()),
    timed('redis', timings, () => startRedis()),
    timed('kafka', timings, () => startKafkaMock()),
  ]);
  const stops: Stop[] = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.stop] : []));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [errorMessage(result.reason)] : []));
  if (failures.length > 0) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw new Error(`Integration harness: ${failures.length} local component(s) failed to start.\n\n${failures.join('\n\n')}`);
  }
  const dynamoDb = fulfilled(results[0]);
  const sqsSns = fulfilled(results[1]);
  const redis = fulfilled(results[2]);
  const kafka = fulfilled(results[3]);
  (globalThis as Record<string, unknown>)[STOPS_KEY] = stops;

  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: dynamoDb.endpoint,
    SQS_ENDPOINT: sqsSns.endpoint,
    REDIS_URL: redis.url,
    KAFKA_BROKERS: kafka.brokers.join(','),
    // AWS SDK v3 reads these natively (service-specific endpoints, checked with 3.1169/3.1175).
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
    AWS_ENDPOINT_URL_SQS: sqsSns.endpoint,
    AWS_ENDPOINT_URL_SNS: sqsSns.endpoint,
    AWS_REGION: 'us-east-1',
    // Throwaway credentials the emulators accept; they are valid nowhere else.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  delete process.env.AWS_SESSION_TOKEN;
  console.log(`\nharness: local components ready in ${Math.round(performance.now() - began)} ms (${timings.join(', ')})`);
}
