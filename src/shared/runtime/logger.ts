import { currentContext } from './context';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  debug(message: string, data?: Record<string, unknown>): void;
  /** A logger whose lines all carry `fields`. */
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  tag: string;
  level?: LogLevel;
  /** Keys (case-insensitive, matched as substrings) whose values are replaced by `[REDACTED]`. */
  secretKeys?: readonly string[];
  /** Where lines go; defaults to stdout (CloudWatch picks JSON lines up from there). */
  write?: (line: string) => void;
}

const REDACTED = '[REDACTED]';
const MAX_DEPTH = 8;

/** Copies `value` with secret-named keys redacted, errors made serialisable and cycles cut. */
export function redact(
  value: unknown,
  secretKeys: readonly string[],
  depth = 0,
  seen = new WeakSet<object>(),
): unknown {
  if (value instanceof Error) {
    return formatError(value);
  }
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? value.toString() : value;
  }
  if (seen.has(value) || depth >= MAX_DEPTH) {
    return '[Truncated]';
  }
  seen.add(value);
  if (Array.isArray(value)) {
    return value.map((v) => redact(v, secretKeys, depth + 1, seen));
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const lower = key.toLowerCase();
    out[key] = secretKeys.some((s) => lower.includes(s)) ? REDACTED : redact(v, secretKeys, depth + 1, seen);
  }
  return out;
}

/** Turns anything thrown into a plain object with name, message, stack and extra fields. */
export function formatError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const extra = Object.fromEntries(Object.entries(error).filter(([k]) => k !== 'stack' && k !== 'message'));
    return { name: error.name, message: error.message, ...extra, stack: error.stack };
  }
  return { name: 'NonError', message: typeof error === 'string' ? error : safeJson(error) };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Creates a structured JSON logger; each line carries timestamp, level, tag and the correlation id. */
export function createLogger(options: LoggerOptions, fields: Record<string, unknown> = {}): Logger {
  const threshold = LEVELS[options.level ?? (process.env.LOG_LEVEL as LogLevel) ?? 'info'] ?? LEVELS.info;
  const secretKeys = (options.secretKeys ?? DEFAULT_SECRET_KEYS).map((k) => k.toLowerCase());
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (level: LogLevel, message: string, data?: Record<string, unknown>) => {
    if (LEVELS[level] > threshold) {
      return;
    }
    const ctx = currentContext();
    const line = {
      timestamp: new Date().toISOString(),
      level,
      tag: options.tag,
      message,
      correlationId: ctx?.correlationId,
      awsRequestId: ctx?.awsRequestId,
      ...(redact(fields, secretKeys) as Record<string, unknown>),
      ...(data === undefined ? {} : { data: redact(data, secretKeys) }),
    };
    write(JSON.stringify(line));
  };
  return {
    error: (m, d) => log('error', m, d),
    warn: (m, d) => log('warn', m, d),
    info: (m, d) => log('info', m, d),
    debug: (m, d) => log('debug', m, d),
    child: (more) => createLogger(options, { ...fields, ...more }),
  };
}

export const DEFAULT_SECRET_KEYS = [
  'password',
  'secret',
  'token',
  'authorization',
  'privatekey',
  'private_key',
  'cert',
  'key',
  'jwt',
  'cookie',
] as const;

/** A logger that drops everything; for tests that do not look at logs. */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
};
