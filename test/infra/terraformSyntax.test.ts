/**
 * The Terraform as code: every file parses and is `terraform fmt`-clean, references resolve
 * inside their module, module calls pass exactly the variables the module declares, and every
 * variable is typed, described and used. A small `terraform validate` without the binary.
 */
import { format } from '@cdktf/hcl-tools';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ModuleConfig } from '../../tools/local/hcl/modules';
import { loadModuleConfig, parseHclFile } from '../../tools/local/hcl/modules';
import { references } from '../../tools/local/hcl/references';
import { parseExpression, parseStringValue } from '../../tools/local/hcl/syntax';
import { deepEqual } from '../../tools/local/hcl/values';
import { at, listFiles, STACKS_DIR, TERRAFORM_DIR, terraformDirs } from './hcl';
import { soleReference } from './stacks';
import { STACKS, WORKERS } from '../../src/workers/registry';

const hclFiles = listFiles(TERRAFORM_DIR, /\.(tf|tfvars|hcl)$/);
let dirs: Record<string, ModuleConfig>;

beforeAll(async () => {
  dirs = {};
  for (const dir of terraformDirs()) {
    dirs[dir] = await loadModuleConfig(dir);
  }
});

/** A directory's path relative to terraform/. */
const relOf = (tf: ModuleConfig): string => path.relative(TERRAFORM_DIR, tf.dir);

const bodies = (blocks: Record<string, { body: unknown }>): unknown[] => Object.values(blocks).map((b) => b.body);
const typed = (blocks: Record<string, Record<string, { body: unknown }>>): unknown[] => Object.values(blocks).flatMap(bodies);

/** Every argument of every block of a module, for the reference checks. */
function everything(tf: ModuleConfig): unknown[] {
  return [
    typed(tf.resources),
    typed(tf.data),
    bodies(tf.modules),
    bodies(tf.outputs),
    bodies(tf.locals),
    Object.values(tf.providers).flatMap((list) => list.map((p) => p.body)),
    bodies(tf.variables),
  ];
}

/** Problems found by the reference checker in one module directory. */
function referenceProblems(tf: ModuleConfig): string[] {
  const problems: string[] = [];
  for (const ref of references(everything(tf))) {
    const [first, second, third] = ref.steps;
    const name = typeof first === 'string' ? first : undefined;
    if (ref.root === 'var' && name && !(name in tf.variables)) {
      problems.push(`var.${name} is not declared`);
    } else if (ref.root === 'local' && name && !(name in tf.locals)) {
      problems.push(`local.${name} is not defined`);
    } else if (ref.root.startsWith('aws_') && name && !tf.resources[ref.root]?.[name]) {
      problems.push(`${ref.root}.${name} is not declared`);
    } else if (ref.root === 'data' && name && typeof second === 'string' && !tf.data[name]?.[second]) {
      problems.push(`data.${name}.${second} is not declared`);
    } else if (ref.root === 'module' && name) {
      const call = tf.modules[name];
      // module.m.output, or module.m["key"].output for an instance of a module with for_each.
      const output = typeof second === 'string' ? second : typeof third === 'string' ? third : undefined;
      if (!call) {
        problems.push(`module.${name} is not declared`);
      } else if (output) {
        const target = dirs[path.resolve(tf.dir, String(call.body.source))];
        if (target && !(output in target.outputs)) {
          problems.push(`module.${name} has no output "${output}"`);
        }
      }
    }
  }
  return [...new Set(problems)];
}

/** Problems of the local module calls of one directory (unknown or missing arguments). */
function moduleCallProblems(tf: ModuleConfig): string[] {
  const problems: string[] = [];
  const meta = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on']);
  for (const [name, call] of Object.entries(tf.modules)) {
    const target = dirs[path.resolve(tf.dir, String(call.body.source))];
    if (!target) {
      problems.push(`module.${name}: source ${String(call.body.source)} is not a local module`);
      continue;
    }
    for (const arg of Object.keys(call.body).filter((a) => !meta.has(a))) {
      if (!(arg in target.variables)) {
        problems.push(`module.${name}: "${arg}" is not a variable of ${relOf(target)}`);
      }
    }
    for (const [variableName, variable] of Object.entries(target.variables)) {
      if (!('default' in variable.body) && !(variableName in call.body)) {
        problems.push(`module.${name}: required variable "${variableName}" of ${relOf(target)} is not passed`);
      }
    }
  }
  return problems;
}

