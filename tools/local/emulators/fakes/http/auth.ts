/** The bearer-token check of the fakes: RS256 JWT verification and the per-request auth rule. */
import type { KeyObject } from 'node:crypto';
import { verify } from 'node:crypto';
import type { FakeDefinition, FakeRequest, FakeResponse } from '../server';
import type { ErrorBody } from './dispatch';

/** Verifies an RS256 JWT with `key`; returns its claims or a reason it is not acceptable. */
export function verifyRs256(
  token: string,
  key: KeyObject,
  nowSeconds = Math.floor(Date.now() / 1000),
): { claims: Record<string, unknown> } | { reason: string } {
  const parts = token.split('.');
  if (parts.length !== 3) {
    return { reason: 'token is not a compact JWT' };
  }
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: string };
    if (header.alg !== 'RS256') {
      return { reason: `unexpected alg ${header.alg}` };
    }
    if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], 'base64url'))) {
      return { reason: 'bad signature' };
    }
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) {
      return { reason: 'token expired' };
    }
    return { claims };
  } catch {
    return { reason: 'malformed token' };
  }
}

/**
 * The response refusing `req` under the fake's `auth` rule, or `undefined` when it may go on (with
 * `req.claims` set when the token was verified): `bearer` requires a bearer token, verified with
 * `publicKey` when there is one, and then a supreme user.
 */
export function authorize(
  req: FakeRequest,
  auth: FakeDefinition['auth'],
  publicKey: KeyObject | undefined,
  errorBody: ErrorBody,
): FakeResponse | undefined {
  if (auth === 'none') {
    return undefined;
  }
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer (\S+)$/.exec(header) : null;
  if (!match) {
    return errorBody(401, 'unauthorized', 'a Bearer token is required');
  }
  if (!publicKey) {
    return undefined;
  }
  const result = verifyRs256(match[1], publicKey);
  if ('reason' in result) {
    return errorBody(401, 'invalidToken', result.reason);
  }
  if (result.claims.isSupreme !== true) {
    return errorBody(403, 'supremeUserRequired', 'a supreme token is required');
  }
  req.claims = result.claims;
  return undefined;
}
