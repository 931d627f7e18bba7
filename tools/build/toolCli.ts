/**
 * Small helpers shared by the operator tools (build, certs, invoke, uploadInvites), which run
 * through `tools/run.mjs`: argument parsing with usage errors, and errors printed without a
 * stack trace.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** Repository root (tools are bundled to node_modules/.cache, so this is not derived from __dirname). */
export const ROOT = process.env.REG_WORKERS_ROOT ? path.resolve(process.env.REG_WORKERS_ROOT) : process.cwd();

/** Directory of the YAML configuration files. */
export const CONFIG_DIR = path.join(ROOT, 'configs');

/** An operator-facing failure: `tools/run.mjs` prints `error: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  readonly expected = true;
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A wrong invocation (exit code 2), with a pointer to `--help`. */
export const usageError = (message: string, tool: string): CliError =>
  new CliError(`${message}\nRun \`${tool} --help\` for usage.`, 2);

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` with node:util parseArgs; unknown flags and missing values become usage errors. */
export function parseCli<O extends Options>(argv: string[], options: O, tool: string, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    throw usageError((error as Error).message, tool);
  }
}

/** Splits repeated and comma-separated flag values (`--env qa --env dev,prod`). */
export const listOf = (value: string | string[] | undefined): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

/** Human-readable byte size (KiB with one decimal). */
export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
