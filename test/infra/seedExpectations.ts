/**
 * The user's description of the infrastructure (SEED-infrastructure-resources.md, with the
 * binding choices of DECISIONS.md D) as data, so the tests can find every row in the Terraform.
 * Copied here because the project must not read anything outside the repository at test time.
 */
import type { StackName } from '../../src/workers/registry';

/** Seed: Lambda Functions. "Default" memory/timeout = 256 MB / 30 s (DECISIONS D). */
export const SEED_FUNCTIONS: Readonly<Record<StackName, readonly string[]>> = {
  registration: ['checkEligibility', 'upsertUsers'],
  replication: ['enqueueEntries', 'saveEntries', 'retryScore'],
  selection: ['enqueueMarketSelections', 'saveSelections', 'refreshSelections', 'markAssignedCodes'],
  dataPipeline: ['processData', 'sendData'],
  notification: ['notificationGenerator', 'getMarketsToNotify', 'planSends', 'triggerReminderEmail'],
};
export const SEED_DEFAULT_MEMORY_MB = 256;
export const SEED_DEFAULT_TIMEOUT_SECONDS = 30;
export const SEED_OVERRIDES: Readonly<Record<string, { timeoutSeconds?: number; memoryMb?: number }>> = {
  checkEligibility: { timeoutSeconds: 30 },
  enqueueMarketSelections: { timeoutSeconds: 900, memoryMb: 1024 },
};
export const LAMBDA_RUNTIME = 'nodejs22.x'; // DECISIONS A: Node 22 instead of the seed's Node 18
export const LAMBDA_HANDLER = 'index.handler';

/** Seed: SQS Queues with a consumer ("Lambda timeout + 2s", max receive count, DLQ). */
export interface SeedQueue {
  stack: StackName;
  name: string;
  maxReceiveCount: number;
  dlq: string;
  consumer: string;
}
export const SEED_QUEUES: readonly SeedQueue[] = [
  { stack: 'registration', name: 'user-info', maxReceiveCount: 2, dlq: 'user-info-dlq', consumer: 'upsertUsers' },
  { stack: 'replication', name: 'save-entries', maxReceiveCount: 3, dlq: 'save-entries-dlq', consumer: 'saveEntries' },
  { stack: 'replication', name: 'retry-score', maxReceiveCount: 3, dlq: 'retry-score-dlq', consumer: 'retryScore' },
  {
    stack: 'selection',
    name: 'save-selection',
    maxReceiveCount: 3,
    dlq: 'save-selection-dlq',
    consumer: 'saveSelections',
  },
  {
    stack: 'selection',
    name: 'refresh-selection',
    maxReceiveCount: 3,
    dlq: 'refresh-selection-dlq',
    consumer: 'refreshSelections',
  },
  { stack: 'dataPipeline', name: 'data-queue', maxReceiveCount: 3, dlq: 'data-queue-dlq', consumer: 'processData' },
  {
    stack: 'dataPipeline',
    name: 'campaign-queue',
    maxReceiveCount: 3,
    dlq: 'campaign-queue-dlq',
    consumer: 'sendData',
  },
  { stack: 'dataPipeline', name: 'market-queue', maxReceiveCount: 3, dlq: 'market-queue-dlq', consumer: 'sendData' },
  {
    stack: 'dataPipeline',
    name: 'evt-mapping-queue',
    maxReceiveCount: 3,
    dlq: 'evt-mapping-queue-dlq',
    consumer: 'sendData',
  },
  {
    stack: 'dataPipeline',
    name: 'reg-markets-queue',
    maxReceiveCount: 3,
    dlq: 'reg-markets-queue-dlq',
    consumer: 'sendData',
  },
  {
    stack: 'dataPipeline',
    name: 'registration-queue',
    maxReceiveCount: 3,
    dlq: 'registration-queue-dlq',
    consumer: 'sendData',
  },
];
/** Seed: the "N/A" rows — dead-letter queues of streams and the pipe. */
export const SEED_STANDALONE_DLQS: readonly { stack: StackName; name: string; usedBy: string }[] = [
  { stack: 'replication', name: 'enqueue-entries-dlq', usedBy: 'enqueueEntries' },
  { stack: 'selection', name: 'mark-assigned-codes-dlq', usedBy: 'markAssignedCodes' },
  { stack: 'dataPipeline', name: 'dmnd-table-pipe-dlq', usedBy: 'dmnd-table-pipe' },
];
/** Seed: "All DLQs retain messages for 14 days". */
export const DLQ_RETENTION_SECONDS = 1_209_600;
/** Seed: visibility timeout = Lambda timeout + `two_second_buffer`. */
export const TWO_SECOND_BUFFER = 2;

