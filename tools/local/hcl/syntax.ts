/**
 * A parser for the HCL expression and template syntax that `@cdktf/hcl2json` leaves as text
 * (`"${module.naming.names}"`, `"arn:${module.account.partition}:..."`, `jsonencode({ ... })`).
 * It covers what Terraform configurations commonly use: literals, templates with `${}` and
 * `%{if}/%{for}` directives, heredocs, tuples and objects, for expressions, conditionals,
 * operators, attribute/index/splat traversals and function calls with `...` expansion.
 * Anything else is a SyntaxError naming the position, so an unsupported construct fails loudly.
 */

export type Expr =
  | { kind: 'literal'; value: unknown }
  | { kind: 'template'; parts: TemplatePart[] }
  | { kind: 'variable'; name: string }
  | { kind: 'getattr'; target: Expr; name: string }
  | { kind: 'index'; target: Expr; key: Expr }
  | { kind: 'splat'; target: Expr; each: Traversal[] }
  | { kind: 'call'; name: string; args: Expr[]; expandLast: boolean }
  | { kind: 'unary'; op: '!' | '-'; operand: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'conditional'; condition: Expr; then: Expr; else: Expr }
  | { kind: 'tuple'; items: Expr[] }
  | { kind: 'object'; items: { key: Expr; value: Expr }[] }
  | { kind: 'for'; into: 'tuple' | 'object'; keyVar?: string; valueVar: string; collection: Expr; key?: Expr; value: Expr; condition?: Expr; group: boolean };

/** A traversal step applied to each element of a splat. */
export type Traversal = { kind: 'getattr'; name: string } | { kind: 'index'; key: Expr };

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '>' | '<=' | '>=' | '+' | '-' | '*' | '/' | '%';

export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'interp'; expr: Expr }
  | { kind: 'if'; condition: Expr; then: TemplatePart[]; else: TemplatePart[] }
  | { kind: 'for'; keyVar?: string; valueVar: string; collection: Expr; body: TemplatePart[] };

/** An HCL syntax error with the offending source and position. */
export class HclSyntaxError extends Error {
  constructor(message: string, source: string, pos: number) {
    const line = source.slice(0, pos).split('\n').length;
    const excerpt = source.slice(Math.max(0, pos - 30), pos + 30).replace(/\n/g, '\\n');
    super(`${message} (line ${line} of the expression, near "${excerpt}")`);
    this.name = 'HclSyntaxError';
  }
}

