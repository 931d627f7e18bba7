/**
 * The template side of the HCL parser: quoted strings and template text with `${}`
 * interpolations, `%{if}/%{for}` directives and escapes, and heredocs. The expression
 * grammar is left abstract here; Parser in syntax.ts supplies it, so this file does not
 * import syntax.ts.
 */

import type { Expr, TemplatePart } from './ast';
import { Scanner } from './scanner';

type DirectivePart = Extract<TemplatePart, { kind: 'if' | 'for' }>;

/** The parts of one template as they are read. */
class TemplateBuilder {
  readonly root: TemplatePart[] = [];
  /** Where new parts go: the root, or the branch or body of the innermost open directive. */
  current = this.root;
  /** Open directives: each frame collects parts until %{else}/%{endif}/%{endfor}. */
  readonly stack: { part: DirectivePart; into: TemplatePart[] }[] = [];
  /** Literal text not yet added as a part. */
  text = '';

  flush(): void {
    if (this.text) {
      this.current.push({ kind: 'text', text: this.text });
      this.text = '';
    }
  }

  /** Adds an `if` or `for` directive; the parts that follow go into it until its end. */
  open(part: DirectivePart): void {
    this.current.push(part);
    this.stack.push({ part, into: this.current });
    this.current = part.kind === 'if' ? part.then : part.body;
  }
}

export abstract class TemplateReader extends Scanner {
  /** One expression, the inside of `${...}` or the condition and collection of a directive. */
  abstract expression(): Expr;

  /** A reader with the same grammar over another source: a heredoc's body is a template of its own. */
  abstract readerFor(source: string): TemplateReader;

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
    return this.templateExpr(this.readerFor(`${body.join('\n')}\n`).templateParts());
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
    const parts = new TemplateBuilder();
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
        parts.text += this.escape();
      } else if (c === '$' && this.src[this.pos + 1] === '{') {
        this.interpolation(parts);
      } else if (c === '%' && this.src[this.pos + 1] === '{') {
        this.directive(parts);
      } else {
        parts.text += this.literalText();
      }
    }
    parts.flush();
    if (parts.stack.length > 0) {
      this.fail('template directive is not closed');
    }
    return parts.root;
  }

  /** `${expr}`; a `~` after the `${` strips the whitespace at the end of the text before it. */
  interpolation(parts: TemplateBuilder): void {
    this.pos += 2;
    if (this.src[this.pos] === '~') {
      this.pos++;
      parts.text = parts.text.replace(/\s+$/, '');
    }
    parts.flush();
    parts.current.push({ kind: 'interp', expr: this.expression() });
    this.closeBrace();
  }

  /** `%{if condition}`, `%{for ... in collection}`, `%{else}`, `%{endif}` or `%{endfor}`. */
  directive(parts: TemplateBuilder): void {
    this.pos += 2;
    this.eat('~');
    parts.flush();
    const word = this.ident();
    if (word === 'if') {
      parts.open({ kind: 'if', condition: this.expression(), then: [], else: [] });
    } else if (word === 'for') {
      parts.open(this.forDirective());
    } else if (word === 'else') {
      const top = parts.stack[parts.stack.length - 1];
      if (top?.part.kind !== 'if') {
        this.fail('%{else} without %{if}');
      }
      parts.current = top.part.else;
    } else if (word === 'endif' || word === 'endfor') {
      const top = parts.stack.pop();
      if (!top || top.part.kind !== (word === 'endif' ? 'if' : 'for')) {
        this.fail(`%{${word}} without its opening directive`);
      }
      parts.current = top.into;
    } else {
      this.fail(`unknown template directive %{${word}}`);
    }
    this.closeBrace();
  }

  /** The rest of `%{for value in collection}` or `%{for key, value in collection}` after `for`. */
  forDirective(): DirectivePart {
    const { keyVar, valueVar } = this.forBinding('a %{for} directive');
    return { kind: 'for', keyVar, valueVar, collection: this.expression(), body: [] };
  }

  /** One piece of literal text: `$${` and `%%{` stand for `${` and `%{`, any other character for itself. */
  literalText(): string {
    const c = this.src[this.pos];
    if ((c === '$' || c === '%') && this.src[this.pos + 1] === c && this.src[this.pos + 2] === '{') {
      this.pos += 3;
      return `${c}{`;
    }
    this.pos++;
    return c;
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
