import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verdict } from './alertExpiry';
import { certificateStatus, parseBundle, readVariable } from './certBundle';
import { durationSeconds } from './generate';
import { selfSignedBundle } from './x509';

const DAY = 86_400_000;
const NOW = new Date('2025-06-01T12:00:00Z');
const bundleFor = (days: number) => selfSignedBundle('reg-workers.test', days, NOW);

describe('self-signed bundles and their status', () => {
  it('makes a parseable pair whose key matches and whose days left are whole days', () => {
    const bundle = bundleFor(30);
    const status = certificateStatus(bundle, NOW);
    expect(status.subject).toBe('CN=reg-workers.test');
    expect(status.keyMatches).toBe(true);
    expect(status.daysLeft).toBe(30);
    expect(status.expired).toBe(false);
    expect(certificateStatus(bundle, new Date(NOW.getTime() + 5_000)).daysLeft).toBe(29);
    expect(certificateStatus(bundle, new Date(NOW.getTime() + 10.5 * DAY)).daysLeft).toBe(19);
  });

  it('is an end-entity TLS client certificate for its common name', () => {
    const cert = new X509Certificate(bundleFor(30).cert);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.subjectAltName).toBe('DNS:reg-workers.test');
    expect(cert.checkIssued(cert)).toBe(true);
  });

  it('counts whole days since expiry for an expired certificate', () => {
    const status = certificateStatus(bundleFor(-1), new Date(NOW.getTime() + 5_000));
    expect(status.expired).toBe(true);
    expect(status.daysLeft).toBe(-1);
  });

  it('notices a key that belongs to another certificate', () => {
    const a = bundleFor(10);
    const b = bundleFor(10);
    expect(certificateStatus({ cert: a.cert, key: b.key }, NOW).keyMatches).toBe(false);
  });
});

describe('parseBundle', () => {
  const { cert, key } = bundleFor(10);

  it('reads the JSON form and plain PEM (cert, key, chain)', () => {
    expect(parseBundle(JSON.stringify({ cert, key, ca: cert }), 'x')).toEqual({ cert, key, ca: cert });
    const pem = parseBundle(`${cert}\n${key}\n${cert}`, 'x');
    expect(pem.cert.trim()).toBe(cert.trim());
    expect(pem.key?.trim()).toBe(key?.trim());
    expect(pem.ca?.trim()).toBe(cert.trim());
  });

  it('says what is wrong with unreadable input', () => {
    expect(() => parseBundle('   ', 'nonprod_kafka_cert')).toThrow('nonprod_kafka_cert is empty');
    expect(() => parseBundle('{"cert":', 'f')).toThrow(/f is not valid JSON/);
    expect(() => parseBundle('{"cert":"nope"}', 'f')).toThrow(/no PEM certificate in "cert"/);
    expect(() => parseBundle('hello', 'f')).toThrow(/neither the JSON bundle/);
    expect(() => certificateStatus({ cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' })).toThrow(
      /cannot be parsed/,
    );
  });
});

describe('readVariable', () => {
  it('reads the value, or the file a GitLab file variable points at', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'certvar-'));
    const file = path.join(dir, 'value');
    writeFileSync(file, '{"cert":"x"}');
    expect(readVariable('A', { A: '{"cert":"y"}' })).toBe('{"cert":"y"}');
    expect(readVariable('A', { A: file })).toBe('{"cert":"x"}');
    expect(() => readVariable('A', {})).toThrow('environment variable A is not set or empty');
  });
});

describe('verdict', () => {
  const status = (days: number, after = 5_000) => certificateStatus(bundleFor(days), new Date(NOW.getTime() + after));

  it('alerts as soon as fewer than threshold days remain, not a day later', () => {
    expect(verdict('qa', 'nonprod_kafka_cert', 20, status(20, 0))).toMatchObject({ alert: false });
    const halfDayIn = verdict('qa', 'nonprod_kafka_cert', 20, status(20, DAY / 2));
    expect(halfDayIn).toMatchObject({ alert: true, failed: false });
    expect(halfDayIn.text).toContain('expires in 19 days');
    expect(verdict('qa', 'nonprod_kafka_cert', 20, status(1, DAY / 2)).text).toContain('expires in less than a day');
  });

  it('names the GitLab variable to update, and the file it read, when checking a file', () => {
    const text = verdict('prod', 'prod_kafka_cert', 20, status(5), undefined, '/tmp/new.json').text;
    expect(text).toContain('Kafka client certificate prod_kafka_cert (reg-workers prod1, checked from /tmp/new.json)');
    expect(text).toContain('update the GitLab CI/CD variable prod_kafka_cert,');
  });

  it('stays quiet at or above the threshold and alerts below it', () => {
    expect(verdict('qa', 'nonprod_kafka_cert', 20, status(30))).toMatchObject({ alert: false, failed: false });
    expect(verdict('qa', 'nonprod_kafka_cert', 20, status(20, 0))).toMatchObject({ alert: false, failed: false });
    const soon = verdict('prod', 'prod_kafka_cert', 20, status(19, 0));
    expect(soon).toMatchObject({ alert: true, failed: false });
    expect(soon.text).toContain('prod_kafka_cert (reg-workers prod1) expires in 19 days');
    expect(soon.text).toContain('npm run certs:generate -- --env prod');
  });

  it('alerts and fails for an expired or unreadable certificate', () => {
    const expired = verdict('dev', 'nonprod_kafka_cert', 20, status(-1));
    expect(expired).toMatchObject({ alert: true, failed: true });
    expect(expired.text).toMatch(/qa1, dev1\) EXPIRED on .* \(1 day ago\)/);
    expect(verdict('qa', 'nonprod_kafka_cert', 20, undefined, 'bad input')).toMatchObject({
      alert: true,
      failed: true,
      text: expect.stringContaining('cannot be read: bad input'),
    });
  });
});

describe('durationSeconds', () => {
  it('reads Vault durations', () => {
    expect(durationSeconds('8760h')).toBe(8760 * 3600);
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('30d')).toBe(30 * 86400);
    expect(durationSeconds('-24h')).toBe(-86400);
    expect(durationSeconds('3600')).toBe(3600);
    expect(() => durationSeconds('a year')).toThrow(/invalid duration/);
  });
});
