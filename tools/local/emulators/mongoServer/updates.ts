/** Applying MongoDB update documents, replacements and pipelines, including upserts. */
import 'mingo/init/system';
import { Aggregator, update as mingoUpdate } from 'mingo';
import { EJSON, ObjectId, type Document } from 'bson';
import { MongoCommandError, cloneDocument } from './store';

type MingoUpdateExpression = Parameters<typeof mingoUpdate>[1];

function isOperatorDocument(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).some((key) => key.startsWith('$'));
}

function sameDocument(a: Document, b: Document): boolean {
  return EJSON.stringify(a, { relaxed: false }) === EJSON.stringify(b, { relaxed: false });
}

function applyOperator(doc: Document, operator: string, fields: Document, arrayFilters: Document[] | undefined): boolean {
  try {
    return mingoUpdate(doc, { [operator]: fields } as unknown as MingoUpdateExpression, arrayFilters).length > 0;
  } catch (error) {
    throw new MongoCommandError(`update ${operator} failed: ${(error as Error).message}`, 9, 'FailedToParse');
  }
}

/**
 * Applies `update` (operators, replacement or pipeline) to `doc`. Operator updates change
 * `doc` in place; replacements and pipelines return a new document with the same `_id`.
 * `$setOnInsert` applies only when `isInsert`.
 */
export function applyUpdate(
  doc: Document,
  update: Document | Document[],
  arrayFilters: Document[] | undefined,
  isInsert: boolean,
): { doc: Document; changed: boolean } {
  if (Array.isArray(update)) {
    const [result] = new Aggregator(update).run([cloneDocument(doc)]) as Document[];
    const next = { ...result, _id: doc._id };
    return { doc: next, changed: !sameDocument(doc, next) };
  }
  if (!isOperatorDocument(update)) {
    const { _id: _ignored, ...fields } = update as Document;
    const next = doc._id === undefined ? fields : { _id: doc._id, ...fields };
    return { doc: next, changed: !sameDocument(doc, next) };
  }
  let changed = false;
  for (const [operator, fields] of Object.entries(update as Document) as Array<[string, Document]>) {
    if (operator === '$setOnInsert') {
      changed = (isInsert && applyOperator(doc, '$set', fields, arrayFilters)) || changed;
    } else if (operator === '$currentDate') {
      // mingo stores a number; MongoDB stores a Date.
      const now = new Date();
      const dates = Object.fromEntries(Object.keys(fields).map((path) => [path, now]));
      changed = applyOperator(doc, '$set', dates, arrayFilters) || changed;
    } else {
      changed = applyOperator(doc, operator, fields, arrayFilters) || changed;
    }
  }
  return { doc, changed };
}

/** Equality conditions of a query, as the seed document of an upsert. */
function seedFromQuery(query: Document, seed: Document): void {
  for (const [key, value] of Object.entries(query)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const part of value as Document[]) {
        seedFromQuery(part, seed);
      }
    } else if (!key.startsWith('$')) {
      if (!isOperatorDocument(value)) {
        applyOperator(seed, '$set', { [key]: value }, undefined);
      } else if ('$eq' in (value as Document)) {
        applyOperator(seed, '$set', { [key]: value.$eq }, undefined);
      }
    }
  }
}

/** The document an upsert inserts when nothing matched `query`. */
export function upsertDocument(query: Document, update: Document | Document[], arrayFilters: Document[] | undefined): Document {
  const seed: Document = {};
  seedFromQuery(query, seed);
  const { doc } = applyUpdate(seed, update, arrayFilters, true);
  if (doc._id === undefined) {
    return { _id: new ObjectId(), ...doc };
  }
  return doc;
}
