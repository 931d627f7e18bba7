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

/**
 * Longest string (and object key) a log line carries, in UTF-16 characters; longer ones are cut
 * with a "…(+N chars)" marker. A few KB keeps a stack trace or a reason whole.
 */
export const MAX_LOG_STRING_CHARS = 4096;

/**
 * Largest log line in UTF-8 bytes (CloudWatch takes events up to 256 KB). A longer line keeps
 * timestamp, level, tag, message and the correlation ids, and says how big it was instead of
 * carrying its data.
 */
export const MAX_LOG_LINE_BYTES = 32 * 1024;

/** `text` cut to `maxChars` with a "…(+N chars)" marker (never splitting a surrogate pair); short text unchanged. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) {
    return text;
  }
  const code = text.charCodeAt(maxChars - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? maxChars - 1 : maxChars;
  return `${text.slice(0, end)}…(+${text.length - end} chars)`;
}

/** Per list of secret keys, the verdict on each key seen: records repeat the same few keys. */
const secretKeyVerdicts = new WeakMap<readonly string[], Map<string, boolean>>();
/** Keys remembered per list before it is cleared, so hostile input with ever-new keys cannot grow it. */
const MAX_REMEMBERED_KEYS = 4096;

/** The remembered verdicts for one list of secret keys. */
function verdictsOf(secretKeys: readonly string[]): Map<string, boolean> {
  let verdicts = secretKeyVerdicts.get(secretKeys);
  if (!verdicts) {
    verdicts = new Map();
    secretKeyVerdicts.set(secretKeys, verdicts);
  }
  return verdicts;
}

/** Whether `key` is secret-named: it holds one of `secretKeys` (lower case), case-insensitively. */
export function isSecretKey(key: string, secretKeys: readonly string[], verdicts = verdictsOf(secretKeys)): boolean {
  let secret = verdicts.get(key);
  if (secret === undefined) {
    const lower = key.toLowerCase();
    secret = secretKeys.some((s) => lower.includes(s));
    if (verdicts.size >= MAX_REMEMBERED_KEYS) {
      verdicts.clear();
    }
    verdicts.set(key, secret);
  }
  return secret;
}

/** isSecretKey for one list of secret keys, for a caller that tests many keys against it. */
export function secretKeyTest(secretKeys: readonly string[]): (key: string) => boolean {
  const verdicts = verdictsOf(secretKeys);
  return (key) => isSecretKey(key, secretKeys, verdicts);
}

/**
 * Copies `value` with secret-named keys redacted, errors made serialisable, cycles cut and
 * strings (values and keys) cut to `maxChars`.
 */
export function redact(
  value: unknown,
  secretKeys: readonly string[],
  depth = 0,
  seen = new WeakSet<object>(),
  maxChars = MAX_LOG_STRING_CHARS,
): unknown {
  if (value instanceof Error) {
    return redact(formatError(value), secretKeys, depth, seen, maxChars);
  }
  if (typeof value === 'string') {
    return truncateText(value, maxChars);
  }
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? value.toString() : value;
  }
  if (seen.has(value) || depth >= MAX_DEPTH) {
    return '[Truncated]';
  }
  seen.add(value);
  if (Array.isArray(value)) {
    return value.map((v) => redact(v, secretKeys, depth + 1, seen, maxChars));
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[truncateText(key, maxChars)] = isSecretKey(key, secretKeys)
      ? REDACTED
      : redact(v, secretKeys, depth + 1, seen, maxChars);
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

/**
 * The JSON text of a log line, at most MAX_LOG_LINE_BYTES: when `line` is longer, its `data`
 * (then its extra fields too, if still needed) is replaced by a note of the line's size.
 */
function boundedLine(line: Record<string, unknown>, fields: Record<string, unknown>): string {
  const text = JSON.stringify(line);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= MAX_LOG_LINE_BYTES) {
    return text;
  }
  const { timestamp, level, tag, message, correlationId, awsRequestId, traceId } = line;
  const omitted = { lineBytes: bytes, maxLineBytes: MAX_LOG_LINE_BYTES };
  const withFields = JSON.stringify({
    timestamp,
    level,
    tag,
    message,
    correlationId,
    awsRequestId,
    traceId,
    ...fields,
    omitted,
  });
  return Buffer.byteLength(withFields, 'utf8') <= MAX_LOG_LINE_BYTES
    ? withFields
    : JSON.stringify({ timestamp, level, tag, message, correlationId, awsRequestId, traceId, omitted });
}

/**
 * Creates a structured JSON logger; each line carries timestamp, level, tag, the correlation
 * id and, inside an invocation, its trace id. Lines are bounded whatever they are given: secret-named keys are redacted, every string is
 * cut to MAX_LOG_STRING_CHARS (4096) characters and a line over MAX_LOG_LINE_BYTES (32 KiB)
 * keeps its fixed fields and replaces its data with `omitted: { lineBytes, maxLineBytes }`.
 *
 * @example
 * const log = createLogger({ tag: 'reg-workers:saveEntries' });
 * log.warn('record rejected', { id: 'm1', reason: 'entry has no campaignId' });
 */
export function createLogger(options: LoggerOptions, fields: Record<string, unknown> = {}): Logger {
  const threshold = LEVELS[options.level ?? (process.env.LOG_LEVEL as LogLevel) ?? 'info'] ?? LEVELS.info;
  const secretKeys = (options.secretKeys ?? DEFAULT_SECRET_KEYS).map((k) => k.toLowerCase());
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (level: LogLevel, message: string, data?: Record<string, unknown>) => {
    if (LEVELS[level] > threshold) {
      return;
    }
    const ctx = currentContext();
    const extra = redact(fields, secretKeys) as Record<string, unknown>;
    const line = {
      timestamp: new Date().toISOString(),
      level,
      tag: options.tag,
      message: truncateText(message, MAX_LOG_STRING_CHARS),
      correlationId: ctx?.correlationId,
      awsRequestId: ctx?.awsRequestId,
      // The trace of the invocation (or of the record inRecordTrace runs), to find its spans.
      traceId: ctx?.traceparent?.slice(3, 35),
      ...extra,
      ...(data === undefined ? {} : { data: redact(data, secretKeys) }),
    };
    write(boundedLine(line, extra));
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
