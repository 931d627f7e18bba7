/**
 * `npm run certs:generate -- --env qa|dev|preprod|prod|local [--auth userpass|approle]`:
 * issues a Kafka client certificate from Vault PKI (or, with --self-signed, makes a local pair)
 * and prints the `kafka-cert` bundle JSON `{ cert, key, ca? }`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_ENVS, ConfigError, loadConfig } from '../../src/shared/config/load';
import type { Config } from '../../src/shared/config/schema';
import { CliError, CONFIG_DIR, parseCli, usageError } from '../build/toolCli';
import type { CertBundle, CertEnv } from './certBundle';
import { CERT_VARIABLES, TF_ENVS_OF, certificateStatus, formatDate } from './certBundle';
import type { VaultAuth } from './vault';
import { issueCertificate, login } from './vault';
import { selfSignedBundle } from './x509';

const TOOL = 'npm run certs:generate --';

const HELP = `Issue a Kafka client certificate and print the kafka-cert bundle JSON { cert, key, ca? }.

usage: npm run certs:generate -- --env ENV [--auth userpass|approle] [options]
       npm run certs:generate -- --env ENV --self-signed [--days N]

  --env ENV              qa, dev, preprod, prod or local (picks certs.vault.* from config)
  --auth METHOD          userpass (default) or approle
  --username NAME        userpass user (default: $VAULT_USERNAME)
  --password-file FILE   file holding the userpass password (default: $VAULT_PASSWORD)
  --role-id ID           AppRole role id (default: $VAULT_ROLE_ID)
  --secret-id-file FILE  file holding the AppRole secret id (default: $VAULT_SECRET_ID)
  --vault-addr URL       Vault address (default: $VAULT_ADDR, else config certs.vault.url)
  --role NAME            PKI role (default: config certs.vault.pkiRole)
  --common-name CN       certificate common name (default: config certs.vault.commonName)
  --ttl DURATION         Vault duration, e.g. 720h (default: config certs.vault.ttl)
  --pki-mount PATH       PKI secrets engine mount (default: pki)
  --self-signed          make a self-signed pair locally with node:crypto, without Vault
  --days N               validity of the self-signed certificate (default: the config TTL)
  --out FILE             write the bundle to FILE (mode 600) instead of standard output
  -h, --help             show this help

Passwords and secret ids are never taken from the command line. Next steps are printed on
standard error: store the bundle in the CI/CD variable of the environment (nonprod_kafka_cert
for qa1 and dev1, preprod_kafka_cert, prod_kafka_cert) and redeploy the dataPipeline stack.`;

/** Seconds in a Vault duration (`8760h`, `30d`, `1h30m`, `3600`). */
export function durationSeconds(value: string): number {
  const text = value.trim();
  if (/^-?\d+$/.test(text)) {
    return Number(text);
  }
  const match = /^(-?)((?:\d+(?:\.\d+)?[smhd])+)$/.exec(text);
  if (!match) {
    throw new CliError(`invalid duration "${value}" (expected e.g. 8760h, 30d or seconds)`);
  }
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  let seconds = 0;
  for (const [, amount, u] of match[2].matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) {
    seconds += Number(amount) * unit[u];
  }
  return Math.round(match[1] ? -seconds : seconds);
}

function secretFrom(file: string | undefined, variable: string, what: string): string {
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new CliError(`cannot read the ${what} file ${file}: ${(error as Error).message}`);
    }
  }
  const value = process.env[variable];
  if (!value) {
    throw new CliError(`no ${what}: set ${variable} or pass the file flag (see --help)`);
  }
  return value;
}

function loadEnvConfig(env: string): Config {
  try {
    return loadConfig(env, { dir: CONFIG_DIR, environment: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(error.message);
    }
    throw error;
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCli(
    argv,
    {
      env: { type: 'string' },
      auth: { type: 'string' },
      username: { type: 'string' },
      'password-file': { type: 'string' },
      'role-id': { type: 'string' },
      'secret-id-file': { type: 'string' },
      'vault-addr': { type: 'string' },
      role: { type: 'string' },
      'common-name': { type: 'string' },
      ttl: { type: 'string' },
      'pki-mount': { type: 'string' },
      'self-signed': { type: 'boolean' },
      days: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    TOOL,
    false,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const env = values.env;
  if (!env || !(CONFIG_ENVS as readonly string[]).includes(env)) {
    const problem = env ? `unknown environment "${env}"` : '--env is required';
    throw usageError(`${problem}: one of ${CONFIG_ENVS.join(', ')}`, TOOL);
  }
  const auth = values.auth ?? 'userpass';
  if (auth !== 'userpass' && auth !== 'approle') {
    throw usageError(`--auth must be userpass or approle, not "${auth}"`, TOOL);
  }
  const { vault } = loadEnvConfig(env).certs;
  const commonName = values['common-name'] ?? vault.commonName;
  const ttl = values.ttl ?? vault.ttl;

  let bundle: CertBundle;
  let origin: string;
  if (values['self-signed']) {
    const days = values.days === undefined ? durationSeconds(ttl) / 86_400 : Number(values.days);
    if (!Number.isFinite(days) || days === 0) {
      throw usageError(`--days must be a non-zero number, not "${values.days}"`, TOOL);
    }
    bundle = selfSignedBundle(commonName, days);
    origin = 'self-signed (not trusted by any broker; for local runs only)';
  } else {
    durationSeconds(ttl);
    const address = values['vault-addr'] || process.env.VAULT_ADDR || vault.url;
    const credentials: VaultAuth =
      auth === 'userpass'
        ? {
            method: 'userpass',
            username: values.username ?? process.env.VAULT_USERNAME ?? '',
            password: secretFrom(values['password-file'], 'VAULT_PASSWORD', 'password'),
          }
        : {
            method: 'approle',
            roleId: values['role-id'] ?? process.env.VAULT_ROLE_ID ?? '',
            secretId: secretFrom(values['secret-id-file'], 'VAULT_SECRET_ID', 'AppRole secret id'),
          };
    if (credentials.method === 'userpass' && !credentials.username) {
      throw usageError('no Vault username: pass --username or set VAULT_USERNAME', TOOL);
    }
    if (credentials.method === 'approle' && !credentials.roleId) {
      throw usageError('no AppRole role id: pass --role-id or set VAULT_ROLE_ID', TOOL);
    }
    const role = values.role ?? vault.pkiRole;
    console.error(
      `Vault ${address}: ${auth} login, then issue from ${values['pki-mount'] ?? 'pki'}/issue/${role} (CN=${commonName}, ttl ${ttl})`,
    );
    const token = await login(address, credentials);
    const issued = await issueCertificate(address, token, { role, commonName, ttl, mount: values['pki-mount'] });
    issued.warnings.forEach((w) => console.error(`Vault warning: ${w}`));
    bundle = issued.bundle;
    origin = `issued by Vault role ${role}`;
  }

  const status = certificateStatus(bundle);
  const json = `${JSON.stringify(bundle)}\n`;
  if (values.out) {
    writeFileSync(values.out, json, { mode: 0o600 });
    console.error(`bundle written to ${values.out}`);
  } else {
    process.stdout.write(json);
  }
  console.error(
    `certificate ${status.subject}, ${origin}, valid until ${formatDate(status.validTo)} (${status.daysLeft} days)`,
  );
  if (env in CERT_VARIABLES) {
    const certEnv = env as CertEnv;
    console.error(
      `next: store the bundle in the GitLab CI/CD variable ${CERT_VARIABLES[certEnv]} (${TF_ENVS_OF[certEnv].join(', ')}), then redeploy the dataPipeline stack`,
    );
  }
  return 0;
}
