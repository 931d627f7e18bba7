/**
 * Reads the project's Terraform the way the infrastructure tests need it: every directory parsed
 * with @cdktf/hcl2json, blocks flattened into lists, and a small resolver that turns expressions
 * such as `module.save_entries_queue.queue_arn` into the resource they point at
 * (`queue:save-entries`). No terraform binary and nothing outside the repository is needed.
 */
import { parse } from '@cdktf/hcl2json';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const TERRAFORM_DIR = path.join(REPO_ROOT, 'terraform');
export const STACKS_DIR = path.join(TERRAFORM_DIR, 'stacks');
export const MODULES_DIR = path.join(TERRAFORM_DIR, 'modules');

/** Parsed HCL body: attributes are JSON values, expressions are strings of the form "${...}". */
export type Body = Record<string, unknown>;

export interface Block {
  /** Resource/data type (`aws_sqs_queue`), or the module/variable/output name for those kinds. */
  type: string;
  name: string;
  body: Body;
  file: string;
}

export interface TfDir {
  dir: string;
  /** Path relative to terraform/. */
  rel: string;
  files: string[];
  resources: Block[];
  data: Block[];
  modules: Block[];
  variables: Record<string, Body>;
  outputs: Record<string, Body>;
  /** One entry per `locals` block, with the file it is in. */
  locals: { file: string; values: Body }[];
  providers: Block[];
  terraform: Body[];
}

/** Every file under `dir` whose name matches `pattern`, skipping hidden directories. */
export function listFiles(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) {
      continue;
    }
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...listFiles(full, pattern));
    } else if (pattern.test(entry.name)) {
      out.push(full);
    }
  }
  return out.sort();
}

/**
 * Walks a parsed value along object keys and array indexes; undefined where the path ends.
 * at(body, 'destination_config', 0, 'on_failure', 0, 'destination_arn')
 */
export function at(value: unknown, ...steps: (string | number)[]): unknown {
  let current = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/** Parses one HCL file (.tf, .tfvars, .hcl) to JSON. */
export async function parseHclFile(file: string): Promise<Record<string, unknown>> {
  return parse(path.basename(file), readFileSync(file, 'utf8'));
}

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Loads every .tf file of one directory (not recursive), as Terraform sees one module. */
export async function loadDir(dir: string): Promise<TfDir> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.tf') && statSync(path.join(dir, f)).isFile())
    .sort();
  const tf: TfDir = {
    dir,
    rel: path.relative(TERRAFORM_DIR, dir),
    files,
    resources: [],
    data: [],
    modules: [],
    variables: {},
    outputs: {},
    locals: [],
    providers: [],
    terraform: [],
  };
  for (const file of files) {
    const json = await parseHclFile(path.join(dir, file));
    for (const [kind, content] of Object.entries(json)) {
      if (kind === 'resource' || kind === 'data') {
        for (const [type, named] of Object.entries(content as Record<string, Record<string, Body[]>>)) {
          for (const [name, bodies] of Object.entries(named)) {
            for (const body of asArray(bodies)) {
              (kind === 'resource' ? tf.resources : tf.data).push({ type, name, body, file });
            }
          }
        }
      } else if (kind === 'module' || kind === 'provider') {
        for (const [name, bodies] of Object.entries(content as Record<string, Body[]>)) {
          for (const body of asArray(bodies)) {
            (kind === 'module' ? tf.modules : tf.providers).push({ type: name, name, body, file });
          }
        }
      } else if (kind === 'variable' || kind === 'output') {
        for (const [name, bodies] of Object.entries(content as Record<string, Body[]>)) {
          (kind === 'variable' ? tf.variables : tf.outputs)[name] = asArray(bodies)[0];
        }
      } else if (kind === 'locals') {
        for (const values of asArray(content as Body | Body[])) {
          tf.locals.push({ file, values });
        }
      } else if (kind === 'terraform') {
        tf.terraform.push(...asArray(content as Body | Body[]));
      } else {
        throw new Error(`${tf.rel}/${file}: unexpected top-level block "${kind}"`);
      }
    }
  }
  return tf;
}

/** Every directory under terraform/ that holds .tf files. */
export function terraformDirs(): string[] {
  // terraform/shared holds the variables several stacks take, copied into each stack by
  // `npm run tf:variables`: a source, not a module (its copies are checked in each stack).
  const shared = path.join(TERRAFORM_DIR, 'shared');
  return [...new Set(listFiles(TERRAFORM_DIR, /\.tf$/).map((f) => path.dirname(f)))]
    .filter((dir) => !dir.startsWith(shared + path.sep))
    .sort();
}

