#!/usr/bin/env node
// `npm start`: the local runtime (see tools/local/main.ts and docs/local-runtime.md), run through
// tools/run.mjs like every tool, so its TypeScript runs on the pinned Node 22. The npm script
// `exec`s it, so npm's SIGINT/SIGTERM reach this process, not a shell between them; the stop
// rules (signals, the parent's exit, the run file) are in tools/local/runState.ts.
import { runTool } from '../run.mjs';

await runTool('tools/local/main.ts', process.argv.slice(2));
