/**
 * The layers of docs/architecture.md, checked on every import in the repository:
 *
 *   src/workers → src/shared          product code; imports nothing outside src/
 *   tools/local → tools/local/emulators    the emulators import nothing from tools/local above them
 *   test/, bench/ → tools/, src/      nothing else imports test/; only benchmarks import bench/
 *
 * Test code is everything under test/ and every `*.test.ts` beside the code it tests. Imports are
 * read with TypeScript's own pre-processor (static imports, re-exports, `require`, `import()`), and
 * each violation names the file, the line and the file it imports.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '../..');
const TREES = ['src', 'tools', 'bench', 'test'];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const RESOLVE = ['', '.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '/index.ts', '/index.js'];
const EMULATORS = 'tools/local/emulators/';

interface Edge {
  from: string;
  line: number;
  to: string;
}

function walk(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      return entry.name === 'node_modules' ? [] : walk(rel);
    }
    return SOURCE.test(entry.name) ? [rel] : [];
  });
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.join(path.dirname(from), spec);
  const hit = RESOLVE.map((ext) => base + ext).find((candidate) => {
    try {
      return statSync(path.join(root, candidate)).isFile();
    } catch {
      return false;
    }
  });
  return hit?.split(path.sep).join('/');
}

/** Every relative import in the trees, resolved to a repository path; a relative import that resolves to nothing is an error. */
function importEdges(files: string[]): Edge[] {
  return files.flatMap((from) => {
    const text = readFileSync(path.join(root, from), 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    return importedFiles
      .filter((ref) => ref.fileName.startsWith('.'))
      .map((ref) => {
        const line = text.slice(0, ref.pos).split('\n').length;
        const to = resolve(from, ref.fileName);
        if (!to) {
          throw new Error(`${from}:${line} imports ${ref.fileName}, which resolves to no file`);
        }
        return { from, line, to };
      });
  });
}

const isTest = (file: string) => file.startsWith('test/') || /\.test\.[cm]?[jt]s$/.test(file);
const show = (e: Edge) => `${e.from}:${e.line} imports ${e.to}`;

const files = TREES.flatMap(walk);
const edges = importEdges(files);

describe('import layers (docs/architecture.md)', () => {
  it('reads every source tree and finds the imports between them', () => {
    for (const tree of TREES) {
      expect(files.filter((f) => f.startsWith(`${tree}/`)).length).toBeGreaterThan(0);
    }
    expect(edges.some((e) => e.from.startsWith('tools/local/') && e.to.startsWith(EMULATORS))).toBe(true);
    expect(edges.some((e) => e.from.startsWith('src/workers/') && e.to.startsWith('src/shared/'))).toBe(true);
  });

  it('nothing but test code imports test/', () => {
    const crossing = edges.filter((e) => !isTest(e.from) && e.to.startsWith('test/'));
    expect(crossing.map(show)).toEqual([]);
  });

  it('product code under src/ imports nothing outside src/', () => {
    const crossing = edges.filter((e) => e.from.startsWith('src/') && !isTest(e.from) && !e.to.startsWith('src/'));
    expect(crossing.map(show)).toEqual([]);
  });

  it('src/shared imports no worker', () => {
    const crossing = edges.filter(
      (e) => e.from.startsWith('src/shared/') && !isTest(e.from) && e.to.startsWith('src/workers/'),
    );
    expect(crossing.map(show)).toEqual([]);
  });

  it('the emulators import nothing from tools/local above them, nor bench/ or test/', () => {
    const crossing = edges.filter(
      (e) =>
        e.from.startsWith(EMULATORS) &&
        !isTest(e.from) &&
        (/^(test|bench)\//.test(e.to) || (e.to.startsWith('tools/local/') && !e.to.startsWith(EMULATORS))),
    );
    expect(crossing.map(show)).toEqual([]);
  });

  it('only the benchmarks import bench/ (the runner loads them by path at run time)', () => {
    const crossing = edges.filter((e) => !e.from.startsWith('bench/') && e.to.startsWith('bench/'));
    expect(crossing.map(show)).toEqual([]);
  });

  it('nothing under src/ exists only for tests: every product file is a worker entry or imported by non-test code', () => {
    const usedOutsideTests = new Set(edges.filter((e) => !isTest(e.from)).map((e) => e.to));
    const entry = /^src\/workers\/[^/]+\/[^/]+\/index\.ts$/;
    const testOnly = files.filter(
      (f) => f.startsWith('src/') && !isTest(f) && !entry.test(f) && !usedOutsideTests.has(f),
    );
    expect(testOnly.map((f) => `${f} is imported only by tests (move it under test/)`)).toEqual([]);
  });
});
