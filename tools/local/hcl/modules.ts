/**
 * Terraform configurations as the local runtime reads them: every `.tf` file of a directory is
 * parsed with `@cdktf/hcl2json`, child modules (local `source` paths) are loaded the same way,
 * and a module instance evaluates variables, locals, module outputs and resource attributes
 * lazily, like a plan would. Resource attributes that AWS computes (ARNs, queue URLs) come from
 * an AttributeResolver, so the same configuration can describe the cloud or the local machine.
 */
import { parse } from '@cdktf/hcl2json';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Scope } from './evaluate';
import { evaluate } from './evaluate';
import { parseStringValue } from './syntax';
import type { Value } from './values';
import { HclEvalError, LazyObject, lazyObject, objectKeys, attribute, toList, toStringValue } from './values';

/** A block or attribute as hcl2json gives it, with the file it came from. */
export interface Located<T = Record<string, unknown>> {
  file: string;
  body: T;
}

export interface ModuleConfig {
  dir: string;
  variables: Record<string, Located>;
  locals: Record<string, Located<unknown>>;
  outputs: Record<string, Located>;
  modules: Record<string, Located>;
  resources: Record<string, Record<string, Located>>;
  data: Record<string, Record<string, Located>>;
  /** Provider blocks by provider name (several with aliases); the local run does not read them. */
  providers: Record<string, Located[]>;
  /** `terraform { ... }` blocks (required_version, required_providers, backend). */
  terraform: Located[];
  /** The file of each `locals` block, in file order. */
  localsBlocks: string[];
}

/** Every module configuration reachable from a root, by absolute directory. */
export type ConfigTree = Map<string, ModuleConfig>;

/** An evaluation failure with the chain of files and expressions that led to it. */
export class HclError extends Error {
  constructor(
    readonly reason: string,
    readonly frames: string[],
  ) {
    super(`${reason}\n${frames.map((f) => `  at ${f}`).join('\n')}`);
    this.name = 'HclError';
  }
}

/** Computes what AWS would (ARNs, URLs, ids) for resources and data sources. */
export interface AttributeResolver {
  /** Names of the computed attributes of a resource type (beyond its arguments). */
  computedKeys(type: string): string[];
  /** A computed attribute; `args` are the resource's evaluated-on-demand arguments. */
  computed(type: string, key: string, args: LazyObject, address: string): Value;
  /** A data source's attributes. */
  data(type: string, args: LazyObject, address: string): LazyObject;
}

type Blocks = Record<string, Record<string, unknown>[]>;

function addBlocks(target: Record<string, Located>, blocks: Blocks | undefined, file: string, kind: string): void {
  for (const [name, bodies] of Object.entries(blocks ?? {})) {
    if (target[name]) {
      throw new HclError(`duplicate ${kind} "${name}"`, [file]);
    }
    target[name] = { file, body: bodies[0] };
  }
}

/** Parses one HCL file (`.tf`, `.tfvars`, `.hcl`) as `@cdktf/hcl2json` gives it. */
export async function parseHclFile(file: string): Promise<Record<string, unknown>> {
  return (await parse(file, readFileSync(file, 'utf8'))) as Record<string, unknown>;
}

/** Parses the `.tf` files of one directory. */
export async function loadModuleConfig(dir: string): Promise<ModuleConfig> {
  const config: ModuleConfig = {
    dir,
    variables: {},
    locals: {},
    outputs: {},
    modules: {},
    resources: {},
    data: {},
    providers: {},
    terraform: [],
    localsBlocks: [],
  };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort();
  for (const name of files) {
    const file = path.join(dir, name);
    let json: Record<string, unknown>;
    try {
      json = await parseHclFile(file);
    } catch (error) {
      throw new HclError(`cannot parse HCL: ${(error as Error).message}`, [file]);
    }
    addBlocks(config.variables, json.variable as Blocks, file, 'variable');
    addBlocks(config.outputs, json.output as Blocks, file, 'output');
    addBlocks(config.modules, json.module as Blocks, file, 'module');
    for (const [provider, bodies] of Object.entries((json.provider as Blocks | undefined) ?? {})) {
      config.providers[provider] = [...(config.providers[provider] ?? []), ...bodies.map((body) => ({ file, body }))];
    }
    for (const body of (json.terraform as Record<string, unknown>[] | undefined) ?? []) {
      config.terraform.push({ file, body });
    }
    for (const locals of (json.locals as Record<string, unknown>[] | undefined) ?? []) {
      config.localsBlocks.push(file);
      for (const [key, value] of Object.entries(locals)) {
        config.locals[key] = { file, body: value };
      }
    }
    for (const [kind, target] of [
      ['resource', config.resources],
      ['data', config.data],
    ] as const) {
      for (const [type, blocks] of Object.entries((json[kind] as Record<string, Blocks> | undefined) ?? {})) {
        target[type] ??= {};
        addBlocks(target[type], blocks, file, `${kind} ${type}`);
      }
    }
  }
  return config;
}

