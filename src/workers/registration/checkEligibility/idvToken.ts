/**
 * Verification of the identity-verification token a fan brings for the `idv` gate
 * (DECISIONS.md [27]): a compact JWS from the configured IDV issuer, for the configured
 * audience, whose subject is the fan.
 *
 * Written on node:crypto rather than `jose`: jose 6 is ESM-only, which jest cannot load on
 * Node 22 with this project's CommonJS transform (see docs/registration-replication.md).
 * The checks are the ones jose's jwtVerify makes, with the algorithm fixed by the key's type so
 * no token can choose a weaker one (no `none`, no HMAC with the public key).
 */
import type { KeyObject } from 'node:crypto';
import { constants, createPublicKey, verify } from 'node:crypto';
import { quote } from '../../../shared/runtime/quote';

/**
 * `misconfigured`: the verifier has no usable issuer key (eligibility.idv.publicKey empty or not
 * a public key), so the token was never looked at: a deployment problem, not the fan's.
 */
export type IdvCheck = { valid: true } | { valid: false; reason: string; misconfigured?: true };
export type IdvVerifier = (token: unknown, subject: string | undefined) => IdvCheck;

export interface IdvVerifierOptions {
  /**
   * PEM (SPKI) public key of the issuer; empty means no token can be verified (each check then
   * says `misconfigured`). Deployed, Terraform sets it per environment (IDV_PUBLIC_KEY).
   */
  publicKey: string;
  issuer: string;
  audience: string;
  /** Clock skew allowed on `exp` / `nbf` / `iat`. */
  clockToleranceSeconds?: number;
  now?: () => number;
}

interface Algorithm {
  hash: string;
  pss?: boolean;
  ecdsa?: boolean;
}

const RSA_ALGORITHMS: Record<string, Algorithm> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pss: true },
  PS384: { hash: 'sha384', pss: true },
  PS512: { hash: 'sha512', pss: true },
};
const EC_ALGORITHMS: Record<string, Record<string, Algorithm>> = {
  prime256v1: { ES256: { hash: 'sha256', ecdsa: true } },
  secp384r1: { ES384: { hash: 'sha384', ecdsa: true } },
  secp521r1: { ES512: { hash: 'sha512', ecdsa: true } },
};

/** The algorithms a key can verify, by its type (and curve). */
function algorithmsFor(key: KeyObject): Record<string, Algorithm> {
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return RSA_ALGORITHMS;
    case 'ec':
      return EC_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? {};
    case 'ed25519':
      return { EdDSA: { hash: '' } };
    default:
      return {};
  }
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function checkClaims(
  claims: Record<string, unknown>,
  options: IdvVerifierOptions,
  subject: string,
  nowSeconds: number,
): IdvCheck {
  const tolerance = options.clockToleranceSeconds ?? 30;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== options.issuer) {
    return { valid: false, reason: 'issuer is not the IDV issuer' };
  }
  if (!audiences.includes(options.audience)) {
    return { valid: false, reason: 'audience does not match' };
  }
  if (typeof claims.exp !== 'number' || claims.exp + tolerance <= nowSeconds) {
    return { valid: false, reason: 'token has expired or has no exp' };
  }
  if (typeof claims.nbf === 'number' && claims.nbf - tolerance > nowSeconds) {
    return { valid: false, reason: 'token is not valid yet' };
  }
  if (claims.sub !== subject) {
    return { valid: false, reason: 'token subject is not this fan' };
  }
  return { valid: true };
}

function verifySignature(
  algorithm: Algorithm,
  signed: Buffer,
  key: Parameters<typeof verify>[2],
  signature: Buffer,
): boolean {
  try {
    return verify(algorithm.hash || null, signed, key, signature);
  } catch {
    // A signature of the wrong length or encoding throws instead of returning false.
    return false;
  }
}

/** Builds the verifier once per execution environment; the key is parsed here, not per call. */
export function createIdvVerifier(options: IdvVerifierOptions): IdvVerifier {
  const now = options.now ?? Date.now;
  let key: KeyObject | undefined;
  let keyProblem: string | undefined;
  if (options.publicKey.trim() === '') {
    keyProblem = 'no IDV public key is configured (eligibility.idv.publicKey)';
  } else if (/PRIVATE KEY-----/.test(options.publicKey)) {
    // createPublicKey would quietly derive the public half; a private key has no place here.
    keyProblem = 'eligibility.idv.publicKey holds a private key; configure the issuer public key';
  } else {
    try {
      key = createPublicKey(options.publicKey);
    } catch (error) {
      keyProblem = `eligibility.idv.publicKey is not a valid public key: ${(error as Error).message}`;
    }
  }
  const algorithms = key ? algorithmsFor(key) : {};

  return (token, subject) => {
    if (!key) {
      return { valid: false, reason: keyProblem ?? 'no key', misconfigured: true };
    }
    if (typeof token !== 'string' || token.length > 16384) {
      return { valid: false, reason: 'no token' };
    }
    if (!subject) {
      return { valid: false, reason: 'the fan has no globalUserId' };
    }
    const parts = token.split('.');
    const header = parts.length === 3 ? decodeJson(parts[0]) : undefined;
    const claims = parts.length === 3 ? decodeJson(parts[1]) : undefined;
    if (!header || !claims) {
      return { valid: false, reason: 'token is not a compact JWS' };
    }
    const algorithm = typeof header.alg === 'string' ? algorithms[header.alg] : undefined;
    if (!algorithm || header.crit !== undefined) {
      return { valid: false, reason: `algorithm ${quote(header.alg)} is not accepted for this key` };
    }
    const signature = Buffer.from(parts[2], 'base64url');
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    const verifyKey = {
      key,
      ...(algorithm.pss
        ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
        : {}),
      ...(algorithm.ecdsa ? { dsaEncoding: 'ieee-p1363' as const } : {}),
    };
    if (!verifySignature(algorithm, signed, verifyKey, signature)) {
      return { valid: false, reason: 'bad signature' };
    }
    return checkClaims(claims, options, subject, Math.floor(now() / 1000));
  };
}
