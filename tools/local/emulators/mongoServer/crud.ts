/** CRUD and query commands: find, insert, update, delete, findAndModify, aggregate, count, distinct. */
import 'mingo/init/system';
import { Aggregator, Query } from 'mingo';
import type { Document } from 'bson';
import type { Cursors } from './cursors';
import { applyUpdate, upsertDocument } from './updates';
import { MongoCommandError, cloneDocument, idKey, type Collection, type Store } from './store';

/** What every command handler gets. */
export interface CommandContext {
  store: Store;
  cursors: Cursors;
  db: string;
}

function nonEmpty(spec: unknown): spec is Document {
  return typeof spec === 'object' && spec !== null && Object.keys(spec).length > 0;
}

function query(filter: unknown): Query {
  try {
    return new Query((filter ?? {}) as Document);
  } catch (error) {
    throw new MongoCommandError(`bad query: ${(error as Error).message}`, 2, 'BadValue');
  }
}

/** Sort spec without `$natural` (insertion order is already natural). */
function sortSpec(sort: unknown): Document | undefined {
  if (!nonEmpty(sort)) {
    return undefined;
  }
  const spec = Object.fromEntries(Object.entries(sort).filter(([key]) => !key.startsWith('$')));
  return Object.keys(spec).length > 0 ? spec : undefined;
}

function matching(collection: Collection | undefined, filter: unknown): Document[] {
  const q = query(filter);
  return (collection?.docs ?? []).filter((doc) => q.test(doc));
}

function firstMatching(collection: Collection | undefined, filter: unknown, sort?: unknown): Document | undefined {
  const spec = sortSpec(sort);
  if (!spec) {
    const q = query(filter);
    return collection?.docs.find((doc) => q.test(doc));
  }
  return query(filter).find(collection?.docs ?? []).sort(spec).next() as Document | undefined;
}

function project(doc: Document, projection: unknown): Document {
  return nonEmpty(projection) ? (new Query({}).find([doc], projection).next() as Document) : doc;
}

function writeResult(n: number, writeErrors: Document[], extra: Document = {}): Document {
  return { n, ...extra, ...(writeErrors.length > 0 ? { writeErrors } : {}), ok: 1 };
}

/** Runs `statement` per item; collects write errors, stopping at the first one when ordered. */
function eachStatement<T>(items: T[], ordered: boolean, run: (item: T, index: number) => void): Document[] {
  const writeErrors: Document[] = [];
  for (const [index, item] of items.entries()) {
    try {
      run(item, index);
    } catch (error) {
      if (!(error instanceof MongoCommandError)) {
        throw error;
      }
      writeErrors.push({ index, code: error.code, codeName: error.codeName, errmsg: error.message });
      if (ordered) {
        break;
      }
    }
  }
  return writeErrors;
}

/** `find`: filter, sort, skip, limit, projection, batchSize, singleBatch. */
export function find(cmd: Document, { store, cursors, db }: CommandContext): Document {
  const collection = store.find(db, cmd.find);
  let cursor = query(cmd.filter).find(collection?.docs ?? [], nonEmpty(cmd.projection) ? cmd.projection : {});
  const sort = sortSpec(cmd.sort);
  if (sort) {
    cursor = cursor.sort(sort);
  }
  if (cmd.skip) {
    cursor = cursor.skip(cmd.skip);
  }
  const limit = Math.abs(cmd.limit ?? 0);
  if (limit > 0) {
    cursor = cursor.limit(limit);
  }
  const singleBatch = cmd.singleBatch === true || (cmd.limit ?? 0) < 0;
  return cursors.first(`${db}.${cmd.find}`, cursor.all() as Document[], cmd.batchSize, singleBatch);
}

/** `insert`: documents in order; duplicate `_id`s become write errors (E11000). */
export function insert(cmd: Document, { store, db }: CommandContext): Document {
  const { collection } = store.ensure(db, cmd.insert);
  let n = 0;
  const writeErrors = eachStatement((cmd.documents ?? []) as Document[], cmd.ordered !== false, (doc) => {
    collection.insert(doc);
    n += 1;
  });
  return writeResult(n, writeErrors);
}

/** `update`: operator, replacement and pipeline updates, `multi`, `upsert`. */
export function update(cmd: Document, { store, db }: CommandContext): Document {
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const writeErrors = eachStatement((cmd.updates ?? []) as Document[], cmd.ordered !== false, (statement, index) => {
    const existing = store.find(db, cmd.update);
    const targets = statement.multi
      ? matching(existing, statement.q)
      : [firstMatching(existing, statement.q)].filter((doc): doc is Document => doc !== undefined);
    if (targets.length === 0 && statement.upsert) {
      const stored = store.ensure(db, cmd.update).collection.insert(upsertDocument(statement.q ?? {}, statement.u, statement.arrayFilters));
      n += 1;
      upserted.push({ index, _id: stored._id });
      return;
    }
    for (const target of targets) {
      const result = applyUpdate(target, statement.u, statement.arrayFilters, false);
      if (result.doc !== target) {
        existing?.replace(target, result.doc);
      }
      n += 1;
      nModified += result.changed ? 1 : 0;
    }
  });
  return writeResult(n, writeErrors, { nModified, ...(upserted.length > 0 ? { upserted } : {}) });
}

