/**
 * Values of the HCL evaluator: JSON values plus lazy objects, whose attributes are evaluated
 * only when something reads them. Lazy objects stand for module instances, resources and the
 * `var`/`local`/`module` namespaces, so reading `module.naming.names` never evaluates the rest
 * of the module (its IAM documents, checks, ...), the way a targeted Terraform plan would not.
 */

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value } | LazyObject;

/** Raised when an expression cannot be evaluated; the loader adds the file and the expression. */
export class HclEvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HclEvalError';
  }
}

/** An object whose attributes are computed on first read and remembered. */
export class LazyObject {
  private readonly cache = new Map<string, Value>();
  private readonly pending = new Set<string>();

  constructor(
    /** What this object is, for error messages (`module.naming`, `aws_sqs_queue.dlq`). */
    readonly describe: string,
    private readonly attributes: () => string[],
    private readonly compute: (key: string) => Value,
  ) {}

  keys(): string[] {
    return [...this.attributes()].sort();
  }

  has(key: string): boolean {
    return this.attributes().includes(key);
  }

  get(key: string): Value {
    if (this.cache.has(key)) {
      return this.cache.get(key) as Value;
    }
    if (!this.has(key)) {
      throw new HclEvalError(`${this.describe} has no attribute "${key}"`);
    }
    if (this.pending.has(key)) {
      throw new HclEvalError(`${this.describe}.${key} refers to itself`);
    }
    this.pending.add(key);
    try {
      const value = this.compute(key);
      this.cache.set(key, value);
      return value;
    } finally {
      this.pending.delete(key);
    }
  }
}

/** A lazy object over fixed keys. */
export const lazyObject = (describe: string, keys: string[], compute: (key: string) => Value): LazyObject =>
  new LazyObject(describe, () => keys, compute);

export const isLazy = (value: unknown): value is LazyObject => value instanceof LazyObject;

export const isPlainObject = (value: unknown): value is { [key: string]: Value } =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof LazyObject);

/** Turns every lazy object inside `value` into a plain object (evaluating all of it). */
export function force(value: Value): unknown {
  if (value instanceof LazyObject) {
    return Object.fromEntries(value.keys().map((k) => [k, force(value.get(k))]));
  }
  if (Array.isArray(value)) {
    return value.map(force);
  }
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, force(v)]));
  }
  return value;
}

/** Keys of an object value, lexically sorted as Terraform iterates maps. */
export function objectKeys(value: Value): string[] {
  if (value instanceof LazyObject) {
    return value.keys();
  }
  if (isPlainObject(value)) {
    return Object.keys(value).sort();
  }
  throw new HclEvalError(`expected an object, got ${typeName(value)}`);
}

/** The attribute `key` of an object value. */
export function attribute(value: Value, key: string): Value {
  if (value instanceof LazyObject) {
    return value.get(key);
  }
  if (isPlainObject(value)) {
    if (!(key in value)) {
      throw new HclEvalError(`object has no attribute "${key}" (it has ${Object.keys(value).join(', ') || 'none'})`);
    }
    return value[key];
  }
  throw new HclEvalError(`cannot read attribute "${key}" of ${typeName(value)}`);
}

/** Terraform's name for the type of a value, for messages. */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'tuple';
  }
  if (value instanceof LazyObject || typeof value === 'object') {
    return 'object';
  }
  return typeof value;
}

/** String conversion of a primitive the way template interpolation does it. */
export function toStringValue(value: Value, what = 'value'): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  throw new HclEvalError(`${what} must be a string, got ${typeName(value)}`);
}

/** Number conversion (numeric strings allowed, as Terraform converts them). */
export function toNumberValue(value: Value, what = 'value'): number {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  throw new HclEvalError(`${what} must be a number, got ${typeName(value)}`);
}

export function toBoolValue(value: Value, what = 'condition'): boolean {
  if (typeof value === 'boolean') {
    return value;
  }
  if (value === 'true' || value === 'false') {
    return value === 'true';
  }
  throw new HclEvalError(`${what} must be a bool, got ${typeName(value)}`);
}

/** The elements of a list/tuple/set value. */
export function toList(value: Value, what = 'value'): Value[] {
  if (Array.isArray(value)) {
    return value;
  }
  throw new HclEvalError(`${what} must be a list, got ${typeName(value)}`);
}

/** Deep equality of two forced values (Terraform's `==`, which also compares types). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    return false;
  }
  const ka = Object.keys(a as object).sort();
  const kb = Object.keys(b as object).sort();
  return (
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
