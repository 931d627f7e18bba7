/**
 * certs:generate, certs:check and certs:alert-expiry as an operator runs them, against the
 * harness's Vault fake (real X.509 from its PKI) and Slack webhook fake.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SlackWebhookFake, VaultFake } from '../../../tools/local/emulators/fakes';
import { createSlackWebhookFake, createVaultFake } from '../../../tools/local/emulators/fakes';
import { runTool } from './run';

jest.setTimeout(60_000);

const GENERATE = 'tools/certs/generate.ts';
const CHECK = 'tools/certs/check.ts';
const ALERT = 'tools/certs/alertExpiry.ts';

let vault: VaultFake;
let slack: SlackWebhookFake;
let scratch: string;

beforeAll(async () => {
  vault = createVaultFake({
    users: { techops: 'techops-password' },
    appRoles: { 'ci-role-id': 'ci-secret-id' },
    pkiRoles: ['kafka-client-nonprod', 'kafka-client-preprod', 'kafka-client-prod'],
  });
  slack = createSlackWebhookFake();
  await Promise.all([vault.start(), slack.start()]);
  scratch = mkdtempSync(path.join(tmpdir(), 'reg-workers-certs-'));
});
afterAll(async () => {
  await Promise.all([vault.stop(), slack.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(() => {
  vault.reset();
  slack.reset();
});

const userpass = { VAULT_USERNAME: 'techops', VAULT_PASSWORD: 'techops-password' };

/** Issues a certificate from the Vault fake with the given TTL; returns the bundle text. */
async function issue(ttl: string, env = 'qa'): Promise<string> {
  const result = await runTool(GENERATE, ['--env', env, `--ttl=${ttl}`], {
    env: { ...userpass, VAULT_ADDR: vault.url },
  });
  if (result.code !== 0) {
    throw new Error(`certs:generate failed: ${result.stderr}`);
  }
  return result.stdout;
}

