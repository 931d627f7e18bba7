/**
 * A parser for the HCL expression and template syntax that `@cdktf/hcl2json` leaves as text
 * (`"${module.naming.names}"`, `"arn:${module.account.partition}:..."`, `jsonencode({ ... })`).
 * It covers what Terraform configurations commonly use: literals, templates with `${}` and
 * `%{if}/%{for}` directives, heredocs, tuples and objects, for expressions, conditionals,
 * operators, attribute/index/splat traversals and function calls with `...` expansion.
 * Anything else is a SyntaxError naming the position, so an unsupported construct fails loudly.
 *
 * This file is the expression grammar; the syntax tree is in ast.ts, the character level
 * (positions, whitespace, tokens, HclSyntaxError) in scanner.ts, and strings, template
 * directives and heredocs in templates.ts.
 */

import type { BinaryOp, Expr, TemplatePart, Traversal } from './ast';
import { TemplateReader } from './templates';

export type { BinaryOp, Expr, TemplatePart, Traversal } from './ast';
export { HclSyntaxError } from './scanner';

const BINARY_LEVELS: BinaryOp[][] = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];

class Parser extends TemplateReader {
  override expression(): Expr {
    const condition = this.binary(0);
    if (this.peek('?')) {
      this.pos++;
      const then = this.expression();
      this.expect(':');
      return { kind: 'conditional', condition, then, else: this.expression() };
    }
    return condition;
  }

  binary(level: number): Expr {
    if (level === BINARY_LEVELS.length) {
      return this.unary();
    }
    let left = this.binary(level + 1);
    for (;;) {
      this.skip();
      const op = BINARY_LEVELS[level].find((candidate) => this.matchOperator(candidate));
      if (!op) {
        return left;
      }
      this.pos += op.length;
      left = { kind: 'binary', op, left, right: this.binary(level + 1) };
    }
  }

  /** An operator at the current position, not the start of a longer one (`=>`, `==` vs `=`, `<=` vs `<`). */
  matchOperator(op: string): boolean {
    if (!this.src.startsWith(op, this.pos)) {
      return false;
    }
    const next = this.src[this.pos + op.length];
    if ((op === '<' || op === '>') && next === '=') {
      return false;
    }
    return !(op === '*' && this.src[this.pos - 1] === '[');
  }

  unary(): Expr {
    if (this.peek('!') && !this.peek('!=')) {
      this.pos++;
      return { kind: 'unary', op: '!', operand: this.unary() };
    }
    if (this.peek('-') && !/[0-9]/.test(this.src[this.pos + 1] ?? '')) {
      this.pos++;
      return { kind: 'unary', op: '-', operand: this.unary() };
    }
    return this.postfix(this.primary());
  }

  postfix(target: Expr): Expr {
    for (;;) {
      if (this.peek('[*]') || this.peek('.*')) {
        this.pos += 3 - (this.src[this.pos] === '.' ? 1 : 0);
        return { kind: 'splat', target, each: this.splatSteps() };
      }
      if (this.peek('.')) {
        this.pos++;
        this.skip();
        const digits = /^[0-9]+/.exec(this.src.slice(this.pos));
        if (digits) {
          this.pos += digits[0].length;
          target = { kind: 'index', target, key: { kind: 'literal', value: Number(digits[0]) } };
        } else {
          target = { kind: 'getattr', target, name: this.ident() };
        }
      } else if (this.peek('[')) {
        this.pos++;
        const key = this.expression();
        this.expect(']');
        target = { kind: 'index', target, key };
      } else {
        return target;
      }
    }
  }

  splatSteps(): Traversal[] {
    const steps: Traversal[] = [];
    for (;;) {
      if (this.peek('.') && !this.peek('..')) {
        this.pos++;
        steps.push({ kind: 'getattr', name: this.ident() });
      } else if (this.peek('[') && !this.peek('[*]')) {
        this.pos++;
        const key = this.expression();
        this.expect(']');
        steps.push({ kind: 'index', key });
      } else {
        return steps;
      }
    }
  }

