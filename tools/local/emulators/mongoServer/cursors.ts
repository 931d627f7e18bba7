/** Server-side cursors: the first batch goes in the reply, the rest waits for getMore. */
import { Long, calculateObjectSize, type Document } from 'bson';
import { MongoCommandError } from './store';

/** What MongoDB uses when a find or aggregate names no batch size. */
const DEFAULT_FIRST_BATCH = 101;
/** A batch stops growing at 16 MiB, like the real server's. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

interface OpenCursor {
  ns: string;
  docs: Document[];
  position: number;
}

function takeBatch(docs: Document[], from: number, maxCount: number): Document[] {
  const batch: Document[] = [];
  let bytes = 0;
  for (let i = from; i < docs.length && batch.length < maxCount; i += 1) {
    bytes += calculateObjectSize(docs[i]);
    if (batch.length > 0 && bytes > MAX_BATCH_BYTES) {
      break;
    }
    batch.push(docs[i]);
  }
  return batch;
}

/** Open cursors of one server. */
export class Cursors {
  private nextId = 1;
  private readonly open = new Map<number, OpenCursor>();

  /** Reply for find/aggregate/listX: `{ cursor: { firstBatch, id, ns } }`, keeping the rest open. */
  first(ns: string, docs: Document[], batchSize: number | undefined, singleBatch = false): Document {
    const firstBatch = takeBatch(docs, 0, singleBatch ? Infinity : (batchSize ?? DEFAULT_FIRST_BATCH));
    let id = 0;
    if (!singleBatch && firstBatch.length < docs.length) {
      id = this.nextId;
      this.nextId += 1;
      this.open.set(id, { ns, docs, position: firstBatch.length });
    }
    return { cursor: { firstBatch, id: Long.fromNumber(id), ns }, ok: 1 };
  }

  /** Reply for getMore; without a batch size it returns everything left (up to 16 MiB). */
  more(id: number, batchSize: number | undefined): Document {
    const cursor = this.open.get(id);
    if (!cursor) {
      throw new MongoCommandError(`cursor id ${id} not found`, 43, 'CursorNotFound');
    }
    const nextBatch = takeBatch(cursor.docs, cursor.position, batchSize && batchSize > 0 ? batchSize : Infinity);
    cursor.position += nextBatch.length;
    const exhausted = cursor.position >= cursor.docs.length;
    if (exhausted) {
      this.open.delete(id);
    }
    return { cursor: { nextBatch, id: Long.fromNumber(exhausted ? 0 : id), ns: cursor.ns }, ok: 1 };
  }

  /** Reply for killCursors. */
  kill(ids: number[]): Document {
    const killed = ids.filter((id) => this.open.delete(id));
    const notFound = ids.filter((id) => !killed.includes(id));
    return { cursorsKilled: killed.map((id) => Long.fromNumber(id)), cursorsNotFound: notFound.map((id) => Long.fromNumber(id)), cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  /** Forgets all cursors. */
  clear(): void {
    this.open.clear();
  }
}
