/**
 * The Terraform as code: every file parses and is `terraform fmt`-clean, references resolve
 * inside their module, module calls pass exactly the variables the module declares, and every
 * variable is typed, described and used. A small `terraform validate` without the binary.
 */
import { format } from '@cdktf/hcl-tools';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TfDir } from './hcl';
import {
  at,
  expressionsIn,
  listFiles,
  loadDir,
  nameKey,
  parseHclFile,
  refsIn,
  STACKS_DIR,
  TERRAFORM_DIR,
  terraformDirs,
} from './hcl';
import { STACKS } from '../../src/workers/registry';

const hclFiles = listFiles(TERRAFORM_DIR, /\.(tf|tfvars|hcl)$/);
let dirs: Record<string, TfDir>;

beforeAll(async () => {
  dirs = {};
  for (const dir of terraformDirs()) {
    dirs[dir] = await loadDir(dir);
  }
});

/** Problems found by the reference checker in one module directory. */
function referenceProblems(tf: TfDir): string[] {
  const problems: string[] = [];
  const locals = new Set(tf.locals.flatMap((l) => Object.keys(l.values)));
  const everything = [tf.resources, tf.data, tf.modules, tf.outputs, tf.locals, tf.providers, tf.variables];
  for (const expression of expressionsIn(everything)) {
    for (const ref of refsIn(expression)) {
      if (ref.kind === 'var' && !(ref.name in tf.variables)) {
        problems.push(`var.${ref.name} is not declared`);
      } else if (ref.kind === 'local' && !locals.has(ref.name)) {
        problems.push(`local.${ref.name} is not defined`);
      } else if (ref.kind === 'resource' && !tf.resources.some((r) => r.type === ref.type && r.name === ref.name)) {
        problems.push(`${ref.type}.${ref.name} is not declared`);
      } else if (ref.kind === 'data' && !tf.data.some((d) => d.type === ref.type && d.name === ref.name)) {
        problems.push(`data.${ref.type}.${ref.name} is not declared`);
      } else if (ref.kind === 'module') {
        const call = tf.modules.find((m) => m.name === ref.name);
        if (!call) {
          problems.push(`module.${ref.name} is not declared`);
        } else if (ref.output) {
          const target = dirs[path.resolve(tf.dir, String(call.body.source))];
          if (target && !(ref.output in target.outputs)) {
            problems.push(`module.${ref.name} has no output "${ref.output}"`);
          }
        }
      }
    }
  }
  return [...new Set(problems)];
}

/** Problems of the local module calls of one directory (unknown or missing arguments). */
function moduleCallProblems(tf: TfDir): string[] {
  const problems: string[] = [];
  const meta = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on']);
  for (const call of tf.modules) {
    const target = dirs[path.resolve(tf.dir, String(call.body.source))];
    if (!target) {
      problems.push(`module.${call.name}: source ${String(call.body.source)} is not a local module`);
      continue;
    }
    for (const arg of Object.keys(call.body).filter((a) => !meta.has(a))) {
      if (!(arg in target.variables)) {
        problems.push(`module.${call.name}: "${arg}" is not a variable of ${target.rel}`);
      }
    }
    for (const [name, variable] of Object.entries(target.variables)) {
      if (!('default' in variable) && !(name in call.body)) {
        problems.push(`module.${call.name}: required variable "${name}" of ${target.rel} is not passed`);
      }
    }
  }
  return problems;
}

