/**
 * The fauxqs SQS + SNS emulator, run as a child process with the current Node binary
 * (fauxqs is ESM-only and needs Node 22.5+ for node:sqlite, so it cannot be required in jest).
 *
 * Quirks:
 * - fauxqs' cli.js calls startFauxqs({ logger: true }), which wins over FAUXQS_LOGGER=false,
 *   so it logs one JSON line per request to stdout; the starter keeps only the last 8 KB.
 * - Queue URLs come back as http://sqs.us-east-1.localhost:PORT/000000000000/NAME, and
 *   `*.localhost` does not resolve on this machine. An SQSClient given `endpoint` explicitly
 *   ignores the URL's host and works. A client configured only through AWS_ENDPOINT_URL_SQS
 *   does not count as having a custom endpoint: the SDK then sends to the QueueUrl's host
 *   (ENOTFOUND). Use `localQueueUrl()` (the endpoint's host; fauxqs only reads the path) or
 *   `useQueueUrlAsEndpoint: false` for such clients.
 * - fauxqs checks message bodies with a regular expression without the `u` flag, so it refuses
 *   every character above U+FFFF (an emoji: two UTF-16 code units, each outside its ranges).
 *   Real SQS accepts #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF and
 *   refuses the rest (U+0000, U+FFFE, lone surrogates) with InvalidMessageContents. The starter
 *   therefore starts fauxqs through `FAUXQS_MAIN`, which recompiles that one expression (shared
 *   by SendMessage, SendMessageBatch and the programmatic API) to SQS's set before the server
 *   starts, and refuses to start when fauxqs' expression is not the one it knows.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { onFreePort, spawnOwned, waitUntilReady, type StartOptions } from './processes';

export interface SqsSnsEmulator {
  /** One endpoint for both SQS and SNS, e.g. http://127.0.0.1:41234 */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** fauxqs' fixed account id, used in queue URLs and ARNs. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** SQS's allowed characters (SendMessage `MessageBody`): anything else is InvalidMessageContents. */
const SQS_INVALID_BODY_CHARACTER = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** fauxqs' own check (dist/sqs/sqsTypes.js), which FAUXQS_MAIN replaces; anything else stops the start. */
const FAUXQS_BODY_CHECK = String.raw`[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]`;

/**
 * fauxqs' cli.js (`startFauxqs({ logger: true })`) with SQS's character set: FAUXQS_DIST is
 * fauxqs' dist directory. RegExp#compile changes the one shared expression in place.
 */
const FAUXQS_MAIN = `
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const load = (file) => import(pathToFileURL(join(process.env.FAUXQS_DIST, file)).href);
const { INVALID_MESSAGE_BODY_CHAR: check } = await load('sqs/sqsTypes.js');
if (!(check instanceof RegExp) || check.source !== ${JSON.stringify(FAUXQS_BODY_CHECK)} || check.flags !== '') {
  console.error('fauxqs checks message bodies with ' + check + ', not the expression tools/local/emulators/sqs.ts corrects: review the correction for this fauxqs version');
  process.exit(3);
}
check.compile(${JSON.stringify(SQS_INVALID_BODY_CHARACTER.source)}, 'u');
const { startFauxqs } = await load('app.js');
startFauxqs({ logger: true });
`;

/**
 * Starts fauxqs (SQS + SNS on one port), or uses `SQS_ENDPOINT` when set (then stop() does
 * nothing). Startup takes about 0.3 s.
 */
export async function startSqsSns(options: StartOptions = {}): Promise<SqsSnsEmulator> {
  const existing = process.env.SQS_ENDPOINT;
  if (existing && options.useExisting !== false) {
    return { endpoint: existing, port: Number(new URL(existing).port), stop: async () => undefined };
  }
  const dist = dirname(fauxqsCli());
  return onFreePort(async (port) => {
    const endpoint = `http://127.0.0.1:${port}`;
    const owned = spawnOwned(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '--eval', FAUXQS_MAIN], {
      env: { ...process.env, FAUXQS_PORT: String(port), FAUXQS_LOGGER: 'false', FAUXQS_DIST: dist },
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
