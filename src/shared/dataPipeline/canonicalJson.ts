import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level (arrays keep their order), so equal data gives
 * equal text whatever order its keys arrived in. `undefined` members are dropped as in
 * JSON.stringify; non-finite numbers become null. The text is written directly, never through
 * intermediate objects, so keys like `__proto__` are serialised as data and cannot touch prototypes.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set()) ?? 'null';
}

function write(value: unknown, seen: Set<object>): string | undefined {
  if (value === null) {
    return 'null';
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  const obj = value as object;
  if (seen.has(obj)) {
    throw new TypeError('canonicalJson: circular structure');
  }
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      return `[${obj.map((v) => write(v, seen) ?? 'null').join(',')}]`;
    }
    if (obj instanceof Date) {
      return JSON.stringify(obj.toISOString());
    }
    const members: string[] = [];
    for (const key of Object.keys(obj).sort()) {
      const text = write((obj as Record<string, unknown>)[key], seen);
      if (text !== undefined) {
        members.push(`${JSON.stringify(key)}:${text}`);
      }
    }
    return `{${members.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}

/** sha256 (hex) of the record type followed by the canonical JSON of its data: the `dedupe.id`. */
export function dedupeId(type: string, data: unknown): string {
  return createHash('sha256').update(type).update(canonicalJson(data)).digest('hex');
}
