import { marshall } from '@aws-sdk/util-dynamodb';
import type { TypedDataRecord } from '../../../../shared/dataPipeline';
import { canonicalJson, validateDataRecord } from '../../../../shared/dataPipeline';
import { RejectedRecordError } from '../../../../shared/runtime/errors';
import { campaignData, eventMappingData, marketData, registrationEntry } from '../../../../../tools/local/emulators/producers';
import { parseDataRecord } from '../parseRecord';
import { formatSourceRecord } from './formatters';

const NOW = new Date('2026-05-05T05:05:05.000Z');
const format = (body: unknown) => formatSourceRecord(parseDataRecord(body), NOW.toISOString());
const only = (body: unknown) => {
  const { records } = format(body);
  expect(records).toHaveLength(1);
  return records[0].record as Record<string, unknown>;
};

/** Every formatted record must satisfy its own schema (the formatter and the schema cannot drift). */
const expectValid = (records: TypedDataRecord[]) => {
  for (const r of records) {
    expect(validateDataRecord(r.type, r.record)).toEqual({ valid: true, record: r.record });
  }
};

describe('campaign formatter', () => {
  it('shapes a Campaign Service document to the campaign schema', () => {
    const { records, dropped } = format({ type: 'CAMPAIGN', data: campaignData() });
    expect(dropped).toEqual([]);
    expectValid(records);
    const { dedupe, ...record } = records[0].record;
    expect(record).toEqual({
      campaignId: 'c1',
      name: 'Zoë World Tour 2026',
      categoryId: 10004,
      type: 'registration',
      subType: 'presale',
      identifier: 'zoe-2026',
      status: 'OPEN',
      referenceTimezone: 'America/New_York',
      domain: { site: 'zoe2026' },
      tour: { name: 'World Tour' },
      date: campaignData().date,
      artist: { id: 'a1', name: 'Zoë', discoveryId: 'K8vZ917', fanclubName: 'Zoë Club' },
      preferences: [
        { id: 'markets', type: 'markets', is_optional: false, additional: { min: 1, max: 3 } },
        { id: 'allow_marketing', type: 'opt_in', is_optional: true },
      ],
      options: {
        useGenericBranding: false,
        showAccessCode: true,
        automatedReminders: true,
        waitingRoomDuration: 600,
        isLNAA: false,
      },
      locales: [{ id: 'en-US', is_default: true }],
      image: { main: { url: 'https://img/1.png' } },
    });
    expect(dedupe).toEqual({ id: expect.stringMatching(/^[0-9a-f]{64}$/), timestamp: '2026-02-03T04:05:06.000Z' });
  });

  it('takes the id from campaignId, id or a Mongo _id', () => {
    expect(only({ type: 'campaign', data: { campaignId: 'c9' } }).campaignId).toBe('c9');
    expect(only({ type: 'campaign', data: { _id: { $oid: '65a1b2c3d4e5f60718293a4b' } } }).campaignId).toBe(
      '65a1b2c3d4e5f60718293a4b',
    );
    expect(() => format({ type: 'campaign', data: { name: 'no id' } })).toThrow(RejectedRecordError);
    expect(() => format({ type: 'campaign', data: { name: 'no id' } })).toThrow(
      'campaign has no id (data.campaignId, data.id or data._id)',
    );
  });

  it('converts lossless kinds and leaves out (and reports) values of the wrong kind', () => {
    const { records, dropped } = format({
      type: 'campaign',
      data: {
        id: 42,
        name: { en: 'localized' },
        options: { waitingRoomDuration: '300', isLNAA: 'true' },
        date: { updated: { $date: '2026-01-01T00:00:00Z' }, open: 1767225600000 },
        locales: ['en-US', 7],
      },
    });
    expectValid(records);
    expect(records[0].record).toMatchObject({
      campaignId: '42',
      options: { waitingRoomDuration: 300, isLNAA: true },
      date: { updated: '2026-01-01T00:00:00.000Z', open: '2026-01-01T00:00:00.000Z' },
      locales: ['en-US'],
    });
    expect(records[0].record).not.toHaveProperty('name');
    expect(dropped).toEqual(['name: expected a string, got object', 'locales[1]: expected an object or string']);
  });

  it('marks a deleted campaign', () => {
    expect(only({ type: 'campaign', data: { id: 'c1', isDeleted: true } }).isDeleted).toBe(true);
  });
});

