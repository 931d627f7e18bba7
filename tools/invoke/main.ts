/**
 * `npm run workers:invoke -- <worker> '<json>' [--env local]`: runs one worker's handler on this
 * machine with the event and prints the result as JSON. The handler is bundled exactly as the
 * build bundles it (same esbuild options, the environment's configuration baked in), so what
 * runs is what Lambda runs; CONFIG_ENV is set for the run.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { CONFIG_ENVS, ConfigError } from '../../src/shared/config/load';
import type { ConfigEnv } from '../../src/shared/config/load';
import { DEFAULT_TIMEOUT_SECONDS, WORKERS, workerEntryPath } from '../../src/workers/registry';
import { BundleError, bundleWorker, writeEntries, zipEntries } from '../build/bundle';
import { configForBuild } from '../build/config';
import { CliError, CONFIG_DIR, ROOT, parseCli, usageError } from '../build/toolCli';
import { readFileOrStdin } from '../certs/certBundle';

const TOOL = 'npm run workers:invoke --';

const HELP = `Run one worker's handler locally with an event and print its result as JSON.

usage: npm run workers:invoke -- <worker> ['<json>' | @event.json | -] [--env ENV]
       npm run workers:invoke -- --entry path/to/index.ts ['<json>']

  <worker>       a worker of src/workers/registry.ts
  <json>         the event: JSON text, @FILE to read it from a file, - for standard input
                 (default: {})
  --env ENV      configuration environment (default: $CONFIG_ENV, else local); the local
                 configuration reads endpoints from the environment (see configs/local.config.yml)
  --entry FILE   run this handler module instead of a registry worker
  --timeout SEC  remaining time the handler's context reports (default: the worker's timeout)
  -h, --help     show this help

The result goes to standard output; the worker's log lines go to standard error. Exit status
1 when the handler throws.`;

/** The event argument: inline JSON, @file, or - for standard input. */
export function readEvent(arg: string | undefined): unknown {
  if (arg === undefined) {
    return {};
  }
  const text = arg === '-' ? readFileOrStdin('-') : arg.startsWith('@') ? readFileOrStdin(arg.slice(1)) : arg;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`the event is not valid JSON: ${(error as Error).message}`, 2);
  }
}

/** A Lambda context good enough for the trigger adapters: request id and remaining time. */
export function localContext(functionName: string, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Runs `fn` with everything written to standard output sent to standard error (the worker's logs). */
async function logsToStderr<T>(fn: () => Promise<T>): Promise<T> {
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = original;
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(
    argv,
    {
      env: { type: 'string' },
      entry: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    TOOL,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const known = WORKERS.map((w) => w.name);
  let name: string;
  let entry: string;
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  let eventArg: string | undefined;
  if (values.entry) {
    entry = path.resolve(values.entry);
    name = path.basename(path.dirname(entry));
    [eventArg] = positionals;
    if (positionals.length > 1) {
      throw usageError(`unexpected arguments: ${positionals.slice(1).join(' ')}`, TOOL);
    }
  } else {
    const [workerName] = positionals;
    [, eventArg] = positionals;
    if (!workerName) {
      throw usageError(`name a worker; known workers: ${known.join(', ')}`, TOOL);
    }
    if (positionals.length > 2) {
      throw usageError(`unexpected arguments: ${positionals.slice(2).join(' ')} (quote the JSON event)`, TOOL);
    }
    const worker = WORKERS.find((w) => w.name === workerName);
    if (!worker) {
      throw usageError(`unknown worker "${workerName}"; known workers: ${known.join(', ')}`, TOOL);
    }
    name = worker.name;
    entry = path.join(ROOT, workerEntryPath(worker));
    timeoutSeconds = worker.timeoutSeconds;
  }
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
      throw usageError(`--timeout must be a positive number of seconds`, TOOL);
    }
  }
  if (!existsSync(entry)) {
    throw new CliError(`${name} has no handler yet: ${path.relative(ROOT, entry)} does not exist`);
  }
  const env = values.env ?? process.env.CONFIG_ENV ?? 'local';
  if (!(CONFIG_ENVS as readonly string[]).includes(env)) {
    throw usageError(`unknown environment "${env}"; expected one of ${CONFIG_ENVS.join(', ')}`, TOOL);
  }
  const event = readEvent(eventArg);

  const dir = path.join(ROOT, 'node_modules', '.cache', 'reg-workers-tools', `invoke-${name}-${process.pid}`);
  const file = path.join(dir, 'index.js');
  let bundle;
  try {
    bundle = await bundleWorker({
      root: ROOT,
      entry,
      config: configForBuild(env as ConfigEnv, CONFIG_DIR),
      sourcemap: true,
      outfile: file,
    });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof BundleError) {
      throw new CliError(error.message);
    }
    throw error;
  }
  try {
    // The handler loads mongodb.js (beside index.js) on first use, so the files stay until it is done.
    writeEntries(dir, zipEntries(bundle));
    return await invokeOnce(name, file, entry, event, timeoutSeconds, env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function invokeOnce(
  name: string,
  file: string,
  entry: string,
  event: unknown,
  timeoutSeconds: number,
  env: string,
): Promise<number> {
  process.env.CONFIG_ENV = env;
  process.setSourceMapsEnabled(true);
  const handler = (require(file) as { handler?: unknown }).handler;
  if (typeof handler !== 'function') {
    throw new CliError(`${path.relative(ROOT, entry)} does not export a handler function`);
  }
  console.error(`invoking ${name} (CONFIG_ENV=${env}) ...`);
  const started = performance.now();
  let result: unknown;
  try {
    result = await logsToStderr(async () =>
      (handler as (e: unknown, c: Context) => Promise<unknown>)(
        event,
        localContext(`reg-workers-local-${name}`, timeoutSeconds),
      ),
    );
  } catch (error) {
    console.error(`${name} failed after ${Math.round(performance.now() - started)} ms:`);
    console.error((error as Error)?.stack ?? String(error));
    return 1;
  }
  console.error(`${name} finished in ${Math.round(performance.now() - started)} ms`);
  process.stdout.write(`${JSON.stringify(result ?? null, null, 2)}\n`);
  return 0;
}