describe('HCL files', () => {
  it('finds the modules and the five stacks', () => {
    const rels = Object.values(dirs).map(relOf);
    for (const module of ['naming', 'tm-env', 'account', 'nodejs-lambda', 'queue-with-dlq', 'state-machine']) {
      expect(rels).toContain(`modules/${module}`);
    }
    for (const stack of STACKS) {
      expect(rels).toContain(`stacks/${stack}`);
    }
  });

  it.each(hclFiles.map((f) => [path.relative(TERRAFORM_DIR, f), f]))('%s parses', async (_rel, file) => {
    await expect(parseHclFile(file)).resolves.toBeInstanceOf(Object);
  });

  it.each(hclFiles.map((f) => [path.relative(TERRAFORM_DIR, f), f]))(
    '%s is terraform fmt-clean',
    async (_rel, file) => {
      const source = readFileSync(file, 'utf8');
      expect(await format(source)).toBe(source);
    },
  );
});

describe('references and module calls', () => {
  it('every var, local, resource, data source and module output referenced is declared', () => {
    const problems = Object.values(dirs).flatMap((tf) => referenceProblems(tf).map((p) => `${relOf(tf)}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('the reference checker catches an undeclared reference', async () => {
    const tf = await loadModuleConfig(path.join(STACKS_DIR, 'replication'));
    const [type] = Object.keys(tf.resources);
    const [resource] = Object.values(tf.resources[type]);
    resource.body = { ...resource.body, extra: '${aws_sqs_queue.nope.arn}' };
    const [call] = Object.values(tf.modules);
    call.body = { ...call.body, extra: '${var.nope} ${local.nope}' };
    expect(referenceProblems(tf)).toEqual(
      expect.arrayContaining([
        'aws_sqs_queue.nope is not declared',
        'var.nope is not declared',
        'local.nope is not defined',
      ]),
    );
    expect(moduleCallProblems(tf).some((p) => p.includes('"extra" is not a variable'))).toBe(true);
  });

  it('local module calls pass only declared variables and every required one', () => {
    const problems = Object.values(dirs).flatMap((tf) => moduleCallProblems(tf).map((p) => `${relOf(tf)}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('modules are called by relative path only', () => {
    for (const tf of Object.values(dirs)) {
      for (const call of Object.values(tf.modules)) {
        expect(String(call.body.source)).toMatch(/^\.\.\/\.\.\/modules\/[a-z-]+$/);
      }
    }
  });
});

describe('variables, locals and outputs', () => {
  it('every variable has a type and a description, and no type uses any', () => {
    for (const tf of Object.values(dirs)) {
      for (const [name, { body: variable }] of Object.entries(tf.variables)) {
        const where = `${relOf(tf)}: variable ${name}`;
        expect({ where, description: typeof variable.description }).toEqual({ where, description: 'string' });
        expect({ where, type: typeof variable.type }).toEqual({ where, type: 'string' });
        expect({ where, type: String(variable.type) }).not.toEqual({ where, type: expect.stringMatching(/\bany\b/) });
      }
    }
  });

  it('every declared variable is used', () => {
    const unused = Object.values(dirs).flatMap((tf) => {
      const used = new Set(
        references(everything(tf))
          .filter((r) => r.root === 'var')
          .map((r) => r.steps[0]),
      );
      return Object.keys(tf.variables)
        .filter((v) => !used.has(v))
        .map((v) => `${relOf(tf)}: var.${v}`);
    });
    expect(unused).toEqual([]);
  });

  // Each stack is its own root module (own state, own apply), and Terraform cannot import
  // variable declarations, so the inputs several stacks take are copied into each stack's
  // shared_variables.tf from terraform/shared/variables/ (terraform/README.md, "Choices";
  // sharedVariables.test.ts checks the copies). This checks the result, however it was made.
  it('a variable declared by several stacks is declared the same way in each', () => {
    const stacks = Object.values(dirs).filter((tf) => relOf(tf).startsWith('stacks/') && relOf(tf).split('/').length === 2);
    expect(stacks).toHaveLength(STACKS.length);
    const declarations = new Map<string, Map<string, string[]>>();
    for (const tf of stacks) {
      for (const [name, variable] of Object.entries(tf.variables)) {
        const byBody = declarations.get(name) ?? new Map<string, string[]>();
        const key = JSON.stringify(variable.body);
        byBody.set(key, [...(byBody.get(key) ?? []), relOf(tf)]);
        declarations.set(name, byBody);
      }
    }
    const drifted = [...declarations].filter(([, byBody]) => byBody.size > 1).map(([name, byBody]) => `${name}: ${[...byBody.values()].map((s) => s.join(', ')).join(' vs ')}`);
    expect(drifted).toEqual([]);
    expect(declarations.get('environment')?.values().next().value).toHaveLength(STACKS.length);
  });

  it('every output has a description', () => {
    for (const tf of Object.values(dirs)) {
      for (const [name, { body: output }] of Object.entries(tf.outputs)) {
        expect({ output: `${relOf(tf)}: ${name}`, description: typeof output.description }).toEqual({
          output: `${relOf(tf)}: ${name}`,
          description: 'string',
        });
      }
    }
  });

  it.each([...STACKS])("%s: locals in main.tf, the generated workers.tf and a worker's own <worker>.tf", (stack) => {
    const tf = dirs[path.join(STACKS_DIR, stack)];
    const workerFiles = WORKERS.filter((w) => w.stack === stack).map((w) => `${w.name}.tf`);
    const files = tf.localsBlocks.map((file) => path.basename(file));
    expect(files.filter((f) => f === 'main.tf' || f === 'workers.tf').sort()).toEqual(['main.tf', 'workers.tf']);
    expect(files.filter((f) => f !== 'main.tf' && f !== 'workers.tf' && !workerFiles.includes(f))).toEqual([]);
  });

  it.each([...STACKS])('%s: the naming module produces exactly the name tags the stack uses', (stack) => {
    const tf = dirs[path.join(STACKS_DIR, stack)];
    const naming = tf.modules.naming;
    // `concat(local.worker_name_tags, [<the stack's own>])`: the workers' tags come from workers.tf.
    const own = [...String(naming?.body.name_tags).matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    const declared = [...(tf.locals.worker_name_tags?.body as string[]), ...own].sort();
    const used = new Set<string>();
    for (const ref of references([typed(tf.resources), bodies(tf.modules), bodies(tf.outputs)])) {
      const [local, key] = ref.steps;
      if (ref.root === 'local' && (local === 'names' || local === 'name_tags') && typeof key === 'object' && typeof key.index === 'string') {
        used.add(key.index);
      }
    }
    const byEachValue = ['local.names[each.value]', 'local.name_tags[each.value]'].map(parseExpression);
    for (const m of Object.values(tf.modules).filter((c) => c.body.for_each !== undefined)) {
      // local.names[each.value] over a local map: its values are name tags too.
      const local = soleReference(m.body.for_each)?.match(/^local\.(\w+)$/)?.[1];
      const values = local ? tf.locals[local]?.body : undefined;
      const name = typeof m.body.name === 'string' ? parseStringValue(m.body.name) : undefined;
      if (values && byEachValue.some((e) => deepEqual(e, name))) {
        Object.values(values as Record<string, string>).forEach((v) => used.add(v));
      }
    }
    expect([...used].sort()).toEqual(declared);
  });
});

describe('versions', () => {
  it.each([...STACKS])('%s: terraform >= 1.5, aws ~> 6.0, S3 backend', (stack) => {
    const tf = dirs[path.join(STACKS_DIR, stack)];
    const [block] = tf.terraform.map((t) => t.body);
    expect(block.required_version).toBe('>= 1.5');
    expect(at(block, 'required_providers', 0, 'aws')).toEqual({ source: 'hashicorp/aws', version: '~> 6.0' });
    expect(Object.keys(block.backend as object)).toEqual(['s3']);
  });
});
