/**
 * No secret in the repository or in what the build produces: the secret patterns of
 * secretPatterns.ts over every file git tracks or would track (untracked files that are not
 * ignored), over the ZIPs of a fresh build of one environment, and over what is in dist/ now.
 * A clearly marked throwaway test fixture may be allow-listed below, with the reason.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readZip } from '../../tools/build/zip';
import type { SecretFinding } from './secretPatterns';
import { SECRET_PATTERNS, findSecrets } from './secretPatterns';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Findings that are not secrets, by file and kind, each with why. Keep this list short: a real
 * key in a test file is still a real key.
 */
const ALLOWED: readonly { file: string; kind: string; why: string }[] = [
  ...['PEM private key', 'AWS access key id', 'password in a string', 'credentials in a URL'].map((kind) => ({
    file: 'tools/build/build.test.ts',
    kind,
    why: 'made-up values (a truncated key, the AWS documentation example key id, hunter2-style passwords) that the build scanner test plants to prove the build fails on them',
  })),
  {
    file: 'tools/build/secretScan.ts',
    kind: 'password in a string',
    why: 'a comment describing the pattern, in backquotes',
  },
];

const allowed = (file: string, f: SecretFinding) => ALLOWED.some((a) => a.file === file && a.kind === f.kind);

/** Files git tracks plus untracked files it does not ignore (what the next commit could hold). */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT });
  return out
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .filter((f) => existsSync(path.join(ROOT, f)) && statSync(path.join(ROOT, f)).isFile());
}

const isBinary = (data: Buffer) => data.subarray(0, 8000).includes(0);

/** Every file under `dir`, ZIP entries included (as `<zip>!<entry>`), with its findings. */
function scanTree(dir: string): { file: string; findings: SecretFinding[] }[] {
  const results: { file: string; findings: SecretFinding[] }[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith('.zip')) {
        for (const inner of readZip(readFileSync(full))) {
          results.push({
            file: `${path.relative(dir, full)}!${inner.name}`,
            findings: findSecrets(inner.data.toString('utf8')),
          });
        }
      } else {
        results.push({ file: path.relative(dir, full), findings: findSecrets(readFileSync(full, 'utf8')) });
      }
    }
  };
  walk(dir);
  return results;
}

jest.setTimeout(180_000);

describe('secret scanner', () => {
  it('finds each kind of secret it is meant to find (self-test)', () => {
    // Made-up values in the shapes of real ones, none of which grants anything, assembled at run
    // time so that this file itself holds no secret-shaped text.
    const join = (...parts: string[]) => parts.join('');
    const samples: Record<string, string> = {
      'PEM private key': join(
        'key: "-----BEGIN PRIVATE',
        ' KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\\n"',
      ),
      'AWS access key id': join('AKIA', 'IOSFODNN7EXAMPLE'),
      'AWS secret access key': join('aws_secret_access_key', ' = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY12'),
      JWT: join('eyJhbGciOiJSUzI1NiJ9', '.eyJzdWIiOiJtYWRlLXVwIn0', '.c2lnbmF0dXJlLW1hZGUtdXAtZm9yLWEtdGVzdA'),
      'password in a string': join('mongodb://host/db?authSource=admin&pass', 'word=hunter22'),
      'credentials in a URL': join('redis://worker', ':s3cr3tpass@cache.internal:6379'),
      'Slack webhook URL': [
        'https://hooks.slack.com/services',
        'T0000000A',
        'B0000000B',
        'abcdefghijklmnopqrstuvwx',
      ].join('/'),
      'Slack token': ['xoxb', '123456789012', 'abcdefghij'].join('-'),
      'Vault token': ['hvs', 'CAESIJ0abcdefghijklmnopqrstuvwxyz012'].join('.'),
      'Vault token (legacy)': ['s', 'Xk3mP9qLw2ZrT8vN1bHc4yDs'].join('.'),
      'GitHub token': `ghp_${'a1'.repeat(18)}`,
    };
    const kindOf = (name: string) => name.replace(/ \(.*\)$/, '');
    expect([...new Set(Object.keys(samples).map(kindOf))].sort()).toEqual(SECRET_PATTERNS.map((p) => p.kind).sort());
    for (const [name, sample] of Object.entries(samples)) {
      expect({ name, found: findSecrets(sample).map((f) => f.kind) }).toEqual({ name, found: [kindOf(name)] });
    }
    // Code and configuration that only talk about secrets are not hits.
    expect(
      findSecrets(
        [
          "if (!v.key.includes('PRIVATE KEY')) throw new Error('not PEM');",
          'const url = `mongodb://${user}:${password}@${host}`;',
          'password=${VAULT_PASSWORD}',
          'secretKeys: [password, secret, token]',
          'AKIA0000 is too short',
          'return s.serverSelectionTimeoutMS;',
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  it('finds no secret in the files of the repository', () => {
    const hits = repositoryFiles().flatMap((file) => {
      const data = readFileSync(path.join(ROOT, file));
      if (isBinary(data)) {
        return [];
      }
      return findSecrets(data.toString('utf8'))
        .filter((f) => !allowed(file, f))
        .map((f) => ({ file, ...f }));
    });
    expect(hits).toEqual([]);
  });

  it('finds no secret in the bundles of a fresh build (prod)', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'reg-workers-secret-scan-'));
    try {
      const build = spawnSync(process.execPath, ['tools/build/cli.mjs', '--env', 'prod', '--out-dir', out], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, CONFIG_ENV: '' },
      });
      expect({ status: build.status, stderr: build.stderr.slice(-2000) }).toEqual({
        status: 0,
        stderr: expect.any(String),
      });
      const scanned = scanTree(out);
      expect(scanned.filter((s) => s.file.endsWith('!index.js'))).toHaveLength(15);
      expect(scanned.filter((s) => s.findings.length > 0)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('finds no secret in what dist/ holds now', () => {
    const dist = path.join(ROOT, 'dist');
    const scanned = existsSync(dist) ? scanTree(dist) : [];
    expect(scanned.filter((s) => s.findings.length > 0)).toEqual([]);
  });
});
