/** HTTP clients of the services around the workers, and the service JWT. See docs/services.md. */
export type {
  HttpMethod,
  Query,
  QueryValue,
  RequestOptions,
  ServiceClient,
  ServiceClientOptions,
  ServiceName,
  ServiceResponse,
} from './http';
export { ServiceError, createServiceClient } from './http';
export type { ServiceTokenClaims, TokenProviderOptions, SecretsManagerLike } from './jwt';
export {
  SERVICE_JWT_PRIVATE_KEY_ENV,
  createTokenProvider,
  loadPrivateKeyFromEnv,
  loadPrivateKeyFromSecret,
  selectPrivateKeyLoader,
} from './jwt';
export type * from './entries';
export { MAX_CODE_ASSIGNMENTS, createEntryService } from './entries';
export type * from './users';
export { createUserService } from './users';
export type * from './campaigns';
export { createCampaignService } from './campaigns';
export type * from './codes';
export { createCodeService } from './codes';
export type * from './exports';
export { createExportsService } from './exports';
