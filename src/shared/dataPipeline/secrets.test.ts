import { RejectedRecordError } from '../runtime/errors';
import { canonicalJson } from './canonicalJson';
import type { TypedDataRecord } from './schemas';
import { parseRegistrationFields, withoutSecrets } from './secrets';

const dedupe = { id: 'f'.repeat(64), timestamp: '2026-02-03T04:05:06.000Z' };
const KEYS = ['token', 'authorization', 'secret'];

describe('withoutSecrets', () => {
  it("removes secret-named keys from a record's open objects and arrays, keeping the rest", () => {
    const typed = {
      type: 'campaign',
      record: {
        campaignId: 'c1',
        image: { url: 'u', idvToken: 'T', sizes: [{ w: 1, Authorization: 'T' }] },
        locales: [{ id: 'en-US', clientSecret: 'T' }, 'fr-FR'],
        dedupe,
      },
    } as TypedDataRecord;
    expect(withoutSecrets(typed, KEYS)).toEqual({
      type: 'campaign',
      record: { campaignId: 'c1', image: { url: 'u', sizes: [{ w: 1 }] }, locales: [{ id: 'en-US' }, 'fr-FR'], dedupe },
    });
  });

  it("re-encodes a registration's fields text without its secrets, as canonical JSON", () => {
    const fields = JSON.stringify({ markets: ['m1'], idvToken: 'T', nested: { list: [{ AUTHORIZATION: 'T', a: 1 }] } });
    const typed = { type: 'registration', record: { campaignId: 'c1', globalUserId: 'g1', fields, dedupe } } as const;
    expect(withoutSecrets(typed, KEYS).record.fields).toBe(
      canonicalJson({ markets: ['m1'], nested: { list: [{ a: 1 }] } }),
    );
  });

  it('leaves the record it was given as it was, also when it has nothing to strip', () => {
    const fields = JSON.stringify({ markets: ['m1'], idvToken: 'T' });
    const record = { campaignId: 'c1', globalUserId: 'g1', fields, dedupe };
    const out = withoutSecrets({ type: 'registration', record } as const, KEYS);
    expect(record.fields).toBe(fields);
    expect(out.record.fields).toBe(canonicalJson({ markets: ['m1'] }));
    const clean = { type: 'campaign', record: { campaignId: 'c1', dedupe } } as TypedDataRecord;
    expect(withoutSecrets(clean, KEYS).record).toBe(clean.record);
  });

  it('refuses a registration whose fields text is not a JSON object, without quoting it', () => {
    for (const fields of ['idvToken=T', '[1,2]', '"text"']) {
      const typed = { type: 'registration', record: { campaignId: 'c1', globalUserId: 'g1', fields, dedupe } } as const;
      expect(() => withoutSecrets(typed, KEYS)).toThrow(RejectedRecordError);
      expect(() => withoutSecrets(typed, KEYS)).toThrow(/^registration fields is not the JSON text of an object$/);
    }
  });

  it('strips the configured logging.secretKeys by default', () => {
    const typed = {
      type: 'market',
      record: { campaignId: 'c1', marketId: 'm1', event: { idvToken: 'T' }, dedupe },
    } as const;
    expect(withoutSecrets(typed).record).toEqual({ campaignId: 'c1', marketId: 'm1', event: {}, dedupe });
  });
});

describe('parseRegistrationFields', () => {
  it('reads the JSON text of an object, without prototype-reaching keys', () => {
    expect(parseRegistrationFields('{"a":1,"__proto__":{"polluted":true}}')).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives undefined for text that is not the JSON of an object', () => {
    expect(parseRegistrationFields('nope')).toBeUndefined();
    expect(parseRegistrationFields('[]')).toBeUndefined();
    expect(parseRegistrationFields('null')).toBeUndefined();
  });
});
