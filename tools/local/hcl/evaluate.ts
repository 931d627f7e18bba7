/**
 * Evaluates parsed HCL expressions against a scope (variables, locals, modules, resources),
 * with the Terraform functions the stacks use. Unknown functions and unsupported operations
 * throw HclEvalError, so a configuration the local runtime does not understand fails loudly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Expr, TemplatePart, Traversal } from './syntax';
import { parseTemplate } from './syntax';
import type { Value } from './values';
import {
  HclEvalError,
  attribute,
  deepEqual,
  force,
  isLazy,
  isPlainObject,
  objectKeys,
  toBoolValue,
  toList,
  toNumberValue,
  toStringValue,
  typeName,
} from './values';

/** What an expression can see. */
export interface Scope {
  /** A root name: `var`, `local`, `module`, `data`, `path`, `each`, `count`, a resource type, or an iterator. */
  lookup(name: string): Value;
  /** Directory that relative paths of file()/templatefile() are read from (Terraform's working directory). */
  baseDir: string;
}

/** A scope with extra names (for-expression iterators, template variables) over `parent`. */
export function childScope(parent: Scope, names: Record<string, Value>): Scope {
  return {
    baseDir: parent.baseDir,
    lookup: (name) => (Object.prototype.hasOwnProperty.call(names, name) ? names[name] : parent.lookup(name)),
  };
}

/** Evaluates `expr` in `scope`. */
export function evaluate(expr: Expr, scope: Scope): Value {
  switch (expr.kind) {
    case 'literal':
      return expr.value as Value;
    case 'template':
      return renderTemplate(expr.parts, scope);
    case 'variable':
      return scope.lookup(expr.name);
    case 'getattr':
      return attribute(evaluate(expr.target, scope), expr.name);
    case 'index':
      return index(evaluate(expr.target, scope), evaluate(expr.key, scope));
    case 'splat':
      return splat(evaluate(expr.target, scope), expr.each, scope);
    case 'call':
      return call(expr, scope);
    case 'unary': {
      const operand = evaluate(expr.operand, scope);
      return expr.op === '!' ? !toBoolValue(operand) : -toNumberValue(operand);
    }
    case 'binary':
      return binary(expr, scope);
    case 'conditional':
      return toBoolValue(evaluate(expr.condition, scope)) ? evaluate(expr.then, scope) : evaluate(expr.else, scope);
    case 'tuple':
      return expr.items.map((item) => evaluate(item, scope));
    case 'object': {
      const out: Record<string, Value> = {};
      for (const item of expr.items) {
        out[toStringValue(evaluate(item.key, scope), 'object key')] = evaluate(item.value, scope);
      }
      return out;
    }
    case 'for':
      return forExpression(expr, scope);
    default:
      throw new HclEvalError(`unsupported expression ${(expr as { kind: string }).kind}`);
  }
}

function index(target: Value, key: Value): Value {
  if (Array.isArray(target)) {
    const i = toNumberValue(key, 'index');
    if (!Number.isInteger(i) || i < 0 || i >= target.length) {
      throw new HclEvalError(`index ${i} is out of range (length ${target.length})`);
    }
    return target[i];
  }
  if (isLazy(target) || isPlainObject(target)) {
    return attribute(target, toStringValue(key, 'key'));
  }
  throw new HclEvalError(`cannot index ${typeName(target)}`);
}

function splat(target: Value, steps: Traversal[], scope: Scope): Value {
  const items = target === null ? [] : Array.isArray(target) ? target : [target];
  return items.map((item) =>
    steps.reduce<Value>((v, step) => (step.kind === 'getattr' ? attribute(v, step.name) : index(v, evaluate(step.key, scope))), item),
  );
}

function binary(expr: Extract<Expr, { kind: 'binary' }>, scope: Scope): Value {
  if (expr.op === '&&' || expr.op === '||') {
    const left = toBoolValue(evaluate(expr.left, scope));
    if (expr.op === '&&' ? !left : left) {
      return left;
    }
    return toBoolValue(evaluate(expr.right, scope));
  }
  const left = evaluate(expr.left, scope);
  const right = evaluate(expr.right, scope);
  if (expr.op === '==' || expr.op === '!=') {
    const equal = deepEqual(force(left), force(right));
    return expr.op === '==' ? equal : !equal;
  }
  const a = toNumberValue(left, `left operand of ${expr.op}`);
  const b = toNumberValue(right, `right operand of ${expr.op}`);
  switch (expr.op) {
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    default:
      return a % b;
  }
}

/** Pairs of (key, value) of a collection, in Terraform's iteration order. */
function entries(collection: Value): [Value, Value][] {
  if (Array.isArray(collection)) {
    return collection.map((v, i) => [i, v]);
  }
  return objectKeys(collection).map((k) => [k, attribute(collection, k)]);
}

