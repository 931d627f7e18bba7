import type { Dirent } from 'node:fs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { INVENTORY_CODES, STACKS, WORKERS, getWorker, workerEntryPath } from './registry';

const root = path.resolve(__dirname, '../..');

/** The seed's Lambda tables (SEED-infrastructure-resources.md) with DECISIONS.md D's defaults applied. */
const SEED: Record<string, { stack: string; trigger: string; timeout: number; memory: number }> = {
  checkEligibility: { stack: 'registration', trigger: 'appsync', timeout: 30, memory: 256 },
  upsertUsers: { stack: 'registration', trigger: 'sqs', timeout: 30, memory: 256 },
  enqueueEntries: { stack: 'replication', trigger: 'stream', timeout: 30, memory: 256 },
  saveEntries: { stack: 'replication', trigger: 'sqs', timeout: 30, memory: 256 },
  retryScore: { stack: 'replication', trigger: 'sqs', timeout: 30, memory: 256 },
  enqueueMarketSelections: { stack: 'selection', trigger: 'stepFunction', timeout: 900, memory: 1024 },
  saveSelections: { stack: 'selection', trigger: 'sqs', timeout: 30, memory: 256 },
  refreshSelections: { stack: 'selection', trigger: 'sqs', timeout: 30, memory: 256 },
  markAssignedCodes: { stack: 'selection', trigger: 'stream', timeout: 30, memory: 256 },
  processData: { stack: 'dataPipeline', trigger: 'sqs', timeout: 30, memory: 256 },
  sendData: { stack: 'dataPipeline', trigger: 'sqs', timeout: 30, memory: 256 },
  notificationGenerator: { stack: 'notification', trigger: 'schedule', timeout: 30, memory: 256 },
  getMarketsToNotify: { stack: 'notification', trigger: 'invoke', timeout: 30, memory: 256 },
  planSends: { stack: 'notification', trigger: 'stepFunction', timeout: 30, memory: 256 },
  triggerReminderEmail: { stack: 'notification', trigger: 'stepFunction', timeout: 30, memory: 256 },
};

describe('worker registry', () => {
  // A worker added later (`npm run new-worker`) is the registry's own; the seed's fifteen stay as they are.
  it('lists the 15 workers of the seed with their stack, trigger, timeout and memory', () => {
    const actual = Object.fromEntries(
      WORKERS.filter((w) => w.name in SEED).map((w) => [
        w.name,
        { stack: w.stack, trigger: w.trigger.kind, timeout: w.timeoutSeconds, memory: w.memoryMb },
      ]),
    );
    expect(actual).toEqual(SEED);
    // Every later worker sits after the seed's, so the registry keeps the seed's pipeline order.
    const firstLater = WORKERS.findIndex((w) => !(w.name in SEED));
    expect(firstLater === -1 || WORKERS.slice(firstLater).every((w) => !(w.name in SEED))).toBe(true);
  });

  it('gives every worker a unique kebab-case name tag', () => {
    const tags = WORKERS.map((w) => w.nameTag);
    expect(new Set(tags).size).toBe(tags.length);
    tags.forEach((t) => expect(t).toMatch(/^[a-z]+(-[a-z]+)*$/));
  });

  it('consumes the seed queues: sendData reads the five typed queues, upsertUsers reads user-info', () => {
    expect(getWorker('sendData').trigger).toEqual({
      kind: 'sqs',
      queues: ['campaign-queue', 'market-queue', 'evt-mapping-queue', 'reg-markets-queue', 'registration-queue'],
    });
    expect(getWorker('upsertUsers').trigger).toEqual({ kind: 'sqs', queues: ['user-info'] });
    expect(getWorker('enqueueEntries').trigger).toMatchObject({ kind: 'stream', dlq: 'enqueue-entries-dlq' });
    expect(getWorker('markAssignedCodes').trigger).toMatchObject({ kind: 'stream', dlq: 'mark-assigned-codes-dlq' });
  });

  it('maps every stack to its inventory code', () => {
    expect(Object.keys(INVENTORY_CODES)).toEqual([...STACKS]);
    expect(INVENTORY_CODES).toEqual({
      registration: 'reg',
      replication: 'reg-replica',
      selection: 'reg-sel',
      dataPipeline: 'reg-data',
      notification: 'reg-ntfcn',
    });
  });

  it('names the known workers when asked for an unknown one', () => {
    expect(() => getWorker('nope')).toThrow(/Unknown worker "nope". Known workers: checkEligibility/);
  });
});

describe('worker code', () => {
  const implemented = WORKERS.filter((w) => existsSync(path.join(root, workerEntryPath(w))));
  const pending = WORKERS.filter((w) => !implemented.includes(w));

  // A worker listed before its code exists is reported as pending (todo) on every run, never a silent pass.
  pending.forEach((w) => it.todo(`${w.name}: handler not implemented yet (${workerEntryPath(w)})`));

  if (implemented.length > 0) {
    it.each(implemented.map((w) => [w.name, w] as const))('%s exports a handler function', async (_name, w) => {
      const mod = await import(path.join(root, workerEntryPath(w)));
      expect(typeof mod.handler).toBe('function');
    });
  }
});

