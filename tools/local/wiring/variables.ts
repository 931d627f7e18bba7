/**
 * Input variables of a stack for a local run: the dev1 tfvars of the stack (so per-environment
 * settings such as batching windows follow dev1), with the values that only make sense locally
 * replaced: environment name, CONFIG_ENV `local`, the emulators' account, the demand table and
 * its stream, and the secrets the local Secrets Manager holds.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readTfvars } from '../hcl/modules';

/** The tfvars a local run starts from (per stack). */
export const BASE_TFVARS = path.join('tm-nonprod', 'dev1', 'terraform.tfvars');

export interface LocalVariables {
  /** Part of every resource name; unique names per test run come from a unique environment. */
  environment: string;
  region: string;
  accountId: string;
  demandTableName: string;
  demandTableStreamArn: string;
  serviceJwtSecretArn: string;
  mongoUriSecretArn: string;
  /** kafka-cert secret value (JSON { cert, key }), which CI passes as TF_VAR_kafka_cert. */
  kafkaCert: string;
}

/** Variables of `stack` for a local run. */
export async function localStackVariables(terraformDir: string, stack: string, local: LocalVariables): Promise<Record<string, unknown>> {
  const base = path.join(terraformDir, 'stacks', stack, BASE_TFVARS);
  const fromBase = existsSync(base) ? await readTfvars(base) : {};
  return {
    ...fromBase,
    environment: local.environment,
    config_env: 'local',
    account_id: local.accountId,
    aws_region: local.region,
    demand_table_name: local.demandTableName,
    demand_table_stream_arn: local.demandTableStreamArn,
    service_jwt_secret_arn: local.serviceJwtSecretArn,
    mongo_uri_secret_arn: local.mongoUriSecretArn,
    kafka_cert: local.kafkaCert,
    // Locally nothing outside the stacks reads the secret and a deleted one need not be kept.
    ccpa_role_arns: [],
    secret_recovery_window_days: 0,
    verdict_reporter_queue_url: '',
    // No IDV issuer runs locally: not dev1's key; an idv gate refuses and logs a configuration error.
    idv_public_key: '',
  };
}

/** Variables for reading the model without running anything (diagram, model tests). */
export function placeholderVariables(environment = 'local'): LocalVariables {
  return {
    environment,
    region: 'us-east-1',
    accountId: '000000000000',
    demandTableName: `prd3292-${environment}-us-east-1-demand-table`,
    demandTableStreamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/prd3292-${environment}-dmnd-table-stream`,
    serviceJwtSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:service-jwt',
    mongoUriSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:mongo-uri',
    kafkaCert: JSON.stringify({ cert: 'placeholder', key: 'placeholder' }),
  };
}
