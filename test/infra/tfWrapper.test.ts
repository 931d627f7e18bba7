/**
 * tools/tf/tf, the plan/apply/destroy wrapper, run against a copy of the repository layout with a
 * fake terraform that records how it was called.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './hcl';
import { WORKERS } from '../../src/workers/registry';

let root: string;
let fakeTerraform: string;
let callLog: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'tf-wrapper-'));
  mkdirSync(path.join(root, 'tools', 'tf'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'tools', 'tf', 'tf'), path.join(root, 'tools', 'tf', 'tf'));
  chmodSync(path.join(root, 'tools', 'tf', 'tf'), 0o755);
  cpSync(path.join(REPO_ROOT, 'terraform'), path.join(root, 'terraform'), { recursive: true });
  callLog = path.join(root, 'calls.log');
  fakeTerraform = path.join(root, 'bin', 'terraform');
  mkdirSync(path.dirname(fakeTerraform));
  writeFileSync(fakeTerraform, `#!/usr/bin/env bash\necho "$PWD|$*" >> "${callLog}"\n`);
  chmodSync(fakeTerraform, 0o755);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  rmSync(callLog, { force: true });
  rmSync(path.join(root, 'dist'), { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync('bash', [path.join(root, 'tools', 'tf', 'tf'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERRAFORM_BIN: fakeTerraform, ...env },
  });
  let calls: string[] = [];
  try {
    calls = readFileSync(callLog, 'utf8').trim().split('\n');
  } catch {
    calls = [];
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

function buildZips(stack: string, configEnv: string): void {
  mkdirSync(path.join(root, 'dist', configEnv), { recursive: true });
  for (const w of WORKERS.filter((x) => x.stack === stack)) {
    writeFileSync(path.join(root, 'dist', configEnv, `${w.name}.zip`), 'zip');
  }
}

describe('tools/tf/tf', () => {
  it('prints its usage with --help', () => {
    const { status, stdout } = run(['--help']);
    expect(status).toBe(0);
    expect(stdout).toContain('usage: tools/tf/tf <plan|apply|destroy> <stack> <env>');
    expect(stdout).toContain('TF_VAR_kafka_cert');
  });

  it('initialises the backend of the environment, then plans with its variables and extra arguments', () => {
    buildZips('selection', 'qa');
    const { status, calls } = run(['plan', 'selection', 'qa1', '-target=module.saveSelections']);
    expect(status).toBe(0);
    const stackDir = path.join(root, 'terraform', 'stacks', 'selection');
    expect(calls).toEqual([
      `${stackDir}|init -reconfigure -input=false -backend-config=tm-nonprod/qa1/backend.hcl`,
      `${stackDir}|plan -var-file=tm-nonprod/qa1/terraform.tfvars -target=module.saveSelections`,
    ]);
  });

  it('finds prod environments under tm-prod and applies', () => {
    buildZips('registration', 'prod');
    const { status, calls } = run(['apply', 'registration', 'prod1']);
    expect(status).toBe(0);
    expect(calls[1]).toMatch(/\|apply -var-file=tm-prod\/prod1\/terraform\.tfvars$/);
  });

  it('refuses an unknown stack and lists the stacks', () => {
    const { status, stderr, calls } = run(['plan', 'selections', 'qa1']);
    expect(status).toBe(2);
    expect(stderr).toContain("unknown stack 'selections'");
    expect(stderr).toContain('dataPipeline notification registration replication selection');
    expect(calls).toEqual([]);
  });

  it('refuses an unknown environment and lists the environments', () => {
    const { status, stderr } = run(['plan', 'selection', 'qa2']);
    expect(status).toBe(2);
    expect(stderr).toContain("unknown environment 'qa2' for stack selection");
    expect(stderr).toMatch(/dev1 qa1 preprod1 prod1/);
  });

  it('refuses an unknown command', () => {
    const { status, stderr } = run(['import', 'selection', 'qa1']);
    expect(status).toBe(2);
    expect(stderr).toContain("unknown command 'import'");
  });

  it('says so when terraform is missing', () => {
    const { status, stderr } = run(['plan', 'selection', 'qa1'], {
      TERRAFORM_BIN: path.join(root, 'no-such-terraform'),
    });
    expect(status).toBe(127);
    expect(stderr).toContain('terraform not found');
  });

  it('needs TF_VAR_kafka_cert for dataPipeline', () => {
    buildZips('dataPipeline', 'dev');
    const without = run(['plan', 'dataPipeline', 'dev1']);
    expect(without.status).toBe(2);
    expect(without.stderr).toContain('TF_VAR_kafka_cert');
    expect(without.calls).toEqual([]);
    const withCert = run(['plan', 'dataPipeline', 'dev1'], { TF_VAR_kafka_cert: '{"cert":"c","key":"k"}' });
    expect(withCert.status).toBe(0);
  });

  it('stops before terraform when the Lambda ZIPs have not been built', () => {
    const { status, stderr, calls } = run(['plan', 'replication', 'preprod1']);
    expect(status).toBe(2);
    expect(stderr).toContain('dist/preprod/enqueueEntries.zip');
    expect(calls).toEqual([]);
  });

  it('destroys without ZIPs', () => {
    const { status, calls } = run(['destroy', 'replication', 'dev1']);
    expect(status).toBe(0);
    expect(calls[1]).toMatch(/\|destroy -var-file=tm-nonprod\/dev1\/terraform\.tfvars$/);
  });
});
