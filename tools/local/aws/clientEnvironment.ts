/**
 * What AWS clients need to reach a local run (`<workDir>/env.sh`, which `npm start` tells the user
 * to `source`): variables for SDKs, and a shell function for CLIs too old to read them.
 */
import { LOCAL_AWS } from '../emulators/dynamodb';
import type { WiringModel } from '../wiring/model';

/** `QUEUE_DATA_QUEUE_DLQ`, `FN_CHECK_ELIGIBILITY`: shell variable names of resources. */
const variableName = (prefix: string, name: string) =>
  `${prefix}_${name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase()}`;

/**
 * What a client needs to reach the run: the edge as the endpoint of every AWS service (one
 * `AWS_ENDPOINT_URL` and the per-service variables, for SDKs that read only those), the region
 * under both names (CLI v1 and boto3 read only `AWS_DEFAULT_REGION`), the emulators' dummy
 * credentials, each worker's function name (`FN_<WORKER>`) and each queue's URL
 * (`QUEUE_<NAME>`), and the other components' addresses.
 */
export function clientEnvironment(options: {
  edge: string;
  region: string;
  model: WiringModel;
  queueUrl: (name: string) => string;
  others: Record<string, string>;
}): Record<string, string> {
  const { edge, region, model } = options;
  const services = [
    'DYNAMODB',
    'DYNAMODB_STREAMS',
    'SQS',
    'SNS',
    'STS',
    'SECRETS_MANAGER',
    'LAMBDA',
    'SFN',
    'EVENTBRIDGE',
    'KINESIS',
  ];
  return {
    AWS_ENDPOINT_URL: edge,
    ...Object.fromEntries(services.map((s) => [`AWS_ENDPOINT_URL_${s}`, edge])),
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    ...Object.fromEntries(model.functions.map((f) => [variableName('FN', f.worker), f.name])),
    // `prd2011-local-us-east-1-data-queue-dlq` → QUEUE_DATA_QUEUE_DLQ
    ...Object.fromEntries(
      model.queues.map((q) => [variableName('QUEUE', q.name.split(`-${region}-`).pop()!), options.queueUrl(q.name)]),
    ),
    ...options.others,
  };
}

/**
 * The env file: `exports` as `export` lines, and an `aws` shell function that adds
 * `--endpoint-url`, because AWS CLIs before 2.13 and 1.29 (Debian 12's awscli 2.9 among them)
 * ignore `AWS_ENDPOINT_URL` and would otherwise call real AWS.
 */
export function envFileText(exports: Record<string, string>, environment: string): string {
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  return [
    `# The local run of environment ${environment} (npm start). Use it with: source <this file>`,
    '# Every AWS service is on one endpoint; names and URLs of functions and queues follow.',
    ...Object.entries(exports).map(([k, v]) => `export ${k}=${quote(v)}`),
    '# AWS CLIs before 2.13 / 1.29 ignore AWS_ENDPOINT_URL: pass it to them explicitly.',
    'aws() { command aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }',
    '',
  ].join('\n');
}
