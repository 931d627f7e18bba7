/**
 * Resource preconditions (`lifecycle { precondition { ... } }`) evaluated the way `terraform plan`
 * does, with the local runtime's HCL evaluator (tools/local/hcl): every module instance of a stack
 * is expanded, each precondition's condition is evaluated in its module's scope, and a false one
 * yields its rendered error_message. No terraform binary is needed.
 */
import path from 'node:path';
import type { ConfigTree, ModuleInstance } from '../../tools/local/hcl/modules';
import { loadStack, readTfvars } from '../../tools/local/hcl/modules';
import { force } from '../../tools/local/hcl/values';
import { localResolver } from '../../tools/local/wiring/load';
import { localStackVariables, placeholderVariables } from '../../tools/local/wiring/variables';

export interface PreconditionResult {
  /** Terraform address of the resource, e.g. `module.save_entries_queue.aws_sqs_queue.this`. */
  address: string;
  passed: boolean;
  /** The rendered error_message (what the plan prints when the condition is false). */
  message: string;
}

interface Precondition {
  condition: unknown;
  error_message: unknown;
}

const resolver = localResolver({
  region: 'us-east-1',
  accountId: '000000000000',
  queueUrl: (name) => `http://127.0.0.1:4566/000000000000/${name}`,
});

/** Evaluates every resource precondition of `instance` and of the modules it calls, recursively. */
export function evaluatePreconditions(instance: ModuleInstance): PreconditionResult[] {
  const results: PreconditionResult[] = [];
  const prefix = instance.address ? `${instance.address}.` : '';
  for (const [type, blocks] of Object.entries(instance.config.resources)) {
    for (const [name, block] of Object.entries(blocks)) {
      const lifecycle = (block.body.lifecycle as { precondition?: Precondition[] }[] | undefined)?.[0];
      for (const precondition of lifecycle?.precondition ?? []) {
        if (block.body.count !== undefined || block.body.for_each !== undefined) {
          throw new Error(`${prefix}${type}.${name}: preconditions of count/for_each resources are not evaluated here`);
        }
        const scope = instance.scope();
        const passed = force(instance.evalRaw(precondition.condition, scope, block.file));
        if (typeof passed !== 'boolean') {
          throw new Error(`${prefix}${type}.${name}: precondition is not a boolean (${JSON.stringify(passed)})`);
        }
        const message = String(force(instance.evalRaw(precondition.error_message, scope, block.file)));
        results.push({ address: `${prefix}${type}.${name}`, passed, message });
      }
    }
  }
  for (const call of Object.keys(instance.config.modules)) {
    for (const child of instance.moduleInstances(call)) {
      results.push(...evaluatePreconditions(child.instance));
    }
  }
  return results;
}

/**
 * A stack of `terraformDir` as one environment plans it: the environment's terraform.tfvars
 * over the local placeholders for what CI passes in (account, ARNs, secrets).
 */
export async function stackInstance(terraformDir: string, stack: string, envTfvars: string, tree?: ConfigTree): Promise<ModuleInstance> {
  const variables = {
    ...(await localStackVariables(terraformDir, stack, placeholderVariables())),
    ...(await readTfvars(envTfvars)),
  };
  return loadStack(path.join(terraformDir, 'stacks', stack), variables, resolver, tree);
}
