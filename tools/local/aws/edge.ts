/**
 * The local run's one AWS endpoint (the "edge", as LocalStack calls it): every service the
 * system uses on one port, so any AWS client works with one `--endpoint-url` or
 * `AWS_ENDPOINT_URL`. A request goes to the component that emulates its service, chosen as AWS
 * chooses it, by the request's shape:
 *
 * | request                                                       | service → component            |
 * |---------------------------------------------------------------|--------------------------------|
 * | path `/2015-03-31/…`                                          | Lambda → the gateway           |
 * | `X-Amz-Target: AWSStepFunctions.*` / `AWSEvents.*`            | Step Functions, EventBridge → the gateway |
 * | `X-Amz-Target: AmazonSQS.*` (JSON protocol)                   | SQS → fauxqs                   |
 * | form body, credential scope `sqs` or an SQS action (query protocol) | SQS → translated to JSON → fauxqs |
 * | form body, credential scope `sns` / `sts`                     | SNS, STS → fauxqs              |
 * | `X-Amz-Target: DynamoDB_20120810.*` / `DynamoDBStreams_20120810.*` | DynamoDB (+ streams) → DynamoDB Local |
 * | `X-Amz-Target: Kinesis_20131202.*`                            | Kinesis (read calls, the demand table's stream) → `KinesisFacade` |
 * | `X-Amz-Target: secretsmanager.*`                              | Secrets Manager → its emulator |
 * | `X-Amz-Target: GraniteServiceVersion20100801.*` (JSON protocol) | CloudWatch DescribeAlarms, GetMetricData → the run's alarms (cloudwatch/api.ts) |
 * | `GET /health`                                                 | the edge: services and their components |
 *
 * Queue URLs in answers are path-style on the edge (`http://127.0.0.1:4566/000000000000/<name>`),
 * whatever host the queue was created through, so clients that send to the queue URL's host
 * (the SDKs do) reach the edge. SQS calls fauxqs lacks (ListDeadLetterSourceQueues and the
 * message move tasks) are answered by `SqsMoveTasks`. Kinesis is only its read API
 * (`ListShards`, `DescribeStreamSummary`, `GetShardIterator`, `GetRecords`) on the streams the
 * run hosts, from `KinesisFacade` (kinesis.ts); its other actions are refused like any service
 * not emulated (CloudWatch's other actions, Logs, Pipes, IAM, …): an error naming the service and pointing at
 * docs/local-runtime.md. Requests are not signature-checked. One port speaks HTTP/1.1 and HTTP/2
 * without TLS (told apart by HTTP/2's connection preface): SDK v3's Kinesis client, like AWS,
 * uses HTTP/2, and sends it to an http:// endpoint with prior knowledge.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { CliError } from '../../build/toolCli';
import { LOCAL_ACCOUNT_ID } from '../emulators/sqs';
import { CloudWatchCallError } from '../cloudwatch/api';
import { KinesisCallError, type KinesisFacade } from './kinesis';
import { SqsCallError, type SqsMoveTasks } from './sqsMoveTasks';
import { jsonToQueryXml, queryErrorXml, queryToJson } from './sqsQuery';

export interface EdgeBackends {
  /** Lambda, Step Functions, EventBridge. */
  gateway: string;
  /** SQS, SNS, STS (fauxqs). */
  sqs: string;
  dynamodb: string;
  secretsManager: string;
}

