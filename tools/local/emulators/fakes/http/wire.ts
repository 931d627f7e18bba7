/**
 * HTTP plumbing under `createFakeServer`: the error handlers throw, reading and parsing request
 * bodies, matching route patterns and writing responses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeResponse } from '../server';

/** Thrown by handlers for a client error; rendered in the fake's error shape. */
export class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/** The params of `path` when it matches `pattern` (`:name` segments), else `undefined`. */
export function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      params[want[i].slice(1)] = decodeURIComponent(got[i]);
    } else if (want[i] !== got[i]) {
      return undefined;
    }
  }
  return params;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new FakeHttpError(413, 'payloadTooLarge', `request body over ${MAX_REQUEST_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The request body as text, or the error to answer when it cannot be read (too large, aborted). */
export async function readBodyText(req: IncomingMessage): Promise<string | FakeHttpError> {
  try {
    return await readBody(req);
  } catch (error) {
    return error instanceof FakeHttpError ? error : new FakeHttpError(400, 'badRequest', String(error));
  }
}

/** A body parsed as JSON; text that is not JSON is kept as is and flagged. An empty body is `undefined`. */
export function parseBody(text: string): { body: unknown; invalidJson: boolean } {
  if (text.trim() === '') {
    return { body: undefined, invalidJson: false };
  }
  try {
    return { body: JSON.parse(text), invalidJson: false };
  } catch {
    return { body: text, invalidJson: true };
  }
}

/** Writes `response` (text, else JSON) unless the response is already sent or the socket gone. */
export function send(res: ServerResponse, response: FakeResponse): void {
  if (res.destroyed || res.headersSent) {
    return;
  }
  const headers: Record<string, string> = { ...response.headers };
  let payload = '';
  if (response.text !== undefined) {
    payload = response.text;
    headers['content-type'] ??= 'text/plain';
  } else if (response.body !== undefined) {
    payload = JSON.stringify(response.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}
