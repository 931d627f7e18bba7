/**
 * The stop rules of a local run (`npm start`, tools/local/main.ts) and `npm run local:stop`
 * (tools/local/stop.ts):
 *
 * - watchForStop(): SIGINT, SIGTERM or SIGHUP, the parent process dying (npm, which `exec`s the
 *   runtime from its script shell so that it forwards SIGINT and SIGTERM to it; or the shell and
 *   npm when a script shell stays between them; polled every 500 ms), or the output's reader
 *   going away (EPIPE/EIO on stdout/stderr) all stop the run gracefully, like Ctrl-C.
 * - claimRun(): the run file `.local/run/<environment>/run.json` records the runtime's pid and
 *   each child process's pid (DynamoDB Local's java, fauxqs, redis-server, kcat), each with its
 *   start time (field 22 of /proc/<pid>/stat) and command line. It is written before the
 *   components start, rewritten whenever a child starts or exits, and removed on a clean stop.
 *   A new start of the same environment refuses while the recorded runtime is alive, and
 *   otherwise stops what a killed (-9) run left behind.
 * - stopRun(): what `npm run local:stop` does.
 *
 * A process is only ever signalled through its record: same pid AND same start time (and the same
 * boot), never found by its name. Without /proc (not Linux) no identity can be verified, so
 * nothing recorded is signalled; the messages say so.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../build/toolCli';
import { watchOwnedChildren } from './emulators/processes';

/** One process of a run, identified by its pid and its start time. */
export interface ProcessRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot); '' where there is no /proc. */
  startTime: string;
  /** The command line (long arguments shortened); for people reading the file. */
  command: string[];
}

/** The content of `.local/run/<environment>/run.json`. */
export interface RunRecord {
  version: 1;
  environment: string;
  /** /proc/sys/kernel/random/boot_id: start times are only comparable within one boot. */
  bootId: string;
  startedAt: string;
  runtime: ProcessRecord;
  children: ProcessRecord[];
}

export const RUN_FILE = 'run.json';

/** Where the run file of `environment` lives. */
export const runFilePath = (root: string, environment: string): string => path.join(root, '.local', 'run', environment, RUN_FILE);

/** The command that stops a run of `environment`. */
export const stopCommand = (environment: string): string =>
  environment === 'local' ? 'npm run local:stop' : `npm run local:stop -- --environment ${environment}`;

type Log = (line: string) => void;

interface ProcStat {
  state: string;
  ppid: number;
  startTime: string;
}

/** State, parent and start time of a process from /proc, or undefined when there is none. */
function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), fields[1] field 4 (ppid), fields[19] field 22 (starttime).
    return { state: fields[0], ppid: Number(fields[1]), startTime: fields[19] };
  } catch {
    return undefined;
  }
}

const hasProc = (): boolean => procStat(process.pid) !== undefined;

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

const shorten = (args: readonly string[]): string[] => args.map((a) => (a.length > 200 ? `${a.slice(0, 197)}...` : a));

/** The record of a live process (its start time read now). */
export function processRecord(pid: number, command?: readonly string[]): ProcessRecord {
  return { pid, startTime: procStat(pid)?.startTime ?? '', command: shorten(command ?? commandLine(pid)) };
}

/**
 * True when `record` still names a running process: the pid exists, is not a zombie, and started
 * at the recorded time. A reused pid (another process since) is not the same process.
 */
export function isSameProcess(record: ProcessRecord): boolean {
  if (!record.startTime || !Number.isInteger(record.pid) || record.pid <= 0) {
    return false;
  }
  const stat = procStat(record.pid);
  return stat !== undefined && stat.startTime === record.startTime && !/[ZXx]/.test(stat.state);
}

/** `java (pid 123)`: the program's name (without the title's arguments, as npm sets it) and pid. */
export const describeProcess = (record: ProcessRecord): string => `${path.basename((record.command[0] ?? '?').split(' ')[0])} (pid ${record.pid})`;

