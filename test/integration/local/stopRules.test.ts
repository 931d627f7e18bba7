/**
 * The stop rules of `npm start` (tools/local/runState.ts, docs/local-runtime.md), with real
 * processes and no mocks: each run is `npm start -- --no-scenario --environment <unique>` spawned
 * by this test (so npm → (sh -c exec) node runtime → java, fauxqs, redis-server, kcat), and what
 * runs is read from /proc.
 *
 * - SIGTERM, SIGINT or SIGHUP to npm, or SIGHUP to the runtime, stops every descendant (npm
 *   forwards SIGINT and SIGTERM; SIGHUP ends npm, and the runtime notices its parent's exit);
 * - SIGKILL to the runtime's parent stops the runtime and its children;
 * - after SIGKILL of the runtime its children stay; the next start of that environment stops
 *   them (by the run file's pids and start times), refuses a third start while it runs, and
 *   `npm run local:stop` stops it;
 * - a recorded pid whose start time differs (a reused pid) is never signalled.
 *
 * Every process seen is killed by pid (after checking its start time) in afterAll, whatever failed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ProcessRecord, RunRecord } from '../../../tools/local/runState';
import { claimRun, isSameProcess, processRecord, runFilePath, stopRun } from '../../../tools/local/runState';
import { REPO_ROOT, tempDir, waitFor } from './helpers';

const START_MS = 150_000;
const STOP_MS = 60_000;

/** Every process a test started or saw in a run's tree; afterAll kills what still runs. */
const seen: ProcessRecord[] = [];
const environments: string[] = [];
const spawned: ChildProcess[] = [];
const temporary: string[] = [];

const uniqueEnvironment = (): string => {
  const environment = `stop${randomBytes(3).toString('hex')}`;
  environments.push(environment);
  return environment;
};

/** This process's environment without the harness's endpoints, so each run starts its own components. */
function runEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(DYNAMODB_ENDPOINT|SQS_ENDPOINT|REDIS_URL|KAFKA_BROKERS|MONGODB_URI|AWS_ENDPOINT_URL.*)$/.test(name)) {
      delete env[name];
    }
  }
  return env;
}

/** The parent pid of `pid`, from /proc (undefined once it is gone). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The pids of the processes under `root` (not `root` itself), from /proc. */
function descendantPids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    const ppid = parentOf(Number(entry));
    if (ppid !== undefined) {
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Records of `pid` and every process under it (all remembered in `seen`). */
function tree(pid: number): ProcessRecord[] {
  const records = [pid, ...descendantPids(pid)].map((p) => processRecord(p)).filter((r) => r.startTime !== '');
  seen.push(...records);
  return records;
}

const running = (records: readonly ProcessRecord[]) => records.filter(isSameProcess);
const names = (records: readonly ProcessRecord[]) => records.map((r) => `${r.command.join(' ').slice(0, 60)} (pid ${r.pid})`);

async function allGone(what: string, records: readonly ProcessRecord[], timeoutMs = STOP_MS): Promise<void> {
  await waitFor(what, () => running(records).length === 0, timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}; still running: ${names(running(records)).join(', ')}`);
  });
}

function readRun(environment: string): RunRecord | undefined {
  try {
    return JSON.parse(readFileSync(runFilePath(REPO_ROOT, environment), 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

interface Run {
  npm: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

/** Spawns `npm <args>` from the repository root, keeping its output. */
function npm(args: readonly string[]): Run {
  const child = spawn('npm', args, { cwd: REPO_ROOT, env: runEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(child);
  if (child.pid !== undefined) {
    seen.push(processRecord(child.pid));
  }
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { npm: child, output: () => output, exited };
}

interface StartedRun extends Run {
  record: RunRecord;
  /** npm and everything under it once the run is up. */
  processes: ProcessRecord[];
}

let startOptions: Promise<string[]> | undefined;

/** `--port 0` (a free port, not the shared default) where `npm start` has the option. */
function portOption(): Promise<string[]> {
  startOptions ??= (async () => {
    const help = npm(['start', '--', '--help']);
    await help.exited;
    return /--port N/.test(help.output()) ? ['--port', '0'] : [];
  })();
  return startOptions;
}

/** `npm start -- --no-scenario --environment <environment>`, once its endpoints are printed and its four children recorded. */
async function startRun(environment: string): Promise<StartedRun> {
  const run = npm(['start', '--', '--no-scenario', '--environment', environment, ...(await portOption())]);
  let npmExited = false;
  void run.exited.then(() => (npmExited = true));
  try {
    await waitFor(
      `the run of ${environment} to be up`,
      () => {
        if (npmExited) {
          throw new Error(`npm start exited before the run was up:\n${run.output()}`);
        }
        const record = readRun(environment);
        return /^Endpoints$/m.test(run.output()) && record !== undefined && record.children.length >= 4;
      },
      START_MS,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- output ---\n${run.output()}`);
  }
  return { ...run, record: readRun(environment)!, processes: tree(run.npm.pid!) };
}