/** Seed: SNS Topics and their filter policy routing (raw delivery: DECISIONS C [19]). */
export const SEED_TOPIC = {
  stack: 'dataPipeline' as StackName,
  name: 'data-sns',
  publisher: 'processData',
  subscriptions: {
    campaign: 'campaign-queue',
    market: 'market-queue',
    eventMapping: 'evt-mapping-queue',
    registeredMarket: 'reg-markets-queue',
    registration: 'registration-queue',
  } as Readonly<Record<string, string>>,
};

/** Seed: EventBridge Rules, plus DECISIONS C [21]'s notification-planning rule. */
export const SEED_RULES: readonly {
  stack: StackName;
  name: string;
  kind: 'pattern' | 'schedule';
  target: string;
  schedule?: string;
}[] = [
  { stack: 'registration', name: 'user-info', kind: 'pattern', target: 'queue:user-info' },
  {
    stack: 'notification',
    name: 'notification-schedule',
    kind: 'schedule',
    target: 'function:notificationGenerator',
    schedule: 'rate(5 minutes)',
  },
  {
    stack: 'notification',
    name: 'notification-planning',
    kind: 'schedule',
    target: 'stateMachine:notification-step-fn',
    schedule: 'rate(1 hour)',
  },
];

/** Seed: Step Functions (STANDARD; CloudWatch Logs at ERROR level with execution data). */
export const SEED_STATE_MACHINES: readonly { stack: StackName; name: string; invokes: readonly string[] }[] = [
  { stack: 'selection', name: 'selection-step-fn', invokes: ['enqueueMarketSelections'] },
  {
    stack: 'notification',
    name: 'notification-step-fn',
    invokes: ['getMarketsToNotify', 'planSends', 'triggerReminderEmail'],
  },
];

/** Seed: AWS Secrets Manager. */
export const SEED_SECRET = {
  stack: 'dataPipeline' as StackName,
  name: 'kafka-cert',
  actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
  readers: ['role:sendData', 'roles:ccpa'],
};

/** Seed: DynamoDB Streams & Event Source Mappings (DECISIONS D; filters DECISIONS C [4][5][17]). */
export const SEED_STREAM_MAPPINGS: readonly {
  stack: StackName;
  worker: string;
  dlq: string;
  /** The filters as the decoded Kinesis `data` must match them (ORed). */
  filters: readonly unknown[];
}[] = [
  {
    stack: 'replication',
    worker: 'enqueueEntries',
    dlq: 'enqueue-entries-dlq',
    filters: [
      {
        data: {
          eventName: ['INSERT', 'MODIFY'],
          dynamodb: {
            NewImage: { type: { S: ['registration'] }, date: { M: { fanModified: { S: [{ exists: true }] } } } },
          },
        },
      },
      { data: { eventName: ['REMOVE'], dynamodb: { OldImage: { type: { S: ['registration'] } } } } },
    ],
  },
  {
    stack: 'selection',
    worker: 'markAssignedCodes',
    dlq: 'mark-assigned-codes-dlq',
    filters: [
      {
        data: {
          eventName: ['MODIFY'],
          dynamodb: {
            NewImage: { type: { S: ['registration'] }, codes: { L: { M: { id: { S: [{ exists: true }] } } } } },
          },
        },
      },
    ],
  },
];
export const STREAM_MAPPING_SETTINGS = {
  batch_size: 500,
  starting_position: 'LATEST',
  bisect_batch_on_function_error: true,
  maximum_retry_attempts: 3,
  function_response_types: ['ReportBatchItemFailures'],
};
export const SQS_MAPPING_SETTINGS = {
  batch_size: 10,
  function_response_types: ['ReportBatchItemFailures'],
};

/** Seed: Resource Tagging and Naming Convention (DECISIONS D). */
export const SEED_PRODUCT_CODE = 'prd2011';
export const SEED_PRODUCT_NAME = 'vf';
export const SEED_REGION = 'us-east-1';
export const SEED_TAG_KEYS = ['Environment', 'ProductCode', 'InventoryCode', 'iacRepo'];
export const SEED_INVENTORY_CODES: Readonly<Record<StackName, string>> = {
  registration: 'reg',
  replication: 'reg-replica',
  selection: 'reg-sel',
  dataPipeline: 'reg-data',
  notification: 'reg-ntfcn',
};
export const SEED_ENVIRONMENTS: readonly { env: string; account: string; configEnv: string }[] = [
  { env: 'qa1', account: 'tm-nonprod', configEnv: 'qa' },
  { env: 'dev1', account: 'tm-nonprod', configEnv: 'dev' },
  { env: 'preprod1', account: 'tm-prod', configEnv: 'preprod' },
  { env: 'prod1', account: 'tm-prod', configEnv: 'prod' },
];

/** Seed: Step Function Logs log group name. */
export const stepFnLogGroup = (env: string, inventoryCode: string): string =>
  `/aws/vendedlogs/states/${SEED_PRODUCT_CODE}-${env}-${inventoryCode}-step-fn`;
