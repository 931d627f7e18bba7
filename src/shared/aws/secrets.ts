import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

/**
 * Secrets Manager reads cached per execution environment for `ttlSeconds`, so a rotated
 * secret is picked up without a redeploy; concurrent first reads share one request.
 */
export function createSecretCache(client: SecretsManagerClient, ttlSeconds: number, now: () => number = Date.now) {
  const entries = new Map<string, { value: Promise<string>; expiresAt: number }>();

  /** The secret's string value; throws naming the secret when it is missing or binary. */
  async function getString(secretId: string): Promise<string> {
    if (!secretId) {
      throw new Error('No secret id configured');
    }
    const hit = entries.get(secretId);
    if (hit && hit.expiresAt > now()) {
      return hit.value;
    }
    const value = client.send(new GetSecretValueCommand({ SecretId: secretId })).then((out) => {
      if (typeof out.SecretString !== 'string' || out.SecretString.length === 0) {
        throw new Error(`Secret ${secretId} has no string value`);
      }
      return out.SecretString;
    });
    entries.set(secretId, { value, expiresAt: now() + ttlSeconds * 1000 });
    value.catch(() => entries.delete(secretId));
    return value;
  }

  /** The secret parsed as JSON; throws naming the secret when it is not JSON. */
  async function getJson<T>(secretId: string): Promise<T> {
    const text = await getString(secretId);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`Secret ${secretId} is not valid JSON`);
    }
  }

  /** Forgets one secret's cached value, so the next read asks Secrets Manager (e.g. after a rotation). */
  function invalidate(secretId: string): void {
    entries.delete(secretId);
  }

  return { getString, getJson, invalidate, clear: () => entries.clear() };
}

export type SecretCache = ReturnType<typeof createSecretCache>;
