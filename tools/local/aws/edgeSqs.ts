/**
 * SQS on the edge, in both its protocols: the JSON protocol, and the query protocol (a form body,
 * answered in XML) translated to JSON and back. Each call goes to `SqsMoveTasks` when it is one
 * fauxqs lacks (ListDeadLetterSourceQueues, the message move tasks), else to fauxqs; queue URLs
 * in answers are path-style URLs on the edge, whatever host the queue was created through.
 */
import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID } from '../emulators/sqs';
import { forward, jsonAnswer, jsonInput, type Answer, type Incoming } from './edgeHttp';
import { SqsCallError, type SqsMoveTasks } from './sqsMoveTasks';
import { jsonToQueryXml, queryErrorXml, queryToJson } from './sqsQuery';

/** What SQS on the edge needs: fauxqs, the move tasks, and the edge's own endpoint (known once it listens). */
export interface EdgeSqs {
  backends: { sqs: string };
  moveTasks: SqsMoveTasks;
  /** `http://127.0.0.1:<port>` */
  endpoint(): string;
}

/** An SQS call's answer in the JSON protocol, with fauxqs' `x-amzn-query-error` when it gave one. */
interface SqsOutcome {
  status: number;
  output: Record<string, unknown>;
  queryError?: string;
}

type MoveTaskCall = (input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** SQS answers that carry queue URLs. */
const QUEUE_URL_ACTIONS = new Set(['CreateQueue', 'GetQueueUrl', 'ListQueues', 'ListDeadLetterSourceQueues']);

/** Queue URLs, whatever host they carry, as path-style URLs on the edge. */
const onEdge = (sqs: EdgeSqs, text: string) =>
  text.replace(new RegExp(`https?://[^/"<\\s]+/${LOCAL_ACCOUNT_ID}/`, 'g'), `${sqs.endpoint()}/${LOCAL_ACCOUNT_ID}/`);

/** A call `SqsMoveTasks` answers, its errors in SQS' JSON terms. */
async function moveTaskAnswer(call: MoveTaskCall, input: Record<string, unknown>): Promise<SqsOutcome> {
  try {
    return { status: 200, output: await call(input) };
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    const code = error instanceof SqsCallError ? error.code : e.name;
    return {
      status: e.$metadata?.httpStatusCode ?? 400,
      output: { __type: `com.amazonaws.sqs#${code}`, message: e.message },
    };
  }
}

/** A call fauxqs answers, sent to it in the JSON protocol. */
async function fauxqsAnswer(
  sqs: EdgeSqs,
  action: string,
  input: Record<string, unknown>,
  req: Incoming,
): Promise<SqsOutcome> {
  const headers = {
    ...req.headers,
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `AmazonSQS.${action}`,
  };
  const answer = await forward(sqs.backends.sqs, req, Buffer.from(JSON.stringify(input)), headers, '/');
  const text = answer.body.toString('utf8');
  return {
    status: answer.status,
    output: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    queryError: answer.headers['x-amzn-query-error'],
  };
}

/** One SQS call in the JSON protocol: ours, or fauxqs'. The answer is JSON either way, its queue URLs on the edge. */
async function sqsCall(
  sqs: EdgeSqs,
  action: string,
  input: Record<string, unknown>,
  req: Incoming,
): Promise<SqsOutcome> {
  const ours = sqs.moveTasks.handler(action);
  const answer = ours ? await moveTaskAnswer(ours, input) : await fauxqsAnswer(sqs, action, input, req);
  return QUEUE_URL_ACTIONS.has(action) && answer.status < 300
    ? { ...answer, output: JSON.parse(onEdge(sqs, JSON.stringify(answer.output))) as Record<string, unknown> }
    : answer;
}

/** SQS in the JSON protocol (`X-Amz-Target: AmazonSQS.*`). */
export async function sqsJson(sqs: EdgeSqs, action: string, req: Incoming, body: Buffer): Promise<Answer> {
  const { status, output, queryError } = await sqsCall(sqs, action, jsonInput(body), req);
  return jsonAnswer(status, output, queryError ? { 'x-amzn-query-error': queryError } : {});
}

/** SQS in the query protocol: the form as JSON, the answer as SQS' XML. */
export async function sqsQuery(
  sqs: EdgeSqs,
  call: { action: string; form: URLSearchParams; path: string },
  req: Incoming,
): Promise<Answer> {
  const { action, path } = call;
  const { input } = queryToJson(call.form);
  // Clients that post to the queue URL itself (the SDK for Java 1) leave QueueUrl out.
  if (input.QueueUrl === undefined && new RegExp(`^/${LOCAL_ACCOUNT_ID}/[^/]+$`).test(path)) {
    input.QueueUrl = `${sqs.endpoint()}${path}`;
  }
  const requestId = randomUUID();
  const { status, output, queryError } = await sqsCall(sqs, action, input, req);
  const xml = status < 300 ? jsonToQueryXml(action, output, requestId) : queryErrorXml(output, queryError, requestId);
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body: xml };
}
