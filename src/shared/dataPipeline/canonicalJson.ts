import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level (arrays keep their order), so equal data gives
 * equal text whatever order its keys arrived in. `undefined` members are dropped as in
 * JSON.stringify; non-finite numbers become null. The text is written directly, never through
 * intermediate objects, so keys like `__proto__` are serialised as data and cannot touch prototypes.
 */
export function canonicalJson(value: unknown): string {
  return write(value, []) ?? 'null';
}

/** `open`: the objects being written around `value`, to refuse a cycle (records nest a few levels). */
function write(value: unknown, open: object[]): string | undefined {
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
  if (open.includes(obj)) {
    throw new TypeError('canonicalJson: circular structure');
  }
  open.push(obj);
  try {
    if (Array.isArray(obj)) {
      let text = '[';
      for (let i = 0; i < obj.length; i++) {
        text += `${i === 0 ? '' : ','}${write(obj[i], open) ?? 'null'}`;
      }
      return `${text}]`;
    }
    if (obj instanceof Date) {
      return JSON.stringify(obj.toISOString());
    }
    let text = '';
    for (const key of Object.keys(obj).sort()) {
      const member = write((obj as Record<string, unknown>)[key], open);
      if (member !== undefined) {
        text += `${text === '' ? '' : ','}${JSON.stringify(key)}:${member}`;
      }
    }
    return `{${text}}`;
  } finally {
    open.pop();
  }
}

/** sha256 (hex) of the record type followed by the canonical JSON of its data: the `dedupe.id`. */
export function dedupeId(type: string, data: unknown): string {
  return createHash('sha256').update(type).update(canonicalJson(data)).digest('hex');
}
