#!/usr/bin/env node
// `npm run bench`: compiles tools/bench/main.ts with esbuild (dependencies stay external, so they
// load from node_modules) into .local/bench/ and runs it with this Node; its exit code is this
// script's. Arguments pass through: `npm run bench -- dataPipeline` runs only
// bench/dataPipeline.bench.ts, `-- dataPipeline --cpu-prof` profiles it, `-- --help` lists the
// modules and flags (0), and an unknown module or flag is a usage error (2) that starts nothing.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outfile = path.join(root, '.local', 'bench', 'main.cjs');
await build({
  entryPoints: [path.join(root, 'tools/bench/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  packages: 'external',
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
