/**
 * The bad-input corpus through the real handlers of the SQS workers (their index.ts: adapter,
 * configuration, wiring and logic): every malformed, wrongly typed, oversized or otherwise
 * invalid record is rejected with a logged reason, never retried, and writes nothing anywhere;
 * odd but valid records are processed without prototype pollution and without forwarding
 * prototype-reaching keys; duplicates in one batch take effect once (or, where the worker
 * cannot tell, carry the same dedupe id).
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { entryKey } from '../../src/shared/aws/keys';
import type { BatchItemFailuresResponse } from '../../src/shared/runtime/batch';
import { sqsEvent } from '../doubles/runtime';
import { handler as processData } from '../../src/workers/dataPipeline/processData';
import { handler as sendData } from '../../src/workers/dataPipeline/sendData';
import { handler as upsertUsers } from '../../src/workers/registration/upsertUsers';
import { handler as retryScore } from '../../src/workers/replication/retryScore';
import { handler as saveEntries } from '../../src/workers/replication/saveEntries';
import { handler as refreshSelections } from '../../src/workers/selection/refreshSelections';
import { handler as saveSelections } from '../../src/workers/selection/saveSelections';
import { uniqueName } from '../../tools/local/emulators/names';
import type { RecordCase } from './generate';
import { MAX_RECORD_BYTES, commonBadBodies, generatedBadBodies, sized, workerCases } from './generate';
import type { BadInputWorld, Downstream } from './world';
import { expectNoPollution, expectNoSecret, forbiddenKeyPaths, rejectionOf, startBadInputWorld } from './world';

type Handler = (event: SQSEvent) => Promise<BatchItemFailuresResponse>;

const NS = uniqueName('bad-sqs');
/** A second namespace for the duplicate-delivery cases, so they start from nothing done. */
const DUP = `${NS}-dup`;
/** A third, for the batches of records Lambda cannot name. */
const IDS = `${NS}-ids`;
const cases = workerCases(NS);
const dupCases = workerCases(DUP);
const idsCases = workerCases(IDS);
const badBodies = [...commonBadBodies(), ...generatedBadBodies()];

let world: BadInputWorld;
let seq = 0;
const nextId = () => `bad-${++seq}`;

/** What each worker's odd-but-valid records need to exist downstream before they arrive. */
async function seed(ns: string): Promise<void> {
  const { fakes, db } = world;
  const item = (fan: string, updated: string) => ({
    ...entryKey(`c-${ns}`, fan),
    type: 'registration',
    campaignId: `c-${ns}`,
    globalUserId: fan,
    needsReplication: true,
    date: { created: '2026-05-01T10:00:00.000Z', updated, fanModified: '2026-05-01T10:00:00.000Z' },
  });
  await Promise.all(
    [item('g-odd', '2026-05-01T10:00:00.000Z'), item('g-far', '+275760-09-13T00:00:00.001Z')].map((Item) =>
      db.client.send(new PutCommand({ TableName: db.name, Item })),
    ),
  );
  fakes.entries.entries.set(`c-${ns}:u-odd`, { campaignId: `c-${ns}`, userId: 'u-odd' });
  fakes.entries.seedScoring(`c-${ns}`, [
    {
      userId: '000000000000000000000009',
      globalUserId: 'g-odd',
      verdict: true,
      marketIds: ['m1'],
      codes: [{ id: 'OLD-1', marketId: 'm1' }],
    },
  ]);
  fakes.campaigns.seedCampaign({
    id: `c-${ns}`,
    markets: [{ id: 'm1', campaign_id: `c-${ns}`, event: { ids: ['E1'] } }],
  });
}

beforeAll(async () => {
  world = await startBadInputWorld('bad-sqs', NS);
  await Promise.all([seed(NS), seed(DUP), seed(IDS)]);
});
afterAll(async () => {
  await world?.stop();
});

const WORKERS: Record<string, Handler> = {
  upsertUsers,
  retryScore,
  saveEntries,
  saveSelections,
  refreshSelections,
  processData,
  sendData,
};

const eventOf = (c: RecordCase, id: string): SQSEvent =>
  sqsEvent([typeof c.body === 'string' ? JSON.stringify(c.body) : c.body], {
    ids: [id],
    ...(c.type ? { attributes: { type: c.type } } : {}),
  });

/**
 * Runs a one-record batch and checks it was rejected: a logged reason, no retry, nothing
 * written (Kafka, which is slow to read, is checked once for all of sendData's cases).
 */
async function expectRejected(handler: Handler, event: SQSEvent): Promise<void> {
  const id = event.Records[0].messageId;
  const before = await world.mark();
  const response = await handler(event);
  expect(response.batchItemFailures).toEqual([]);
  const line = rejectionOf(world.logs, id);
  expect(line?.data?.reason).toEqual(expect.stringMatching(/\S/));
  // The reason names the problem; it does not repeat a megabyte of payload.
  expect(JSON.stringify(line).length).toBeLessThan(2048);
  const after = await world.since(before);
  expect({ writes: after.writes, items: after.items, messages: after.messages }).toEqual({
    writes: [],
    items: [],
    messages: [],
  });
  expectNoPollution();
  expectNoSecret(NS, after, world.logs);
}

