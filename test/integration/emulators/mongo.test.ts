import { MongoClient, MongoServerError, type CommandStartedEvent, type Db } from 'mongodb';
import { startMongoServer, type LocalMongo } from '../../../tools/local/emulators/mongo';
import { uniqueName } from '../../../tools/local/emulators/names';

// The project's testTimeout (60 s) is not applied to this project by jest; set it here.
jest.setTimeout(30000);

interface Market {
  campaign_id?: string;
  name: string;
  city?: string;
  created?: boolean;
  events?: string[];
  codes?: string[];
  n?: number;
  notified?: boolean;
}

interface User {
  _id: string;
}

describe('in-process MongoDB server through the official driver', () => {
  let mongo: LocalMongo;
  let client: MongoClient;
  let db: Db;
  const commands: CommandStartedEvent[] = [];

  beforeAll(async () => {
    // Always the in-process server: the last tests inject failures.
    mongo = await startMongoServer({ useExisting: false });
    client = new MongoClient(mongo.uri, { monitorCommands: true, serverSelectionTimeoutMS: 2000 });
    client.on('commandStarted', (event) => commands.push(event));
    await client.connect();
    db = client.db(uniqueName('harness'));
  });

  afterAll(async () => {
    await client?.close();
    await mongo?.stop();
  });

  it('answers handshake and admin commands', async () => {
    await expect(client.db('admin').command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    const info = await client.db('admin').command({ buildInfo: 1 });
    expect(info.version).toMatch(/^7\./);
    await db.collection('admin_probe').insertOne({ a: 1 });
    const { databases } = await client.db('admin').admin().listDatabases();
    expect(databases.map((entry) => entry.name)).toContain(db.databaseName);
    const collections = await db.listCollections({ name: 'admin_probe' }).toArray();
    expect(collections.map((entry) => entry.name)).toEqual(['admin_probe']);
    await expect(db.collection('admin_probe').createIndex({ a: 1 }, { unique: true })).resolves.toBe('a_1');
    await expect(db.collection('admin_probe').drop()).resolves.toBe(true);
    expect(await db.listCollections({ name: 'admin_probe' }).toArray()).toEqual([]);
  });

  it('pages a sorted, limited query over more than 1000 documents with getMore', async () => {
    const fans = db.collection<{ _id: number; score: number; name: string; tags: string[] }>('fans');
    const docs = Array.from({ length: 2500 }, (_, i) => ({ _id: i, score: (i * 7919) % 2500, name: `fan${i}`, tags: ['x'] }));
    const inserted = await fans.insertMany(docs);
    expect(inserted.insertedCount).toBe(2500);

    commands.length = 0;
    const page = await fans
      .find({ score: { $gte: 100 } }, { projection: { score: 1, _id: 0 } })
      .sort({ score: -1 })
      .skip(10)
      .limit(1200)
      .batchSize(250)
      .toArray();
    expect(page).toHaveLength(1200);
    expect(page[0]).toEqual({ score: 2489 });
    expect(page[1199]).toEqual({ score: 1290 });
    expect(commands.filter((event) => event.commandName === 'getMore').length).toBeGreaterThanOrEqual(4);

    await expect(fans.findOne({ name: 'fan42' }, { projection: { name: 1 } })).resolves.toEqual({ _id: 42, name: 'fan42' });
    await expect(fans.countDocuments({ score: { $lt: 100 } })).resolves.toBe(100);
    await expect(fans.estimatedDocumentCount()).resolves.toBe(2500);
  });

  it('closes an abandoned cursor with killCursors', async () => {
    const cursor = db.collection('fans').find({}).batchSize(10);
    await cursor.next();
    commands.length = 0;
    await cursor.close();
    expect(commands.map((event) => event.commandName)).toContain('killCursors');
  });

  it('updates with upsert and array operators, and finds-and-modifies', async () => {
    const markets = db.collection<Market>('markets');
    const first = await markets.updateOne({ campaign_id: 'c1', name: 'm1' }, { $set: { city: 'Oslo' }, $setOnInsert: { created: true } }, { upsert: true });
    expect(first).toMatchObject({ upsertedCount: 1, matchedCount: 0 });
    const second = await markets.updateOne(
      { campaign_id: 'c1', name: 'm1' },
      { $set: { city: 'Bergen' }, $push: { events: 'e1' }, $addToSet: { codes: { $each: ['a', 'b', 'a'] } }, $setOnInsert: { created: false } },
      { upsert: true },
    );
    expect(second).toMatchObject({ upsertedCount: 0, matchedCount: 1, modifiedCount: 1 });
    await markets.updateOne({ name: 'm1' }, { $pull: { codes: 'a' }, $unset: { city: '' } });
    expect(await markets.findOne({ name: 'm1' }, { projection: { _id: 0 } })).toEqual({
      campaign_id: 'c1',
      name: 'm1',
      created: true,
      events: ['e1'],
      codes: ['b'],
    });

    const noChange = await markets.updateOne({ name: 'm1' }, { $set: { campaign_id: 'c1' } });
    expect(noChange).toMatchObject({ matchedCount: 1, modifiedCount: 0 });

    await markets.insertMany([{ name: 'm2', n: 1 }, { name: 'm3', n: 2 }]);
    const many = await markets.updateMany({ n: { $exists: true } }, { $inc: { n: 10 } });
    expect(many.modifiedCount).toBe(2);

    const before = await markets.findOneAndUpdate({ name: 'm2' }, { $set: { notified: true } }, { returnDocument: 'before' });
    expect(before).toMatchObject({ name: 'm2', n: 11 });
    expect(before).not.toHaveProperty('notified');
    const after = await markets.findOneAndUpdate({ n: { $gte: 11 } }, { $inc: { n: 1 } }, { sort: { n: -1 }, returnDocument: 'after', projection: { _id: 0, name: 1, n: 1 } });
    expect(after).toEqual({ name: 'm3', n: 13 });
    const created = await markets.findOneAndUpdate({ name: 'm4' }, { $set: { n: 0 } }, { upsert: true, returnDocument: 'after' });
    expect(created).toMatchObject({ name: 'm4', n: 0 });
    await expect(markets.findOneAndUpdate({ name: 'nope' }, { $set: { n: 0 } })).resolves.toBeNull();
  });

  it('aggregates, bulk-writes and deletes', async () => {
    const entries = db.collection('entries');
    await entries.insertMany([
      { market: 'a', score: 1 },
      { market: 'a', score: 2 },
      { market: 'b', score: 5 },
    ]);
    const totals = await entries
      .aggregate([{ $match: { score: { $gt: 0 } } }, { $group: { _id: '$market', total: { $sum: '$score' } } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(totals).toEqual([
      { _id: 'a', total: 3 },
      { _id: 'b', total: 5 },
    ]);

    const bulk = await entries.bulkWrite([
      { insertOne: { document: { market: 'c', score: 9 } } },
      { updateOne: { filter: { market: 'b' }, update: { $set: { score: 6 } } } },
      { updateMany: { filter: { market: 'a' }, update: { $set: { seen: true } } } },
      { deleteOne: { filter: { market: 'c' } } },
      { replaceOne: { filter: { market: 'x' }, replacement: { market: 'x', score: 0 }, upsert: true } },
    ]);
    expect(bulk).toMatchObject({ insertedCount: 1, matchedCount: 3, modifiedCount: 3, deletedCount: 1, upsertedCount: 1 });

    const deleted = await entries.deleteMany({ market: 'a' });
    expect(deleted.deletedCount).toBe(2);
    expect(await entries.distinct('market')).toEqual(['b', 'x']);
    await expect(entries.deleteOne({ market: 'b' })).resolves.toMatchObject({ deletedCount: 1 });
    await expect(entries.countDocuments()).resolves.toBe(1);
  });

  it('rejects a duplicate _id like MongoDB (E11000)', async () => {
    const users = db.collection<User>('users');
    await users.insertOne({ _id: 'u1' });
    await expect(users.insertOne({ _id: 'u1' })).rejects.toMatchObject({ code: 11000 });
  });

  it('injects server errors with failNext', async () => {
    const server = mongo.server!;
    server.failNext(1, { commands: ['find'], code: 91, codeName: 'ShutdownInProgress', errmsg: 'going away' });
    // find is retried once on a retryable error, so one injected failure is absorbed…
    commands.length = 0;
    await expect(db.collection<User>('users').findOne({ _id: 'u1' })).resolves.toEqual({ _id: 'u1' });
    expect(commands.filter((event) => event.commandName === 'find')).toHaveLength(2);

    server.failNext(1, { commands: ['insert'] });
    const error = await db
      .collection<User>('users')
      .insertOne({ _id: 'u2' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 1, message: expect.stringContaining('injected failure') });
    // …and the next call works again.
    await expect(db.collection<User>('users').insertOne({ _id: 'u2' })).resolves.toMatchObject({ acknowledged: true });
  });

  it('makes the driver fail while the server is down, and recover after', async () => {
    const server = mongo.server!;
    const fragile = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 500, retryReads: false });
    try {
      await fragile.connect();
      const users = fragile.db(db.databaseName).collection<User>('users');
      server.setDown(true);
      try {
        const error = await users.findOne({}).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).name).toMatch(/MongoNetworkError|MongoServerSelectionError/);
      } finally {
        server.setDown(false);
      }
      // The driver rediscovers the server on its next heartbeat; poll rather than guess when.
      let count: number | undefined;
      for (const deadline = Date.now() + 15000; count === undefined && Date.now() < deadline; ) {
        count = await users.countDocuments().catch(() => undefined);
      }
      expect(count).toBe(2);
    } finally {
      await fragile.close();
    }
  });
});
