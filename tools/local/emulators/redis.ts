/** Debian `redis-server` on a free port, without persistence. */
import { connect } from 'node:net';
import { onFreePort, spawnOwned, waitUntilReady, type StartOptions } from './processes';

export interface LocalRedis {
  /** e.g. redis://127.0.0.1:41234 */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts redis-server, or uses `REDIS_URL` when set (then stop() does nothing).
 * A test that wants to kill Redis passes `{ useExisting: false }` to get a private one.
 * Startup takes about 20 ms.
 */
export async function startRedis(options: StartOptions = {}): Promise<LocalRedis> {
  const existing = process.env.REDIS_URL;
  if (existing && options.useExisting !== false) {
    return { url: existing, port: Number(new URL(existing).port || 6379), stop: async () => undefined };
  }
  return onFreePort(async (port) => {
    const owned = spawnOwned('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await waitUntilReady({
      component: 'redis-server',
      owned,
      installHint: 'apt-get install redis-server',
      readyOutput: /Ready to accept connections/,
      timeoutMs: options.startupTimeoutMs ?? 20000,
      intervalMs: 20,
      probe: () => ping(port),
    });
    return { url: `redis://127.0.0.1:${port}`, port, stop: () => owned.stop() };
  });
}

/** Sends an inline PING and expects +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000, () => socket.destroy(new Error('PING timed out')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.end();
      resolve(data.toString().startsWith('+PONG'));
    });
  });
}
