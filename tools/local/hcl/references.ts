/**
 * The references an HCL expression makes (`var.x`, `local.y`, `module.m.out`, `data.t.n`,
 * `aws_sqs_queue.q.arn`), found in the syntax tree of tools/local/hcl/syntax.ts without
 * evaluating anything: what `terraform validate` checks against the declarations of a module.
 * Names bound inside the expression (for-expression and template-for iterators) are not
 * references.
 */
import type { Expr, TemplatePart } from './syntax';
import { parseStringValue } from './syntax';

/** An attribute name, or an index with its literal key (undefined: a computed key such as `each.key`). */
export type Step = string | { index: string | number | undefined };

/** A root name and the steps that follow it: `module.q["a"].queue_arn` is module, q, ["a"], queue_arn. */
export interface Reference {
  root: string;
  steps: Step[];
}

/** The traversal `expr` is (a variable followed by attributes and indexes), or undefined. */
function traversal(expr: Expr): Reference | undefined {
  if (expr.kind === 'variable') {
    return { root: expr.name, steps: [] };
  }
  if (expr.kind === 'getattr' || expr.kind === 'index') {
    const inner = traversal(expr.target);
    if (!inner) {
      return undefined;
    }
    if (expr.kind === 'getattr') {
      return { root: inner.root, steps: [...inner.steps, expr.name] };
    }
    const key =
      expr.key.kind === 'literal' && (typeof expr.key.value === 'string' || typeof expr.key.value === 'number')
        ? expr.key.value
        : undefined;
    return { root: inner.root, steps: [...inner.steps, { index: key }] };
  }
  return undefined;
}

function walk(expr: Expr, bound: ReadonlySet<string>, out: Reference[]): void {
  const ref = traversal(expr);
  if (ref) {
    if (!bound.has(ref.root)) {
      out.push(ref);
    }
    // Computed keys (`local.names[each.value]`) make references of their own.
    let e: Expr = expr;
    while (e.kind === 'getattr' || e.kind === 'index') {
      if (e.kind === 'index') {
        walk(e.key, bound, out);
      }
      e = e.target;
    }
    return;
  }
  switch (expr.kind) {
    case 'literal':
    case 'variable':
      return;
    case 'template':
      walkParts(expr.parts, bound, out);
      return;
    case 'getattr':
      walk(expr.target, bound, out);
      return;
    case 'index':
      walk(expr.target, bound, out);
      walk(expr.key, bound, out);
      return;
    case 'splat':
      walk(expr.target, bound, out);
      for (const step of expr.each) {
        if (step.kind === 'index') {
          walk(step.key, bound, out);
        }
      }
      return;
    case 'call':
      expr.args.forEach((a) => walk(a, bound, out));
      return;
    case 'unary':
      walk(expr.operand, bound, out);
      return;
    case 'binary':
      walk(expr.left, bound, out);
      walk(expr.right, bound, out);
      return;
    case 'conditional':
      walk(expr.condition, bound, out);
      walk(expr.then, bound, out);
      walk(expr.else, bound, out);
      return;
    case 'tuple':
      expr.items.forEach((i) => walk(i, bound, out));
      return;
    case 'object':
      for (const item of expr.items) {
        walk(item.key, bound, out);
        walk(item.value, bound, out);
      }
      return;
    case 'for': {
      walk(expr.collection, bound, out);
      const inner = new Set([...bound, expr.valueVar, ...(expr.keyVar ? [expr.keyVar] : [])]);
      for (const e of [expr.key, expr.value, expr.condition]) {
        if (e) {
          walk(e, inner, out);
        }
      }
      return;
    }
  }
}

function walkParts(parts: TemplatePart[], bound: ReadonlySet<string>, out: Reference[]): void {
  for (const part of parts) {
    if (part.kind === 'interp') {
      walk(part.expr, bound, out);
    } else if (part.kind === 'if') {
      walk(part.condition, bound, out);
      walkParts(part.then, bound, out);
      walkParts(part.else, bound, out);
    } else if (part.kind === 'for') {
      walk(part.collection, bound, out);
      walkParts(part.body, new Set([...bound, part.valueVar, ...(part.keyVar ? [part.keyVar] : [])]), out);
    }
  }
}

/** A reference as HCL text: `module.q["a"].queue_arn`, `local.names[?]` for a computed key. */
export function referenceText(ref: Reference): string {
  return ref.steps.reduce<string>(
    (text, step) =>
      typeof step === 'string'
        ? `${text}.${step}`
        : `${text}[${step.index === undefined ? '?' : JSON.stringify(step.index)}]`,
    ref.root,
  );
}

/** The references of one parsed expression. */
export function expressionReferences(expr: Expr): Reference[] {
  const out: Reference[] = [];
  walk(expr, new Set(), out);
  return out;
}

/**
 * The references in a value as `@cdktf/hcl2json` gives it (strings are templates; lists and
 * objects are walked, nested blocks included).
 */
export function references(raw: unknown): Reference[] {
  if (typeof raw === 'string') {
    return expressionReferences(parseStringValue(raw));
  }
  if (Array.isArray(raw)) {
    return raw.flatMap(references);
  }
  if (raw !== null && typeof raw === 'object') {
    return Object.values(raw).flatMap(references);
  }
  return [];
}