describe('HCL files', () => {
  it('finds the modules and the five stacks', () => {
    const rels = Object.values(dirs).map((d) => d.rel);
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
    const problems = Object.values(dirs).flatMap((tf) => referenceProblems(tf).map((p) => `${tf.rel}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('the reference checker catches an undeclared reference', async () => {
    const tf = await loadDir(path.join(STACKS_DIR, 'replication'));
    tf.resources[0] = { ...tf.resources[0], body: { ...tf.resources[0].body, extra: '${aws_sqs_queue.nope.arn}' } };
    tf.modules[0] = { ...tf.modules[0], body: { ...tf.modules[0].body, extra: '${var.nope} ${local.nope}' } };
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
    const problems = Object.values(dirs).flatMap((tf) => moduleCallProblems(tf).map((p) => `${tf.rel}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('modules are called by relative path only', () => {
    for (const tf of Object.values(dirs)) {
      for (const call of tf.modules) {
        expect(String(call.body.source)).toMatch(/^\.\.\/\.\.\/modules\/[a-z-]+$/);
      }
    }
  });
});

describe('variables, locals and outputs', () => {
  it('every variable has a type and a description, and no type uses any', () => {
    for (const tf of Object.values(dirs)) {
      for (const [name, variable] of Object.entries(tf.variables)) {
        const where = `${tf.rel}: variable ${name}`;
        expect({ where, description: typeof variable.description }).toEqual({ where, description: 'string' });
        expect({ where, type: typeof variable.type }).toEqual({ where, type: 'string' });
        expect({ where, type: String(variable.type) }).not.toEqual({ where, type: expect.stringMatching(/\bany\b/) });
      }
    }
  });

  it('every declared variable is used', () => {
    const unused = Object.values(dirs).flatMap((tf) => {
      const used = new Set(
        expressionsIn([tf.resources, tf.data, tf.modules, tf.outputs, tf.locals, tf.providers, tf.variables])
          .flatMap(refsIn)
          .filter((r) => r.kind === 'var')
          .map((r) => r.name),
      );
      return Object.keys(tf.variables)
        .filter((v) => !used.has(v))
        .map((v) => `${tf.rel}: var.${v}`);
    });
    expect(unused).toEqual([]);
  });

  // Each stack is its own root module (own state, own apply), and Terraform cannot import
  // variable declarations, so the inputs every stack takes are declared in each variables.tf.
  // This keeps those copies from drifting apart (terraform/README.md, "Choices").
  it('a variable declared by several stacks is declared the same way in each', () => {
    const stacks = Object.values(dirs).filter((tf) => tf.rel.startsWith('stacks/') && tf.rel.split('/').length === 2);
    expect(stacks).toHaveLength(STACKS.length);
    const declarations = new Map<string, Map<string, string[]>>();
    for (const tf of stacks) {
      for (const [name, variable] of Object.entries(tf.variables)) {
        const byBody = declarations.get(name) ?? new Map<string, string[]>();
        const key = JSON.stringify(variable);
        byBody.set(key, [...(byBody.get(key) ?? []), tf.rel]);
        declarations.set(name, byBody);
      }
    }
    const drifted = [...declarations].filter(([, byBody]) => byBody.size > 1).map(([name, byBody]) => `${name}: ${[...byBody.values()].map((s) => s.join(', ')).join(' vs ')}`);
    expect(drifted).toEqual([]);
    expect(declarations.get('environment')?.values().next().value).toHaveLength(STACKS.length);
  });

  it('every output has a description', () => {
    for (const tf of Object.values(dirs)) {
      for (const [name, output] of Object.entries(tf.outputs)) {
        expect({ output: `${tf.rel}: ${name}`, description: typeof output.description }).toEqual({
          output: `${tf.rel}: ${name}`,
          description: 'string',
        });
      }
    }
  });

  it.each([...STACKS])('%s: one locals block, in main.tf', (stack) => {
    const tf = dirs[path.join(STACKS_DIR, stack)];
    expect(tf.locals.map((l) => l.file)).toEqual(['main.tf']);
  });

  it.each([...STACKS])('%s: the naming module produces exactly the name tags the stack uses', (stack) => {
    const tf = dirs[path.join(STACKS_DIR, stack)];
    const naming = tf.modules.find((m) => m.name === 'naming');
    const declared = [...(naming?.body.name_tags as string[])].sort();
    const used = new Set<string>();
    for (const expression of expressionsIn([tf.resources, tf.modules, tf.outputs])) {
      for (const m of expression.matchAll(/local\.(?:names|name_tags)\["([^"]+)"\]/g)) {
        used.add(m[1]);
      }
    }
    for (const m of tf.modules.filter((c) => c.body.for_each !== undefined)) {
      // local.names[each.value] over a local map: its values are name tags too.
      const local = String(m.body.for_each).match(/^\$\{local\.(\w+)\}$/)?.[1];
      const values = local ? tf.locals[0].values[local] : undefined;
      if (values && nameKey(m.body.name, { key: '', value: 'x' }) === 'x') {
        Object.values(values as Record<string, string>).forEach((v) => used.add(v));
      }
    }
    expect([...used].sort()).toEqual(declared);
  });
});

describe('versions', () => {
  it.each([...STACKS])('%s: terraform >= 1.5, aws ~> 6.0, S3 backend', (stack) => {
    const tf = dirs[path.join(STACKS_DIR, stack)];
    const [block] = tf.terraform;
    expect(block.required_version).toBe('>= 1.5');
    expect(at(block, 'required_providers', 0, 'aws')).toEqual({ source: 'hashicorp/aws', version: '~> 6.0' });
    expect(Object.keys(block.backend as object)).toEqual(['s3']);
  });
});
