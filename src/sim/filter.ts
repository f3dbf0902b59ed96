/**
 * A subset of go-bexpr, the `filter=` language of Nomad list endpoints:
 *   Sel == "v", Sel != "v", "v" in Sel, "v" not in Sel, Sel contains "v", Sel matches "re",
 *   Sel not matches "re", Sel is empty, Sel is not empty, joined by and / or / not and parentheses.
 * Selectors are dotted (`JobSummary.Summary.web.Running`) or indexed (`Meta["owner"]`).
 */
import { coded } from './http.js';
import { compileGo } from './re2.js';

type Value = string | number | boolean;
type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'cmp'; op: '==' | '!=' | 'in' | 'notin' | 'matches' | 'notmatches' | 'empty' | 'notempty'; sel: string[]; value?: Value };

interface Tok {
  t: 'ident' | 'str' | 'num' | 'op' | 'eof';
  v: string;
  pos: number;
}

function fail(pos: number, expected: string): never {
  throw coded(400, `failed to read filter expression: 1:${pos + 1} (${pos}): no match found, expected: ${expected}`);
}

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (c === '"' || c === '`') {
      i++;
      let s = '';
      while (i < src.length && src[i] !== c) {
        if (c === '"' && src[i] === '\\' && i + 1 < src.length) {
          const e = src[i + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        s += src[i++];
      }
      if (i >= src.length) fail(start, 'closing quote');
      i++;
      toks.push({ t: 'str', v: s, pos: start });
      continue;
    }
    if (src.startsWith('==', i) || src.startsWith('!=', i)) {
      toks.push({ t: 'op', v: src.slice(i, i + 2), pos: start });
      i += 2;
      continue;
    }
    if ('()[].'.includes(c)) {
      toks.push({ t: 'op', v: c, pos: start });
      i++;
      continue;
    }
    if (/[-0-9]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i));
      if (m) {
        toks.push({ t: 'num', v: m[0], pos: start });
        i += m[0].length;
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_\-/]*/.exec(src.slice(i))!;
      toks.push({ t: 'ident', v: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    fail(start, '"(", "not", selector or value');
  }
  toks.push({ t: 'eof', v: '', pos: src.length });
  return toks;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i];
  }
  private next(): Tok {
    return this.toks[this.i++];
  }
  private isWord(w: string): boolean {
    const t = this.peek();
    return t.t === 'ident' && t.v === w;
  }

  parse(): Expr {
    const e = this.or();
    const t = this.peek();
    if (t.t !== 'eof') fail(t.pos, '"and", "or" or end of input');
    return e;
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('or')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isWord('and')) {
      this.next();
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    if (this.isWord('not')) {
      this.next();
      return { kind: 'not', expr: this.not() };
    }
    const t = this.peek();
    if (t.t === 'op' && t.v === '(') {
      this.next();
      const e = this.or();
      const c = this.next();
      if (c.t !== 'op' || c.v !== ')') fail(c.pos, '")"');
      return e;
    }
    return this.match();
  }

  private value(): Value {
    const t = this.next();
    if (t.t === 'str') return t.v;
    if (t.t === 'num') return Number(t.v);
    if (t.t === 'ident' && (t.v === 'true' || t.v === 'false')) return t.v === 'true';
    return fail(t.pos, 'a value (quoted string, number or boolean)');
  }

  private selector(): string[] {
    const t = this.next();
    if (t.t !== 'ident') fail(t.pos, 'selector');
    const parts = [t.v];
    for (;;) {
      const p = this.peek();
      if (p.t === 'op' && p.v === '.') {
        this.next();
        const n = this.next();
        if (n.t !== 'ident' && n.t !== 'num') fail(n.pos, 'selector segment');
        parts.push(n.v);
      } else if (p.t === 'op' && p.v === '[') {
        this.next();
        const k = this.next();
        if (k.t !== 'str' && k.t !== 'num') fail(k.pos, 'quoted index');
        const c = this.next();
        if (c.t !== 'op' || c.v !== ']') fail(c.pos, '"]"');
        parts.push(k.v);
      } else {
        return parts;
      }
    }
  }

  private match(): Expr {
    const t = this.peek();
    if (t.t === 'str' || t.t === 'num' || (t.t === 'ident' && (t.v === 'true' || t.v === 'false') && this.toks[this.i + 1]?.t === 'ident')) {
      const value = this.value();
      let op: 'in' | 'notin' = 'in';
      if (this.isWord('not')) {
        this.next();
        op = 'notin';
      }
      const w = this.next();
      if (w.t !== 'ident' || w.v !== 'in') fail(w.pos, '"in" or "not in"');
      return { kind: 'cmp', op, sel: this.selector(), value };
    }
    const sel = this.selector();
    const o = this.next();
    if (o.t === 'op' && (o.v === '==' || o.v === '!=')) return { kind: 'cmp', op: o.v, sel, value: this.value() };
    if (o.t === 'ident') {
      if (o.v === 'matches') return { kind: 'cmp', op: 'matches', sel, value: this.value() };
      if (o.v === 'contains') return { kind: 'cmp', op: 'in', sel, value: this.value() };
      if (o.v === 'is') {
        let neg = false;
        if (this.isWord('not')) {
          this.next();
          neg = true;
        }
        const e = this.next();
        if (e.t !== 'ident' || e.v !== 'empty') fail(e.pos, '"empty"');
        return { kind: 'cmp', op: neg ? 'notempty' : 'empty', sel };
      }
      if (o.v === 'not') {
        const w = this.next();
        if (w.t === 'ident' && w.v === 'matches') return { kind: 'cmp', op: 'notmatches', sel, value: this.value() };
        if (w.t === 'ident' && w.v === 'contains') return { kind: 'cmp', op: 'notin', sel, value: this.value() };
        fail(w.pos, '"matches" or "contains"');
      }
    }
    return fail(o.pos, '"!=", ".", "==", "[", "contains", "is", "matches", "not"');
  }
}

