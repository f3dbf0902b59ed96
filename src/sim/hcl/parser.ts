/** Parser for HCL native syntax: bodies (attributes and blocks) and expressions. */
import { between, HclError, type Range } from './diagnostic.js';
import { Lexer, type Tok } from './lexer.js';

export type Expr =
  | { k: 'lit'; value: string | number | boolean | null; range: Range }
  | { k: 'tmpl'; parts: (string | Expr)[]; range: Range }
  | { k: 'tuple'; items: Expr[]; range: Range }
  | { k: 'object'; items: { key: Expr; value: Expr }[]; range: Range }
  | { k: 'var'; name: string; range: Range }
  | { k: 'attr'; obj: Expr; name: string; range: Range; nameRange: Range }
  | { k: 'index'; obj: Expr; key: Expr; range: Range }
  | { k: 'splat'; obj: Expr; rest: ((e: Expr) => Expr) | null; range: Range }
  | { k: 'call'; name: string; args: Expr[]; expand: boolean; range: Range; nameRange: Range }
  | { k: 'unary'; op: string; expr: Expr; range: Range }
  | { k: 'binary'; op: string; left: Expr; right: Expr; range: Range }
  | { k: 'cond'; cond: Expr; t: Expr; f: Expr; range: Range }
  | { k: 'for'; keyVar: string | null; valVar: string; coll: Expr; keyExpr: Expr | null; valExpr: Expr; cond: Expr | null; group: boolean; range: Range }
  | { k: 'paren'; expr: Expr; range: Range };

export interface Attribute {
  name: string;
  nameRange: Range;
  expr: Expr;
  range: Range;
}

export interface Block {
  type: string;
  typeRange: Range;
  labels: string[];
  labelRanges: Range[];
  body: Body;
  openRange: Range;
  range: Range;
}

export interface Body {
  attributes: Attribute[];
  blocks: Block[];
  range: Range;
}

const BINARY: string[][] = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];

class Parser {
  private i = 0;
  /** >0 while inside brackets/parens/braces of an expression, where newlines don't matter. */
  private nl = 0;

  constructor(private readonly toks: Tok[]) {}

  private raw(): Tok {
    return this.toks[Math.min(this.i, this.toks.length - 1)];
  }

  private peek(): Tok {
    if (this.nl > 0) while (this.raw().type === 'newline') this.i++;
    return this.raw();
  }

  private next(): Tok {
    const t = this.peek();
    if (t.type !== 'eof') this.i++;
    return t;
  }

  private isPunct(t: Tok, p: string): boolean {
    return t.type === 'punct' && t.text === p;
  }

  private prevRange(): Range {
    return this.toks[Math.max(0, this.i - 1)].range;
  }

  /** Body items until `}` (block) or eof (file). */
  parseBody(inBlock: Tok | null): Body {
    const attributes: Attribute[] = [];
    const blocks: Block[] = [];
    const start = this.raw().range;
    const seen = new Map<string, Attribute>();
    for (;;) {
      const t = this.raw();
      if (t.type === 'newline') {
        this.i++;
        continue;
      }
      if (t.type === 'eof') {
        if (inBlock) {
          throw new HclError('Unclosed configuration block', 'There is no closing brace for this block before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.', inBlock.range);
        }
        return { attributes, blocks, range: between(start, t.range) };
      }
      if (this.isPunct(t, '}')) {
        if (inBlock) return { attributes, blocks, range: between(start, t.range) };
        throw new HclError('Argument or block definition required', 'An argument or block definition is required here.', t.range);
      }
      if (t.type === 'template' && t.quoted) {
        throw new HclError('Invalid argument name', 'Argument names must not be quoted.', t.range);
      }
      if (t.type !== 'ident') {
        throw new HclError('Argument or block definition required', 'An argument or block definition is required here.', t.range);
      }
      const item = this.bodyItem();
      if ('expr' in item) {
        const prev = seen.get(item.name);
        if (prev) {
          throw new HclError('Attribute redefined', `The argument "${item.name}" was already set at input.hcl:${prev.nameRange.start.line},${prev.nameRange.start.col}-${prev.nameRange.end.col}. Each argument may be set only once.`, item.nameRange);
        }
        seen.set(item.name, item);
        attributes.push(item);
      } else {
        blocks.push(item);
      }
    }
  }

