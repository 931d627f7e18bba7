/**
 * The stacks as the infrastructure tests read them, through the local run's one Terraform reader
 * (tools/local/hcl, tools/local/wiring): each stack's configuration as loaded (raw arguments, for
 * tests about how the Terraform is written), its root module evaluated with test variables, and
 * its wiring model. What an expression points at is found by evaluating it and recognising the
 * value: `module.save_entries_queue.queue_arn` evaluates to the ARN of the queue named
 * `<prefix>-save-entries`, which is `queue:save-entries`.
 */
import path from 'node:path';
import type {
  ConfigTree,
  Located,
  ModuleConfig,
  ModuleInstance,
  ResourceInstance,
} from '../../tools/local/hcl/modules';
import { loadStack } from '../../tools/local/hcl/modules';
import { expressionReferences, referenceText } from '../../tools/local/hcl/references';
import { parseStringValue } from '../../tools/local/hcl/syntax';
import type { Value } from '../../tools/local/hcl/values';
import { force } from '../../tools/local/hcl/values';
import { loadWiring, localResolver } from '../../tools/local/wiring/load';
import type { WiringModel } from '../../tools/local/wiring/model';
import { localStackVariables, placeholderVariables } from '../../tools/local/wiring/variables';
import { STACKS_DIR, TERRAFORM_DIR } from './hcl';

/** Values of the variables CI passes, recognisable when an expression evaluates to them. */
const EXTERNAL = {
  verdictReporterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/111111111111/verdict-reporter',
  ccpaRoleArn: 'arn:aws:iam::111111111111:role/ccpa-reader',
  idvPublicKey: '-----BEGIN PUBLIC KEY-----\nidv-issuer\n-----END PUBLIC KEY-----\n',
};

const resolver = localResolver({
  region: 'us-east-1',
  accountId: '000000000000',
  queueUrl: (name) => `http://127.0.0.1:4566/000000000000/${name}`,
});

/** Variables a stack is evaluated with: the local run's, with the CI-only values set. */
async function testVariables(stack: string): Promise<Record<string, unknown>> {
  return {
    ...(await localStackVariables(TERRAFORM_DIR, stack, placeholderVariables())),
    verdict_reporter_queue_url: EXTERNAL.verdictReporterQueueUrl,
    ccpa_role_arns: [EXTERNAL.ccpaRoleArn],
    idv_public_key: EXTERNAL.idvPublicKey,
  };
}

/** The traversal a raw value is and nothing else (`"${module.a.b}"` -> `module.a.b`), as text. */
export function soleReference(raw: unknown): string | undefined {
  if (typeof raw !== 'string') {
    return undefined;
  }
  const expr = parseStringValue(raw);
  const refs = expressionReferences(expr);
  // Only a pure traversal: a computed index (`local.names[each.value]`) is more than one reference.
  if (refs.length !== 1 || !['variable', 'getattr', 'index'].includes(expr.kind)) {
    return undefined;
  }
  return referenceText(refs[0]);
}

/** What a value points at: `queue:<name-tag>`, `function:<worker>`, ... and which attribute of it. */
export interface Target {
  token: string;
  attr?: string;
}

/** A for_each instance: `each.key` and `each.value`. */
export interface Each {
  key: string;
  value: Value;
}

/** One queue of a stack: a queue-with-dlq instance, its DLQ, or a plain aws_sqs_queue. */
export interface QueueInstance {
  nameTag: string;
  kind: 'main' | 'dlq' | 'plain';
  /** The module call (main, dlq) or resource name (plain), and its configuration. */
  name: string;
  block: Located;
  /** for_each key of the module instance. */
  key?: string;
  /** The module instance (main, dlq), whose `var` holds the call's evaluated arguments. */
  instance?: ModuleInstance;
}

const flatStrings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(flatStrings)
      : value !== null && typeof value === 'object'
        ? Object.values(value).flatMap(flatStrings)
        : [];

/** One stack: configuration, evaluated root module and wiring model. */
export class Stack {
  readonly queues: QueueInstance[] = [];
  private readonly targets = new Map<string, Target[]>();
  /** Name tag by resource name and by Name tag value (module.naming's names and name_tags). */
  private readonly tags = new Map<string, string>();

  constructor(
    readonly name: string,
    readonly config: ModuleConfig,
    readonly root: ModuleInstance,
    readonly model: WiringModel,
  ) {
    const naming = this.root.moduleInstances('naming')[0].instance.outputs();
    for (const output of ['names', 'name_tags']) {
      for (const [tag, value] of Object.entries(force(naming.get(output)) as Record<string, string>)) {
        this.tags.set(value, tag);
      }
    }
    this.collect();
  }

  get dir(): string {
    return this.config.dir;
  }

  /** The name tag a resource name or Name tag value was made from (through module.naming), if any. */
  nameTag(value: unknown): string | undefined {
    return typeof value === 'string' ? this.tags.get(value) : undefined;
  }

