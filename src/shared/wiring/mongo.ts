import type { Db } from 'mongodb';
import { getConfig } from '../config';
import { resolveMongoUri, sharedMongoClient } from '../mongo/client';
import { secrets } from './aws';

/** A MongoDB database by name over the shared connection (URI from MONGODB_URI or the configured secret). */
export async function mongoDb(name: string): Promise<Db> {
  const { mongo, aws } = getConfig();
  const client = await sharedMongoClient(
    () => resolveMongoUri(secrets(), aws.secrets.mongoUri),
    mongo.serverSelectionTimeoutMs,
  );
  return client.db(name);
}
