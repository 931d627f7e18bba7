/**
 * docs/fault-matrix.md is generated from test/faults/matrix.ts, whose cells the suites run and
 * check against the observed behaviour. This test keeps the document and the table one thing:
 * it fails while the committed document differs from the rendering. `UPDATE_FAULT_MATRIX=1`
 * writes the rendering instead.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WORKERS } from '../../src/workers/registry';
import { MATRIX, SUITES, renderFaultMatrix } from './matrix';

const ROOT = path.resolve(__dirname, '../..');
const DOC = path.join(ROOT, 'docs/fault-matrix.md');
const workerNames = WORKERS.map((w) => w.name);

describe('fault matrix document', () => {
  it('covers every worker of the registry, and only those', () => {
    const covered = new Set(SUITES.flatMap((s) => MATRIX[s].map((c) => c.worker)));
    expect([...covered].sort()).toEqual([...workerNames].sort());
  });

  it('has a suite file for every group of cells, which runs them', () => {
    for (const suite of SUITES) {
      const file = path.join(__dirname, `${suite}.test.ts`);
      expect({ suite, exists: existsSync(file) }).toEqual({ suite, exists: true });
      expect(readFileSync(file, 'utf8')).toContain(`runSuite('${suite}'`);
    }
  });

  it('docs/fault-matrix.md is the rendering of test/faults/matrix.ts', () => {
    const rendered = renderFaultMatrix(workerNames);
    if (process.env.UPDATE_FAULT_MATRIX === '1') {
      writeFileSync(DOC, rendered);
    }
    expect(existsSync(DOC) ? readFileSync(DOC, 'utf8') : '(missing)').toBe(rendered);
  });
});
