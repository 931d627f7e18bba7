/** Shared setup for the service client tests: a signing key, the fakes, and clients pointed at them. */
import { generateKeyPairSync } from 'node:crypto';
import type { ServiceClientOptions, ServiceName } from '../../../src/shared/services';
import { createServiceClient, createTokenProvider } from '../../../src/shared/services';
import type { ServiceFakes } from '../../../tools/local/emulators/fakes';
import { startServiceFakes } from '../../../tools/local/emulators/fakes';

export const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const privateKeyPem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** Tokens as a worker signs them, verified by every fake with the matching public key. */
export const getToken = createTokenProvider({
  worker: 'integrationTest',
  issuer: 'reg-workers',
  ttlSeconds: 600,
  loadPrivateKey: async () => privateKeyPem,
});

/** Starts the fakes for a test file: reset before each test, stopped after all. */
export function useServiceFakes(): () => ServiceFakes {
  let fakes: ServiceFakes | undefined;
  beforeAll(async () => {
    fakes = await startServiceFakes({ publicKey: keys.publicKey });
  });
  beforeEach(() => fakes?.reset());
  afterAll(async () => {
    await fakes?.stop();
  });
  return () => {
    if (!fakes) {
      throw new Error('service fakes did not start');
    }
    return fakes;
  };
}

/** A client for `service` on the fakes, with quick backoff so retries do not slow the suite. */
export function clientFor(fakes: ServiceFakes, service: ServiceName, overrides: Partial<ServiceClientOptions> = {}) {
  return createServiceClient({
    service,
    baseUrl: fakes.urls[service],
    timeoutMs: 2000,
    retries: 2,
    backoffBaseMs: 1,
    backoffMaxMs: 5,
    getToken,
    ...overrides,
  });
}

/** A 24-character Entry Service user id. */
export const userId = (n: number): string => n.toString(16).padStart(24, 'a');