/** Runs a batch that must be processed whole; returns what reached the downstream components. */
async function expectProcessed(handler: Handler, event: SQSEvent, ns: string): Promise<Downstream> {
  const before = await world.mark();
  const response = await handler(event);
  expect(response.batchItemFailures).toEqual([]);
  for (const r of event.Records.filter((record) => record?.messageId)) {
    expect(rejectionOf(world.logs, r.messageId)).toBeUndefined();
  }
  const after = await world.since(before);
  const text = JSON.stringify(after);
  expect(text).toContain(ns);
  expect(forbiddenKeyPaths(after)).toEqual([]);
  expectNoPollution();
  expectNoSecret(ns, after, world.logs);
  return after;
}

describe.each(Object.keys(WORKERS))('%s', (worker) => {
  const handler = WORKERS[worker];
  let kafkaBefore: Awaited<ReturnType<BadInputWorld['mark']>> | undefined;
  if (worker === 'sendData') {
    beforeAll(async () => {
      kafkaBefore = await world.mark({ kafka: true });
    });
  }

  it.each(badBodies.map((b) => [b.name, b.raw] as const))('rejects a body that is %s', async (_name, raw) => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      await expectRejected(handler, sqsEvent([raw], { ids: [nextId()] }));
      if (Buffer.byteLength(raw) > MAX_RECORD_BYTES) {
        // Refused on its size, before any parser saw it.
        expect(parse.mock.calls.some(([text]) => text === raw)).toBe(false);
      }
    } finally {
      parse.mockRestore();
    }
  });

  const invalid = cases.sqs[worker].invalid;
  it.each(invalid.map((c) => [c.name, c] as const))('rejects a record with %s', async (_name, c) => {
    await expectRejected(handler, eventOf(c, nextId()));
  });

  if (worker === 'sendData') {
    it('published nothing to Kafka for any of the records above', async () => {
      expect((await world.since(kafkaBefore!)).kafka).toEqual([]);
    });
  }

  const valid = cases.sqs[worker].valid;
  if (valid.length > 0) {
    it.each(valid.map((c) => [c.name, c] as const))(
      'processes a record with %s, forwarding no prototype keys',
      async (_name, c) => {
        const after = await expectProcessed(handler, eventOf(c, nextId()), NS);
        const text = JSON.stringify(after);
        if (JSON.stringify(c.body).includes('KEPT-')) {
          // The documented field beside the planted secrets arrives; the secrets do not (expectProcessed).
          expect(text).toContain(`KEPT-${NS}`);
        }
        if (text.includes(`MARK-${NS}`)) {
          // Unicode, bidi and control characters arrive exactly as sent.
          expect(text).toContain(
            JSON.stringify(`Zo\u00eb \u202e\u0007\u200b \u{1F600} \u0645\u0631\u062d\u0628\u0627 MARK-${NS}`).slice(
              1,
              -1,
            ),
          );
        }
      },
    );
  }
});

describe('records Lambda cannot name in the batch response', () => {
  // Lambda fails a whole batch on an empty or missing itemIdentifier, so a record without a
  // usable messageId (or not even an object) is rejected alone by its index; its batch-mates complete.
  it.each(Object.keys(WORKERS).filter((w) => cases.sqs[w].valid.length > 0))(
    '%s rejects null, a number and records without a messageId, and processes the valid one',
    async (worker) => {
      const good = eventOf(idsCases.sqs[worker].valid[0], nextId()).Records[0];
      const { messageId: _dropped, ...withoutId } = good;
      const event = { Records: [null, good, 7, { ...good, messageId: '' }, withoutId] } as unknown as SQSEvent;
      const from = world.logs.length;
      await expectProcessed(WORKERS[worker], event, IDS);
      const rejected = world.logs.slice(from).filter((l) => l.message === 'record rejected');
      expect(rejected.map((l) => l.data?.index).sort()).toEqual([0, 2, 3, 4]);
      expect(rejected.every((l) => l.level === 'warn' && /\S/.test(String(l.data?.reason)))).toBe(true);
    },
  );
});