/** All `${...}` expressions inside a parsed value, outermost only (nested braces balanced). */
export function expressionsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    let i = value.indexOf('${');
    while (i >= 0) {
      let depth = 0;
      let j = i + 1;
      for (; j < value.length; j += 1) {
        if (value[j] === '{') {
          depth += 1;
        } else if (value[j] === '}') {
          depth -= 1;
          if (depth === 0) {
            break;
          }
        }
      }
      out.push(value.slice(i + 2, j));
      i = value.indexOf('${', j);
    }
  } else if (Array.isArray(value)) {
    value.forEach((v) => expressionsIn(v, out));
  } else if (value && typeof value === 'object') {
    Object.values(value).forEach((v) => expressionsIn(v, out));
  }
  return out;
}

export type Ref =
  | { kind: 'var' | 'local'; name: string }
  | { kind: 'module'; name: string; key?: string; output?: string }
  | { kind: 'data' | 'resource'; type: string; name: string; attr?: string };

/** References made by an expression (var, local, module, data and aws_ resources). */
export function refsIn(expression: string): Ref[] {
  const refs: Ref[] = [];
  for (const m of expression.matchAll(/(?<![\w.])(var|local)\.([A-Za-z_][\w-]*)/g)) {
    refs.push({ kind: m[1] as 'var' | 'local', name: m[2] });
  }
  for (const m of expression.matchAll(/(?<![\w.])module\.([\w-]+)(?:\["([^"]+)"\])?(?:\.([\w-]+))?/g)) {
    refs.push({ kind: 'module', name: m[1], key: m[2], output: m[3] });
  }
  for (const m of expression.matchAll(/(?<![\w.])data\.([a-z]\w*)\.([\w-]+)/g)) {
    refs.push({ kind: 'data', type: m[1], name: m[2] });
  }
  for (const m of expression.matchAll(/(?<![\w.])(aws_\w+)\.([\w-]+)(?:\[[^\]]*\])?(?:\.([\w-]+))?/g)) {
    refs.push({ kind: 'resource', type: m[1], name: m[2], attr: m[3] });
  }
  return refs;
}

/** The expression of a value that is exactly one interpolation ("${x}" -> "x"), else undefined. */
export function soleExpression(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('${') || !value.endsWith('}')) {
    return undefined;
  }
  const [only] = expressionsIn(value);
  return only !== undefined && `\${${only}}` === value ? only.trim() : undefined;
}

/** Evaluates `jsonencode({ ... })` with literal contents to the JSON value it produces. */
export async function evalJsonencode(value: unknown): Promise<unknown> {
  const expression = soleExpression(value);
  const inner = expression?.match(/^jsonencode\(([\s\S]*)\)$/)?.[1];
  if (inner === undefined) {
    throw new Error(`not a jsonencode(...) expression: ${String(value)}`);
  }
  const parsed = (await parse('expression.hcl', `value = ${inner}\n`)) as { value: unknown };
  return parsed.value;
}

/**
 * Sums an arithmetic expression of `+` terms: number literals and references looked up in
 * `values` (e.g. { 'module.saveEntries.timeout': 30, 'var.two_second_buffer': 2 }).
 */
export function evalSum(value: unknown, values: Record<string, number>): number {
  if (typeof value === 'number') {
    return value;
  }
  const expression = soleExpression(value);
  if (expression === undefined) {
    throw new Error(`not an expression: ${String(value)}`);
  }
  return expression.split('+').reduce((sum, raw) => {
    const term = raw.trim();
    if (/^\d+$/.test(term)) {
      return sum + Number(term);
    }
    if (!(term in values)) {
      throw new Error(`no value for "${term}" in ${expression}`);
    }
    return sum + values[term];
  }, 0);
}

/** The key `k` of `local.names["k"]` / `local.name_tags["k"]` in a value, if it is one. */
export function nameKey(value: unknown, each?: { key: string; value: string }): string | undefined {
  const expression = soleExpression(value);
  if (!expression) {
    return undefined;
  }
  const literal = expression.match(/^local\.(?:names|name_tags)\["([^"]+)"\]$/);
  if (literal) {
    return literal[1];
  }
  const viaEach = expression.match(/^local\.(?:names|name_tags)\[each\.(key|value)\]$/);
  if (viaEach && each) {
    return viaEach[1] === 'key' ? each.key : each.value;
  }
  return undefined;
}