describe('market formatter', () => {
  it('shapes a market and turns GeoJSON [lon, lat] into latitude/longitude', () => {
    const { records, dropped } = format({ type: 'MARKET', data: marketData() });
    expect(dropped).toEqual([]);
    expectValid(records);
    const { dedupe, ...record } = records[0].record;
    expect(record).toEqual({
      campaignId: 'c1',
      marketId: 'm1',
      name: 'New York, NY',
      city: 'New York',
      state: 'NY',
      timezone: 'America/New_York',
      point: { coordinates: { latitude: 40.7484, longitude: -73.9857 } },
      date: marketData().date,
      event: marketData().event,
      isAddedShow: false,
    });
    expect(dedupe.timestamp).toBe('2026-02-01T00:00:00.000Z');
  });

  it('keeps named coordinates and drops unusable ones with a note', () => {
    const named = only({
      type: 'market',
      data: { id: 'm1', campaignId: 'c1', point: { coordinates: { latitude: 1, longitude: 2 } } },
    });
    expect(named.point).toEqual({ coordinates: { latitude: 1, longitude: 2 } });
    const { records, dropped } = format({
      type: 'market',
      data: { id: 'm1', campaignId: 'c1', point: { coordinates: ['east', 'north'] } },
    });
    expect(records[0].record).not.toHaveProperty('point');
    expect(dropped).toEqual([
      'point.coordinates[0]: expected a number, got string',
      'point.coordinates[1]: expected a number, got string',
    ]);
  });

  it('requires the market id and its campaign id', () => {
    expect(() => format({ type: 'market', data: { campaign_id: 'c1', city: 'x' } })).toThrow(
      'market has no id (data.marketId, data.id or data._id)',
    );
    expect(() => format({ type: 'market', data: { id: 'm1' } })).toThrow(
      'market has no campaign id (data.campaignId or data.campaign_id)',
    );
  });

  it('marks a deleted market', () => {
    const record = only({ type: 'market', data: { ...marketData(), isDeleted: true } });
    expect(record.isDeleted).toBe(true);
  });
});

describe('eventMapping formatter', () => {
  it('shapes an event mapping', () => {
    const { records } = format({ type: 'EVENT_MAPPING', data: eventMappingData() });
    expectValid(records);
    expect(records[0]).toEqual({
      type: 'eventMapping',
      record: {
        campaignId: 'c1',
        marketId: 'm1',
        eventIds: ['E1', 'E2'],
        dedupe: { id: expect.any(String), timestamp: NOW.toISOString() },
      },
    });
  });

  it('accepts a single eventId, event_ids or event.ids', () => {
    expect(only({ type: 'eventMapping', data: { campaignId: 'c1', marketId: 'm1', eventId: 'E9' } }).eventIds).toEqual([
      'E9',
    ]);
    expect(
      only({ type: 'eventMapping', data: { campaign_id: 'c1', market_id: 'm1', event_ids: [1, 2] } }).eventIds,
    ).toEqual(['1', '2']);
    expect(
      only({ type: 'eventMapping', data: { campaignId: 'c1', marketId: 'm1', event: { ids: ['E3'] } } }).eventIds,
    ).toEqual(['E3']);
  });

  it('requires ids and event ids, except that a deletion may carry no event ids', () => {
    expect(() => format({ type: 'eventMapping', data: { campaignId: 'c1', eventIds: ['E1'] } })).toThrow(
      'eventMapping has no marketId',
    );
    expect(() => format({ type: 'eventMapping', data: { campaignId: 'c1', marketId: 'm1' } })).toThrow(
      'eventMapping has no eventIds',
    );
    const deleted = only({ type: 'eventMapping', isDeleted: true, data: { campaignId: 'c1', marketId: 'm1' } });
    expect(deleted).toMatchObject({ eventIds: [], isDeleted: true });
  });
});