const BINARY_LEVELS: BinaryOp[][] = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];
const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_-]/;

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  fail(message: string, at = this.pos): never {
    throw new HclSyntaxError(message, this.src, at);
  }

  /** Skips whitespace (newlines included: the expression grammar never depends on them) and comments. */
  skip(): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        this.pos++;
      } else if (c === '#' || (c === '/' && this.src[this.pos + 1] === '/')) {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') {
          this.pos++;
        }
      } else if (c === '/' && this.src[this.pos + 1] === '*') {
        const end = this.src.indexOf('*/', this.pos + 2);
        this.pos = end < 0 ? this.src.length : end + 2;
      } else {
        return;
      }
    }
  }

  peek(text: string): boolean {
    this.skip();
    return this.src.startsWith(text, this.pos);
  }

  eat(text: string): boolean {
    if (this.peek(text)) {
      this.pos += text.length;
      return true;
    }
    return false;
  }

  expect(text: string): void {
    if (!this.eat(text)) {
      this.fail(`expected "${text}"`);
    }
  }

  peekIdent(): string | undefined {
    this.skip();
    if (!IDENT_START.test(this.src[this.pos] ?? '')) {
      return undefined;
    }
    let end = this.pos + 1;
    while (end < this.src.length && IDENT_CHAR.test(this.src[end])) {
      end++;
    }
    return this.src.slice(this.pos, end);
  }

  ident(): string {
    const name = this.peekIdent();
    if (!name) {
      this.fail('expected a name');
    }
    this.pos += name.length;
    return name;
  }

  /** True when the next word is `word` as a whole identifier (not a prefix of a longer one). */
  peekKeyword(word: string): boolean {
    return this.peekIdent() === word;
  }

  expression(): Expr {
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
    let keyVar: string | undefined;
    let valueVar = this.ident();
    if (this.eat(',')) {
      keyVar = valueVar;
      valueVar = this.ident();
    }
    if (this.ident() !== 'in') {
      this.fail('expected "in" in a for expression');
    }
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

  heredoc(): Expr {
    const match = /^<<(-?)([A-Za-z_][A-Za-z0-9_]*)\r?\n/.exec(this.src.slice(this.pos));
    if (!match) {
      this.fail('bad heredoc');
    }
    this.pos += match[0].length;
    const lines: string[] = [];
    for (;;) {
      const end = this.src.indexOf('\n', this.pos);
      const line = this.src.slice(this.pos, end < 0 ? this.src.length : end);
      this.pos = end < 0 ? this.src.length : end + 1;
      if (line.trim() === match[2]) {
        break;
      }
      if (end < 0) {
        this.fail(`heredoc ${match[2]} is not closed`);
      }
      lines.push(line);
    }
    let body = lines;
    if (match[1] === '-') {
      const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length));
      body = lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0));
    }
    return this.templateExpr(parseTemplate(`${body.join('\n')}\n`));
  }

  /** A template that is one interpolation and nothing else keeps its value's type (HCL rule). */
  templateExpr(parts: TemplatePart[]): Expr {
    if (parts.length === 1 && parts[0].kind === 'interp') {
      return parts[0].expr;
    }
    if (parts.every((p) => p.kind === 'text')) {
      return { kind: 'literal', value: parts.map((p) => (p as { text: string }).text).join('') };
    }
    return { kind: 'template', parts };
  }

  /** Template text up to `terminator` (a quote) or the end of the source when undefined. */
  templateParts(terminator?: string): TemplatePart[] {
    const root: TemplatePart[] = [];
    // Open directives: each frame collects parts until %{else}/%{endif}/%{endfor}.
    const stack: { part: TemplatePart; into: TemplatePart[] }[] = [];
    let current = root;
    let text = '';
    const flush = () => {
      if (text) {
        current.push({ kind: 'text', text });
        text = '';
      }
    };
    for (;;) {
      if (this.pos >= this.src.length) {
        if (terminator) {
          this.fail('unterminated string');
        }
        break;
      }
      const c = this.src[this.pos];
      if (terminator && c === terminator) {
        this.pos++;
        break;
      }
      if (terminator && c === '\\') {
        text += this.escape();
        continue;
      }
      if ((c === '$' || c === '%') && this.src[this.pos + 1] === c && this.src[this.pos + 2] === '{') {
        text += `${c}{`;
        this.pos += 3;
        continue;
      }
      if (c === '$' && this.src[this.pos + 1] === '{') {
        this.pos += 2;
        if (this.src[this.pos] === '~') {
          this.pos++;
          text = text.replace(/\s+$/, '');
        }
        flush();
        current.push({ kind: 'interp', expr: this.expression() });
        this.closeBrace();
        continue;
      }
      if (c === '%' && this.src[this.pos + 1] === '{') {
        this.pos += 2;
        this.eat('~');
        flush();
        const word = this.ident();
        if (word === 'if') {
          const part: TemplatePart = { kind: 'if', condition: this.expression(), then: [], else: [] };
          current.push(part);
          stack.push({ part, into: current });
          current = part.then;
        } else if (word === 'for') {
          let keyVar: string | undefined;
          let valueVar = this.ident();
          if (this.eat(',')) {
            keyVar = valueVar;
            valueVar = this.ident();
          }
          if (this.ident() !== 'in') {
            this.fail('expected "in" in a %{for} directive');
          }
          const part: TemplatePart = { kind: 'for', keyVar, valueVar, collection: this.expression(), body: [] };
          current.push(part);
          stack.push({ part, into: current });
          current = part.body;
        } else if (word === 'else') {
          const top = stack[stack.length - 1];
          if (top?.part.kind !== 'if') {
            this.fail('%{else} without %{if}');
          }
          current = top.part.else;
        } else if (word === 'endif' || word === 'endfor') {
          const top = stack.pop();
          if (!top || top.part.kind !== (word === 'endif' ? 'if' : 'for')) {
            this.fail(`%{${word}} without its opening directive`);
          }
          current = top.into;
        } else {
          this.fail(`unknown template directive %{${word}}`);
        }
        this.closeBrace();
        continue;
      }
      text += c;
      this.pos++;
    }
    flush();
    if (stack.length > 0) {
      this.fail('template directive is not closed');
    }
    return root;
  }

  closeBrace(): void {
    this.eat('~');
    this.expect('}');
  }

  escape(): string {
    const next = this.src[this.pos + 1];
    this.pos += 2;
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
    if (next in simple) {
      return simple[next];
    }
    if (next === 'u' || next === 'U') {
      const length = next === 'u' ? 4 : 8;
      const hex = this.src.slice(this.pos, this.pos + length);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) {
        this.fail('bad unicode escape');
      }
      this.pos += length;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    return this.fail(`unknown escape \\${next}`);
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
