/**
 * Expression evaluation for the jobspec subset: literals, templates, tuples, objects, `var.x`
 * and `local.x` references, operators, conditionals, `for` expressions and common functions.
 * References to runtime values (`attr.*`, `node.*`, `meta.*`, `NOMAD_*`, `env`…) are kept as
 * the literal `${…}` text, as Nomad leaves them for the client to interpolate.
 */
import { HclError, type Range } from './diagnostic.js';
import { callFunction } from './functions.js';
import type { Expr } from './parser.js';

/** A runtime reference left for Nomad's client to interpolate. */
export class Passthrough {
  constructor(readonly text: string) {}
  toString(): string {
    return `\${${this.text}}`;
  }
}

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value } | Passthrough;

export interface Scope {
  vars: Record<string, Value>;
  locals: Record<string, Value>;
  /** Iterator variables of enclosing `for` expressions. */
  iter?: Record<string, Value>;
}

function isObject(v: Value): v is { [k: string]: Value } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Passthrough);
}

/** Source text of a traversal made only of names (`attr.kernel.name`, `meta["x"]`), or undefined. */
function traversalText(e: Expr): string | undefined {
  if (e.k === 'var') return e.name;
  if (e.k === 'attr') {
    const base = traversalText(e.obj);
    return base === undefined ? undefined : `${base}.${e.name}`;
  }
  if (e.k === 'index' && e.key.k === 'lit') {
    const base = traversalText(e.obj);
    return base === undefined ? undefined : `${base}[${JSON.stringify(e.key.value)}]`;
  }
  if (e.k === 'index' && e.key.k === 'tmpl' && e.key.parts.every((p) => typeof p === 'string')) {
    const base = traversalText(e.obj);
    return base === undefined ? undefined : `${base}[${JSON.stringify(e.key.parts.join(''))}]`;
  }
  return undefined;
}

function rootName(e: Expr): string | undefined {
  if (e.k === 'var') return e.name;
  if (e.k === 'attr' || e.k === 'index' || e.k === 'splat') return rootName(e.obj);
  return undefined;
}

export function typeName(v: Value): string {
  if (v === null) return 'null';
  if (v instanceof Passthrough) return 'string';
  if (Array.isArray(v)) return 'tuple';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

export function toStr(v: Value, range: Range): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Passthrough) return v.toString();
  if (v === null) throw new HclError('Invalid template interpolation value', 'The expression result is null. Cannot include a null value in a string template.', range);
  throw new HclError('Invalid template interpolation value', `Cannot include the given value in a string template: string required, ${typeName(v)} given.`, range);
}

function toNum(v: Value, range: Range): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw new HclError('Invalid operand', `Unsuitable value for operand: a number is required.`, range);
}

function toBool(v: Value, range: Range): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new HclError('Invalid operand', 'Unsuitable value for operand: a bool is required.', range);
}

