/**
 * .gitlab-ci.yml: valid against GitLab's CI JSON schema (the one embedded in npm
 * gitlab-ci-local, extracted from its bundle), and, as gitlab-ci-local evaluates it (extends,
 * rules, parallel:matrix, reserved names) in a throwaway git checkout, it has the jobs and
 * rules docs/build-and-ci.md describes.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { STACKS, WORKERS } from '../../../src/workers/registry';
import { ROOT, runNode } from './run';

jest.setTimeout(60_000);

const CI_FILE = path.join(ROOT, '.gitlab-ci.yml');
const GITLAB_CI_LOCAL = path.join(ROOT, 'node_modules/gitlab-ci-local/dist/index.js');
const SCHEMA_ID = '$id:"https://gitlab.com/.gitlab-ci.yml"';

/**
 * GitLab's CI schema as gitlab-ci-local embeds it: a JavaScript object literal in its bundle.
 * Find the literal around the schema's `$id`, cut it out by matching braces (outside strings)
 * and evaluate it in an empty context.
 */
function gitlabCiSchema(): Record<string, unknown> {
  const bundle = readFileSync(GITLAB_CI_LOCAL, 'utf8');
  const at = bundle.indexOf(SCHEMA_ID);
  if (at < 0) {
    throw new Error(`GitLab CI schema not found in ${GITLAB_CI_LOCAL} (no ${SCHEMA_ID})`);
  }
  const start = bundle.lastIndexOf('{$schema:', at);
  let depth = 0;
  let quote: string | undefined;
  let end = start;
  for (; end < bundle.length; end++) {
    const c = bundle[end];
    if (quote) {
      if (c === '\\') {
        end++;
      } else if (c === quote) {
        quote = undefined;
      }
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      break;
    }
  }
  return vm.runInNewContext(`(${bundle.slice(start, end + 1)})`, {}) as Record<string, unknown>;
}

interface ListedJob {
  name: string;
  stage: string;
  when: string;
  allow_failure: boolean;
}

type Job = {
  stage: string;
  script?: string[];
  variables?: Record<string, string>;
  artifacts?: { paths?: string[]; expire_in?: string };
  rules?: { if?: string; when?: string; allow_failure?: boolean }[];
  environment?: { name?: string };
};

const ENVS = [
  { label: 'qa', tf: 'qa1', cert: '$nonprod_kafka_cert' },
  { label: 'dev', tf: 'dev1', cert: '$nonprod_kafka_cert' },
  { label: 'preprod', tf: 'preprod1', cert: '$preprod_kafka_cert' },
  { label: 'prod', tf: 'prod1', cert: '$prod_kafka_cert' },
];

describe('.gitlab-ci.yml against the GitLab CI schema', () => {
  const validate = (() => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    return ajv.compile(gitlabCiSchema());
  })();

  it('is valid', () => {
    const pipeline = parseYaml(readFileSync(CI_FILE, 'utf8')) as unknown;
    const valid = validate(pipeline);
    expect(valid ? [] : validate.errors).toEqual([]);
  });

  it('is checked by a schema that rejects a misspelt keyword (the extraction found the real schema)', () => {
    expect(validate({ stages: ['build'], job: { stage: 'build', script: ['true'], artifact: { paths: ['x'] } } })).toBe(
      false,
    );
    expect(validate({ stages: ['build'], job: { stage: 'build', script: ['true'] } })).toBe(true);
  });
});

