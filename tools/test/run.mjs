#!/usr/bin/env node
// `npm test`: type-check, lint, then every jest project (unit, integration incl. infrastructure
// checks and the end-to-end run). Prints the totals on the last line as `N passed, N failed, N skipped`.
// Extra arguments go to jest (e.g. `npm test -- src/shared`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const jestArgs = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };

function step(name, command, args) {
  const started = Date.now();
  process.stdout.write(`\n== ${name}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  const ok = result.status === 0;
  process.stdout.write(`== ${name}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  return ok;
}

if (process.versions.node.split('.')[0] !== '22') {
  console.error(
    `reg-workers needs Node 22 (this is ${process.version}); run it through npm (npm test), which uses the pinned node@22.`,
  );
  process.exit(1);
}

if (jestArgs.length === 0) {
  for (const [name, cmd, args] of [
    ['typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']],
    ['lint', bin('eslint'), ['.', '--max-warnings=0']],
  ]) {
    if (step(name, cmd, args)) {
      totals.passed++;
    } else {
      totals.failed++;
    }
  }
}

const reportDir = path.join(root, 'reports');
mkdirSync(reportDir, { recursive: true });

/** Runs jest with `args` (every project when none), adds its counts to the totals; false when it failed. */
function jest(args) {
  const report = path.join(reportDir, 'jest-results.json');
  rmSync(report, { force: true });
  const ok = step('jest', bin('jest'), ['--ci', '--maxWorkers=2', '--json', `--outputFile=${report}`, ...args]);
  if (!existsSync(report)) {
    totals.failed++;
    return false;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + r.numTodoTests;
  // A suite that fails to load has no failed test of its own: count it, so it cannot pass unseen.
  totals.failed += r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed')).length;
  if (!ok && r.numFailedTests === 0) {
    totals.failed++;
  }
  return ok;
}

const jestOk = jest(jestArgs);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed === 0 && jestOk ? 0 : 1);
