/**
 * Where an `ops` command acts: one environment's resources (the wiring model read from the
 * Terraform, as the local run and the alarm table read it) and the AWS clients that reach them.
 *
 * - qa1, dev1, preprod1, prod1: the stacks evaluated with that environment's tfvars; clients use
 *   the SDK's usual credential chain and region from the tfvars. Queue URLs, state machine ARNs
 *   and the like are looked up by name at run time (the tfvars may hold placeholder account ids).
 * - local: the run `npm start` keeps running; its env file (`.local/run/<environment>/env.sh`,
 *   or `--env-file`) gives the one endpoint and credentials, and the `wiring.json` beside it the
 *   resources of that run. Nothing local ever falls back to the default credential chain.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../../src/shared/config/load';
import { CONFIG_DIR, CliError, ROOT } from '../build/toolCli';
import { readTfvars } from '../local/hcl/modules';
import { loadWiring, localResolver } from '../local/wiring/load';
import type { Queue, WiringModel } from '../local/wiring/model';
import { environmentsOf } from './alarms';

export const ENVS = ['qa1', 'dev1', 'preprod1', 'prod1', 'local'] as const;
export type Env = (typeof ENVS)[number];

/** Environments where anything deleted or moved is confirmed first (`--yes` skips the prompt). */
export const PROTECTED_ENVS: readonly Env[] = ['preprod1', 'prod1'];

/** The local run's env file when `--env local` is given without `--env-file`. */
export const DEFAULT_LOCAL_ENV_FILE = path.join('.local', 'run', 'local', 'env.sh');

export interface Target {
  env: Env;
  /** Terraform `environment`: part of every resource name. */
  environment: string;
  region: string;
  /** preprod1 and prod1: changes are confirmed. */
  protectedEnv: boolean;
  model: WiringModel;
  demandTableName: string;
  redis: { url: string; campaignKeyPrefix: string };
  sqs: SQSClient;
  lambda: LambdaClient;
  sfn: SFNClient;
  dynamo: DynamoDBDocumentClient;
  kinesis: KinesisClient;
  /** Locally the run's edge answers DescribeAlarms and GetMetricData from its own alarms (tools/local/cloudwatch). */
  cloudwatch: CloudWatchClient;
  /** Where resumable commands keep their progress (redrive journals). */
  stateDir: string;
  /** A queue's URL, looked up by name (cached). */
  queueUrl(name: string): Promise<string>;
  close(): void;
}

/** `prd2011-prod1-us-east-1-data-queue-dlq` → `data-queue-dlq`. */
export const shortName = (target: Pick<Target, 'region'>, name: string): string =>
  name.split(`-${target.region}-`).pop() ?? name;

/** A queue by full name, short name (`data-queue-dlq`), URL or ARN; the error lists the queues there are. */
export function findQueue(target: Pick<Target, 'model' | 'region'>, ref: string): Queue {
  const last = ref.split(/[/:]/).pop() ?? ref;
  const found = target.model.queues.find((q) => q.name === last || shortName(target, q.name) === last);
  if (!found) {
    const known = target.model.queues.map((q) => shortName(target, q.name)).sort();
    throw new CliError(`no queue "${ref}" in this environment; queues: ${known.join(', ')}`, 2);
  }
  return found;
}

interface ClientSettings {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

function clients(settings: ClientSettings) {
  const sqs = new SQSClient(settings);
  const lambda = new LambdaClient(settings);
  const sfn = new SFNClient(settings);
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(settings), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const kinesis = new KinesisClient(settings);
  const cloudwatch = new CloudWatchClient(settings);
  const urls = new Map<string, Promise<string>>();
  return {
    sqs,
    lambda,
    sfn,
    dynamo,
    kinesis,
    cloudwatch,
    queueUrl(name: string): Promise<string> {
      let url = urls.get(name);
      if (!url) {
        url = sqs.send(new GetQueueUrlCommand({ QueueName: name })).then((out) => out.QueueUrl ?? '');
        urls.set(name, url);
      }
      return url;
    },
    close() {
      for (const client of [sqs, lambda, sfn, dynamo, kinesis, cloudwatch]) {
        client.destroy();
      }
    },
  };
}

/** `export NAME='value'` lines of an env file written by the local run. */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^export ([A-Z0-9_]+)='((?:[^']|'\\'')*)'$/);
    if (m) {
      out[m[1]] = m[2].replace(/'\\''/g, "'");
    }
  }
  return out;
}

