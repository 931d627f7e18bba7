import { RejectedRecordError } from '../../../shared/runtime/errors';
import { resolveRecord } from './resolveRecord';

const dedupe = { id: 'a'.repeat(64), timestamp: '2026-02-03T04:05:06.000Z' };
const registration = { campaignId: 'c1', globalUserId: 'g1', fields: '{"markets":["m1"]}', dedupe };

const reasonOf = (message: Parameters<typeof resolveRecord>[0]): string => {
  try {
    resolveRecord(message);
  } catch (error) {
    expect(error).toBeInstanceOf(RejectedRecordError);
    return (error as RejectedRecordError).reason;
  }
  throw new Error('expected a rejection');
};

describe('resolveRecord', () => {
  it('reads the type from the message attribute (raw delivery) and builds the key', () => {
    expect(resolveRecord({ messageId: '1', body: registration, messageAttributes: { type: 'registration' } })).toEqual({
      type: 'registration',
      record: registration,
      key: 'c1:g1',
      unwrapped: false,
    });
  });

  it('unwraps an SNS envelope when the attribute is missing', () => {
    const envelope = {
      Type: 'Notification',
      MessageId: 'x',
      TopicArn: 'arn:t',
      Message: JSON.stringify(registration),
      MessageAttributes: { type: { Type: 'String', Value: 'registration' } },
    };
    expect(resolveRecord({ messageId: '1', body: envelope, messageAttributes: {} })).toEqual({
      type: 'registration',
      record: registration,
      key: 'c1:g1',
      unwrapped: true,
    });
  });

  it('rejects a message without a type or with an unknown one', () => {
    expect(reasonOf({ messageId: '1', body: registration, messageAttributes: {} })).toBe(
      'message has no "type" attribute (SNS raw delivery sets it) and is not an SNS envelope',
    );
    expect(reasonOf({ messageId: '1', body: registration, messageAttributes: { type: 'entry' } })).toBe(
      'unknown type "entry"; expected one of campaign, market, eventMapping, registeredMarket, registration',
    );
  });

  it('rejects an envelope whose Message is not JSON', () => {
    expect(
      reasonOf({ messageId: '1', body: { Type: 'Notification', Message: 'nope' }, messageAttributes: {} }),
    ).toMatch(/^SNS envelope Message is not valid JSON/);
  });

  it('rejects a schema failure with ajv text naming each problem', () => {
    expect(
      reasonOf({
        messageId: '1',
        body: { campaignId: 'c1', marketId: 7, dedupe: { id: 'x', timestamp: dedupe.timestamp } },
        messageAttributes: { type: 'market' },
      }),
    ).toBe(
      'schema validation failed: market/marketId must be string; market/dedupe/id must match pattern "^[0-9a-f]{64}$"',
    );
    expect(reasonOf({ messageId: '1', body: [1], messageAttributes: { type: 'campaign' } })).toBe(
      'schema validation failed: campaign must be object',
    );
  });

  it('sends no secret-named key (logging.secretKeys): open objects and the fields text lose them', () => {
    const campaign = {
      campaignId: 'c1',
      image: { url: 'u', idvToken: 'T' },
      locales: [{ id: 'en', cookie: 'T' }],
      dedupe,
    };
    expect(resolveRecord({ messageId: '1', body: campaign, messageAttributes: { type: 'campaign' } }).record).toEqual({
      campaignId: 'c1',
      image: { url: 'u' },
      locales: [{ id: 'en' }],
      dedupe,
    });
    const fields = JSON.stringify({ markets: ['m1'], idvToken: 'T', more: [{ Authorization: 'T' }] });
    const resolved = resolveRecord({
      messageId: '1',
      body: { ...registration, fields },
      messageAttributes: { type: 'registration' },
    });
    expect(resolved.record).toEqual({ ...registration, fields: '{"markets":["m1"],"more":[{}]}' });
  });

  it('rejects a registration whose fields text is not a JSON object, without quoting it', () => {
    expect(
      reasonOf({
        messageId: '1',
        body: { ...registration, fields: 'idvToken=T' },
        messageAttributes: { type: 'registration' },
      }),
    ).toBe('registration fields is not the JSON text of an object');
  });
});
