/**
 * `npm run local:trace -- <trace id | traceparent>`: prints the span tree of one trace of a local
 * run (its `traces.otlp.jsonl`), as `npm start` prints the registration and selection it followed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CliError, ROOT, parseCli, usageError } from '../build/toolCli';
import { TRACE_FILE } from './tracing/otlpFile';
import { readSpans, spanTree } from './tracing/spanTree';

const TOOL = 'npm run local:trace --';

const HELP = `Print the span tree of one trace of a local run (npm start).

usage: npm run local:trace -- <trace-id | traceparent> [--environment NAME] [--all]

  <trace-id>          32 hex digits, or a whole traceparent (00-<trace id>-<span id>-<flags>)
                      as found on a demand-table item, an SQS message attribute, a Kafka header
                      or, as traceId, on a log line
  --environment NAME  the environment the run was started with (default local)
  --all               every sibling span (by default, siblings of one name beyond two are counted)
  -h, --help          show this help

Reads .local/run/<environment>/${TRACE_FILE}; works while the run is up and after it stopped,
until the next start of the environment. ⇢ marks the batch invocation a record was processed in,
with that invocation's own trace id (its log lines carry it as traceId). docs/operations.md,
"Following one record".`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(
    argv,
    { environment: { type: 'string' }, all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    TOOL,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw usageError('give one trace id (or traceparent)', TOOL);
  }
  const traceId = /^(?:[0-9a-f]{2}-)?([0-9a-f]{32})(?:-[0-9a-f]{16}-[0-9a-f]{2})?$/.exec(positionals[0])?.[1];
  if (!traceId) {
    throw usageError(`not a trace id or traceparent: ${JSON.stringify(positionals[0].slice(0, 80))}`, TOOL);
  }
  const environment = values.environment ?? 'local';
  if (!/^[a-z][a-z0-9]{0,11}$/.test(environment)) {
    throw usageError('--environment must be 1-12 lower-case letters and digits, starting with a letter', TOOL);
  }
  const file = path.join(ROOT, '.local', 'run', environment, TRACE_FILE);
  if (!existsSync(file)) {
    throw new CliError(
      `no trace file ${path.relative(ROOT, file)}: start the run first (npm start -- --environment ${environment})`,
    );
  }
  const tree = spanTree(readSpans(file), traceId, values.all ? Number.POSITIVE_INFINITY : undefined);
  if (tree.length === 0) {
    throw new CliError(`trace ${traceId} has no span in ${path.relative(ROOT, file)}`);
  }
  console.log(tree.join('\n'));
  return 0;
}