/** Loads a root module and every local module it calls, recursively. */
export async function loadConfigTree(rootDir: string, tree: ConfigTree = new Map()): Promise<ConfigTree> {
  const dir = path.resolve(rootDir);
  if (tree.has(dir)) {
    return tree;
  }
  const config = await loadModuleConfig(dir);
  tree.set(dir, config);
  for (const [name, call] of Object.entries(config.modules)) {
    const source = call.body.source;
    if (typeof source !== 'string' || !source.startsWith('.')) {
      throw new HclError(`module "${name}": only local module sources (./ or ../) are supported, got ${JSON.stringify(source)}`, [call.file]);
    }
    await loadConfigTree(path.resolve(dir, source), tree);
  }
  return tree;
}

/** Meta-arguments of resource and data blocks, which are not attributes of the resource. */
const META_ARGUMENTS = new Set(['for_each', 'count', 'provider', 'depends_on', 'lifecycle', 'provisioner', 'connection']);
/** Meta-arguments of module calls, which are not inputs of the module. */
const MODULE_META_ARGUMENTS = new Set(['source', 'version', 'for_each', 'count', 'providers', 'depends_on']);

/** One resource instance after count/for_each expansion. */
export interface ResourceInstance {
  /** Terraform address, e.g. `module.save_entries_queue.aws_sqs_queue.this`. */
  address: string;
  type: string;
  name: string;
  file: string;
  /** Arguments and computed attributes, evaluated on read. */
  attributes: LazyObject;
  /** The module instance the resource belongs to. */
  module: ModuleInstance;
}

/** Instance keys of a block with count or for_each, or [undefined] for a single instance. */
type Expansion = { key: string | number | undefined; each?: { key: Value; value: Value }; count?: number }[];

/** A module instance: the root stack, or one instance of a module call. */
export class ModuleInstance {
  private readonly namespaces = new Map<string, Value>();

  constructor(
    readonly tree: ConfigTree,
    readonly config: ModuleConfig,
    /** `''` for the root module, else `module.a.module.b["key"]`. */
    readonly address: string,
    private readonly inputs: (name: string) => Value | undefined,
    readonly rootDir: string,
    readonly resolver: AttributeResolver,
  ) {}

  /** The module instance's scope, optionally with `each`/`count` of an expanded block. */
  scope(extra: Record<string, Value> = {}): Scope {
    return {
      baseDir: this.rootDir,
      lookup: (name) => (name in extra ? extra[name] : this.lookup(name)),
    };
  }

