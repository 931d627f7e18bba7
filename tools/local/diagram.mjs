#!/usr/bin/env node
// `npm run diagram`: writes docs/wiring.md from the stacks' Terraform (see tools/local/diagramCli.ts).
import { runTool } from '../run.mjs';

await runTool('tools/local/diagramCli.ts', process.argv.slice(2));
