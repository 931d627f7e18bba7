/**
 * Secrets never reach the logs. Workers run through their real handlers at debug level, with
 * secrets in their environment (the service JWT key, a MongoDB URI with a password) and in
 * their input (secret-named fields, an IDV token), on paths that log the most: rejections,
 * failed service calls, a failed MongoDB login. Every captured JSON line is then searched for
 * each secret value, for the service tokens the workers signed, and with the secret scanner.
 */
import { generateKeyPairSync } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { MongoClient } from 'mongodb';
import { entryKey } from '../../src/shared/aws/keys';
import { closeSharedMongoClient } from '../../src/shared/mongo/client';
import { signRs256 } from '../../src/shared/services/jwt';
import { sqsEvent } from '../doubles/runtime';
import { resetWiring } from '../../src/shared/wiring/memo';
import { handler as checkEligibility } from '../../src/workers/registration/checkEligibility';
import { handler as upsertUsers } from '../../src/workers/registration/upsertUsers';
import { handler as saveEntries } from '../../src/workers/replication/saveEntries';
import { handler as processData } from '../../src/workers/dataPipeline/processData';
import { uniqueName } from '../../tools/local/emulators/names';
import type { BadInputWorld } from '../bad-input/world';
import { startBadInputWorld } from '../bad-input/world';
import { findSecrets } from './secretPatterns';

const NS = uniqueName('sec-logs');
const PASSWORD = `pw-${NS}-Zx9!`;
const API_TOKEN = `tok-${NS}-Qw7`;
const idvKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const IDV_TOKEN = signRs256({ sub: 'g1', iss: 'https://idv.local', aud: 'verifiedfan', exp: 4102444800 }, idvKey);

let world: BadInputWorld;

beforeAll(async () => {
  world = await startBadInputWorld('sec-logs', NS);
});
afterAll(async () => {
  await world?.stop();
});

/** Every value that must not appear in a log line. */
function secrets(): Record<string, string> {
  const tokens = Object.values(world.fakes)
    .flatMap((f) => (f as { requests?: { headers: Record<string, unknown> }[] }).requests ?? [])
    .map((r) => String(r.headers.authorization ?? '').replace(/^Bearer /, ''))
    .filter(Boolean);
  const key = String(process.env.SERVICE_JWT_PRIVATE_KEY);
  return {
    password: PASSWORD,
    apiToken: API_TOKEN,
    idvToken: IDV_TOKEN,
    // A distinctive line of the PEM body, not its markers.
    serviceJwtKey: key.split('\n')[3],
    ...Object.fromEntries([...new Set(tokens)].map((t, i) => [`serviceToken${i}`, t])),
  };
}

describe('logs carry no secrets', () => {
  it('upsertUsers: secret-named fields in a user, and User Service failing', async () => {
    world.fakes.users.failNext({ status: 500, count: 10, body: { error: { message: 'upsert failed', code: 'boom' } } });
    const response = await upsertUsers(
      sqsEvent(
        [
          { globalUserId: `u-${NS}`, password: PASSWORD, apiToken: API_TOKEN, authorization: `Bearer ${API_TOKEN}` },
          { globalUserId: `u-${NS}-2`, email: `not-an-email ${PASSWORD}` },
        ],
        { ids: ['u1', 'u2'] },
      ),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'u1' }]);
  });

  it('saveEntries: an entry with secret-named fields, and Entry Service failing', async () => {
    const entry = {
      ...entryKey(`c-${NS}`, 'g1'),
      type: 'registration',
      campaignId: `c-${NS}`,
      globalUserId: 'g1',
      fields: { password: PASSWORD, secretAnswer: PASSWORD },
      date: { updated: '2026-05-01T10:00:00.000Z' },
    };
    await world.db.client.send(new PutCommand({ TableName: world.db.name, Item: entry }));
    world.fakes.entries.failNext({ status: 503, count: 10 });
    const response = await saveEntries(sqsEvent([{ operation: 'INSERT', newItem: entry }], { ids: ['e1'] }));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'e1' }]);
  });

  it('processData: secret-named fields in a record, and records rejected', async () => {
    const response = await processData(
      sqsEvent(
        [
          { type: 'campaign', data: { id: `c-${NS}`, name: 'n', password: PASSWORD, token: API_TOKEN } },
          { type: 'concert', data: { id: 'x', password: PASSWORD } },
        ],
        { ids: ['p1', 'p2'] },
      ),
    );
    expect(response.batchItemFailures).toEqual([]);
  });

  it('checkEligibility: an IDV token and a password in the request', async () => {
    const mongo = await new MongoClient(world.mongo.uri).connect();
    try {
      await mongo
        .db('campaigns')
        .collection('campaigns')
        .insertOne({
          id: `c-${NS}`,
          slug: `s-${NS}`,
          status: 'OPEN',
          options: { gate: { idv: 'asu' } },
          preferences: [],
        });
    } finally {
      await mongo.close();
    }
    const answer = await checkEligibility({
      arguments: {
        input: {
          slug: `s-${NS}`,
          entry: { idvToken: IDV_TOKEN, password: PASSWORD },
          userInfo: { globalUserId: 'g1', password: PASSWORD },
        },
      },
    });
    expect(answer).toMatchObject({ isEligible: false, reason: 'IDV_REQUIRED' });
  });

  it('checkEligibility: a MongoDB URI with a password that fails to log in', async () => {
    const uri = new URL(world.mongo.uri);
    uri.username = 'reg-workers';
    uri.password = PASSWORD;
    const saved = process.env.MONGODB_URI;
    process.env.MONGODB_URI = uri.toString();
    await closeSharedMongoClient();
    resetWiring();
    try {
      const answer = await checkEligibility({
        arguments: { input: { slug: `missing-${NS}`, entry: {}, userInfo: {} } },
      });
      expect(answer).toEqual({ isEligible: false, reason: 'INTERNAL_SERVER_ERROR' });
      // It failed on the login, and said so.
      expect(JSON.stringify(world.logs.at(-1))).toMatch(/auth|sasl|credential/i);
    } finally {
      process.env.MONGODB_URI = saved;
      await closeSharedMongoClient();
      resetWiring();
    }
  });

  it('none of the lines written above holds a secret', () => {
    const text = JSON.stringify(world.logs);
    expect(world.logs.length).toBeGreaterThan(10);
    // The failures above were logged (so the check below looks at real error lines).
    expect(world.logs.filter((l) => l.level === 'error').length).toBeGreaterThan(2);
    for (const [name, value] of Object.entries(secrets())) {
      expect({ name, logged: text.includes(value) }).toEqual({ name, logged: false });
    }
    expect(findSecrets(text)).toEqual([]);
  });
});
