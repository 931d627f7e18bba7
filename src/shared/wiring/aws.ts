import { getConfig } from '../config';
import { dynamoDocumentClient, secretsClient } from '../aws/clients';
import type { DemandTable } from '../aws/demandTable';
import { createDemandTable } from '../aws/demandTable';
import type { SecretCache } from '../aws/secrets';
import { createSecretCache } from '../aws/secrets';
import { once } from './memo';

/** The demand table repository. */
export const demandTable = (): DemandTable =>
  once('demandTable', () => createDemandTable(dynamoDocumentClient(), getConfig().aws.demandTable));

/** Secrets Manager reads with the configured cache TTL. */
export const secrets = (): SecretCache =>
  once('secrets', () => createSecretCache(secretsClient(), getConfig().aws.secretCacheTtlSeconds));
