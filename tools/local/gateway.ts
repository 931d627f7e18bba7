/**
 * The local AWS endpoint for the services the runtime itself emulates, on one port:
 * - Lambda `Invoke` (REST, `POST /2015-03-31/functions/{name}/invocations`, RequestResponse,
 *   Event and DryRun), `GetFunction` and `ListFunctions`;
 * - Step Functions `StartExecution`, `DescribeExecution`, `ListStateMachines`, `ListExecutions`
 *   (JSON 1.0, `X-Amz-Target: AWSStepFunctions.*`);
 * - EventBridge `PutEvents` (JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`).
 * `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL_SFN` and `AWS_ENDPOINT_URL_EVENTBRIDGE` point
 * SDK clients (the workers' LambdaClient included) here. Requests are not signature-checked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBus, PutEventsEntry } from './eventBus';
import type { FunctionHost } from './lambda/host';
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
export async function startGateway(deps: { host: FunctionHost; stepFunctions: StepFunctions; eventBus: EventBus; port?: number }): Promise<Gateway> {
  const { host, stepFunctions, eventBus } = deps;

  const lambda = async (method: string, url: URL, body: string, headers: http.IncomingHttpHeaders): Promise<Reply> => {
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
    let event: unknown;
    try {
      event = body ? JSON.parse(body) : {};
    } catch {
      return awsError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const type = String(headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (type === 'DryRun') {
      return { status: 204 };
    }
    if (type === 'Event') {
      void host.invoke(spec.name, event, 'lambda-api:event');
      return { status: 202 };
    }
    const outcome = await host.invoke(spec.name, event, 'lambda-api');
    const version = { 'x-amz-executed-version': '$LATEST', 'content-type': 'application/json' };
    return outcome.ok
      ? { status: 200, raw: JSON.stringify(outcome.payload ?? null), headers: version }
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

  const handle = async (req: http.IncomingMessage, body: string): Promise<Reply> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      if (target.startsWith('AWSStepFunctions.')) {
        return states(target.slice('AWSStepFunctions.'.length), body ? JSON.parse(body) : {});
      }
      if (target === 'AWSEvents.PutEvents') {
        const entries = (JSON.parse(body) as { Entries: PutEventsEntry[] }).Entries ?? [];
        return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: { FailedEntryCount: 0, Entries: eventBus.putEvents(entries) } };
      }
      if (url.pathname.startsWith('/2015-03-31/functions')) {
        return await lambda(req.method ?? 'GET', url, body, req.headers);
      }
      return awsError(404, 'UnknownOperationException', `the local gateway does not emulate ${target || `${req.method} ${url.pathname}`}`);
    } catch (error) {
      const e = error as Error;
      return awsError(400, e.name && e.name !== 'Error' ? e.name : 'ValidationException', e.message, target.startsWith('AWSEvents.'));
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, Buffer.concat(chunks).toString('utf8')).then((reply) => {
        const payload = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
        res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0', ...reply.headers });
        res.end(payload);
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