function forExpression(expr: Extract<Expr, { kind: 'for' }>, scope: Scope): Value {
  const tuple: Value[] = [];
  const object: Record<string, Value> = {};
  for (const [key, value] of entries(evaluate(expr.collection, scope))) {
    const names: Record<string, Value> = { [expr.valueVar]: value };
    if (expr.keyVar) {
      names[expr.keyVar] = key;
    }
    const inner = childScope(scope, names);
    if (expr.condition && !toBoolValue(evaluate(expr.condition, inner), 'for condition')) {
      continue;
    }
    if (expr.into === 'tuple') {
      tuple.push(evaluate(expr.value, inner));
      continue;
    }
    const k = toStringValue(evaluate(expr.key!, inner), 'for key');
    const v = evaluate(expr.value, inner);
    if (expr.group) {
      object[k] = [...((object[k] as Value[] | undefined) ?? []), v];
    } else if (k in object) {
      throw new HclEvalError(`duplicate key "${k}" in a for expression (use ... to group)`);
    } else {
      object[k] = v;
    }
  }
  return expr.into === 'tuple' ? tuple : object;
}

/** Renders template parts to a string. */
export function renderTemplate(parts: TemplatePart[], scope: Scope): string {
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
    } else if (part.kind === 'interp') {
      out += toStringValue(evaluate(part.expr, scope), 'interpolated value');
    } else if (part.kind === 'if') {
      out += renderTemplate(toBoolValue(evaluate(part.condition, scope)) ? part.then : part.else, scope);
    } else {
      for (const [key, value] of entries(evaluate(part.collection, scope))) {
        const names: Record<string, Value> = { [part.valueVar]: value };
        if (part.keyVar) {
          names[part.keyVar] = key;
        }
        out += renderTemplate(part.body, childScope(scope, names));
      }
    }
  }
  return out;
}

const readText = (file: string, scope: Scope): string => {
  const full = path.resolve(scope.baseDir, file);
  try {
    return readFileSync(full, 'utf8');
  } catch (error) {
    throw new HclEvalError(`cannot read ${full}: ${(error as Error).message}`);
  }
};

