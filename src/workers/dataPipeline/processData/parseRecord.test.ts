import { marshall } from '@aws-sdk/util-dynamodb';
import { RejectedRecordError } from '../../../shared/runtime/errors';
import { marketData, registrationEntry } from '../../../../tools/local/emulators/producers';
import { parseDataRecord } from './parseRecord';
import { isAttributeValueMap, unmarshallData } from './plainData';

const reasonOf = (body: unknown): string => {
  try {
    parseDataRecord(body);
  } catch (error) {
    expect(error).toBeInstanceOf(RejectedRecordError);
    return (error as RejectedRecordError).reason;
  }
  throw new Error('expected a rejection');
};

describe('parseDataRecord: type', () => {
  it.each([
    ['CAMPAIGN', 'campaign'],
    ['campaign', 'campaign'],
    ['MARKET', 'market'],
    ['EVENT_MAPPING', 'eventMapping'],
    ['eventMapping', 'eventMapping'],
    ['REGISTERED_MARKET', 'registeredMarket'],
    ['registeredMarket', 'registeredMarket'],
    ['REGISTRATION', 'registration'],
    ['Registration', 'registration'],
  ])('accepts %s as %s', (type, expected) => {
    expect(parseDataRecord({ type, data: { id: 'x' } }).type).toBe(expected);
  });

  it('rejects a missing or unknown type, naming the known ones', () => {
    expect(reasonOf({ data: { id: 'x' } })).toBe('record has no type');
    expect(reasonOf({ type: 'ENTRY', data: { id: 'x' } })).toBe(
      'unknown type "ENTRY"; expected one of campaign, market, eventMapping, registeredMarket, registration (any case)',
    );
    expect(reasonOf({ type: 7, data: { id: 'x' } })).toMatch(/^unknown type number/);
  });

  it('rejects a body that is not an object', () => {
    expect(reasonOf([{ type: 'campaign' }])).toBe('message body must be a JSON object { type, data }, not an array');
    expect(reasonOf('campaign')).toBe('message body must be a JSON object { type, data }, not "campaign"');
    expect(reasonOf(null)).toBe('message body must be a JSON object { type, data }, not null');
  });
});

describe('parseDataRecord: data', () => {
  it.each([
    [undefined, 'campaign data must be a non-empty object, not missing'],
    [null, 'campaign data must be a non-empty object, not null'],
    [[], 'campaign data must be a non-empty object, not an array'],
    [[{ id: 'c1' }], 'campaign data must be a non-empty object, not an array'],
    ['{"id":"c1"}', 'campaign data must be a non-empty object, not "{"id":"c1"}"'],
    [{}, 'campaign data is empty'],
  ])('rejects data %j', (data, reason) => {
    expect(reasonOf({ type: 'CAMPAIGN', data })).toBe(reason);
  });

  it('keeps plain data as plain data', () => {
    const parsed = parseDataRecord({ type: 'MARKET', data: marketData() });
    expect(parsed).toEqual({ type: 'market', data: marketData(), isDeleted: false, fromDynamoDb: false });
  });

  it('does not mistake a plain record with an attribute-value-like field for DynamoDB data', () => {
    const data = { id: 'c1', note: { S: 'looks like an attribute value' } };
    const parsed = parseDataRecord({ type: 'campaign', data });
    expect(parsed.fromDynamoDb).toBe(false);
    expect(parsed.data).toEqual(data);
  });

  it('marks a deletion from isDeleted on the record or the data, or eventName REMOVE', () => {
    expect(parseDataRecord({ type: 'market', data: { id: 'm1', isDeleted: true } }).isDeleted).toBe(true);
    expect(parseDataRecord({ type: 'market', isDeleted: true, data: { id: 'm1' } }).isDeleted).toBe(true);
    expect(parseDataRecord({ type: 'market', eventName: 'REMOVE', data: { id: 'm1' } }).isDeleted).toBe(true);
    expect(parseDataRecord({ type: 'market', data: { id: 'm1', isDeleted: false } }).isDeleted).toBe(false);
  });

  it('rejects data nested absurdly deep', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i++) {
      deep = { d: deep };
    }
    expect(reasonOf({ type: 'campaign', data: { id: 'c1', deep } })).toBe('data is nested deeper than 32 levels');
  });
});

