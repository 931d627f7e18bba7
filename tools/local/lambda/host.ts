/**
 * Runs Lambda functions in-process. Each function gets execution environments: worker threads
 * with the function's own environment variables (from its Terraform `environment` block plus
 * the local endpoints), its memory size as the heap limit, and the shared local clock. An
 * environment handles one invocation at a time and is reused, so module-level state (clients,
 * caches) lives as long as it would in Lambda; a timed-out or crashed environment is discarded.
 * Each function's log (START, the function's lines, END, REPORT) goes to `<logDir>/<worker>.log`;
 * an invocation asked for with `logTail` also gets the last 4 KB of its own log (Lambda's
 * `LogType: Tail`). A worker flushes its stdout and stderr before it answers, so every line an
 * invocation writes is in its log before its END line.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { truncateText } from '../../../src/shared/runtime/logger';
import type { LocalClock } from '../clock';
import { CLOCK_PATCH } from '../clock';
import type { KafkaTlsWorkerData } from '../kafkaTls';
import { KAFKA_TLS_PATCH } from '../kafkaTls';
import type { MetricSink } from '../cloudwatch/metrics';
import type { HandlerCode } from './bundles';

export interface FunctionSpec {
  name: string;
  arn: string;
  worker: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** `index.handler`: the export `handler` of the bundle. */
  handler: string;
  environment: Record<string, string>;
  code: HandlerCode;
}

export interface InvokeError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

/**
 * `payloadJson`: the response as the function's runtime serialized it (what the Invoke API answers).
 * `logResult`: base64 of the last 4 KB of the invocation's log, when asked for (`logTail`).
 */
export type InvokeOutcome = ({ ok: true; payload: unknown; payloadJson?: string } | { ok: false; error: InvokeError }) & {
  requestId: string;
  durationMs: number;
  logResult?: string;
};

/** What happened per function, for summaries and tests. */
export interface FunctionStats {
  invocations: number;
  errors: number;
  timeouts: number;
  firstStartedAt?: number;
  lastEndedAt?: number;
  /** Sums of the counts in the workers' `invocation finished` summary lines. */
  summary: Record<string, number>;
}

export interface InvocationRecord {
  functionName: string;
  /** Who invoked: `sqs:<queue>`, `stream:<mapping>`, `states:<machine>`, `events:<rule>`, `lambda-api`, ... */
  source: string;
  event: unknown;
  outcome: InvokeOutcome;
}

export interface HostOptions {
  clock: LocalClock;
  /** Variables every function sees (local endpoints, region, credentials); the function's own win. */
  baseEnvironment: Record<string, string>;
  logDir: string;
  /** Execution environments per function (Lambda's concurrency, locally). */
  maxEnvironments?: number;
  /** Keep every invocation's event and outcome in `invocations` (tests). */
  recordInvocations?: boolean;
  /** The TLS boundary in front of the Kafka mock (kafkaTls.ts), when the run emulates a TLS broker. */
  kafkaTls?: KafkaTlsWorkerData;
  /** Register the OpenTelemetry SDK in each environment: `setup` is the bundled tracing/otlpFile.ts, `file` the trace file. */
  tracing?: { setup: string; file: string };
  /** Where each invocation's AWS/Lambda Invocations, Errors and Duration go (the run's alarms). */
  metrics?: MetricSink;
}

