/**
 * Plumbing shared by the component starters: free ports, readiness polling, and child
 * processes that are always cleaned up (on stop(), on process exit, and on SIGINT/SIGTERM/SIGHUP).
 * A SIGKILL of the parent cannot be intercepted; children then outlive it: a long-running user
 * (the local runtime) can follow its children with watchOwnedChildren() and record their pids.
 *
 * Children are unref'd: a component a test forgot to stop never keeps jest (or a worker)
 * from exiting, and the exit hook then kills it. A long-running user such as the local
 * runtime keeps its own event loop alive (its servers, timers).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { runInThisContext } from 'node:vm';

/**
 * The real process object. Inside a jest test file `process` is a sandbox copy whose
 * 'exit' and signal events never fire, so hooks must go on the host's.
 */
const hostProcess = runInThisContext('process') as NodeJS.Process;

/** A running child process with the tail of its output kept for error messages. */
export interface OwnedProcess {
  child: ChildProcess;
  /** Last few KB of stderr (and stdout when piped). */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const TAIL_BYTES = 8000;

/**
 * Live children, kept on the host process so that the several copies of this module jest
 * loads (one per test file) share one set and install the exit hooks once.
 */
function liveChildren(): Set<ChildProcess> {
  const key = Symbol.for('reg-workers.emulators.liveChildren');
  const host = hostProcess as unknown as Record<symbol, Set<ChildProcess> | undefined>;
  const existing = host[key];
  if (existing) {
    return existing;
  }
  const live = new Set<ChildProcess>();
  host[key] = live;
  const killAll = (): void => {
    for (const child of live) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    }
    live.clear();
  };
  hostProcess.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAll();
      hostProcess.removeListener(signal, onSignal);
      // Re-raise only when nobody else handles it, so the default action (exit) still happens.
      if (hostProcess.listenerCount(signal) === 0) {
        hostProcess.kill(hostProcess.pid, signal);
      }
    };
    hostProcess.on(signal, onSignal);
  }
  return live;
}

/** What a watchOwnedChildren() listener hears: a child was taken charge of, or it has exited. */
export type OwnedChildEvent = 'spawned' | 'exited';

type OwnedChildListener = (event: OwnedChildEvent, child: ChildProcess) => void;

/** Listeners of watchOwnedChildren(), shared like liveChildren() by every copy of this module. */
function childListeners(): Set<OwnedChildListener> {
  const key = Symbol.for('reg-workers.emulators.childListeners');
  const host = hostProcess as unknown as Record<symbol, Set<OwnedChildListener> | undefined>;
  return (host[key] ??= new Set<OwnedChildListener>());
}

function notify(event: OwnedChildEvent, child: ChildProcess): void {
  for (const listener of childListeners()) {
    try {
      listener(event, child);
    } catch {
      // A listener's failure must not break the component start or stop it watches.
    }
  }
}

/**
 * Calls `listener` with 'spawned' for every live child of this process that the starters own
 * (spawnOwned/adoptChild), now and whenever one is taken charge of later, and with 'exited' when
 * one exits. Only children with a pid are reported. Returns the function that stops listening.
 * The local runtime uses it to record its children's pids (tools/local/runState.ts).
 */
export function watchOwnedChildren(listener: OwnedChildListener): () => void {
  const listeners = childListeners();
  listeners.add(listener);
  for (const child of liveChildren()) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      listener('spawned', child);
    }
  }
  return () => {
    listeners.delete(listener);
  };
}

/** Returns a TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs `start` on a free port, again on another one (up to `attempts` times) when another
 * process grabbed the port between the check and the start.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= attempts || !/address already in use|EADDRINUSE/i.test((error as Error).message)) {
        throw error;
      }
    }
  }
}

/** Spawns a child that is killed when the current process exits; keeps its output tail. */
export function spawnOwned(command: string, args: readonly string[], options: SpawnOptions = {}): OwnedProcess {
  // `env` defaults to this `process.env`, which inside jest is the test's view of it.
  return adoptChild(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env, ...options }));
}

/** Takes charge of an already spawned child: output tail, stop(), and cleanup on exit. */
export function adoptChild(child: ChildProcess): OwnedProcess {
  const live = liveChildren();
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A missing binary surfaces as an 'error' event (ENOENT); record it instead of crashing.
  child.on('error', (error) => {
    tail += `\n${error.message}`;
  });
  live.add(child);
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as { unref?: () => void } | null)?.unref?.();
  }
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      if (child.pid !== undefined) {
        notify('exited', child);
      }
      resolve();
    });
    child.once('error', () => resolve());
  });
  if (child.pid !== undefined) {
    notify('spawned', child);
  }
  return {
    child,
    outputTail: () => tail.trim(),
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        return;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** True while the process has neither exited nor failed to spawn. */
export function isRunning(owned: OwnedProcess): boolean {
  return owned.child.exitCode === null && owned.child.signalCode === null && owned.child.pid !== undefined;
}

/**
 * Polls `probe` until it returns true. Fails early when `owned` dies, and after `timeoutMs`.
 * The error names the component and carries the process output tail and an install hint.
 */
export async function waitUntilReady(options: {
  component: string;
  probe: () => Promise<boolean>;
  timeoutMs: number;
  owned?: OwnedProcess;
  installHint: string;
  intervalMs?: number;
  /** Probe only once the output matches: proves the answer comes from this process, not a stranger on the port. */
  readyOutput?: RegExp;
  /** Output meaning the start failed although the process keeps running (e.g. a Java bind error). */
  failOutput?: RegExp;
}): Promise<void> {
  const { component, probe, timeoutMs, owned, installHint, intervalMs = 100, readyOutput, failOutput } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    if (owned && !isRunning(owned)) {
      // Let the remaining stderr arrive before reporting it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw startupError(component, `process exited (code ${owned.child.exitCode ?? owned.child.signalCode})`, owned, installHint);
    }
    const output = owned?.outputTail() ?? '';
    if (failOutput?.test(output)) {
      await owned?.stop(1000);
      throw startupError(component, 'it reported a fatal error', owned, installHint);
    }
    try {
      const remaining = Math.max(deadline - Date.now(), 100);
      if ((!readyOutput || readyOutput.test(output)) && (await withTimeout(probe(), Math.min(remaining, 5000)))) {
        // A fatal line may have been printed while the probe ran.
        if (!failOutput?.test(owned?.outputTail() ?? '')) {
          return;
        }
        continue;
      }
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      const why = `not ready after ${timeoutMs} ms${lastError ? ` (last probe error: ${lastError})` : ''}`;
      await owned?.stop(1000);
      throw startupError(component, why, owned, installHint);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`probe timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Builds the error thrown when a component cannot start. */
export function startupError(component: string, why: string, owned: OwnedProcess | undefined, installHint: string): Error {
  const tail = owned?.outputTail();
  return new Error(
    `${component} could not start: ${why}.` +
      (tail ? `\n--- output tail ---\n${tail}\n---` : '') +
      `\nTo fix: ${installHint}`,
  );
}

/** Options every start function accepts. */
export interface StartOptions {
  /**
   * When true (default), an instance named by the component's environment variable is used
   * instead of starting one. Pass false for a private instance a test may kill.
   */
  useExisting?: boolean;
  /** How long to wait for the component to answer. */
  startupTimeoutMs?: number;
}