  /** Module calls whose source is modules/<moduleName>, by call name. */
  moduleCalls(moduleName: string): Record<string, Located> {
    return Object.fromEntries(
      Object.entries(this.config.modules).filter(([, call]) =>
        String(call.body.source).endsWith(`modules/${moduleName}`),
      ),
    );
  }

  /** Function modules (nodejs-lambda calls), keyed by module name = registry worker name. */
  get functions(): Record<string, Located> {
    return this.moduleCalls('nodejs-lambda');
  }

  /** The single instance of a module call. */
  module(name: string): ModuleInstance {
    const instances = this.root.moduleInstances(name);
    if (instances.length !== 1) {
      throw new Error(`${this.name}: module.${name} has ${instances.length} instances`);
    }
    return instances[0].instance;
  }

  /** An argument of a module call as the module sees it (evaluated, or its default). */
  input(module: string, name: string): unknown {
    return force((this.module(module).lookup('var') as { get(k: string): Value }).get(name));
  }

  /** An argument of a queue's module call as the queue module sees it (evaluated). */
  queueInput(queue: QueueInstance, name: string): unknown {
    if (!queue.instance) {
      throw new Error(`${this.name}: queue ${queue.nameTag} is not a queue-with-dlq instance`);
    }
    return force((queue.instance.lookup('var') as { get(k: string): Value }).get(name));
  }

