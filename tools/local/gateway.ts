/**
 * The local AWS endpoint for the services the runtime itself emulates, on one port:
 * - Lambda (REST JSON, `/2015-03-31/...`): `Invoke` (`POST /functions/{name}/invocations`,
 *   RequestResponse, Event and DryRun; `X-Amz-Log-Type: Tail` answers `X-Amz-Log-Result`, the
 *   last 4 KB of the invocation's log), `GetFunction`, `GetFunctionConfiguration`,
 *   `ListFunctions`, `ListEventSourceMappings` (`FunctionName`, `EventSourceArn` filters) and
 *   `GetEventSourceMapping` (the wiring model's mappings, each with a UUID derived from its
 *   Terraform address, so it is the same every run);
 * - Step Functions (JSON 1.0, `X-Amz-Target: AWSStepFunctions.*`): `StartExecution`,
 *   `StopExecution`, `DescribeExecution`, `GetExecutionHistory`, `ListExecutions`,
 *   `DescribeStateMachine`, `ListStateMachines`;
 * - EventBridge (JSON 1.1, `X-Amz-Target: AWSEvents.*`): `PutEvents`, `ListRules`,
 *   `DescribeRule`, `ListTargetsByRule`, `ListEventBuses`. The model has no rule state or
 *   description: every rule is ENABLED.
 * `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL_SFN` and `AWS_ENDPOINT_URL_EVENTBRIDGE` point
 * SDK clients (the workers' LambdaClient included) here. Requests are not signature-checked.
 * Errors carry AWS's types (ResourceNotFoundException, ExecutionDoesNotExist,
 * StateMachineDoesNotExist); an unknown function's 404 lists the functions, and names the one
 * that serves it when the name given is a worker's.
 *
 * Invoke is as strict as Lambda's: an unknown `X-Amz-Invocation-Type` is a 400
 * ValidationException, a payload over 6 MB (RequestResponse, DryRun) or 1 MB (Event) a 413
 * RequestEntityTooLargeException, a body that is not JSON a 400 InvalidRequestContentException.
 * The function gets the payload text as sent. An Event invocation is answered 202 at once and
 * runs (with Lambda's two retries) in the background; its final failure goes to `onError`, so
 * one bad event never escapes as an unhandled rejection. No body is kept beyond 6 MB.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBus, PutEventsEntry } from './eventBus';
import type { FunctionHost, FunctionSpec } from './lambda/host';
import { asyncFailure } from './lambda/host';
import type { Execution, StepFunctions } from './stepFunctions';
import { roleArnOf } from './stepFunctions';
import type { EventSourceMapping, Rule } from './wiring/model';

export interface Gateway {
  endpoint: string;
  stop(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** Lambda's payload quotas (Invoke API reference): 6 MB synchronous, 1 MB asynchronous. */
export const SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;
export const ASYNC_PAYLOAD_LIMIT_BYTES = 1024 * 1024;
const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'];
const LOG_TYPES = ['None', 'Tail'];
/** GetExecutionHistory's page size when the caller gives none (AWS: 100, at most 1000). */
const HISTORY_PAGE = 100;

const awsError = (status: number, type: string, message: string, json11 = false): Reply => ({
  status,
  headers: { 'x-amzn-errortype': type, 'content-type': json11 ? 'application/x-amz-json-1.1' : 'application/json' },
  body: { __type: type, message, Type: 'User' },
});

const notFound = (name: string, message: string) => Object.assign(new Error(message), { name });

