/** Command dispatch: handshake, admin and collection management; CRUD lives in crud.ts. */
import 'mingo/init/system';
import { Query } from 'mingo';
import type { Document } from 'bson';
import * as crud from './crud';
import { MongoCommandError } from './store';

type CommandContext = crud.CommandContext;
type Handler = (cmd: Document, context: CommandContext) => Document;

/** Commands that failure injection never touches, so connection setup and monitoring still work. */
export const HANDSHAKE_COMMANDS = new Set(['hello', 'isMaster', 'ismaster', 'endSessions']);

const SERVER_VERSION = '7.0.0';

/** The handshake reply: a standalone, writable server speaking wire version 21 (MongoDB 7.0). */
function hello(cmd: Document, connectionId: number): Document {
  return {
    ...(cmd.helloOk ? { helloOk: true } : {}),
    isWritablePrimary: true,
    ismaster: true,
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    // Announcing sessions makes the driver send lsid (ignored) and endSessions on close.
    logicalSessionTimeoutMinutes: 30,
    connectionId,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  };
}

function collectionInfo(name: string): Document {
  return { name, type: 'collection', options: {}, info: { readOnly: false }, idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } };
}

const handlers: Record<string, Handler> = {
  find: crud.find,
  insert: crud.insert,
  update: crud.update,
  delete: crud.remove,
  findAndModify: crud.findAndModify,
  findandmodify: crud.findAndModify,
  aggregate: crud.aggregate,
  count: crud.count,
  distinct: crud.distinct,
  getMore: (cmd, { cursors }) => cursors.more(Number(cmd.getMore), cmd.batchSize),
  killCursors: (cmd, { cursors }) => cursors.kill(((cmd.cursors ?? []) as unknown[]).map(Number)),
  ping: () => ({ ok: 1 }),
  endSessions: () => ({ ok: 1 }),
  buildInfo: () => ({ version: SERVER_VERSION, versionArray: [7, 0, 0, 0], gitVersion: 'reg-workers-emulator', bits: 64, maxBsonObjectSize: 16 * 1024 * 1024, ok: 1 }),
  create: (cmd, { store, db }) => {
    if (!store.ensure(db, cmd.create).created) {
      throw new MongoCommandError(`Collection ${db}.${cmd.create} already exists.`, 48, 'NamespaceExists');
    }
    return { ok: 1 };
  },
  drop: (cmd, { store, db }) => {
    const collection = store.find(db, cmd.drop);
    if (!collection || !store.drop(db, cmd.drop)) {
      throw new MongoCommandError('ns not found', 26, 'NamespaceNotFound');
    }
    return { ns: `${db}.${cmd.drop}`, nIndexesWas: collection.indexes.length, ok: 1 };
  },
  dropDatabase: (_cmd, { store, db }) => {
    store.dropDatabase(db);
    return { dropped: db, ok: 1 };
  },
  // Indexes are recorded so listIndexes shows them, but not enforced (except _id uniqueness).
  createIndexes: (cmd, { store, db }) => {
    const { collection, created } = store.ensure(db, cmd.createIndexes);
    const before = collection.indexes.length;
    for (const index of (cmd.indexes ?? []) as Document[]) {
      if (!collection.indexes.some((existing) => existing.name === index.name)) {
        collection.indexes.push({ name: index.name, key: index.key, unique: index.unique });
      }
    }
    return { createdCollectionAutomatically: created, numIndexesBefore: before, numIndexesAfter: collection.indexes.length, ok: 1 };
  },
  listIndexes: (cmd, { store, cursors, db }) => {
    const collection = store.find(db, cmd.listIndexes);
    if (!collection) {
      throw new MongoCommandError(`ns does not exist: ${db}.${cmd.listIndexes}`, 26, 'NamespaceNotFound');
    }
    const indexes = collection.indexes.map((index) => ({ v: 2, ...index }));
    return cursors.first(`${db}.${cmd.listIndexes}`, indexes, cmd.cursor?.batchSize);
  },
  dropIndexes: (cmd, { store, db }) => {
    const collection = store.find(db, cmd.dropIndexes);
    if (!collection) {
      throw new MongoCommandError('ns not found', 26, 'NamespaceNotFound');
    }
    const before = collection.indexes.length;
    const names = cmd.index === '*' ? null : [cmd.index].flat();
    const kept = collection.indexes.filter((index) => index.name === '_id_' || (names !== null && !names.includes(index.name)));
    collection.indexes.splice(0, collection.indexes.length, ...kept);
    return { nIndexesWas: before, ok: 1 };
  },
  listCollections: (cmd, { store, cursors, db }) => {
    const filter = new Query((cmd.filter ?? {}) as Document);
    const infos = store
      .collections(db)
      .map((collection) => collectionInfo(collection.name))
      .filter((info) => filter.test(info))
      .map((info) => (cmd.nameOnly ? { name: info.name, type: info.type } : info));
    return cursors.first(`${db}.$cmd.listCollections`, infos, cmd.cursor?.batchSize);
  },
  listDatabases: (cmd, { store }) => {
    const databases = store.databaseNames().map((name) => ({ name, sizeOnDisk: 0, empty: false }));
    const filter = new Query((cmd.filter ?? {}) as Document);
    return { databases: databases.filter((entry) => filter.test(entry)), totalSize: 0, ok: 1 };
  },
};

/** The command's name: the first key of its document. */
export function commandName(cmd: Document): string {
  return Object.keys(cmd)[0] ?? '';
}

/** Runs one command and returns its reply; failures become `{ ok: 0, errmsg, code, codeName }`. */
export function runCommand(cmd: Document, context: Omit<CommandContext, 'db'>, connectionId: number): Document {
  const name = commandName(cmd);
  try {
    if (name === 'hello' || name.toLowerCase() === 'ismaster') {
      return hello(cmd, connectionId);
    }
    const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
    if (!handler) {
      throw new MongoCommandError(`no such command: '${name}' (the local MongoDB emulator implements only what the project uses)`, 59, 'CommandNotFound');
    }
    return handler(cmd, { ...context, db: String(cmd.$db ?? 'admin') });
  } catch (error) {
    if (error instanceof MongoCommandError) {
      return { ok: 0, errmsg: error.message, code: error.code, codeName: error.codeName };
    }
    return { ok: 0, errmsg: `local MongoDB emulator error in ${name}: ${(error as Error).message}`, code: 1, codeName: 'InternalError' };
  }
}
