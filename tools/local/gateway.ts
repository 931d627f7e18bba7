/**
 * The local AWS endpoint for the services the runtime itself emulates, on one port:
 * - Lambda `Invoke` (REST, `POST /2015-03-31/functions/{name}/invocations`, RequestResponse,
 *   Event and DryRun), `GetFunction` and `ListFunctions`;
 * - Step Functions `StartExecution`, `DescribeExecution`, `ListStateMachines`, `ListExecutions`
 *   (JSON 1.0, `X-Amz-Target: AWSStepFunctions.*`);
 * - EventBridge `PutEvents` (JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`).
 * `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL_SFN` and `AWS_ENDPOINT_URL_EVENTBRIDGE` point
 * SDK clients (the workers' LambdaClient included) here. Requests are not signature-checked.
 *
 * Invoke is as strict as Lambda's: an unknown `X-Amz-Invocation-Type` is a 400
 * ValidationException, a payload over 6 MB (RequestResponse, DryRun) or 1 MB (Event) a 413
 * RequestEntityTooLargeException, a body that is not JSON a 400 InvalidRequestContentException.
 * The function gets the payload text as sent. An Event invocation is answered 202 at once and
 * runs (with Lambda's two retries) in the background; its final failure goes to `onError`, so
 * one bad event never escapes as an unhandled rejection. No body is kept beyond 6 MB.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBus, PutEventsEntry } from './eventBus';
import type { FunctionHost } from './lambda/host';
import { asyncFailure } from './lambda/host';
import type { Execution, StepFunctions } from './stepFunctions';

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

const awsError = (status: number, type: string, message: string, json11 = false): Reply => ({
  status,
  headers: { 'x-amzn-errortype': type, 'content-type': json11 ? 'application/x-amz-json-1.1' : 'application/json' },
  body: { __type: type, message, Type: 'User' },
});

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
    ...(e.error !== undefined ? { error: e.error, cause: e.cause } : {}),
  };
}

/** Starts the gateway on `port` (0 = a free one). */
export async function startGateway(deps: {
  host: FunctionHost;
  stepFunctions: StepFunctions;
  eventBus: EventBus;
  port?: number;
  /** Where errors no caller waits for go (the final failure of an Event invocation). */
  onError?: (error: Error) => void;
}): Promise<Gateway> {
  const { host, stepFunctions, eventBus } = deps;
  const onError = deps.onError ?? (() => undefined);

  /** `body` is undefined when the request was larger than any payload the gateway takes; `size` is its length in bytes. */
  const lambda = async (method: string, url: URL, body: string | undefined, size: number, headers: http.IncomingHttpHeaders): Promise<Reply> => {
    const match = /^\/2015-03-31\/functions\/?([^/]*)(\/invocations)?\/?$/.exec(url.pathname);
    if (!match) {
      return awsError(404, 'UnknownOperationException', `no route ${method} ${url.pathname}`);
    }
    const ref = decodeURIComponent(match[1]);
    if (!ref && method === 'GET') {
      return { status: 200, body: { Functions: host.specs().map((f) => ({ FunctionName: f.name, FunctionArn: f.arn, Runtime: 'nodejs22.x', Timeout: f.timeoutSeconds, MemorySize: f.memoryMb })) } };
    }
    const spec = host.find(ref);
    if (!spec) {
      return awsError(404, 'ResourceNotFoundException', `Function not found: ${ref}`);
    }
    if (method === 'GET' && !match[2]) {
      return {
        status: 200,
        body: {
          Configuration: { FunctionName: spec.name, FunctionArn: spec.arn, Runtime: 'nodejs22.x', Handler: spec.handler, Timeout: spec.timeoutSeconds, MemorySize: spec.memoryMb, Environment: { Variables: spec.environment }, State: spec.code.status === 'ready' ? 'Active' : 'Failed' },
        },
      };
    }
    if (method !== 'POST' || !match[2]) {
      return awsError(404, 'UnknownOperationException', `no route ${method} ${url.pathname}`);
    }
    const type = String(headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (!INVOCATION_TYPES.includes(type)) {
      return awsError(400, 'ValidationException', `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [${INVOCATION_TYPES.join(', ')}]`);
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
    const outcome = await host.invoke(spec.name, event, 'lambda-api', eventJson);
    const version = { 'x-amz-executed-version': '$LATEST', 'content-type': 'application/json' };
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
      case 'DescribeExecution':
        return { status: 200, body: describeExecution(stepFunctions.describe(String(input.executionArn))) };
      case 'ListStateMachines':
        return { status: 200, body: { stateMachines: stepFunctions.list().map((m) => ({ stateMachineArn: m.arn, name: m.name, type: m.type, creationDate: 0 })) } };
      case 'ListExecutions':
        return {
          status: 200,
          body: {
            executions: stepFunctions
              .all()
              .filter((e) => !input.stateMachineArn || e.stateMachineArn === input.stateMachineArn)
              .map(describeExecution),
          },
        };
      default:
        return awsError(400, 'UnknownOperationException', `AWSStepFunctions.${action} is not emulated locally`);
    }
  };

  const handle = async (req: http.IncomingMessage, body: string | undefined, size: number): Promise<Reply> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      if (url.pathname.startsWith('/2015-03-31/functions')) {
        return await lambda(req.method ?? 'GET', url, body, size, req.headers);
      }
      if (body === undefined) {
        return awsError(413, 'RequestEntityTooLargeException', `Request must be smaller than ${SYNC_PAYLOAD_LIMIT_BYTES} bytes`, target.startsWith('AWSEvents.'));
      }
      if (target.startsWith('AWSStepFunctions.')) {
        return states(target.slice('AWSStepFunctions.'.length), body ? JSON.parse(body) : {});
      }
      if (target === 'AWSEvents.PutEvents') {
        const entries = (JSON.parse(body) as { Entries: PutEventsEntry[] }).Entries ?? [];
        return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: { FailedEntryCount: 0, Entries: eventBus.putEvents(entries) } };
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
