import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { CONFIG_ENVS, ConfigError, DEFAULT_CONFIG_DIR } from '../../src/shared/config/load';
import { configForBuild } from './config';

const DEPLOYED = CONFIG_ENVS.filter((env) => env !== 'local');
const dirs: string[] = [];

/** A copy of configs/ with `eligibility.idv.publicKey` of `file` set to `value`. */
function withIdvKey(file: string, value: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cfg-build-'));
  dirs.push(dir);
  cpSync(DEFAULT_CONFIG_DIR, dir, { recursive: true });
  const doc = parseDocument(readFileSync(path.join(dir, file), 'utf8'));
  doc.setIn(['eligibility', 'idv', 'publicKey'], value);
  writeFileSync(path.join(dir, file), doc.toString());
  return dir;
}

afterAll(() => {
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('configForBuild: the IDV issuer key of a deployed environment', () => {
  it.each(DEPLOYED)('%s: takes the key from IDV_PUBLIC_KEY, which Terraform sets', (env) => {
    const merged = configForBuild(env, DEFAULT_CONFIG_DIR);
    expect((merged.values.eligibility as { idv: { publicKey: string } }).idv.publicKey).toMatch(
      /^\$\{env:IDV_PUBLIC_KEY(:-)?\}$/,
    );
  });

  it.each(DEPLOYED)('%s: refuses to build with an empty key, naming the key and the file', (env) => {
    const dir = withIdvKey(`${env}.config.yml`, '');
    expect(() => configForBuild(env, dir)).toThrow(ConfigError);
    expect(() => configForBuild(env, dir)).toThrow(
      `key "eligibility.idv.publicKey" is empty for a deployed environment (from ${env}.config.yml)`,
    );
  });

  it('names default.config.yml when the empty key comes from there', () => {
    expect(() => configForBuild('prod', withIdvKey('default.config.yml', ' '))).toThrow(
      /key "eligibility\.idv\.publicKey" is empty for a deployed environment \(from default\.config\.yml\).*IDV_PUBLIC_KEY/s,
    );
  });

  it('accepts a literal key, and an empty key for local runs (no IDV issuer runs locally)', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n';
    expect(() => configForBuild('qa', withIdvKey('qa.config.yml', pem))).not.toThrow();
    expect(() => configForBuild('local', withIdvKey('local.config.yml', ''))).not.toThrow();
  });
});