function resolve(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function equals(field: unknown, value: Value): boolean {
  if (field === undefined || field === null) return false;
  if (typeof field === 'object') return false;
  return String(field) === String(value);
}

function evaluate(e: Expr, obj: unknown): boolean {
  switch (e.kind) {
    case 'and':
      return evaluate(e.left, obj) && evaluate(e.right, obj);
    case 'or':
      return evaluate(e.left, obj) || evaluate(e.right, obj);
    case 'not':
      return !evaluate(e.expr, obj);
    case 'cmp': {
      const f = resolve(obj, e.sel);
      switch (e.op) {
        case '==':
          return equals(f, e.value!);
        case '!=':
          return !equals(f, e.value!);
        case 'in':
        case 'notin': {
          let hit = false;
          if (Array.isArray(f)) hit = f.some((x) => equals(x, e.value!));
          else if (typeof f === 'string') hit = f.includes(String(e.value));
          else if (f && typeof f === 'object') hit = Object.prototype.hasOwnProperty.call(f, String(e.value));
          return e.op === 'in' ? hit : !hit;
        }
        case 'matches':
        case 'notmatches': {
          // go-bexpr compiles `matches` operands with Go's regexp package, which is RE2: linear time
          // (a caller's filter must not hang the simulator) and RE2's own error texts.
          let re: { test(s: string): boolean };
          try {
            re = compileGo(String(e.value));
          } catch (err) {
            throw coded(400, `failed to read filter expression: ${(err as Error).message}`);
          }
          const hit = typeof f === 'string' && re.test(f);
          return e.op === 'matches' ? hit : !hit;
        }
        case 'empty':
        case 'notempty': {
          const empty = f === undefined || f === null || f === '' || (Array.isArray(f) && f.length === 0) ||
            (typeof f === 'object' && f !== null && Object.keys(f).length === 0);
          return e.op === 'empty' ? empty : !empty;
        }
      }
    }
  }
  return false;
}

/** Compiles a filter expression; throws a 400 HttpError when it does not parse. */
export function compileFilter(src: string): (obj: unknown) => boolean {
  const expr = new Parser(lex(src)).parse();
  return (obj) => evaluate(expr, obj);
}
