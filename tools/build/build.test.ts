import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { WORKERS } from '../../src/workers/registry';
import type { BuildReport, WorkerResult } from './build';
import { zipEntries } from './bundle';
import { BUNDLE_BUDGETS, DEFAULT_BUNDLE_BUDGET, bundleBudgets } from './budgets';
import { DEFAULT_BUILD_ENVS, progressLine, reportTable, resolveEnvs, resolveTargets } from './main';
import { scanForSecrets } from './secretScan';
import { reproducibleZip } from './zip';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('reproducibleZip', () => {
  it('gives the same bytes for the same entries in any order', async () => {
    const a = await reproducibleZip([
      { name: 'index.js', data: Buffer.from('exports.handler=1') },
      { name: 'index.js.map', data: Buffer.from('{}') },
    ]);
    const b = await reproducibleZip([
      { name: 'index.js.map', data: Buffer.from('{}') },
      { name: 'index.js', data: Buffer.from('exports.handler=1') },
    ]);
    expect(sha256(a)).toBe(sha256(b));
  });

  it('stores DOS time 1980-01-01 00:00, mode 644, deflate, and no extended timestamp', async () => {
    const zip = await reproducibleZip([{ name: 'index.js', data: Buffer.from('x'.repeat(1000)) }]);
    // Local file header: signature, version, flags, method, time, date, ..., name length, extra length.
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    expect(zip.readUInt16LE(8)).toBe(8);
    expect(zip.readUInt16LE(10)).toBe(0);
    expect(zip.readUInt16LE(12)).toBe((0 << 9) | (1 << 5) | 1);
    expect(zip.readUInt16LE(28)).toBe(0);
    const nameLength = zip.readUInt16LE(26);
    expect(zip.toString('utf8', 30, 30 + nameLength)).toBe('index.js');
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    expect(zip.readUInt32LE(central + 38) >>> 16).toBe(0o100644);
    const compressedSize = zip.readUInt32LE(central + 20);
    expect(inflateRawSync(zip.subarray(30 + nameLength, 30 + nameLength + compressedSize)).toString()).toBe(
      'x'.repeat(1000),
    );
  });
});

describe('zipEntries', () => {
  it('holds index.js only, or index.js pointing at its map with --sourcemap', () => {
    expect(zipEntries({ code: Buffer.from('code'), lazyFiles: [] }).map((e) => e.name)).toEqual(['index.js']);
    const withMap = zipEntries({ code: Buffer.from('code'), map: Buffer.from('{}'), lazyFiles: [] });
    expect(withMap.map((e) => e.name)).toEqual(['index.js', 'index.js.map']);
    expect(withMap[0].data.toString()).toBe('code//# sourceMappingURL=index.js.map\n');
  });

  it('puts the files loaded on first use after index.js, each with its own map', () => {
    const files = zipEntries({
      code: Buffer.from('code'),
      map: Buffer.from('{}'),
      lazyFiles: [{ name: 'mongodb.js', code: Buffer.from('driver'), map: Buffer.from('{"d":1}') }],
    });
    expect(files.map((e) => e.name)).toEqual(['index.js', 'index.js.map', 'mongodb.js', 'mongodb.js.map']);
    expect(files[2].data.toString()).toBe('driver//# sourceMappingURL=mongodb.js.map\n');
    expect(files[3].data.toString()).toBe('{"d":1}');
  });
});

describe('scanForSecrets', () => {
  it('finds private keys, access key ids, passwords in strings and credentials in URLs, masked', () => {
    const code = [
      'var a="-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAr8Xe1lbNn3YAS2ydxBR3KFE4Qf7wZVAr1";',
      'var b="AKIAIOSFODNN7EXAMPLE";',
      'var c="Server=x;User Id=u;password=hunter22;";',
      'var d="mongodb://admin:s3cret@db.example.com/x";',
    ].join('');
    const kinds = scanForSecrets(code).map((f) => f.kind);
    expect(kinds).toEqual(['PEM private key', 'AWS access key id', 'password in a string', 'credentials in URL']);
    expect(
      scanForSecrets(code)
        .map((f) => f.excerpt)
        .join(' '),
    ).not.toContain('hunter22');
  });

  it('leaves code, public certificates and placeholders alone', () => {
    const code = [
      'this.username=e.username,this.password=e.password;',
      'if(t.password===""){}',
      'var ca="-----BEGIN CERTIFICATE-----\\nMIID";',
      'if(k.indexOf("-----BEGIN PRIVATE KEY-----")!==0){}',
      'var k="-----BEGIN PUBLIC KEY-----\\nMIIB";',
      'var u="${env:SLACK_WEBHOOK_URL:-}";',
      'var m="mongodb://user:${PASSWORD}@host";',
    ].join('');
    expect(scanForSecrets(code)).toEqual([]);
  });
});

