/**
 * MongoDB for tests. No MongoDB server can be installed on this machine, so by default this
 * is the in-process wire-protocol server in ./mongoServer (bson + mingo), which the official
 * driver talks to like a standalone MongoDB 7.0. `MONGODB_URI` points tests at a real server.
 */
import type { StartOptions } from './processes';
import { MongoWireServer } from './mongoServer/server';

export { MongoWireServer, type FailureOptions } from './mongoServer/server';

export interface LocalMongo {
  /** Connection string for `new MongoClient(uri)`. */
  uri: string;
  /** The in-process server for failure injection (failNext, setDown); null when MONGODB_URI is used. */
  server: MongoWireServer | null;
  stop(): Promise<void>;
}

/**
 * Starts an in-process MongoDB wire-protocol server on a free port (about 1 ms), or uses
 * `MONGODB_URI` when set (then `server` is null and stop() does nothing). Tests that inject
 * failures pass `{ useExisting: false }` so they always get a server they control.
 */
export async function startMongoServer(options: StartOptions = {}): Promise<LocalMongo> {
  const existing = process.env.MONGODB_URI;
  if (existing && options.useExisting !== false) {
    return { uri: existing, server: null, stop: async () => undefined };
  }
  const server = new MongoWireServer();
  try {
    await server.listen();
  } catch (error) {
    throw new Error(`In-process MongoDB server could not start: ${(error as Error).message}. To fix: free a local TCP port, or set MONGODB_URI to a running MongoDB.`);
  }
  return { uri: server.uri, server, stop: () => server.close() };
}
