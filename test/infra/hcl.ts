/**
 * Where the project's Terraform is, and small helpers to walk files and parsed values. Reading
 * and evaluating the Terraform is the local run's (tools/local/hcl, tools/local/wiring; the
 * tests' view of a stack is in stacks.ts): there is one reader.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const TERRAFORM_DIR = path.join(REPO_ROOT, 'terraform');
export const STACKS_DIR = path.join(TERRAFORM_DIR, 'stacks');
export const MODULES_DIR = path.join(TERRAFORM_DIR, 'modules');

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

/** Every module directory under terraform/: the directories that hold .tf files, except terraform/shared. */
export function terraformDirs(): string[] {
  // terraform/shared holds the variables several stacks take, copied into each stack by
  // `npm run tf:variables`: a source, not a module (its copies are checked in each stack).
  const shared = path.join(TERRAFORM_DIR, 'shared');
  return [...new Set(listFiles(TERRAFORM_DIR, /\.tf$/).map((f) => path.dirname(f)))]
    .filter((dir) => !dir.startsWith(shared + path.sep))
    .sort();
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