describe('duplicate deliveries in one batch', () => {
  const twice = (worker: string) => {
    const c = dupCases.sqs[worker].valid[0];
    const one = eventOf(c, nextId()).Records[0];
    return { Records: [one, { ...one, messageId: nextId() }] };
  };
  const requestsTo = (after: Downstream, service: string) =>
    (after.writes as { service: string; body: unknown }[]).filter((w) => w.service === service).map((w) => w.body);

  it('upsertUsers sends the user once', async () => {
    const after = await expectProcessed(upsertUsers, twice('upsertUsers'), DUP);
    expect(requestsTo(after, 'users').flat()).toHaveLength(1);
  });

  it('retryScore refreshes the entry once', async () => {
    const after = await expectProcessed(retryScore, twice('retryScore'), DUP);
    expect(requestsTo(after, 'entries').flatMap((b) => (b as { entries: unknown[] }).entries)).toHaveLength(1);
  });

  it('saveEntries replicates the entry once', async () => {
    const after = await expectProcessed(saveEntries, twice('saveEntries'), DUP);
    expect(requestsTo(after, 'entries').flatMap((b) => (b as { entries: unknown[] }).entries)).toHaveLength(1);
  });

  it('saveSelections assigns the code once', async () => {
    const after = await expectProcessed(saveSelections, twice('saveSelections'), DUP);
    expect(requestsTo(after, 'entries').flat()).toHaveLength(1);
  });

  it('refreshSelections refreshes the market once', async () => {
    const after = await expectProcessed(refreshSelections, twice('refreshSelections'), DUP);
    expect(after.messages).toHaveLength(1);
  });

  it('processData publishes the record twice with one dedupe id, for consumers to drop the repeat', async () => {
    const after = await expectProcessed(processData, twice('processData'), DUP);
    const ids = (after.messages as { body: { dedupe: { id: string } } }[]).map((m) => m.body.dedupe.id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
  });
});

describe('records at the 1 MiB limit', () => {
  it('upsertUsers accepts a body of exactly 1 MiB and upserts it', async () => {
    // In a documented attribute: only those reach User Service.
    const raw = sized(MAX_RECORD_BYTES, (firstName) => ({ globalUserId: `u-${NS}-big`, firstName }));
    await expectProcessed(upsertUsers, sqsEvent([raw], { ids: [nextId()] }), NS);
    const stored = String(world.fakes.users.users.get(`u-${NS}-big`)?.firstName ?? '');
    expect(stored.length).toBe((JSON.parse(raw) as { firstName: string }).firstName.length);
  });

  it('processData rejects a 1 MiB record, over the 256 KiB SNS message limit, with the reason', async () => {
    const raw = sized(MAX_RECORD_BYTES, (name) => ({ type: 'campaign', data: { id: `c-${NS}-big`, name } }));
    await expectRejected(processData, sqsEvent([raw], { ids: [nextId()] }));
    expect(world.logs.at(-2)?.data?.reason ?? world.logs.map((l) => l.data?.reason).join()).toMatch(/SNS limit/);
  });
});

describe('a record nested too deep to forward does not fail its batch-mates', () => {
  const DEPTH = 100_000;
  /** JSON of `value` with the string "__DEEP__" replaced by arrays nested DEPTH deep (JSON.stringify itself overflows on them). */
  const withDeep = (value: unknown) =>
    JSON.stringify(value).replace('"__DEEP__"', `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`);
  const pair = (poison: string, good: unknown, type?: string): SQSEvent =>
    sqsEvent([poison, good], { ids: [nextId(), nextId()], ...(type ? { attributes: { type } } : {}) });

  const check = async (handler: Handler, event: SQSEvent, kafka = false) => {
    const [poison, good] = event.Records.map((r) => r.messageId);
    const before = await world.mark({ kafka });
    const response = await handler(event);
    expect(response.batchItemFailures).toEqual([]);
    expect(rejectionOf(world.logs, poison)?.data?.reason).toEqual(expect.stringMatching(/\S/));
    expect(rejectionOf(world.logs, good)).toBeUndefined();
    const after = await world.since(before);
    expect(JSON.stringify(after)).toContain(`${NS}-ok`);
    expectNoPollution();
  };

  it('upsertUsers', async () => {
    await check(
      upsertUsers,
      pair(withDeep({ globalUserId: `u-${NS}-deep`, nested: '__DEEP__' }), { globalUserId: `u-${NS}-ok` }),
    );
  });

  it('saveEntries', async () => {
    const entry = (fan: string) => ({
      ...entryKey(`c-${NS}`, fan),
      type: 'registration',
      campaignId: `c-${NS}`,
      globalUserId: fan,
      date: { updated: '2026-05-01T10:00:00.000Z' },
    });
    await Promise.all(
      [entry(`g-${NS}-deep`), entry(`g-${NS}-ok`)].map((Item) =>
        world.db.client.send(new PutCommand({ TableName: world.db.name, Item })),
      ),
    );
    await check(
      saveEntries,
      pair(withDeep({ operation: 'INSERT', newItem: { ...entry(`g-${NS}-deep`), fields: '__DEEP__' } }), {
        operation: 'INSERT',
        newItem: entry(`g-${NS}-ok`),
      }),
    );
  });

  it('processData', async () => {
    await check(
      processData,
      pair(withDeep({ type: 'campaign', data: { id: `c-${NS}-deep`, image: '__DEEP__' } }), {
        type: 'campaign',
        data: { id: `c-${NS}-ok`, name: 'ok' },
      }),
    );
  });

  it('sendData', async () => {
    const record = (id: string, image: unknown) => ({
      campaignId: id,
      image,
      dedupe: { id: 'a'.repeat(64), timestamp: '2026-01-01T00:00:00.000Z' },
    });
    await check(
      sendData,
      pair(withDeep(record(`c-${NS}-deep`, { a: '__DEEP__' })), record(`c-${NS}-ok`, {}), 'campaign'),
      true,
    );
  });
});
