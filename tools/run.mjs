#!/usr/bin/env node
// Runs one of the project's TypeScript tools: `node tools/run.mjs <tool.ts> [args...]`.
//
// The tool is bundled with esbuild's API (packages under node_modules stay external, so they
// load from node_modules as usual) into a per-process file under node_modules/.cache/, then
// required; its exported `main(argv)` returns the exit code. One approach for every tool:
// no ts-node, no type stripping flags, and the same TypeScript the workers use.
//
// A tool reports a usage or operator error by throwing an Error whose `expected` property is
// true (see tools/build/toolCli.ts): run.mjs prints `error: <message>` without a stack trace and
// exits with the error's `exitCode` (default 1). Anything else is a bug and prints its stack.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'reg-workers-tools');

function requireNode22() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 22) {
    console.error(
      `reg-workers tools need Node 22 (this is ${process.version}); run them through npm (npm run <tool>) or npx, which use the pinned node@22.`,
    );
    process.exit(1);
  }
}

/** Bundles `entry` (a .ts file, relative to the repository root or absolute) and returns its exports. */
export async function loadTool(entry) {
  const entryPath = path.resolve(ROOT, entry);
  mkdirSync(CACHE_DIR, { recursive: true });
  // One file per process: tools may run concurrently (tests, CI jobs on one runner).
  const outfile = path.join(
    CACHE_DIR,
    `${path.basename(entryPath, '.ts')}-${process.pid}-${randomBytes(4).toString('hex')}.cjs`,
  );
  try {
    await build({
      entryPoints: [entryPath],
      outfile,
      bundle: true,
      packages: 'external',
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      sourcemap: 'inline',
      logLevel: 'error',
      absWorkingDir: ROOT,
    });
    process.setSourceMapsEnabled(true);
    return createRequire(import.meta.url)(outfile);
  } finally {
    rmSync(outfile, { force: true });
  }
}

/** Runs a tool's `main(argv)` and exits with its code. */
export async function runTool(entry, argv) {
  requireNode22();
  // Tools find the repository (configs/, src/, dist/) through this, whatever the working directory.
  process.env.REG_WORKERS_ROOT ??= ROOT;
  let code;
  try {
    const tool = await loadTool(entry);
    if (typeof tool.main !== 'function') {
      throw new Error(`${entry} does not export main(argv)`);
    }
    code = await tool.main(argv);
  } catch (error) {
    if (error && error.expected) {
      console.error(`error: ${error.message}`);
      code = typeof error.exitCode === 'number' ? error.exitCode : 1;
    } else {
      console.error(error && error.stack ? error.stack : error);
      code = 1;
    }
  }
  // Exit explicitly: a worker run by workers:invoke may leave clients (Redis, MongoDB) open.
  process.exit(typeof code === 'number' ? code : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [entry, ...argv] = process.argv.slice(2);
  if (!entry || entry === '--help' || entry === '-h') {
    console.error('usage: node tools/run.mjs <tool.ts> [args...]');
    process.exit(entry ? 0 : 2);
  }
  await runTool(entry, argv);
}
