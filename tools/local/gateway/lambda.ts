/**
 * Lambda's REST JSON API on the gateway (`/2015-03-31/...`): `Invoke` (RequestResponse, Event
 * and DryRun, as strict as Lambda's about invocation type, log type, payload size and JSON),
 * `GetFunction`, `GetFunctionConfiguration`, `ListFunctions`, and the wiring model's event source
 * mappings (`ListEventSourceMappings`, `GetEventSourceMapping`).
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { FunctionHost, FunctionSpec } from '../lambda/host';
import { asyncFailure } from '../lambda/host';
import type { EventSourceMapping } from '../wiring/model';
import type { Reply } from './http';
import { awsError } from './http';

/** What the Lambda API answers from. */
export interface LambdaApiDeps {
  host: FunctionHost;
  /** The event source mappings ListEventSourceMappings and GetEventSourceMapping show. */
  mappings(): EventSourceMapping[];
  /** When the gateway started: the mappings' LastModified. */
  started: number;
  /** Where the final failure of an Event invocation goes. */
  onError(error: Error): void;
}

/** A Lambda API request: `body` is undefined when the request was larger than any payload the gateway takes; `size` is its length in bytes. */
export type LambdaApi = (
  method: string,
  url: URL,
  body: string | undefined,
  size: number,
  headers: http.IncomingHttpHeaders,
) => Promise<Reply>;

/** Lambda's payload quotas (Invoke API reference): 6 MB synchronous, 1 MB asynchronous. */
export const SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;
export const ASYNC_PAYLOAD_LIMIT_BYTES = 1024 * 1024;
const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'];
const LOG_TYPES = ['None', 'Tail'];

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

/** ListEventSourceMappings' and GetEventSourceMapping's view of a mapping. */
function describeMapping(deps: LambdaApiDeps, m: EventSourceMapping) {
  return {
    UUID: mappingUuid(m),
    EventSourceArn: m.kind === 'sqs' ? m.queueArn : m.streamArn,
    FunctionArn: deps.host.find(m.functionName)?.arn ?? m.functionName,
    State: m.enabled ? 'Enabled' : 'Disabled',
    StateTransitionReason: 'USER_INITIATED',
    LastModified: deps.started / 1000,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowSeconds,
    FunctionResponseTypes: m.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
    ...(m.filters.length
      ? { FilterCriteria: { Filters: m.filters.map((p) => ({ Pattern: JSON.stringify(p) })) } }
      : {}),
    ...(m.kind === 'sqs'
      ? { ...(m.maximumConcurrency ? { ScalingConfig: { MaximumConcurrency: m.maximumConcurrency } } : {}) }
      : {
          StartingPosition: m.startingPosition,
          BisectBatchOnFunctionError: m.bisectOnError,
          MaximumRetryAttempts: m.maximumRetryAttempts,
          ...(m.onFailureDestinationArn
            ? { DestinationConfig: { OnFailure: { Destination: m.onFailureDestinationArn } } }
            : {}),
        }),
  };
}

/** ListEventSourceMappings (`uuid` empty) and GetEventSourceMapping. */
function eventSourceMappings(deps: LambdaApiDeps, uuid: string, query: URLSearchParams): Reply {
  const all = deps.mappings().map((m) => describeMapping(deps, m));
  if (uuid) {
    const found = all.find((m) => m.UUID === uuid);
    return found
      ? { status: 200, body: found }
      : awsError(
          404,
          'ResourceNotFoundException',
          `The resource you requested does not exist. (Service: Lambda, event source mapping ${uuid})`,
        );
  }
  const fn = query.get('FunctionName');
  const source = query.get('EventSourceArn');
  const fnArn = fn === null ? undefined : (deps.host.find(fn)?.arn ?? fn);
  return {
    status: 200,
    body: {
      EventSourceMappings: all.filter(
        (m) => (fnArn === undefined || m.FunctionArn === fnArn) && (source === null || m.EventSourceArn === source),
      ),
    },
  };
}

/** ListFunctions. */
function listFunctions(host: FunctionHost): Reply {
  return {
    status: 200,
    body: {
      Functions: host.specs().map((f) => ({
        FunctionName: f.name,
        FunctionArn: f.arn,
        Runtime: 'nodejs22.x',
        Timeout: f.timeoutSeconds,
        MemorySize: f.memoryMb,
      })),
    },
  };
}

