/**
 * Event pattern matching with EventBridge's rules, which Lambda filter criteria, EventBridge
 * Pipes filters and EventBridge rules share: every key of the pattern must match; a list holds
 * alternatives for a leaf; arrays in the event match when any element does; objects recurse.
 * Supported matchers: exact values, prefix, suffix, anything-but, numeric, exists,
 * equals-ignore-case, wildcard, and a top-level `$or`.
 */
import type { EventPattern } from './wiring/model';

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaf values at a field: arrays are flattened, objects are not leaves. */
function leaves(value: Json): Json[] {
  if (value === undefined) {
    return [];
  }
  if (Array.isArray(value)) {
    return value.flatMap(leaves);
  }
  return isObject(value) ? [] : [value];
}

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

function numeric(conditions: Json[], value: Json): boolean {
  if (typeof value !== 'number') {
    return false;
  }
  for (let i = 0; i < conditions.length; i += 2) {
    const op = conditions[i];
    const n = Number(conditions[i + 1]);
    const ok = op === '=' ? value === n : op === '<' ? value < n : op === '<=' ? value <= n : op === '>' ? value > n : op === '>=' ? value >= n : false;
    if (!ok) {
      return false;
    }
  }
  return true;
}

/** Whether one leaf value matches one matcher of a pattern list. */
function matchOne(matcher: Json, value: Json): boolean {
  if (!isObject(matcher)) {
    return matcher === value || (typeof matcher === 'number' && typeof value === 'number' && matcher === value);
  }
  const [kind, arg] = Object.entries(matcher)[0] ?? [];
  const text = typeof value === 'string' ? value : undefined;
  switch (kind) {
    case 'prefix':
      return text !== undefined && (isObject(arg) ? text.toLowerCase().startsWith(String(arg['equals-ignore-case']).toLowerCase()) : text.startsWith(String(arg)));
    case 'suffix':
      return text !== undefined && (isObject(arg) ? text.toLowerCase().endsWith(String(arg['equals-ignore-case']).toLowerCase()) : text.endsWith(String(arg)));
    case 'equals-ignore-case':
      return text !== undefined && text.toLowerCase() === String(arg).toLowerCase();
    case 'wildcard':
      return text !== undefined && wildcard(String(arg), text);
    case 'numeric':
      return numeric(arg as Json[], value);
    case 'anything-but': {
      if (isObject(arg)) {
        return !matchOne(arg, value);
      }
      return !(Array.isArray(arg) ? arg : [arg]).some((a) => matchOne(a, value));
    }
    case 'exists':
      // Handled per field in matchField (it looks at presence, not at one value).
      return false;
    default:
      throw new Error(`event pattern matcher ${JSON.stringify(matcher)} is not supported locally`);
  }
}

function matchField(matchers: Json[], value: Json): boolean {
  const values = leaves(value);
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) {
      return m.exists ? values.length > 0 : values.length === 0;
    }
    return values.some((v) => matchOne(m, v));
  });
}

/** Any object in `value` (arrays searched element by element) satisfies `test`. */
function anyObject(value: Json, test: (o: Record<string, Json>) => boolean): boolean {
  if (Array.isArray(value)) {
    return value.some((v) => anyObject(v, test));
  }
  return isObject(value) && test(value);
}

function matchObject(pattern: Record<string, Json>, event: Record<string, Json>): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(sub as Record<string, Json>[]).some((p) => matchObject(p, event))) {
        return false;
      }
    } else if (Array.isArray(sub)) {
      if (!matchField(sub, event[key])) {
        return false;
      }
    } else if (isObject(sub)) {
      const inner = event[key];
      // A nested pattern made only of exists:false matchers also matches an absent object.
      if (!anyObject(inner, (o) => matchObject(sub, o)) && !(inner === undefined && matchObject(sub, {}))) {
        return false;
      }
    } else {
      throw new Error(`event pattern value for "${key}" must be a list or an object, got ${JSON.stringify(sub)}`);
    }
  }
  return true;
}

/** Whether `event` matches `pattern`. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return isObject(event) && matchObject(pattern, event);
}

/** Lambda/Pipes filter criteria: no filters pass everything, else any matching filter passes. */
export function passesFilters(filters: readonly EventPattern[], event: unknown): boolean {
  return filters.length === 0 || filters.some((f) => matchesPattern(f, event));
}

/** A JSON string parsed for filtering, or the string itself when it is not JSON (Lambda's rule for SQS bodies). */
export function parsedForFilter(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
