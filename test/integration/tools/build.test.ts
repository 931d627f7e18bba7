/**
 * The build (tools/build): reproducible per-worker ZIPs that load on their own in a fresh
 * Node 22 process, configuration baked per environment and validated at build time, no
 * secrets, budgets, pending workers. Real registry workers are built when their index.ts
 * exists; a small fixture worker (test/integration/tools/fixtures/probeWorker) always is.
 */
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { WORKERS, workerEntryPath } from '../../../src/workers/registry';
import type { BuildOptions, BuildReport, BuildTarget } from '../../../tools/build/build';
import { buildWorkers } from '../../../tools/build/build';
import { BUNDLE_BUDGETS } from '../../../tools/build/budgets';
import { MONGODB_FILE } from '../../../tools/build/bundle';
import { readZip } from '../../../tools/build/zip';
import { ROOT, runNode } from './run';

const PROBE: BuildTarget = {
  name: 'probeWorker',
  stack: 'test',
  entry: 'test/integration/tools/fixtures/probeWorker/index.ts',
};
const PROBE_BUDGET = { probeWorker: 2 * 1024 * 1024 };
const EXISTING = WORKERS.filter((w) => existsSync(path.join(ROOT, workerEntryPath(w)))).map((w) => ({
  name: w.name,
  stack: w.stack,
  entry: workerEntryPath(w),
}));
/** The workers that talk to MongoDB (DOMAIN.md: eligibility's campaign lookup, the reminders). */
const MONGODB_WORKERS = [
  'checkEligibility',
  'notificationGenerator',
  'getMarketsToNotify',
  'planSends',
  'triggerReminderEmail',
];
const PENDING = WORKERS.filter((w) => !existsSync(path.join(ROOT, workerEntryPath(w))));

jest.setTimeout(120_000);

