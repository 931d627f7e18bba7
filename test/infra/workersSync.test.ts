/**
 * src/workers/registry.ts is the one list of workers: each stack's workers.tf and the GitLab
 * deploy-worker matrix are written from it by `npm run workers:sync` (tools/workers/sync.ts), and
 * the stack files that list workers read workers.tf instead of naming them.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runMain } from '../harness/console';
import type { WorkerDefinition } from '../../src/workers/registry';
import { STACKS, WORKERS } from '../../src/workers/registry';
import { derivedFiles, main, renderCiMatrix, renderWorkersTf, workerNameTags } from '../../tools/workers/sync';

const ROOT = path.resolve(__dirname, '..', '..');

const run = (argv: string[], root: string) => runMain(main, argv, root);

const extra: WorkerDefinition = {
  name: 'exampleFixture',
  stack: 'replication',
  nameTag: 'example-fixture',
  trigger: { kind: 'sqs', queues: ['example-fixture'] },
  timeoutSeconds: 30,
  memoryMb: 256,
  produces: {},
  purpose: 'test fixture',
};

describe('files derived from the registry', () => {
  it('are current (run `npm run workers:sync` when this fails)', () => {
    const stale = derivedFiles(ROOT)
      .filter((f) => f.expected !== f.actual)
      .map((f) => f.file);
    expect(stale).toEqual([]);
  });

  it.each(STACKS)('%s: main.tf and alarms.tf name no worker; they and outputs.tf read workers.tf', (stack) => {
    const dir = path.join(ROOT, 'terraform', 'stacks', stack);
    const mine = WORKERS.filter((w) => w.stack === stack);
    for (const file of ['main.tf', 'alarms.tf']) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      const named = mine.flatMap((w) => [
        ...(text.includes(`module.${w.name}.`) ? [`module.${w.name}`] : []),
        ...workerNameTags(w).filter((tag) => text.includes(`"${tag}",`)),
      ]);
      expect({ file, named }).toEqual({ file, named: [] });
    }
    expect(readFileSync(path.join(dir, 'main.tf'), 'utf8')).toContain('name_tags = concat(local.worker_name_tags, [');
    const outputs = readFileSync(path.join(dir, 'outputs.tf'), 'utf8');
    expect(outputs).toMatch(/output "function_arns" \{[^}]*value\s+= local\.worker_function_arns\n\}/);
    expect(outputs).toMatch(/output "function_names" \{[^}]*value\s+= local\.worker_function_names\n\}/);
    const alarms = readFileSync(path.join(dir, 'alarms.tf'), 'utf8');
    for (const input of [
      'worker_alarm_functions',
      'worker_scheduled_functions',
      'worker_stream_consumers',
      'worker_alarm_queues',
      'worker_alarm_dlqs',
      'worker_alarm_rules',
    ]) {
      expect(alarms).toContain(`local.${input}`);
    }
  });

  it('a worker added to the registry gets its name tags, function, alarms and deploy job', () => {
    const tf = renderWorkersTf('replication', [...WORKERS, extra]);
    expect(tf).toContain('"example-fixture",\n  ]');
    expect(tf).toMatch(/exampleFixture\s+= module\.exampleFixture\.function_arn/);
    expect(tf).toMatch(
      /exampleFixture\s+= \{ function_name = module\.exampleFixture\.function_name, timeout_seconds = module\.exampleFixture\.timeout \}/,
    );
    expect(tf).toContain('local.exampleFixture_alarms.queues)');
    expect(tf).toContain('local.exampleFixture_alarms.dlqs)');
    // Other stacks do not change.
    expect(renderWorkersTf('selection', [...WORKERS, extra])).toBe(renderWorkersTf('selection', WORKERS));

    const ci = readFileSync(path.join(ROOT, '.gitlab-ci.yml'), 'utf8');
    const written = renderCiMatrix(ci, [...WORKERS, extra]);
    const replication = WORKERS.filter((w) => w.stack === 'replication').map((w) => w.name);
    expect(written).toContain(`WORKER: [${[...replication, 'exampleFixture'].join(', ')}]`);
    expect(written.split('\n').length).toBe(ci.split('\n').length);
    expect(renderCiMatrix(ci, WORKERS)).toBe(ci);
    expect(() => renderCiMatrix(ci.replace('matrix: &workers', 'matrix:'), WORKERS)).toThrow(
      /no "matrix: &workers" block/,
    );
  });

  describe('npm run workers:sync on a copy of the tree', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(path.join(os.tmpdir(), 'reg-workers-sync-'));
      for (const part of ['terraform', '.gitlab-ci.yml', 'src/workers/registry.ts']) {
        cpSync(path.join(ROOT, part), path.join(root, part), { recursive: true });
      }
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('--check names the stale files and writes nothing; a write makes it pass', async () => {
      const file = path.join(root, 'terraform/stacks/selection/workers.tf');
      writeFileSync(file, '# edited by hand\n');
      const ci = path.join(root, '.gitlab-ci.yml');
      writeFileSync(
        ci,
        readFileSync(ci, 'utf8').replace(/(STACK: dataPipeline\n\s+WORKER: \[)[^\]]*\]/, '$1processData]'),
      );

      const check = await run(['--check'], root);
      expect(check.code).toBe(1);
      expect(check.out).toContain('stale: terraform/stacks/selection/workers.tf');
      expect(check.out).toContain('stale: .gitlab-ci.yml');
      expect(check.out).toContain('run `npm run workers:sync`');
      expect(readFileSync(file, 'utf8')).toBe('# edited by hand\n');

      const write = await run([], root);
      expect(write.code).toBe(0);
      expect(write.out.split('\n').sort()).toEqual([
        'wrote .gitlab-ci.yml',
        'wrote terraform/stacks/selection/workers.tf',
      ]);
      expect(await run(['--check'], root)).toEqual({ code: 0, out: '' });
      expect((await run([], root)).out).toBe('every file derived from the registry is up to date');
    });

    it('refuses a misspelt flag and writes nothing', async () => {
      const file = path.join(root, 'terraform/stacks/selection/workers.tf');
      writeFileSync(file, 'stale\n');
      await expect(run(['--chek'], root)).rejects.toMatchObject({ exitCode: 2 });
      expect(readFileSync(file, 'utf8')).toBe('stale\n');
    });
  });
});