  primary(): Expr {
    this.skip();
    const c = this.src[this.pos];
    if (c === undefined) {
      this.fail('unexpected end of expression');
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(this.src[this.pos + 1] ?? ''))) {
      return this.number();
    }
    if (c === '"') {
      this.pos++;
      return this.templateExpr(this.templateParts('"'));
    }
    if (this.src.startsWith('<<', this.pos)) {
      return this.heredoc();
    }
    if (c === '(') {
      this.pos++;
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (c === '[') {
      this.pos++;
      return this.peekKeyword('for') ? this.forExpr('tuple') : this.tuple();
    }
    if (c === '{') {
      this.pos++;
      return this.peekKeyword('for') ? this.forExpr('object') : this.object();
    }
    const name = this.peekIdent();
    if (!name) {
      this.fail(`unexpected "${c}"`);
    }
    this.pos += name.length;
    if (name === 'true' || name === 'false') {
      return { kind: 'literal', value: name === 'true' };
    }
    if (name === 'null') {
      return { kind: 'literal', value: null };
    }
    if (this.src[this.pos] === '(' || (this.src.startsWith('::', this.pos) && name === 'provider')) {
      return this.call(name);
    }
    return { kind: 'variable', name };
  }

  number(): Expr {
    const match = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.src.slice(this.pos));
    if (!match) {
      this.fail('bad number');
    }
    this.pos += match[0].length;
    return { kind: 'literal', value: Number(match[0]) };
  }

  call(name: string): Expr {
    this.expect('(');
    const args: Expr[] = [];
    let expandLast = false;
    while (!this.eat(')')) {
      args.push(this.expression());
      if (this.eat('...')) {
        expandLast = true;
      }
      if (!this.eat(',') && !this.peek(')')) {
        this.fail(`expected "," or ")" in the arguments of ${name}()`);
      }
    }
    return { kind: 'call', name, args, expandLast };
  }

  tuple(): Expr {
    const items: Expr[] = [];
    while (!this.eat(']')) {
      items.push(this.expression());
      if (!this.eat(',') && !this.peek(']')) {
        this.fail('expected "," or "]" in a tuple');
      }
    }
    return { kind: 'tuple', items };
  }

  object(): Expr {
    const items: { key: Expr; value: Expr }[] = [];
    while (!this.eat('}')) {
      let key: Expr;
      const name = this.peekIdent();
      if (name && !this.src.startsWith('(', this.pos + name.length)) {
        this.pos += name.length;
        // A bare identifier key is its own name (HCL), never a variable reference.
        key = { kind: 'literal', value: name };
      } else {
        key = this.expression();
      }
      if (!this.eat('=') && !this.eat(':')) {
        this.fail('expected "=" or ":" after an object key');
      }
      items.push({ key, value: this.expression() });
      this.eat(',');
    }
    return { kind: 'object', items };
  }

  forExpr(into: 'tuple' | 'object'): Expr {
    this.ident(); // for
    const { keyVar, valueVar } = this.forBinding('a for expression');
    const collection = this.expression();
    this.expect(':');
    let key: Expr | undefined;
    let value = this.expression();
    let group = false;
    if (into === 'object') {
      this.expect('=>');
      key = value;
      value = this.expression();
      group = this.eat('...');
    }
    let condition: Expr | undefined;
    if (this.peekKeyword('if')) {
      this.pos += 2;
      condition = this.expression();
    }
    this.expect(into === 'tuple' ? ']' : '}');
    return { kind: 'for', into, keyVar, valueVar, collection, key, value, condition, group };
  }

  override readerFor(source: string): Parser {
    return new Parser(source);
  }
}

/** Parses one HCL expression (the inside of `${...}`, or a whole expression). */
export function parseExpression(source: string): Expr {
  const parser = new Parser(source);
  const expr = parser.expression();
  parser.skip();
  if (parser.pos < source.length) {
    parser.fail('unexpected text after the expression');
  }
  return expr;
}

/** Parses a template (the text of an HCL string or a template file) into parts. */
export function parseTemplate(source: string): TemplatePart[] {
  return new Parser(source).templateParts();
}

/** Parses a string value as hcl2json gives it: a template whose lone `${...}` keeps its type. */
export function parseStringValue(source: string): Expr {
  const parser = new Parser(source);
  return parser.templateExpr(parser.templateParts());
}
