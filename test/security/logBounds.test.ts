/**
 * Logs stay bounded and expected rejections are warnings (issue 20, points 3 and 4). Workers
 * whose rejection reasons used to copy a field verbatim run through their real handlers with
 * 1 MB values, some holding a planted secret: every reason quotes at most a short excerpt,
 * every captured log line is under the logger's line limit and holds no secret, a rejection is
 * logged at warn without a stack (error lines mean a fault of ours), and the error an Invoke
 * caller gets back carries no source paths.
 */
import { MongoClient } from 'mongodb';
import { MAX_LOG_LINE_BYTES } from '../../src/shared/runtime/logger';
import { QUOTE_MAX_CHARS } from '../../src/shared/runtime/quote';
import { sqsEvent } from '../doubles/runtime';
import { handler as sendData } from '../../src/workers/dataPipeline/sendData';
import { handler as getMarketsToNotify } from '../../src/workers/notification/getMarketsToNotify';
import { handler as checkEligibility } from '../../src/workers/registration/checkEligibility';
import { handler as saveEntries } from '../../src/workers/replication/saveEntries';
import { handler as saveSelections } from '../../src/workers/selection/saveSelections';
import { uniqueName } from '../../tools/local/emulators/names';
import type { BadInputWorld, LogLine } from '../bad-input/world';
import { rejectionOf, startBadInputWorld } from '../bad-input/world';

const NS = uniqueName('log-bounds');
const SLUG = `tour-${NS}`;
const SECRET = `tok-${NS}-Zq8`;
/** A megabyte: 1,000,000 characters, so a body holding one stays under SQS's 1 MiB. */
const big = (c: string, chars = 1_000_000) => c.repeat(chars);
/** A reason quoting input holds a few excerpts of QUOTE_MAX_CHARS and fixed text. */
const SHORT = 6 * QUOTE_MAX_CHARS;

let world: BadInputWorld;

beforeAll(async () => {
  world = await startBadInputWorld('log-bounds', NS);
  const mongo = await new MongoClient(world.mongo.uri).connect();
  try {
    await mongo
      .db('campaigns')
      .collection('campaigns')
      .insertOne({
        id: `c-${NS}`,
        slug: SLUG,
        status: 'OPEN',
        date: { open: '2020-01-01T00:00:00Z', close: '2100-01-01T00:00:00Z' },
        markets: [{ id: 'm1' }],
        preferences: [{ id: 'markets', type: 'markets', is_optional: false }],
      });
  } finally {
    await mongo.close();
  }
});
afterAll(async () => {
  await world?.stop();
});

/** Runs `act` and returns the lines it logged. */
async function logsOf(act: () => Promise<unknown>): Promise<LogLine[]> {
  const from = world.logs.length;
  await act();
  return world.logs.slice(from);
}

/** The error an Invoke caller gets back, as Lambda's runtime builds it from the thrown error. */
async function invokeError(handler: (event: unknown) => Promise<unknown>, event: unknown) {
  const error = (await handler(event).then(
    () => undefined,
    (e: unknown) => e,
  )) as Error;
  return { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split('\n') };
}

/** The `invocation failed` line of a rejected invocation: at warn, with the reason and no stack. */
function expectRejectionLine(lines: LogLine[], message: string) {
  const failed = lines.filter((l) => l.message === 'invocation failed');
  expect(failed.map((l) => ({ level: l.level, error: l.data?.error }))).toEqual([
    { level: 'warn', error: { name: 'InvalidInputError', message } },
  ]);
  expect(lines.filter((l) => l.level === 'error')).toEqual([]);
}