describe('build command line', () => {
  it('builds the four deployed environments by default, all five with "all", in a fixed order', () => {
    expect(resolveEnvs([])).toEqual([...DEFAULT_BUILD_ENVS]);
    expect(resolveEnvs(['prod', 'qa'])).toEqual(['qa', 'prod']);
    expect(resolveEnvs(['all']).sort()).toEqual(['dev', 'local', 'preprod', 'prod', 'qa']);
    expect(() => resolveEnvs(['staging'])).toThrow(
      /unknown environment "staging"; expected one of dev, qa, preprod, prod, local or all/,
    );
  });

  it('takes workers from the registry and lists the known ones for an unknown name', () => {
    expect(resolveTargets([])).toHaveLength(WORKERS.length);
    expect(resolveTargets(['sendData'])).toEqual([
      { name: 'sendData', stack: 'dataPipeline', entry: 'src/workers/dataPipeline/sendData/index.ts' },
    ]);
    expect(() => resolveTargets(['sendDta'])).toThrow(
      /unknown worker "sendDta"; known workers: checkEligibility, upsertUsers/,
    );
  });

  it('budgets only workers of the registry; a worker without its own line gets the default', () => {
    expect(WORKERS.map((w) => w.name)).toEqual(expect.arrayContaining(Object.keys(BUNDLE_BUDGETS)));
    expect(bundleBudgets([{ name: 'checkEligibility' }, { name: 'newWorker' }])).toEqual({
      checkEligibility: BUNDLE_BUDGETS.checkEligibility,
      newWorker: DEFAULT_BUNDLE_BUDGET,
    });
  });

  it('prints a progress line per worker and a table with sizes against budgets', () => {
    const built: WorkerResult = {
      worker: 'saveEntries',
      stack: 'replication',
      entry: 'src/workers/replication/saveEntries/index.ts',
      status: 'over-budget',
      budgetBytes: 1024,
      bundleBytes: 2048,
      zipBytes: 512,
      artifacts: [{ env: 'qa', zip: 'dist/qa/saveEntries.zip', bundleBytes: 2048, zipBytes: 512, sha256: 'x' }],
      topPackages: [],
      durationMs: 1500,
    };
    const pending: WorkerResult = {
      worker: 'planSends',
      stack: 'notification',
      entry: 'src/workers/notification/planSends/index.ts',
      status: 'pending',
      artifacts: [],
      topPackages: [],
    };
    expect(progressLine(built, 3, 15)).toBe('[ 3/15] saveEntries: qa 2.0 KiB in 1.5 s — OVER BUDGET');
    expect(progressLine(pending, 14, 15)).toBe(
      '[14/15] planSends: pending, src/workers/notification/planSends/index.ts does not exist yet; skipped',
    );
    const report: BuildReport = {
      ok: false,
      envs: ['qa'],
      outDir: 'dist',
      node: 'v22',
      esbuild: '0',
      workers: [built, pending],
    };
    const table = reportTable(report).split('\n');
    expect(table[0]).toMatch(/^worker\s+stack\s+bundle\s+zip\s+budget\s+used\s+status$/);
    expect(table[2]).toMatch(/^saveEntries\s+replication\s+2\.0 KiB\s+0\.5 KiB\s+1\.0 KiB\s+200%\s+OVER BUDGET$/);
    expect(table[3]).toMatch(/^planSends\s+notification\s+-\s+-\s+-\s+-\s+pending/);
  });
});
