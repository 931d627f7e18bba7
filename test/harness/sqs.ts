/**
 * The fauxqs SQS + SNS emulator, run as a child process with the current Node binary
 * (fauxqs is ESM-only and needs Node 22.5+ for node:sqlite, so it cannot be required in jest).
 *
 * Quirks:
 * - fauxqs' cli.js calls startFauxqs({ logger: true }), which wins over FAUXQS_LOGGER=false,
 *   so it logs one JSON line per request to stdout; the harness keeps only the last 8 KB.
 * - Queue URLs come back as http://sqs.us-east-1.localhost:PORT/000000000000/NAME, and
 *   `*.localhost` does not resolve on this machine. An SQSClient given `endpoint` explicitly
 *   ignores the URL's host and works. A client configured only through AWS_ENDPOINT_URL_SQS
 *   does not count as having a custom endpoint: the SDK then sends to the QueueUrl's host
 *   (ENOTFOUND). Use `localQueueUrl()` (the endpoint's host; fauxqs only reads the path) or
 *   `useQueueUrlAsEndpoint: false` for such clients.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { toSqsRecord } from '../../tools/local/pollers/sqs';
import { onFreePort, spawnOwned, waitUntilReady, type StartOptions } from './processes';

export interface SqsSnsEmulator {
  /** One endpoint for both SQS and SNS, e.g. http://127.0.0.1:41234 */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** fauxqs' fixed account id, used in queue URLs and ARNs. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/**
 * Starts fauxqs (SQS + SNS on one port), or uses `SQS_ENDPOINT` when set (then stop() does
 * nothing). Startup takes about 0.3 s.
 */
export async function startSqsSns(options: StartOptions = {}): Promise<SqsSnsEmulator> {
  const existing = process.env.SQS_ENDPOINT;
  if (existing && options.useExisting !== false) {
    return { endpoint: existing, port: Number(new URL(existing).port), stop: async () => undefined };
  }
  const cli = fauxqsCli();
  return onFreePort(async (port) => {
    const endpoint = `http://127.0.0.1:${port}`;
    const owned = spawnOwned(process.execPath, ['--disable-warning=ExperimentalWarning', cli], {
      env: { ...process.env, FAUXQS_PORT: String(port), FAUXQS_LOGGER: 'false' },
    });
    await waitUntilReady({
      component: 'fauxqs (SQS/SNS emulator)',
      owned,
      installHint: `fauxqs needs Node >= 22.5 (this is ${process.version}; run through npx/npm so node@22 from devDependencies is used) and npm package fauxqs (npm ci)`,
      timeoutMs: options.startupTimeoutMs ?? 30000,
      readyOutput: /Server listening at/,
      probe: async () => (await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(2000) })).ok,
    });
    return { endpoint, port, stop: () => owned.stop() };
  });
}

/** fauxqs exports only an ESM entry point, so require.resolve cannot find it: look in node_modules. */
function fauxqsCli(): string {
  for (const dir of require.resolve.paths('fauxqs') ?? []) {
    const cli = join(dir, 'fauxqs', 'dist', 'cli.js');
    if (existsSync(cli)) {
      return cli;
    }
  }
  return join(process.cwd(), 'node_modules', 'fauxqs', 'dist', 'cli.js');
}

/** A queue URL on the emulator's own host (resolvable, unlike fauxqs' `sqs.<region>.localhost`). */
export function localQueueUrl(endpoint: string, queueName: string): string {
  return `${endpoint.replace(/\/$/, '')}/${LOCAL_ACCOUNT_ID}/${queueName}`;
}

/**
 * The SQS event Lambda's event source mapping builds from messages received from the queue at
 * `queueUrl` (the local runtime's own record builder, so tests and `npm start` agree).
 */
export function sqsEventOf(messages: Message[], queueUrl: string): SQSEvent {
  const arn = `arn:aws:sqs:us-east-1:${LOCAL_ACCOUNT_ID}:${queueUrl.split('/').pop()}`;
  return { Records: messages.map((m) => toSqsRecord(m, { arn }, 'us-east-1')) };
}
