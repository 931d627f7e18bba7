import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONFIG_ENVS, ConfigError, DEFAULT_CONFIG_DIR, deepMerge, interpolate, loadConfig } from './load';

/** A scratch config dir holding the real default file plus one environment file we write. */
function scratchDir(envYaml: string, env = 'qa'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
  copyFileSync(path.join(DEFAULT_CONFIG_DIR, 'default.config.yml'), path.join(dir, 'default.config.yml'));
  writeFileSync(path.join(dir, `${env}.config.yml`), envYaml);
  return dir;
}

describe('configuration', () => {
  it.each(CONFIG_ENVS)('loads and validates the %s environment', (env) => {
    const config = loadConfig(env, { environment: {} });
    expect(config.environment).toBe(env);
    expect(config.selection.maxPerInvocation).toBe(25000);
    expect(config.selection.minimumCodeReserveCount).toBe(500);
    expect(config.aws.sqsSendBatchSize).toBe(10);
  });

  it('allows PREVIEW campaigns in qa and dev only', () => {
    const allow = Object.fromEntries(
      ['qa', 'dev', 'preprod', 'prod'].map((e) => [e, loadConfig(e, { environment: {} }).eligibility.allowPreview]),
    );
    expect(allow).toEqual({ qa: true, dev: true, preprod: false, prod: false });
  });

  it('deep-merges the environment file over the defaults', () => {
    const prod = loadConfig('prod', { environment: {} });
    expect(prod.aws.demandTable).toBe('prd3292-prod1-us-east-1-demand-table');
    expect(prod.kafka.brokers).toHaveLength(3);
    expect(prod.kafka.topics.campaign).toBe('prd2011.dmnd.campaigns');
    expect(prod.services.entries.baseUrl).toContain('prod1');
  });

  it('rejects an unknown key, naming the key and the file', () => {
    const dir = scratchDir('environment: qa\nkafka:\n  brokerz: [a]\n');
    expect(() => loadConfig('qa', { dir, environment: {} })).toThrow(/unknown key "kafka.brokerz" in qa.config.yml/);
  });

  it('rejects a missing key, naming the key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    writeFileSync(path.join(dir, 'default.config.yml'), 'environment: default\n');
    writeFileSync(path.join(dir, 'qa.config.yml'), 'environment: qa\n');
    expect(() => loadConfig('qa', { dir, environment: {} })).toThrow(/missing key "aws"/);
  });

  it('rejects a wrongly typed value with its key and file', () => {
    const dir = scratchDir('environment: qa\nselection:\n  maxReservePerCall: 50000\n');
    expect(() => loadConfig('qa', { dir, environment: {} })).toThrow(
      /key "selection.maxReservePerCall" must be <= 20000 \(from qa.config.yml\)/,
    );
  });

  it('requires TLS for Kafka everywhere but local runs', () => {
    const dir = scratchDir('environment: qa\nkafka:\n  ssl: false\n');
    expect(() => loadConfig('qa', { dir, environment: {} })).toThrow(
      /key "kafka.ssl" must be true outside local runs \(from qa.config.yml\)/,
    );
    expect(loadConfig('local', { environment: {} }).kafka.ssl).toBe(false);
  });

  it('holds the SQS retry backoff: 60 s then 300 s (user-info 360 s), local runs 12.5 times faster', () => {
    expect(loadConfig('prod', { environment: {} }).sqsRetry).toEqual({ backoffSeconds: [60, 300], userInfoBackoffSeconds: [360] });
    expect(loadConfig('local', { environment: {} }).sqsRetry).toEqual({ backoffSeconds: [5, 24], userInfoBackoffSeconds: [29] });
  });

  it('rejects a retry backoff schedule that SQS cannot apply', () => {
    expect(() => loadConfig('qa', { dir: scratchDir('environment: qa\nsqsRetry:\n  backoffSeconds: []\n'), environment: {} })).toThrow(
      /key "sqsRetry.backoffSeconds" must NOT have fewer than 1 items/,
    );
    expect(() =>
      loadConfig('qa', { dir: scratchDir('environment: qa\nsqsRetry:\n  backoffSeconds: [60, 50000]\n'), environment: {} }),
    ).toThrow(/key "sqsRetry.backoffSeconds.1" must be <= 43200/);
  });

  it('rejects an unknown CONFIG_ENV', () => {
    expect(() => loadConfig('staging')).toThrow(ConfigError);
  });

  it('reads ${env:NAME} references from the environment, with fallbacks', () => {
    const local = loadConfig('local', {
      environment: { REDIS_URL: 'redis://127.0.0.1:7000', SAVE_ENTRIES_QUEUE_URL: 'http://q/save' },
    });
    expect(local.redis.url).toBe('redis://127.0.0.1:7000');
    expect(local.aws.queues.saveEntries).toBe('http://q/save');
    expect(local.aws.queues.verdictReporter).toBe('');
    expect(local.services.entries.baseUrl).toBe('http://127.0.0.1:4701');
  });

  it.each(CONFIG_ENVS)('%s: reads the IDV issuer key from IDV_PUBLIC_KEY (set by Terraform), empty without it', (env) => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n';
    expect(loadConfig(env, { environment: { IDV_PUBLIC_KEY: pem } }).eligibility.idv.publicKey).toBe(pem);
    expect(loadConfig(env, { environment: {} }).eligibility.idv.publicKey).toBe('');
  });

  it('names the key and the variable when a required variable is missing', () => {
    expect(() => interpolate({ a: { b: '${env:NOPE_NOT_SET}' } }, {})).toThrow(
      'Configuration key "a.b" needs environment variable NOPE_NOT_SET, which is not set',
    );
  });

  it('never lets a config file pollute prototypes', () => {
    const merged = deepMerge({}, JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'));
    expect(merged).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