/** The rule of README.md "Layout": one shape for every worker folder, one place for a stack's shared files. */
const RULE = {
  stack: 'a stack folder holds only its workers of src/workers/registry.ts and an optional shared/ folder',
  stackName: 'a folder under src/workers is a stack of src/workers/registry.ts',
  useCase: 'a worker folder holds <worker>.ts, its use case, beside its entry index.ts',
  index: "index.ts is only a worker's Lambda entry (src/workers/<stack>/<worker>/index.ts); shared/ has none",
  testBeside: 'a unit test sits beside the module it tests (x.test.ts next to x.ts)',
};

/** Reads a tree (the repository, or a fixture) by paths relative to its root. */
function shapeOf(base: string) {
  const list = (rel: string): Dirent[] => readdirSync(path.join(base, rel), { withFileTypes: true });
  const exists = (rel: string) => existsSync(path.join(base, rel));
  const filesBelow = (rel: string): string[] =>
    list(rel).flatMap((e) => (e.isDirectory() ? filesBelow(`${rel}/${e.name}`) : [`${rel}/${e.name}`]));

  /** Index files other than the worker's entry, and tests with no module of their name beside them. */
  const fileProblems = (folder: string, entry?: string): string[] =>
    filesBelow(folder).flatMap((file) => {
      if (path.basename(file) === 'index.ts' && file !== entry) {
        return [`${file}: ${RULE.index}`];
      }
      if (file.endsWith('.test.ts') && !exists(file.replace(/\.test\.ts$/, '.ts'))) {
        return [`${file}: ${RULE.testBeside}`];
      }
      return [];
    });

  return {
    /** Folders under src/workers that are no stack of the registry. */
    unknownStacks: (): string[] =>
      list('src/workers')
        .filter((e) => e.isDirectory() && !(STACKS as readonly string[]).includes(e.name))
        .map((e) => `src/workers/${e.name}/: ${RULE.stackName}`),

    /** What breaks the rule in src/workers/<stack>/, each problem naming its path and the rule. */
    stackProblems: (stack: string): string[] => {
      const dir = `src/workers/${stack}`;
      if (!exists(dir)) {
        return [];
      }
      const workers = new Set(WORKERS.filter((w) => w.stack === stack).map((w) => w.name));
      return list(dir).flatMap((e) => {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory() && e.name === 'shared') {
          return fileProblems(rel);
        }
        if (!e.isDirectory() || !workers.has(e.name)) {
          return [`${rel}${e.isDirectory() ? '/' : ''}: ${RULE.stack}`];
        }
        const entry = `${rel}/index.ts`;
        // A worker with no entry yet is pending (a todo above); once it has one, its use case sits beside it.
        const useCase =
          exists(entry) && !exists(`${rel}/${e.name}.ts`) ? [`${rel}/${e.name}.ts is missing: ${RULE.useCase}`] : [];
        return [...useCase, ...fileProblems(rel, entry)];
      });
    },
  };
}

describe('worker folder shape (README.md, "Layout")', () => {
  const repo = shapeOf(root);

  it('has a folder under src/workers only for a stack of the registry', () => {
    expect(repo.unknownStacks()).toEqual([]);
  });

  it.each([...STACKS])('src/workers/%s holds its workers and an optional shared/, each in its shape', (stack) => {
    expect(repo.stackProblems(stack)).toEqual([]);
  });

  describe('on a tree that breaks the rule', () => {
    let base: string;
    const write = (rel: string) => {
      mkdirSync(path.join(base, path.dirname(rel)), { recursive: true });
      writeFileSync(path.join(base, rel), '');
    };

    beforeAll(() => {
      base = mkdtempSync(path.join(tmpdir(), 'worker-shape-'));
      [
        'src/workers/selection/saveSelections/index.ts',
        'src/workers/selection/saveSelections/verdicts.test.ts',
        'src/workers/selection/refreshSelections/index.ts',
        'src/workers/selection/refreshSelections/refreshSelections.ts',
        'src/workers/selection/refreshSelections/paging/index.ts',
        'src/workers/selection/markAssignedCodes/markAssignedCodes.ts',
        'src/workers/selection/shared/index.ts',
        'src/workers/selection/shared/messages.ts',
        'src/workers/selection/queueSender.ts',
        'src/workers/selection/common/types.ts',
        'src/workers/payments/charge/index.ts',
      ].forEach(write);
    });
    afterAll(() => rmSync(base, { recursive: true, force: true }));

    it('names each offending path and the rule it breaks; a worker with no entry yet is left to its todo', () => {
      expect(shapeOf(base).unknownStacks()).toEqual([`src/workers/payments/: ${RULE.stackName}`]);
      expect(shapeOf(base).stackProblems('selection').sort()).toEqual(
        [
          `src/workers/selection/common/: ${RULE.stack}`,
          `src/workers/selection/queueSender.ts: ${RULE.stack}`,
          `src/workers/selection/refreshSelections/paging/index.ts: ${RULE.index}`,
          `src/workers/selection/saveSelections/saveSelections.ts is missing: ${RULE.useCase}`,
          `src/workers/selection/saveSelections/verdicts.test.ts: ${RULE.testBeside}`,
          `src/workers/selection/shared/index.ts: ${RULE.index}`,
        ].sort(),
      );
      expect(shapeOf(base).stackProblems('notification')).toEqual([]);
    });
  });
});
