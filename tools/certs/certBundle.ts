/**
 * The Kafka client certificate bundle as the `kafka-cert` secret holds it (DECISIONS.md C [19]):
 * JSON `{ cert, key, ca? }` with PEM strings. The same text lives in the GitLab CI/CD variables
 * `nonprod_kafka_cert` (qa1, dev1), `preprod_kafka_cert` and `prod_kafka_cert`, which the
 * dataPipeline deploy passes to Terraform as `TF_VAR_kafka_cert`.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { CliError } from '../build/toolCli';

export interface CertBundle {
  cert: string;
  key?: string;
  ca?: string;
}

/** Environments whose certificate the tools handle, and the CI/CD variable holding each. */
export const CERT_VARIABLES = {
  qa: 'nonprod_kafka_cert',
  dev: 'nonprod_kafka_cert',
  preprod: 'preprod_kafka_cert',
  prod: 'prod_kafka_cert',
} as const;
export type CertEnv = keyof typeof CERT_VARIABLES;
export const CERT_ENVS = Object.keys(CERT_VARIABLES) as CertEnv[];

/** Terraform environments that use the certificate of `env` (the variable is shared by qa1 and dev1). */
export const TF_ENVS_OF: Record<CertEnv, string[]> = {
  qa: ['qa1', 'dev1'],
  dev: ['qa1', 'dev1'],
  preprod: ['preprod1'],
  prod: ['prod1'],
};

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]+?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

/**
 * Reads a bundle from text: the JSON form, or plain PEM (the first certificate is the client
 * certificate, further ones the CA chain, plus an optional private key). Throws a CliError
 * saying what is wrong.
 */
export function parseBundle(text: string, source: string): CertBundle {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new CliError(`${source} is empty`);
  }
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new CliError(`${source} is not valid JSON: ${(error as Error).message}`);
    }
    const b = parsed as Partial<Record<keyof CertBundle, unknown>>;
    if (typeof b.cert !== 'string' || !b.cert.includes('-----BEGIN CERTIFICATE-----')) {
      throw new CliError(`${source} has no PEM certificate in "cert" (expected JSON { cert, key, ca? })`);
    }
    return {
      cert: b.cert,
      ...(typeof b.key === 'string' && b.key ? { key: b.key } : {}),
      ...(typeof b.ca === 'string' && b.ca ? { ca: b.ca } : {}),
    };
  }
  const certs = trimmed.match(CERT_BLOCK) ?? [];
  if (certs.length === 0) {
    throw new CliError(`${source} holds neither the JSON bundle { cert, key, ca? } nor a PEM certificate`);
  }
  const key = trimmed.match(KEY_BLOCK)?.[0];
  return {
    cert: `${certs[0]}\n`,
    ...(key ? { key: `${key}\n` } : {}),
    ...(certs.length > 1 ? { ca: `${certs.slice(1).join('\n')}\n` } : {}),
  };
}

export interface CertificateStatus {
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: Date;
  validTo: Date;
  /**
   * Whole days until expiry (19.5 days left is 19, so "fewer than 20 days" is `daysLeft < 20`; a
   * certificate issued for 720h shows 29 a moment later); once expired, minus the whole days
   * since expiry (0 on the day it expired).
   */
  daysLeft: number;
  expired: boolean;
  /** Whether the bundle's key belongs to the certificate (undefined without a key). */
  keyMatches?: boolean;
}

const DAY_MS = 86_400_000;

/** Validity of a bundle's certificate at `now`. */
export function certificateStatus(bundle: CertBundle, now: Date = new Date()): CertificateStatus {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(bundle.cert);
  } catch (error) {
    throw new CliError(`the certificate cannot be parsed: ${(error as Error).message}`);
  }
  const validTo = new Date(x509.validTo);
  const msLeft = validTo.getTime() - now.getTime();
  let keyMatches: boolean | undefined;
  if (bundle.key) {
    try {
      keyMatches = x509.checkPrivateKey(createPrivateKey(bundle.key));
    } catch {
      keyMatches = false;
    }
  }
  return {
    subject: x509.subject.replace(/\n/g, ', '),
    issuer: x509.issuer.replace(/\n/g, ', '),
    serialNumber: x509.serialNumber,
    validFrom: new Date(x509.validFrom),
    validTo,
    daysLeft: msLeft > 0 ? Math.floor(msLeft / DAY_MS) : -Math.floor(-msLeft / DAY_MS),
    expired: msLeft <= 0,
    ...(keyMatches === undefined ? {} : { keyMatches }),
  };
}

/**
 * The text of a CI/CD variable. GitLab "File" variables hold the path of a file with the
 * value, so a value that is an existing file's path is read from that file.
 */
export function readVariable(name: string, environment: NodeJS.ProcessEnv = process.env): string {
  const value = environment[name];
  if (value === undefined || value.trim() === '') {
    throw new CliError(`environment variable ${name} is not set or empty`);
  }
  const candidate = value.trim();
  if (
    !candidate.includes('\n') &&
    !candidate.startsWith('{') &&
    existsSync(candidate) &&
    statSync(candidate).isFile()
  ) {
    return readFileSync(candidate, 'utf8');
  }
  return value;
}

/** Reads a file, or standard input for `-`. */
export function readFileOrStdin(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file === '-' ? 'standard input' : file}: ${(error as Error).message}`);
  }
}

/** `2026-03-01 12:00 UTC` */
export const formatDate = (date: Date): string => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
