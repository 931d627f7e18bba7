/**
 * docs/fault-matrix.md is generated from test/faults/matrix.ts, whose cells the suites run and
 * check against the observed behaviour. This test keeps the document and the table one thing:
 * it fails while the committed document differs from the rendering. `UPDATE_FAULT_MATRIX=1`
 * writes the rendering instead.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WORKERS } from '../../src/workers/registry';
import { SEED_FUNCTIONS } from '../infra/seedExpectations';
import { MATRIX, SUITES, renderFaultMatrix } from './matrix';

const ROOT = path.resolve(__dirname, '../..');
const DOC = path.join(ROOT, 'docs/fault-matrix.md');
const workerNames = WORKERS.map((w) => w.name);

describe('fault matrix document', () => {
  // A worker added after the seed gets its cells by hand (README, "Adding a worker"): what a
  // dependency failure does to it is its own design, not something a scaffold can know.
  it('covers every worker of the seed, and only registry workers', () => {
    const covered = new Set(SUITES.flatMap((s) => MATRIX[s].map((c) => c.worker)));
    expect(workerNames).toEqual(expect.arrayContaining([...covered]));
    expect(Object.values(SEED_FUNCTIONS).flatMap((names) => names.filter((w) => !covered.has(w)))).toEqual([]);
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
