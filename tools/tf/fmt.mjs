#!/usr/bin/env node
// `terraform fmt` for machines without a terraform binary: formats every .tf, .tfvars and .hcl
// file under terraform/ with HashiCorp's hclwrite formatter (@cdktf/hcl-tools).
// usage: node tools/tf/fmt.mjs [--check]   (--check lists unformatted files, exit 1 if any)
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { format } = require('@cdktf/hcl-tools');

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const check = process.argv.includes('--check');

function* hclFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) {
      continue;
    }
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      yield* hclFiles(path);
    } else if (/\.(tf|tfvars|hcl)$/.test(entry.name)) {
      yield path;
    }
  }
}

let changed = 0;
for (const file of hclFiles(join(repoRoot, 'terraform'))) {
  const source = readFileSync(file, 'utf8');
  const formatted = await format(source);
  if (formatted === source) {
    continue;
  }
  changed += 1;
  console.log(relative(repoRoot, file));
  if (!check) {
    writeFileSync(file, formatted);
  }
}
if (check && changed > 0) {
  console.error(`${changed} file(s) are not formatted; run: node tools/tf/fmt.mjs`);
  process.exit(1);
}