/** A mapping's UUID: a UUID-shaped hash of its stack and Terraform address, the same every run. */
export function mappingUuid(m: EventSourceMapping): string {
  const h = createHash('sha256').update(`${m.stack}/${m.address}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** What GetFunctionConfiguration answers (and GetFunction inside `Configuration`). */
function functionConfiguration(spec: FunctionSpec) {
  return {
    FunctionName: spec.name,
    FunctionArn: spec.arn,
    Runtime: 'nodejs22.x',
    Handler: spec.handler,
    Timeout: spec.timeoutSeconds,
    MemorySize: spec.memoryMb,
    Environment: { Variables: spec.environment },
    State: spec.code.status === 'ready' ? 'Active' : 'Failed',
    ...(spec.code.status === 'ready' ? {} : { StateReason: spec.code.reason }),
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
  };
}

/** ListRules' and DescribeRule's view of a rule. */
function describeRule(rule: Rule) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    ...(rule.eventPattern ? { EventPattern: JSON.stringify(rule.eventPattern) } : {}),
    ...(rule.scheduleExpression ? { ScheduleExpression: rule.scheduleExpression } : {}),
    State: 'ENABLED',
    EventBusName: rule.eventBusName,
  };
}

function describeExecution(e: Execution) {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate / 1000,
    ...(e.stopDate ? { stopDate: e.stopDate / 1000 } : {}),
    input: e.input,
    ...(e.output !== undefined ? { output: e.output } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {}),
  };
}

/** Starts the gateway on `port` (0 = a free one). */
export async function startGateway(deps: {
  host: FunctionHost;
  stepFunctions: StepFunctions;
  eventBus: EventBus;
  /** The event source mappings ListEventSourceMappings and GetEventSourceMapping show (none when absent). */
  mappings?: EventSourceMapping[];
  port?: number;
  /** Where errors no caller waits for go (the final failure of an Event invocation). */
  onError?: (error: Error) => void;
}): Promise<Gateway> {
  const { host, stepFunctions, eventBus } = deps;
  const onError = deps.onError ?? (() => undefined);
  const started = Date.now();

  const mapping = (m: EventSourceMapping) => ({
    UUID: mappingUuid(m),
    EventSourceArn: m.kind === 'sqs' ? m.queueArn : m.streamArn,
    FunctionArn: host.find(m.functionName)?.arn ?? m.functionName,
    State: m.enabled ? 'Enabled' : 'Disabled',
    StateTransitionReason: 'USER_INITIATED',
    LastModified: started / 1000,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowSeconds,
    FunctionResponseTypes: m.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
    ...(m.filters.length ? { FilterCriteria: { Filters: m.filters.map((p) => ({ Pattern: JSON.stringify(p) })) } } : {}),
    ...(m.kind === 'sqs'
      ? { ...(m.maximumConcurrency ? { ScalingConfig: { MaximumConcurrency: m.maximumConcurrency } } : {}) }
      : {
          StartingPosition: m.startingPosition,
          BisectBatchOnFunctionError: m.bisectOnError,
          MaximumRetryAttempts: m.maximumRetryAttempts,
          ...(m.onFailureDestinationArn ? { DestinationConfig: { OnFailure: { Destination: m.onFailureDestinationArn } } } : {}),
        }),
  });

  /** ListEventSourceMappings (`uuid` empty) and GetEventSourceMapping. */
  const eventSourceMappings = (uuid: string, query: URLSearchParams): Reply => {
    const all = (deps.mappings ?? []).map(mapping);
    if (uuid) {
      const found = all.find((m) => m.UUID === uuid);
      return found ? { status: 200, body: found } : awsError(404, 'ResourceNotFoundException', `The resource you requested does not exist. (Service: Lambda, event source mapping ${uuid})`);
    }
    const fn = query.get('FunctionName');
    const source = query.get('EventSourceArn');
    const fnArn = fn === null ? undefined : (host.find(fn)?.arn ?? fn);
    return {
      status: 200,
      body: { EventSourceMappings: all.filter((m) => (fnArn === undefined || m.FunctionArn === fnArn) && (source === null || m.EventSourceArn === source)) },
    };
  };

  /** Lambda's 404 for a function, with the names that exist (and the function of a worker named instead). */
  const functionNotFound = (ref: string): Reply => {
    const specs = host.specs();
    const ofWorker = specs.find((f) => f.worker === ref.split(':').pop());
    const hint = ofWorker ? ` ${ofWorker.worker} is a worker: function ${ofWorker.name} serves it.` : '';
    return awsError(404, 'ResourceNotFoundException', `Function not found: ${ref}.${hint} Functions: ${specs.map((f) => f.name).join(', ')}`);
  };

  /** `body` is undefined when the request was larger than any payload the gateway takes; `size` is its length in bytes. */
  const lambda = async (method: string, url: URL, body: string | undefined, size: number, headers: http.IncomingHttpHeaders): Promise<Reply> => {
    const noRoute = () => awsError(404, 'UnknownOperationException', `no route ${method} ${url.pathname}`);
    const mappingRoute = /^\/2015-03-31\/event-source-mappings\/?([^/]*)\/?$/.exec(url.pathname);
    if (mappingRoute) {
      return method === 'GET' ? eventSourceMappings(decodeURIComponent(mappingRoute[1]), url.searchParams) : noRoute();
    }
    const match = /^\/2015-03-31\/functions\/?([^/]*)(\/invocations|\/configuration)?\/?$/.exec(url.pathname);
    if (!match) {
      return noRoute();
    }
    const ref = decodeURIComponent(match[1]);
    if (!ref && method === 'GET') {
      return { status: 200, body: { Functions: host.specs().map((f) => ({ FunctionName: f.name, FunctionArn: f.arn, Runtime: 'nodejs22.x', Timeout: f.timeoutSeconds, MemorySize: f.memoryMb })) } };
    }
    const spec = host.find(ref);
    if (!spec) {
      return functionNotFound(ref);
    }
    if (method === 'GET' && match[2] !== '/invocations') {
      const configuration = functionConfiguration(spec);
      return { status: 200, body: match[2] ? configuration : { Configuration: configuration } };
    }
    if (method !== 'POST' || match[2] !== '/invocations') {
      return noRoute();
    }
    const type = String(headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (!INVOCATION_TYPES.includes(type)) {
      return awsError(400, 'ValidationException', `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [${INVOCATION_TYPES.join(', ')}]`);
    }
    const logType = String(headers['x-amz-log-type'] ?? 'None');
    if (!LOG_TYPES.includes(logType)) {
      return awsError(400, 'ValidationException', `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [${LOG_TYPES.join(', ')}]`);
    }
    if (type === 'Event' && size > ASYNC_PAYLOAD_LIMIT_BYTES) {
      return awsError(413, 'RequestEntityTooLargeException', `${size} byte payload is too large for the Event invocation type (limit ${ASYNC_PAYLOAD_LIMIT_BYTES} bytes)`);
    }
    if (body === undefined || size > SYNC_PAYLOAD_LIMIT_BYTES) {
      return awsError(413, 'RequestEntityTooLargeException', `Request must be smaller than ${SYNC_PAYLOAD_LIMIT_BYTES} bytes for the InvokeFunction operation`);
    }
    let event: unknown;
    try {
      event = body ? JSON.parse(body) : {};
    } catch {
      return awsError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    // The function gets the text as sent: re-serializing a deeply nested event could fail here.
    const eventJson = body || '{}';
    if (type === 'DryRun') {
      return { status: 204 };
    }
    if (type === 'Event') {
      host.invokeAsync(spec.name, event, 'lambda-api:event', eventJson).then(
        (outcome) => {
          if (!outcome.ok) {
            onError(new Error(asyncFailure(spec.name, outcome.error)));
          }
        },
        (error: Error) => onError(new Error(`asynchronous invocation of ${spec.name} failed: ${error.message}`)),
      );
      return { status: 202 };
    }
    const outcome = await host.invoke(spec.name, event, 'lambda-api', eventJson, { logTail: logType === 'Tail' });
    const version = {
      'x-amz-executed-version': '$LATEST',
      'x-amzn-requestid': outcome.requestId,
      'content-type': 'application/json',
      ...(outcome.logResult !== undefined ? { 'x-amz-log-result': outcome.logResult } : {}),
    };
    return outcome.ok
      ? { status: 200, raw: outcome.payloadJson ?? JSON.stringify(outcome.payload ?? null), headers: version }
      : { status: 200, body: outcome.error, headers: { ...version, 'x-amz-function-error': 'Unhandled' } };
  };

  const states = (action: string, input: Record<string, unknown>): Reply => {
    switch (action) {
      case 'StartExecution': {
        const e = stepFunctions.start(String(input.stateMachineArn), JSON.parse(String(input.input ?? '{}')), 'api', input.name ? String(input.name) : undefined);
        return { status: 200, body: { executionArn: e.executionArn, startDate: e.startDate / 1000 } };
      }
      case 'StopExecution': {
        const e = stepFunctions.stop(String(input.executionArn), input.error as string | undefined, input.cause as string | undefined);
        return { status: 200, body: { stopDate: (e.stopDate ?? 0) / 1000 } };
      }
      case 'DescribeExecution':
        return { status: 200, body: describeExecution(stepFunctions.describe(String(input.executionArn))) };
      case 'GetExecutionHistory': {
        const history = [...stepFunctions.describe(String(input.executionArn)).history];
        if (input.reverseOrder) {
          history.reverse();
        }
        const from = Number(input.nextToken ?? 0);
        const to = from + Math.min(Number(input.maxResults) || HISTORY_PAGE, 1000);
        return {
          status: 200,
          body: {
            events: history.slice(from, to).map((e) => ({ ...e, timestamp: e.timestamp / 1000 })),
            ...(to < history.length ? { nextToken: String(to) } : {}),
          },
        };
      }
      case 'DescribeStateMachine': {
        const m = stepFunctions.machine(String(input.stateMachineArn));
        return {
          status: 200,
          body: {
            stateMachineArn: m.arn,
            name: m.name,
            status: 'ACTIVE',
            definition: JSON.stringify(m.definition, null, 2),
            roleArn: roleArnOf(m),
            type: m.type,
            creationDate: stepFunctions.createdAt / 1000,
          },
        };
      }
      case 'ListStateMachines':
        return {
          status: 200,
          body: { stateMachines: stepFunctions.list().map((m) => ({ stateMachineArn: m.arn, name: m.name, type: m.type, creationDate: stepFunctions.createdAt / 1000 })) },
        };
      case 'ListExecutions': {
        // As AWS: newest first, `statusFilter`, pages of `maxResults` (default 100) with a nextToken.
        const matching = stepFunctions
          .all()
          .filter((e) => (!input.stateMachineArn || e.stateMachineArn === input.stateMachineArn) && (!input.statusFilter || e.status === input.statusFilter))
          .sort((a, b) => b.startDate - a.startDate);
        const from = Number(input.nextToken ?? 0);
        const size = Number(input.maxResults) > 0 ? Number(input.maxResults) : 100;
        return {
          status: 200,
          body: {
            executions: matching.slice(from, from + size).map(describeExecution),
            ...(from + size < matching.length ? { nextToken: String(from + size) } : {}),
          },
        };
      }
      default:
        return awsError(400, 'UnknownOperationException', `AWSStepFunctions.${action} is not emulated locally`);
    }
  };

  const events = (action: string, input: Record<string, unknown>): Reply => {
    const bus = String(input.EventBusName ?? 'default');
    const rule = (name: unknown): Rule => {
      const found = eventBus.rules().find((r) => r.name === name && r.eventBusName === bus);
      if (!found) {
        throw notFound('ResourceNotFoundException', `Rule ${String(name)} does not exist on EventBus ${bus}.`);
      }
      return found;
    };
    const answer = (body: unknown): Reply => ({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body });
    switch (action) {
      case 'PutEvents':
        return answer({ FailedEntryCount: 0, Entries: eventBus.putEvents((input.Entries as PutEventsEntry[] | undefined) ?? []) });
      case 'ListRules':
        return answer({
          Rules: eventBus
            .rules()
            .filter((r) => r.eventBusName === bus && r.name.startsWith(String(input.NamePrefix ?? '')))
            .sort((a, b) => (a.name < b.name ? -1 : 1))
            .map(describeRule),
        });
      case 'DescribeRule': {
        const r = rule(input.Name);
        return answer({ ...describeRule(r), CreatedBy: r.arn.split(':')[4] });
      }
      case 'ListTargetsByRule':
        return answer({
          Targets: rule(input.Rule).targets.map((t) => ({
            Id: t.id,
            Arn: t.arn,
            ...(t.input !== undefined ? { Input: t.input } : {}),
            ...(t.inputPath !== undefined ? { InputPath: t.inputPath } : {}),
            ...(t.roleArn !== undefined ? { RoleArn: t.roleArn } : {}),
          })),
        });
      case 'ListEventBuses': {
        const names = [...new Set(['default', ...eventBus.rules().map((r) => r.eventBusName)])];
        return answer({ EventBuses: names.filter((n) => n.startsWith(String(input.NamePrefix ?? ''))).map((n) => ({ Name: n, Arn: eventBus.busArn(n) })) });
      }
      default:
        return awsError(400, 'UnknownOperationException', `AWSEvents.${action} is not emulated locally`, true);
    }
  };

  const handle = async (req: http.IncomingMessage, body: string | undefined, size: number): Promise<Reply> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      if (url.pathname.startsWith('/2015-03-31/')) {
        return await lambda(req.method ?? 'GET', url, body, size, req.headers);
      }
      if (body === undefined) {
        return awsError(413, 'RequestEntityTooLargeException', `Request must be smaller than ${SYNC_PAYLOAD_LIMIT_BYTES} bytes`, target.startsWith('AWSEvents.'));
      }
      if (target.startsWith('AWSStepFunctions.')) {
        return states(target.slice('AWSStepFunctions.'.length), body ? JSON.parse(body) : {});
      }
      if (target.startsWith('AWSEvents.')) {
        return events(target.slice('AWSEvents.'.length), body ? JSON.parse(body) : {});
      }
      return awsError(404, 'UnknownOperationException', `the local gateway does not emulate ${target || `${req.method} ${url.pathname}`}`);
    } catch (error) {
      const e = error as Error;
      return awsError(400, e.name && e.name !== 'Error' ? e.name : 'ValidationException', e.message, target.startsWith('AWSEvents.'));
    }
  };

  const server = http.createServer((req, res) => {
    // The body is read to its end (so the client gets the answer), but not kept past the limit.
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= SYNC_PAYLOAD_LIMIT_BYTES) {
        chunks.push(c);
      }
    });
    // A client that goes away mid-request must not take the run down.
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = size <= SYNC_PAYLOAD_LIMIT_BYTES ? Buffer.concat(chunks).toString('utf8') : undefined;
      chunks.length = 0;
      handle(req, body, size)
        .then((reply) => {
          const payload = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
          res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0', ...reply.headers });
          res.end(payload);
        })
        .catch((error: Error) => {
          onError(new Error(`local gateway: ${req.method} ${req.url} failed: ${error.message}`));
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceException' });
          }
          res.end(JSON.stringify({ __type: 'ServiceException', message: 'the local gateway failed', Type: 'Service' }));
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