/** `delete`: `limit` 1 removes the first match, 0 all matches. */
export function remove(cmd: Document, { store, db }: CommandContext): Document {
  let n = 0;
  const writeErrors = eachStatement((cmd.deletes ?? []) as Document[], cmd.ordered !== false, (statement) => {
    const collection = store.find(db, cmd.delete);
    const targets = statement.limit === 1 ? [firstMatching(collection, statement.q)].filter((doc) => doc !== undefined) : matching(collection, statement.q);
    collection?.remove(targets as Document[]);
    n += targets.length;
  });
  return writeResult(n, writeErrors);
}

/** `findAndModify`: update or remove the first match by `sort`; `new`, `upsert`, `fields`. */
export function findAndModify(cmd: Document, { store, db }: CommandContext): Document {
  const name = cmd.findAndModify ?? cmd.findandmodify;
  const collection = store.find(db, name);
  const target = firstMatching(collection, cmd.query, cmd.sort);
  let value: Document | null = null;
  let lastErrorObject: Document;
  if (cmd.remove) {
    if (target) {
      collection?.remove([target]);
    }
    value = target ?? null;
    lastErrorObject = { n: target ? 1 : 0 };
  } else if (target) {
    const before = cloneDocument(target);
    const result = applyUpdate(target, cmd.update, cmd.arrayFilters, false);
    if (result.doc !== target) {
      collection?.replace(target, result.doc);
    }
    value = cmd.new ? result.doc : before;
    lastErrorObject = { n: 1, updatedExisting: true };
  } else if (cmd.upsert) {
    const stored = store.ensure(db, name).collection.insert(upsertDocument(cmd.query ?? {}, cmd.update, cmd.arrayFilters));
    value = cmd.new ? stored : null;
    lastErrorObject = { n: 1, updatedExisting: false, upserted: stored._id };
  } else {
    lastErrorObject = { n: 0, updatedExisting: false };
  }
  return { lastErrorObject, value: value && project(value, cmd.fields), ok: 1 };
}

/** `aggregate` on a collection, run by mingo (no `$out`/`$merge`). */
export function aggregate(cmd: Document, { store, cursors, db }: CommandContext): Document {
  if (typeof cmd.aggregate !== 'string') {
    throw new MongoCommandError('database-level aggregate is not supported by the local MongoDB emulator', 115, 'CommandNotSupported');
  }
  let pipeline = (cmd.pipeline ?? []) as Document[];
  if (pipeline.some((stage) => '$out' in stage || '$merge' in stage)) {
    throw new MongoCommandError('$out and $merge are not supported by the local MongoDB emulator', 115, 'CommandNotSupported');
  }
  let source = store.find(db, cmd.aggregate)?.docs ?? [];
  if (pipeline[0] && '$match' in pipeline[0]) {
    source = matching(store.find(db, cmd.aggregate), pipeline[0].$match);
    pipeline = pipeline.slice(1);
  }
  // Stages may modify their input, so they work on copies of the stored documents.
  const aggregator = new Aggregator(pipeline, {
    collectionResolver: (name: string) => (store.find(db, name)?.docs ?? []).map(cloneDocument),
  });
  const docs = aggregator.run(source.map(cloneDocument)) as Document[];
  return cursors.first(`${db}.${cmd.aggregate}`, docs, cmd.cursor?.batchSize);
}

/** `count` (estimatedDocumentCount and legacy count). */
export function count(cmd: Document, { store, db }: CommandContext): Document {
  let n = matching(store.find(db, cmd.count), cmd.query).length;
  n = Math.max(0, n - (cmd.skip ?? 0));
  if (cmd.limit) {
    n = Math.min(n, Math.abs(cmd.limit));
  }
  return { n, ok: 1 };
}

/** Values at a dotted path, descending into arrays the way MongoDB does. */
function valuesAt(value: unknown, path: string[]): unknown[] {
  if (path.length === 0) {
    return Array.isArray(value) ? value : [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item) => valuesAt(item, path));
  }
  if (typeof value !== 'object' || value === null) {
    return [];
  }
  const next = (value as Document)[path[0]];
  return next === undefined ? [] : valuesAt(next, path.slice(1));
}

/** `distinct` values of a (dotted) key among matching documents. */
export function distinct(cmd: Document, { store, db }: CommandContext): Document {
  const seen = new Map<string, unknown>();
  for (const doc of matching(store.find(db, cmd.distinct), cmd.query)) {
    for (const value of valuesAt(doc, String(cmd.key).split('.'))) {
      seen.set(idKey(value), value);
    }
  }
  return { values: [...seen.values()], ok: 1 };
}
