/** Runs the project's tools as an operator would: a fresh Node 22 process per command. */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Variables the tools read that must not leak in from the developer's shell. */
const SCRUBBED = [
  'SLACK_WEBHOOK_URL',
  'VAULT_ADDR',
  'VAULT_USERNAME',
  'VAULT_PASSWORD',
  'VAULT_ROLE_ID',
  'VAULT_SECRET_ID',
  'nonprod_kafka_cert',
  'preprod_kafka_cert',
  'prod_kafka_cert',
  'CONFIG_ENV',
];

/**
 * Runs `node <script> ...args` from the repository root (asynchronously, so in-process fakes
 * keep answering), with `env` added to a scrubbed copy of this process's environment.
 */
export function runNode(
  script: string,
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; input?: string; cwd?: string } = {},
): Promise<ToolResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED) {
    delete env[name];
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) {
      delete env[name];
    } else {
      env[name] = value;
    }
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a TypeScript tool through tools/run.mjs, as its npm script does. */
export const runTool = (tool: string, args: readonly string[], options?: Parameters<typeof runNode>[2]) =>
  runNode(path.join(ROOT, 'tools/run.mjs'), [tool, ...args], options);
