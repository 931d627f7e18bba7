/**
 * The four environments of every stack: tm-nonprod/{qa1,dev1}, tm-prod/{preprod1,prod1}, each
 * with a backend config (S3 state per stack and environment, locking, encryption) and a tfvars
 * file that sets every required variable, no undeclared one, no secret, and agrees with the
 * YAML config of its environment. Also: each environment's IDV issuer key reaches
 * checkEligibility (variable → environment variable → config), and the plan refuses a missing one.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { evaluate } from '../../tools/local/hcl/evaluate';
import { parseStringValue } from '../../tools/local/hcl/syntax';
import { force } from '../../tools/local/hcl/values';
import type { Value } from '../../tools/local/hcl/values';
import type { ModuleConfig } from '../../tools/local/hcl/modules';
import { loadModuleConfig, parseHclFile } from '../../tools/local/hcl/modules';
import { at, environmentDirs, REPO_ROOT, STACKS_DIR } from './hcl';
import { SEED_ENVIRONMENTS, SEED_PRODUCT_CODE, SEED_REGION } from './seedExpectations';
import type { StackName } from '../../src/workers/registry';
import { STACKS } from '../../src/workers/registry';

/** Our choice, documented in terraform/README.md. */
const BATCHING_WINDOW: Record<string, number> = { qa1: 1, dev1: 1, preprod1: 5, prod1: 5 };
/** Variables that never appear in a tfvars file (secrets come from the environment). */

const SENSITIVE: Record<StackName, string[]> = {
  registration: ['alarm_pagerduty_endpoint'],
  replication: ['alarm_pagerduty_endpoint'],
  selection: ['alarm_pagerduty_endpoint'],
  dataPipeline: ['alarm_pagerduty_endpoint', 'kafka_cert'],
  notification: ['alarm_pagerduty_endpoint'],
};

const stackDirs = {} as Record<StackName, ModuleConfig>;

beforeAll(async () => {
  for (const stack of STACKS) {
    stackDirs[stack] = await loadModuleConfig(path.join(STACKS_DIR, stack));
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
      const declared = Object.fromEntries(Object.entries(stackDirs[stack].variables).map(([name, v]) => [name, v.body]));
      // Sensitive variables (the Kafka certificate, the PagerDuty endpoint with its integration
      // key) come from TF_VAR_ variables of CI, never from a committed tfvars file.
      const fromEnvironment = Object.entries(declared)
        .filter(([, v]) => v.sensitive === true)
        .map(([name]) => name);
      expect(fromEnvironment).toEqual(expect.arrayContaining(SENSITIVE[stack]));
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

describe('registration: the IDV issuer key of each environment', () => {
  const pem = (type: 'rsa' | 'ec' | 'ed25519') => {
    const pair =
      type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : type === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : generateKeyPairSync('ed25519');
    return {
      publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  };
  const variable = () => stackDirs.registration.variables.idv_public_key?.body as Record<string, unknown>;

  /** Whether `terraform plan` accepts `value` for var.idv_public_key: every validation condition, evaluated. */
  function planAccepts(value: string): boolean {
    const validations = variable().validation as { condition: string }[];
    expect(validations.length).toBeGreaterThan(0);
    const scope = {
      baseDir: stackDirs.registration.dir,
      lookup: (name: string): Value => {
        if (name !== 'var') {
          throw new Error(`validation refers to ${name}`);
        }
        return { idv_public_key: value };
      },
    };
    return validations.every((v) => force(evaluate(parseStringValue(v.condition), scope)) === true);
  }

  it('is a string variable without a default, so no environment runs without its own key', () => {
    expect(variable()).toBeDefined();
    expect(variable().type).toBe('${string}');
    expect('default' in variable()).toBe(false);
  });

  it('fails the plan for an empty value, text that is no PEM public key, or a private key', () => {
    expect(planAccepts('')).toBe(false);
    expect(planAccepts('   \n')).toBe(false);
    expect(planAccepts('PLACEHOLDER')).toBe(false);
    expect(planAccepts('-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----')).toBe(false);
    expect(planAccepts(pem('rsa').privateKey)).toBe(false);
    expect(planAccepts(pem('ec').privateKey)).toBe(false);
  });

  it('accepts the PEM public key of an RSA, P-256 or Ed25519 issuer, with LF or CRLF line ends', () => {
    for (const type of ['rsa', 'ec', 'ed25519'] as const) {
      const { publicKey } = pem(type);
      expect({ type, accepted: planAccepts(publicKey) }).toEqual({ type, accepted: true });
      expect({ type, accepted: planAccepts(publicKey.replace(/\n/g, '\r\n')) }).toEqual({ type, accepted: true });
    }
  });

  it('reaches checkEligibility as IDV_PUBLIC_KEY, which every deployed config reads as eligibility.idv.publicKey', () => {
    const call = stackDirs.registration.modules.checkEligibility;
    expect(at(call?.body, 'environment_variables', 'IDV_PUBLIC_KEY')).toBe('${var.idv_public_key}');
    for (const seed of SEED_ENVIRONMENTS) {
      expect({ env: seed.configEnv, publicKey: at(config(seed.configEnv), 'eligibility', 'idv', 'publicKey') }).toEqual({
        env: seed.configEnv,
        publicKey: expect.stringMatching(/^\$\{env:IDV_PUBLIC_KEY(:-)?\}$/),
      });
    }
  });

  it.each(SEED_ENVIRONMENTS.map((e) => [e.env, e] as const))(
    '%s: sets the key in its tfvars, marked PLACEHOLDER until it holds a key the plan accepts',
    async (env, seed) => {
      const file = path.join(STACKS_DIR, 'registration', seed.account, env, 'terraform.tfvars');
      const value = (await parseHclFile(file)).idv_public_key;
      expect(typeof value).toBe('string');
      if (!planAccepts(value as string)) {
        expect(readFileSync(file, 'utf8')).toMatch(/^idv_public_key = "" # PLACEHOLDER: PEM public key of the \w+ IDV issuer$/m);
      }
    },
  );
});