async function localTarget(envFile: string): Promise<Target> {
  const file = path.resolve(ROOT, envFile);
  const wiringFile = path.join(path.dirname(file), 'wiring.json');
  if (!existsSync(file) || !existsSync(wiringFile)) {
    throw new CliError(
      `no local run at ${path.relative(ROOT, file) || file}: start one with \`npm start -- --no-scenario\` (it writes env.sh and wiring.json), or name its env file with --env-file`,
    );
  }
  const vars = readEnvFile(file);
  const endpoint = vars.AWS_ENDPOINT_URL;
  if (!endpoint || !vars.AWS_ACCESS_KEY_ID || !vars.AWS_SECRET_ACCESS_KEY) {
    throw new CliError(
      `${file} names no endpoint or credentials (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID): not an env file of the local run`,
    );
  }
  const { environment, model } = JSON.parse(readFileSync(wiringFile, 'utf8')) as {
    environment: string;
    model: WiringModel;
  };
  const region = vars.AWS_REGION ?? model.region;
  const made = clients({
    region,
    endpoint,
    credentials: { accessKeyId: vars.AWS_ACCESS_KEY_ID, secretAccessKey: vars.AWS_SECRET_ACCESS_KEY },
  });
  const config = loadConfig('local', { dir: CONFIG_DIR, environment: { ...process.env, ...vars } });
  return {
    env: 'local',
    environment,
    region,
    protectedEnv: false,
    model,
    demandTableName: vars.DEMAND_TABLE_NAME ?? `prd3292-${environment}-${region}-demand-table`,
    redis: { url: vars.REDIS_URL ?? config.redis.url, campaignKeyPrefix: config.redis.campaignKeyPrefix },
    stateDir: path.join(path.dirname(file), 'ops'),
    ...made,
  };
}

/** Values Terraform takes from CI rather than tfvars; they name no resource. */
const FROM_CI: Record<string, unknown> = { kafka_cert: JSON.stringify({ cert: 'not-read', key: 'not-read' }) };

async function awsTarget(env: Exclude<Env, 'local'>, terraformDir: string): Promise<Target> {
  const tfvarsOf = async (stack: string) => {
    const found = environmentsOf(terraformDir, stack).find((e) => e.env === env);
    if (!found) {
      throw new CliError(`stack ${stack} has no environment ${env} (no tm-*/${env}/terraform.tfvars)`);
    }
    return { ...FROM_CI, ...(await readTfvars(found.tfvars)) };
  };
  const first = await tfvarsOf('replication');
  const region = String(first.aws_region ?? 'us-east-1');
  const accountId = String(first.account_id ?? '000000000000');
  const model = await loadWiring({
    terraformDir,
    variables: tfvarsOf,
    resolver: localResolver({
      region,
      accountId,
      queueUrl: (name) => `https://sqs.${region}.amazonaws.com/${accountId}/${name}`,
    }),
  });
  const configEnv = String(first.config_env ?? env.replace(/\d+$/, ''));
  const config = loadConfig(configEnv, { dir: CONFIG_DIR, environment: process.env });
  return {
    env,
    environment: String(first.environment ?? env),
    region,
    protectedEnv: PROTECTED_ENVS.includes(env),
    model,
    demandTableName: String(first.demand_table_name),
    redis: { url: config.redis.url, campaignKeyPrefix: config.redis.campaignKeyPrefix },
    stateDir: path.join(ROOT, '.local', 'ops', env),
    ...clients({ region }),
  };
}

/** The target of `--env` (and `--env-file` for local). */
export async function resolveTarget(
  env: string,
  options: { envFile?: string; terraformDir?: string } = {},
): Promise<Target> {
  if (!(ENVS as readonly string[]).includes(env)) {
    throw new CliError(`unknown environment "${env}"; expected one of ${ENVS.join(', ')}`, 2);
  }
  if (options.envFile !== undefined && env !== 'local') {
    throw new CliError('--env-file is for --env local only', 2);
  }
  return env === 'local'
    ? localTarget(options.envFile ?? DEFAULT_LOCAL_ENV_FILE)
    : awsTarget(env as Exclude<Env, 'local'>, options.terraformDir ?? path.join(ROOT, 'terraform'));
}
