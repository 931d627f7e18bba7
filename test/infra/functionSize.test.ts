/**
 * The local run stays readable in small parts (docs/local-runtime.md, "One record through the
 * parts"): no function under tools/local, test files aside, is longer than LIMIT lines, counted
 * from its first line to its closing brace. A function, method, arrow function or function
 * expression nested in another counts for both, so a long factory of closures fails too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '../..');
const LIMIT = 130;

function walk(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      return walk(rel);
    }
    return /\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.test.ts') ? [rel] : [];
  });
}

interface Sized {
  where: string;
  name: string;
  lines: number;
}

/** Every function-like node of `file` with its length in lines. */
export function functionSizes(file: string, text: string): Sized[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const sizes: Sized[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named = (node as { name?: ts.Node }).name ?? (node.parent as { name?: ts.Node }).name;
      sizes.push({
        where: `${file}:${first + 1}`,
        name: named?.getText(source) ?? '(anonymous)',
        lines: last - first + 1,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sizes;
}

describe('the local run in small parts', () => {
  const sizes = walk('tools/local').flatMap((file) => functionSizes(file, readFileSync(path.join(root, file), 'utf8')));

  it(`has no function longer than ${LIMIT} lines`, () => {
    const tooLong = sizes.filter((s) => s.lines > LIMIT).map((s) => `${s.where} ${s.name}: ${s.lines} lines`);
    expect(tooLong).toEqual([]);
  });

  it('measures what it checks: a long function is found, with its name and place', () => {
    const body = Array.from({ length: LIMIT }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const found = functionSizes(
      'x.ts',
      `export const make = () => {\n  function inner() {\n${body}\n  }\n  return inner;\n};\n`,
    );
    expect(found).toEqual([
      { where: 'x.ts:1', name: 'make', lines: LIMIT + 5 },
      { where: 'x.ts:2', name: 'inner', lines: LIMIT + 2 },
    ]);
    expect(sizes.length).toBeGreaterThan(500);
  });
});
