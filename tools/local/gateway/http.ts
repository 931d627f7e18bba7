/**
 * The gateway's requests and replies: reading a body up to a limit, the reply each API returns
 * and how it is written, AWS's error shape, and the errors an API throws to be answered with an
 * AWS error type.
 */
import type http from 'node:http';

export interface Reply {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

export const awsError = (status: number, type: string, message: string, json11 = false): Reply => ({
  status,
  headers: { 'x-amzn-errortype': type, 'content-type': json11 ? 'application/x-amz-json-1.1' : 'application/json' },
  body: { __type: type, message, Type: 'User' },
});

/** An error answered with the AWS error type `name` (a 400, by the gateway's dispatch). */
export const notFound = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * Reads a request's body and hands it to `onBody` with its size in bytes; the body is undefined
 * when larger than `limit`.
 */
export function readBody(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  limit: number,
  onBody: (body: string | undefined, size: number) => void,
): void {
  // The body is read to its end (so the client gets the answer), but not kept past the limit.
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= limit) {
      chunks.push(c);
    }
  });
  // A client that goes away mid-request must not take the run down.
  req.on('error', () => res.destroy());
  req.on('end', () => {
    const body = size <= limit ? Buffer.concat(chunks).toString('utf8') : undefined;
    chunks.length = 0;
    onBody(body, size);
  });
}

/** Writes a reply: its `raw` text, else its body as JSON (JSON 1.0 unless its headers say otherwise). */
export function writeReply(res: http.ServerResponse, reply: Reply): void {
  const payload = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
  res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0', ...reply.headers });
  res.end(payload);
}

/** The 500 of a request the gateway failed to answer. */
export function writeFailure(res: http.ServerResponse): void {
  if (!res.headersSent) {
    res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceException' });
  }
  res.end(JSON.stringify({ __type: 'ServiceException', message: 'the local gateway failed', Type: 'Service' }));
}