describe('certs:generate', () => {
  it('logs in with userpass, issues from the environment PKI role and prints the kafka-cert bundle', async () => {
    const result = await runTool(GENERATE, ['--env', 'qa', '--auth', 'userpass'], {
      env: { ...userpass, VAULT_ADDR: vault.url },
    });
    expect(result.stderr).toContain(
      'certificate CN=reg-workers.nonprod.verifiedfan, issued by Vault role kafka-client-nonprod',
    );
    expect(result.code).toBe(0);
    const bundle = JSON.parse(result.stdout) as { cert: string; key: string; ca: string };
    expect(Object.keys(bundle).sort()).toEqual(['ca', 'cert', 'key']);
    const cert = new X509Certificate(bundle.cert);
    expect(cert.subject).toBe('CN=reg-workers.nonprod.verifiedfan');
    expect(cert.checkIssued(new X509Certificate(bundle.ca))).toBe(true);
    expect(bundle.ca.trim()).toBe(vault.caCertificate.trim());
    expect(bundle.key).toMatch(/^-----BEGIN (RSA )?PRIVATE KEY-----/);
    // 8760h from config certs.vault.ttl.
    expect(Math.round((Date.parse(cert.validTo) - Date.now()) / 86_400_000)).toBe(365);
    expect(vault.issued).toEqual([
      expect.objectContaining({ role: 'kafka-client-nonprod', commonName: 'reg-workers.nonprod.verifiedfan' }),
    ]);
    expect(result.stderr).toContain(
      'next: store the bundle in the GitLab CI/CD variable nonprod_kafka_cert (qa1, dev1), then redeploy the dataPipeline stack',
    );
  });

  it('logs in with an AppRole (role id and secret id from the environment) and uses the prod role of config', async () => {
    const result = await runTool(
      GENERATE,
      ['--env', 'prod', '--auth', 'approle', '--out', path.join(scratch, 'prod.json')],
      {
        env: { VAULT_ADDR: vault.url, VAULT_ROLE_ID: 'ci-role-id', VAULT_SECRET_ID: 'ci-secret-id' },
      },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const file = path.join(scratch, 'prod.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new X509Certificate((JSON.parse(readFileSync(file, 'utf8')) as { cert: string }).cert).subject).toBe(
      'CN=reg-workers.prod.verifiedfan',
    );
    expect(vault.issued.map((i) => i.role)).toEqual(['kafka-client-prod']);
    expect(vault.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/auth/approle/login',
      'POST /v1/pki/issue/kafka-client-prod',
    ]);
  });

  it('reports a failed login with Vault’s message and exit status 1, without issuing', async () => {
    const result = await runTool(GENERATE, ['--env', 'qa'], {
      env: { ...userpass, VAULT_ADDR: vault.url, VAULT_PASSWORD: 'wrong' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: Vault auth/userpass/login/techops failed with HTTP 400: invalid username or password',
    );
    expect(result.stdout).toBe('');
    expect(vault.issued).toEqual([]);
  });

  it('says which credential is missing', async () => {
    const noPassword = await runTool(GENERATE, ['--env', 'qa'], {
      env: { VAULT_ADDR: vault.url, VAULT_USERNAME: 'techops' },
    });
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toContain('error: no password: set VAULT_PASSWORD or pass the file flag');
    const noEnv = await runTool(GENERATE, []);
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toContain('--env is required: one of dev, qa, preprod, prod, local');
  });

  it('makes a self-signed pair without Vault', async () => {
    const result = await runTool(GENERATE, ['--env', 'local', '--self-signed', '--days', '10'], {
      env: { VAULT_ADDR: vault.url },
    });
    expect(result.code).toBe(0);
    const bundle = JSON.parse(result.stdout) as { cert: string; key: string; ca?: string };
    expect(bundle.ca).toBeUndefined();
    const cert = new X509Certificate(bundle.cert);
    expect(cert.subject).toBe('CN=reg-workers.local');
    expect(cert.checkIssued(cert)).toBe(true);
    expect(vault.requests).toEqual([]);
    const check = await runTool(CHECK, ['--file', '-'], { input: result.stdout });
    expect(check.code).toBe(0);
    // Whole days: ten days less the moments since it was made.
    expect(check.stdout).toContain('days left:   9\n');
    expect(check.stdout).toContain('private key: matches the certificate');
  });

  it('documents itself with --help', async () => {
    const result = await runTool(GENERATE, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: npm run certs:generate -- --env ENV [--auth userpass|approle]');
  });
});

describe('certs:check', () => {
  it('prints subject, validity and days left of a bundle from a file, stdin or a variable', async () => {
    const bundle = await issue('721h');
    const file = path.join(scratch, 'check.json');
    writeFileSync(file, bundle);
    for (const [args, input, env] of [
      [['--file', file], undefined, {}],
      [[], bundle, {}],
      [['--env', 'dev'], undefined, { nonprod_kafka_cert: bundle }],
    ] as const) {
      const result = await runTool(CHECK, [...args], { input, env });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('subject:     CN=reg-workers.nonprod.verifiedfan');
      expect(result.stdout).toContain('issuer:      CN=reg-workers fake Vault CA');
      expect(result.stdout).toContain('days left:   30\n');
    }
  });

  it('fails an expired certificate and unreadable input with a message', async () => {
    const expired = await runTool(CHECK, ['--var', 'OLD_CERT'], { env: { OLD_CERT: await issue('-24h') } });
    expect(expired.code).toBe(1);
    expect(expired.stdout).toContain('days left:   -1 (EXPIRED)');
    expect(expired.stderr).toMatch(/error: the certificate in OLD_CERT expired on \d{4}-\d\d-\d\d/);
    const garbage = await runTool(CHECK, ['--file', '-'], { input: 'not a certificate' });
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toContain(
      'error: standard input holds neither the JSON bundle { cert, key, ca? } nor a PEM certificate',
    );
    const missing = await runTool(CHECK, ['--file', path.join(scratch, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/error: cannot read .*nope\.json: ENOENT/);
  });
});

describe('certs:alert-expiry', () => {
  const run = (env: string, extra: string[], variables: Record<string, string>) =>
    runTool(ALERT, ['--env', env, ...extra], { env: { SLACK_WEBHOOK_URL: slack.webhookUrl, ...variables } });

  it('stays quiet with 30 days left (threshold 20)', async () => {
    const result = await run('qa', [], { nonprod_kafka_cert: await issue('721h') });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nonprod_kafka_cert (reg-workers qa1, dev1) is valid for 30 more days');
    expect(slack.messages).toEqual([]);
  });

  it('posts to Slack with 19.5 days left, naming the variable and how to rotate, and exits 0', async () => {
    const result = await run('preprod', [], { preprod_kafka_cert: await issue('468h', 'preprod') });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('alert posted to Slack');
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0].text).toMatch(
      /^:warning: Kafka client certificate preprod_kafka_cert \(reg-workers preprod1\) expires in 19 days, on \d{4}-\d\d-\d\d \d\d:\d\d UTC \(alert threshold 20 days\)\. Rotate it: `npm run certs:generate -- --env preprod`/,
    );
  });

  it('alerts for an expired certificate (-1 day) and exits non-zero', async () => {
    const result = await run('prod', [], { prod_kafka_cert: await issue('-24h', 'prod') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: the certificate in prod_kafka_cert has expired');
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0].text).toMatch(
      /^:rotating_light: Kafka client certificate prod_kafka_cert \(reg-workers prod1\) EXPIRED on .* \(1 day ago\)/,
    );
  });

  it('honours --threshold and reads --file', async () => {
    const file = path.join(scratch, 'thirty.json');
    writeFileSync(file, await issue('721h'));
    const result = await run('dev', ['--file', file, '--threshold', '40'], {});
    expect(result.code).toBe(0);
    // The variable to update is the GitLab one; the file is only where this check read it.
    expect(slack.messages.map((m) => m.text)).toEqual([
      expect.stringContaining(
        `nonprod_kafka_cert (reg-workers qa1, dev1, checked from ${file}) expires in 30 days`,
      ),
    ]);
    expect(slack.messages[0].text).toContain('update the GitLab CI/CD variable nonprod_kafka_cert,');
  });

  it('fails with a message on an unreadable certificate, and alerts about it', async () => {
    const garbage = await run('qa', [], { nonprod_kafka_cert: '{"cert": "oops"}' });
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toContain(
      'error: cannot check nonprod_kafka_cert: nonprod_kafka_cert has no PEM certificate in "cert"',
    );
    expect(slack.messages.map((m) => m.text)).toEqual([expect.stringContaining('cannot be read')]);
    const unset = await run('qa', [], {});
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('environment variable nonprod_kafka_cert is not set or empty');
  });

  it('fails when an alert is due but Slack rejects it or no webhook is set', async () => {
    slack.failNext({ status: 500 });
    const rejected = await run('qa', [], { nonprod_kafka_cert: await issue('456h') });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('error: the Slack webhook answered HTTP 500');
    const noWebhook = await runTool(ALERT, ['--env', 'qa'], { env: { nonprod_kafka_cert: await issue('456h') } });
    expect(noWebhook.code).toBe(1);
    expect(noWebhook.stderr).toContain('an alert is due but no Slack webhook is configured (set SLACK_WEBHOOK_URL)');
  });
});
