import { getConfig } from '../config';
import { secretsClient } from '../aws/clients';
import type { Logger } from '../runtime/logger';
import { createServiceClient } from '../services/http';
import type { ServiceName } from '../services/http';
import { createTokenProvider, selectPrivateKeyLoader } from '../services/jwt';
import { createEntryService } from '../services/entries';
import type { EntryService } from '../services/entries';
import { createUserService } from '../services/users';
import type { UserService } from '../services/users';
import { createCampaignService } from '../services/campaigns';
import type { CampaignService } from '../services/campaigns';
import { createCodeService } from '../services/codes';
import type { CodeService } from '../services/codes';
import { createExportsService } from '../services/exports';
import type { ExportsService } from '../services/exports';
import { once } from './memo';

/** The service JWT of a worker (RS256, `sub` = worker), signed with the key from env or Secrets Manager. */
const serviceToken = (worker: string) =>
  once(`token:${worker}`, () => {
    const { services, aws } = getConfig();
    return createTokenProvider({
      worker,
      issuer: services.jwt.issuer,
      ttlSeconds: services.jwt.ttlSeconds,
      loadPrivateKey: selectPrivateKeyLoader({ client: secretsClient(), secretId: aws.secrets.serviceJwtKey }),
    });
  });

/** An HTTP client for one of the five services, with the configured timeouts, retries and the worker's JWT. */
function serviceClient(service: ServiceName, worker: string, log: Logger) {
  const { services } = getConfig();
  return createServiceClient({
    service,
    baseUrl: services[service].baseUrl,
    timeoutMs: services.timeoutMs,
    retries: services.retries,
    backoffBaseMs: services.backoffBaseMs,
    backoffMaxMs: services.backoffMaxMs,
    getToken: serviceToken(worker),
    log,
  });
}

/** Entry Service client for `worker`. */
export const entryService = (worker: string, log: Logger): EntryService =>
  once(`entries:${worker}`, () => createEntryService(serviceClient('entries', worker, log)));

/** User Service client for `worker`. */
export const userService = (worker: string, log: Logger): UserService =>
  once(`users:${worker}`, () => createUserService(serviceClient('users', worker, log)));

/** Campaign Service client for `worker`. */
export const campaignService = (worker: string, log: Logger): CampaignService =>
  once(`campaigns:${worker}`, () => createCampaignService(serviceClient('campaigns', worker, log)));

/** Code Service client for `worker`. */
export const codeService = (worker: string, log: Logger): CodeService =>
  once(`codes:${worker}`, () => createCodeService(serviceClient('codes', worker, log)));

/** Exports Service client for `worker`. */
export const exportsService = (worker: string, log: Logger): ExportsService =>
  once(`exports:${worker}`, () => createExportsService(serviceClient('exports', worker, log)));
