import type { KeyObject } from 'node:crypto';
import { createPrivateKey, sign } from 'node:crypto';
import type { GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

/** Environment variable that, when set, holds the service JWT private key (PEM). */
export const SERVICE_JWT_PRIVATE_KEY_ENV = 'SERVICE_JWT_PRIVATE_KEY';

/** A token is replaced this long before it expires, so no request carries an almost-dead token. */
export const TOKEN_REFRESH_MARGIN_SECONDS = 60;

export interface ServiceTokenClaims {
  sub: string;
  isSupreme: true;
  iss: string;
  iat: number;
  exp: number;
}

export interface TokenProviderOptions {
  /** Worker name; becomes the `sub` claim. */
  worker: string;
  issuer: string;
  /** Token lifetime; must exceed the one-minute refresh margin. */
  ttlSeconds: number;
  loadPrivateKey: () => Promise<string>;
  /** Clock in epoch milliseconds. */
  now?: () => number;
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** Imports a PEM RSA private key (PKCS#8 or PKCS#1) for RS256 signing. */
export function importRsaPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new Error(`service JWT private key is not a valid PEM private key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`service JWT private key must be RSA for RS256, got ${key.asymmetricKeyType}`);
  }
  return key;
}

/** Signs `claims` as a compact RS256 JWT. */
export function signRs256(claims: object, key: KeyObject): string {
  const input = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${base64url(sign('sha256', Buffer.from(input), key))}`;
}

/** Returns a function that yields a service JWT, signing a new one a minute before the cached one expires. */
export function createTokenProvider(options: TokenProviderOptions): () => Promise<string> {
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= TOKEN_REFRESH_MARGIN_SECONDS) {
    throw new RangeError(
      `ttlSeconds must be an integer above ${TOKEN_REFRESH_MARGIN_SECONDS}, got ${options.ttlSeconds}`,
    );
  }
  const now = options.now ?? Date.now;
  let key: Promise<KeyObject> | undefined;
  let cached: { token: string; exp: number } | undefined;

  const getKey = (): Promise<KeyObject> => {
    if (!key) {
      key = options.loadPrivateKey().then(importRsaPrivateKey);
      // A failed load is not cached: the next call tries again.
      key.catch(() => {
        key = undefined;
      });
    }
    return key;
  };

  return async () => {
    const nowSeconds = Math.floor(now() / 1000);
    if (cached && nowSeconds < cached.exp - TOKEN_REFRESH_MARGIN_SECONDS) {
      return cached.token;
    }
    const privateKey = await getKey();
    const iat = Math.floor(now() / 1000);
    const claims: ServiceTokenClaims = {
      sub: options.worker,
      isSupreme: true,
      iss: options.issuer,
      iat,
      exp: iat + options.ttlSeconds,
    };
    cached = { token: signRs256(claims, privateKey), exp: claims.exp };
    return cached.token;
  };
}

function assertPem(value: string, source: string): string {
  // Keys pasted into environment variables often carry literal "\n" sequences.
  const pem = value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new Error(`${source} does not hold a PEM private key`);
  }
  return pem.trim();
}

/** Reads the PEM private key from environment variable `name`. */
export async function loadPrivateKeyFromEnv(
  name: string = SERVICE_JWT_PRIVATE_KEY_ENV,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const value = env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is not set`);
  }
  return assertPem(value, `environment variable ${name}`);
}

export interface SecretsManagerLike {
  send(command: GetSecretValueCommand): Promise<Pick<GetSecretValueCommandOutput, 'SecretString'>>;
}

/** Reads the PEM private key from a Secrets Manager secret holding the PEM or JSON `{ privateKey }`. */
export async function loadPrivateKeyFromSecret(client: SecretsManagerLike, secretId: string): Promise<string> {
  const { SecretString: secret } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!secret) {
    throw new Error(`secret ${secretId} has no SecretString`);
  }
  const source = `secret ${secretId}`;
  if (secret.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(secret);
    } catch {
      throw new Error(`${source} is neither a PEM key nor valid JSON`);
    }
    const privateKey = (parsed as { privateKey?: unknown }).privateKey;
    if (typeof privateKey !== 'string') {
      throw new Error(`${source} is JSON without a string "privateKey"`);
    }
    return assertPem(privateKey, source);
  }
  return assertPem(secret, source);
}

/** Key loader for the worker wiring: the environment variable when set, else the secret. */
export function selectPrivateKeyLoader(options: {
  client: SecretsManagerLike;
  secretId: string;
  env?: NodeJS.ProcessEnv;
}): () => Promise<string> {
  const env = options.env ?? process.env;
  return env[SERVICE_JWT_PRIVATE_KEY_ENV]
    ? () => loadPrivateKeyFromEnv(SERVICE_JWT_PRIVATE_KEY_ENV, env)
    : () => loadPrivateKeyFromSecret(options.client, options.secretId);
}
