/**
 * The edge's listener: one port of 127.0.0.1 (and of ::1 where the machine has it) that speaks
 * HTTP/1.1 and HTTP/2 without TLS, told apart by HTTP/2's connection preface. It reads each
 * request whole (up to a limit), has it routed, and answers; a failed route is a 500.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { CliError } from '../../build/toolCli';
import { jsonAnswer, type Answer, type Incoming } from './edgeHttp';

/** Routes one request, read whole, to its answer. */
export type Route = (req: Incoming, body: Buffer) => Promise<Answer>;

/** Reads a request, routes it, and hands the answer to `respond` (`abort`: drop the request). */
type Serve = (req: Incoming & Readable, respond: (answer: Answer) => void, abort: () => void) => void;

/** The edge's connections: `accept` takes a new one, `destroyAll` ends those still open. */
export interface EdgeConnections {
  accept(socket: net.Socket): void;
  destroyAll(): void;
}

/** The most any request may carry: Lambda's 6 MB payload quota, with room for the gateway to answer 413 itself. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Connection-specific headers, which HTTP/2 forbids (RFC 9113 8.2.2). */
const HTTP1_ONLY_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** The answer to a request, a 413 when it carried more than MAX_BODY_BYTES; a failed route is logged to `onError` and answered 500. */
function answerTo(route: Route, onError: (error: Error) => void, req: Incoming, chunks: Buffer[], size: number) {
  const answer: Promise<Answer> =
    size > MAX_BODY_BYTES
      ? Promise.resolve(
          jsonAnswer(413, {
            __type: 'RequestEntityTooLargeException',
            message: `Request must be smaller than ${MAX_BODY_BYTES} bytes`,
          }),
        )
      : route(req, Buffer.concat(chunks));
  return answer.catch((error: Error) => {
    onError(new Error(`local endpoint: ${req.method} ${req.url} failed: ${error.message}`));
    return jsonAnswer(500, {
      __type: 'ServiceUnavailable',
      message: `the local endpoint failed: ${error.message}`,
    });
  });
}

function serving(route: Route, onError: (error: Error) => void): Serve {
  return (req, respond, abort) => {
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
      answerTo(route, onError, req, chunks, size).then(respond).catch(abort); // the client went away
    });
  };
}

function http1Server(serve: Serve): http.Server {
  return http.createServer((req, res) =>
    serve(
      req,
      (a) => {
        res.writeHead(a.status, a.headers);
        res.end(a.body);
      },
      () => res.destroy(),
    ),
  );
}

// HTTP/2 without TLS ("prior knowledge"): what SDK v3's Kinesis client speaks to an http:// endpoint.
function http2Server(serve: Serve): http2.Http2Server {
  return http2.createServer((req, res) =>
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
}

/** Each connection goes to the HTTP/2 server when it opens with HTTP/2's preface, else to the HTTP/1.1 one. */
export function edgeConnections(route: Route, onError: (error: Error) => void): EdgeConnections {
  const serve = serving(route, onError);
  const http1 = http1Server(serve);
  const h2 = http2Server(serve);
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
        h2.emit('connection', socket);
      } else {
        http1.emit('connection', socket);
        socket.resume();
      }
    });
  };
  const destroyAll = () => {
    for (const socket of sockets) {
      socket.destroy();
    }
  };
  return { accept, destroyAll };
}

/** Listens on `port` (0: a free one) of 127.0.0.1; a port in use is a CliError. */
export async function listenOnIpv4(port: number, accept: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(accept);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new CliError(`port ${port} is in use (another local run, or LocalStack?): choose another with --port`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

/** Also on ::1, for clients that resolve `localhost` to it; a machine without IPv6 loopback just lacks it (undefined). */
export async function listenOnIpv6(
  port: number,
  accept: (socket: net.Socket) => void,
): Promise<net.Server | undefined> {
  const v6 = net.createServer(accept);
  return new Promise((resolve) => {
    v6.once('error', () => resolve(undefined));
    v6.listen(port, '::1', () => resolve(v6));
  });
}