function equal(a: Value, b: Value): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function evaluate(e: Expr, scope: Scope): Value {
  switch (e.k) {
    case 'lit':
      return e.value;
    case 'paren':
      return evaluate(e.expr, scope);
    case 'tmpl': {
      if (e.parts.length === 1 && typeof e.parts[0] !== 'string') return evaluate(e.parts[0], scope);
      let s = '';
      for (const p of e.parts) s += typeof p === 'string' ? p : toStr(evaluate(p, scope), p.range);
      return s;
    }
    case 'tuple':
      return e.items.map((i) => evaluate(i, scope));
    case 'object': {
      const out: { [k: string]: Value } = {};
      for (const { key, value } of e.items) {
        // A bare name as key is the name itself, not a reference.
        const k = key.k === 'var' ? key.name : toStr(evaluate(key, scope), key.range);
        out[k] = evaluate(value, scope);
      }
      return out;
    }
    case 'var':
    case 'attr':
    case 'index':
    case 'splat':
      return traverse(e, scope);
    case 'call': {
      let args = e.args.map((a) => evaluate(a, scope));
      if (e.expand && args.length) {
        const last = args[args.length - 1];
        if (!Array.isArray(last)) throw new HclError('Invalid expanding argument value', 'The expanding argument (indicated by ...) must be of a tuple, list, or set type.', e.args[e.args.length - 1].range);
        args = [...args.slice(0, -1), ...last];
      }
      return callFunction(e.name, args, e.range, e.nameRange);
    }
    case 'unary': {
      const v = evaluate(e.expr, scope);
      return e.op === '!' ? !toBool(v, e.expr.range) : -toNum(v, e.expr.range);
    }
    case 'binary': {
      if (e.op === '&&') return toBool(evaluate(e.left, scope), e.left.range) && toBool(evaluate(e.right, scope), e.right.range);
      if (e.op === '||') return toBool(evaluate(e.left, scope), e.left.range) || toBool(evaluate(e.right, scope), e.right.range);
      const l = evaluate(e.left, scope);
      const r = evaluate(e.right, scope);
      switch (e.op) {
        case '==': return equal(l, r);
        case '!=': return !equal(l, r);
      }
      const a = toNum(l, e.left.range);
      const b = toNum(r, e.right.range);
      switch (e.op) {
        case '<': return a < b;
        case '>': return a > b;
        case '<=': return a <= b;
        case '>=': return a >= b;
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return a / b;
        default: return a % b;
      }
    }
    case 'cond':
      return toBool(evaluate(e.cond, scope), e.cond.range) ? evaluate(e.t, scope) : evaluate(e.f, scope);
    case 'for': {
      const coll = evaluate(e.coll, scope);
      const entries: [Value, Value][] = Array.isArray(coll)
        ? coll.map((v, i) => [i, v])
        : isObject(coll) ? Object.entries(coll) : [];
      if (!Array.isArray(coll) && !isObject(coll)) {
        throw new HclError('Iteration over non-iterable value', 'A value of type ' + typeName(coll) + ' cannot be used as the collection in a \'for\' expression.', e.coll.range);
      }
      const results: Value[] = [];
      const obj: { [k: string]: Value } = {};
      for (const [k, v] of entries) {
        const iter = { ...(scope.iter ?? {}), [e.valVar]: v, ...(e.keyVar ? { [e.keyVar]: k } : {}) };
        const inner: Scope = { ...scope, iter };
        if (e.cond && !toBool(evaluate(e.cond, inner), e.cond.range)) continue;
        if (e.keyExpr) {
          const key = toStr(evaluate(e.keyExpr, inner), e.keyExpr.range);
          const val = evaluate(e.valExpr, inner);
          if (e.group) obj[key] = [...((obj[key] as Value[] | undefined) ?? []), val];
          else obj[key] = val;
        } else {
          results.push(evaluate(e.valExpr, inner));
        }
      }
      return e.keyExpr ? obj : results;
    }
  }
}

function traverse(e: Expr, scope: Scope): Value {
  const root = rootName(e);
  if (root !== undefined && root !== 'var' && root !== 'local' && !(scope.iter && root in scope.iter)) {
    // A runtime reference such as attr.kernel.name or NOMAD_ALLOC_INDEX: keep it literal.
    const text = traversalText(e);
    if (text !== undefined) return new Passthrough(text);
  }
  switch (e.k) {
    case 'var': {
      if (scope.iter && e.name in scope.iter) return scope.iter[e.name];
      if (e.name === 'var') return scope.vars;
      if (e.name === 'local') return scope.locals;
      throw new HclError('Unknown variable', `There is no variable named "${e.name}".`, e.range);
    }
    case 'attr': {
      const base = evaluate(e.obj, scope);
      if (isObject(base)) {
        if (!(e.name in base)) {
          if (e.obj.k === 'var' && e.obj.name === 'var') {
            throw new HclError('Unsupported attribute', `This object does not have an attribute named "${e.name}".`, e.nameRange);
          }
          throw new HclError('Unsupported attribute', `This object does not have an attribute named "${e.name}".`, e.nameRange);
        }
        return base[e.name];
      }
      throw new HclError('Unsupported attribute', `Can't access attributes on a primitive-typed value (${typeName(base)}).`, e.nameRange);
    }
    case 'index': {
      const base = evaluate(e.obj, scope);
      const key = evaluate(e.key, scope);
      if (Array.isArray(base)) {
        const i = toNum(key, e.key.range);
        if (i < 0 || i >= base.length || !Number.isInteger(i)) throw new HclError('Invalid index', 'The given key does not identify an element in this collection value.', e.key.range);
        return base[i];
      }
      if (isObject(base)) {
        const k = toStr(key, e.key.range);
        if (!(k in base)) throw new HclError('Invalid index', 'The given key does not identify an element in this collection value.', e.key.range);
        return base[k];
      }
      throw new HclError('Invalid index', 'This value does not have any indices.', e.key.range);
    }
    case 'splat': {
      const base = evaluate(e.obj, scope);
      if (base === null) return [];
      return Array.isArray(base) ? base : [base];
    }
    default:
      return evaluate(e, scope);
  }
}