describe('registeredMarket formatter (sent directly)', () => {
  it('shapes it and requires the ids and a rank >= 1', () => {
    expect(
      only({ type: 'REGISTERED_MARKET', data: { campaignId: 'c1', globalUserId: 'g1', marketId: 'm1', rank: '2' } }),
    ).toMatchObject({
      campaignId: 'c1',
      globalUserId: 'g1',
      marketId: 'm1',
      rank: 2,
    });
    expect(() => format({ type: 'registeredMarket', data: { campaignId: 'c1', rank: 1 } })).toThrow(
      'registeredMarket has no globalUserId, marketId',
    );
    expect(() =>
      format({ type: 'registeredMarket', data: { campaignId: 'c1', globalUserId: 'g1', marketId: 'm1', rank: 0 } }),
    ).toThrow('registeredMarket rank must be an integer >= 1');
  });
});

describe('registration formatter', () => {
  const entry = registrationEntry();

  it('maps the entry attributes to the registration schema, with fields as a JSON string', () => {
    const { records, dropped } = format({ type: 'REGISTRATION', data: entry });
    expect(dropped).toEqual([]);
    expectValid(records);
    expect(records[0].type).toBe('registration');
    const { dedupe, ...record } = records[0].record;
    expect(record).toEqual({
      campaignId: 'c1',
      globalUserId: 'g1',
      system: { id: 'su1', databaseId: 'u1', memberId: 'mem1' },
      fields: canonicalJson(entry.fields),
      score: { account: 0.5, final: 0.91, tags: 'vip,early' },
      optIn: { artistEmail: true, artistSMS: true },
      date: entry.date,
      ip: {
        address: '203.0.113.9',
        city: 'New York',
        country: 'US',
        latitude: '40.7',
        longitude: '-73.9',
        postalCode: '10001',
        region: 'NY',
      },
      nudetect: { sessionId: 's1', statusCode: 200, score: 12, scoreBand: 'low' },
      phonescore: { phoneType: 'mobile', carrier: 'Acme', location: { city: 'NYC' }, risk: { level: 1 } },
      os: { type: 'iOS', version: '17.2' },
      browser: { type: 'Safari', version: '17' },
    });
    expect(JSON.parse((record as { fields: string }).fields)).toEqual(entry.fields);
    expect(dedupe.timestamp).toBe('2026-02-12T10:00:00.000Z');
    // Profile fields stay inside `fields`; they are not top-level record fields.
    expect(record).not.toHaveProperty('email');
  });

  it('yields one registeredMarket per selected market with its 1-based rank', () => {
    const { records } = format({ type: 'registration', data: entry });
    expectValid(records);
    const markets = records.filter((r) => r.type === 'registeredMarket').map((r) => r.record);
    expect(markets).toEqual([
      { campaignId: 'c1', globalUserId: 'g1', marketId: 'm2', rank: 1, dedupe: expect.any(Object) },
      { campaignId: 'c1', globalUserId: 'g1', marketId: 'm1', rank: 2, dedupe: expect.any(Object) },
      { campaignId: 'c1', globalUserId: 'g1', marketId: 'm3', rank: 3, dedupe: expect.any(Object) },
    ]);
    const ids = new Set(records.map((r) => r.record.dedupe.id));
    expect(ids.size).toBe(4);
    expect(markets.every((m) => m.dedupe.timestamp === '2026-02-12T10:00:00.000Z')).toBe(true);
  });

  it('ranks a market listed twice at its first position; duplicates and empty entries shift no rank', () => {
    const { records } = format({
      type: 'registration',
      data: registrationEntry('c1', 'g1', ['m1', '', 'm2', 'm1', 'm3']),
    });
    expect(records.filter((r) => r.type === 'registeredMarket').map((r) => [r.record.marketId, r.record.rank])).toEqual(
      [
        ['m1', 1],
        ['m2', 2],
        ['m3', 3],
      ],
    );
  });

  it('formats the unmarshalled pipe image exactly like the plain entry', () => {
    expect(format({ type: 'registration', data: marshall(entry) })).toEqual(
      format({ type: 'registration', data: entry }),
    );
  });

  it('takes campaignId and globalUserId from PK/SK when the attributes are absent', () => {
    const { campaignId: _c, globalUserId: _g, ...keysOnly } = entry;
    expect(only({ type: 'registration', data: { ...keysOnly, fields: {} } })).toMatchObject({
      campaignId: 'c1',
      globalUserId: 'g1',
    });
    expect(() => format({ type: 'registration', data: { campaignId: 'c1', fields: {} } })).toThrow(
      'registration has no globalUserId',
    );
  });

  it('publishes a REMOVE as a deleted registration and deleted registeredMarkets', () => {
    const { records } = format({
      type: 'registration',
      data: {
        eventName: 'REMOVE',
        dynamodb: { OldImage: marshall(entry), ApproximateCreationDateTime: 1778000000000 },
      },
    });
    expectValid(records);
    expect(records.map((r) => [r.type, r.record.isDeleted])).toEqual([
      ['registration', true],
      ['registeredMarket', true],
      ['registeredMarket', true],
      ['registeredMarket', true],
    ]);
    expect(records.every((r) => r.record.dedupe.timestamp === new Date(1778000000000).toISOString())).toBe(true);
  });

  it('retracts markets a MODIFY removed, with their old rank', () => {
    const before = registrationEntry('c1', 'g1', ['m4', 'm1']);
    const { records } = format({
      type: 'registration',
      data: { eventName: 'MODIFY', dynamodb: { NewImage: marshall(entry), OldImage: marshall(before) } },
    });
    expect(records.filter((r) => r.type === 'registeredMarket').map((r) => r.record)).toEqual([
      expect.objectContaining({ marketId: 'm2', rank: 1 }),
      expect.objectContaining({ marketId: 'm1', rank: 2 }),
      expect.objectContaining({ marketId: 'm3', rank: 3 }),
      expect.objectContaining({ marketId: 'm4', rank: 1, isDeleted: true }),
    ]);
  });

  it('reads fields sent as JSON text and leaves out (and reports) text that is not a JSON object', () => {
    const text = JSON.stringify({ b: 2, a: 1 });
    expect(only({ type: 'registration', data: { ...entry, fields: text } }).fields).toBe('{"a":1,"b":2}');
    for (const fields of ['idvToken=abc', '[1]', 7]) {
      const { records, dropped } = format({ type: 'registration', data: { ...entry, fields } });
      expect(records[0].record).not.toHaveProperty('fields');
      expect(dropped).toEqual(['fields: expected an object or the JSON text of one']);
    }
  });
});