const BOOTSTRAP = `${CLOCK_PATCH}
${KAFKA_TLS_PATCH}
const { parentPort, workerData } = require('node:worker_threads');
process.setSourceMapsEnabled(true);
// The OpenTelemetry SDK of the local run (tracing/otlpFile.ts), registered before the handler loads, as a layer would be.
const tracing = workerData.tracing
  ? require(workerData.tracing.setup).registerTracing(workerData.functionName, () => workerData.tracing.file)
  : undefined;
let handler, initError;
function load() {
  if (handler || initError) return;
  try {
    const mod = require(workerData.file);
    handler = mod[workerData.exportName];
    if (typeof handler !== 'function') {
      throw Object.assign(new Error(workerData.file + ' does not export ' + workerData.exportName), { name: 'Runtime.HandlerNotFound' });
    }
  } catch (e) {
    initError = e;
  }
}
// Lines written (and spans finished) before the answer reach the host before it does (worker stdio is asynchronous).
const flush = async () => {
  await tracing?.flush().catch(() => undefined);
  await new Promise((resolve) => process.stdout.write('', () => process.stderr.write('', resolve)));
};
const describe = (e) => ({
  errorType: (e && e.name) || 'Error',
  errorMessage: (e && e.message) || String(e),
  trace: String((e && e.stack) || '').split('\\n'),
});
parentPort.on('message', async (msg) => {
  load();
  if (initError) {
    parentPort.postMessage({ id: msg.id, ok: false, error: describe(initError) });
    return;
  }
  const started = performance.now();
  const context = {
    functionName: workerData.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: workerData.arn,
    memoryLimitInMB: String(workerData.memoryMb),
    awsRequestId: msg.requestId,
    logGroupName: '/aws/lambda/' + workerData.functionName,
    logStreamName: 'local/' + workerData.environmentId,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, Math.round(msg.timeoutMs - (performance.now() - started))),
  };
  try {
    const event = JSON.parse(msg.event);
    const result = handler.length >= 3
      ? await new Promise((resolve, reject) => {
          const r = handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
          if (r && typeof r.then === 'function') r.then(resolve, reject);
        })
      : await handler(event, context);
    const payload = result === undefined ? 'null' : JSON.stringify(result);
    await flush();
    parentPort.postMessage({ id: msg.id, ok: true, payload });
  } catch (e) {
    await flush();
    parentPort.postMessage({ id: msg.id, ok: false, error: describe(e) });
  }
});
`;

/** Attempts of an asynchronous invocation: the first and Lambda's two retries. */
const ASYNC_ATTEMPTS = 3;

/** The event as JSON, or why it cannot be (too deep for this stack, a cycle, a BigInt). */
function serialize(event: unknown): string | InvokeError {
  try {
    return JSON.stringify(event ?? null);
  } catch (error) {
    return { errorType: 'InvalidRequestContentException', errorMessage: `the event cannot be serialized as JSON: ${(error as Error).message}` };
  }
}

/** Longest error message quoted in a failure line (a function's message may quote its whole event). */
const QUOTED_MESSAGE_CHARS = 500;

/** The line an asynchronous invocation that failed every attempt leaves in the run's log. */
export function asyncFailure(ref: string, error: InvokeError): string {
  return `asynchronous invocation of ${ref} failed, retries included: ${error.errorType}: ${truncateText(error.errorMessage, QUOTED_MESSAGE_CHARS)}`;
}

/** Lambda's `X-Amz-Log-Result`: the last 4 KB of the invocation's log. */
export const LOG_TAIL_BYTES = 4096;

/** The end of one invocation's log; holds at most twice LOG_TAIL_BYTES characters (and one line). */
class LogTail {
  private text = '';

  add(line: string): void {
    this.text += `${line}\n`;
    if (this.text.length > 2 * LOG_TAIL_BYTES) {
      // A character is at least one byte, so the last LOG_TAIL_BYTES characters hold the last LOG_TAIL_BYTES bytes.
      this.text = this.text.slice(-LOG_TAIL_BYTES);
    }
  }

  base64(): string {
    const bytes = Buffer.from(this.text, 'utf8');
    return bytes.subarray(Math.max(0, bytes.length - LOG_TAIL_BYTES)).toString('base64');
  }
}

interface Environment {
  id: string;
  worker: Worker;
  busy: boolean;
  dead: boolean;
  /** Runs code that was replaced (`updateCode`): ends when its invocation does. */
  retired?: boolean;
  /** The invocation running; its log lines also go to `tail`, when its caller asked for one. */
  pending?: { id: string; tail?: LogTail; resolve: (outcome: { ok: boolean; payload?: string; error?: InvokeError }) => void };
}

interface FunctionState {
  spec: FunctionSpec;
  environments: Environment[];
  waiters: { resolve: (env: Environment) => void; reject: (error: Error) => void }[];
  stats: FunctionStats;
  log: WriteStream;
}