describe('getMarketsToNotify: a mode of 1 MB', () => {
  it('is refused with a short excerpt, logged at warn, answered without source paths', async () => {
    let answer: Awaited<ReturnType<typeof invokeError>> | undefined;
    const lines = await logsOf(async () => {
      answer = await invokeError(getMarketsToNotify, { mode: `${big('x')}${SECRET}` });
    });
    expect(answer?.errorType).toBe('InvalidInputError');
    expect(answer?.errorMessage).toMatch(/^mode must be "due" or "planning", got "x+…\(\+\d+ chars\)$/);
    expect(answer?.errorMessage.length).toBeLessThan(SHORT);
    expect(answer?.trace).toEqual([`InvalidInputError: ${answer?.errorMessage}`]);
    expect([answer?.errorMessage, ...(answer?.trace ?? [])].join('\n')).not.toMatch(/[/\\]|\.[tj]s\b|\n\s+at /);
    expectRejectionLine(lines, answer?.errorMessage as string);
  });

  it('redacts a secret-named key of a quoted object', async () => {
    const answer = await invokeError(getMarketsToNotify, { mode: { authorization: SECRET, pad: big('p') } });
    expect(answer.errorMessage).toMatch(
      /^mode must be "due" or "planning", got \{"authorization":"\[REDACTED\]","pad":"p+…/,
    );
    expect(answer.errorMessage.length).toBeLessThan(SHORT);
  });
});

describe('saveSelections: a type of 1 MB', () => {
  it('is rejected with a short excerpt, the record alone, not retried', async () => {
    const lines = await logsOf(async () => {
      const response = await saveSelections(
        sqsEvent([{ type: `${big('t')}${SECRET}` }, { type: { token: SECRET, pad: big('q') } }], {
          ids: ['sel-1', 'sel-2'],
        }),
      );
      expect(response.batchItemFailures).toEqual([]);
    });
    const reasons = ['sel-1', 'sel-2'].map((id) => String(rejectionOf(lines, id)?.data?.reason));
    expect(reasons[0]).toMatch(/^type must be "selection" or "selectionRefresh", got "t+…\(\+\d+ chars\)$/);
    expect(reasons[1]).toMatch(/got \{"token":"\[REDACTED\]","pad":"q+…/);
    expect(reasons.every((r) => r.length < SHORT)).toBe(true);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('sendData: a type attribute of 1 MB, and a record with a 1 MB property name', () => {
  it('rejects both with short reasons', async () => {
    const lines = await logsOf(async () => {
      const response = await sendData({
        Records: [
          ...sqsEvent([{ id: 'x' }], { ids: ['sd-1'], attributes: { type: `${big('y')}${SECRET}` } }).Records,
          ...sqsEvent(
            [
              {
                [`${big('k', 900_000)}${SECRET}`]: 1,
                ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, i])),
              },
            ],
            { ids: ['sd-2'], attributes: { type: 'campaign' } },
          ).Records,
        ],
      });
      expect(response.batchItemFailures).toEqual([]);
    });
    const reasons = ['sd-1', 'sd-2'].map((id) => String(rejectionOf(lines, id)?.data?.reason));
    expect(reasons[0]).toMatch(/^unknown type "y+…\(\+\d+ chars\); expected one of campaign/);
    expect(reasons[1]).toMatch(/^schema validation failed: campaign must .*; and \d+ more$/);
    expect(reasons.every((r) => r.length < 2 * SHORT + 10 * 2 * QUOTE_MAX_CHARS)).toBe(true);
  });
});

describe('saveEntries: keys of 1 MB', () => {
  it('rejects the item with short excerpts of its keys', async () => {
    const lines = await logsOf(async () => {
      const response = await saveEntries(
        sqsEvent(
          [
            {
              operation: 'INSERT',
              newItem: { PK: big('P', 500_000), SK: `${big('S', 500_000)}${SECRET}`, type: 'invite' },
            },
          ],
          {
            ids: ['se-1'],
          },
        ),
      );
      expect(response.batchItemFailures).toEqual([]);
    });
    const reason = String(rejectionOf(lines, 'se-1')?.data?.reason);
    expect(reason).toMatch(/^item "P+…\(\+\d+ chars\) "S+…\(\+\d+ chars\) is not a registration$/);
    expect(reason.length).toBeLessThan(SHORT);
  });
});

describe('checkEligibility: a slug and a market id of 1 MB', () => {
  it('logs the refusals briefly and answers the fan with a short detail', async () => {
    const lines = await logsOf(async () => {
      expect(
        await checkEligibility({ arguments: { input: { slug: `${big('s')}${SECRET}`, entry: {}, userInfo: {} } } }),
      ).toEqual({ isEligible: false, reason: 'CAMPAIGN_NOT_FOUND' });
      const answer = await checkEligibility({
        arguments: {
          input: { slug: SLUG, entry: { markets: [`${big('m')}${SECRET}`] }, userInfo: { globalUserId: 'g1' } },
        },
      });
      expect(answer).toMatchObject({ isEligible: false, reason: 'INVALID_ENTRY', detail: { field: 'markets' } });
      expect(answer.detail?.message).toMatch(/^market "m+…\(\+\d+ chars\) is not a market of this campaign$/);
      expect(answer.detail?.message.length).toBeLessThan(SHORT);
    });
    const refusals = lines.filter((l) => l.message === 'not eligible');
    expect(refusals).toHaveLength(2);
    expect(JSON.stringify(refusals).length).toBeLessThan(4 * SHORT);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('logs a body that is not JSON at warn, without a stack', async () => {
    const lines = await logsOf(async () => {
      expect(await checkEligibility({ body: `{"slug": ${big('n')}` })).toEqual({
        isEligible: false,
        reason: 'INTERNAL_SERVER_ERROR',
      });
    });
    const failed = lines.filter((l) => l.message === 'invocation failed');
    expect(failed.map((l) => [l.level, (l.data?.error as { name: string }).name])).toEqual([
      ['warn', 'RejectedRecordError'],
    ]);
    expect(JSON.stringify(failed)).not.toMatch(/"stack"|\.ts:\d/);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('every line logged above', () => {
  it('is under the line limit and holds no secret', () => {
    expect(world.logs.length).toBeGreaterThan(10);
    for (const line of world.logs) {
      const text = JSON.stringify(line);
      expect({ message: line.message, bytes: Buffer.byteLength(text, 'utf8') <= MAX_LOG_LINE_BYTES }).toEqual({
        message: line.message,
        bytes: true,
      });
      expect(text.includes(SECRET)).toBe(false);
    }
  });
});
