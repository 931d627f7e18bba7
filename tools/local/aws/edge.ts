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
 *
 * The parts: edgeServices.ts tells a request's service, edgeSqs.ts answers SQS (both protocols),
 * edgeFacades.ts Kinesis and CloudWatch, edgeHttp.ts passes the rest on to their components, and
 * edgeServer.ts is the listener (HTTP/1.1 and HTTP/2, request bodies, 413 and 500 answers).
 */
import type { AddressInfo } from 'node:net';
import { cloudWatchCall, kinesisCall, type CloudWatchActions } from './edgeFacades';
import { forward, jsonAnswer, unsupported, type Answer, type Incoming } from './edgeHttp';
import { edgeConnections, listenOnIpv4, listenOnIpv6 } from './edgeServer';
import { health, serviceOf, type EdgeBackends } from './edgeServices';
import { sqsJson, sqsQuery } from './edgeSqs';
import type { KinesisFacade } from './kinesis';
import type { SqsMoveTasks } from './sqsMoveTasks';

export type { EdgeBackends } from './edgeServices';

export interface Edge {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export interface EdgeOptions {
  port: number;
  backends: EdgeBackends;
  moveTasks: SqsMoveTasks;
  /** Kinesis' read API on the run's streams; without it Kinesis is refused like any service not emulated. */
  kinesis?: KinesisFacade;
  /** CloudWatch's actions by name (cloudwatch/api.ts); without them CloudWatch is refused. */
  cloudwatch?: CloudWatchActions;
  onError?: (error: Error) => void;
}

/** What routing needs: the edge's options, and its own endpoint once it listens. */
type EdgeContext = Omit<EdgeOptions, 'port' | 'onError'> & { endpoint(): string };

/** Answers a request by the service it is for (edgeServices.ts), from that service's handler or component. */
async function route(edge: EdgeContext, req: Incoming, body: Buffer): Promise<Answer> {
  const service = serviceOf(req, body);
  switch (service.kind) {
    case 'forward':
      return forward(edge.backends[service.backend], req, body);
    case 'sqs-json':
      return sqsJson(edge, service.action, req, body);
    case 'sqs-query':
      return sqsQuery(edge, service, req);
    case 'kinesis':
      return kinesisCall(edge.kinesis, service.action, body);
    case 'cloudwatch':
      return cloudWatchCall(edge.cloudwatch, service.action, body);
    case 'health':
      return jsonAnswer(200, health({ kinesis: Boolean(edge.kinesis), cloudwatch: Boolean(edge.cloudwatch) }));
    case 'unsupported':
      return unsupported(service.what);
  }
}

/** Starts the edge on `port` (0: a free one) of 127.0.0.1, and of ::1 where the machine has it. */
export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const { backends, moveTasks, kinesis, cloudwatch } = options;
  const onError = options.onError ?? (() => undefined);
  let endpoint = '';
  const edge: EdgeContext = { backends, moveTasks, kinesis, cloudwatch, endpoint: () => endpoint };
  const connections = edgeConnections((req, body) => route(edge, req, body), onError);
  const server = await listenOnIpv4(options.port, connections.accept);
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://127.0.0.1:${port}`;
  const v6 = await listenOnIpv6(port, connections.accept);
  const servers = v6 ? [server, v6] : [server];
  return {
    endpoint,
    port,
    stop: async () => {
      const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      connections.destroyAll();
      await Promise.all(closed);
      await moveTasks.stop();
    },
  };
}
