/**
 * Which service a request to the edge is for, told as AWS tells it, by the request's shape: its
 * path (Lambda's REST API), its `X-Amz-Target` (the JSON protocols), or, for a form body (the
 * query protocol), the credential scope of its signature or its `Action`. Also what `GET /health`
 * answers: each service and the component that emulates it.
 */
import type { Incoming } from './edgeHttp';

export interface EdgeBackends {
  /** Lambda, Step Functions, EventBridge. */
  gateway: string;
  /** SQS, SNS, STS (fauxqs). */
  sqs: string;
  dynamodb: string;
  secretsManager: string;
}

/** A request's service, and what its handler needs to know of it. */
export type EdgeService =
  /** Passed on as is to the component of the service (Lambda, Step Functions, EventBridge, SNS, STS, DynamoDB, ...). */
  | { kind: 'forward'; backend: keyof EdgeBackends }
  /** SQS in the JSON protocol (`X-Amz-Target: AmazonSQS.*`). */
  | { kind: 'sqs-json'; action: string }
  /** SQS in the query protocol: a form body, posted to `path`. */
  | { kind: 'sqs-query'; action: string; form: URLSearchParams; path: string }
  | { kind: 'kinesis'; action: string }
  | { kind: 'cloudwatch'; action: string }
  | { kind: 'health' }
  /** A service not emulated: refused, naming `what`. */
  | { kind: 'unsupported'; what: string };

/** SQS's actions, to tell an unsigned query-protocol SQS request from an SNS one. */
const SQS_ACTIONS = new Set(
  'AddPermission CancelMessageMoveTask ChangeMessageVisibility ChangeMessageVisibilityBatch CreateQueue DeleteMessage DeleteMessageBatch DeleteQueue GetQueueAttributes GetQueueUrl ListDeadLetterSourceQueues ListMessageMoveTasks ListQueueTags ListQueues PurgeQueue ReceiveMessage RemovePermission SendMessage SendMessageBatch SetQueueAttributes StartMessageMoveTask TagQueue UntagQueue'.split(
    ' ',
  ),
);

const TARGETS: [prefix: string, backend: keyof EdgeBackends][] = [
  ['AWSStepFunctions.', 'gateway'],
  ['AWSEvents.', 'gateway'],
  ['DynamoDB_20120810.', 'dynamodb'],
  ['DynamoDBStreams_20120810.', 'dynamodb'],
  ['secretsmanager.', 'secretsManager'],
];

/** The service named in a SigV4 `Authorization` header's credential scope. */
const signedService = (authorization: string | undefined) =>
  /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(authorization ?? '')?.[1];

/** The service of a JSON-protocol request, by its `X-Amz-Target`. */
function serviceOfTarget(target: string): EdgeService {
  if (target.startsWith('AmazonSQS.')) {
    return { kind: 'sqs-json', action: target.slice('AmazonSQS.'.length) };
  }
  if (target.startsWith('Kinesis_20131202.')) {
    return { kind: 'kinesis', action: target.slice('Kinesis_20131202.'.length) };
  }
  if (target.startsWith('GraniteServiceVersion20100801.')) {
    return { kind: 'cloudwatch', action: target.slice('GraniteServiceVersion20100801.'.length) };
  }
  const backend = TARGETS.find(([prefix]) => target.startsWith(prefix))?.[1];
  if (backend) {
    return { kind: 'forward', backend };
  }
  return { kind: 'unsupported', what: `the service of X-Amz-Target ${target}` };
}

/** The service of a query-protocol request (a form body): SQS, or SNS and STS (fauxqs), or one not emulated. */
function serviceOfForm(req: Incoming, body: Buffer, path: string): EdgeService {
  const form = new URLSearchParams(body.toString('utf8'));
  const service = signedService(req.headers.authorization);
  const action = form.get('Action') ?? '';
  if (service === 'sqs' || (service === undefined && SQS_ACTIONS.has(action))) {
    return { kind: 'sqs-query', action, form, path };
  }
  if (service === undefined || service === 'sns' || service === 'sts') {
    return { kind: 'forward', backend: 'sqs' };
  }
  return { kind: 'unsupported', what: `the service '${service}' (${action})` };
}

/** The service a request is for. */
export function serviceOf(req: Incoming, body: Buffer): EdgeService {
  const url = new URL(req.url ?? '/', 'http://edge');
  const target = String(req.headers['x-amz-target'] ?? '');
  const contentType = String(req.headers['content-type'] ?? '');
  if (url.pathname.startsWith('/2015-03-31/')) {
    return { kind: 'forward', backend: 'gateway' };
  }
  if (target) {
    return serviceOfTarget(target);
  }
  if (req.method === 'POST' && contentType.includes('application/x-www-form-urlencoded')) {
    return serviceOfForm(req, body, url.pathname);
  }
  if (req.method === 'GET' && (url.pathname === '/health' || url.pathname === '/')) {
    return { kind: 'health' };
  }
  return { kind: 'unsupported', what: `${req.method} ${url.pathname}` };
}

/** `GET /health`: the services and the components that emulate them (Kinesis and CloudWatch when the edge has them). */
export function health(has: { kinesis: boolean; cloudwatch: boolean }): Record<string, unknown> {
  return {
    services: {
      lambda: 'gateway',
      stepfunctions: 'gateway',
      events: 'gateway',
      sqs: 'fauxqs (JSON and query protocols)',
      sns: 'fauxqs',
      sts: 'fauxqs',
      dynamodb: 'DynamoDB Local',
      dynamodbstreams: 'DynamoDB Local',
      secretsmanager: 'local emulator',
      ...(has.kinesis ? { kinesis: 'read calls on the streams the run hosts (tools/local/aws/kinesis.ts)' } : {}),
      ...(has.cloudwatch
        ? {
            cloudwatch: "DescribeAlarms and GetMetricData (JSON protocol) on the run's alarms (tools/local/cloudwatch)",
          }
        : {}),
    },
  };
}
