import type { KeyObject } from 'node:crypto';
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { createIdvVerifier } from './idvToken';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const nowSeconds = NOW / 1000;
const b64 = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Signs a compact JWS the way an IDV issuer would. */
function signJwt(alg: string, claims: object, key: KeyObject, header: object = {}): string {
  const input = `${b64({ alg, typ: 'JWT', ...header })}.${b64(claims)}`;
  const hash = { RS256: 'sha256', PS256: 'sha256', ES256: 'sha256', EdDSA: null }[alg] ?? 'sha256';
  const options =
    alg === 'PS256'
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : alg === 'ES256'
        ? { key, dsaEncoding: 'ieee-p1363' as const }
        : key;
  return `${input}.${sign(hash, Buffer.from(input), options).toString('base64url')}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

const options = { issuer: 'https://idv.example', audience: 'verifiedfan', now: () => NOW };
const claims = {
  iss: options.issuer,
  aud: options.audience,
  sub: 'fan-1',
  iat: nowSeconds - 60,
  exp: nowSeconds + 600,
};

describe('IDV token verification', () => {
  const verify = createIdvVerifier({ ...options, publicKey: pem(rsa.publicKey) });

  it('accepts a token of the issuer for this audience whose subject is the fan', () => {
    expect(verify(signJwt('RS256', claims, rsa.privateKey), 'fan-1')).toEqual({ valid: true });
    expect(verify(signJwt('PS256', claims, rsa.privateKey), 'fan-1')).toEqual({ valid: true });
    expect(verify(signJwt('RS256', { ...claims, aud: ['other', 'verifiedfan'] }, rsa.privateKey), 'fan-1')).toEqual({
      valid: true,
    });
  });

  it('accepts ES256 tokens when the issuer key is a P-256 key', () => {
    const verifyEc = createIdvVerifier({ ...options, publicKey: pem(ec.publicKey) });
    expect(verifyEc(signJwt('ES256', claims, ec.privateKey), 'fan-1')).toEqual({ valid: true });
    expect(verifyEc(signJwt('RS256', claims, rsa.privateKey), 'fan-1')).toMatchObject({ valid: false });
  });

  it.each([
    ['another fan', { sub: 'fan-2' }],
    ['another issuer', { iss: 'https://evil.example' }],
    ['another audience', { aud: 'someone-else' }],
    ['an expired token', { exp: nowSeconds - 31 }],
    ['a token without exp', { exp: undefined }],
    ['a token not valid yet', { nbf: nowSeconds + 120 }],
  ])('refuses %s', (_what, change) => {
    expect(verify(signJwt('RS256', { ...claims, ...change }, rsa.privateKey), 'fan-1')).toMatchObject({ valid: false });
  });

  it('allows 30 s of clock skew on exp', () => {
    expect(verify(signJwt('RS256', { ...claims, exp: nowSeconds - 10 }, rsa.privateKey), 'fan-1')).toEqual({
      valid: true,
    });
  });

  it('refuses a token signed by another key, a tampered token, and unsigned or HMAC tokens', () => {
    expect(verify(signJwt('RS256', claims, other.privateKey), 'fan-1')).toMatchObject({
      valid: false,
      reason: 'bad signature',
    });
    const [h, , s] = signJwt('RS256', claims, rsa.privateKey).split('.');
    expect(verify(`${h}.${b64({ ...claims, sub: 'fan-2' })}.${s}`, 'fan-2')).toMatchObject({
      valid: false,
      reason: 'bad signature',
    });
    expect(verify(`${b64({ alg: 'none' })}.${b64(claims)}.`, 'fan-1')).toMatchObject({ valid: false });
    expect(verify(`${b64({ alg: 'HS256' })}.${b64(claims)}.${b64('sig')}`, 'fan-1')).toMatchObject({ valid: false });
  });

  it('refuses tokens with critical header extensions it does not understand', () => {
    expect(verify(signJwt('RS256', claims, rsa.privateKey, { crit: ['b64'], b64: false }), 'fan-1')).toMatchObject({
      valid: false,
    });
  });

  it('refuses missing, malformed and oversized tokens, and fans without a globalUserId', () => {
    expect(verify(undefined, 'fan-1')).toMatchObject({ valid: false });
    expect(verify('not-a-jwt', 'fan-1')).toMatchObject({ valid: false });
    expect(verify('a.b.c', 'fan-1')).toMatchObject({ valid: false });
    expect(verify('x'.repeat(20000), 'fan-1')).toMatchObject({ valid: false });
    expect(verify(signJwt('RS256', claims, rsa.privateKey), undefined)).toMatchObject({ valid: false });
    expect(verify(`${signJwt('RS256', claims, rsa.privateKey)}AAAA`, 'fan-1')).toMatchObject({ valid: false });
  });

  it('refuses every token when no key (or a broken key) is configured, saying why and that it is configuration', () => {
    const token = signJwt('RS256', claims, rsa.privateKey);
    expect(createIdvVerifier({ ...options, publicKey: '' })(token, 'fan-1')).toEqual({
      valid: false,
      reason: 'no IDV public key is configured (eligibility.idv.publicKey)',
      misconfigured: true,
    });
    expect(createIdvVerifier({ ...options, publicKey: 'not a pem' })(token, 'fan-1')).toEqual({
      valid: false,
      reason: expect.stringMatching(/not a valid public key/),
      misconfigured: true,
    });
    const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(createIdvVerifier({ ...options, publicKey: privatePem })(token, 'fan-1')).toEqual({
      valid: false,
      reason: 'eligibility.idv.publicKey holds a private key; configure the issuer public key',
      misconfigured: true,
    });
  });

  it('never calls a bad or missing token a configuration problem when the key is usable', () => {
    expect(verify(undefined, 'fan-1')).toEqual({ valid: false, reason: 'no token' });
    expect(verify(signJwt('RS256', claims, other.privateKey), 'fan-1')).toEqual({ valid: false, reason: 'bad signature' });
  });
});