  private bodyItem(): Attribute | Block {
    const ident = this.next();
    const after = this.raw();
    if (this.isPunct(after, '=')) {
      this.i++;
      const expr = this.expression();
      const end = this.raw();
      if (end.type !== 'newline' && end.type !== 'eof') {
        if (this.isPunct(end, ',')) {
          throw new HclError('Unexpected comma after argument', 'Argument definitions must be separated by newlines, not commas. An argument definition must end with a newline.', end.range);
        }
        throw new HclError('Missing newline after argument', 'An argument definition must end with a newline.', end.range);
      }
      return { name: ident.text, nameRange: ident.range, expr, range: between(ident.range, expr.range) };
    }
    return this.block(ident);
  }

  private block(ident: Tok): Block {
    const labels: string[] = [];
    const labelRanges: Range[] = [];
    for (;;) {
      const t = this.raw();
      if (t.type === 'ident') {
        labels.push(t.text);
        labelRanges.push(t.range);
        this.i++;
        continue;
      }
      if (t.type === 'template' && t.quoted) {
        if (t.parts!.some((p) => 'tokens' in p)) {
          throw new HclError('Invalid block label', 'Template sequences are not allowed in block labels.', t.range);
        }
        labels.push(t.parts!.map((p) => ('lit' in p ? p.lit : '')).join(''));
        labelRanges.push(t.range);
        this.i++;
        continue;
      }
      if (this.isPunct(t, '{')) break;
      if (t.type === 'newline' || t.type === 'eof') {
        throw new HclError('Argument or block definition required', 'An argument or block definition is required here. To set an argument, use the equals sign "=" to introduce the argument value.', ident.range);
      }
      throw new HclError('Invalid block definition', 'Either a quoted string block label or an opening brace ("{") is expected here.', t.range);
    }
    const open = this.next();
    let body: Body;
    if (this.raw().type === 'newline') {
      body = this.parseBody(open);
    } else if (this.isPunct(this.raw(), '}')) {
      body = { attributes: [], blocks: [], range: open.range };
    } else {
      // single-line block: at most one argument
      const a = this.raw();
      if (a.type !== 'ident' || !this.isPunct(this.toks[this.i + 1], '=')) {
        throw new HclError('Invalid single-argument block definition', 'A single-line block definition must end with a closing brace immediately after its single argument definition.', a.range);
      }
      this.i += 2;
      const expr = this.expression();
      body = { attributes: [{ name: a.text, nameRange: a.range, expr, range: between(a.range, expr.range) }], blocks: [], range: between(open.range, expr.range) };
      if (!this.isPunct(this.raw(), '}')) {
        throw new HclError('Invalid single-argument block definition', 'A single-line block definition must end with a closing brace immediately after its single argument definition.', this.raw().range);
      }
    }
    const close = this.next(); // '}'
    const end = this.raw();
    if (end.type !== 'newline' && end.type !== 'eof') {
      throw new HclError('Missing newline after block definition', 'A block definition must end with a newline.', end.range);
    }
    return { type: ident.text, typeRange: ident.range, labels, labelRanges, body, openRange: open.range, range: between(ident.range, close.range) };
  }

  expression(): Expr {
    const cond = this.binary(0);
    if (this.isPunct(this.peek(), '?')) {
      this.next();
      const t = this.expression();
      const colon = this.peek();
      if (!this.isPunct(colon, ':')) {
        throw new HclError('Missing false expression in conditional', 'The conditional operator (...?...:...) requires a false expression, delimited by a colon.', colon.range);
      }
      this.next();
      const f = this.expression();
      return { k: 'cond', cond, t, f, range: between(cond.range, f.range) };
    }
    return cond;
  }

  private binary(level: number): Expr {
    if (level >= BINARY.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.type === 'punct' && BINARY[level].includes(t.text)) {
        this.next();
        const right = this.binary(level + 1);
        left = { k: 'binary', op: t.text, left, right, range: between(left.range, right.range) };
      } else {
        return left;
      }
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (this.isPunct(t, '!') || this.isPunct(t, '-')) {
      this.next();
      const expr = this.unary();
      return { k: 'unary', op: t.text, expr, range: between(t.range, expr.range) };
    }
    return this.postfix(this.term());
  }