/** Lambda's 404 for a function, with the names that exist (and the function of a worker named instead). */
function functionNotFound(host: FunctionHost, ref: string): Reply {
  const specs = host.specs();
  const ofWorker = specs.find((f) => f.worker === ref.split(':').pop());
  const hint = ofWorker ? ` ${ofWorker.worker} is a worker: function ${ofWorker.name} serves it.` : '';
  return awsError(
    404,
    'ResourceNotFoundException',
    `Function not found: ${ref}.${hint} Functions: ${specs.map((f) => f.name).join(', ')}`,
  );
}

/** Invoke's refusal of an invocation type, log type or asynchronous payload size Lambda refuses (undefined: none). */
function invocationRefusal(type: string, logType: string, size: number): Reply | undefined {
  if (!INVOCATION_TYPES.includes(type)) {
    return awsError(
      400,
      'ValidationException',
      `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [${INVOCATION_TYPES.join(', ')}]`,
    );
  }
  if (!LOG_TYPES.includes(logType)) {
    return awsError(
      400,
      'ValidationException',
      `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [${LOG_TYPES.join(', ')}]`,
    );
  }
  if (type === 'Event' && size > ASYNC_PAYLOAD_LIMIT_BYTES) {
    return awsError(
      413,
      'RequestEntityTooLargeException',
      `${size} byte payload is too large for the Event invocation type (limit ${ASYNC_PAYLOAD_LIMIT_BYTES} bytes)`,
    );
  }
  return undefined;
}

/** An Event invocation, run in the background: its final failure goes to `onError`. */
function invokeEvent(deps: LambdaApiDeps, spec: FunctionSpec, event: unknown, eventJson: string): void {
  deps.host.invokeAsync(spec.name, event, 'lambda-api:event', eventJson).then(
    (outcome) => {
      if (!outcome.ok) {
        deps.onError(new Error(asyncFailure(spec.name, outcome.error)));
      }
    },
    (error: Error) => deps.onError(new Error(`asynchronous invocation of ${spec.name} failed: ${error.message}`)),
  );
}

/** A RequestResponse invocation: the function's result, or its error with `X-Amz-Function-Error`. */
async function invokeSync(
  host: FunctionHost,
  spec: FunctionSpec,
  event: unknown,
  eventJson: string,
  logType: string,
): Promise<Reply> {
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
}

/** Invoke (`POST /functions/{name}/invocations`). */
async function invoke(
  deps: LambdaApiDeps,
  spec: FunctionSpec,
  body: string | undefined,
  size: number,
  headers: http.IncomingHttpHeaders,
): Promise<Reply> {
  const type = String(headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const logType = String(headers['x-amz-log-type'] ?? 'None');
  const refusal = invocationRefusal(type, logType, size);
  if (refusal) {
    return refusal;
  }
  if (body === undefined || size > SYNC_PAYLOAD_LIMIT_BYTES) {
    return awsError(
      413,
      'RequestEntityTooLargeException',
      `Request must be smaller than ${SYNC_PAYLOAD_LIMIT_BYTES} bytes for the InvokeFunction operation`,
    );
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
    invokeEvent(deps, spec, event, eventJson);
    return { status: 202 };
  }
  return invokeSync(deps.host, spec, event, eventJson, logType);
}

/** The Lambda API: a request's route (mappings, functions, one function, its configuration, its invocations). */
export function lambdaApi(deps: LambdaApiDeps): LambdaApi {
  return async (method, url, body, size, headers) => {
    const noRoute = () => awsError(404, 'UnknownOperationException', `no route ${method} ${url.pathname}`);
    const mappingRoute = /^\/2015-03-31\/event-source-mappings\/?([^/]*)\/?$/.exec(url.pathname);
    if (mappingRoute) {
      return method === 'GET'
        ? eventSourceMappings(deps, decodeURIComponent(mappingRoute[1]), url.searchParams)
        : noRoute();
    }
    const match = /^\/2015-03-31\/functions\/?([^/]*)(\/invocations|\/configuration)?\/?$/.exec(url.pathname);
    if (!match) {
      return noRoute();
    }
    const ref = decodeURIComponent(match[1]);
    if (!ref && method === 'GET') {
      return listFunctions(deps.host);
    }
    const spec = deps.host.find(ref);
    if (!spec) {
      return functionNotFound(deps.host, ref);
    }
    if (method === 'GET' && match[2] !== '/invocations') {
      const configuration = functionConfiguration(spec);
      return { status: 200, body: match[2] ? configuration : { Configuration: configuration } };
    }
    if (method !== 'POST' || match[2] !== '/invocations') {
      return noRoute();
    }
    return invoke(deps, spec, body, size, headers);
  };
}
