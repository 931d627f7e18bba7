/**
 * Transport security in the configuration of every environment: Kafka over TLS (with the client
 * certificate from the kafka-cert secret) everywhere but local runs, and configuration
 * validation refusing any environment that turns it off; the services, Vault and IDV issuer
 * reached over HTTPS; no secret configured inline.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { CONFIG_ENVS } from '../../src/shared/config/core';
import { loadConfig } from '../../src/shared/config/load';

const CONFIGS = path.resolve(__dirname, '../../configs');
const DEPLOYED = CONFIG_ENVS.filter((env) => env !== 'local');
/** What Terraform sets on a function (resource locators); placeholders here. */
const ENVIRONMENT = {
  KAFKA_CERT_SECRET_ID: 'kafka-cert',
  SERVICE_JWT_SECRET_ID: 'service-jwt',
  MONGO_URI_SECRET_ID: 'mongo-uri',
};

describe('transport security of every environment', () => {
  it.each(DEPLOYED)('%s: Kafka over TLS with the certificate from the kafka-cert secret', (env) => {
    const config = loadConfig(env, { environment: ENVIRONMENT });
    expect(config.kafka.ssl).toBe(true);
    expect(config.aws.secrets.kafkaCert).toBe('kafka-cert');
    expect(config.kafka.brokers.length).toBeGreaterThan(0);
  });

  it.each(DEPLOYED)('%s: configuration validation refuses Kafka without TLS', (env) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'reg-workers-tls-'));
    try {
      cpSync(CONFIGS, dir, { recursive: true });
      const file = path.join(dir, `${env}.config.yml`);
      const doc = parseDocument(readFileSync(file, 'utf8'));
      doc.setIn(['kafka', 'ssl'], false);
      writeFileSync(file, doc.toString());
      expect(() => loadConfig(env, { dir, environment: ENVIRONMENT })).toThrow(
        /kafka\.ssl.*must be true outside local/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(DEPLOYED)('%s: services, Vault and the IDV issuer over HTTPS', (env) => {
    const config = loadConfig(env, { environment: ENVIRONMENT });
    const urls = {
      ...Object.fromEntries(
        (['entries', 'users', 'campaigns', 'codes', 'exports'] as const).map((s) => [s, config.services[s].baseUrl]),
      ),
      vault: config.certs.vault.url,
      idvIssuer: config.eligibility.idv.issuer,
    };
    for (const [name, url] of Object.entries(urls)) {
      expect({ name, url: url.startsWith('https://') }).toEqual({ name, url: true });
    }
  });

  it.each(CONFIG_ENVS)('%s: secrets come from Secrets Manager or the environment, never from the file', (env) => {
    const config = loadConfig(env, { environment: ENVIRONMENT });
    // Secret-bearing settings are secret ids (Terraform fills them) or empty; a key or URI with
    // credentials inline would show here (and to the secret scanner).
    expect(Object.values(config.aws.secrets).every((id) => id === '' || /^[\w-]+$/.test(id))).toBe(true);
    expect(config.eligibility.idv.publicKey).not.toMatch(/PRIVATE KEY/);
    expect(config.redis.url).not.toMatch(/\/\/[^/@]*:[^/@]*@/);
  });
});
