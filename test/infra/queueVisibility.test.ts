/**
 * The plan-time visibility-timeout check of terraform/modules/queue-with-dlq (a precondition on the
 * queue: visibility timeout >= consumer timeout + two_second_buffer + batching window, DECISIONS D),
 * evaluated as a plan would: it holds for every queue of every stack and environment, and it fails,
 * naming the queue and the numbers, for a copy of the Terraform whose visibility timeout is too short
 * and at the module's boundary values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Value } from '../../tools/local/hcl/values';
import { loadConfigTree, ModuleInstance } from '../../tools/local/hcl/modules';
import { localResolver } from '../../tools/local/wiring/load';
import { environmentDirs, MODULES_DIR, TERRAFORM_DIR } from './hcl';
import { evaluatePreconditions, stackInstance } from './preconditions';
import { SEED_FUNCTIONS, SEED_QUEUES } from './seedExpectations';
import { STACKS, WORKERS } from '../../src/workers/registry';
import { editedTerraformCopy } from '../harness/terraformCopy';

const QUEUE_PRECONDITION = /\.aws_sqs_queue\.this$/;
const scratch: string[] = [];

afterAll(() => {
  for (const dir of scratch) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A copy of terraform/ with one text replacement in `file` (relative to terraform/). */
function editedCopy(file: string, from: string, to: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tf-visibility-'));
  scratch.push(dir);
  return editedTerraformCopy(path.dirname(TERRAFORM_DIR), dir, { [file]: [from, to] });
}

const dev1Tfvars = (terraformDir: string, stack: string) =>
  path.join(terraformDir, 'stacks', stack, 'tm-nonprod', 'dev1', 'terraform.tfvars');

/** The queue module called directly with `inputs`, as a module call would. */
async function queueModule(inputs: Record<string, Value>): Promise<ModuleInstance> {
  const dir = path.join(MODULES_DIR, 'queue-with-dlq');
  const tree = await loadConfigTree(dir);
  const resolver = localResolver({ region: 'us-east-1', accountId: '000000000000', queueUrl: (name) => `http://q/${name}` });
  return new ModuleInstance(tree, tree.get(dir)!, 'module.q', (name) => inputs[name], dir, resolver);
}

describe('visibility-timeout plan check (queue-with-dlq precondition)', () => {
  it.each([...STACKS])('holds for every queue of the %s stack in every environment', async (stack) => {
    const envs = environmentDirs(stack);
    expect(envs.length).toBeGreaterThan(0);
    for (const { env, dir } of envs) {
      const results = evaluatePreconditions(await stackInstance(TERRAFORM_DIR, stack, path.join(dir, 'terraform.tfvars')));
      const queues = results.filter((r) => QUEUE_PRECONDITION.test(r.address));
      expect({ env, failed: queues.filter((r) => !r.passed) }).toEqual({ env, failed: [] });
    }
  });

  it('is evaluated once for every consumed queue (none skipped)', async () => {
    for (const stack of STACKS) {
      // The seed's queues, and the queue of each queue worker added after the seed.
      const later = WORKERS.filter((w) => w.stack === stack && !SEED_FUNCTIONS[stack].includes(w.name)).flatMap((w) =>
        w.trigger.kind === 'sqs' ? w.trigger.queues : [],
      );
      const results = evaluatePreconditions(await stackInstance(TERRAFORM_DIR, stack, dev1Tfvars(TERRAFORM_DIR, stack)));
      const checked = results.filter((r) => QUEUE_PRECONDITION.test(r.address));
      expect({ stack, checked: checked.length }).toEqual({
        stack,
        checked: SEED_QUEUES.filter((q) => q.stack === stack).length + later.length,
      });
    }
  });

  it('fails the plan, naming the queue and the numbers, when the visibility timeout is below its consumer timeout + buffer', async () => {
    const copy = editedCopy(
      'stacks/replication/saveEntries.tf',
      'visibility_timeout_seconds = module.saveEntries.timeout + var.two_second_buffer',
      'visibility_timeout_seconds = 30',
    );
    const results = evaluatePreconditions(await stackInstance(copy, 'replication', dev1Tfvars(copy, 'replication')));
    const failed = results.filter((r) => !r.passed);
    expect(failed).toEqual([
      {
        address: 'module.save_entries_queue.aws_sqs_queue.this',
        passed: false,
        message:
          "Visibility timeout of prd2011-dev1-us-east-1-save-entries (30s) is below its consumer's timeout (30s) + two_second_buffer (2s) + batching window (0s).",
      },
    ]);
    // The other queues of the stack are untouched and still pass.
    const passed = results.filter((r) => QUEUE_PRECONDITION.test(r.address) && r.passed).map((r) => r.address);
    expect(passed).toContain('module.retry_score_queue.aws_sqs_queue.this');
    expect(passed).not.toContain('module.save_entries_queue.aws_sqs_queue.this');
  });

  it('fails when a longer consumer timeout is not followed by the queue (timeout raised, visibility kept)', async () => {
    const copy = editedCopy(
      'stacks/replication/saveEntries.tf',
      'consumer_timeout_seconds   = module.saveEntries.timeout',
      'consumer_timeout_seconds   = module.saveEntries.timeout + 60',
    );
    const failed = evaluatePreconditions(await stackInstance(copy, 'replication', dev1Tfvars(copy, 'replication'))).filter(
      (r) => !r.passed,
    );
    expect(failed.map((r) => r.message)).toEqual([expect.stringContaining("(32s) is below its consumer's timeout (90s)")]);
  });

  it.each([
    [32, 30, 2, 0, true],
    [31, 30, 2, 0, false],
    [37, 30, 2, 5, true],
    [36, 30, 2, 5, false],
  ])('visibility %is against timeout %is + buffer %is + window %is: passes = %s', async (visibility, timeout, buffer, window, passes) => {
    const instance = await queueModule({
      name: 'q-main',
      name_tag: 'q-main',
      visibility_timeout_seconds: visibility,
      consumer_timeout_seconds: timeout,
      two_second_buffer: buffer,
      batching_window_seconds: window,
      max_receive_count: 3,
    });
    expect(evaluatePreconditions(instance)).toEqual([
      {
        address: 'module.q.aws_sqs_queue.this',
        passed: passes,
        message: `Visibility timeout of q-main (${visibility}s) is below its consumer's timeout (${timeout}s) + two_second_buffer (${buffer}s) + batching window (${window}s).`,
      },
    ]);
  });
});
