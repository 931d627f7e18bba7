import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reproducibleZip } from '../../build/zip';
import { prepareHandlers } from './bundles';
import { readZipEntry } from '../../build/zip';

const REPO = path.resolve(__dirname, '../../..');

describe('handler code of the local functions', () => {
  let root: string;
  const entryOf = (worker: string) => `src/workers/${worker}.js`;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'handlers-'));
    cpSync(path.join(REPO, 'configs'), path.join(root, 'configs'), { recursive: true });
    mkdirSync(path.join(root, 'src', 'workers'), { recursive: true });
    mkdirSync(path.join(root, 'dist', 'local'), { recursive: true });
    writeFileSync(path.join(root, 'src', 'workers', 'hello.js'), "exports.handler = async () => 'from source';\n");
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('runs a fresh dist/local ZIP as built', async () => {
    const zip = await reproducibleZip([{ name: 'index.js', data: Buffer.from("exports.handler = async () => 'from dist';\n") }]);
    writeFileSync(path.join(root, 'dist', 'local', 'hello.zip'), zip);
    const code = (await prepareHandlers(['hello'], { root, workDir: path.join(root, 'work'), entryOf })).get('hello')!;
    expect(code).toMatchObject({ status: 'ready', source: 'dist' });
    expect(readFileSync((code as { file: string }).file, 'utf8')).toContain('from dist');
  });

  it('bundles from source when the ZIP is older than the sources, and reports a missing handler as pending', async () => {
    const zip = path.join(root, 'dist', 'local', 'hello.zip');
    writeFileSync(zip, await reproducibleZip([{ name: 'index.js', data: Buffer.from('stale') }]));
    utimesSync(zip, new Date(2000, 0, 1), new Date(2000, 0, 1));
    const code = await prepareHandlers(['hello', 'absent'], { root, workDir: path.join(root, 'work'), entryOf });
    expect(code.get('hello')).toMatchObject({ status: 'ready', source: 'source' });
    expect(readFileSync((code.get('hello') as { file: string }).file, 'utf8')).toContain('from source');
    expect(code.get('absent')).toMatchObject({ status: 'pending' });
  });

  it('reads an entry out of a ZIP the build wrote', async () => {
    const zip = await reproducibleZip([
      { name: 'index.js', data: Buffer.from('code') },
      { name: 'index.js.map', data: Buffer.from('map') },
    ]);
    expect(readZipEntry(zip, 'index.js.map').toString()).toBe('map');
    expect(() => readZipEntry(zip, 'other.js')).toThrow('no entry other.js');
  });
});
