/**
 * `npm run new-worker -- <stack> <name> --trigger <sqs|stream|direct|schedule|appsync>` adds a
 * worker in three places: its folder src/workers/<stack>/<name>/ (index.ts, <name>.ts and its
 * test), its terraform/stacks/<stack>/<name>.tf (function, trigger, IAM, what its alarms watch)
 * and its line in src/workers/registry.ts; then it rewrites what derives from the registry
 * (`npm run workers:sync`) and from the Terraform (`npm run alarms:doc`, `npm run diagram`).
 * `npm test` passes right after it and `npm start` runs the worker.
 *
 * Every check runs before the first write: an unknown stack or trigger, a name that exists, a
 * name tag another resource uses, or a stack that lacks a variable the trigger needs is an error
 * that writes nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StackName } from '../../src/workers/registry';
import { STACKS } from '../../src/workers/registry';
import { CliError, ROOT, parseCli, usageError } from '../build/toolCli';
import { loadModuleConfig } from '../local/hcl/modules';
import { readSharedGroups } from '../tf/sharedVariables';
import { REGISTRY_FILE, derivedFiles, readRegistry, workerNameTags } from './sync';
import type { Scaffold, TriggerOption } from './templates';
import { TRIGGERS, indexTs, registryEntry, registryTrigger, testTs, useCaseTs, workerTf } from './templates';

const TOOL = 'npm run new-worker --';
const USAGE = `usage: ${TOOL} <stack> <name> --trigger <${TRIGGERS.join('|')}> [--purpose "<what it does>"]

Adds a worker: src/workers/<stack>/<name>/ (index.ts, <name>.ts, <name>.test.ts),
terraform/stacks/<stack>/<name>.tf and its line in ${REGISTRY_FILE}, then updates what derives
from the registry (terraform/stacks/<stack>/workers.tf, the .gitlab-ci.yml deploy matrix).

  <stack>      ${STACKS.join(', ')}
  <name>       the worker's name, camelCase (e.g. auditEntries); its resources are named after
               its kebab-case name tag (audit-entries)
  --trigger    sqs       its own queue with a DLQ (<tag>-queue)
               stream    the demand-table change stream, with a DLQ for failed batches (<tag>-dlq)
               direct    invoked directly (Lambda Invoke) by another service or a state machine
               schedule  an EventBridge schedule rule (<tag>-schedule, hourly by default)
               appsync   an AppSync pipeline function (the stack outputs its ARN)
  --purpose    one line for the registry and the function description (letters, digits, spaces
               and . , ; : ( ) / + -)
  --help       print this help

Nothing is written when an argument is wrong. README "Adding a worker" says what is left to write.`;

const NAME = /^[a-z][a-zA-Z0-9]{2,31}$/;
const PURPOSE = /^[A-Za-z0-9 .,;:()/+-]{3,200}$/;

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

interface Planned {
  scaffold: Scaffold;
  /** Files to write, relative to the root, with their text. */
  files: { file: string; text: string }[];
}

/**
 * Variables a worker's Terraform text uses (`var.x`) that neither the stack (as the Terraform
 * reader loads it) nor the text itself declares, each with the shared group that declares it.
 */
async function undeclaredVariables(
  root: string,
  stack: string,
  text: string,
): Promise<{ variable: string; group?: string }[]> {
  const { variables } = await loadModuleConfig(path.join(root, 'terraform', 'stacks', stack));
  const own = new Set([...text.matchAll(/^variable "(\w+)"/gm)].map((m) => m[1]));
  const groups = readSharedGroups(root);
  return [...new Set([...text.matchAll(/\bvar\.(\w+)/g)].map((m) => m[1]))]
    .filter((v) => !(v in variables) && !own.has(v))
    .map((variable) => ({ variable, group: groups.find((g) => g.text.includes(`variable "${variable}"`))?.file }));
}

/** Name tags already used by the stacks' own resources (each main.tf's naming list). */
function stackOwnNameTags(root: string): Set<string> {
  return new Set(
    STACKS.flatMap((stack) => {
      const main = readFileSync(path.join(root, 'terraform', 'stacks', stack, 'main.tf'), 'utf8');
      const list = /name_tags = concat\(local\.worker_name_tags, \[([^\]]*)\]\)/.exec(main)?.[1] ?? '';
      return [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    }),
  );
}