  private postfix(e: Expr): Expr {
    for (;;) {
      const t = this.raw();
      if (this.isPunct(t, '.')) {
        this.i++;
        const n = this.raw();
        if (n.type === 'ident' || n.type === 'number') {
          this.i++;
          e = n.type === 'number'
            ? { k: 'index', obj: e, key: { k: 'lit', value: Number(n.text), range: n.range }, range: between(e.range, n.range) }
            : { k: 'attr', obj: e, name: n.text, range: between(e.range, n.range), nameRange: between(t.range, n.range) };
          continue;
        }
        if (this.isPunct(n, '*')) {
          this.i++;
          e = { k: 'splat', obj: e, rest: null, range: between(e.range, n.range) };
          continue;
        }
        throw new HclError('Invalid attribute name', 'An attribute name is required after a dot.', n.range);
      }
      if (this.isPunct(t, '[')) {
        this.i++;
        this.nl++;
        if (this.isPunct(this.peek(), '*')) {
          this.next();
          const close = this.next();
          this.nl--;
          if (!this.isPunct(close, ']')) throw new HclError('Missing close bracket on splat index', 'The star for a full splat operator must be immediately followed by a closing bracket ("]").', close.range);
          e = { k: 'splat', obj: e, rest: null, range: between(e.range, close.range) };
          continue;
        }
        const key = this.expression();
        const close = this.next();
        this.nl--;
        if (!this.isPunct(close, ']')) throw new HclError('Missing close bracket on index', 'The index operator must end with a closing bracket ("]").', close.range);
        e = { k: 'index', obj: e, key, range: between(e.range, close.range) };
        continue;
      }
      return e;
    }
  }

  private term(): Expr {
    const t = this.peek();
    switch (t.type) {
      case 'number':
        this.next();
        return { k: 'lit', value: Number(t.text), range: t.range };
      case 'template':
        this.next();
        return this.template(t);
      case 'ident': {
        this.next();
        if (t.text === 'true' || t.text === 'false') return { k: 'lit', value: t.text === 'true', range: t.range };
        if (t.text === 'null') return { k: 'lit', value: null, range: t.range };
        if (this.isPunct(this.raw(), '(')) return this.call(t);
        return { k: 'var', name: t.text, range: t.range };
      }
      case 'punct':
        if (t.text === '(') {
          this.next();
          this.nl++;
          const expr = this.expression();
          const close = this.next();
          this.nl--;
          if (!this.isPunct(close, ')')) throw new HclError('Unbalanced parentheses', 'Expected a closing parenthesis to terminate the expression.', close.range);
          return { k: 'paren', expr, range: between(t.range, close.range) };
        }
        if (t.text === '[') return this.tuple();
        if (t.text === '{') return this.object();
        break;
      case 'eof':
        throw new HclError('Missing expression', 'Expected the start of an expression, but found the end of the file.', t.range);
      default:
        break;
    }
    throw new HclError('Invalid expression', 'Expected the start of an expression, but found an invalid expression token.', t.range);
  }

  private template(t: Tok): Expr {
    const parts: (string | Expr)[] = [];
    for (const p of t.parts!) {
      if ('lit' in p) {
        parts.push(p.lit);
        continue;
      }
      const sub = new Parser(p.tokens);
      sub.nl = 1;
      const e = sub.expression();
      const rest = sub.peek();
      if (rest.type !== 'eof') {
        throw new HclError('Extra characters after interpolation expression', 'Expected a closing brace to end the interpolation expression, but found extra characters.', rest.range);
      }
      parts.push(e);
    }
    return { k: 'tmpl', parts, range: t.range };
  }

  private call(name: Tok): Expr {
    this.next(); // (
    this.nl++;
    const args: Expr[] = [];
    let expand = false;
    for (;;) {
      const t = this.peek();
      if (this.isPunct(t, ')')) break;
      if (t.type === 'eof') {
        throw new HclError('Unterminated function call', 'There is no closing parenthesis for this function call before the end of the file. This may be caused by incorrect parethesis nesting elsewhere in this file.', name.range);
      }
      args.push(this.expression());
      const sep = this.peek();
      if (this.isPunct(sep, '...')) {
        this.next();
        expand = true;
      }
      const s2 = this.peek();
      if (this.isPunct(s2, ',')) {
        this.next();
        continue;
      }
      if (this.isPunct(s2, ')')) break;
      throw new HclError('Missing argument separator', 'A comma is required to separate each function argument from the next.', s2.range);
    }
    const close = this.next();
    this.nl--;
    return { k: 'call', name: name.text, args, expand, range: between(name.range, close.range), nameRange: name.range };
  }

