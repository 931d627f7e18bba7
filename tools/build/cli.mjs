#!/usr/bin/env node
// `npm run build`: see tools/build/main.ts (run through tools/run.mjs, like every tool).
import { runTool } from '../run.mjs';

await runTool('tools/build/main.ts', process.argv.slice(2));