const scratch = mkdtempSync(path.join(tmpdir(), 'reg-workers-build-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const newDir = (label: string) => {
  const dir = path.join(scratch, `${label}-${++dirs}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function build(options: Partial<BuildOptions> & Pick<BuildOptions, 'outDir'>): Promise<BuildReport> {
  return buildWorkers({
    root: ROOT,
    configDir: path.join(ROOT, 'configs'),
    envs: ['qa'],
    targets: [PROBE],
    budgets: PROBE_BUDGET,
    ...options,
  });
}

/** Extracts a ZIP's index.js into a directory outside the repository (no node_modules above it). */
function unpack(zipFile: string, label: string): string {
  const dir = newDir(label);
  for (const entry of readZip(readFileSync(zipFile))) {
    writeFileSync(path.join(dir, entry.name), entry.data);
  }
  return path.join(dir, 'index.js');
}

/** Loads a bundle in a fresh Node process with a clean environment; optionally calls its handler. */
async function inFreshNode(bundle: string, call?: { event: unknown; env?: Record<string, string> }) {
  const script = call
    ? `const m=require(${JSON.stringify(bundle)});process.stdout.write=(s=>process.stderr.write(s));` +
      `m.handler(${JSON.stringify(call.event)}).then(r=>{require('fs').writeSync(1,'RESULT '+JSON.stringify(r)+'\\n')},e=>{console.error(e);process.exit(5)})`
    : `const m=require(${JSON.stringify(bundle)});if(typeof m.handler!=='function'){console.error('handler is '+typeof m.handler);process.exit(3)}console.log('HANDLER OK')`;
  // A clean environment: only PATH and what the caller gives (no CONFIG_ENV, no endpoints).
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.keys(process.env).map((k) => [k, undefined]),
  );
  const result = await runNode('-e', [script], {
    env: { ...env, PATH: process.env.PATH ?? '', ...call?.env },
    cwd: path.dirname(bundle),
  });
  const line = result.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return { ...result, result: line ? JSON.parse(line.slice('RESULT '.length)) : undefined };
}

describe('build: reproducible ZIPs', () => {
  it('gives byte-identical ZIPs when the same sources are built twice into different directories', async () => {
    const targets = [PROBE, ...EXISTING.slice(0, 1)];
    const budgets = { ...BUNDLE_BUDGETS, ...PROBE_BUDGET };
    const [a, b] = [newDir('repro-a'), newDir('repro-b')];
    const first = await build({ outDir: a, envs: ['qa', 'prod'], targets, budgets });
    const second = await build({ outDir: b, envs: ['qa', 'prod'], targets, budgets, concurrency: 1 });
    expect(first.ok).toBe(true);
    for (const target of targets) {
      for (const env of ['qa', 'prod']) {
        const name = `${env}/${target.name}.zip`;
        expect(sha256(path.join(a, name))).toBe(sha256(path.join(b, name)));
      }
    }
    expect(first.workers.map((w) => w.artifacts.map((x) => x.sha256))).toEqual(
      second.workers.map((w) => w.artifacts.map((x) => x.sha256)),
    );
  });

  it('puts exactly index.js in the ZIP, with a fixed date and mode, at dist/<env>/<worker>.zip', async () => {
    const out = newDir('layout');
    const report = await build({ outDir: out });
    expect(report.workers[0].artifacts[0].zip).toBe(path.relative(ROOT, path.join(out, 'qa', 'probeWorker.zip')));
    const entries = readZip(readFileSync(path.join(out, 'qa', 'probeWorker.zip')));
    expect(entries.map((e) => e.name)).toEqual(['index.js']);
    expect(entries[0]).toMatchObject({
      method: 8,
      mode: 0o100644,
      localExtraLength: 0,
      dosDate: { year: 1980, month: 1, day: 1, hour: 0, minute: 0, second: 0 },
    });
    expect(entries[0].data.toString('utf8')).not.toContain('sourceMappingURL');
  });

  it('adds index.js.map only with --sourcemap', async () => {
    const out = newDir('sourcemap');
    await build({ outDir: out, sourcemap: true });
    const entries = readZip(readFileSync(path.join(out, 'qa', 'probeWorker.zip')));
    expect(entries.map((e) => e.name)).toEqual(['index.js', 'index.js.map']);
    const map = JSON.parse(entries[1].data.toString('utf8')) as { sources: string[] };
    expect(map.sources).toContain('test/integration/tools/fixtures/probeWorker/index.ts');
    expect(map.sources.every((s) => !path.isAbsolute(s))).toBe(true);
  });
});

describe('build: self-contained bundles', () => {
  let report: BuildReport;
  let out: string;

  beforeAll(async () => {
    out = newDir('all-workers');
    report = await build({
      outDir: out,
      envs: ['qa'],
      targets: [PROBE, ...EXISTING],
      budgets: { ...BUNDLE_BUDGETS, ...PROBE_BUDGET },
    });
  }, 300_000);

  it('builds every registry worker that has an index.ts within its budget', () => {
    expect(
      report.workers.filter((w) => w.status !== 'built').map((w) => `${w.worker}: ${w.status} ${w.error ?? ''}`),
    ).toEqual([]);
  });

  it('loads each ZIP in a fresh Node 22 process outside the repository and finds a handler function', async () => {
    for (const w of report.workers) {
      const bundle = unpack(path.join(out, 'qa', `${w.worker}.zip`), `load-${w.worker}`);
      const result = await inFreshNode(bundle);
      expect({
        worker: w.worker,
        code: result.code,
        stdout: result.stdout.trim(),
        stderr: result.stderr.trim(),
      }).toEqual({
        worker: w.worker,
        code: 0,
        stdout: 'HANDLER OK',
        stderr: '',
      });
    }
  }, 120_000);

  it('keeps the MongoDB driver out of index.js: the MongoDB workers carry it as mongodb.js, loaded on first use, not in init', async () => {
    const zips = report.workers.map((w) => ({
      worker: w.worker,
      entries: readZip(readFileSync(path.join(out, 'qa', `${w.worker}.zip`))),
    }));
    expect(
      zips
        .filter((z) => z.entries.some((e) => e.name === MONGODB_FILE))
        .map((z) => z.worker)
        .sort(),
    ).toEqual([...MONGODB_WORKERS].sort());
    for (const { worker, entries } of zips.filter((z) => MONGODB_WORKERS.includes(z.worker))) {
      expect(entries.map((e) => e.name)).toEqual(['index.js', MONGODB_FILE]);
      const index = entries[0].data.toString('utf8');
      expect({
        worker,
        requiresDriver: index.includes(`require("./${MONGODB_FILE}")`),
        inlinesDriver: index.includes('MongoServerSelectionError'),
      }).toEqual({
        worker,
        requiresDriver: true,
        inlinesDriver: false,
      });
      // index.js alone (no mongodb.js beside it) loads: the driver is not required in init.
      const dir = newDir(`alone-${worker}`);
      writeFileSync(path.join(dir, 'index.js'), entries[0].data);
      expect((await inFreshNode(path.join(dir, 'index.js'))).stdout.trim()).toBe('HANDLER OK');
    }
    const driver = path.join(
      path.dirname(unpack(path.join(out, 'qa', 'checkEligibility.zip'), 'driver')),
      MONGODB_FILE,
    );
    const loaded = await runNode(
      '-e',
      [`const d=require(${JSON.stringify(driver)});console.log(typeof d.MongoClient, typeof d.ObjectId)`],
      {
        cwd: path.dirname(driver),
      },
    );
    expect(loaded.stdout.trim()).toBe('function function');
  });

  it('keeps private keys, access keys and passwords out of every bundle; certificates in it are public CA certificates of libraries', () => {
    for (const w of report.workers) {
      const code = readZip(readFileSync(path.join(out, 'qa', `${w.worker}.zip`)))
        .map((e) => e.data.toString('utf8'))
        .join('\n');
      // A key has a base64 body after its marker (some libraries hold the bare marker as a format string).
      expect({
        worker: w.worker,
        privateKeys: code.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----(\\n|\s)+[A-Za-z0-9+/]{40}/g),
      }).toEqual({ worker: w.worker, privateKeys: null });
      expect({ worker: w.worker, accessKeys: code.match(/AKIA[0-9A-Z]{16}/g) }).toEqual({
        worker: w.worker,
        accessKeys: null,
      });
      expect({ worker: w.worker, passwords: code.match(/(?<![\w.$])password=(?!=)/gi) }).toEqual({
        worker: w.worker,
        passwords: null,
      });
      const certificates = code.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
      for (const pem of certificates) {
        expect(new X509Certificate(pem.replace(/\\n/g, '\n')).ca).toBe(true);
      }
    }
  });

  it('reports the workers that have no code yet as pending, without a ZIP', async () => {
    const pendingOut = newDir('pending');
    const missing: BuildTarget = {
      name: 'notWrittenYet',
      stack: 'test',
      entry: 'test/integration/tools/fixtures/notWrittenYet/index.ts',
    };
    const result = await build({ outDir: pendingOut, targets: [missing, PROBE] });
    expect(result.ok).toBe(true);
    expect(result.workers.map((w) => [w.worker, w.status])).toEqual([
      ['notWrittenYet', 'pending'],
      ['probeWorker', 'built'],
    ]);
    expect(existsSync(path.join(pendingOut, 'qa', 'notWrittenYet.zip'))).toBe(false);
    const written = JSON.parse(readFileSync(path.join(pendingOut, 'build-report.json'), 'utf8')) as BuildReport;
    expect(written.workers.map((w) => w.status)).toEqual(['pending', 'built']);
    expect(written.workers[1]).toMatchObject({
      bundleBytes: expect.any(Number),
      zipBytes: expect.any(Number),
      budgetBytes: PROBE_BUDGET.probeWorker,
    });
  });
});

describe('build: configuration', () => {
  let out: string;

  beforeAll(async () => {
    out = newDir('config');
    await build({ outDir: out, envs: ['qa', 'prod', 'local'] });
  });

  it('bakes each environment its own configuration (demand table of qa vs prod)', async () => {
    const qa = await inFreshNode(unpack(path.join(out, 'qa', 'probeWorker.zip'), 'qa'), { event: { hello: 1 } });
    const prod = await inFreshNode(unpack(path.join(out, 'prod', 'probeWorker.zip'), 'prod'), { event: {} });
    expect(qa.result).toEqual({
      environment: 'qa',
      demandTable: 'prd3292-qa1-us-east-1-demand-table',
      configEnv: null,
      echo: { hello: 1 },
    });
    expect(prod.result).toMatchObject({ environment: 'prod', demandTable: 'prd3292-prod1-us-east-1-demand-table' });
    const qaCode = readZip(readFileSync(path.join(out, 'qa', 'probeWorker.zip')))[0].data.toString('utf8');
    expect(qaCode).toContain('prd3292-qa1-us-east-1-demand-table');
    expect(qaCode).not.toContain('prd3292-prod1-us-east-1-demand-table');
  });

  it('keeps ${env:...} references for run time, where the Lambda environment resolves them', async () => {
    const bundle = unpack(path.join(out, 'local', 'probeWorker.zip'), 'local');
    expect(readFileSync(bundle, 'utf8')).toContain('${env:DEMAND_TABLE_NAME:-prd3292-local-us-east-1-demand-table}');
    const withVariable = await inFreshNode(bundle, { event: {}, env: { DEMAND_TABLE_NAME: 'table-from-terraform' } });
    const withFallback = await inFreshNode(bundle, { event: {} });
    expect(withVariable.result).toMatchObject({ environment: 'local', demandTable: 'table-from-terraform' });
    expect(withFallback.result).toMatchObject({ demandTable: 'prd3292-local-us-east-1-demand-table' });
  });

  /** A copy of configs/ with one key of one file set to `value`. */
  function brokenConfigDir(file: string, keyPath: string, value: unknown): string {
    const dir = newDir('configs');
    cpSync(path.join(ROOT, 'configs'), dir, { recursive: true });
    const doc = parseDocument(readFileSync(path.join(dir, file), 'utf8'));
    doc.setIn(keyPath.split('.'), value);
    writeFileSync(path.join(dir, file), doc.toString());
    return dir;
  }

  it('fails before bundling when a key is unknown or has the wrong type, naming the key and the file', async () => {
    const unknownKey = brokenConfigDir('qa.config.yml', 'invites.defaultTtlDayz', 30);
    await expect(build({ outDir: newDir('bad'), configDir: unknownKey })).rejects.toThrow(
      'Invalid configuration for CONFIG_ENV=qa\n  - unknown key "invites.defaultTtlDayz" in qa.config.yml',
    );
    const wrongType = brokenConfigDir('prod.config.yml', 'selection.maxPerInvocation', 'lots');
    await expect(build({ outDir: newDir('bad'), configDir: wrongType, envs: ['qa', 'prod'] })).rejects.toThrow(
      /key "selection\.maxPerInvocation" must be integer \(from prod\.config\.yml\)/,
    );
  });

  it('fails the command with the ConfigError text and exit status 1', async () => {
    const dir = brokenConfigDir('qa.config.yml', 'aws.demandTabel', 'x');
    const outDir = newDir('cli-bad');
    const result = await runNode(path.join(ROOT, 'tools/build/cli.mjs'), [
      '--env',
      'qa',
      '--config-dir',
      dir,
      '--out-dir',
      outDir,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: build stopped: Invalid configuration for CONFIG_ENV=qa');
    expect(result.stderr).toContain('unknown key "aws.demandTabel" in qa.config.yml');
    expect(existsSync(path.join(outDir, 'qa'))).toBe(false);
  });

  it('refuses to write a bundle with a private key pasted into the configuration', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const dir = brokenConfigDir(
      'qa.config.yml',
      'eligibility.idv.publicKey',
      privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    const outDir = newDir('secret');
    const report = await build({ outDir, configDir: dir });
    expect(report.ok).toBe(false);
    expect(report.workers[0]).toMatchObject({ status: 'secrets-found', secrets: [{ kind: 'PEM private key (qa)' }] });
    expect(existsSync(path.join(outDir, 'qa', 'probeWorker.zip'))).toBe(false);
  });
});

describe('build: budgets', () => {
  it('fails a worker over its budget and names its largest parts', async () => {
    const report = await build({ outDir: newDir('budget'), budgets: { probeWorker: 10_000 } });
    expect(report.ok).toBe(false);
    const probe = report.workers[0];
    expect(probe.status).toBe('over-budget');
    expect(probe.bundleBytes).toBeGreaterThan(10_000);
    expect(probe.topPackages.map((p) => p.name)).toEqual(expect.arrayContaining(['(project)', 'ajv']));
  });

  it('fails a worker without a budget', async () => {
    const report = await build({ outDir: newDir('no-budget'), budgets: {} });
    expect(report.workers[0].status).toBe('no-budget');
    expect(report.ok).toBe(false);
  });
});

describe('npm run build', () => {
  it('prints a progress line per worker, the table and the report path, and exits 0', async () => {
    const outDir = newDir('cli');
    const names = [...EXISTING.slice(0, 1).map((w) => w.name), ...PENDING.slice(0, 1).map((w) => w.name)];
    const result = await runNode(path.join(ROOT, 'tools/build/cli.mjs'), [
      '--env',
      'qa',
      '--worker',
      names.join(','),
      '--out-dir',
      outDir,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Building ${names.length} worker(s) for qa into`);
    for (const w of EXISTING.slice(0, 1)) {
      expect(result.stdout).toMatch(new RegExp(`\\] ${w.name}: qa \\d+\\.\\d KiB in [\\d.]+ s — ok`));
      expect(existsSync(path.join(outDir, 'qa', `${w.name}.zip`))).toBe(true);
    }
    for (const w of PENDING.slice(0, 1)) {
      expect(result.stdout).toContain(`] ${w.name}: pending, ${workerEntryPath(w)} does not exist yet; skipped`);
    }
    expect(result.stdout).toMatch(/worker\s+stack\s+bundle\s+zip\s+budget\s+used\s+status/);
    expect(existsSync(path.join(outDir, 'build-report.json'))).toBe(true);
  });

  it('rejects an unknown environment or worker with the valid choices and exit status 2', async () => {
    const env = await runNode(path.join(ROOT, 'tools/build/cli.mjs'), ['--env', 'staging']);
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('unknown environment "staging"; expected one of dev, qa, preprod, prod, local or all');
    const worker = await runNode(path.join(ROOT, 'tools/build/cli.mjs'), ['--worker', 'nope']);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain(`known workers: ${WORKERS.map((w) => w.name).join(', ')}`);
  });

  it('documents itself with --help', async () => {
    const result = await runNode(path.join(ROOT, 'tools/build/cli.mjs'), ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: npm run build');
  });
});
