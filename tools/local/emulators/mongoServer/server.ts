/**
 * A small in-process MongoDB server for tests: speaks enough of the wire protocol for the
 * official `mongodb` driver (v6), keeps data in memory, and can be told to fail.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Document } from 'bson';
import { HANDSHAKE_COMMANDS, commandName, runCommand } from './commands';
import { Cursors } from './cursors';
import { Store } from './store';
import { decodeRequest, encodeReply, takeMessages, type WireRequest } from './wire';

/** How injected failures behave. */
export interface FailureOptions {
  /** Only these commands fail (e.g. ['find', 'update']); default: any non-handshake command. */
  commands?: string[];
  /** Server error code; default 1 (InternalError, which the driver does not retry). */
  code?: number;
  codeName?: string;
  errmsg?: string;
  /** Drop the connection instead of answering, which the driver reports as a network error. */
  closeConnection?: boolean;
}

interface FailureRule extends FailureOptions {
  remaining: number;
}

/** One in-memory MongoDB (standalone, wire version 21) listening on 127.0.0.1. */
export class MongoWireServer {
  /** The data; tests may inspect it directly. */
  readonly store = new Store();
  private readonly cursors = new Cursors();
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private failures: FailureRule[] = [];
  private down = false;
  private nextConnectionId = 1;
  private nextResponseId = 1;
  private listeningPort = 0;

  constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Starts listening on 127.0.0.1 (port 0 = a free one) and returns the port. */
  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.removeListener('error', reject);
        const address = this.server.address();
        this.listeningPort = typeof address === 'object' && address !== null ? address.port : port;
        resolve(this.listeningPort);
      });
    });
  }

  /** The port it listens on (0 before listen()). */
  get port(): number {
    return this.listeningPort;
  }

  /** Connection string for the driver. */
  get uri(): string {
    return `mongodb://127.0.0.1:${this.listeningPort}/?directConnection=true`;
  }

  /** The next `count` matching commands fail (handshake/monitoring commands are never failed). */
  failNext(count: number, options: FailureOptions = {}): void {
    this.failures.push({ remaining: count, ...options });
  }

  /**
   * `true` closes every open connection and drops new ones until set back to `false`, as if
   * the server were unreachable; the driver sees network and server-selection errors.
   */
  setDown(down: boolean): void {
    this.down = down;
    if (down) {
      for (const socket of this.sockets) {
        socket.destroy();
      }
    }
  }

  /** Forgets all data, cursors and pending failures. */
  reset(): void {
    this.store.clear();
    this.cursors.clear();
    this.failures = [];
    this.down = false;
  }

  /** Stops listening and closes all connections. */
  close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.down) {
      socket.destroy();
      return;
    }
    const connectionId = this.nextConnectionId;
    this.nextConnectionId += 1;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // Gather chunks until a whole message is there; concatenate once per message, not per chunk.
    let chunks: Buffer[] = [];
    let buffered = 0;
    let needed = 4;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
      if (buffered < needed) {
        return;
      }
      let taken: { messages: Buffer[]; rest: Buffer };
      try {
        taken = takeMessages(Buffer.concat(chunks, buffered));
      } catch {
        socket.destroy();
        return;
      }
      chunks = taken.rest.length > 0 ? [taken.rest] : [];
      buffered = taken.rest.length;
      needed = buffered >= 4 ? taken.rest.readInt32LE(0) : 4;
      for (const message of taken.messages) {
        if (socket.destroyed) {
          return;
        }
        this.handle(socket, message, connectionId);
      }
    });
  }

  private handle(socket: Socket, message: Buffer, connectionId: number): void {
    let request: WireRequest;
    try {
      request = decodeRequest(message);
    } catch {
      socket.destroy();
      return;
    }
    const failure = this.takeFailure(commandName(request.command));
    if (failure?.closeConnection) {
      socket.destroy();
      return;
    }
    const reply: Document = failure
      ? {
          ok: 0,
          errmsg: failure.errmsg ?? 'injected failure (MongoWireServer.failNext)',
          code: failure.code ?? 1,
          codeName: failure.codeName ?? 'InternalError',
        }
      : runCommand(request.command, { store: this.store, cursors: this.cursors }, connectionId);
    if (!request.noReply) {
      socket.write(encodeReply(request, reply, this.nextResponseId));
      this.nextResponseId += 1;
    }
  }

  private takeFailure(name: string): FailureRule | undefined {
    if (HANDSHAKE_COMMANDS.has(name)) {
      return undefined;
    }
    const rule = this.failures.find((candidate) => !candidate.commands || candidate.commands.includes(name));
    if (!rule) {
      return undefined;
    }
    rule.remaining -= 1;
    if (rule.remaining <= 0) {
      this.failures = this.failures.filter((candidate) => candidate !== rule);
    }
    return rule;
  }
}
