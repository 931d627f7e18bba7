/**
 * The bad-input corpus through the real handlers of the directly invoked and scheduled workers
 * (enqueueMarketSelections, getMarketsToNotify, planSends, triggerReminderEmail,
 * notificationGenerator). Lambda hands them an already-parsed payload (a payload that is not
 * JSON is refused by Lambda before the function runs), so the corpus is fed as parsed values:
 * an unusable input fails with an InvalidInputError that names the problem, before anything is
 * called or written; an input the worker ignores or can work around runs normally.
 */
import { handler as enqueueMarketSelections } from '../../src/workers/selection/enqueueMarketSelections';
import { encodeCursor } from '../../src/workers/selection/enqueueMarketSelections/input';
import { handler as getMarketsToNotify } from '../../src/workers/notification/getMarketsToNotify';
import { createNotificationGeneratorHandler } from '../../src/workers/notification/notificationGenerator/notificationGenerator';
import { marketStore, scoringCollection } from '../../src/workers/notification/shared/wiring';
import { handler as planSends } from '../../src/workers/notification/planSends';
import { handler as triggerReminderEmail } from '../../src/workers/notification/triggerReminderEmail';
import type { MarketsToNotify } from '../../src/workers/notification/getMarketsToNotify/getMarketsToNotify';
import { getConfig } from '../../src/shared/config';
import { demandTable } from '../../src/shared/wiring/aws';
import { uniqueName } from '../../tools/local/emulators/names';
import { commonBadBodies } from './generate';
import type { BadInputWorld } from './world';
import { expectNoPollution, startBadInputWorld } from './world';

const NS = uniqueName('bad-invoke');
let world: BadInputWorld;

beforeAll(async () => {
  world = await startBadInputWorld('bad-invoke', NS);
});
afterAll(async () => {
  await world?.stop();
});

/** The corpus bodies Lambda can deliver: those that are JSON, parsed as Lambda parses them. */
const parsedBodies = commonBadBodies().flatMap((b) => {
  try {
    return [[b.name, JSON.parse(b.raw) as unknown] as const];
  } catch {
    return [];
  }
});

const withProto = (json: string) => JSON.parse(json) as unknown;

/** Invokes, expecting an InvalidInputError naming the problem, with nothing called that writes. */
async function expectInvalid(handler: (event: unknown) => Promise<unknown>, event: unknown, message?: RegExp) {
  const before = await world.mark();
  const error = await handler(event).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error?.name).toBe('InvalidInputError');
  expect(error?.message).toMatch(message ?? /\S/);
  const after = await world.since(before);
  expect({ requests: after.requests, items: after.items, messages: after.messages }).toEqual({
    requests: [],
    items: [],
    messages: [],
  });
  expect(
    world.logs.some(
      (l) => l.message === 'invocation failed' && (l.data?.error as { message?: string })?.message === error?.message,
    ),
  ).toBe(true);
  expectNoPollution();
}

/** Invokes, expecting a normal run that writes nothing (there is nothing to act on). */
async function expectQuietRun<T>(handler: (event: unknown) => Promise<T>, event: unknown): Promise<T> {
  const before = await world.mark();
  const result = await handler(event);
  const after = await world.since(before);
  expect({ writes: after.writes, items: after.items, messages: after.messages }).toEqual({
    writes: [],
    items: [],
    messages: [],
  });
  expectNoPollution();
  return result;
}

describe('enqueueMarketSelections', () => {
  const request = { campaignId: `c-${NS}`, marketId: 'm1', dateId: 'd1' };
  it.each(parsedBodies)('refuses an input that is %s', async (_name, event) => {
    await expectInvalid(enqueueMarketSelections, event);
  });
  it.each([
    ['no dateId', { campaignId: `c-${NS}`, marketId: 'm1' }, /dateId/],
    ['a numeric campaignId', { ...request, campaignId: 7 }, /campaignId/],
    ['a blank marketId', { ...request, marketId: '  ' }, /marketId/],
    ['a negative selectionCount', { ...request, selectionCount: -1 }, /selectionCount/],
    ['a fractional selectionCount', { ...request, selectionCount: 1.5 }, /selectionCount/],
    ['a selectionCount given as text', { ...request, selectionCount: '10' }, /selectionCount/],
    ['a cursor that is not base64 JSON', { ...request, cursor: '%%%not-a-cursor' }, /cursor/],
    [
      'a cursor of another run',
      {
        ...request,
        cursor: encodeCursor({
          ...request,
          campaignId: 'other',
          offset: 0,
          eligible: 1,
          queued: 0,
          failed: 0,
          skipped: 0,
        }),
      },
      /another campaign/,
    ],
    [
      'a cursor with a negative offset',
      {
        ...request,
        cursor: Buffer.from(
          JSON.stringify({ v: 1, ...request, offset: -5, eligible: 1, queued: 0, failed: 0, skipped: 0 }),
        ).toString('base64url'),
      },
      /cursor/,
    ],
    [
      'prototype keys and no campaignId',
      withProto('{"__proto__":{"campaignId":"c1"},"marketId":"m1","dateId":"d1"}'),
      /campaignId/,
    ],
  ])('refuses an input with %s', async (_name, event, message) => {
    await expectInvalid(enqueueMarketSelections, event, message);
  });
});