describe('dedupe', () => {
  it('gives the same id for the same data in a different key order', () => {
    const data = marketData();
    const reordered: Record<string, unknown> = Object.fromEntries(Object.entries(data).reverse());
    reordered.event = Object.fromEntries(Object.entries(data.event).reverse());
    expect(only({ type: 'market', data: reordered }).dedupe).toEqual(only({ type: 'MARKET', data }).dedupe);
  });

  it('gives a deletion of unchanged data a different id than its last write', () => {
    const write = only({ type: 'market', data: marketData() }).dedupe as { id: string };
    const removal = only({ type: 'market', isDeleted: true, data: marketData() }).dedupe as { id: string };
    expect(removal.id).not.toBe(write.id);
  });

  it('stamps records without a usable date.updated with the stable fallback (the SQS SentTimestamp)', () => {
    expect(only({ type: 'campaign', data: { id: 'c1' } }).dedupe).toMatchObject({ timestamp: NOW.toISOString() });
    expect(only({ type: 'campaign', data: { id: 'c1', date: { updated: 'soon' } } }).dedupe).toMatchObject({
      timestamp: NOW.toISOString(),
    });
    expect(only({ type: 'campaign', data: { id: 'c1', date: { updated: 1767225600 } } }).dedupe).toMatchObject({
      timestamp: '2026-01-01T00:00:00.000Z',
    });
  });

  it('reads a Mongo extended-JSON date.updated in every form', () => {
    for (const updated of [
      { $date: '2026-01-01T00:00:00Z' },
      { $date: 1767225600000 },
      { $date: { $numberLong: '1767225600000' } },
    ]) {
      expect(only({ type: 'market', data: { ...marketData(), date: { updated } } }).dedupe).toMatchObject({
        timestamp: '2026-01-01T00:00:00.000Z',
      });
    }
  });

  it('stamps a pipe record without date.updated with its change time, not the fallback', () => {
    const { date: _date, ...undated } = registrationEntry('c1', 'g1', ['m1']);
    const { records } = format({
      type: 'registration',
      data: {
        eventName: 'INSERT',
        dynamodb: { NewImage: marshall(undated), ApproximateCreationDateTime: 1778000000000 },
      },
    });
    expect(records.map((r) => r.record.dedupe.timestamp)).toEqual([
      new Date(1778000000000).toISOString(),
      new Date(1778000000000).toISOString(),
    ]);
  });
});