  private forExpr(open: Tok, object: boolean): Expr {
    this.next(); // 'for'
    const v1 = this.next();
    let keyVar: string | null = null;
    let valVar = v1.text;
    if (this.isPunct(this.peek(), ',')) {
      this.next();
      keyVar = v1.text;
      valVar = this.next().text;
    }
    const inTok = this.next();
    if (inTok.type !== 'ident' || inTok.text !== 'in') throw new HclError("Invalid 'for' expression", 'The "in" keyword is required after the iterator variable names.', inTok.range);
    const coll = this.expression();
    const colon = this.next();
    if (!this.isPunct(colon, ':')) throw new HclError("Invalid 'for' expression", 'The "for" expression requires a colon after the collection expression.', colon.range);
    let keyExpr: Expr | null = null;
    let valExpr = this.expression();
    let group = false;
    if (object) {
      const arrow = this.next();
      if (!this.isPunct(arrow, '=>')) throw new HclError("Invalid 'for' expression", 'An object-producing "for" expression requires a "=>" after the key expression.', arrow.range);
      keyExpr = valExpr;
      valExpr = this.expression();
      if (this.isPunct(this.peek(), '...')) {
        this.next();
        group = true;
      }
    }
    let cond: Expr | null = null;
    if (this.peek().type === 'ident' && this.peek().text === 'if') {
      this.next();
      cond = this.expression();
    }
    const close = this.next();
    this.nl--;
    if (!this.isPunct(close, object ? '}' : ']')) throw new HclError("Invalid 'for' expression", `Extra characters after the end of the 'for' expression.`, close.range);
    return { k: 'for', keyVar, valVar, coll, keyExpr, valExpr, cond, group, range: between(open.range, close.range) };
  }

  private tuple(): Expr {
    const open = this.next();
    this.nl++;
    if (this.peek().type === 'ident' && this.peek().text === 'for') return this.forExpr(open, false);
    const items: Expr[] = [];
    for (;;) {
      const t = this.peek();
      if (this.isPunct(t, ']')) break;
      if (t.type === 'eof') {
        throw new HclError('Unterminated tuple constructor expression', 'There is no corresponding closing bracket before the end of the file. This may be caused by incorrect bracket nesting elsewhere in this file.', open.range);
      }
      items.push(this.expression());
      const sep = this.peek();
      if (this.isPunct(sep, ',')) {
        this.next();
        continue;
      }
      if (this.isPunct(sep, ']')) break;
      if (sep.type === 'eof') continue;
      throw new HclError('Missing item separator', 'Expected a comma to mark the beginning of the next item.', sep.range);
    }
    const close = this.next();
    this.nl--;
    return { k: 'tuple', items, range: between(open.range, close.range) };
  }

  private object(): Expr {
    const open = this.next();
    this.nl++;
    if (this.peek().type === 'ident' && this.peek().text === 'for') return this.forExpr(open, true);
    const items: { key: Expr; value: Expr }[] = [];
    // Inside an object newlines separate items, so the enclosing context's rule is suspended.
    const saved = this.nl - 1;
    this.nl = 0;
    const skipNewlines = () => {
      while (this.raw().type === 'newline') this.i++;
    };
    for (;;) {
      skipNewlines();
      const t = this.raw();
      if (this.isPunct(t, '}')) break;
      if (t.type === 'eof') {
        throw new HclError('Unterminated object constructor expression', 'There is no corresponding closing brace before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.', open.range);
      }
      let key: Expr;
      if (t.type === 'ident' && (this.isPunct(this.toks[this.i + 1], '=') || this.isPunct(this.toks[this.i + 1], ':'))) {
        this.i++;
        key = { k: 'lit', value: t.text, range: t.range };
      } else {
        key = this.binary(0);
      }
      const sep = this.raw();
      if (!this.isPunct(sep, '=') && !this.isPunct(sep, ':')) {
        if (sep.type === 'eof') {
          throw new HclError('Unterminated object constructor expression', 'There is no corresponding closing brace before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.', open.range);
        }
        throw new HclError('Missing key/value separator', 'Expected an equals sign ("=") to mark the beginning of the attribute value.', sep.range);
      }
      this.i++;
      while (this.raw().type === 'newline') this.i++;
      const value = this.expression();
      items.push({ key, value });
      const after = this.raw();
      if (this.isPunct(after, ',')) {
        this.i++;
        continue;
      }
      if (after.type === 'newline' || this.isPunct(after, '}')) continue;
      if (after.type === 'eof') continue;
      throw new HclError('Missing attribute separator', 'Expected a newline or comma to mark the beginning of the next attribute.', after.range);
    }
    const close = this.raw();
    this.i++;
    this.nl = saved;
    return { k: 'object', items, range: between(open.range, close.range) };
  }
}

/** Parses a whole file into its top-level body. Throws HclError. */
export function parseHcl(src: string): Body {
  const toks = new Lexer(src).tokenize();
  return new Parser(toks).parseBody(null);
}

/** Parses a standalone expression (used for `key=value` variable overrides). */
export function parseExpression(src: string): Expr {
  const toks = new Lexer(src).tokenize().filter((t) => t.type !== 'newline');
  const p = new Parser(toks);
  const e = p.expression();
  return e;
}
