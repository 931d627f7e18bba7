/**
 * `npm run local:stop`: stops a local run (`npm start`) started elsewhere, through the run file it
 * keeps (`.local/run/<environment>/run.json`, see tools/local/runState.ts): SIGTERM to the
 * runtime, which stops its components; whatever it leaves (or a run killed with -9 left) is
 * stopped by its recorded pid after checking it is still the same process.
 */
import { ROOT, parseCli, usageError } from '../build/toolCli';
import { stopRun } from './runState';

const TOOL = 'npm run local:stop --';

const HELP = `Stop a local run (npm start) of an environment, started in another shell.

usage: npm run local:stop [-- [--environment NAME]]

  --environment NAME  the environment the run was started with (default local)
  -h, --help          show this help

Sends SIGTERM to the run's runtime process (recorded in .local/run/<environment>/run.json) and
waits up to 15 s for it to stop its components; then stops (SIGTERM, SIGKILL after 5 s) any
recorded component process still running, such as those a run killed with -9 left behind. A
process is only signalled when its pid still belongs to the recorded process (same start time).
Exit code 0 also when nothing was running.`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCli(argv, { environment: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, TOOL, false);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const environment = values.environment ?? 'local';
  if (!/^[a-z][a-z0-9]{0,11}$/.test(environment)) {
    throw usageError('--environment must be 1-12 lower-case letters and digits, starting with a letter', TOOL);
  }
  await stopRun({ root: ROOT, environment, log: (line) => console.log(line) });
  return 0;
}
