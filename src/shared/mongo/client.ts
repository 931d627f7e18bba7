import type { MongoClient } from 'mongodb';
import type { SecretCache } from '../aws/secrets';
import { loadMongoDriver } from './driver';

let client: Promise<MongoClient> | undefined;

/**
 * The MongoDB connection string: `MONGODB_URI` when set (local runs, tests), else the
 * Secrets Manager secret named by config `aws.secrets.mongoUri` (SecretString is the URI).
 */
export async function resolveMongoUri(secrets: SecretCache, secretId: string): Promise<string> {
  const fromEnv = process.env.MONGODB_URI;
  if (fromEnv) {
    return fromEnv;
  }
  if (!secretId) {
    throw new Error('MongoDB is not configured: set MONGODB_URI or config aws.secrets.mongoUri (MONGO_URI_SECRET_ID)');
  }
  return secrets.getString(secretId);
}

/** One connected MongoClient per execution environment; a failed connect is retried on the next call. */
export function sharedMongoClient(uri: () => Promise<string>, serverSelectionTimeoutMS: number): Promise<MongoClient> {
  client ??= Promise.all([uri(), loadMongoDriver()])
    .then(([u, { MongoClient }]) => new MongoClient(u, { serverSelectionTimeoutMS, maxPoolSize: 5 }).connect())
    .catch((error) => {
      client = undefined;
      throw error;
    });
  return client;
}

/** Closes the shared client (tests and local tools that must exit). */
export async function closeSharedMongoClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    await (await c.catch(() => undefined))?.close();
  }
}
