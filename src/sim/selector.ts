/**
 * The subset of go-bexpr that binding-rule selectors use (lib/auth/binder.go doesSelectorMatch runs
 * bexpr over `{value: {…}, list: {…}}` from the auth method's claim mappings, lib/auth/claims.go):
 * `==`, `!=`, `in`, `not in`, `contains`, `not contains`, `is empty`, `is not empty`, joined with
 * `and`, `or`, `not` and parentheses. Values are "quoted", `backquoted` or bare words. A tokenizer and
 * a recursive-descent parser, linear in the selector's length: no regular expressions on its text.
 */

export interface SelectorData {
  value: Record<string, string>;
  list: Record<string, string[]>;
}

type Tok = { kind: 'word' | 'string' | 'op' | 'lparen' | 'rparen'; text: string };

export class SelectorError extends Error {}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const isWordChar = (c: string) => /[A-Za-z0-9_.\-/:]/.test(c);
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ kind: c === '(' ? 'lparen' : 'rparen', text: c });
      i++;
    } else if (c === '=' || c === '!') {
      if (src[i + 1] !== '=') throw new SelectorError(`1:${i + 1}: unexpected "${c}"`);
      out.push({ kind: 'op', text: `${c}=` });
      i += 2;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== c) {
        if (c === '"' && src[j] === '\\' && j + 1 < src.length) j++;
        text += src[j++];
      }
      if (j >= src.length) throw new SelectorError(`1:${i + 1}: unterminated string`);
      out.push({ kind: 'string', text });
      i = j + 1;
    } else if (isWordChar(c)) {
      let j = i;
      while (j < src.length && isWordChar(src[j])) j++;
      out.push({ kind: 'word', text: src.slice(i, j) });
      i = j;
    } else {
      throw new SelectorError(`1:${i + 1}: unexpected "${c}"`);
    }
  }
  return out;
}

type Node =
  | { t: 'and' | 'or'; a: Node; b: Node }
  | { t: 'not'; a: Node }
  | { t: 'match'; op: string; selector: string; value?: string };

/** Parses a selector; throws SelectorError (bexpr.CreateEvaluator fails) on bad syntax. */
export function parseSelector(src: string): Node {
  const toks = tokenize(src);
  let pos = 0;
  const peek = () => toks[pos];
  const word = (w: string) => peek()?.kind === 'word' && peek()!.text.toLowerCase() === w;
  const fail = (what: string): never => {
    throw new SelectorError(`expected ${what}${peek() ? ` near "${peek()!.text}"` : ' at the end'}`);
  };

  function or(): Node {
    let n = and();
    while (word('or')) {
      pos++;
      n = { t: 'or', a: n, b: and() };
    }
    return n;
  }
  function and(): Node {
    let n = unary();
    while (word('and')) {
      pos++;
      n = { t: 'and', a: n, b: unary() };
    }
    return n;
  }
  function unary(): Node {
    if (word('not')) {
      pos++;
      return { t: 'not', a: unary() };
    }
    if (peek()?.kind === 'lparen') {
      pos++;
      const n = or();
      if (peek()?.kind !== 'rparen') fail('")"');
      pos++;
      return n;
    }
    return match();
  }
  function value(): string {
    const t = peek();
    if (!t || (t.kind !== 'string' && t.kind !== 'word')) return fail('a value');
    pos++;
    return t.text;
  }
  function selector(): string {
    const t = peek();
    if (!t || t.kind !== 'word') return fail('a selector');
    pos++;
    return t.text;
  }
  function match(): Node {
    // value in selector / value not in selector
    const first = peek();
    const next = toks[pos + 1];
    const isIn = next?.kind === 'word' && (next.text === 'in' || (next.text === 'not' && toks[pos + 2]?.text === 'in'));
    if (first && (first.kind === 'string' || first.kind === 'word') && isIn) {
      const v = value();
      const negate = word('not');
      pos += negate ? 2 : 1;
      return { t: 'match', op: negate ? 'not in' : 'in', selector: selector(), value: v };
    }
    const sel = selector();
    const op = peek();
    if (op?.kind === 'op') {
      pos++;
      return { t: 'match', op: op.text, selector: sel, value: value() };
    }
    if (word('is')) {
      pos++;
      const negate = word('not');
      if (negate) pos++;
      if (!word('empty')) fail('"empty"');
      pos++;
      return { t: 'match', op: negate ? 'is not empty' : 'is empty', selector: sel };
    }
    if (word('contains') || (word('not') && toks[pos + 1]?.text === 'contains')) {
      const negate = word('not');
      pos += negate ? 2 : 1;
      return { t: 'match', op: negate ? 'not contains' : 'contains', selector: sel, value: value() };
    }
    return fail('an operator');
  }

  const n = or();
  if (pos < toks.length) fail('the end');
  return n;
}

/** The selected field: `value.x` (a string), `list.x` (strings); undefined when missing. */
function lookup(data: SelectorData, sel: string): string | string[] | undefined {
  const dot = sel.indexOf('.');
  const head = dot < 0 ? sel : sel.slice(0, dot);
  const key = dot < 0 ? '' : sel.slice(dot + 1);
  if (head === 'value') return key ? data.value[key] : undefined;
  if (head === 'list') return key ? data.list[key] : undefined;
  return undefined;
}

/** Evaluates; a selector that names a missing field does not match (bexpr's evaluation error → false). */
export function evaluate(n: Node, data: SelectorData): boolean {
  switch (n.t) {
    case 'and':
      return evaluate(n.a, data) && evaluate(n.b, data);
    case 'or':
      return evaluate(n.a, data) || evaluate(n.b, data);
    case 'not':
      return !evaluate(n.a, data);
    case 'match': {
      const v = lookup(data, n.selector);
      const items = v === undefined ? [] : Array.isArray(v) ? v : [v];
      switch (n.op) {
        case '==':
          return typeof v === 'string' && v === n.value;
        case '!=':
          return typeof v === 'string' && v !== n.value;
        case 'in':
        case 'contains':
          return Array.isArray(v) ? items.includes(n.value!) : typeof v === 'string' && v.includes(n.value!);
        case 'not in':
        case 'not contains':
          return Array.isArray(v) ? !items.includes(n.value!) : typeof v === 'string' && !v.includes(n.value!);
        case 'is empty':
          return items.length === 0 || (typeof v === 'string' && v === '');
        case 'is not empty':
          return !(items.length === 0 || (typeof v === 'string' && v === ''));
      }
      return false;
    }
  }
}

/** doesSelectorMatch: an empty selector matches everything; one that fails to parse matches nothing. */
export function selectorMatches(selector: string, data: SelectorData): boolean {
  if (selector === '') return true;
  try {
    return evaluate(parseSelector(selector), data);
  } catch {
    return false;
  }
}