  /** Raw configuration of the root resource at a model address (`aws_x.name` or `aws_x.name["key"]`). */
  blockAt(address: string): Located {
    const [, type, name] = address.match(/^([\w-]+)\.([\w-]+)(?:\[[^\]]*\])?$/) ?? [];
    if (!type) {
      throw new Error(`${this.name}: ${address} is not a resource of the root module`);
    }
    return this.resource(type, name);
  }

  /** Raw configuration of a root resource. */
  resource(type: string, name: string): Located {
    const found = this.config.resources[type]?.[name];
    if (!found) {
      throw new Error(`${this.name}: no ${type}.${name}`);
    }
    return found;
  }

  /** Root resources of a type, expanded over count/for_each and evaluated on read. */
  instancesOf(type: string): ResourceInstance[] {
    return [...this.root.resources(new Set([type]))].filter((r) => r.module === this.root);
  }

  /** An attribute of a resource instance, evaluated (undefined when unset). */
  attr(r: ResourceInstance, key: string): unknown {
    return r.attributes.has(key) ? force(r.attributes.get(key)) : undefined;
  }

  /** The for_each instances of a raw for_each expression, evaluated in the root module. */
  forEachEntries(forEach: unknown): Each[] {
    const collection = this.evaluate(forEach);
    if (Array.isArray(collection)) {
      return collection.map((v) => ({ key: String(v), value: v as Value }));
    }
    return Object.entries(collection as Record<string, Value>).map(([key, value]) => ({ key, value }));
  }

  /** A raw value of the stack's configuration evaluated in its root module (with `each`, for a for_each block). */
  evaluate(raw: unknown, each?: Each): unknown {
    const extra: Record<string, Value> = each ? { each: { key: each.key, value: each.value } } : {};
    return force(this.root.evalRaw(raw, this.root.scope(extra), path.join(this.dir, 'main.tf')));
  }

  /** What an evaluated value points at (every string in it). */
  targetsOf(value: unknown): Target[] {
    return flatStrings(value).flatMap((s) => this.targets.get(s) ?? []);
  }

  /** What a raw value of the configuration points at, once evaluated. */
  resolve(raw: unknown, each?: Each): Target[] {
    return this.targetsOf(this.evaluate(raw, each));
  }

  /** Tokens only, sorted and de-duplicated. */
  tokens(raw: unknown, each?: Each): string[] {
    return [...new Set(this.resolve(raw, each).map((t) => t.token))].sort();
  }

  /** Tokens of an evaluated value. */
  tokensOf(value: unknown): string[] {
    return [...new Set(this.targetsOf(value).map((t) => t.token))].sort();
  }

  queue(nameTag: string): QueueInstance | undefined {
    return this.queues.find((q) => q.nameTag === nameTag);
  }

  private add(value: unknown, target: Target): void {
    if (typeof value === 'string' && value !== '') {
      this.targets.set(value, [...(this.targets.get(value) ?? []), target]);
    }
  }

  private tagOf(value: unknown, what: string): string {
    const tag = this.nameTag(value);
    if (!tag) {
      throw new Error(`${this.name}: ${what} (${String(value)}) is not named through module.naming`);
    }
    return tag;
  }

  private collect(): void {
    // Functions and their roles: every output of each nodejs-lambda instance.
    for (const call of Object.keys(this.functions)) {
      const outputs = this.module(call).outputs();
      for (const output of outputs.keys()) {
        const role = output.startsWith('role_');
        const attr = output.replace(/^(function|role)_/, '');
        // A function's name is only recognised as a name (it is also a queue's, a rule's).
        this.add(force(outputs.get(output)), { token: `${role ? 'role' : 'function'}:${call}`, attr });
      }
    }
    // Queues of queue-with-dlq instances, and their DLQs.
    for (const [call, block] of Object.entries(this.moduleCalls('queue-with-dlq'))) {
      for (const { key, instance } of this.root.moduleInstances(call)) {
        const nameTag = this.tagOf(
          force((instance.lookup('var') as { get(k: string): Value }).get('name')),
          `module.${call}`,
        );
        const outputs = instance.outputs();
        const k = key === undefined ? undefined : String(key);
        this.queues.push({ nameTag, kind: 'main', name: call, block, key: k, instance });
        this.queues.push({ nameTag: `${nameTag}-dlq`, kind: 'dlq', name: call, block, key: k, instance });
        for (const output of outputs.keys().filter((o) => /^(queue|dlq)_(arn|url)$/.test(o))) {
          const dlq = output.startsWith('dlq_');
          this.add(force(outputs.get(output)), {
            token: `queue:${nameTag}${dlq ? '-dlq' : ''}`,
            attr: output.replace(/^(queue|dlq)_/, ''),
          });
        }
      }
    }
    for (const r of this.instancesOf('aws_sqs_queue')) {
      const nameTag = this.tagOf(this.attr(r, 'name'), r.address);
      this.queues.push({ nameTag, kind: 'plain', name: r.name, block: this.resource(r.type, r.name) });
      this.add(this.attr(r, 'arn'), { token: `queue:${nameTag}`, attr: 'arn' });
      this.add(this.attr(r, 'url'), { token: `queue:${nameTag}`, attr: 'url' });
    }
    // Topics, secrets, rules.
    const kinds: Record<string, string> = {
      aws_sns_topic: 'topic',
      aws_secretsmanager_secret: 'secret',
      aws_cloudwatch_event_rule: 'rule',
    };
    for (const [type, kind] of Object.entries(kinds)) {
      for (const r of this.instancesOf(type)) {
        const token = `${kind}:${this.tagOf(this.attr(r, 'name'), r.address)}`;
        this.add(this.attr(r, 'arn'), { token, attr: 'arn' });
        if (kind === 'rule') {
          // Event targets name their rule.
          this.add(this.attr(r, 'name'), { token, attr: 'name' });
        }
      }
    }
    // State machines: every string output of a state-machine instance.
    for (const call of Object.keys(this.moduleCalls('state-machine'))) {
      const instance = this.module(call);
      const token = `stateMachine:${this.tagOf(force((instance.lookup('var') as { get(k: string): Value }).get('name')), `module.${call}`)}`;
      const outputs = instance.outputs();
      for (const output of outputs.keys()) {
        this.add(force(outputs.get(output)), { token, attr: output });
      }
    }
    // What comes from outside the stack (variables CI passes, and the demand table's ARN).
    const vars = this.root.lookup('var') as { has(k: string): boolean; get(k: string): Value };
    const locals = this.root.lookup('local') as { has(k: string): boolean; get(k: string): Value };
    const external: [{ has(k: string): boolean; get(k: string): Value }, string, Target][] = [
      [vars, 'demand_table_stream_arn', { token: 'stream:demand-table', attr: 'arn' }],
      [locals, 'demand_table_arn', { token: 'table:demand-table', attr: 'arn' }],
      [vars, 'service_jwt_secret_arn', { token: 'secret:service-jwt', attr: 'arn' }],
      [vars, 'mongo_uri_secret_arn', { token: 'secret:mongo-uri', attr: 'arn' }],
      [locals, 'verdict_reporter_queue_arn', { token: 'queue:verdict-reporter', attr: 'arn' }],
      [vars, 'verdict_reporter_queue_url', { token: 'queue:verdict-reporter', attr: 'url' }],
      [vars, 'ccpa_role_arns', { token: 'roles:ccpa', attr: 'arn' }],
      // A value, not a resource: the environment's IDV issuer public key (PEM).
      [vars, 'idv_public_key', { token: 'key:idv-issuer', attr: 'pem' }],
    ];
    for (const [namespace, key, target] of external) {
      if (namespace.has(key)) {
        flatStrings(force(namespace.get(key))).forEach((v) => this.add(v, target));
      }
    }
  }
}

/** Loads every stack once (configurations parsed once for all of them), with its wiring model. */
export async function loadStacks(names: readonly string[]): Promise<Record<string, Stack>> {
  const tree: ConfigTree = new Map();
  const out: Record<string, Stack> = {};
  for (const name of names) {
    const variables = await testVariables(name);
    const root = await loadStack(path.join(STACKS_DIR, name), variables, resolver, tree);
    const model = await loadWiring({
      terraformDir: TERRAFORM_DIR,
      stacks: [name],
      variables: () => variables,
      resolver,
      tree,
    });
    out[name] = new Stack(name, root.config, root, model);
  }
  return out;
}

/** Loads one stack. */
export async function loadOneStack(name: string): Promise<Stack> {
  return (await loadStacks([name]))[name];
}