function signal(record: ProcessRecord, name: NodeJS.Signals): void {
  // The identity is checked right before each signal, so a pid reused meanwhile is left alone.
  if (!isSameProcess(record)) {
    return;
  }
  try {
    process.kill(record.pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw new CliError(`cannot send ${name} to ${describeProcess(record)}: ${(error as Error).message}`);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until none of `records` is running; returns false when `timeoutMs` passed first. */
async function waitGone(records: readonly ProcessRecord[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (records.some(isSameProcess)) {
    if (Date.now() >= deadline) {
      return false;
    }
    await sleep(50);
  }
  return true;
}

/**
 * Stops the recorded processes that still run: SIGTERM (with SIGCONT, for a paused Kafka mock),
 * then SIGKILL to what is left after `graceMs`. Returns those that were running and those that
 * needed SIGKILL.
 */
export async function terminate(records: readonly ProcessRecord[], graceMs = 5000): Promise<{ stopped: ProcessRecord[]; killed: ProcessRecord[] }> {
  const stopped = records.filter(isSameProcess);
  for (const record of stopped) {
    signal(record, 'SIGTERM');
    signal(record, 'SIGCONT');
  }
  if (await waitGone(stopped, graceMs)) {
    return { stopped, killed: [] };
  }
  const killed = stopped.filter(isSameProcess);
  for (const record of killed) {
    signal(record, 'SIGKILL');
  }
  if (!(await waitGone(killed, 5000))) {
    throw new CliError(`still running after SIGKILL: ${killed.filter(isSameProcess).map(describeProcess).join(', ')}`);
  }
  return { stopped, killed };
}

/** Reads a run file; undefined when there is none. A file that is not a run record is reported and treated as none. */
export function readRunFile(file: string, log: Log = () => undefined): RunRecord | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  try {
    const record = JSON.parse(text) as RunRecord;
    if (record.version === 1 && Number.isInteger(record.runtime?.pid) && Array.isArray(record.children)) {
      return record;
    }
  } catch {
    // reported below
  }
  log(`ignoring ${file}: not a run record`);
  return undefined;
}

function writeRunFile(file: string, record: RunRecord): void {
  // The runtime empties its work directory when it starts: create it again when needed.
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temporary, file);
}

/** Removes the run file when it is still the one of `runtimePid` (a newer run's file stays). */
function removeRunFile(file: string, runtimePid: number): void {
  try {
    if (readRunFile(file)?.runtime.pid === runtimePid) {
      rmSync(file, { force: true });
    }
  } catch {
    // Best effort: the process may be exiting.
  }
}

/** True when the record is from an earlier boot, so nothing it names can be running. */
const fromEarlierBoot = (record: RunRecord): boolean => record.bootId !== bootId();

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 'es'}`;

/** What claimRun() returns: the recording of this run's children, to release on a clean stop. */
export interface ClaimedRun {
  file: string;
  /** Stops recording and removes the run file (also done when the process exits). */
  release(): void;
}

/**
 * Claims `environment` for this process. When the run file names a live runtime, refuses with a
 * CliError. When it names a dead one (killed with -9), stops the children it left (verified by
 * start time) and says how many. Then records this process and, from now on, every child the
 * emulators' starters own, until release() or the process's exit.
 */
export async function claimRun(options: { root: string; environment: string; log: Log; graceMs?: number }): Promise<ClaimedRun> {
  const { root, environment, log } = options;
  const file = runFilePath(root, environment);
  const previous = readRunFile(file, log);
  if (previous && !fromEarlierBoot(previous)) {
    if (previous.runtime.pid !== process.pid && isSameProcess(previous.runtime)) {
      throw new CliError(`a local run (pid ${previous.runtime.pid}) of environment ${environment} is already running; stop it with ${stopCommand(environment)}`);
    }
    const alive = previous.children.filter(isSameProcess);
    if (alive.length > 0) {
      const { killed } = await terminate(alive, options.graceMs);
      log(
        `stopped ${plural(alive.length, 'process')} left by an earlier run of environment ${environment} (pid ${previous.runtime.pid}, no longer running): ` +
          `${alive.map(describeProcess).join(', ')}${killed.length > 0 ? ` (SIGKILL: ${killed.map(describeProcess).join(', ')})` : ''}`,
      );
    } else {
      const unverifiable = previous.children.filter((c) => !c.startTime).length;
      log(
        `an earlier run of environment ${environment} (pid ${previous.runtime.pid}) did not stop cleanly; none of its processes is still running` +
          (unverifiable > 0 || !hasProc() ? ' (as far as can be verified: there is no /proc here)' : ''),
      );
    }
  }
  const record: RunRecord = {
    version: 1,
    environment,
    bootId: bootId(),
    startedAt: new Date().toISOString(),
    runtime: processRecord(process.pid, process.argv),
    children: [],
  };
  const children = new Map<ChildProcess, ProcessRecord>();
  const save = () => writeRunFile(file, { ...record, children: [...children.values()] });
  save();
  const unwatch = watchOwnedChildren((event, child) => {
    if (event === 'spawned') {
      children.set(child, processRecord(child.pid!, child.spawnargs));
    } else {
      children.delete(child);
    }
    save();
  });
  // The runtime empties its work directory as it starts; a child's start writes the file again,
  // and this check does so within a second even when every component is an existing one.
  const keep = setInterval(() => {
    try {
      if (!existsSync(file)) {
        save();
      }
    } catch {
      // Tried again in a second; a full disk must not end the run.
    }
  }, 1000);
  keep.unref();
  let released = false;
  const release = () => {
    if (!released) {
      released = true;
      clearInterval(keep);
      unwatch();
      process.removeListener('exit', release);
      removeRunFile(file, process.pid);
    }
  };
  // process.exit() (a second Ctrl-C, an uncaught error): the emulators' exit hook SIGKILLs the
  // children at the same moment, so the file would only name dead processes.
  process.on('exit', release);
  return { file, release };
}

/**
 * The parent processes whose exit stops the run: the parent, and when that is the shell npm
 * runs a script in (`sh -c "node tools/local/start.mjs ..."`, a script without `exec`), npm too:
 * npm does not forward SIGHUP, and a dead npm leaves the shell (our parent) alive.
 */
function watchedParents(): ProcessRecord[] {
  const parent = processRecord(process.ppid);
  const parents = [parent];
  const script = process.env.npm_lifecycle_script;
  const [, flag, line] = parent.command;
  const grandparent = procStat(process.ppid)?.ppid;
  if (script && flag === '-c' && line?.startsWith(script) && grandparent && grandparent > 1) {
    parents.push(processRecord(grandparent));
  }
  return parents;
}

/**
 * Calls `onStop(reason)` when the run must stop: on SIGINT, SIGTERM and SIGHUP (again for a
 * signal more than a second after the first, so a second Ctrl-C can force the exit), and once,
 * unless a signal came first, when a watched parent process exits (polled every `intervalMs`,
 * unref'd) or stdout/stderr's reader is gone. Returns the function that stops watching.
 */
export function watchForStop(onStop: (reason: string) => void, options: { intervalMs?: number; log?: Log } = {}): () => void {
  let triggeredAt: number | undefined;
  const fire = (reason: string, repeatable: boolean) => {
    // A Ctrl-C reaches the runtime twice: from the terminal (the whole process group) and from
    // npm, which forwards SIGINT and SIGTERM to its script. That is one request, not a second.
    if (triggeredAt !== undefined && (!repeatable || Date.now() - triggeredAt < 1000)) {
      return;
    }
    triggeredAt ??= Date.now();
    onStop(reason);
  };
  const signals = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((name) => {
    const listener = () => fire(name, true);
    process.on(name, listener);
    return [name, listener] as const;
  });
  const parentPid = process.ppid;
  const parents = watchedParents();
  const timer = setInterval(() => {
    const gone = process.ppid !== parentPid ? parents[0] : parents.find((p) => p.startTime && !isSameProcess(p));
    if (gone) {
      clearInterval(timer);
      if (triggeredAt === undefined) {
        options.log?.(`${describeProcess(gone)} exited: stopping`);
      }
      fire(`${describeProcess(gone)} exited`, false);
    }
  }, options.intervalMs ?? 500);
  timer.unref();
  // With the reader gone, writing fails with EPIPE (EIO on a hung-up terminal); without a
  // listener that error would end the process at once, before the children are stopped.
  const onOutputError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'EIO') {
      fire(`output closed (${error.code})`, false);
    }
  };
  process.stdout.on('error', onOutputError);
  process.stderr.on('error', onOutputError);
  return () => {
    clearInterval(timer);
    for (const [name, listener] of signals) {
      process.removeListener(name, listener);
    }
    process.stdout.removeListener('error', onOutputError);
    process.stderr.removeListener('error', onOutputError);
  };
}

/**
 * `npm run local:stop`: SIGTERM to the recorded runtime, up to `waitMs` for it to exit (then
 * SIGKILL), then the recorded children that still run (SIGTERM, SIGKILL after `graceMs`); removes
 * the run file. Says what it did through `log`.
 */
export async function stopRun(options: { root: string; environment: string; log: Log; waitMs?: number; graceMs?: number }): Promise<void> {
  const { root, environment, log } = options;
  const file = runFilePath(root, environment);
  const record = readRunFile(file, log);
  if (!record) {
    log(`no local run of environment ${environment} is running (no ${path.relative(root, file)}): nothing to stop`);
    return;
  }
  if (fromEarlierBoot(record)) {
    rmSync(file, { force: true });
    log(`the run file of environment ${environment} is from before the last reboot: nothing of it runs; removed ${path.relative(root, file)}`);
    return;
  }
  if (!hasProc()) {
    throw new CliError(`cannot verify the recorded processes without /proc; stop them by hand: ${[record.runtime, ...record.children].map(describeProcess).join(', ')}`);
  }
  const { runtime } = record;
  const children = new Map(record.children.map((c) => [`${c.pid}/${c.startTime}`, c]));
  if (isSameProcess(runtime)) {
    const waitMs = options.waitMs ?? 15000;
    const began = Date.now();
    log(`sent SIGTERM to the local run (pid ${runtime.pid}) of environment ${environment}; waiting up to ${waitMs / 1000} s for it to stop`);
    signal(runtime, 'SIGTERM');
    if (await waitGone([runtime], waitMs)) {
      log(`it stopped in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    } else {
      signal(runtime, 'SIGKILL');
      await waitGone([runtime], 5000);
      log(`it did not stop within ${waitMs / 1000} s: sent SIGKILL`);
    }
    // Children it started after the first read.
    for (const child of readRunFile(file)?.children ?? []) {
      children.set(`${child.pid}/${child.startTime}`, child);
    }
  } else {
    log(`the recorded local run (pid ${runtime.pid}) of environment ${environment} is not running`);
  }
  const { stopped, killed } = await terminate([...children.values()], options.graceMs);
  if (stopped.length > 0) {
    log(
      `stopped ${plural(stopped.length, 'process')} it left running: ${stopped.map(describeProcess).join(', ')}` +
        (killed.length > 0 ? ` (SIGKILL: ${killed.map(describeProcess).join(', ')})` : ''),
    );
  } else {
    log('no process of it is left running');
  }
  removeRunFile(file, runtime.pid);
  log(`environment ${environment}: stopped`);
}
