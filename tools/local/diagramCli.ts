/**
 * `npm run diagram [-- --check]`: writes docs/wiring.md, the stacks as read from Terraform,
 * as a Mermaid diagram plus reference tables. `--check` only compares and exits 1 when the
 * file is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadMergedConfig } from '../../src/shared/config/load';
import { CliError, CONFIG_DIR, ROOT, parseCli } from '../build/toolCli';
import { wiringMarkdown } from './wiring/diagram';
import { loadWiring, localResolver } from './wiring/load';
import { localStackVariables, placeholderVariables } from './wiring/variables';

/** The configuration environment whose Kafka topics the diagram shows (the stacks' base tfvars are dev1's). */
const DIAGRAM_CONFIG_ENV = 'dev';

/** docs/wiring.md as the current Terraform and configuration describe it. */
export async function renderWiringDoc(root: string, configDir = path.join(root, 'configs')): Promise<string> {
  const terraformDir = path.join(root, 'terraform');
  const variables = placeholderVariables();
  const model = await loadWiring({
    terraformDir,
    variables: (stack) => localStackVariables(terraformDir, stack, variables),
    resolver: localResolver({ region: variables.region, accountId: variables.accountId, queueUrl: (name) => `https://sqs.local/${name}` }),
  });
  const kafka = loadMergedConfig(DIAGRAM_CONFIG_ENV, configDir).values.kafka as { topics: Record<string, string> };
  return wiringMarkdown(model, kafka.topics);
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCli(argv, { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, 'npm run diagram --', false);
  if (values.help) {
    console.log('usage: npm run diagram [-- --check]\n\nWrites docs/wiring.md from terraform/stacks; --check exits 1 when it is out of date.');
    return 0;
  }
  const file = path.join(ROOT, 'docs', 'wiring.md');
  const text = await renderWiringDoc(ROOT, CONFIG_DIR);
  if (values.check) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // Missing counts as out of date.
    }
    if (current !== text) {
      throw new CliError('docs/wiring.md is out of date: run npm run diagram');
    }
    console.log('docs/wiring.md is up to date');
    return 0;
  }
  writeFileSync(file, text);
  console.log(`wrote ${path.relative(ROOT, file)}`);
  return 0;
}