afterAll(async () => {
  for (const child of spawned) {
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
  // Whatever a failed test left: every process seen, and every child a run file still names.
  const leftovers = [...seen, ...environments.flatMap((e) => readRun(e)?.children ?? [])].filter(isSameProcess);
  for (const record of leftovers) {
    try {
      process.kill(record.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  await waitFor('the leftovers to be gone', () => running(leftovers).length === 0, 10_000).catch(() => undefined);
  for (const environment of environments) {
    rmSync(path.join(REPO_ROOT, '.local', 'run', environment), { recursive: true, force: true });
  }
  for (const dir of temporary) {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the run file: processes are found by pid and start time, never by name', () => {
  /** A `sleep` to stand for a recorded process, and a run file naming it in a scratch root. */
  function fixture(child: ProcessRecord, runtime: ProcessRecord, root = tempDir('stop-rules-')) {
    temporary.push(root);
    const file = runFilePath(root, 'local');
    mkdirSync(path.dirname(file), { recursive: true });
    const record: RunRecord = {
      version: 1,
      environment: 'local',
      bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
      startedAt: new Date().toISOString(),
      runtime,
      children: [child],
    };
    writeFileSync(file, JSON.stringify(record));
    return { root, file };
  }

  const sleeper = (): ProcessRecord => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    spawned.push(child);
    const record = processRecord(child.pid!);
    seen.push(record);
    return record;
  };
  const deadRuntime: ProcessRecord = { pid: 2 ** 22 + 1, startTime: '1', command: ['node'] };

  it('local:stop leaves a recorded pid alone when its start time differs (a reused pid), and stops it when it matches', async () => {
    const sleep = sleeper();
    const lines: string[] = [];
    const reused = fixture({ ...sleep, startTime: String(Number(sleep.startTime) - 1) }, deadRuntime);
    await stopRun({ root: reused.root, environment: 'local', log: (line) => lines.push(line) });
    expect(isSameProcess(sleep)).toBe(true);
    expect(lines.join('\n')).toMatch(/is not running\nno process of it is left running\nenvironment local: stopped/);
    expect(existsSync(reused.file)).toBe(false);

    const same = fixture(sleep, deadRuntime);
    lines.length = 0;
    await stopRun({ root: same.root, environment: 'local', log: (line) => lines.push(line) });
    expect(isSameProcess(sleep)).toBe(false);
    expect(lines.join('\n')).toContain(`stopped 1 process it left running: sleep (pid ${sleep.pid})`);
  });

  it('a start refuses while the recorded runtime is alive, and otherwise stops what the dead one left', async () => {
    const alive = sleeper();
    const child = sleeper();
    const { root, file } = fixture(child, alive);
    await expect(claimRun({ root, environment: 'local', log: () => undefined })).rejects.toThrow(
      `a local run (pid ${alive.pid}) of environment local is already running; stop it with npm run local:stop`,
    );
    expect(isSameProcess(child)).toBe(true);

    fixture(child, deadRuntime, root);
    const lines: string[] = [];
    const claimed = await claimRun({ root, environment: 'local', log: (line) => lines.push(line) });
    try {
      expect(isSameProcess(child)).toBe(false);
      expect(lines).toEqual([
        `stopped 1 process left by an earlier run of environment local (pid ${deadRuntime.pid}, no longer running): sleep (pid ${child.pid})`,
      ]);
      expect((JSON.parse(readFileSync(file, 'utf8')) as RunRecord).runtime.pid).toBe(process.pid);
    } finally {
      claimed.release();
    }
    expect(existsSync(file)).toBe(false);
  });
});

describe('npm start stops everything it started', () => {
  // npm forwards SIGTERM and SIGINT to the runtime (its script execs it); SIGHUP ends npm, and
  // the runtime sees its parent exit.
  it.each([
    ['SIGTERM', 'npm'],
    ['SIGINT', 'npm'],
    ['SIGHUP', 'npm'],
    ['SIGHUP', 'the runtime'],
  ] as const)('when %s is sent to %s', async (signal, target) => {
    const environment = uniqueEnvironment();
    const run = await startRun(environment);
    expect(run.processes.length).toBeGreaterThanOrEqual(7); // npm, sh, node, java, node (fauxqs), redis-server, kcat
    for (const child of run.record.children) {
      expect(run.processes.map((p) => p.pid)).toContain(child.pid);
    }
    process.kill(target === 'npm' ? run.npm.pid! : run.record.runtime.pid, signal);
    await allGone('npm and every process under it to exit', run.processes);
    expect(run.output()).toMatch(/^Stopping\.\.\.$/m);
    if (target === 'npm' && signal === 'SIGHUP') {
      expect(run.output()).toContain(`npm (pid ${run.npm.pid}) exited: stopping`);
    }
    expect(readRun(environment)).toBeUndefined();
  }, 240_000);

  it("when the runtime's parent is killed with SIGKILL", async () => {
    const environment = uniqueEnvironment();
    const run = await startRun(environment);
    const runtime = run.processes.find((p) => p.pid === run.record.runtime.pid)!;
    const parent = run.processes.find((p) => p.pid === parentOf(runtime.pid))!;
    process.kill(parent.pid, 'SIGKILL');
    await allGone('the runtime and every process under it to exit', run.processes);
    expect(readRun(environment)).toBeUndefined();
  }, 240_000);
});

describe('a run killed with -9', () => {
  it('leaves its children; the next start stops them, refuses a third start, and local:stop stops it', async () => {
    const environment = uniqueEnvironment();
    const first = await startRun(environment);
    const runtime = first.processes.find((p) => p.pid === first.record.runtime.pid)!;
    const children = first.record.children;
    expect(children.map((c) => path.basename(c.command[0]))).toEqual(expect.arrayContaining(['java', 'redis-server', 'kcat']));
    process.kill(runtime.pid, 'SIGKILL');
    await allGone('the killed runtime', [runtime]);
    await first.exited; // npm and its shell follow the runtime
    expect(names(running(children))).toEqual(names(children));

    const second = await startRun(environment);
    expect(second.output()).toContain(
      `stopped ${children.length} processes left by an earlier run of environment ${environment} (pid ${runtime.pid}, no longer running)`,
    );
    expect(names(running(first.processes))).toEqual([]);

    const third = npm(['start', '--', '--no-scenario', '--environment', environment, ...(await portOption())]);
    await third.exited;
    expect(third.npm.exitCode).toBe(1);
    expect(third.output()).toContain(
      `error: a local run (pid ${second.record.runtime.pid}) of environment ${environment} is already running; stop it with npm run local:stop -- --environment ${environment}`,
    );
    expect(isSameProcess(processRecord(second.record.runtime.pid))).toBe(true);

    const stop = npm(['run', 'local:stop', '--', '--environment', environment]);
    await stop.exited;
    expect({ code: stop.npm.exitCode, output: stop.output() }).toEqual({
      code: 0,
      output: expect.stringContaining(`sent SIGTERM to the local run (pid ${second.record.runtime.pid}) of environment ${environment}`),
    });
    await allGone('the stopped run', second.processes);
    expect(readRun(environment)).toBeUndefined();

    const again = npm(['run', 'local:stop', '--', '--environment', environment]);
    await again.exited;
    expect({ code: again.npm.exitCode, output: again.output() }).toEqual({
      code: 0,
      output: expect.stringContaining(`no local run of environment ${environment} is running`),
    });
  }, 400_000);

  it('local:stop has --help, and an unknown flag is a usage error (exit 2)', async () => {
    const help = npm(['run', '--silent', 'local:stop', '--', '--help']);
    const wrong = npm(['run', '--silent', 'local:stop', '--', '--pid', '1']);
    await Promise.all([help.exited, wrong.exited]);
    expect({ code: help.npm.exitCode, output: help.output() }).toEqual({ code: 0, output: expect.stringContaining('usage: npm run local:stop') });
    expect({ code: wrong.npm.exitCode, output: wrong.output() }).toEqual({ code: 2, output: expect.stringContaining("Unknown option '--pid'") });
  });
});