/** Module calls of a directory whose source ends with modules/<moduleName>. */
export function moduleCalls(tf: TfDir, moduleName: string): Block[] {
  return tf.modules.filter((m) => String(m.body.source).endsWith(`modules/${moduleName}`));
}

/** Value of one local (the stack's single locals block). */
export function localValue(tf: TfDir, name: string): unknown {
  const found = tf.locals.find((l) => name in l.values);
  if (!found) {
    throw new Error(`${tf.rel}: local.${name} is not defined`);
  }
  return found.values[name];
}

/** One queue of a stack: a queue-with-dlq instance, its DLQ, or a plain aws_sqs_queue. */
export interface QueueInstance {
  nameTag: string;
  kind: 'main' | 'dlq' | 'plain';
  /** The queue-with-dlq module call (main and dlq) or the aws_sqs_queue resource (plain). */
  block: Block;
  /** for_each key of the module instance. */
  key?: string;
}

/**
 * A reference resolved to what it points at: `queue:<name-tag>`, `topic:<name-tag>`,
 * `secret:<name-tag|service-jwt|mongo-uri>`, `function:<workerName>`, `stateMachine:<name-tag>`,
 * `rule:<name-tag>`, `table:demand-table`, `stream:demand-table`, `role:<workerName>`.
 */
export interface Target {
  token: string;
  /** The attribute used: arn, url, name, ... (module output or resource attribute). */
  attr?: string;
}

const VARIABLE_TARGETS: Record<string, Target> = {
  'var.demand_table_stream_arn': { token: 'stream:demand-table', attr: 'arn' },
  'local.demand_table_arn': { token: 'table:demand-table', attr: 'arn' },
  'var.service_jwt_secret_arn': { token: 'secret:service-jwt', attr: 'arn' },
  'var.mongo_uri_secret_arn': { token: 'secret:mongo-uri', attr: 'arn' },
  'local.verdict_reporter_queue_arn': { token: 'queue:verdict-reporter', attr: 'arn' },
  'var.verdict_reporter_queue_url': { token: 'queue:verdict-reporter', attr: 'url' },
  'var.ccpa_role_arns': { token: 'roles:ccpa', attr: 'arn' },
  // A value, not a resource: the environment's IDV issuer public key (PEM).
  'var.idv_public_key': { token: 'key:idv-issuer', attr: 'pem' },
};

/** A stack directory with the lookups the contract and seed tests share. */
export class Stack {
  readonly queues: QueueInstance[];

  constructor(
    readonly name: string,
    readonly tf: TfDir,
  ) {
    this.queues = this.collectQueues();
  }

  /** Literal keys of a for_each expression (a local map or set, or a module's instances). */
  forEachEntries(forEach: unknown): { key: string; value: string }[] {
    const expression = soleExpression(forEach);
    const local = expression?.match(/^local\.(\w+)$/);
    if (local) {
      const value = localValue(this.tf, local[1]);
      if (Array.isArray(value)) {
        return value.map((v) => ({ key: String(v), value: String(v) }));
      }
      return Object.entries(value as Record<string, unknown>).map(([key, v]) => ({ key, value: String(v) }));
    }
    const mod = expression?.match(/^module\.([\w-]+)$/);
    if (mod) {
      const call = this.module(mod[1]);
      return this.forEachEntries(call.body.for_each).map((e) => ({
        key: e.key,
        value: `module.${mod[1]}["${e.key}"]`,
      }));
    }
    throw new Error(`${this.name}: cannot expand for_each ${String(forEach)}`);
  }

  module(name: string): Block {
    const found = this.tf.modules.find((m) => m.name === name);
    if (!found) {
      throw new Error(`${this.name}: no module "${name}"`);
    }
    return found;
  }

  resourcesOf(type: string): Block[] {
    return this.tf.resources.filter((r) => r.type === type);
  }

  resource(type: string, name: string): Block {
    const found = this.tf.resources.find((r) => r.type === type && r.name === name);
    if (!found) {
      throw new Error(`${this.name}: no ${type}.${name}`);
    }
    return found;
  }

  /** Function modules (nodejs-lambda calls), keyed by module name = registry worker name. */
  get functions(): Record<string, Block> {
    return Object.fromEntries(moduleCalls(this.tf, 'nodejs-lambda').map((m) => [m.name, m]));
  }

