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
 *
 * One module per API: gateway/lambda.ts, gateway/states.ts (Step Functions), gateway/events.ts
 * (EventBridge); gateway/http.ts reads requests and writes replies. This file dispatches.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBus } from './eventBus';
import type { FunctionHost } from './lambda/host';
import type { StepFunctions } from './stepFunctions';
import type { EventSourceMapping } from './wiring/model';
import type { EventsApi } from './gateway/events';
import { eventsApi } from './gateway/events';
import type { Reply } from './gateway/http';
import { awsError, readBody, writeFailure, writeReply } from './gateway/http';
import type { LambdaApi } from './gateway/lambda';
import { SYNC_PAYLOAD_LIMIT_BYTES, lambdaApi } from './gateway/lambda';
import type { StatesApi } from './gateway/states';
import { statesApi } from './gateway/states';

export { ASYNC_PAYLOAD_LIMIT_BYTES, SYNC_PAYLOAD_LIMIT_BYTES, mappingUuid } from './gateway/lambda';

export interface Gateway {
  endpoint: string;
  stop(): Promise<void>;
}

export interface GatewayDeps {
  host: FunctionHost;
  stepFunctions: StepFunctions;
  eventBus: EventBus;
  /** The event source mappings ListEventSourceMappings and GetEventSourceMapping show (none when absent). */
  mappings?: EventSourceMapping[];
  port?: number;
  /** Where errors no caller waits for go (the final failure of an Event invocation). */
  onError?: (error: Error) => void;
}

interface Apis {
  lambda: LambdaApi;
  states: StatesApi;
  events: EventsApi;
}

/** A request's reply from its API: Lambda by path, Step Functions and EventBridge by `X-Amz-Target`. */
async function handle(apis: Apis, req: http.IncomingMessage, body: string | undefined, size: number): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://local');
  const target = String(req.headers['x-amz-target'] ?? '');
  try {
    if (url.pathname.startsWith('/2015-03-31/')) {
      return await apis.lambda(req.method ?? 'GET', url, body, size, req.headers);
    }
    if (body === undefined) {
      return awsError(413, 'RequestEntityTooLargeException', `Request must be smaller than ${SYNC_PAYLOAD_LIMIT_BYTES} bytes`, target.startsWith('AWSEvents.'));
    }
    if (target.startsWith('AWSStepFunctions.')) {
      return apis.states(target.slice('AWSStepFunctions.'.length), body ? JSON.parse(body) : {});
    }
    if (target.startsWith('AWSEvents.')) {
      return apis.events(target.slice('AWSEvents.'.length), body ? JSON.parse(body) : {});
    }
    return awsError(404, 'UnknownOperationException', `the local gateway does not emulate ${target || `${req.method} ${url.pathname}`}`);
  } catch (error) {
    const e = error as Error;
    return awsError(400, e.name && e.name !== 'Error' ? e.name : 'ValidationException', e.message, target.startsWith('AWSEvents.'));
  }
}

/** Starts the gateway on `port` (0 = a free one). */
export async function startGateway(deps: GatewayDeps): Promise<Gateway> {
  const onError = deps.onError ?? (() => undefined);
  const apis: Apis = {
    lambda: lambdaApi({ host: deps.host, mappings: () => deps.mappings ?? [], started: Date.now(), onError }),
    states: statesApi(deps.stepFunctions),
    events: eventsApi(deps.eventBus),
  };
  const server = http.createServer((req, res) =>
    readBody(req, res, SYNC_PAYLOAD_LIMIT_BYTES, (body, size) => {
      handle(apis, req, body, size)
        .then((reply) => writeReply(res, reply))
        .catch((error: Error) => {
          onError(new Error(`local gateway: ${req.method} ${req.url} failed: ${error.message}`));
          writeFailure(res);
        });
    }),
  );
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
