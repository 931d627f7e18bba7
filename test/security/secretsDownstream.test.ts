/**
 * Secrets never travel downstream (issue 20, point 2). A token is planted under secret-named keys
 * (`logging.secretKeys`, matched as the logger matches them: any case, as part of a longer name)
 * everywhere a fan or a producer can put one: at the top of a record, nested in a registration's
 * form fields (as an object and as its JSON text), in the schema's open objects, inside arrays, in
 * a user-info message and its EventBridge envelope, in an entry to replicate, and in the SQS
 * message attributes. Each worker runs through its real handler in the bad-input world, and what
 * reached its downstream components (the data topic on fauxqs, the local Kafka topics, the User
 * Service and Entry Service fakes) and every log line are searched for the token. Each check also
 * proves the record itself got through, with the fields beside the token intact.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { entryKey } from '../../src/shared/aws/keys';
import { sqsEvent } from '../doubles/runtime';
import { handler as processData } from '../../src/workers/dataPipeline/processData';
import { handler as sendData } from '../../src/workers/dataPipeline/sendData';
import { campaignData, marketData, registrationEntry } from '../../tools/local/emulators/producers';
import { handler as upsertUsers } from '../../src/workers/registration/upsertUsers';
import { handler as saveEntries } from '../../src/workers/replication/saveEntries';
import { uniqueName } from '../../tools/local/emulators/names';
import type { BadInputWorld } from '../bad-input/world';
import { rejectionOf, startBadInputWorld } from '../bad-input/world';

const NS = uniqueName('sec-down');
const TOKEN = `tok-${NS}-Xq7`;
/** Beside every planted token: must arrive, so the check below is not vacuous. */
const KEEP = `keep-${NS}`;
/** Message attributes the adapters receive with every record; none of them is forwarded. */
const ATTRIBUTES = { authorization: `Bearer ${TOKEN}`, idvToken: TOKEN };

let world: BadInputWorld;
let seq = 0;
const ids = (n: number) => Array.from({ length: n }, () => `sd-${++seq}`);

beforeAll(async () => {
  world = await startBadInputWorld('sec-down', NS);
});
afterAll(async () => {
  await world?.stop();
});

/** Form fields with the token at the top, nested, in an array, under differently cased names. */
const plantedFields = (markets: string[]) => ({
  ...registrationEntry().fields,
  markets,
  note: KEEP,
  idvToken: TOKEN,
  IDVTOKEN: TOKEN,
  nested: { Authorization: `Bearer ${TOKEN}`, keep: KEEP, deeper: { 'x-session-cookie': TOKEN } },
  answers: [{ password: TOKEN, keep: KEEP }, [{ clientSecret: TOKEN }]],
});

/** A demand-table registration with the token everywhere a secret-named key fits. */
const plantedEntry = (fan: string) => {
  const entry = registrationEntry(`c-${NS}`, fan, ['m1', 'm2']);
  return {
    ...entry,
    idvToken: TOKEN,
    authorization: `Bearer ${TOKEN}`,
    fields: plantedFields(['m1', 'm2']),
    origin: { ...entry.origin, jwt: TOKEN, ip: { ...entry.origin.ip, token: TOKEN } },
    attributes: {
      idvTokenVerified: TOKEN,
      phonescore: {
        ...entry.attributes.phonescore,
        location: { city: KEEP, private_key: TOKEN },
        risk: { level: 1, history: [{ certPem: TOKEN, keep: KEEP }] },
      },
    },
  };
};

const expectNoToken = (what: string, value: unknown) =>
  expect({ what, leaked: JSON.stringify(value).includes(TOKEN) }).toEqual({ what, leaked: false });

