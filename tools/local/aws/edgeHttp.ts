/**
 * The edge's requests and answers: what routing needs of a request (HTTP/1.1 or HTTP/2), the
 * answer every handler returns, the JSON answers and refusals, and the passthrough that sends a
 * request on to the component emulating its service.
 */
import http from 'node:http';

/** What routing needs of a request, HTTP/1.1 or HTTP/2. */
export type Incoming = Pick<http.IncomingMessage, 'method' | 'url' | 'headers'>;

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { 'content-type': 'application/x-amz-json-1.0', ...headers }, body: JSON.stringify(body) };
}

export function unsupported(what: string): Answer {
  return jsonAnswer(
    400,
    {
      __type: 'UnknownOperationException',
      message: `the local endpoint does not emulate ${what}; docs/local-runtime.md lists what it does`,
    },
    { 'x-amzn-errortype': 'UnknownOperationException' },
  );
}

/** A request body's JSON object; an empty body is `{}`. */
export function jsonInput(body: Buffer): Record<string, unknown> {
  return body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
}

/** The headers sent on to a component: HTTP/2's pseudo-headers and the framing ones left out. */
function forwardedHeaders(headers: http.IncomingHttpHeaders, body: Buffer): http.OutgoingHttpHeaders {
  const sent: http.OutgoingHttpHeaders = { ...headers, 'content-length': String(body.length) };
  for (const name of Object.keys(sent).filter((n) => n.startsWith(':'))) {
    delete sent[name]; // HTTP/2's pseudo-headers
  }
  delete sent['transfer-encoding'];
  delete sent.expect;
  return sent;
}

/** A component's answer headers, without the connection-specific ones (the edge frames its own answer). */
function answerHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) {
      kept[k] = Array.isArray(v) ? v.join(', ') : v;
    }
  }
  return kept;
}

/** Sends the request on to a component and returns its answer as is. */
export function forward(
  backend: string,
  req: Incoming,
  body: Buffer,
  headers = req.headers,
  path = req.url ?? '/',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, backend);
    const out = http.request(target, { method: req.method, headers: forwardedHeaders(headers, body) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 502, headers: answerHeaders(res.headers), body: Buffer.concat(chunks) });
      });
    });
    out.on('error', reject);
    out.end(body);
  });
}
