/** In-memory databases and collections for the wire-protocol server. */
import { EJSON, ObjectId, deserialize, serialize, type Document } from 'bson';

export interface IndexSpec {
  name: string;
  key: Document;
  unique?: boolean;
}

/** Thrown by store operations; the command layer turns it into `{ ok: 0, code, errmsg }`. */
export class MongoCommandError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly codeName: string,
  ) {
    super(message);
  }
}

/** Canonical key of an `_id` value, so equal ids of any BSON type collide. */
export function idKey(id: unknown): string {
  return EJSON.stringify({ id }, { relaxed: false });
}

/** Deep copy through BSON, which keeps ObjectId, Date, Binary, Decimal128 intact. */
export function cloneDocument<T extends Document>(doc: T): T {
  return deserialize(serialize(doc)) as T;
}

/** One collection: documents in insertion order plus a unique `_id` index. */
export class Collection {
  docs: Document[] = [];
  readonly ids = new Map<string, Document>();
  readonly indexes: IndexSpec[] = [{ name: '_id_', key: { _id: 1 } }];

  constructor(
    readonly db: string,
    readonly name: string,
  ) {}

  /** Adds a document, giving it an ObjectId `_id` when it has none; rejects duplicate ids. */
  insert(doc: Document): Document {
    const { _id, ...rest } = doc;
    const stored: Document = { _id: _id === undefined ? new ObjectId() : _id, ...rest };
    const key = idKey(stored._id);
    if (this.ids.has(key)) {
      throw new MongoCommandError(
        `E11000 duplicate key error collection: ${this.db}.${this.name} index: _id_ dup key: { _id: ${EJSON.stringify(stored._id)} }`,
        11000,
        'DuplicateKey',
      );
    }
    this.ids.set(key, stored);
    this.docs.push(stored);
    return stored;
  }

  /** Swaps a stored document for a new version with the same `_id`. */
  replace(current: Document, next: Document): void {
    const index = this.docs.indexOf(current);
    if (index >= 0) {
      this.docs[index] = next;
    }
    this.ids.set(idKey(next._id), next);
  }

  /** Removes the given stored documents. */
  remove(docs: readonly Document[]): void {
    if (docs.length === 0) {
      return;
    }
    const gone = new Set(docs);
    this.docs = this.docs.filter((doc) => !gone.has(doc));
    for (const doc of docs) {
      this.ids.delete(idKey(doc._id));
    }
  }
}

/** All databases held by one server. */
export class Store {
  private readonly databases = new Map<string, Map<string, Collection>>();

  /** The collection, or undefined when it does not exist. */
  find(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** The collection, created (with its database) when missing. */
  ensure(db: string, name: string): { collection: Collection; created: boolean } {
    let collections = this.databases.get(db);
    if (!collections) {
      collections = new Map();
      this.databases.set(db, collections);
    }
    const existing = collections.get(name);
    if (existing) {
      return { collection: existing, created: false };
    }
    const collection = new Collection(db, name);
    collections.set(name, collection);
    return { collection, created: true };
  }

  /** Collections of a database (empty when it does not exist). */
  collections(db: string): Collection[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  /** Names of databases that hold at least one collection. */
  databaseNames(): string[] {
    return [...this.databases.entries()].filter(([, collections]) => collections.size > 0).map(([name]) => name);
  }

  /** Drops a collection; false when it did not exist. */
  drop(db: string, name: string): boolean {
    return this.databases.get(db)?.delete(name) ?? false;
  }

  /** Drops a database. */
  dropDatabase(db: string): void {
    this.databases.delete(db);
  }

  /** Forgets everything. */
  clear(): void {
    this.databases.clear();
  }
}
