/**
 * The one list of workers. Build, Terraform checks and the local runtime all read it;
 * nothing else lists workers by hand: each stack's workers.tf and the CI deploy matrix are
 * written from it (`npm run workers:sync`), and `npm run new-worker` adds an entry here.
 * Values follow SEED-infrastructure-resources.md and DECISIONS.md D (defaults 256 MB / 30 s,
 * overrides here only); workers added after the seed's fifteen go at the end.
 */

export const STACKS = ['registration', 'replication', 'selection', 'dataPipeline', 'notification'] as const;
export type StackName = (typeof STACKS)[number];

/** Inventory code tag per stack (seed: Resource Tagging). */
export const INVENTORY_CODES: Record<StackName, string> = {
  registration: 'reg',
  replication: 'reg-replica',
  selection: 'reg-sel',
  dataPipeline: 'reg-data',
  notification: 'reg-ntfcn',
};

export const DEFAULT_TIMEOUT_SECONDS = 30;
export const DEFAULT_MEMORY_MB = 256;

/** How AWS delivers events to a worker; each kind has one trigger adapter in src/shared/runtime. */
export type Trigger =
  | { kind: 'appsync' }
  | { kind: 'sqs'; queues: readonly string[] }
  | { kind: 'stream'; source: 'demand-table'; dlq: string }
  | { kind: 'stepFunction'; stateMachine: string }
  | { kind: 'invoke'; invokedBy: readonly string[] }
  | { kind: 'schedule'; rule: string };

/** What a worker writes to, by the resource names used in Terraform and config. */
export interface Produces {
  queues?: readonly string[];
  topics?: readonly string[];
  invokes?: readonly string[];
}

export interface WorkerDefinition {
  name: string;
  stack: StackName;
  /** Kebab-case suffix of AWS resource names (`{product}-{env}-{region}-{nameTag}`). */
  nameTag: string;
  trigger: Trigger;
  timeoutSeconds: number;
  memoryMb: number;
  produces: Produces;
  purpose: string;
}

const worker = (
  def: Omit<WorkerDefinition, 'timeoutSeconds' | 'memoryMb' | 'produces'> &
    Partial<Pick<WorkerDefinition, 'timeoutSeconds' | 'memoryMb' | 'produces'>>,
): WorkerDefinition => ({
  timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
  memoryMb: DEFAULT_MEMORY_MB,
  produces: {},
  ...def,
});

export const SEND_DATA_QUEUES = [
  'campaign-queue',
  'market-queue',
  'evt-mapping-queue',
  'reg-markets-queue',
  'registration-queue',
] as const;

export const WORKERS: readonly WorkerDefinition[] = [
  worker({
    name: 'checkEligibility',
    stack: 'registration',
    nameTag: 'eligibility',
    trigger: { kind: 'appsync' },
    timeoutSeconds: 30,
    purpose: 'Validates fan eligibility before entry submission',
  }),
  worker({
    name: 'upsertUsers',
    stack: 'registration',
    nameTag: 'upsert-users',
    trigger: { kind: 'sqs', queues: ['user-info'] },
    purpose: 'Batch upsert user info to User Service',
  }),
  worker({
    name: 'enqueueEntries',
    stack: 'replication',
    nameTag: 'enqueue-entries',
    trigger: { kind: 'stream', source: 'demand-table', dlq: 'enqueue-entries-dlq' },
    produces: { queues: ['save-entries'] },
    purpose: 'Filters entries needing replication, queues to saveEntriesQueue',
  }),
  worker({
    name: 'saveEntries',
    stack: 'replication',
    nameTag: 'save-entries',
    trigger: { kind: 'sqs', queues: ['save-entries'] },
    purpose: 'Replicates entries to Entry Service MongoDB',
  }),
  worker({
    name: 'retryScore',
    stack: 'replication',
    nameTag: 'retry-score',
    trigger: { kind: 'sqs', queues: ['retry-score'] },
    purpose: 'Refreshes user scores in Entry Service after failures',
  }),
  worker({
    name: 'enqueueMarketSelections',
    stack: 'selection',
    nameTag: 'enqueue-market-selections',
    trigger: { kind: 'stepFunction', stateMachine: 'selection-step-fn' },
    timeoutSeconds: 900,
    memoryMb: 1024,
    produces: { queues: ['save-selection'] },
    purpose: 'Processes market selections, reserves codes',
  }),
  worker({
    name: 'saveSelections',
    stack: 'selection',
    nameTag: 'save-selections',
    trigger: { kind: 'sqs', queues: ['save-selection'] },
    purpose: 'Assigns codes via Entry Service, updates verdicts',
  }),
  worker({
    name: 'refreshSelections',
    stack: 'selection',
    nameTag: 'refresh-selections',
    trigger: { kind: 'sqs', queues: ['refresh-selection'] },
    // Its own queue too: a market too big for one invocation continues in a new message.
    produces: { queues: ['save-selection', 'refresh-selection'] },
    purpose: 'Refreshes existing selections for a market',
  }),
  worker({
    name: 'markAssignedCodes',
    stack: 'selection',
    nameTag: 'mark-assigned-codes',
    trigger: { kind: 'stream', source: 'demand-table', dlq: 'mark-assigned-codes-dlq' },
    purpose: 'Marks codes as assigned in Code Service',
  }),
  worker({
    name: 'processData',
    stack: 'dataPipeline',
    nameTag: 'process-data',
    trigger: { kind: 'sqs', queues: ['data-queue'] },
    produces: { topics: ['data-sns'] },
    purpose: 'Formats and fans out data to type-specific queues via SNS',
  }),
  worker({
    name: 'sendData',
    stack: 'dataPipeline',
    nameTag: 'send-data',
    trigger: { kind: 'sqs', queues: SEND_DATA_QUEUES },
    purpose: 'Validates against JSON schemas and publishes to Kafka',
  }),
  worker({
    name: 'notificationGenerator',
    stack: 'notification',
    nameTag: 'notification-generator',
    trigger: { kind: 'schedule', rule: 'notification-schedule' },
    produces: { invokes: ['getMarketsToNotify'] },
    purpose: 'Generates presale reminder records for markets that are due',
  }),
  worker({
    name: 'getMarketsToNotify',
    stack: 'notification',
    nameTag: 'get-markets-to-notify',
    trigger: { kind: 'invoke', invokedBy: ['notificationGenerator', 'notification-step-fn'] },
    purpose: 'Retrieves markets needing notifications',
  }),
  worker({
    name: 'planSends',
    stack: 'notification',
    nameTag: 'plan-sends',
    trigger: { kind: 'stepFunction', stateMachine: 'notification-step-fn' },
    purpose: 'Plans notification sends',
  }),
  worker({
    name: 'triggerReminderEmail',
    stack: 'notification',
    nameTag: 'trigger-reminder-email',
    trigger: { kind: 'stepFunction', stateMachine: 'notification-step-fn' },
    purpose: 'Triggers reminder email exports',
  }),
];

/** Looks a worker up by name; throws naming the known workers when it does not exist. */
export function getWorker(name: string): WorkerDefinition {
  const found = WORKERS.find((w) => w.name === name);
  if (!found) {
    throw new Error(`Unknown worker "${name}". Known workers: ${WORKERS.map((w) => w.name).join(', ')}`);
  }
  return found;
}

/** Source path of a worker's handler module, relative to the repository root. */
export const workerEntryPath = (w: WorkerDefinition): string => `src/workers/${w.stack}/${w.name}/index.ts`;