  private collectQueues(): QueueInstance[] {
    const queues: QueueInstance[] = [];
    for (const call of moduleCalls(this.tf, 'queue-with-dlq')) {
      const instances = call.body.for_each === undefined ? [undefined] : this.forEachEntries(call.body.for_each);
      for (const each of instances) {
        const nameTag = nameKey(call.body.name, each);
        if (!nameTag) {
          throw new Error(`${this.name}: module.${call.name} is not named through local.names`);
        }
        queues.push({ nameTag, kind: 'main', block: call, key: each?.key });
        queues.push({ nameTag: `${nameTag}-dlq`, kind: 'dlq', block: call, key: each?.key });
      }
    }
    for (const queue of this.resourcesOf('aws_sqs_queue')) {
      const nameTag = nameKey(queue.body.name);
      if (!nameTag) {
        throw new Error(`${this.name}: aws_sqs_queue.${queue.name} is not named through local.names`);
      }
      queues.push({ nameTag, kind: 'plain', block: queue });
    }
    return queues;
  }

  queue(nameTag: string): QueueInstance | undefined {
    return this.queues.find((q) => q.nameTag === nameTag);
  }

  private queueModuleTargets(moduleName: string, key: string | undefined, output: string | undefined): Target[] {
    const dlq = output?.startsWith('dlq_');
    const attr = output?.replace(/^(queue|dlq)_/, '');
    return this.queues
      .filter((q) => q.block.name === moduleName && q.kind !== 'plain' && (key === undefined || q.key === key))
      .filter((q) => (dlq ? q.kind === 'dlq' : q.kind === 'main'))
      .map((q) => ({ token: `queue:${q.nameTag}`, attr }));
  }

  /**
   * What an expression points at. `each` is the for_each context of the block the expression
   * is in (as returned by forEachEntries).
   */
  resolve(value: unknown, each?: { key: string; value: string }): Target[] {
    const targets: Target[] = [];
    for (const raw of expressionsIn(value)) {
      let expression = raw;
      if (each) {
        expression = expression.replace(/\beach\.value\b/g, each.value).replace(/\beach\.key\b/g, `"${each.key}"`);
      }
      for (const [ref, target] of Object.entries(VARIABLE_TARGETS)) {
        if (new RegExp(`(?<![\\w.])${ref.replace('.', '\\.')}(?![\\w])`).test(expression)) {
          targets.push(target);
        }
      }
      for (const ref of refsIn(expression)) {
        if (ref.kind === 'module') {
          const call = this.tf.modules.find((m) => m.name === ref.name);
          const source = String(call?.body.source ?? '');
          if (source.endsWith('nodejs-lambda')) {
            const role = ref.output?.startsWith('role_');
            targets.push({
              token: `${role ? 'role' : 'function'}:${ref.name}`,
              attr: ref.output?.replace(/^(function|role)_/, ''),
            });
          } else if (source.endsWith('queue-with-dlq')) {
            // `[for q in module.m : q.queue_arn]` uses every instance, with the attribute after the loop variable.
            const output = ref.output ?? expression.match(/:\s*\w+\.((?:queue|dlq)_\w+)/)?.[1];
            targets.push(...this.queueModuleTargets(ref.name, ref.key, output));
          } else if (source.endsWith('state-machine') && call) {
            targets.push({ token: `stateMachine:${nameKey(call.body.name)}`, attr: ref.output });
          }
        } else if (ref.kind === 'resource') {
          const block = this.tf.resources.find((r) => r.type === ref.type && r.name === ref.name);
          const tag = block ? nameKey(block.body.name) : undefined;
          const kind: Record<string, string> = {
            aws_sqs_queue: 'queue',
            aws_sns_topic: 'topic',
            aws_secretsmanager_secret: 'secret',
            aws_cloudwatch_event_rule: 'rule',
          };
          if (tag && kind[ref.type]) {
            targets.push({ token: `${kind[ref.type]}:${tag}`, attr: ref.attr });
          }
        }
      }
    }
    return targets;
  }

  /** Tokens only, sorted and de-duplicated. */
  tokens(value: unknown, each?: { key: string; value: string }): string[] {
    return [...new Set(this.resolve(value, each).map((t) => t.token))].sort();
  }
}

/** Loads one stack under terraform/stacks. */
export async function loadStack(name: string): Promise<Stack> {
  return new Stack(name, await loadDir(path.join(STACKS_DIR, name)));
}

/** The environment directories of a stack: tm-<account>/<env>. */
export function environmentDirs(stack: string): { account: string; env: string; dir: string }[] {
  const stackDir = path.join(STACKS_DIR, stack);
  return readdirSync(stackDir)
    .filter((d) => d.startsWith('tm-'))
    .flatMap((account) =>
      readdirSync(path.join(stackDir, account)).map((env) => ({
        account,
        env,
        dir: path.join(stackDir, account, env),
      })),
    );
}
