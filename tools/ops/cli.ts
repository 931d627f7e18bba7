/**
 * The frame every `ops` verb runs in: its options and help, the environment it acts on, dry
 * runs, and the confirmation asked before a change in preprod or prod.
 */
import { createInterface } from 'node:readline/promises';
import type { ParseArgsConfig } from 'node:util';
import { CliError, usageError } from '../build/toolCli';
import type { Target } from './target';

export const TOOL = 'npm run ops --';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

/** What a verb prints to and asks of the operator (tests pass their own). */
export interface Io {
  out(line: string): void;
  /** Asks a yes/no question; true only for an explicit yes. */
  ask(question: string): Promise<boolean>;
}

export interface VerbContext {
  target: Target;
  values: Values;
  args: string[];
  io: Io;
  /** `--dry-run`: say what would change, change nothing. */
  dryRun: boolean;
  json: boolean;
  /** Before a change: in preprod and prod asks (unless `--yes`), and throws when the answer is not yes. */
  confirm(what: string): Promise<void>;
}

export interface Verb {
  /** `status`, `dlq peek`, ... */
  name: string;
  /** Positional arguments, as the usage line shows them (`<queue>`). */
  args: string[];
  summary: string;
  /** Verb-specific option lines of the help, and what it does in detail. */
  help: string;
  options: Options;
  /** Verbs that change something take `--dry-run` and `--yes`. */
  changes: boolean;
  run(ctx: VerbContext): Promise<number>;
}

export const COMMON_OPTIONS: Options = {
  env: { type: 'string' },
  'env-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
export const CHANGE_OPTIONS: Options = { 'dry-run': { type: 'boolean' }, yes: { type: 'boolean', short: 'y' } };

export const COMMON_HELP = `  --env ENV         qa1, dev1, preprod1, prod1 (AWS, the usual credential chain) or local
                    (the run \`npm start\` keeps running); required
  --env-file FILE   with --env local: the run's env.sh (default .local/run/local/env.sh)
  --json            print the result as JSON
  -h, --help        this help`;
export const CHANGE_HELP = `  --dry-run         say what would change, change nothing
  -y, --yes         do not ask before a change in preprod1 or prod1`;

/** A positive integer option value, or a usage error naming the flag. */
export function positiveInt(value: string | boolean | undefined, flag: string, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw usageError(`${flag} must be a positive integer, not "${String(value)}"`, TOOL);
  }
  return n;
}

/** A required text option, or a usage error. */
export function requiredText(values: Values, flag: string): string {
  const value = values[flag];
  if (typeof value !== 'string' || value.trim() === '') {
    throw usageError(`give --${flag}`, TOOL);
  }
  return value.trim();
}

/** The operator's terminal: prints to stdout, asks on stdin (refuses when stdin is not a terminal). */
export const terminalIo: Io = {
  out: (line) => console.log(line),
  async ask(question) {
    if (!process.stdin.isTTY) {
      throw new CliError(`${question}\nno terminal to answer on: run it in a terminal, or add --yes`, 2);
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  },
};

/** The confirmation step of a change: nothing to ask outside preprod/prod, on a dry run, or with --yes. */
export function confirmer(target: Target, values: Values, io: Io, dryRun: boolean) {
  return async (what: string): Promise<void> => {
    if (dryRun || !target.protectedEnv || values.yes === true) {
      return;
    }
    if (!(await io.ask(`${what} in ${target.env}?`))) {
      throw new CliError('not confirmed; nothing changed');
    }
  };
}

/**
 * A rate limit: each call waits until `items` more may start, so that at most `perSecond` start
 * per second. Time lost in a slow step is not made up with a burst afterwards.
 */
export function pacer(perSecond: number): (items?: number) => Promise<void> {
  let next = Date.now();
  return async (items = 1) => {
    const now = Date.now();
    if (next > now) {
      await new Promise((resolve) => setTimeout(resolve, next - now));
    }
    next = Math.max(next, now) + (1000 * items) / perSecond;
  };
}

/** A fixed-width text table. */
export function table(headers: string[], rows: (string | number)[][]): string[] {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}