describe('.gitlab-ci.yml as gitlab-ci-local evaluates it', () => {
  let repo: string;
  const lists: Record<'main' | 'feature' | 'schedule', ListedJob[]> = { main: [], feature: [], schedule: [] };
  const warnings: string[] = [];
  let preview: { stages: string[] } & Record<string, Job>;

  /** Runs gitlab-ci-local (Node 22) in the checkout; output before the JSON/YAML is its log. */
  async function gitlabCiLocal(args: string[]) {
    const result = await runNode(GITLAB_CI_LOCAL, ['--no-color', ...args], { cwd: repo });
    if (result.code !== 0) {
      throw new Error(`gitlab-ci-local ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
    }
    // Its log goes to stderr: timing lines, and warnings such as a reserved job name.
    warnings.push(...result.stderr.split('\n').filter((l) => l.trim() !== '' && !/finished in|validated in/.test(l)));
    return result.stdout;
  }

  async function list(variables: string[] = [], extra: string[] = []): Promise<ListedJob[]> {
    const out = await gitlabCiLocal(['--list-json', ...variables.flatMap((v) => ['--variable', v]), ...extra]);
    return JSON.parse(out.slice(out.search(/^\[/m))) as ListedJob[];
  }

  beforeAll(async () => {
    repo = mkdtempSync(path.join(tmpdir(), 'reg-workers-ci-'));
    copyFileSync(CI_FILE, path.join(repo, '.gitlab-ci.yml'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-q', '--allow-empty', '-m', 'init');
    git('add', '.gitlab-ci.yml');
    git('-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-q', '-m', 'pipeline');
    git('remote', 'add', 'origin', 'https://gitlab.example.com/verifiedfan/reg-workers.git');
    git('update-ref', 'refs/remotes/origin/main', 'HEAD');
    git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');

    const out = await gitlabCiLocal(['--preview']);
    preview = parseYaml(out.slice(out.search(/^---$/m))) as typeof preview;
    lists.main = await list();
    lists.schedule = await list(['CI_PIPELINE_SOURCE=schedule'], ['--ignore-predefined-vars', 'CI_PIPELINE_SOURCE']);
    git('checkout', '-q', '-b', 'feature/some-change');
    lists.feature = await list();
  });

  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  const whenOf = (jobs: ListedJob[], name: string) => {
    const found = jobs.filter((j) => j.name === name || j.name.startsWith(`${name}: [`));
    if (found.length === 0) {
      throw new Error(`no job "${name}"`);
    }
    return [
      ...new Set(
        found.map((j) => `${j.when}${j.when === 'manual' ? (j.allow_failure ? ' (optional)' : ' (blocking)') : ''}`),
      ),
    ].join(', ');
  };

  it('parses without warnings (no reserved job names, schema valid)', () => {
    expect(warnings).toEqual([]);
  });

  it('runs install → checks → bundle → qa → dev → preprod → prod kick-off → prod, then the scheduled stage', () => {
    expect(preview.stages.filter((s) => s !== '.pre' && s !== '.post')).toEqual([
      'install',
      'checks',
      'bundle',
      'qa deploy',
      'qa check',
      'dev deploy',
      'dev check',
      'preprod deploy',
      'preprod check',
      'prod kick-off',
      'prod deploy',
      'prod check',
      'scheduled',
    ]);
  });

  it('checks types, lint, unit and integration tests and Terraform before bundling', () => {
    const checks = lists.main.filter((j) => j.stage === 'checks').map((j) => j.name);
    expect(checks).toEqual(['type check', 'lint', 'unit tests', 'integration tests', 'terraform checks']);
    expect(preview['type check'].script).toEqual(['npx tsc --noEmit -p tsconfig.json']);
    expect(preview['unit tests'].script).toEqual(['npx jest --selectProjects unit --ci']);
    expect(preview['integration tests'].script).toEqual(['npx jest --selectProjects integration --ci']);
    expect(preview['terraform checks'].script?.join('\n')).toMatch(
      /terraform fmt -check[\s\S]*terraform -chdir="\$stack" validate/,
    );
  });

  it('bundles with npm run build and keeps dist/ for a week', () => {
    expect(preview.bundle.stage).toBe('bundle');
    expect(preview.bundle.script).toEqual(['npm run build']);
    expect(preview.bundle.artifacts).toMatchObject({ paths: ['dist/'], expire_in: '1 week' });
  });

  it('deploys each of the five stacks per environment with tools/tf/tf, passing the Kafka certificate of the environment', () => {
    for (const env of ENVS) {
      for (const stack of STACKS) {
        const job = preview[`${env.label} deploy ${stack}`];
        expect({
          job: `${env.label} deploy ${stack}`,
          stage: job.stage,
          variables: job.variables,
          script: job.script,
        }).toEqual({
          job: `${env.label} deploy ${stack}`,
          stage: `${env.label} deploy`,
          variables: { TF_ENV: env.tf, TF_VAR_kafka_cert: env.cert, STACK: stack },
          script: ['tools/tf/tf apply "$STACK" "$TF_ENV" -auto-approve -input=false'],
        });
        expect(job.environment?.name).toBe(env.tf);
      }
    }
  });

  it('on the default branch: qa1, dev1 and preprod1 deploy automatically, prod1 after a blocking manual "prod kick-off"', () => {
    for (const env of ['qa', 'dev', 'preprod', 'prod']) {
      for (const stack of STACKS) {
        expect([`${env} deploy ${stack}`, whenOf(lists.main, `${env} deploy ${stack}`)]).toEqual([
          `${env} deploy ${stack}`,
          'on_success',
        ]);
      }
      expect(whenOf(lists.main, `${env} check aws`)).toBe('on_success');
    }
    expect(whenOf(lists.main, 'prod kick-off')).toBe('manual (blocking)');
    const order = preview.stages;
    expect(order.indexOf('prod kick-off')).toBeGreaterThan(order.indexOf('preprod check'));
    expect(order.indexOf('prod deploy')).toBeGreaterThan(order.indexOf('prod kick-off'));
  });

  it('on another branch: checks and bundle run, qa1 is a manual deploy, dev1, preprod1 and prod1 are not offered', () => {
    for (const name of [
      'install',
      'type check',
      'lint',
      'unit tests',
      'integration tests',
      'terraform checks',
      'bundle',
    ]) {
      expect(whenOf(lists.feature, name)).toBe('on_success');
    }
    for (const stack of STACKS) {
      expect(whenOf(lists.feature, `qa deploy ${stack}`)).toBe('manual (optional)');
      for (const env of ['dev', 'preprod', 'prod']) {
        expect(whenOf(lists.feature, `${env} deploy ${stack}`)).toBe('never');
      }
    }
    expect(whenOf(lists.feature, 'prod kick-off')).toBe('never');
  });

  it('offers a manual targeted deploy (-target=module.<worker>) of every registry worker in every environment', () => {
    for (const env of ['qa', 'dev', 'preprod', 'prod']) {
      const targeted = lists.main.filter((j) => j.name.startsWith(`${env} deploy worker: [`));
      const pairs = targeted.map((j) => j.name.replace(`${env} deploy worker: `, '')).sort();
      expect(pairs).toEqual(WORKERS.map((w) => `[${w.stack},${w.name}]`).sort());
      expect(new Set(targeted.map((j) => `${j.stage}/${j.when}/${j.allow_failure}`))).toEqual(
        new Set([`${env} deploy/manual/true`]),
      );
    }
    expect(preview['qa deploy worker'].script).toEqual([
      'tools/tf/tf apply "$STACK" "$TF_ENV" -auto-approve -input=false "-target=module.$WORKER"',
    ]);
    expect(whenOf(lists.feature, 'qa deploy worker')).toBe('manual (optional)');
    expect(whenOf(lists.feature, 'prod deploy worker')).toBe('never');
  });

  it('checks each stack against AWS after each environment deploys', () => {
    for (const env of ENVS) {
      const checks = lists.main.filter((j) => j.name.startsWith(`${env.label} check aws: [`));
      expect(checks.map((j) => j.name.replace(/.*: \[(.*)\]$/, '$1')).sort()).toEqual([...STACKS].sort());
      expect(new Set(checks.map((j) => j.stage))).toEqual(new Set([`${env.label} check`]));
      expect(preview[`${env.label} check aws`].variables).toMatchObject({ TF_ENV: env.tf });
    }
    expect(preview['qa check aws'].script).toEqual([
      'tools/tf/tf plan "$STACK" "$TF_ENV" -detailed-exitcode -lock=false -input=false',
    ]);
  });

  it('runs only the certificate expiry alert on the pipeline schedule, and that job only there', () => {
    const running = lists.schedule.filter((j) => j.when !== 'never').map((j) => j.name);
    expect(running).toEqual([
      'alert cert expiration: [qa]',
      'alert cert expiration: [preprod]',
      'alert cert expiration: [prod]',
    ]);
    expect(whenOf(lists.main, 'alert cert expiration')).toBe('never');
    expect(whenOf(lists.feature, 'alert cert expiration')).toBe('never');
    expect(preview['alert cert expiration'].rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "schedule"' }]);
    expect(preview['alert cert expiration'].script).toEqual(['npm run certs:alert-expiry -- --env "$CERT_ENV"']);
  });
});