  /** Evaluates a raw hcl2json value (strings are templates) in `scope`, adding `file` to any error. */
  evalRaw(raw: unknown, scope: Scope, file: string): Value {
    if (typeof raw === 'string') {
      try {
        return evaluate(parseStringValue(raw), scope);
      } catch (error) {
        const where = `${path.relative(process.cwd(), file) || file}: ${raw.length > 160 ? `${raw.slice(0, 160)}...` : raw}`;
        if (error instanceof HclError) {
          throw new HclError(error.reason, [...error.frames, where]);
        }
        throw new HclError((error as Error).message, [where]);
      }
    }
    if (Array.isArray(raw)) {
      return raw.map((item) => this.evalRaw(item, scope, file));
    }
    if (raw !== null && typeof raw === 'object') {
      return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, this.evalRaw(v, scope, file)]));
    }
    return raw as Value;
  }

  private prefix(): string {
    return this.address ? `${this.address}.` : '';
  }

  lookup(name: string): Value {
    const cached = this.namespaces.get(name);
    if (cached !== undefined) {
      return cached;
    }
    const value = this.namespace(name);
    this.namespaces.set(name, value);
    return value;
  }

  private namespace(name: string): Value {
    const { config } = this;
    switch (name) {
      case 'var':
        return lazyObject(`${this.prefix()}var`, Object.keys(config.variables), (v) => this.variable(v));
      case 'local':
        return lazyObject(`${this.prefix()}local`, Object.keys(config.locals), (l) =>
          this.evalRaw(config.locals[l].body, this.scope(), config.locals[l].file),
        );
      case 'module':
        return lazyObject(`${this.prefix()}module`, Object.keys(config.modules), (m) => this.moduleValue(m));
      case 'data':
        return lazyObject(`${this.prefix()}data`, Object.keys(config.data), (type) =>
          lazyObject(`data.${type}`, Object.keys(config.data[type]), (n) => {
            const block = config.data[type][n];
            const args = this.argumentsOf(block, this.scope(), `${this.prefix()}data.${type}.${n}`);
            return this.resolver.data(type, args, `${this.prefix()}data.${type}.${n}`);
          }),
        );
      case 'path':
        return { module: config.dir, root: this.rootDir, cwd: this.rootDir };
      case 'terraform':
        return { workspace: 'default' };
      default:
        if (config.resources[name]) {
          return lazyObject(`${this.prefix()}${name}`, Object.keys(config.resources[name]), (n) => this.resourceValue(name, n));
        }
        throw new HclEvalError(`unknown name "${name}" in ${this.address || 'the root module'}`);
    }
  }

  private variable(name: string): Value {
    const given = this.inputs(name);
    if (given !== undefined) {
      return given;
    }
    const decl = this.config.variables[name];
    if ('default' in decl.body) {
      return this.evalRaw(decl.body.default, this.scope(), decl.file);
    }
    throw new HclError(`variable "${name}" has no value and no default`, [`${decl.file}: variable "${name}"`]);
  }

  private expand(block: Located, scope: Scope): Expansion {
    const { body, file } = block;
    if (body.for_each !== undefined) {
      const collection = this.evalRaw(body.for_each, scope, file);
      if (Array.isArray(collection)) {
        return collection.map((v) => {
          const key = toStringValue(v, 'for_each element');
          return { key, each: { key, value: key } };
        });
      }
      return objectKeys(collection).map((key) => ({ key, each: { key, value: attribute(collection, key) } }));
    }
    if (body.count !== undefined) {
      const count = Number(this.evalRaw(body.count, scope, file));
      return Array.from({ length: count }, (_, index) => ({ key: index, count: index }));
    }
    return [{ key: undefined }];
  }

  private static keySuffix(key: string | number | undefined): string {
    return key === undefined ? '' : typeof key === 'number' ? `[${key}]` : `[${JSON.stringify(key)}]`;
  }

  private instanceScope(e: Expansion[number]): Scope {
    const extra: Record<string, Value> = {};
    if (e.each) {
      extra.each = e.each;
    }
    if (e.count !== undefined) {
      extra.count = { index: e.count };
    }
    return this.scope(extra);
  }

  /** Arguments of a block as a lazy object (meta-arguments excluded). */
  private argumentsOf(block: Located, scope: Scope, describe: string, extraKeys: string[] = [], extra?: (key: string) => Value): LazyObject {
    const argKeys = Object.keys(block.body).filter((k) => !META_ARGUMENTS.has(k));
    const keys = [...new Set([...argKeys, ...extraKeys])];
    const compute = (key: string): Value =>
      argKeys.includes(key) ? this.evalRaw(block.body[key], scope, block.file) : extra!(key);
    return new LazyObject(describe, () => keys, compute);
  }

  private resourceInstances(type: string, name: string): { key: string | number | undefined; attributes: LazyObject; address: string }[] {
    const block = this.config.resources[type][name];
    return this.expand(block, this.scope()).map((e) => {
      const address = `${this.prefix()}${type}.${name}${ModuleInstance.keySuffix(e.key)}`;
      // Computed attributes may read the resource's own arguments (an ARN from its name).
      const attributes: LazyObject = this.argumentsOf(block, this.instanceScope(e), address, this.resolver.computedKeys(type), (key) =>
        this.resolver.computed(type, key, attributes, address),
      );
      return { key: e.key, attributes, address };
    });
  }

  private resourceValue(type: string, name: string): Value {
    const block = this.config.resources[type][name];
    const instances = this.resourceInstances(type, name);
    return collect(block, instances.map((i) => [i.key, i.attributes]));
  }

  /** Instances of a module call, each with its evaluated-on-demand inputs. */
  moduleInstances(name: string): { key: string | number | undefined; instance: ModuleInstance }[] {
    const call = this.config.modules[name];
    const dir = path.resolve(this.config.dir, String(call.body.source));
    const child = this.tree.get(dir);
    if (!child) {
      throw new HclError(`module "${name}" was not loaded (${dir})`, [call.file]);
    }
    return this.expand(call, this.scope()).map((e) => {
      const scope = this.instanceScope(e);
      const address = `${this.prefix()}module.${name}${ModuleInstance.keySuffix(e.key)}`;
      const cache = new Map<string, Value>();
      const inputs = (input: string): Value | undefined => {
        if (!(input in call.body) || MODULE_META_ARGUMENTS.has(input)) {
          return undefined;
        }
        if (!cache.has(input)) {
          cache.set(input, this.evalRaw(call.body[input], scope, call.file));
        }
        return cache.get(input);
      };
      return { key: e.key, instance: new ModuleInstance(this.tree, child, address, inputs, this.rootDir, this.resolver) };
    });
  }

  /** The outputs of this instance as a lazy object. */
  outputs(): LazyObject {
    return lazyObject(this.address || 'root module', Object.keys(this.config.outputs), (o) => {
      const out = this.config.outputs[o];
      return this.evalRaw(out.body.value, this.scope(), out.file);
    });
  }

  private moduleValue(name: string): Value {
    return collect(
      this.config.modules[name],
      this.moduleInstances(name).map((i) => [i.key, i.instance.outputs()]),
    );
  }

  /** Every instance of a resource of one of `types` in this module and its children. */
  *resources(types: ReadonlySet<string>): Generator<ResourceInstance> {
    for (const [type, blocks] of Object.entries(this.config.resources)) {
      if (!types.has(type)) {
        continue;
      }
      for (const [name, block] of Object.entries(blocks)) {
        for (const i of this.resourceInstances(type, name)) {
          yield { address: i.address, type, name, file: block.file, attributes: i.attributes, module: this };
        }
      }
    }
    for (const name of Object.keys(this.config.modules)) {
      for (const { instance } of this.moduleInstances(name)) {
        yield* instance.resources(types);
      }
    }
  }
}