describe('parseDataRecord: DynamoDB attribute values (demand-table pipe)', () => {
  const entry = registrationEntry();

  it('detects an attribute-value image only when every top-level value is one', () => {
    expect(isAttributeValueMap(marshall(entry))).toBe(true);
    expect(isAttributeValueMap({ a: { S: 'x' }, b: { N: '1' }, c: { NULL: true }, d: { BOOL: false } })).toBe(true);
    expect(isAttributeValueMap({ a: { S: 'x' }, b: 'plain' })).toBe(false);
    expect(isAttributeValueMap({ a: { S: 1 } })).toBe(false);
    expect(isAttributeValueMap({ a: { S: 'x', N: '1' } })).toBe(false);
    expect(isAttributeValueMap({ a: { X: 'x' } })).toBe(false);
    expect(isAttributeValueMap({})).toBe(false);
  });

  it('unmarshalls an image to the plain entry', () => {
    const parsed = parseDataRecord({ type: 'REGISTRATION', data: marshall(entry) });
    expect(parsed).toEqual({ type: 'registration', data: entry, isDeleted: false, fromDynamoDb: true });
  });

  it('turns sets into sorted arrays, keeps binary as its base64 text and numbers as numbers', () => {
    const data = unmarshallData({
      tags: { SS: ['b', 'a'] },
      scores: { NS: ['2', '1.5'] },
      blob: { B: 'aGk=' },
      big: { N: '9007199254740991' },
      nested: { M: { list: { L: [{ N: '1' }, { S: 'x' }, { NULL: true }] } } },
    });
    expect(data).toEqual({
      tags: ['a', 'b'],
      scores: [1.5, 2],
      blob: 'aGk=',
      big: 9007199254740991,
      nested: { list: [1, 'x', null] },
    });
  });

  it('rejects an image holding a number a JSON number would round, quoting it', () => {
    for (const n of ['12345678901234567890', '9007199254740993', '1e400', '0.12345678901234567891']) {
      expect(reasonOf({ type: 'registration', data: { PK: { S: 'e:c1' }, fields: { M: { count: { N: n } } } } })).toBe(
        `data holds numbers JSON cannot carry exactly (they would arrive rounded): ${n}`,
      );
    }
  });

  it('rejects malformed attribute values with a reason', () => {
    expect(reasonOf({ type: 'registration', data: { a: { L: [{ Q: 1 }] } } })).toMatch(
      /^DynamoDB attribute values could not be unmarshalled/,
    );
  });

  it('takes the new image of an INSERT or MODIFY change record and keeps the old one', () => {
    const before = registrationEntry('c1', 'g1', ['m1', 'm2']);
    const parsed = parseDataRecord({
      type: 'REGISTRATION',
      data: {
        eventName: 'MODIFY',
        dynamodb: { NewImage: marshall(entry), OldImage: marshall(before), ApproximateCreationDateTime: 1770000000000 },
      },
    });
    expect(parsed).toEqual({
      type: 'registration',
      data: entry,
      previous: before,
      isDeleted: false,
      fromDynamoDb: true,
      changedAt: new Date(1770000000000).toISOString(),
    });
  });

  it('takes the old image of a REMOVE and marks the deletion', () => {
    const parsed = parseDataRecord({
      type: 'registration',
      data: { eventName: 'REMOVE', dynamodb: { OldImage: marshall(entry), ApproximateCreationDateTime: 1770000000 } },
    });
    expect(parsed.isDeleted).toBe(true);
    expect(parsed.data).toEqual(entry);
    expect(parsed.changedAt).toBe(new Date(1770000000000).toISOString());
  });

  it('rejects a change record without the image it needs', () => {
    expect(
      reasonOf({ type: 'registration', data: { eventName: 'REMOVE', dynamodb: { NewImage: marshall(entry) } } }),
    ).toBe('registration change record (REMOVE) has no OldImage');
  });

  it('accepts an image with eventName REMOVE on the record as a deletion', () => {
    const parsed = parseDataRecord({ type: 'registration', eventName: 'REMOVE', data: marshall(entry) });
    expect(parsed.isDeleted).toBe(true);
    expect(parsed.fromDynamoDb).toBe(true);
  });
});

describe('parseDataRecord: prototype pollution', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  it('drops __proto__, constructor and prototype keys from plain data at every level', () => {
    const body = JSON.parse(
      '{"type":"campaign","data":{"id":"c1","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},' +
        '"image":{"__proto__":{"polluted":true},"main":{"url":"u"}}}}',
    );
    const { data } = parseDataRecord(body);
    expect(Object.keys(data)).toEqual(['id', 'image']);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(data.image)).toBe(Object.prototype);
    expect((data as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops them from DynamoDB images too (the SDK unmarshaller would assign them)', () => {
    const image = JSON.parse(
      '{"campaignId":{"S":"c1"},"__proto__":{"M":{"polluted":{"BOOL":true}}},' +
        '"fields":{"M":{"constructor":{"M":{"prototype":{"M":{"polluted":{"BOOL":true}}}}},"markets":{"L":[{"S":"m1"}]}}}}',
    );
    const { data } = parseDataRecord({ type: 'registration', data: image });
    expect(data).toEqual({ campaignId: 'c1', fields: { markets: ['m1'] } });
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