describe('getMarketsToNotify', () => {
  it.each([
    ['an array', []],
    ['a string', 'due'],
    ['a number', 42],
    ['an unknown mode', { mode: 'weekly' }],
    ['a mode that is an object', { mode: { $ne: null } }],
  ])('refuses an input that is %s', async (_name, event) => {
    await expectInvalid(getMarketsToNotify, event, /mode|object/);
  });
  it.each([
    ['null', null],
    ['an empty object', {}],
    ['a mode hidden behind __proto__', withProto('{"__proto__":{"mode":"planning"}}')],
  ])('runs in due mode for an input that is %s', async (_name, event) => {
    const result = (await expectQuietRun(getMarketsToNotify, event)) as MarketsToNotify;
    expect(result).toMatchObject({ mode: 'due', markets: [] });
  });
});

describe('planSends', () => {
  it.each([
    ['null', null],
    ['an empty object', {}],
    ['markets that is a string', { markets: 'mk1' }],
    ['markets hidden behind __proto__', withProto('{"__proto__":{"markets":[]}}')],
  ])('refuses an input that is %s', async (_name, event) => {
    await expectInvalid(planSends, event, /markets|object/);
  });
  it('reports every unusable market in errors, and plans nothing', async () => {
    const markets = [
      null,
      5,
      'mk1',
      { id: 1, campaignId: `c-${NS}`, presaleDateTime: '2026-07-01T15:00:00Z' },
      { id: 'mk2', campaignId: `c-${NS}`, presaleDateTime: '+275760-09-13T00:00:00.001Z' },
      { id: 'mk3', campaignId: `c-${NS}`, presaleDateTime: '2026-13-45T99:00:00Z' },
      withProto(`{"id":"mk4","__proto__":{"campaignId":"c-${NS}"},"presaleDateTime":"2026-07-01T15:00:00Z"}`),
    ];
    const result = (await expectQuietRun(planSends, { markets })) as { plannedCount: number; errors: unknown[] };
    expect(result.plannedCount).toBe(0);
    expect(result.errors).toHaveLength(markets.length);
  });
});

describe('triggerReminderEmail and notificationGenerator ignore their input', () => {
  // The entry's wiring, with getMarketsToNotify invoked in process instead of through Lambda.
  const generator = createNotificationGeneratorHandler(async (ctx) => ({
    getMarketsToNotify: (input) => getMarketsToNotify(input) as Promise<MarketsToNotify>,
    store: await marketStore(),
    scoring: await scoringCollection(),
    table: demandTable(),
    settings: getConfig().notifications,
    now: () => new Date(),
    remainingTimeMs: ctx.remainingTimeMs,
    log: ctx.log,
  }));
  const events = [
    ...parsedBodies,
    ['a time beyond the Date range', { time: '+275760-09-13T00:00:00.001Z' }],
    ['a time that is not a date', { time: 'yesterday' }],
    ['resources that are numbers', { resources: [5] }],
  ] as const;
  it.each(events)('triggerReminderEmail runs normally with an input that is %s', async (_name, event) => {
    expect(await expectQuietRun(triggerReminderEmail, event)).toMatchObject({ triggeredCount: 0, errors: [] });
  });
  it.each(events)('notificationGenerator runs normally with an event that is %s', async (_name, event) => {
    expect(await expectQuietRun(generator, event)).toMatchObject({ marketCount: 0, failedCount: 0 });
  });
});
