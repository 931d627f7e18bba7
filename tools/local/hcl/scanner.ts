/**
 * The character level of the HCL parser: the source and a position in it, whitespace and
 * comments, literal tokens and identifiers, and the HclSyntaxError that names the position.
 * The template side (templates.ts) and the expression grammar (syntax.ts) build on it.
 */

/** An HCL syntax error with the offending source and position. */
export class HclSyntaxError extends Error {
  constructor(message: string, source: string, pos: number) {
    const line = source.slice(0, pos).split('\n').length;
    const excerpt = source.slice(Math.max(0, pos - 30), pos + 30).replace(/\n/g, '\\n');
    super(`${message} (line ${line} of the expression, near "${excerpt}")`);
    this.name = 'HclSyntaxError';
  }
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_-]/;

export class Scanner {
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

  /** The `key, value in` (or `value in`) of a for expression or directive, after `for`; `what` names it in errors. */
  forBinding(what: string): { keyVar?: string; valueVar: string } {
    let keyVar: string | undefined;
    let valueVar = this.ident();
    if (this.eat(',')) {
      keyVar = valueVar;
      valueVar = this.ident();
    }
    if (this.ident() !== 'in') {
      this.fail(`expected "in" in ${what}`);
    }
    return { keyVar, valueVar };
  }
}
