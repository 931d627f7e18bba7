import type { KeyObject } from 'node:crypto';
import { generateKeyPairSync, verify } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerLike } from './jwt';
import {
  createTokenProvider,
  importRsaPrivateKey,
  loadPrivateKeyFromEnv,
  loadPrivateKeyFromSecret,
  selectPrivateKeyLoader,
} from './jwt';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

function decode(token: string, key: KeyObject = publicKey) {
  const [header, payload, signature] = token.split('.');
  const valid = verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'));
  return {
    valid,
    header: JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>,
  };
}

function provider(overrides: { ttlSeconds?: number; load?: () => Promise<string> } = {}) {
  let nowMs = Date.parse('2026-03-01T12:00:00Z');
  let loads = 0;
  const getToken = createTokenProvider({
    worker: 'saveEntries',
    issuer: 'reg-workers',
    ttlSeconds: overrides.ttlSeconds ?? 3600,
    loadPrivateKey: async () => {
      loads++;
      return (overrides.load ?? (async () => pkcs8))();
    },
    now: () => nowMs,
  });
  return {
    getToken,
    advance: (seconds: number) => (nowMs += seconds * 1000),
    loads: () => loads,
    nowSeconds: () => Math.floor(nowMs / 1000),
  };
}

describe('createTokenProvider', () => {
  it('signs an RS256 JWT with the service claims, verifiable with the public key', async () => {
    const { getToken, nowSeconds } = provider();
    const { valid, header, claims } = decode(await getToken());
    expect(valid).toBe(true);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(claims).toEqual({
      sub: 'saveEntries',
      isSupreme: true,
      iss: 'reg-workers',
      iat: nowSeconds(),
      exp: nowSeconds() + 3600,
    });
  });

  it('does not verify with another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const { getToken } = provider();
    expect(decode(await getToken(), other).valid).toBe(false);
  });

  it('reuses the token until one minute before expiry, then signs a new one', async () => {
    const { getToken, advance, loads } = provider({ ttlSeconds: 600 });
    const first = await getToken();
    advance(539);
    expect(await getToken()).toBe(first);
    advance(1);
    const second = await getToken();
    expect(second).not.toBe(first);
    expect(decode(second).claims.exp).toBe((decode(first).claims.exp as number) + 540);
    expect(loads()).toBe(1);
  });

  it('loads the key again after a failed load', async () => {
    let attempt = 0;
    const { getToken } = provider({
      load: async () => {
        attempt++;
        if (attempt === 1) {
          throw new Error('secrets manager unavailable');
        }
        return pkcs8;
      },
    });
    await expect(getToken()).rejects.toThrow('secrets manager unavailable');
    expect(decode(await getToken()).valid).toBe(true);
  });

  it('rejects a lifetime not above the refresh margin', () => {
    expect(() =>
      createTokenProvider({ worker: 'w', issuer: 'i', ttlSeconds: 60, loadPrivateKey: async () => pkcs8 }),
    ).toThrow(RangeError);
  });

  it('rejects keys that are not RSA private keys', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => importRsaPrivateKey(ec)).toThrow('must be RSA for RS256, got ec');
    expect(() => importRsaPrivateKey('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----')).toThrow(
      'not a valid PEM private key',
    );
    const { getToken } = provider({ load: async () => ec });
    await expect(getToken()).rejects.toThrow('must be RSA');
  });

  it('accepts PKCS#1 keys too', async () => {
    const { getToken } = provider({ load: async () => pkcs1 });
    expect(decode(await getToken()).valid).toBe(true);
  });
});

describe('loadPrivateKeyFromEnv', () => {
  it('reads the PEM, turning literal \\n sequences into newlines', async () => {
    const escaped = pkcs8.trim().replace(/\n/g, '\\n');
    await expect(loadPrivateKeyFromEnv('KEY', { KEY: escaped })).resolves.toBe(pkcs8.trim());
    await expect(loadPrivateKeyFromEnv('KEY', { KEY: pkcs8 })).resolves.toBe(pkcs8.trim());
  });

  it('fails clearly when unset or not a PEM key, without echoing the value', async () => {
    await expect(loadPrivateKeyFromEnv('KEY', {})).rejects.toThrow('environment variable KEY is not set');
    const error = (await loadPrivateKeyFromEnv('KEY', { KEY: 'hunter2' }).catch((e: Error) => e)) as Error;
    expect(error.message).toBe('environment variable KEY does not hold a PEM private key');
  });
});

describe('loadPrivateKeyFromSecret', () => {
  const secrets = (secretString: string | undefined) => {
    const asked: string[] = [];
    const client: SecretsManagerLike = {
      send: async (command: GetSecretValueCommand) => {
        expect(command).toBeInstanceOf(GetSecretValueCommand);
        asked.push(command.input.SecretId ?? '');
        return { SecretString: secretString };
      },
    };
    return { client, asked };
  };

  it('reads a PEM secret', async () => {
    const { client, asked } = secrets(pkcs8);
    await expect(loadPrivateKeyFromSecret(client, 'service-jwt-key')).resolves.toBe(pkcs8.trim());
    expect(asked).toEqual(['service-jwt-key']);
  });

  it('reads a JSON secret { privateKey }', async () => {
    const { client } = secrets(JSON.stringify({ privateKey: pkcs8 }));
    const key = await loadPrivateKeyFromSecret(client, 'service-jwt-key');
    const { getToken } = provider({ load: async () => key });
    expect(decode(await getToken()).valid).toBe(true);
  });

  it('fails clearly for empty, malformed or keyless secrets', async () => {
    await expect(loadPrivateKeyFromSecret(secrets(undefined).client, 's')).rejects.toThrow(
      'secret s has no SecretString',
    );
    await expect(loadPrivateKeyFromSecret(secrets('{nope').client, 's')).rejects.toThrow(
      'neither a PEM key nor valid JSON',
    );
    await expect(loadPrivateKeyFromSecret(secrets('{"key":"x"}').client, 's')).rejects.toThrow(
      'JSON without a string "privateKey"',
    );
    await expect(loadPrivateKeyFromSecret(secrets('plain text').client, 's')).rejects.toThrow(
      'secret s does not hold a PEM private key',
    );
  });
});

describe('selectPrivateKeyLoader', () => {
  const client: SecretsManagerLike = { send: async () => ({ SecretString: JSON.stringify({ privateKey: pkcs1 }) }) };

  it('prefers SERVICE_JWT_PRIVATE_KEY when set', async () => {
    await expect(
      selectPrivateKeyLoader({ client, secretId: 's', env: { SERVICE_JWT_PRIVATE_KEY: pkcs8 } })(),
    ).resolves.toBe(pkcs8.trim());
  });

  it('falls back to the secret', async () => {
    await expect(selectPrivateKeyLoader({ client, secretId: 's', env: {} })()).resolves.toBe(pkcs1.trim());
  });
});