/** Checks the request against the tree and plans every write; throws, having written nothing, when it cannot be done. */
export async function planNewWorker(
  root: string,
  args: { stack: string; name: string; trigger: string; purpose?: string },
): Promise<Planned> {
  const { stack, name, trigger } = args;
  if (!(STACKS as readonly string[]).includes(stack)) {
    throw usageError(`unknown stack "${stack}"; the stacks are ${STACKS.join(', ')}`, TOOL);
  }
  if (!(TRIGGERS as readonly string[]).includes(trigger)) {
    throw usageError(`unknown trigger "${trigger}"; use one of ${TRIGGERS.join(', ')}`, TOOL);
  }
  if (!NAME.test(name)) {
    throw usageError(
      `worker name "${name}" must be camelCase letters and digits, 3-32 characters (e.g. auditEntries)`,
      TOOL,
    );
  }
  const purpose = args.purpose ?? `The ${name} worker`;
  if (!PURPOSE.test(purpose)) {
    throw usageError(`--purpose must be 3-200 letters, digits, spaces and . , ; : ( ) / + -`, TOOL);
  }
  const workers = readRegistry(root);
  const clash = workers.find((w) => w.name.toLowerCase() === name.toLowerCase());
  if (clash) {
    throw new CliError(`a worker named "${clash.name}" already exists (${clash.stack} stack); nothing written`);
  }
  const scaffold: Scaffold = {
    name,
    stack: stack as StackName,
    trigger: trigger as TriggerOption,
    purpose,
    nameTag: kebab(name),
  };
  const definition = {
    name,
    stack: scaffold.stack,
    nameTag: scaffold.nameTag,
    trigger: registryTrigger(scaffold),
    timeoutSeconds: 30,
    memoryMb: 256,
    produces: {},
    purpose,
  };
  const taken = new Set([...workers.flatMap(workerNameTags), ...stackOwnNameTags(root)]);
  const tagClash = workerNameTags(definition).filter((t) => taken.has(t));
  if (tagClash.length > 0) {
    throw new CliError(
      `name tag ${tagClash.map((t) => `"${t}"`).join(', ')} is already used by another resource; choose another name`,
    );
  }

  const folder = `src/workers/${stack}/${name}`;
  const files = [
    { file: `${folder}/index.ts`, text: indexTs(scaffold) },
    { file: `${folder}/${name}.ts`, text: useCaseTs(scaffold) },
    { file: `${folder}/${name}.test.ts`, text: testTs(scaffold) },
    { file: `terraform/stacks/${stack}/${name}.tf`, text: workerTf(scaffold) },
  ];
  const existing = [folder, ...files.map((f) => f.file)].filter((f) => existsSync(path.join(root, f)));
  if (existing.length > 0) {
    throw new CliError(`${existing[0]} already exists; nothing written`);
  }
  const missing = await undeclaredVariables(root, stack, files[3].text);
  if (missing.length > 0) {
    const groups = [...new Set(missing.flatMap((m) => (m.group ? [m.group] : [])))];
    throw new CliError(
      `the ${stack} stack does not take ${missing.map((m) => `var.${m.variable}`).join(', ')}, which a ${trigger} worker needs` +
        (groups.length > 0
          ? `; add ${stack} to the "# Shared by:" line of ${groups.join(', ')}, run \`npm run tf:variables\`, then run this again`
          : '') +
        '; nothing written',
    );
  }

  const registryPath = path.join(root, REGISTRY_FILE);
  const registry = readFileSync(registryPath, 'utf8');
  const list = /export const WORKERS: readonly WorkerDefinition\[\] = \[\n[\s\S]*?\n\];\n/.exec(registry);
  if (!list) {
    throw new CliError(
      `${REGISTRY_FILE}: cannot find the WORKERS list ("export const WORKERS: readonly WorkerDefinition[] = [" … "];")`,
    );
  }
  const end = list.index + list[0].length - '];\n'.length;
  files.push({
    file: REGISTRY_FILE,
    text: `${registry.slice(0, end)}${registryEntry(scaffold)}\n${registry.slice(end)}`,
  });
  for (const derived of derivedFiles(root, [...workers, definition])) {
    if (derived.expected !== derived.actual) {
      files.push({ file: derived.file, text: derived.expected });
    }
  }
  return { scaffold, files };
}

export async function main(argv: string[], root = ROOT): Promise<number> {
  const { values, positionals } = parseCli(
    argv,
    { trigger: { type: 'string' }, purpose: { type: 'string' }, help: { type: 'boolean' } },
    TOOL,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 2) {
    throw usageError(`expected <stack> and <name>, got ${positionals.length} argument(s)`, TOOL);
  }
  if (values.trigger === undefined) {
    throw usageError(`--trigger is required (${TRIGGERS.join(', ')})`, TOOL);
  }
  const [stack, name] = positionals;
  const { scaffold, files } = await planNewWorker(root, {
    stack,
    name,
    trigger: values.trigger,
    purpose: values.purpose,
  });
  // The TypeScript in the project's own style, so the new files read like their neighbours.
  // Loaded here, not at the top: the checks above also run where prettier cannot load (jest).
  const { format, resolveConfig } = await import('prettier');
  const formatted = await Promise.all(
    files.map(async ({ file, text }) => {
      const filepath = path.join(root, file);
      const options = await resolveConfig(filepath);
      return { file, text: file.endsWith('.ts') ? await format(text, { ...options, filepath }) : text };
    }),
  );
  for (const { file, text } of formatted) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
    console.log(`wrote ${file}`);
  }
  // The alarm table and the wiring diagram are rendered from the Terraform just written, by the
  // tools themselves: a fresh bundle of each reads the registry as it is now.
  for (const [script, tool] of [
    ['alarms:doc', 'tools/ops/alarms.ts'],
    ['diagram', 'tools/local/diagramCli.ts'],
  ]) {
    const run = spawnSync(process.execPath, [path.join(root, 'tools', 'run.mjs'), tool], {
      cwd: root,
      encoding: 'utf8',
      // tools/run.mjs keeps a REG_WORKERS_ROOT it inherits: this one is the tree just written.
      env: { ...process.env, REG_WORKERS_ROOT: root },
    });
    process.stdout.write(run.stdout);
    if (run.status !== 0) {
      throw new CliError(`npm run ${script} failed after the worker was written: ${run.stderr.trim()}`);
    }
  }
  console.log(`
${scaffold.name} is a worker of the ${scaffold.stack} stack. Next:
  npx jest --selectProjects unit -- src/workers/${scaffold.stack}/${scaffold.name}   its test
  npm start                                         the local run, with it
Then write its logic in src/workers/${scaffold.stack}/${scaffold.name}/${scaffold.name}.ts and what README
"Adding a worker" lists (IAM, environment, configuration, fault-matrix cells).`);
  return 0;
}
