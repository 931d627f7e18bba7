/**
 * `npm run new-worker` as a developer uses it, on a copy of the tree: it refuses what it cannot
 * do and writes nothing; a worker of each of the five triggers then typechecks, lints and passes
 * its own test, the infrastructure tests hold for it, and the local run (`npm start`) wires it
 * and feeds the stream and schedule ones.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../tools/workers/newWorker';
import { runMain } from '../../harness/console';
import type { ToolResult } from './run';
import { ROOT, runNode } from './run';

// Each step runs whole tools in fresh processes (tsc, jest, the local run): on a shared 2-core
// machine under the full suite they take several times their quiet time, hence the timeouts.

/** One worker per trigger, each in a stack that takes what its trigger needs. */
const SCAFFOLDS: readonly { stack: string; name: string; trigger: string; purpose?: string }[] = [
  { stack: 'replication', name: 'auditEntries', trigger: 'sqs', purpose: 'Audits replicated entries (hourly, 1/2)' },
  { stack: 'selection', name: 'watchCodes', trigger: 'stream' },
  { stack: 'registration', name: 'lookupFan', trigger: 'direct' },
  { stack: 'notification', name: 'sweepReminders', trigger: 'schedule' },
  { stack: 'registration', name: 'fanStatus', trigger: 'appsync' },
];

const SKIPPED = new Set(['node_modules', '.git', '.local', 'dist', 'reports']);

let copy: string;
/** This tree's registry, which no step may change: every write goes to the copy. */
const ownRegistry = readFileSync(path.join(ROOT, 'src/workers/registry.ts'), 'utf8');

/** A digest of every file a scaffold could touch, to show a refusal changed nothing. */
function treeDigest(): string {
  const hash = createHash('sha256');
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(copy, rel), { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        walk(child);
      } else {
        hash.update(child).update(readFileSync(path.join(copy, child)));
      }
    }
  };
  ['src', 'terraform', 'docs'].forEach(walk);
  hash.update(readFileSync(path.join(copy, '.gitlab-ci.yml'))).update(readFileSync(path.join(copy, 'README.md')));
  return hash.digest('hex');
}