/** Hosts the functions of a local run. */
export class FunctionHost {
  private readonly functions = new Map<string, FunctionState>();
  private readonly byArn = new Map<string, FunctionState>();
  private inFlightCount = 0;
  private asyncCount = 0;
  private stopped = false;
  readonly invocations: InvocationRecord[] = [];

  constructor(private readonly options: HostOptions) {
    mkdirSync(options.logDir, { recursive: true });
  }

  register(spec: FunctionSpec): void {
    const state: FunctionState = {
      spec,
      environments: [],
      waiters: [],
      stats: { invocations: 0, errors: 0, timeouts: 0, summary: {} },
      log: createWriteStream(path.join(this.options.logDir, `${spec.worker}.log`), { flags: 'a' }),
    };
    this.functions.set(spec.name, state);
    this.byArn.set(spec.arn, state);
  }

  /**
   * The variables an execution environment of `spec` starts with: the run's, the function's own
   * (its Terraform environment block) and Lambda's reserved ones.
   */
  environmentOf(spec: FunctionSpec): Record<string, string> {
    return {
      ...this.options.baseEnvironment,
      ...spec.environment,
      AWS_LAMBDA_FUNCTION_NAME: spec.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      _HANDLER: spec.handler,
      ...(spec.code.status === 'ready' ? { LAMBDA_TASK_ROOT: path.dirname(spec.code.file) } : {}),
    };
  }

  /** The function named by a name, an ARN or a partial ARN (`function:NAME`, with or without a qualifier). */
  find(ref: string): FunctionSpec | undefined {
    return this.state(ref)?.spec;
  }

  private state(ref: string): FunctionState | undefined {
    const bare = ref.replace(/:(\$LATEST|\d+)$/, '');
    return this.functions.get(bare) ?? this.byArn.get(bare) ?? this.functions.get(bare.split(':').pop() ?? '');
  }

  /**
   * Deploys other code to a function, as UpdateFunctionCode does: the next invocations start in
   * fresh environments with it; an invocation running finishes on the old code. Returns the code
   * it replaced (to roll back to).
   */
  updateCode(ref: string, code: HandlerCode): HandlerCode {
    const state = this.state(ref);
    if (!state) {
      throw new Error(`No function ${ref}`);
    }
    const previous = state.spec.code;
    state.spec.code = code;
    for (const env of [...state.environments]) {
      if (env.busy) {
        env.retired = true;
      } else {
        this.discard(state, env, { errorType: 'Runtime.Replaced', errorMessage: 'the function code was replaced' });
      }
    }
    return previous;
  }

  specs(): FunctionSpec[] {
    return [...this.functions.values()].map((f) => f.spec);
  }

  stats(name: string): FunctionStats {
    const state = this.state(name);
    if (!state) {
      throw new Error(`No function ${name}`);
    }
    return state.stats;
  }

  /** Invocations running right now, and asynchronous ones not settled yet (the clock only jumps when this is 0). */
  inFlight(): number {
    return this.inFlightCount + this.asyncCount;
  }

