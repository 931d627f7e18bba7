import { getConfig } from '../config';
import { RejectedRecordError } from '../runtime/errors';
import { isSecretKey, redact } from '../runtime/logger';
import { MAX_DEPTH } from './sanitise';
import { configuredSecretKeys, stripSecrets } from './stripSecrets';

const KEYS = ['token', 'authorization', 'password'];

describe('stripSecrets', () => {
  it('removes secret-named keys at every level, in arrays too, and keeps everything else', () => {
    const input = {
      campaignId: 'c1',
      idvToken: 'T',
      fields: { email: 'a@b.co', nested: { Authorization: 'Bearer T', keep: 1 }, list: [{ x_TOKEN_y: 'T', ok: true }] },
      markets: ['m1', 'm2'],
    };
    expect(stripSecrets(input, KEYS)).toEqual({
      campaignId: 'c1',
      fields: { email: 'a@b.co', nested: { keep: 1 }, list: [{ ok: true }] },
      markets: ['m1', 'm2'],
    });
    // A copy: the input is left as it was.
    expect(input.idvToken).toBe('T');
  });

  it('matches keys exactly as the logger redacts them (case-insensitive substrings)', () => {
    const keys = ['idvToken', 'sessionToken', 'PASSWORD', 'myPassword', 'passwd', 'author', 'tokens', 'name'];
    const redacted = redact(Object.fromEntries(keys.map((k) => [k, 'v'])), KEYS) as Record<string, unknown>;
    const stripped = stripSecrets(Object.fromEntries(keys.map((k) => [k, 'v'])), KEYS);
    for (const key of keys) {
      expect({ key, stripped: !(key in stripped) }).toEqual({ key, stripped: redacted[key] === '[REDACTED]' });
      expect(isSecretKey(key, KEYS)).toBe(!(key in stripped));
    }
    // Upper-case configured names are matched like the logger's lower-cased ones.
    expect(stripSecrets({ IdvToken: 1, a: 2 }, ['IDVTOKEN'])).toEqual({ a: 2 });
  });

  it('uses logging.secretKeys of the configuration by default', () => {
    expect(configuredSecretKeys()).toEqual(getConfig().logging.secretKeys.map((k) => k.toLowerCase()));
    expect(configuredSecretKeys()).toContain('idvtoken');
    expect(stripSecrets({ idvToken: 'T', authorization: 'A', cookie: 'C', name: 'n' })).toEqual({ name: 'n' });
  });

  it(`rejects data nested deeper than ${MAX_DEPTH} levels`, () => {
    const nest = (levels: number): unknown => (levels === 0 ? 'leaf' : [nest(levels - 1)]);
    expect(() => stripSecrets(nest(MAX_DEPTH), KEYS)).not.toThrow();
    expect(() => stripSecrets(nest(MAX_DEPTH + 1), KEYS)).toThrow(RejectedRecordError);
  });
});
