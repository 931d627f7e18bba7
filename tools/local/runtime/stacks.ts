/**
 * Reading the stacks for a run, as `terraform plan` would with the run's variables: the
 * environment's resource names, the emulators' account, and the secrets that exist before the
 * stacks (the service JWT key and the MongoDB URI, whose ARNs are stack variables).
 *
 * The stacks are read twice: once with placeholder endpoints while the components start (to know
 * which handlers to bundle), then with the real ones (queue URLs, secret ARNs).
 */
import { localQueueUrl } from '../emulators/sqs';
import type { Components } from '../components';
import type { ConfigTree } from '../hcl/modules';
import { loadWiring, localResolver } from '../wiring/load';
import type { WiringModel } from '../wiring/model';
import { localStackVariables } from '../wiring/variables';
import type { LocalVariables } from '../wiring/variables';

export const LOCAL_ACCOUNT_ID = '000000000000';

/** The run's variables; without `components` the secret ARNs are their names (the first read). */
export function runVariables(environment: string, region: string, components?: Components): LocalVariables {
  const secretName = (tag: string) => `prd2011/${environment}/${tag}`;
  return {
    environment,
    region,
    accountId: LOCAL_ACCOUNT_ID,
    demandTableName: `prd3292-${environment}-us-east-1-demand-table`,
    demandTableStreamArn: `arn:aws:kinesis:${region}:${LOCAL_ACCOUNT_ID}:stream/prd3292-${environment}-dmnd-table-stream`,
    serviceJwtSecretArn:
      components?.secrets.put(secretName('service-jwt'), components.jwtKeys.privateKeyPem) ?? secretName('service-jwt'),
    mongoUriSecretArn:
      components?.secrets.put(secretName('mongo-uri'), components.mongo.uri) ?? secretName('mongo-uri'),
    kafkaCert: components?.kafkaCert ?? '{}',
  };
}

export type StackReader = (
  vars: LocalVariables,
  sqsEndpoint: string,
  secretArns?: Map<string, string>,
) => Promise<WiringModel>;

/** Reads `stacks` (default all) of `terraformDir` into the wiring model; the parsed files are read once. */
export function stackReader(terraformDir: string, stacks: string[] | undefined): StackReader {
  const tree: ConfigTree = new Map();
  return (vars, sqsEndpoint, secretArns = new Map()) =>
    loadWiring({
      terraformDir,
      stacks,
      tree,
      variables: (stack) => localStackVariables(terraformDir, stack, vars),
      resolver: localResolver({
        region: vars.region,
        accountId: vars.accountId,
        queueUrl: (name) => localQueueUrl(sqsEndpoint, name),
        secretArn: (name) => secretArns.get(name),
      }),
    });
}