/** Fails with the end of what a command printed when it did not exit 0. */
function succeeded(result: ToolResult, what: string): ToolResult {
  if (result.code !== 0) {
    throw new Error(`${what} exited ${result.code}:\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
  }
  return result;
}

/** Runs `main` in-process on the copy; returns the error it refused with. */
async function refusal(argv: string[]): Promise<{ message: string; exitCode?: number }> {
  try {
    await runMain(main, argv, copy);
  } catch (error) {
    return { message: (error as Error).message, exitCode: (error as { exitCode?: number }).exitCode };
  }
  throw new Error(`new-worker ${argv.join(' ')} did not refuse`);
}

beforeAll(() => {
  copy = mkdtempSync(path.join(os.tmpdir(), 'reg-workers-new-worker-'));
  for (const entry of readdirSync(ROOT).filter((e) => !SKIPPED.has(e))) {
    cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
});

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('npm run new-worker refuses, writing nothing', () => {
  it('prints its usage with --help', async () => {
    const before = treeDigest();
    const { code, out } = await runMain(main, ['--help'], copy);
    expect(code).toBe(0);
    expect(out).toContain('usage: npm run new-worker -- <stack> <name> --trigger <sqs|stream|direct|schedule|appsync>');
    expect(treeDigest()).toBe(before);
  });

  it.each([
    [
      ['registrations', 'auditEntries', '--trigger', 'sqs'],
      2,
      'unknown stack "registrations"; the stacks are registration, replication',
    ],
    [
      ['replication', 'auditEntries', '--trigger', 'kafka'],
      2,
      'unknown trigger "kafka"; use one of sqs, stream, direct, schedule, appsync',
    ],
    [['replication', 'audit-entries', '--trigger', 'sqs'], 2, 'worker name "audit-entries" must be camelCase'],
    [['replication', 'auditEntries'], 2, '--trigger is required'],
    [['replication', 'auditEntries', '--trigger', 'sqs', '--purpos', 'x'], 2, "Unknown option '--purpos'"],
    [['replication', 'auditEntries', '--trigger', 'sqs', '--purpose', "it's"], 2, '--purpose must be 3-200 letters'],
    [
      ['selection', 'saveSelections', '--trigger', 'sqs'],
      1,
      'a worker named "saveSelections" already exists (selection stack)',
    ],
    [['replication', 'SAVEENTRIES', '--trigger', 'sqs'], 2, 'must be camelCase'],
    [['replication', 'saveentries', '--trigger', 'sqs'], 1, 'a worker named "saveEntries" already exists'],
    [
      ['registration', 'userInfo', '--trigger', 'direct'],
      1,
      'name tag "user-info" is already used by another resource',
    ],
    [['dataPipeline', 'dataSns', '--trigger', 'direct'], 1, 'name tag "data-sns" is already used by another resource'],
    [
      ['notification', 'auditEntries', '--trigger', 'sqs'],
      1,
      'the notification stack does not take var.two_second_buffer, which a sqs worker needs; add notification to the "# Shared by:" line of terraform/shared/variables/queues.tf, run `npm run tf:variables`',
    ],
    [
      ['registration', 'watchCodes', '--trigger', 'stream'],
      1,
      'the registration stack does not take var.demand_table_stream_arn',
    ],
  ])('%j', async (argv, exitCode, message) => {
    const before = treeDigest();
    const error = await refusal(argv);
    expect(error.exitCode).toBe(exitCode);
    expect(error.message).toContain(message);
    expect(treeDigest()).toBe(before);
  });
});

describe('a worker of each trigger, scaffolded into a copy of the tree', () => {
  beforeAll(async () => {
    for (const s of SCAFFOLDS) {
      // The copy's own tools/run.mjs, as `npm run new-worker` in that tree runs it.
      const result = await runNode(
        path.join(copy, 'tools/run.mjs'),
        [
          'tools/workers/newWorker.ts',
          s.stack,
          s.name,
          '--trigger',
          s.trigger,
          ...(s.purpose ? ['--purpose', s.purpose] : []),
        ],
        { cwd: copy, env: { REG_WORKERS_ROOT: copy } },
      );
      expect({ worker: s.name, code: result.code, stderr: result.stderr }).toEqual({
        worker: s.name,
        code: 0,
        stderr: '',
      });
      expect(result.stdout).toContain(`wrote terraform/stacks/${s.stack}/${s.name}.tf`);
    }
  }, 180_000);

  it('writes the worker folder, its Terraform and its registry line, and nothing else by hand', () => {
    const registry = readFileSync(path.join(copy, 'src/workers/registry.ts'), 'utf8');
    for (const s of SCAFFOLDS) {
      const folder = `src/workers/${s.stack}/${s.name}`;
      expect(readdirSync(path.join(copy, folder)).sort()).toEqual(
        [`${s.name}.test.ts`, `${s.name}.ts`, 'index.ts'].sort(),
      );
      expect(existsSync(path.join(copy, `terraform/stacks/${s.stack}/${s.name}.tf`))).toBe(true);
      expect(registry).toContain(`name: '${s.name}',\n    stack: '${s.stack}',`);
      expect(registry).toContain(`purpose: '${s.purpose ?? `The ${s.name} worker`}',`);
      expect(readFileSync(path.join(copy, `terraform/stacks/${s.stack}/workers.tf`), 'utf8')).toContain(
        `module.${s.name}.function_name`,
      );
    }
    expect(readFileSync(path.join(copy, '.gitlab-ci.yml'), 'utf8')).toContain(
      'WORKER: [enqueueEntries, saveEntries, retryScore, auditEntries]',
    );
    expect(readFileSync(path.join(ROOT, 'src/workers/registry.ts'), 'utf8')).toBe(ownRegistry);
    // A second run for the same name refuses.
    return expect(refusal(['replication', 'auditEntries', '--trigger', 'sqs'])).resolves.toMatchObject({
      message: expect.stringContaining('a worker named "auditEntries" already exists'),
    });
  });

  it('typechecks and lints', async () => {
    const tsc = await runNode(path.join(copy, 'node_modules/typescript/bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'], {
      cwd: copy,
    });
    expect({ code: tsc.code, out: tsc.stdout }).toEqual({ code: 0, out: '' });
    const folders = SCAFFOLDS.map((s) => `src/workers/${s.stack}/${s.name}`);
    const lint = await runNode(
      path.join(copy, 'node_modules/eslint/bin/eslint.js'),
      [...folders, 'src/workers/registry.ts', 'tools/workers', '--max-warnings=0'],
      { cwd: copy },
    );
    expect({ code: lint.code, out: lint.stdout }).toEqual({ code: 0, out: '' });
  }, 120_000);

  it("passes each new worker's own test, the registry's and the infrastructure tests", async () => {
    const jest = path.join(copy, 'node_modules/jest/bin/jest.js');
    const unit = await runNode(
      jest,
      [
        '--selectProjects',
        'unit',
        '--',
        ...SCAFFOLDS.map((s) => `src/workers/${s.stack}/${s.name}/`),
        'src/workers/registry.test.ts',
      ],
      { cwd: copy },
    );
    succeeded(unit, 'jest unit');
    for (const s of SCAFFOLDS) {
      expect(unit.stderr).toContain(`PASS unit src/workers/${s.stack}/${s.name}/${s.name}.test.ts`);
    }
    // The integration project reuses this run's components (their endpoints are in the environment).
    const infra = await runNode(
      jest,
      ['--selectProjects', 'integration', '--', 'test/infra/', 'test/faults/matrixDoc.test.ts'],
      {
        cwd: copy,
      },
    );
    succeeded(infra, 'jest integration test/infra');
    expect(infra.stderr).toMatch(/Tests: +\d+ passed, \d+ total/);
  }, 240_000);

  it('npm start runs them: the stream worker reads the table changes, the rule runs the schedule worker', async () => {
    const run = await runNode(
      path.join(copy, 'tools/local/start.mjs'),
      ['--fans', '10', '--markets', '1', '--port', '0', '--environment', 'scaffold'],
      {
        cwd: copy,
        // The local run starts its own components.
        env: { DYNAMODB_ENDPOINT: undefined, SQS_ENDPOINT: undefined, REDIS_URL: undefined, KAFKA_BROKERS: undefined },
      },
    );
    succeeded(run, 'npm start');
    expect(run.stdout).toContain('All invariants hold.');
    // Summary rows: worker, trigger, in, processed, rejected, failed, dead-lettered.
    const row = (worker: string) => {
      const line = run.stdout
        .split('\n')
        .find((l) => l.startsWith(`${worker} `) && /\s\d+\s+\d+\s+\d+\s+\d+\s+\d+\s/.test(l));
      const numbers = line
        ?.match(/\s(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s/)
        ?.slice(1)
        .map(Number);
      return { worker, line: line !== undefined, in: numbers?.[0], failed: numbers?.[3], deadLettered: numbers?.[4] };
    };
    expect(row('auditEntries')).toEqual({ worker: 'auditEntries', line: true, in: 0, failed: 0, deadLettered: 0 });
    for (const worker of ['watchCodes', 'sweepReminders']) {
      const r = row(worker);
      expect({ ...r, fed: (r.in ?? 0) > 0 }).toEqual({
        worker,
        line: true,
        in: r.in,
        failed: 0,
        deadLettered: 0,
        fed: true,
      });
    }
    expect(statSync(path.join(copy, '.local/run/scaffold/logs/watchCodes.log')).size).toBeGreaterThan(0);
  }, 300_000);
});
