/** The HCL function library subset jobspecs commonly use (no filesystem access, as in Nomad's API parse). */
import { HclError, type Range } from './diagnostic.js';
import { Passthrough, type Value, toStr, typeName } from './eval.js';
import { compileGo } from '../re2.js';

type Fn = (args: Value[], range: Range) => Value;

function str(v: Value, range: Range): string {
  return toStr(v, range);
}

function num(v: Value, range: Range): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw new HclError('Invalid function argument', `Invalid value for "num" parameter: a number is required.`, range);
}

function list(v: Value, range: Range): Value[] {
  if (Array.isArray(v)) return v;
  throw new HclError('Invalid function argument', `Invalid value for "list" parameter: list of any single type required, ${typeName(v)} given.`, range);
}

function obj(v: Value, range: Range): { [k: string]: Value } {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Passthrough)) return v;
  throw new HclError('Invalid function argument', `Invalid value for "inputMap" parameter: map of any single type required, ${typeName(v)} given.`, range);
}

function format(fmt: string, args: Value[], range: Range): string {
  let i = 0;
  return fmt.replace(/%(%|[-+ #0]*\d*(?:\.\d+)?[sdvfqtbxXoe])/g, (m, spec: string) => {
    if (spec === '%') return '%';
    const v = args[i++];
    if (v === undefined) throw new HclError('Error in function call', 'Call to function "format" failed: not enough arguments for format string.', range);
    const verb = spec[spec.length - 1];
    const prec = /\.(\d+)/.exec(spec);
    switch (verb) {
      case 'd': return String(Math.trunc(num(v, range)));
      case 'f': return num(v, range).toFixed(prec ? Number(prec[1]) : 6);
      case 'q': return JSON.stringify(str(v, range));
      case 'x': return Math.trunc(num(v, range)).toString(16);
      case 'X': return Math.trunc(num(v, range)).toString(16).toUpperCase();
      case 'o': return Math.trunc(num(v, range)).toString(8);
      case 'b': return Math.trunc(num(v, range)).toString(2);
      case 'v': return typeof v === 'object' && v !== null && !(v instanceof Passthrough) ? JSON.stringify(v) : str(v, range);
      default: return str(v, range);
    }
  });
}

const FUNCTIONS: Record<string, Fn> = {
  upper: ([s], r) => str(s, r).toUpperCase(),
  lower: ([s], r) => str(s, r).toLowerCase(),
  title: ([s], r) => str(s, r).replace(/\b\w/g, (c) => c.toUpperCase()),
  trimspace: ([s], r) => str(s, r).trim(),
  trim: ([s, cut], r) => {
    const chars = str(cut, r);
    let v = str(s, r);
    while (v && chars.includes(v[0])) v = v.slice(1);
    while (v && chars.includes(v[v.length - 1])) v = v.slice(0, -1);
    return v;
  },
  trimprefix: ([s, p], r) => (str(s, r).startsWith(str(p, r)) ? str(s, r).slice(str(p, r).length) : str(s, r)),
  trimsuffix: ([s, p], r) => (str(s, r).endsWith(str(p, r)) && str(p, r) ? str(s, r).slice(0, -str(p, r).length) : str(s, r)),
  replace: ([s, a, b], r) => {
    const pat = str(a, r);
    const m = /^\/(.*)\/$/.exec(pat);
    return m ? compileGo(m[1]).replaceAll(str(s, r), str(b, r)) : str(s, r).split(pat).join(str(b, r));
  },
  substr: ([s, o, l], r) => {
    const v = str(s, r);
    const off = num(o, r);
    const len = num(l, r);
    const start = off < 0 ? v.length + off : off;
    return len < 0 ? v.slice(start) : v.slice(start, start + len);
  },
  format: ([f, ...rest], r) => format(str(f, r), rest, r),
  join: ([sep, ...lists], r) => lists.flatMap((l) => list(l, r)).map((x) => str(x, r)).join(str(sep, r)),
  split: ([sep, s], r) => str(s, r).split(str(sep, r)),
  concat: (lists, r) => lists.flatMap((l) => list(l, r)),
  length: ([v], r) => {
    if (typeof v === 'string') return [...v].length;
    if (Array.isArray(v)) return v.length;
    return Object.keys(obj(v, r)).length;
  },
  lookup: ([m, k, d], r) => {
    const o = obj(m, r);
    const key = str(k, r);
    if (key in o) return o[key];
    if (d !== undefined) return d;
    throw new HclError('Error in function call', `Call to function "lookup" failed: the given key "${key}" does not exist in the map.`, r);
  },
  merge: (objs, r) => Object.assign({}, ...objs.filter((o) => o !== null).map((o) => obj(o, r))),
  contains: ([l, v], r) => list(l, r).some((x) => JSON.stringify(x) === JSON.stringify(v)),
  keys: ([m], r) => Object.keys(obj(m, r)).sort(),
  values: ([m], r) => {
    const o = obj(m, r);
    return Object.keys(o).sort().map((k) => o[k]);
  },
  element: ([l, i], r) => {
    const a = list(l, r);
    if (a.length === 0) throw new HclError('Error in function call', 'Call to function "element" failed: cannot use element function with an empty list.', r);
    return a[((Math.trunc(num(i, r)) % a.length) + a.length) % a.length];
  },
  flatten: ([l], r) => {
    const out: Value[] = [];
    const walk = (x: Value) => (Array.isArray(x) ? x.forEach(walk) : out.push(x));
    list(l, r).forEach(walk);
    return out;
  },
  distinct: ([l], r) => list(l, r).filter((x, i, a) => a.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i),
  compact: ([l], r) => list(l, r).filter((x) => x !== null && x !== ''),
  coalesce: (args) => args.find((a) => a !== null && a !== '') ?? null,
  range: (args, r) => {
    const n = args.map((a) => num(a, r));
    const [start, end, step] = n.length === 1 ? [0, n[0], 1] : [n[0], n[1], n[2] ?? (n[1] >= n[0] ? 1 : -1)];
    const out: number[] = [];
    for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
    return out;
  },
  min: (args, r) => Math.min(...args.map((a) => num(a, r))),
  max: (args, r) => Math.max(...args.map((a) => num(a, r))),
  abs: ([a], r) => Math.abs(num(a, r)),
  ceil: ([a], r) => Math.ceil(num(a, r)),
  floor: ([a], r) => Math.floor(num(a, r)),
  tostring: ([v], r) => (v === null ? null : str(v, r)),
  tonumber: ([v], r) => (v === null ? null : num(v, r)),
  tobool: ([v], r) => {
    if (v === null || typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new HclError('Invalid function argument', 'Invalid value for "v" parameter: cannot convert to bool.', r);
  },
  tolist: ([v], r) => list(v, r),
  toset: ([v], r) => FUNCTIONS.distinct([v], r),
  tomap: ([v], r) => obj(v, r),
  jsonencode: ([v]) => JSON.stringify(v instanceof Passthrough ? v.toString() : v),
  jsondecode: ([s], r) => {
    try {
      return JSON.parse(str(s, r)) as Value;
    } catch (e) {
      throw new HclError('Error in function call', `Call to function "jsondecode" failed: ${(e as Error).message}.`, r);
    }
  },
  base64encode: ([s], r) => Buffer.from(str(s, r), 'utf8').toString('base64'),
  base64decode: ([s], r) => Buffer.from(str(s, r), 'base64').toString('utf8'),
  urlencode: ([s], r) => encodeURIComponent(str(s, r)),
  chomp: ([s], r) => str(s, r).replace(/(\r?\n)+$/, ''),
  indent: ([n, s], r) => str(s, r).split('\n').map((l, i) => (i === 0 ? l : ' '.repeat(num(n, r)) + l)).join('\n'),
  regex_replace: ([s, a, b], r) => compileGo(str(a, r)).replaceAll(str(s, r), str(b, r)),
  reverse: ([l], r) => [...list(l, r)].reverse(),
  sort: ([l], r) => list(l, r).map((x) => str(x, r)).sort(),
  slice: ([l, a, b], r) => list(l, r).slice(num(a, r), num(b, r)),
  index: ([l, v], r) => list(l, r).findIndex((x) => JSON.stringify(x) === JSON.stringify(v)),
  zipmap: ([k, v], r) => Object.fromEntries(list(k, r).map((x, i) => [str(x, r), list(v, r)[i]])),
};

export function callFunction(name: string, args: Value[], range: Range, nameRange: Range): Value {
  const fn = FUNCTIONS[name];
  if (!fn) throw new HclError('Call to unknown function', `There is no function named "${name}".`, nameRange);
  return fn(args, range);
}