describe('secrets never leave a worker', () => {
  it('processData publishes no secret to the data topic, and sendData none to Kafka', async () => {
    const campaign = {
      ...campaignData(`c-${NS}`),
      token: TOKEN,
      image: { main: { url: 'https://img/1.png' }, 'X-IDV-TOKEN': TOKEN, alt: KEEP },
      preferences: [{ id: 'markets', type: 'markets', additional: { min: 1, clientSecret: TOKEN, label: KEEP } }],
      locales: [{ id: 'en-US', cookie: TOKEN, name: KEEP }],
    };
    const market = {
      ...marketData(`c-${NS}`, `m-${NS}`),
      date: { ...marketData().date, authorizationDate: TOKEN, notification: KEEP },
      event: { ...marketData().event, secret: TOKEN, venue: { name: KEEP, passwordHint: TOKEN } },
    };
    const bodies = [
      { type: 'CAMPAIGN', data: campaign },
      { type: 'market', data: market },
      { type: 'REGISTRATION', data: plantedEntry(`g-${NS}-plain`) },
      // The demand-table pipe's form: the whole change record in attribute values.
      {
        type: 'REGISTRATION',
        data: { eventName: 'INSERT', dynamodb: { NewImage: marshall(plantedEntry(`g-${NS}-pipe`)) } },
      },
      // A producer that already sends the form fields as their JSON text.
      {
        type: 'registration',
        data: { ...plantedEntry(`g-${NS}-text`), fields: JSON.stringify(plantedFields(['m3'])) },
      },
    ];
    const before = await world.mark({ kafka: true });
    const processed = await processData(sqsEvent(bodies, { ids: ids(bodies.length), attributes: ATTRIBUTES }));
    expect(processed.batchItemFailures).toEqual([]);

    const published = (await world.since(before)).messages as { type: string; body: Record<string, unknown> }[];
    // campaign, market, 3 registrations, 2 + 2 + 0 registeredMarkets (a text `fields` lists no markets here).
    expect(published.map((m) => m.type).sort()).toEqual(
      ['campaign', 'market', 'registration', 'registration', 'registration']
        .concat(Array(4).fill('registeredMarket'))
        .sort(),
    );
    expectNoToken('data topic', published);
    const registrations = published.filter((m) => m.type === 'registration').map((m) => m.body);
    for (const r of registrations) {
      const fields = JSON.parse(r.fields as string) as Record<string, unknown>;
      expect(fields).toMatchObject({ note: KEEP, nested: { keep: KEEP }, answers: [{ keep: KEEP }, [{}]] });
      expect(r.phonescore).toEqual({
        phoneType: 'mobile',
        carrier: 'Acme',
        location: { city: KEEP },
        risk: { level: 1, history: [{ keep: KEEP }] },
      });
    }
    expect(JSON.stringify(published.find((m) => m.type === 'campaign'))).toContain(KEEP);
    expect(JSON.stringify(published.find((m) => m.type === 'market'))).toContain(KEEP);

    // sendData, per type as its event source mappings deliver: the published records, and records a
    // producer other than processData put straight on a typed queue.
    const dedupe = { id: 'b'.repeat(64), timestamp: '2026-01-01T00:00:00.000Z' };
    const direct = {
      campaign: [{ campaignId: `c-${NS}-direct`, image: { url: KEEP, secretUrl: TOKEN }, dedupe }],
      registration: [
        {
          campaignId: `c-${NS}`,
          globalUserId: `g-${NS}-direct`,
          fields: JSON.stringify({ idvToken: TOKEN, list: [{ Authorization: TOKEN }], note: KEEP }),
          phonescore: { location: { jwt: TOKEN } },
          dedupe,
        },
      ],
    } as Record<string, unknown[]>;
    for (const type of [...new Set(published.map((m) => m.type))]) {
      const records = [...published.filter((m) => m.type === type).map((m) => m.body), ...(direct[type] ?? [])];
      const response = await sendData(
        sqsEvent(records, { ids: ids(records.length), attributes: { ...ATTRIBUTES, type } }),
      );
      expect(response.batchItemFailures).toEqual([]);
    }
    // Other suites may write the same local topics meanwhile: this test's records carry NS.
    const kafka = (await world.since(before)).kafka.filter((r) => JSON.stringify(r).includes(NS));
    expect(kafka).toHaveLength(published.length + 2);
    expectNoToken('kafka', kafka);
    const directRegistration = kafka.find((r) => (r as { globalUserId?: string }).globalUserId === `g-${NS}-direct`);
    expect(JSON.parse((directRegistration as { fields: string }).fields)).toEqual({ list: [{}], note: KEEP });
    expect(kafka).toContainEqual(expect.objectContaining({ campaignId: `c-${NS}-direct`, image: { url: KEEP } }));
    expectNoToken('logs', world.logs);
  });

  it('a fields text that is not JSON is left out by processData and refused by sendData, unquoted', async () => {
    const text = `idvToken=${TOKEN}; note=${KEEP}`;
    const before = await world.mark();
    const entry = { ...registrationEntry(`c-${NS}`, `g-${NS}-raw`), fields: text };
    const [source] = ids(1);
    const processed = await processData(sqsEvent([{ type: 'registration', data: entry }], { ids: [source] }));
    expect(processed.batchItemFailures).toEqual([]);
    const published = (await world.since(before)).messages as { body: Record<string, unknown> }[];
    expect(published).toHaveLength(1);
    expect(published[0].body).toMatchObject({ globalUserId: `g-${NS}-raw` });
    expect(published[0].body).not.toHaveProperty('fields');
    const note = world.logs.find(
      (l) => l.message === 'source fields left out while formatting' && l.data?.messageId === source,
    );
    expect(note?.data?.dropped).toEqual(['fields: expected an object or the JSON text of one']);

    const [id] = ids(1);
    const record = {
      campaignId: `c-${NS}`,
      globalUserId: `g-${NS}-raw`,
      fields: text,
      dedupe: published[0].body.dedupe,
    };
    const response = await sendData(sqsEvent([record], { ids: [id], attributes: { type: 'registration' } }));
    expect(response.batchItemFailures).toEqual([]);
    expect(rejectionOf(world.logs, id)?.data?.reason).toBe('registration fields is not the JSON text of an object');
    expectNoToken('logs', world.logs);
  });

  it('upsertUsers forwards only the documented user attributes to User Service', async () => {
    const envelope = (detail: object) => ({ source: 'tm.users', 'detail-type': 'UserUpdated', detail });
    const before = await world.mark();
    const response = await upsertUsers(
      sqsEvent(
        [
          {
            globalUserId: `u-${NS}-1`,
            firstName: KEEP,
            authorization: `Bearer ${TOKEN}`,
            idvToken: TOKEN,
            profile: { city: 'Montréal', sessionToken: TOKEN },
            tokens: [TOKEN],
          },
          envelope({ global_user_id: `u-${NS}-2`, lastName: KEEP, IdvToken: TOKEN, headers: { Authorization: TOKEN } }),
        ],
        { ids: ids(2), attributes: ATTRIBUTES },
      ),
    );
    expect(response.batchItemFailures).toEqual([]);
    const { writes } = await world.since(before);
    expect(writes.map((w) => (w as { path: string; body: unknown }).body)).toEqual([
      [
        { globalUserId: `u-${NS}-1`, firstName: KEEP },
        { globalUserId: `u-${NS}-2`, lastName: KEEP },
      ],
    ]);
    expectNoToken('User Service', writes);
    expectNoToken('logs', world.logs);
  });

  it('saveEntries replicates the entry to Entry Service without its secrets', async () => {
    const fan = `g-${NS}-entry`;
    const entry = {
      ...plantedEntry(fan),
      ...entryKey(`c-${NS}`, fan),
      type: 'registration',
      needsReplication: true,
    };
    await world.db.client.send(new PutCommand({ TableName: world.db.name, Item: entry }));
    const before = await world.mark();
    const response = await saveEntries(
      sqsEvent([{ operation: 'INSERT', newItem: entry }], { ids: ids(1), attributes: ATTRIBUTES }),
    );
    expect(response.batchItemFailures).toEqual([]);
    const writes = (await world.since(before)).writes as { service: string; body: { entries: unknown[] } }[];
    const sent = writes.filter((w) => w.service === 'entries').flatMap((w) => w.body.entries);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      campaignId: `c-${NS}`,
      globalUserId: fan,
      fields: { note: KEEP, nested: { keep: KEEP }, answers: [{ keep: KEEP }, [{}]] },
      attributes: { phonescore: { location: { city: KEEP }, risk: { history: [{ keep: KEEP }] } } },
    });
    expectNoToken('Entry Service', writes);
    expectNoToken('logs', world.logs);
  });
});
