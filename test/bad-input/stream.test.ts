/**
 * The bad-input corpus through the real handlers of the demand-table stream workers
 * (enqueueEntries, markAssignedCodes): Kinesis records whose data is not a DynamoDB change
 * record, or a change record the worker cannot act on, are rejected with a logged reason and
 * never retried; odd but valid changes are processed without forwarding prototype-reaching keys.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import type { BatchItemFailuresResponse } from '../../src/shared/runtime/batch';
import { kinesisEvent } from '../doubles/runtime';
import { handler as enqueueEntries } from '../../src/workers/replication/enqueueEntries';
import { handler as markAssignedCodes } from '../../src/workers/selection/markAssignedCodes';
import { uniqueName } from '../../tools/local/emulators/names';
import { MAX_RECORD_BYTES, commonBadBodies, generatedBadBodies, workerCases } from './generate';
import type { BadInputWorld, Downstream } from './world';
import { expectNoPollution, expectNoSecret, forbiddenKeyPaths, rejectionOf, startBadInputWorld } from './world';

type Handler = (event: KinesisStreamEvent) => Promise<BatchItemFailuresResponse>;

const NS = uniqueName('bad-stream');
const cases = workerCases(NS);
const badBodies = [...commonBadBodies(), ...generatedBadBodies()];
const WORKERS: Record<string, Handler> = { enqueueEntries, markAssignedCodes };

let world: BadInputWorld;
let sequence = 1000;
/** A Kinesis event of the given changes (or raw data strings) with sequence numbers not used before. */
const streamEvent = (changes: unknown[]) => {
  const event = kinesisEvent(changes, sequence);
  sequence += changes.length;
  return event;
};

beforeAll(async () => {
  world = await startBadInputWorld('bad-stream', NS);
  world.fakes.codes.seedCodes(`c-${NS}`, 'external', ['CODE-ODD', 'CODE-X']);
});
afterAll(async () => {
  await world?.stop();
});

async function run(handler: Handler, event: KinesisStreamEvent) {
  const before = await world.mark();
  const response = await handler(event);
  return { response, after: await world.since(before) };
}

describe.each(Object.keys(WORKERS))('%s', (worker) => {
  const handler = WORKERS[worker];
  const expectRejected = async (event: KinesisStreamEvent) => {
    const { response, after } = await run(handler, event);
    expect(response.batchItemFailures).toEqual([]);
    const line = rejectionOf(world.logs, event.Records[0].kinesis.sequenceNumber);
    expect(line?.data?.reason).toEqual(expect.stringMatching(/\S/));
    expect(JSON.stringify(line).length).toBeLessThan(2048);
    expect({ writes: after.writes, items: after.items, messages: after.messages }).toEqual({
      writes: [],
      items: [],
      messages: [],
    });
    expectNoPollution();
    expectNoSecret(NS, after, world.logs);
  };

  it.each(badBodies.map((b) => [b.name, b.raw] as const))('rejects record data that is %s', async (_name, raw) => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      await expectRejected(streamEvent([raw]));
      if (Buffer.byteLength(raw) > MAX_RECORD_BYTES) {
        expect(parse.mock.calls.some(([text]) => text === raw)).toBe(false);
      }
    } finally {
      parse.mockRestore();
    }
  });

  it.each(cases.stream[worker].invalid.map((c) => [c.name, c] as const))(
    'rejects a change with %s',
    async (_name, c) => {
      await expectRejected(streamEvent([c.change]));
    },
  );

  it.each(cases.stream[worker].valid.map((c) => [c.name, c] as const))(
    'processes a change with %s',
    async (_name, c) => {
      const { response, after } = await run(handler, streamEvent([c.change]));
      expect(response.batchItemFailures).toEqual([]);
      expect(JSON.stringify(after)).toContain(NS);
      expect(forbiddenKeyPaths(after)).toEqual([]);
      expectNoPollution();
      expectNoSecret(NS, after, world.logs);
      inspect[worker]?.(after);
    },
  );
});

/** What each worker's valid change must have produced. */
const inspect: Record<string, (after: Downstream) => void> = {
  enqueueEntries: (after) => {
    const [message] = after.messages as { body: { operation: string; newItem: Record<string, unknown> } }[];
    expect(message.body.operation).toBe('INSERT');
    // Characters outside the Basic Multilingual Plane cross the local SQS as they cross SQS.
    expect(message.body.newItem.name).toBe(
      `Zo\u00eb \u202e\u0007\u200b \u{1F600} \u0645\u0631\u062d\u0628\u0627 MARK-${NS}`,
    );
  },
  markAssignedCodes: (after) => {
    // Only the one well-formed new code is marked; the junk entries are ignored.
    expect((after.writes as { path: string; body: unknown }[]).map((w) => [w.path, w.body])).toEqual([
      [`/c-${NS}/assign`, { codes: ['CODE-ODD'] }],
    ]);
  },
};

describe('a record nested too deep to decode does not fail its batch-mates', () => {
  const DEPTH = 100_000;
  it('enqueueEntries rejects it and queues the other change', async () => {
    const image = (fan: string) => ({
      PK: { S: `e:c-${NS}` },
      SK: { S: `entry#${fan}` },
      type: { S: 'registration' },
      campaignId: { S: `c-${NS}` },
      globalUserId: { S: fan },
    });
    const change = (fan: string, extra = '') =>
      JSON.stringify({
        eventName: 'INSERT',
        dynamodb: {
          Keys: { PK: { S: `e:c-${NS}` }, SK: { S: `entry#${fan}` } },
          NewImage: { ...image(fan), deep: '__DEEP__' },
        },
      }).replace('"__DEEP__"', extra || '{"S":"shallow"}');
    const deep = `${'{"L":['.repeat(DEPTH)}{"S":"x"}${']}'.repeat(DEPTH)}`;
    const event = streamEvent([change('g-deep', deep), change(`g-${NS}-ok`)]);
    const { response, after } = await run(enqueueEntries, event);
    expect(response.batchItemFailures).toEqual([]);
    expect(rejectionOf(world.logs, event.Records[0].kinesis.sequenceNumber)?.data?.reason).toEqual(
      expect.stringMatching(/\S/),
    );
    expect(JSON.stringify(after.messages)).toContain(`g-${NS}-ok`);
    expectNoPollution();
  });
});
