/**
 * The four environments of every stack: tm-nonprod/{qa1,dev1}, tm-prod/{preprod1,prod1}, each
 * with a backend config (S3 state per stack and environment, locking, encryption) and a tfvars
 * file that sets every required variable, no undeclared one, no secret, and agrees with the
 * YAML config of its environment.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { TfDir } from './hcl';
import { at, environmentDirs, loadDir, parseHclFile, REPO_ROOT, STACKS_DIR } from './hcl';
import { SEED_ENVIRONMENTS, SEED_PRODUCT_CODE, SEED_REGION } from './seedExpectations';
import type { StackName } from '../../src/workers/registry';
import { STACKS } from '../../src/workers/registry';

/** Our choice, documented in terraform/README.md. */
const BATCHING_WINDOW: Record<string, number> = { qa1: 1, dev1: 1, preprod1: 5, prod1: 5 };
/** Variables that never appear in a tfvars file (secrets come from the environment). */
const FROM_ENVIRONMENT: Partial<Record<StackName, string[]>> = { dataPipeline: ['kafka_cert'] };

const stackDirs = {} as Record<StackName, TfDir>;

beforeAll(async () => {
  for (const stack of STACKS) {
    stackDirs[stack] = await loadDir(path.join(STACKS_DIR, stack));
  }
});

type Yaml = { [key: string]: unknown };

/** The merged YAML config of an environment (default.config.yml, then <env>.config.yml). */
function config(configEnv: string): Yaml {
  const read = (file: string) => (parseYaml(readFileSync(path.join(REPO_ROOT, 'configs', file), 'utf8')) ?? {}) as Yaml;
  const isObject = (v: unknown): v is Yaml => typeof v === 'object' && v !== null && !Array.isArray(v);
  const merge = (a: Yaml, b: Yaml): Yaml => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const base = a[k];
      out[k] = isObject(v) && isObject(base) ? merge(base, v) : v;
    }
    return out;
  };
  return merge(read('default.config.yml'), read(`${configEnv}.config.yml`));
}

describe.each([...STACKS])('%s', (stack) => {
  it('has the four environments in their accounts', () => {
    const found = environmentDirs(stack)
      .map((e) => `${e.account}/${e.env}`)
      .sort();
    expect(found).toEqual(SEED_ENVIRONMENTS.map((e) => `${e.account}/${e.env}`).sort());
  });

  describe.each(SEED_ENVIRONMENTS.map((e) => [e.env, e] as const))('%s', (env, seed) => {
    const dir = path.join(STACKS_DIR, stack, seed.account, env);
    let vars: Record<string, unknown>;
    let backend: Record<string, unknown>;

    beforeAll(async () => {
      vars = await parseHclFile(path.join(dir, 'terraform.tfvars'));
      backend = await parseHclFile(path.join(dir, 'backend.hcl'));
    });

    it('keeps state in S3 under prd2011/<stack>/<env>, locked and encrypted', () => {
      expect(backend).toMatchObject({
        key: `${SEED_PRODUCT_CODE}/${stack}/${env}/terraform.tfstate`,
        region: SEED_REGION,
        encrypt: true,
      });
      expect(backend.bucket).toEqual(expect.stringMatching(/^[a-z0-9][a-z0-9.-]{2,62}$/));
      expect(backend.dynamodb_table).toEqual(expect.stringMatching(/^[A-Za-z0-9_.-]{3,255}$/));
      expect(Object.keys(backend).sort()).toEqual(['bucket', 'dynamodb_table', 'encrypt', 'key', 'region']);
    });

    it('sets every required variable and only declared ones', () => {
      const declared = stackDirs[stack].variables;
      const fromEnvironment = FROM_ENVIRONMENT[stack] ?? [];
      const required = Object.entries(declared)
        .filter(([, v]) => !('default' in v))
        .map(([name]) => name)
        .filter((name) => !fromEnvironment.includes(name));
      expect(Object.keys(vars).filter((k) => !(k in declared))).toEqual([]);
      expect(required.filter((k) => !(k in vars))).toEqual([]);
      for (const secret of fromEnvironment) {
        expect(vars[secret]).toBeUndefined();
      }
    });

    it('names its environment, account and config environment', () => {
      expect(vars).toMatchObject({
        environment: env,
        account_name: seed.account,
        config_env: seed.configEnv,
        aws_region: SEED_REGION,
      });
      expect(vars.account_id).toEqual(expect.stringMatching(/^\d{12}$/));
    });

    it('uses the demand table and stream of its environment, as the config does', () => {
      if ('demand_table_name' in stackDirs[stack].variables) {
        expect(vars.demand_table_name).toBe(`prd3292-${env}-${SEED_REGION}-demand-table`);
        expect(vars.demand_table_name).toBe(at(config(seed.configEnv), 'aws', 'demandTable'));
      }
      if ('demand_table_stream_arn' in stackDirs[stack].variables) {
        expect(vars.demand_table_stream_arn).toEqual(
          expect.stringMatching(
            new RegExp(`^arn:aws:kinesis:${SEED_REGION}:\\d{12}:stream/prd3292-${env}-dmnd-table-stream$`),
          ),
        );
        expect(vars.batching_window).toBe(BATCHING_WINDOW[env]);
      }
    });

    it('marks every placeholder value', () => {
      const lines = readFileSync(path.join(dir, 'terraform.tfvars'), 'utf8').split('\n');
      const placeholderValue = /PLACEHOLDER|"0{12}"|"1{12}"|:0{12}:|:1{12}:/;
      for (const line of lines.filter(
        (l) => !l.trimStart().startsWith('#') && placeholderValue.test(l.split('#')[0]),
      )) {
        expect(line).toMatch(/# PLACEHOLDER/);
      }
    });
  });
});
