/**
 * Least-privilege IAM of every worker: the AWS actions its code calls and the resources it calls
 * them on, besides the log writing and VPC network interface permissions every function gets
 * from terraform/modules/nodejs-lambda.
 *
 * Workers must keep this table in step with the calls their code makes. A worker that starts (or
 * stops) calling an AWS API changes three things together: its code, its `policy_statements` in
 * terraform/stacks/<stack>/<worker>.tf, and its row here. test/infra/registryContract.test.ts
 * fails while the Terraform and this table differ. A worker without a row (one just made by
 * `npm run new-worker`) may have only what its trigger and outputs need; the test names the row
 * to add as soon as its Terraform grants more.
 *
 * Resources are named as the infrastructure tests resolve them:
 *   table:demand-table        the prd3292 demand table (var.demand_table_name)
 *   stream:demand-table       its Kinesis change stream (var.demand_table_stream_arn)
 *   queue:<name-tag>          an SQS queue of the stack (queue:verdict-reporter is vf-api's, optional)
 *   topic:<name-tag>          an SNS topic of the stack
 *   secret:<name-tag>         a secret of the stack; secret:service-jwt and secret:mongo-uri are
 *                             existing secrets passed in as variables
 *   function:<workerName>     another worker's Lambda function
 */

export interface IamGrant {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** What Lambda's SQS event source mapping needs on a queue the function consumes. */
export const SQS_CONSUME = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;

/**
 * What the shared SQS retry backoff calls on the queue a worker consumes: a failed message is
 * made invisible for the backoff before it is reported (ChangeMessageVisibilityBatch is
 * authorised by this action).
 */
export const SQS_DELAY = ['sqs:ChangeMessageVisibility'] as const;

/** What Lambda's Kinesis event source mapping needs on the demand-table stream. */
export const KINESIS_READ = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetShardIterator',
  'kinesis:GetRecords',
  'kinesis:ListShards',
  'kinesis:ListStreams',
] as const;

const DATA_TYPE_QUEUES = [
  'queue:campaign-queue',
  'queue:market-queue',
  'queue:evt-mapping-queue',
  'queue:reg-markets-queue',
  'queue:registration-queue',
];

const READ_SERVICE_JWT: IamGrant = { actions: ['secretsmanager:GetSecretValue'], resources: ['secret:service-jwt'] };
const READ_MONGO_URI: IamGrant = { actions: ['secretsmanager:GetSecretValue'], resources: ['secret:mongo-uri'] };

export const IAM_EXPECTATIONS: Readonly<Record<string, readonly IamGrant[]>> = {
  checkEligibility: [
    // Invite and linked-campaign entry look-ups (DECISIONS C [27]).
    { actions: ['dynamodb:GetItem'], resources: ['table:demand-table'] },
    READ_MONGO_URI,
  ],
  upsertUsers: [
    { actions: SQS_CONSUME, resources: ['queue:user-info'] },
    { actions: SQS_DELAY, resources: ['queue:user-info'] },
    READ_SERVICE_JWT,
  ],
  enqueueEntries: [
    { actions: KINESIS_READ, resources: ['stream:demand-table'] },
    // On-failure destination of its stream mapping.
    { actions: ['sqs:SendMessage'], resources: ['queue:enqueue-entries-dlq'] },
    { actions: ['sqs:SendMessage'], resources: ['queue:save-entries'] },
  ],
  saveEntries: [
    { actions: SQS_CONSUME, resources: ['queue:save-entries'] },
    { actions: SQS_DELAY, resources: ['queue:save-entries'] },
    // Staleness read and the conditional needsReplication clear (DECISIONS C [6][7]).
    { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: ['table:demand-table'] },
    READ_SERVICE_JWT,
  ],
  retryScore: [{ actions: SQS_CONSUME, resources: ['queue:retry-score'] }, READ_SERVICE_JWT],
  enqueueMarketSelections: [{ actions: ['sqs:SendMessage'], resources: ['queue:save-selection'] }, READ_SERVICE_JWT],
  saveSelections: [
    { actions: SQS_CONSUME, resources: ['queue:save-selection'] },
    { actions: SQS_DELAY, resources: ['queue:save-selection'] },
    // Reads the winners' entries first, claims each fan's code (PutItem), then one conditional
    // verdict update per fan (DECISIONS C [15], docs/selection.md).
    {
      actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: ['table:demand-table'],
    },
    // Only granted when verdict_reporter_queue_url is set.
    { actions: ['sqs:SendMessage'], resources: ['queue:verdict-reporter'] },
    READ_SERVICE_JWT,
  ],
  refreshSelections: [
    { actions: SQS_CONSUME, resources: ['queue:refresh-selection'] },
    { actions: ['sqs:SendMessage'], resources: ['queue:save-selection'] },
    // The continuation of a market too big for one invocation.
    { actions: ['sqs:SendMessage'], resources: ['queue:refresh-selection'] },
    READ_SERVICE_JWT,
  ],
  markAssignedCodes: [
    { actions: KINESIS_READ, resources: ['stream:demand-table'] },
    { actions: ['sqs:SendMessage'], resources: ['queue:mark-assigned-codes-dlq'] },
    READ_SERVICE_JWT,
  ],
  processData: [
    { actions: SQS_CONSUME, resources: ['queue:data-queue'] },
    { actions: ['sns:Publish'], resources: ['topic:data-sns'] },
  ],
  sendData: [
    { actions: SQS_CONSUME, resources: DATA_TYPE_QUEUES },
    { actions: SQS_DELAY, resources: DATA_TYPE_QUEUES },
    { actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: ['secret:kafka-cert'] },
  ],
  notificationGenerator: [
    // Asks for the markets that are due (DECISIONS C [21]).
    { actions: ['lambda:InvokeFunction'], resources: ['function:getMarketsToNotify'] },
    // Writes each reminder with a conditional put, only if absent (DECISIONS C [24]).
    { actions: ['dynamodb:PutItem'], resources: ['table:demand-table'] },
    // Campaigns, markets and winners come from MongoDB; it calls no HTTP service, so no JWT key.
    READ_MONGO_URI,
  ],
  getMarketsToNotify: [READ_MONGO_URI],
  planSends: [READ_SERVICE_JWT, READ_MONGO_URI],
  triggerReminderEmail: [READ_SERVICE_JWT, READ_MONGO_URI],
};

/** The table as a sorted list of "action on resource" pairs, for exact comparison. */
export function grantPairs(grants: readonly IamGrant[]): string[] {
  return [...new Set(grants.flatMap((g) => g.actions.flatMap((a) => g.resources.map((r) => `${a} on ${r}`))))].sort();
}