  /**
   * Invokes a function synchronously (RequestResponse); never throws for function errors.
   * `eventJson` is the event as the Invoke API received it: the function gets that text as is
   * (as Lambda's runtime does), so an event this process cannot serialize again (a JSON nested
   * thousands of levels deep) still reaches it. An event that cannot be serialized at all fails
   * the invocation before any execution environment is taken. With `logTail`, the outcome's
   * `logResult` holds the end of this invocation's log, as Lambda's `LogType: Tail` does.
   */
  async invoke(ref: string, event: unknown, source: string, eventJson?: string, options: { logTail?: boolean } = {}): Promise<InvokeOutcome> {
    const state = this.state(ref);
    if (!state) {
      throw Object.assign(new Error(`Function not found: ${ref}`), { name: 'ResourceNotFoundException' });
    }
    const { spec, stats } = state;
    const requestId = randomUUID();
    const started = performance.now();
    const tail = options.logTail ? new LogTail() : undefined;
    this.inFlightCount++;
    stats.invocations++;
    stats.firstStartedAt ??= Date.now();
    let outcome: InvokeOutcome;
    try {
      const payload = eventJson ?? serialize(event);
      if (spec.code.status !== 'ready') {
        outcome = {
          ok: false,
          error: { errorType: 'Runtime.ImportModuleError', errorMessage: `${spec.worker} has no handler: ${spec.code.reason}` },
          requestId,
          durationMs: 0,
        };
      } else if (typeof payload !== 'string') {
        outcome = { ok: false, error: payload, requestId, durationMs: 0 };
      } else {
        outcome = { ...(await this.run(state, payload, requestId, tail)), requestId, durationMs: performance.now() - started };
      }
    } finally {
      this.inFlightCount--;
    }
    stats.lastEndedAt = Date.now();
    const dimensions = { FunctionName: spec.name };
    this.options.metrics?.put('AWS/Lambda', 'Invocations', dimensions, 1);
    this.options.metrics?.put('AWS/Lambda', 'Errors', dimensions, outcome.ok ? 0 : 1);
    this.options.metrics?.put('AWS/Lambda', 'Duration', dimensions, outcome.durationMs);
    if (!outcome.ok) {
      stats.errors++;
      stats.timeouts += outcome.error.errorType === 'Sandbox.Timedout' ? 1 : 0;
    }
    this.log(state, `END RequestId: ${requestId}`, tail);
    this.log(
      state,
      `REPORT RequestId: ${requestId} Source: ${source} Duration: ${outcome.durationMs.toFixed(1)} ms${outcome.ok ? '' : ` Error: ${outcome.error.errorType}: ${outcome.error.errorMessage}`}`,
      tail,
    );
    if (tail) {
      outcome.logResult = tail.base64();
    }
    const record: InvocationRecord = { functionName: spec.name, source, event: this.options.recordInvocations ? event : undefined, outcome };
    if (this.options.recordInvocations) {
      this.invocations.push(record);
    }
    return outcome;
  }

