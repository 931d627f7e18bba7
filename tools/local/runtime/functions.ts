/**
 * The Lambda functions: the environment every execution environment starts with (the local
 * endpoints and services in place of AWS's and the real ones), and the host that runs each
 * function of the model on its bundled handler.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { LOCAL_AWS } from '../emulators/dynamodb';
import type { LocalClock } from '../clock';
import type { MetricStore } from '../cloudwatch/metrics';
import type { Components } from '../components';
import { KafkaTlsBoundary } from '../kafkaTls';
import type { HandlerCode } from '../lambda/bundles';
import { FunctionHost } from '../lambda/host';
import type { RunTracing } from '../tracing/otlpFile';
import type { WiringModel } from '../wiring/model';

/**
 * What every function's environment holds besides its Terraform variables. The Lambda, Step
 * Functions and EventBridge endpoints are added once the gateway listens (`AWS_ENDPOINT_URL_LAMBDA`
 * and the like), before any environment starts.
 */
export function functionBaseEnvironment(components: Components, demandTableName: string): Record<string, string> {
  const { fakes } = components;
  return {
    AWS_REGION: LOCAL_AWS.region,
    AWS_DEFAULT_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: components.dynamoDbEndpoint,
    AWS_ENDPOINT_URL_SQS: components.sqsEndpoint,
    AWS_ENDPOINT_URL_SNS: components.sqsEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: components.secrets.endpoint,
    DEMAND_TABLE_NAME: demandTableName,
    REDIS_URL: components.redisUrl,
    KAFKA_BROKERS: components.kafka.brokers.join(','),
    ENTRY_SERVICE_URL: fakes.urls.entries,
    USER_SERVICE_URL: fakes.urls.users,
    CAMPAIGN_SERVICE_URL: fakes.urls.campaigns,
    CODE_SERVICE_URL: fakes.urls.codes,
    EXPORTS_SERVICE_URL: fakes.urls.exports,
    SLACK_WEBHOOK_URL: fakes.urls.slack,
    VAULT_ADDR: fakes.urls.vault,
    // Lambda's own setting.
    TZ: ':UTC',
  };
}

export interface FunctionsOptions {
  model: WiringModel;
  handlers: Map<string, HandlerCode>;
  components: Components;
  baseEnvironment: Record<string, string>;
  clock: LocalClock;
  metrics: MetricStore;
  workDir: string;
  tracing?: RunTracing;
  /** Put the TLS boundary mock in front of the Kafka broker (RuntimeOptions.kafkaTls). */
  kafkaTls?: boolean;
  maxEnvironments?: number;
  recordInvocations?: boolean;
}

/** Registers every function of the model on a host; logs go to `<workDir>/logs`. */
export function startFunctions(options: FunctionsOptions): FunctionHost {
  const kafkaTls = options.kafkaTls ? trustKafkaCert(options.components, options.model) : undefined;
  const host = new FunctionHost({
    clock: options.clock,
    baseEnvironment: options.baseEnvironment,
    logDir: path.join(options.workDir, 'logs'),
    maxEnvironments: options.maxEnvironments,
    recordInvocations: options.recordInvocations,
    kafkaTls: kafkaTls?.workerData(),
    tracing: options.tracing && { setup: options.tracing.setup, file: options.tracing.file },
    metrics: options.metrics,
  });
  for (const f of options.model.functions) {
    host.register({ ...f, code: options.handlers.get(f.worker)! });
  }
  return host;
}

/**
 * The TLS boundary mock in front of the Kafka broker, trusting the certificate the stacks'
 * kafka-cert secret holds now and after every change of it (a rotation).
 */
function trustKafkaCert(components: Components, model: WiringModel): KafkaTlsBoundary {
  const secret = model.secrets.find((s) => s.name.endsWith('-kafka-cert'));
  if (!secret) {
    throw new Error('kafkaTls needs the kafka-cert secret of the dataPipeline stack in the run');
  }
  const boundary = new KafkaTlsBoundary(components.kafka.brokers);
  const trustValue = (value: string) => {
    try {
      boundary.trust(String((JSON.parse(value) as { cert?: unknown }).cert ?? ''));
    } catch {
      // A value that is not the JSON bundle trusts nothing: every client certificate is refused.
      boundary.trust(randomBytes(16).toString('hex'));
    }
  };
  trustValue(secret.value ?? '');
  components.secrets.watch((name, value) => {
    if (name === secret.name) {
      trustValue(value);
    }
  });
  return boundary;
}
