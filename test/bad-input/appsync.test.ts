/**
 * The bad-input corpus through checkEligibility's real handler (AppSync pipeline function): a
 * body that is not JSON, not an object or over 1 MiB is answered INTERNAL_SERVER_ERROR with the
 * reason in the log; wrongly typed or hostile fields get the fan-facing reason of the check that
 * refuses them; nothing throws, nothing is written, no prototype is polluted.
 */
import { MongoClient } from 'mongodb';
import { handler } from '../../src/workers/registration/checkEligibility';
import type { EligibilityResult } from '../../src/workers/registration/checkEligibility/types';
import { uniqueName } from '../../tools/local/emulators/names';
import { MAX_RECORD_BYTES, commonBadBodies, generatedBadBodies, sized } from './generate';
import type { BadInputWorld } from './world';
import { expectNoPollution, startBadInputWorld } from './world';

const NS = uniqueName('bad-appsync');
const SLUG = `tour-${NS}`;
let world: BadInputWorld;
let mongo: MongoClient;

beforeAll(async () => {
  world = await startBadInputWorld('bad-appsync', NS);
  mongo = await new MongoClient(world.mongo.uri).connect();
  await mongo
    .db('campaigns')
    .collection('campaigns')
    .insertOne({
      id: `c-${NS}`,
      slug: SLUG,
      status: 'OPEN',
      date: { open: '2020-01-01T00:00:00Z', close: '2100-01-01T00:00:00Z' },
      markets: [{ id: 'm1' }],
      preferences: [
        { id: 'email', type: 'email', is_optional: false },
        { id: 'name', type: 'name', is_optional: true },
        { id: 'about', type: 'freeform_text', is_optional: true, additional: { maxLength: 200 } },
        { id: 'markets', type: 'markets', is_optional: true },
      ],
    });
});
afterAll(async () => {
  await mongo?.close();
  await world?.stop();
});

/** Invokes the handler; it must answer (never throw) and write nothing. */
async function ask(event: unknown): Promise<EligibilityResult> {
  const before = await world.mark();
  const logsBefore = world.logs.length;
  const answer = await handler(event);
  const after = await world.since(before);
  expect({ writes: after.writes, items: after.items, messages: after.messages }).toEqual({
    writes: [],
    items: [],
    messages: [],
  });
  expectNoPollution();
  // Every refusal is explained in the log, briefly.
  if (!answer.isEligible) {
    const explained = world.logs
      .slice(logsBefore)
      .filter((l) => l.message === 'invocation failed' || l.message === 'not eligible');
    expect(explained.length).toBeGreaterThan(0);
    expect(JSON.stringify(explained).length).toBeLessThan(4096);
  }
  return answer;
}

const valid = {
  slug: SLUG,
  entry: { email: 'fan@example.com' },
  userInfo: { globalUserId: 'g1', email: 'fan@example.com' },
};

describe('checkEligibility with a bad AppSync body', () => {
  const bodies = [...commonBadBodies(), ...generatedBadBodies()];
  it.each(bodies.map((b) => [b.name, b.raw] as const))(
    'answers without throwing when the body is %s',
    async (_name, raw) => {
      const parse = jest.spyOn(JSON, 'parse');
      try {
        const answer = await ask({ body: raw });
        expect(answer.isEligible).toBe(false);
        expect(['INTERNAL_SERVER_ERROR', 'CAMPAIGN_NOT_FOUND']).toContain(answer.reason);
        if (Buffer.byteLength(raw) > MAX_RECORD_BYTES) {
          expect(answer.reason).toBe('INTERNAL_SERVER_ERROR');
          expect(parse.mock.calls.some(([text]) => text === raw)).toBe(false);
        }
      } finally {
        parse.mockRestore();
      }
    },
  );

  it('accepts a body of exactly 1 MiB and judges it', async () => {
    const raw = sized(MAX_RECORD_BYTES, (about) => ({ ...valid, entry: { ...valid.entry, about } }));
    expect(await ask({ body: raw })).toMatchObject({
      isEligible: false,
      reason: 'INVALID_ENTRY',
      detail: { field: 'about' },
    });
  });
});

describe('checkEligibility with hostile or wrongly typed fields', () => {
  const hostile = (json: string) => JSON.parse(json.split('$SLUG').join(SLUG)) as unknown;
  it.each([
    ['slug is a number', { ...valid, slug: 42 }, 'CAMPAIGN_NOT_FOUND'],
    ['slug is an object', { ...valid, slug: { $ne: null } }, 'CAMPAIGN_NOT_FOUND'],
    ['slug with a path and control characters', { ...valid, slug: '../campaign:\u0000*' }, 'CAMPAIGN_NOT_FOUND'],
    ['email is an array', { ...valid, entry: { email: ['fan@example.com'] } }, 'INVALID_ENTRY'],
    ['email missing', { ...valid, entry: {} }, 'INVALID_ENTRY'],
    ['name with terminal escapes', { ...valid, entry: { ...valid.entry, name: 'Zoë\u001b[31m' } }, 'INVALID_ENTRY'],
    ['free text over its maximum', { ...valid, entry: { ...valid.entry, about: 'x'.repeat(201) } }, 'INVALID_ENTRY'],
    [
      'a market the campaign does not have',
      { ...valid, entry: { ...valid.entry, markets: ['m1', 'm9'] } },
      'INVALID_ENTRY',
    ],
    ['markets holding objects', { ...valid, entry: { ...valid.entry, markets: [{ id: 'm1' }] } }, 'INVALID_ENTRY'],
  ])('refuses an entry whose %s', async (_name, input, reason) => {
    expect(await ask({ arguments: { input } })).toMatchObject({ isEligible: false, reason });
  });

  it.each([
    [
      'prototype keys in the entry and userInfo',
      '{"slug":"$SLUG","entry":{"email":"fan@example.com","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}},"userInfo":{"__proto__":{"polluted":"yes"},"globalUserId":"g1"}}',
    ],
    [
      'userInfo that is a string and doTransfer that is a word',
      '{"slug":"$SLUG","entry":{"email":"fan@example.com"},"userInfo":"g1","doTransfer":"yes"}',
    ],
    [
      'unicode and bidi text in free text',
      '{"slug":"$SLUG","entry":{"email":"fan@example.com","about":"Zo\\u00eb \\u202e \\ud83d\\ude00 \\u0645\\u0631\\u062d\\u0628\\u0627"}}',
    ],
  ])('accepts an otherwise valid entry with %s, keeping only the campaign fields', async (_name, json) => {
    const answer = await ask({ body: JSON.stringify(hostile(json)) });
    expect(answer.isEligible).toBe(true);
    expect(Object.keys(answer.fields ?? {}).every((k) => ['email', 'about'].includes(k))).toBe(true);
  });
});