/** The value of a block reference: one instance, a list (count) or a map (for_each). */
function collect(block: Located, instances: [string | number | undefined, Value][]): Value {
  if (block.body.for_each !== undefined) {
    return Object.fromEntries(instances.map(([k, v]) => [String(k), v]));
  }
  if (block.body.count !== undefined) {
    return instances.map(([, v]) => v);
  }
  return instances[0][1];
}

/** Reads a `.tfvars` file into plain values (literal values only, as Terraform requires). */
export async function readTfvars(file: string): Promise<Record<string, unknown>> {
  return parseHclFile(file);
}

/** The root module of a stack directory, with `variables` as its inputs. */
export async function loadStack(
  stackDir: string,
  variables: Record<string, unknown>,
  resolver: AttributeResolver,
  tree?: ConfigTree,
): Promise<ModuleInstance> {
  const loaded = await loadConfigTree(stackDir, tree);
  const dir = path.resolve(stackDir);
  const config = loaded.get(dir)!;
  return new ModuleInstance(
    loaded,
    config,
    '',
    (name) => (name in variables ? (variables[name] as Value) : undefined),
    dir,
    resolver,
  );
}

/** Ensures a value is a list of strings (e.g. function_response_types). */
export const stringList = (value: Value, what: string): string[] =>
  value === null ? [] : toList(value, what).map((v) => toStringValue(v, what));