export interface Edge {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** What routing needs of a request, HTTP/1.1 or HTTP/2. */
type Incoming = Pick<http.IncomingMessage, 'method' | 'url' | 'headers'>;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** The most any request may carry: Lambda's 6 MB payload quota, with room for the gateway to answer 413 itself. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Connection-specific headers, which HTTP/2 forbids (RFC 9113 8.2.2). */
const HTTP1_ONLY_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** SQS's actions, to tell an unsigned query-protocol SQS request from an SNS one. */
const SQS_ACTIONS = new Set(
  'AddPermission CancelMessageMoveTask ChangeMessageVisibility ChangeMessageVisibilityBatch CreateQueue DeleteMessage DeleteMessageBatch DeleteQueue GetQueueAttributes GetQueueUrl ListDeadLetterSourceQueues ListMessageMoveTasks ListQueueTags ListQueues PurgeQueue ReceiveMessage RemovePermission SendMessage SendMessageBatch SetQueueAttributes StartMessageMoveTask TagQueue UntagQueue'.split(
    ' ',
  ),
);

/** SQS answers that carry queue URLs. */
const QUEUE_URL_ACTIONS = new Set(['CreateQueue', 'GetQueueUrl', 'ListQueues', 'ListDeadLetterSourceQueues']);

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

function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { 'content-type': 'application/x-amz-json-1.0', ...headers }, body: JSON.stringify(body) };
}

function unsupported(what: string): Answer {
  return jsonAnswer(
    400,
    {
      __type: 'UnknownOperationException',
      message: `the local endpoint does not emulate ${what}; docs/local-runtime.md lists what it does`,
    },
    { 'x-amzn-errortype': 'UnknownOperationException' },
  );
}

