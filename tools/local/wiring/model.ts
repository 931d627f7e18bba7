/**
 * The wiring model: the five stacks' Terraform reduced to what connects things at run time.
 * `load.ts` builds it from HCL; the local runtime, the diagram and the tests read it. Names,
 * ARNs and URLs are the ones the Terraform evaluates to for the chosen variables and resolver.
 */

import type { Alarm } from './alarms';

/** An alarm of a stack. */
export type StackAlarm = Alarm & { stack: string };

/** An EventBridge-style event pattern (Lambda filter criteria, SNS filter policies, rules, pipes). */
export type EventPattern = Record<string, unknown>;

export interface Located {
  stack: string;
  /** Terraform address, e.g. `module.save_entries_queue.aws_sqs_queue.this`. */
  address: string;
  /** The .tf file the resource is declared in. */
  file: string;
}

export interface LambdaFunction extends Located {
  /** Registry worker name, from the ZIP the function deploys (`dist/<env>/<worker>.zip`). */
  worker: string;
  name: string;
  arn: string;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** The function's environment block (`CONFIG_ENV` included). */
  environment: Record<string, string>;
}

export interface Queue extends Located {
  name: string;
  arn: string;
  url: string;
  visibilityTimeoutSeconds: number;
  messageRetentionSeconds: number;
  delaySeconds: number;
  /** Largest message body the queue takes (max_message_size; AWS's default is 256 KiB). */
  maxMessageSizeBytes: number;
  fifo: boolean;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

export interface Topic extends Located {
  name: string;
  arn: string;
}

export interface Subscription extends Located {
  topicArn: string;
  protocol: string;
  /** Queue ARN for `sqs` subscriptions. */
  endpoint: string;
  rawMessageDelivery: boolean;
  filterPolicy?: EventPattern;
  filterPolicyScope: 'MessageAttributes' | 'MessageBody';
}

interface MappingBase extends Located {
  /** Name of the function the mapping invokes. */
  functionName: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  /** Filter criteria patterns; a record passes when any matches (none = all pass). */
  filters: EventPattern[];
  enabled: boolean;
}

export interface SqsMapping extends MappingBase {
  kind: 'sqs';
  queueArn: string;
  /** scaling_config.maximum_concurrency, when set. */
  maximumConcurrency?: number;
}

export interface StreamMapping extends MappingBase {
  kind: 'stream';
  streamArn: string;
  startingPosition: 'LATEST' | 'TRIM_HORIZON';
  bisectOnError: boolean;
  /** -1 = until the record expires (AWS default). */
  maximumRetryAttempts: number;
  onFailureDestinationArn?: string;
}

export type EventSourceMapping = SqsMapping | StreamMapping;

export interface RuleTarget {
  id: string;
  arn: string;
  /** Constant JSON input, when the target sets one. */
  input?: string;
  inputPath?: string;
  roleArn?: string;
}

export interface Rule extends Located {
  name: string;
  arn: string;
  eventBusName: string;
  scheduleExpression?: string;
  eventPattern?: EventPattern;
  targets: RuleTarget[];
}

export interface StateMachine extends Located {
  name: string;
  arn: string;
  type: string;
  /** The Amazon States Language definition, placeholders already replaced (templatefile). */
  definition: Record<string, unknown>;
  /** The ASL file it was made from, when it came from templatefile(). */
  definitionFile?: string;
}

export interface Pipe extends Located {
  name: string;
  arn: string;
  sourceArn: string;
  targetArn: string;
  desiredState: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  startingPosition: 'LATEST' | 'TRIM_HORIZON';
  maximumRetryAttempts: number;
  bisectOnError: boolean;
  deadLetterArn?: string;
  filters: EventPattern[];
  /** Target input template (`<$.path>` placeholders); absent = the event as is. */
  inputTemplate?: string;
}

export interface Secret extends Located {
  name: string;
  arn: string;
  /** The secret_string of its aws_secretsmanager_secret_version, when the stack sets one. */
  value?: string;
}

export interface WiringModel {
  region: string;
  accountId: string;
  stacks: string[];
  functions: LambdaFunction[];
  queues: Queue[];
  topics: Topic[];
  subscriptions: Subscription[];
  mappings: EventSourceMapping[];
  rules: Rule[];
  stateMachines: StateMachine[];
  pipes: Pipe[];
  secrets: Secret[];
  /** The stacks' CloudWatch alarms (the local run evaluates them: tools/local/cloudwatch). */
  alarms: StackAlarm[];
}

/** Looks things up in a model by name or ARN; throws naming what is missing. */
export function modelIndex(model: WiringModel) {
  const byArnOrName = <T extends { name: string; arn: string }>(list: T[], what: string) => {
    const map = new Map<string, T>();
    for (const item of list) {
      map.set(item.arn, item);
      map.set(item.name, item);
    }
    return (ref: string): T => {
      const found = map.get(ref) ?? map.get(ref.split(':').pop() ?? '');
      if (!found) {
        throw new Error(`No ${what} "${ref}" in the wiring model`);
      }
      return found;
    };
  };
  return {
    functionByRef: byArnOrName(model.functions, 'function'),
    queueByRef: byArnOrName(model.queues, 'queue'),
    topicByRef: byArnOrName(model.topics, 'topic'),
    stateMachineByRef: byArnOrName(model.stateMachines, 'state machine'),
    functionOfWorker(worker: string): LambdaFunction {
      const found = model.functions.find((f) => f.worker === worker);
      if (!found) {
        throw new Error(`No function deploys worker ${worker} in the wiring model`);
      }
      return found;
    },
  };
}

export type ModelIndex = ReturnType<typeof modelIndex>;

/** The kind of AWS resource an ARN names (sqs, sns, lambda, states, kinesis, dynamodb, secretsmanager, events). */
export const arnService = (arn: string): string => arn.split(':')[2] ?? '';