/** Go/RE2 pattern to a JavaScript RegExp (the syntax the stacks use is common to both). */
function toRegExp(pattern: string): RegExp {
  try {
    return new RegExp(pattern.replace(/\(\?P</g, '(?<'));
  } catch (error) {
    throw new HclEvalError(`regex ${JSON.stringify(pattern)} is not supported: ${(error as Error).message}`);
  }
}

function format(spec: string, args: Value[]): string {
  let i = 0;
  return spec.replace(/%(%|[-+# 0]*\d*(?:\.\d+)?[sdvqft])/g, (_m, verb: string) => {
    if (verb === '%') {
      return '%';
    }
    if (i >= args.length) {
      throw new HclEvalError(`format: not enough arguments for ${JSON.stringify(spec)}`);
    }
    const arg = args[i++];
    switch (verb[verb.length - 1]) {
      case 'd':
        return String(Math.trunc(toNumberValue(arg)));
      case 'q':
        return JSON.stringify(toStringValue(arg));
      case 'v':
        return typeof arg === 'object' && arg !== null ? JSON.stringify(force(arg)) : toStringValue(arg);
      default:
        return toStringValue(arg);
    }
  });
}

type Fn = (args: Value[], scope: Scope) => Value;

const str = (v: Value, what: string) => toStringValue(v, what);

const FUNCTIONS: Record<string, Fn> = {
  abs: ([n]) => Math.abs(toNumberValue(n)),
  alltrue: ([list]) => toList(list).every((v) => toBoolValue(v)),
  anytrue: ([list]) => toList(list).some((v) => toBoolValue(v)),
  ceil: ([n]) => Math.ceil(toNumberValue(n)),
  coalesce: (args) => {
    const found = args.find((a) => a !== null && a !== '');
    if (found === undefined) {
      throw new HclEvalError('coalesce: no non-null, non-empty argument');
    }
    return found;
  },
  compact: ([list]) => toList(list).filter((v) => v !== null && v !== ''),
  concat: (lists) => lists.flatMap((l) => toList(l, 'concat argument')),
  contains: ([list, value]) => toList(list).some((v) => deepEqual(force(v), force(value))),
  distinct: ([list]) =>
    toList(list).filter((v, i, all) => all.findIndex((w) => deepEqual(force(w), force(v))) === i),
  element: ([list, i]) => {
    const l = toList(list);
    return l[toNumberValue(i) % l.length];
  },
  endswith: ([s, suffix]) => str(s, 'endswith').endsWith(str(suffix, 'suffix')),
  file: ([file], scope) => readText(str(file, 'file path'), scope),
  flatten: ([list]) => {
    const flat = (v: Value): Value[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
    return flat(toList(list));
  },
  floor: ([n]) => Math.floor(toNumberValue(n)),
  format: ([spec, ...args]) => format(str(spec, 'format spec'), args),
  join: ([sep, ...lists]) => lists.flatMap((l) => toList(l)).map((v) => str(v, 'join element')).join(str(sep, 'separator')),
  jsondecode: ([text]) => JSON.parse(str(text, 'jsondecode argument')) as Value,
  jsonencode: ([value]) => JSON.stringify(force(value)),
  keys: ([obj]) => objectKeys(obj),
  length: ([v]) => {
    if (typeof v === 'string') {
      return [...v].length;
    }
    return Array.isArray(v) ? v.length : objectKeys(v).length;
  },
  lookup: ([obj, key, fallback]) => {
    const k = str(key, 'lookup key');
    if (objectKeys(obj).includes(k)) {
      return attribute(obj, k);
    }
    if (fallback === undefined) {
      throw new HclEvalError(`lookup: no key "${k}" and no default`);
    }
    return fallback;
  },
  lower: ([s]) => str(s, 'lower').toLowerCase(),
  max: (args) => Math.max(...args.map((a) => toNumberValue(a))),
  merge: (objects) => {
    const out: Record<string, Value> = {};
    for (const o of objects) {
      if (o === null) {
        continue;
      }
      for (const k of objectKeys(o)) {
        out[k] = attribute(o, k);
      }
    }
    return out;
  },
  min: (args) => Math.min(...args.map((a) => toNumberValue(a))),
  regex: ([pattern, s]) => {
    const re = toRegExp(str(pattern, 'regex pattern'));
    const match = re.exec(str(s, 'regex subject'));
    if (!match) {
      throw new HclEvalError(`regex: ${JSON.stringify(String(s))} does not match ${JSON.stringify(pattern)}`);
    }
    if (match.groups) {
      return { ...match.groups } as Value;
    }
    return match.length > 1 ? match.slice(1).map((g) => g ?? null) : match[0];
  },
  replace: ([s, search, replacement]) => {
    const from = str(search, 'replace search');
    const to = str(replacement, 'replacement');
    const subject = str(s, 'replace subject');
    return from.length > 1 && from.startsWith('/') && from.endsWith('/')
      ? subject.replace(new RegExp(from.slice(1, -1), 'g'), to.replace(/\$\{(\w+)\}/g, '$<$1>'))
      : subject.split(from).join(to);
  },
  sort: ([list]) => [...toList(list)].map((v) => str(v, 'sort element')).sort(),
  split: ([sep, s]) => str(s, 'split subject').split(str(sep, 'separator')),
  startswith: ([s, prefix]) => str(s, 'startswith').startsWith(str(prefix, 'prefix')),
  templatefile: ([file, vars], scope) => {
    const names: Record<string, Value> = {};
    for (const k of objectKeys(vars)) {
      names[k] = attribute(vars, k);
    }
    // A template file sees only its variables (Terraform rule), not the module's names.
    const isolated: Scope = {
      baseDir: scope.baseDir,
      lookup: (name) => {
        if (name in names) {
          return names[name];
        }
        throw new HclEvalError(`templatefile ${String(file)}: no variable "${name}" was passed`);
      },
    };
    return renderTemplate(parseTemplate(readText(str(file, 'template path'), scope)), isolated);
  },
  tolist: ([v]) => toList(v),
  tomap: ([v]) => v,
  tonumber: ([v]) => (v === null ? null : toNumberValue(v)),
  toset: ([v]) => FUNCTIONS.distinct([v], undefined as unknown as Scope),
  tostring: ([v]) => (v === null ? null : toStringValue(v)),
  trimspace: ([s]) => str(s, 'trimspace').trim(),
  upper: ([s]) => str(s, 'upper').toUpperCase(),
  values: ([obj]) => objectKeys(obj).map((k) => attribute(obj, k)),
  yamldecode: ([text]) => parseYaml(str(text, 'yamldecode argument')) as Value,
  zipmap: ([ks, vs]) => {
    const keys = toList(ks);
    const vals = toList(vs);
    return Object.fromEntries(keys.map((k, i) => [str(k, 'zipmap key'), vals[i]]));
  },
};

function call(expr: Extract<Expr, { kind: 'call' }>, scope: Scope): Value {
  // try() and can() evaluate their arguments themselves: an error there is an answer, not a failure.
  if (expr.name === 'try') {
    const errors: string[] = [];
    for (const arg of expr.args) {
      try {
        return evaluate(arg, scope);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    throw new HclEvalError(`try: no argument could be evaluated (${errors.join('; ')})`);
  }
  if (expr.name === 'can') {
    try {
      force(evaluate(expr.args[0], scope));
      return true;
    } catch {
      return false;
    }
  }
  const fn = FUNCTIONS[expr.name];
  if (!fn) {
    throw new HclEvalError(`function ${expr.name}() is not supported by the local runtime's evaluator`);
  }
  let args = expr.args.map((a) => evaluate(a, scope));
  if (expr.expandLast) {
    args = [...args.slice(0, -1), ...toList(args[args.length - 1], 'expanded argument')];
  }
  return fn(args, scope);
}