  /**
   * Invokes a function asynchronously (Event), as Lambda does: a function error is retried twice
   * (after 1 s and 2 s locally; Lambda waits minutes). Resolves with the last outcome; counts
   * in `inFlight()` until then, retry waits included, so the clock does not jump past them.
   */
  async invokeAsync(ref: string, event: unknown, source: string, eventJson?: string): Promise<InvokeOutcome> {
    this.asyncCount++;
    try {
      for (let attempt = 1; ; attempt++) {
        const outcome = await this.invoke(ref, event, source, eventJson);
        if (outcome.ok || attempt === ASYNC_ATTEMPTS || this.stopped) {
          return outcome;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt).unref());
      }
    } finally {
      this.asyncCount--;
    }
  }

  /** A line of a function's log file, and of the invocation's tail when it keeps one. */
  private log(state: FunctionState, line: string, tail?: LogTail): void {
    state.log.write(`${line}\n`);
    tail?.add(line);
  }

  private async run(
    state: FunctionState,
    payload: string,
    requestId: string,
    tail?: LogTail,
  ): Promise<{ ok: true; payload: unknown; payloadJson: string } | { ok: false; error: InvokeError }> {
    const env = await this.acquire(state);
    const timeoutMs = state.spec.timeoutSeconds * 1000;
    this.log(state, `START RequestId: ${requestId} Version: $LATEST`, tail);
    const id = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await new Promise<{ ok: boolean; payload?: string; error?: InvokeError }>((resolve) => {
        env.pending = { id, tail, resolve };
        timer = setTimeout(() => {
          // Lambda stops the sandbox of a timed-out invocation; its state does not survive.
          this.discard(state, env, { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${state.spec.timeoutSeconds.toFixed(2)} seconds` });
        }, timeoutMs);
        env.worker.postMessage({ id, requestId, timeoutMs, event: payload });
      });
      if (result.ok) {
        const payloadJson = result.payload ?? 'null';
        return { ok: true, payload: JSON.parse(payloadJson), payloadJson };
      }
      return { ok: false, error: result.error! };
    } finally {
      // Whatever happened, the environment goes back (or, when discarded, its slot to a waiter).
      clearTimeout(timer);
      env.pending = undefined;
      this.release(state, env);
    }
  }

  private acquire(state: FunctionState): Promise<Environment> {
    if (this.stopped) {
      return Promise.reject(new Error('the local runtime is stopping'));
    }
    const idle = state.environments.find((e) => !e.busy && !e.dead);
    if (idle) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    if (state.environments.length < (this.options.maxEnvironments ?? 2)) {
      const env = this.spawn(state);
      env.busy = true;
      return Promise.resolve(env);
    }
    return new Promise((resolve, reject) => state.waiters.push({ resolve, reject }));
  }

  private release(state: FunctionState, env: Environment): void {
    if (env.retired) {
      this.discard(state, env, { errorType: 'Runtime.Replaced', errorMessage: 'the function code was replaced' });
    }
    if (env.dead) {
      const next = state.waiters.shift();
      if (next) {
        const fresh = this.spawn(state);
        fresh.busy = true;
        next.resolve(fresh);
      }
      return;
    }
    const next = state.waiters.shift();
    if (next) {
      next.resolve(env);
    } else {
      env.busy = false;
    }
  }

  private spawn(state: FunctionState): Environment {
    const { spec } = state;
    if (spec.code.status !== 'ready') {
      throw new Error(`${spec.worker} has no handler`);
    }
    const id = randomUUID().slice(0, 8);
    const [, exportName] = spec.handler.split('.');
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      stdout: true,
      stderr: true,
      env: this.environmentOf(spec),
      resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb },
      workerData: {
        file: spec.code.file,
        exportName: exportName ?? 'handler',
        functionName: spec.name,
        arn: spec.arn,
        memoryMb: spec.memoryMb,
        environmentId: id,
        clock: this.options.clock.buffer,
        kafkaTls: this.options.kafkaTls,
        tracing: this.options.tracing,
      },
    });
    const env: Environment = { id, worker, busy: false, dead: false };
    worker.on('message', (msg: { id: string; ok: boolean; payload?: string; error?: InvokeError }) => {
      if (env.pending?.id === msg.id) {
        env.pending.resolve(msg);
      }
    });
    worker.on('error', (error) => {
      this.discard(state, env, { errorType: 'Runtime.ExitError', errorMessage: `RequestId: the runtime exited: ${error.message}` });
    });
    worker.on('exit', () => {
      this.discard(state, env, { errorType: 'Runtime.ExitError', errorMessage: 'the runtime exited' });
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.onLogLine(state, line, env.pending?.tail));
    }
    state.environments.push(env);
    return env;
  }

  private discard(state: FunctionState, env: Environment, error: InvokeError): void {
    if (env.dead) {
      return;
    }
    env.dead = true;
    state.environments = state.environments.filter((e) => e !== env);
    env.pending?.resolve({ ok: false, error });
    void env.worker.terminate();
  }

  private onLogLine(state: FunctionState, line: string, tail?: LogTail): void {
    this.log(state, line, tail);
    if (!line.startsWith('{') || !line.includes('invocation finished')) {
      return;
    }
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.message !== 'invocation finished') {
        return;
      }
      const data = (entry.data ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(data)) {
        if (typeof value === 'number' && key !== 'durationMs') {
          state.stats.summary[key] = (state.stats.summary[key] ?? 0) + value;
        }
      }
    } catch {
      // Not a summary line after all.
    }
  }

  /** Stops every execution environment. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.functions.values()];
    for (const state of all) {
      for (const waiter of state.waiters.splice(0)) {
        waiter.reject(new Error('the local runtime is stopping'));
      }
    }
    await Promise.all(
      all.flatMap((state) =>
        state.environments.map((env) => {
          env.dead = true;
          env.pending?.resolve({ ok: false, error: { errorType: 'Runtime.Stopped', errorMessage: 'the local runtime stopped' } });
          return env.worker.terminate();
        }),
      ),
    );
    await Promise.all(all.map((state) => new Promise<void>((resolve) => state.log.end(resolve))));
  }
}
