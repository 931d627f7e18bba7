/**
 * `npm run ops -- <verb> --env <env> ...`: the on-call engineer's hands. See `--help`, the
 * README's Operations section and docs/operations.md.
 */
import { CliError, parseCli, usageError } from '../build/toolCli';
import type { Io, Values, Verb } from './cli';
import { CACHE_EVICT_VERB } from './cache';
import { CHANGE_HELP, CHANGE_OPTIONS, COMMON_HELP, COMMON_OPTIONS, TOOL, confirmer, terminalIo } from './cli';
import { DLQ_VERBS } from './dlq';
import { REPLICATE_VERB } from './replicate';
import { SELECTION_RESTART_VERB } from './selection';
import { STATUS_VERB } from './status';
import { STREAM_VERBS } from './streamReplay';
import type { Target } from './target';
import { resolveTarget } from './target';

export const VERBS: Verb[] = [
  STATUS_VERB,
  ...DLQ_VERBS,
  ...STREAM_VERBS,
  REPLICATE_VERB,
  SELECTION_RESTART_VERB,
  CACHE_EVICT_VERB,
];

const usageOf = (verb: Verb) =>
  `${TOOL} ${verb.name}${verb.args.map((a) => ` ${a}`).join('')} --env ENV [options]${verb.changes ? ' [--dry-run] [--yes]' : ''}`;

export const HELP = `Operator tools for reg-workers: see the system, redrive dead letters, replay streams, restart stuck work.

usage: ${TOOL} <verb> --env <qa1|dev1|preprod1|prod1|local> [options]

verbs:
${VERBS.map((v) => `  ${`${v.name}${v.args.map((a) => ` ${a}`).join('')}`.padEnd(28)}${v.summary}`).join('\n')}

options of every verb:
${COMMON_HELP}
options of every verb that changes something:
${CHANGE_HELP}

In preprod1 and prod1 a verb that deletes, moves or writes asks first (--yes skips the question).
Run \`${TOOL} <verb> --help\` for a verb's own options. Exit status: 0 done, 1 failed (the
message says what is left), 2 bad arguments (nothing changed).`;

function helpOf(verb: Verb): string {
  return [
    `${verb.summary}`,
    '',
    `usage: ${usageOf(verb)}`,
    '',
    verb.help,
    '',
    'options:',
    COMMON_HELP,
    ...(verb.changes ? [CHANGE_HELP] : []),
  ].join('\n');
}

/** Finds the verb named by the first one or two words of argv. */
function verbOf(argv: string[]): { verb: Verb; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const verb = VERBS.find((v) => v.name === name);
    if (verb) {
      return { verb, rest: argv.slice(words) };
    }
  }
  return undefined;
}

/**
 * Runs one verb. `prepare` sees the target before the verb runs: tests use it to inject failures
 * into a client or to treat the local run as a protected environment.
 */
export async function main(argv: string[], io: Io = terminalIo, prepare?: (target: Target) => void): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(HELP);
    return 0;
  }
  const found = verbOf(argv);
  if (!found) {
    const group = VERBS.filter((v) => v.name.startsWith(`${argv[0]} `)).map((v) => v.name);
    throw usageError(
      group.length > 0
        ? `"${argv[0]}" needs one of: ${group.join(', ')}`
        : `unknown verb "${argv.slice(0, 2).join(' ')}"; verbs: ${VERBS.map((v) => v.name).join(', ')}`,
      TOOL,
    );
  }
  const { verb, rest } = found;
  const { values: parsed, positionals } = parseCli(
    rest,
    { ...COMMON_OPTIONS, ...(verb.changes ? CHANGE_OPTIONS : {}), ...verb.options },
    TOOL,
  );
  // No option is declared `multiple`, so every value is a string or a boolean.
  const values = parsed as Values;
  if (values.help) {
    io.out(helpOf(verb));
    return 0;
  }
  if (positionals.length !== verb.args.length) {
    throw usageError(
      verb.args.length === 0
        ? `${verb.name} takes no arguments, not "${positionals.join(' ')}"`
        : `${verb.name} takes ${verb.args.join(' ')}${positionals.length > 0 ? `, not "${positionals.join(' ')}"` : ''}`,
      TOOL,
    );
  }
  if (typeof values.env !== 'string') {
    throw usageError('give --env (qa1, dev1, preprod1, prod1 or local)', TOOL);
  }
  const target = await resolveTarget(values.env, {
    envFile: typeof values['env-file'] === 'string' ? values['env-file'] : undefined,
  });
  prepare?.(target);
  const dryRun = values['dry-run'] === true;
  try {
    return await verb.run({
      target,
      values,
      args: positionals,
      io,
      dryRun,
      json: values.json === true,
      confirm: confirmer(target, values, io, dryRun),
    });
  } catch (error) {
    // A service's refusal (no such queue, access denied, ...) is the operator's to read, not a stack trace.
    if (!(error instanceof CliError) && typeof (error as { $metadata?: unknown }).$metadata === 'object') {
      throw new CliError(`${verb.name}: ${(error as Error).name}: ${(error as Error).message}`);
    }
    throw error;
  } finally {
    target.close();
  }
}