/** Starts the edge on `port` (0: a free one) of 127.0.0.1, and of ::1 where the machine has it. */
export async function startEdge(options: {
  port: number;
  backends: EdgeBackends;
  moveTasks: SqsMoveTasks;
  /** Kinesis' read API on the run's streams; without it Kinesis is refused like any service not emulated. */
  kinesis?: KinesisFacade;
  /** CloudWatch's actions by name (cloudwatch/api.ts); without them CloudWatch is refused. */
  cloudwatch?: Record<string, (input: Record<string, unknown>) => unknown>;
  onError?: (error: Error) => void;
}): Promise<Edge> {
  const { backends, moveTasks, kinesis } = options;
  const onError = options.onError ?? (() => undefined);
  let endpoint = '';

  /** Sends the request on to a component and returns its answer as is. */
  const forward = (
    backend: string,
    req: Incoming,
    body: Buffer,
    headers = req.headers,
    path = req.url ?? '/',
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const target = new URL(path, backend);
      const sent: http.OutgoingHttpHeaders = { ...headers, 'content-length': String(body.length) };
      for (const name of Object.keys(sent).filter((n) => n.startsWith(':'))) {
        delete sent[name]; // HTTP/2's pseudo-headers
      }
      delete sent['transfer-encoding'];
      delete sent.expect;
      const out = http.request(target, { method: req.method, headers: sent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const answerHeaders: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined && !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) {
              answerHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
            }
          }
          resolve({ status: res.statusCode ?? 502, headers: answerHeaders, body: Buffer.concat(chunks) });
        });
      });
      out.on('error', reject);
      out.end(body);
    });

  /** Queue URLs, whatever host they carry, as path-style URLs on the edge. */
  const onEdge = (text: string) =>
    text.replace(new RegExp(`https?://[^/"<\\s]+/${LOCAL_ACCOUNT_ID}/`, 'g'), `${endpoint}/${LOCAL_ACCOUNT_ID}/`);

  /** One SQS call in the JSON protocol: ours, or fauxqs'. The answer is JSON either way, its queue URLs on the edge. */
  const sqsCall = async (
    action: string,
    input: Record<string, unknown>,
    req: Incoming,
  ): Promise<{ status: number; output: Record<string, unknown>; queryError?: string }> => {
    const answer = await sqsAnswer(action, input, req);
    return QUEUE_URL_ACTIONS.has(action) && answer.status < 300
      ? { ...answer, output: JSON.parse(onEdge(JSON.stringify(answer.output))) as Record<string, unknown> }
      : answer;
  };
  const sqsAnswer = async (
    action: string,
    input: Record<string, unknown>,
    req: Incoming,
  ): Promise<{ status: number; output: Record<string, unknown>; queryError?: string }> => {
    const ours = moveTasks.handler(action);
    if (ours) {
      try {
        return { status: 200, output: await ours(input) };
      } catch (error) {
        const e = error as Error & { $metadata?: { httpStatusCode?: number } };
        const code = error instanceof SqsCallError ? error.code : e.name;
        return {
          status: e.$metadata?.httpStatusCode ?? 400,
          output: { __type: `com.amazonaws.sqs#${code}`, message: e.message },
        };
      }
    }
    const headers = {
      ...req.headers,
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
    };
    const answer = await forward(backends.sqs, req, Buffer.from(JSON.stringify(input)), headers, '/');
    const text = answer.body.toString('utf8');
    return {
      status: answer.status,
      output: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      queryError: answer.headers['x-amzn-query-error'],
    };
  };

  const route = async (req: Incoming, body: Buffer): Promise<Answer> => {
    const url = new URL(req.url ?? '/', 'http://edge');
    const target = String(req.headers['x-amz-target'] ?? '');
    const contentType = String(req.headers['content-type'] ?? '');
    if (url.pathname.startsWith('/2015-03-31/')) {
      return forward(backends.gateway, req, body);
    }
    if (target.startsWith('AmazonSQS.')) {
      const action = target.slice('AmazonSQS.'.length);
      const { status, output, queryError } = await sqsCall(
        action,
        body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {},
        req,
      );
      return jsonAnswer(status, output, queryError ? { 'x-amzn-query-error': queryError } : {});
    }
    if (target.startsWith('Kinesis_20131202.')) {
      const action = target.slice('Kinesis_20131202.'.length);
      const handler = kinesis?.handler(action);
      if (!handler) {
        return unsupported(`Kinesis ${action}`);
      }
      const kinesisJson = (status: number, output: unknown, headers: Record<string, string> = {}) =>
        jsonAnswer(status, output, { 'content-type': 'application/x-amz-json-1.1', ...headers });
      try {
        let input: Record<string, unknown>;
        try {
          input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
        } catch {
          throw new KinesisCallError('InvalidArgumentException', 'the request body is not JSON');
        }
        return kinesisJson(200, await handler(input));
      } catch (error) {
        if (error instanceof KinesisCallError) {
          return kinesisJson(400, { __type: error.code, message: error.message }, { 'x-amzn-errortype': error.code });
        }
        throw error;
      }
    }
    if (target.startsWith('GraniteServiceVersion20100801.')) {
      const action = target.slice('GraniteServiceVersion20100801.'.length);
      const handler = options.cloudwatch?.[action];
      if (!handler) {
        return unsupported(`CloudWatch ${action}`);
      }
      try {
        return jsonAnswer(
          200,
          handler(body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {}),
        );
      } catch (error) {
        const code = error instanceof CloudWatchCallError ? error.code : 'InvalidParameterValue';
        return jsonAnswer(
          400,
          { __type: code, message: (error as Error).message },
          { 'x-amzn-query-error': `${code};Sender` },
        );
      }
    }
    const backend = TARGETS.find(([prefix]) => target.startsWith(prefix))?.[1];
    if (backend) {
      return forward(backends[backend], req, body);
    }
    if (target) {
      return unsupported(`the service of X-Amz-Target ${target}`);
    }
    if (req.method === 'POST' && contentType.includes('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(body.toString('utf8'));
      const service = signedService(req.headers.authorization);
      const action = form.get('Action') ?? '';
      if (service === 'sqs' || (service === undefined && SQS_ACTIONS.has(action))) {
        const { input } = queryToJson(form);
        // Clients that post to the queue URL itself (the SDK for Java 1) leave QueueUrl out.
        if (input.QueueUrl === undefined && new RegExp(`^/${LOCAL_ACCOUNT_ID}/[^/]+$`).test(url.pathname)) {
          input.QueueUrl = `${endpoint}${url.pathname}`;
        }
        const requestId = randomUUID();
        const { status, output, queryError } = await sqsCall(action, input, req);
        const xml =
          status < 300 ? jsonToQueryXml(action, output, requestId) : queryErrorXml(output, queryError, requestId);
        return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body: xml };
      }
      if (service === undefined || service === 'sns' || service === 'sts') {
        return forward(backends.sqs, req, body);
      }
      return unsupported(`the service '${service}' (${action})`);
    }
    if (req.method === 'GET' && (url.pathname === '/health' || url.pathname === '/')) {
      return jsonAnswer(200, {
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
          ...(kinesis ? { kinesis: 'read calls on the streams the run hosts (tools/local/aws/kinesis.ts)' } : {}),
          ...(options.cloudwatch
            ? {
                cloudwatch:
                  "DescribeAlarms and GetMetricData (JSON protocol) on the run's alarms (tools/local/cloudwatch)",
              }
            : {}),
        },
      });
    }
    return unsupported(`${req.method} ${url.pathname}`);
  };

  /** Reads a request, routes it, and hands the answer to `respond` (`abort`: drop the request). */
  const serve = (req: Incoming & Readable, respond: (answer: Answer) => void, abort: () => void) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(c);
      }
    });
    req.on('error', abort);
    req.on('end', () => {
      const answer: Promise<Answer> =
        size > MAX_BODY_BYTES
          ? Promise.resolve(
              jsonAnswer(413, {
                __type: 'RequestEntityTooLargeException',
                message: `Request must be smaller than ${MAX_BODY_BYTES} bytes`,
              }),
            )
          : route(req, Buffer.concat(chunks));
      answer
        .catch((error: Error) => {
          onError(new Error(`local endpoint: ${req.method} ${req.url} failed: ${error.message}`));
          return jsonAnswer(500, {
            __type: 'ServiceUnavailable',
            message: `the local endpoint failed: ${error.message}`,
          });
        })
        .then(respond)
        .catch(abort); // the client went away
    });
  };
  const http1 = http.createServer((req, res) =>
    serve(
      req,
      (a) => {
        res.writeHead(a.status, a.headers);
        res.end(a.body);
      },
      () => res.destroy(),
    ),
  );
  // HTTP/2 without TLS ("prior knowledge"): what SDK v3's Kinesis client speaks to an http:// endpoint.
  const http2Server = http2.createServer((req, res) =>
    serve(
      req,
      (a) => {
        const headers = Object.fromEntries(Object.entries(a.headers).filter(([k]) => !HTTP1_ONLY_HEADERS.has(k)));
        res.writeHead(a.status, headers);
        res.end(a.body);
      },
      () => res.stream.destroy(),
    ),
  );
  /** Each connection goes to the HTTP/2 server when it opens with HTTP/2's preface, else to the HTTP/1.1 one. */
  const sockets = new Set<net.Socket>();
  const accept = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('readable', () => {
      const first = socket.read() as Buffer | null;
      if (!first) {
        return;
      }
      socket.unshift(first);
      // A client writes the 24-byte preface whole; no HTTP/1.1 method begins with PRI.
      if (first.toString('latin1', 0, 3) === 'PRI') {
        http2Server.emit('connection', socket);
      } else {
        http1.emit('connection', socket);
        socket.resume();
      }
    });
  };
  const server = net.createServer(accept);
  // Also on ::1, for clients that resolve `localhost` to it; a machine without IPv6 loopback just lacks it.
  const servers = [server];
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new CliError(
              `port ${options.port} is in use (another local run, or LocalStack?): choose another with --port`,
            )
          : error,
      ),
    );
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://127.0.0.1:${port}`;
  const v6 = net.createServer(accept);
  await new Promise<void>((resolve) => {
    v6.once('error', () => resolve());
    v6.listen(port, '::1', () => {
      servers.push(v6);
      resolve();
    });
  });
  return {
    endpoint,
    port,
    stop: async () => {
      const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      for (const socket of sockets) {
        socket.destroy();
      }
      await Promise.all(closed);
      await moveTasks.stop();
    },
  };
}
