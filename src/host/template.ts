import type Handlebars from 'handlebars';
import type { HelperOptions } from 'handlebars';
import { createRequire } from 'node:module';
import { ToolError } from './errors.js';
import { nomadDate } from './shape.js';
import { ageText, timeWithAge } from './table.js';
import type { JsonObject, RenderedRequest, RequestSpec } from './types.js';

let env: typeof Handlebars | undefined;
/**
 * An isolated handlebars environment with the helpers descriptors may use, created on first use
 * (start-up with a cached catalog does not load handlebars at all).
 */
export function handlebars(): typeof Handlebars {
  if (!env) {
    env = (createRequire(import.meta.url)('handlebars') as typeof Handlebars).create();
    for (const [name, fn] of Object.entries(helpers)) env.registerHelper(name, fn as Handlebars.HelperDelegate);
  }
  return env;
}

const helpers: Record<string, (...args: unknown[]) => unknown> = {
  /** Compact JSON of a value. */
  json: (v: unknown) => JSON.stringify(v ?? null),
  /** First argument that is neither undefined, null nor empty string. */
  default: (...args: unknown[]) => args.slice(0, -1).find((a) => a !== undefined && a !== null && a !== '') ?? '',
  join: (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : ''),
  len: (v: unknown) => (Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  keys: (v: unknown) => (v && typeof v === 'object' ? Object.keys(v) : []),
  eq: (a: unknown, b: unknown) => a === b,
  ne: (a: unknown, b: unknown) => a !== b,
  gt: (a: unknown, b: unknown) => Number(a) > Number(b),
  and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
  or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
  not: (a: unknown) => !a,
  upper: (s: unknown) => String(s ?? '').toUpperCase(),
  lower: (s: unknown) => String(s ?? '').toLowerCase(),
  /** Nomad time (ns since epoch, or RFC 3339) as ISO text with its age at answer time (`… (14m ago)`); zero times as "-". */
  time: (v: unknown) => timeWithAge(v, Date.now()) ?? '-',
  /** The age alone: `14m ago`, `in 5m`; zero times as "-". */
  age: (v: unknown) => {
    const d = nomadDate(v);
    return d ? ageText(d, Date.now()) : '-';
  },
  /** Seconds (number or "90s"/"5m"/"2h") → Nomad nanoseconds (a number); absent → null. */
  ns: (v: unknown) => {
    if (v === undefined || v === null || v === '') return null;
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(v).trim());
    if (!m) throw new Error(`"${v}" is not a duration (e.g. 90, 90s, 5m, 2h)`);
    const mult = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
    return Math.round(Number(m[1]) * mult);
  },
  int: (v: unknown) => (v === undefined || v === null || v === '' ? null : Math.trunc(Number(v))),
  /** An object from the hash arguments: `(obj Deadline=(ns d) Force=true)`. */
  obj: (...args: unknown[]) => ({ ...(args[args.length - 1] as HelperOptions).hash }),
  /** A quoted string literal for a Nomad filter expression: `JobID == {{q job_id}}`. */
  q: (v: unknown) => JSON.stringify(String(v ?? '')),
  /**
   * A Nomad filter from equality conditions, skipping absent values:
   * `{{where JobID=job_id ClientStatus=status raw=filter}}` → `JobID == "web" and (<filter>)`.
   */
  where: (...args: unknown[]) => {
    const hash = (args[args.length - 1] as HelperOptions).hash as Record<string, unknown>;
    const parts: string[] = [];
    // handlebars builds the hash last-to-first; reverse it to keep the written order, `raw` last
    for (const [field, value] of Object.entries(hash).reverse()) {
      if (field === 'raw' || value === undefined || value === null || value === '') continue;
      parts.push(`${field} == ${JSON.stringify(String(value))}`);
    }
    if (hash.raw) parts.push(`(${String(hash.raw)})`);
    return parts.join(' and ');
  },
  /** `(ifelse cond a b)`: a when cond is truthy, else b. */
  ifelse: (c: unknown, a: unknown, b: unknown) => (c ? a : b),
  base64: (v: unknown) => (v === undefined || v === null ? '' : Buffer.from(String(v)).toString('base64')),
  /** Strings joined: `(concat Addr ":" Port)`; absent values are empty. */
  concat: (...args: unknown[]) => args.slice(0, -1).map((a) => (a === undefined || a === null ? '' : String(a))).join(''),
  /** First 8 characters of an ID, as the Nomad CLI shows them. */
  short: (v: unknown) => String(v ?? '').slice(0, 8),
  /** Bytes as binary units: `{{bytes Memory.Used}}` → "6.2 GiB"; absent → "-". */
  bytes: (v: unknown) => {
    if (v === undefined || v === null || v === '' || !Number.isFinite(Number(v))) return '-';
    let n = Number(v);
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    for (; Math.abs(n) >= 1024 && i < units.length - 1; i++) n /= 1024;
    return `${i === 0 ? n : n.toFixed(1).replace(/\.0$/, '')} ${units[i]}`;
  },
  /** Percent of a whole, rounded: `{{pct Used Total}}` → "62"; a zero or absent whole → "-". */
  pct: (part: unknown, whole: unknown) => (Number(whole) > 0 ? String(Math.round((Number(part) * 100) / Number(whole))) : '-'),
  /** A number with n decimals: `{{fixed Idle 1}}` → "83.2"; absent → "-". */
  fixed: (v: unknown, n: unknown) => (v === undefined || v === null || v === '' || !Number.isFinite(Number(v)) ? '-' : Number(v).toFixed(Math.max(0, Math.min(6, Number(n) || 0)))),
  truncate: (s: unknown, n: unknown) => {
    const str = String(s ?? '');
    const max = Number(n) || 80;
    return str.length > max ? `${str.slice(0, max)}…` : str;
  },
};

export const HELPER_NAMES = new Set([...Object.keys(helpers), 'if', 'unless', 'each', 'with', 'lookup', 'log']);

export type Renderer = (ctx: JsonObject) => string;

/** Compile once; strict mode makes a missing field an error instead of an empty string. */
export function compile(template: string): Renderer {
  const fn = handlebars().compile(template, { strict: true, noEscape: true });
  return (ctx) => fn(ctx);
}

type AstNode = hbs.AST.Node & Record<string, unknown>;

/**
 * Names a template reads from its top-level context (`{{job_id}}` → job_id, `{{args.x}}` → args.x
 * when `deep` is set). Paths inside `#each`/`#with` bodies are relative to another context and skipped.
 */
export function templateRefs(template: string, deep = false): string[] {
  return simpleRefs(template, deep) ?? parsedRefs(template, deep);
}

/** templateRefs through handlebars' parser (any template; syntax errors throw). */
export function parsedRefs(template: string, deep = false): string[] {
  const refs = new Set<string>();
  const visitPath = (p: hbs.AST.PathExpression) => {
    if (p.data || p.parts.length === 0 || p.original.startsWith('this') || p.original.startsWith('.')) return;
    if ((p as unknown as { depth: number }).depth > 0) return;
    refs.add(deep ? p.parts.slice(0, 2).join('.') : p.parts[0]);
  };
  const visitExpr = (n: AstNode | undefined) => {
    if (!n) return;
    if (n.type === 'PathExpression') visitPath(n as unknown as hbs.AST.PathExpression);
    else if (n.type === 'SubExpression') visitCall(n as unknown as hbs.AST.SubExpression);
  };
  const visitCall = (n: { path: hbs.AST.PathExpression | hbs.AST.Expression; params: hbs.AST.Expression[]; hash?: hbs.AST.Hash }) => {
    const path = n.path as hbs.AST.PathExpression;
    const isHelper = path.type === 'PathExpression' && HELPER_NAMES.has(path.original);
    if (!isHelper) visitExpr(n.path as unknown as AstNode);
    n.params.forEach((p) => visitExpr(p as unknown as AstNode));
    n.hash?.pairs.forEach((pair) => visitExpr(pair.value as unknown as AstNode));
  };
  const visitProgram = (prog: hbs.AST.Program | undefined) => {
    for (const st of prog?.body ?? []) {
      if (st.type === 'MustacheStatement') visitCall(st as hbs.AST.MustacheStatement);
      else if (st.type === 'BlockStatement') {
        const b = st as hbs.AST.BlockStatement;
        visitCall(b);
        const name = (b.path as hbs.AST.PathExpression).original;
        if (name !== 'each' && name !== 'with') visitProgram(b.program);
        visitProgram(b.inverse);
      }
    }
  };
  visitProgram(handlebars().parse(template));
  return [...refs];
}

const SINGLE_EXPR = /^\s*\{\{\s*([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\s*\}\}\s*$/;
/** Helpers whose output is JSON: a body leaf that is exactly one call of them keeps the JSON type (`"{{ns deadline}}"` → a number). */
const TYPED_HELPERS = new Set(['json', 'ns', 'int']);
const SINGLE_HELPER = /^\s*\{\{\s*([a-z][a-zA-Z0-9]*)\s[^{}]*\}\}\s*$/;

function lookup(ctx: JsonObject, dotted: string): unknown {
  let cur: unknown = ctx;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as JsonObject)[part];
  }
  return cur;
}

/** Percent-decoding rounds a value is checked through: a proxy that decodes twice still meets a refusal. */
const DECODE_ROUNDS = 3;

/**
 * Refuse a value that is, or hides, a `.` or `..` path segment. Sent as `%2E%2E` it still climbs on a
 * path-normalising parser or reverse proxy (RFC 3986 §5.2.4 remove_dot_segments), so the value is checked as
 * such a parser would see it: percent-decoded (up to three rounds, for double-decoding proxies) and split on
 * `/` and `\` (an encoded slash or a backslash some servers treat as one). Linear in the value's length.
 */
export function refuseDotSegments(value: string): void {
  let v = value;
  for (let round = 0; ; round++) {
    for (const part of v.split(/[/\\]/)) {
      if (part === '.' || part === '..') {
        throw new ToolError(`"${value.length > 80 ? `${value.slice(0, 80)}…` : value}" is or contains a "${part}" dot segment, which a path-normalising proxy would resolve; give a name without "." or ".." segments.`, 'caller');
      }
    }
    if (round === DECODE_ROUNDS || !v.includes('%')) return;
    const next = v.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === v) return;
    v = next;
  }
}

/** Percent-encode one rendered path segment; a `.` or `..` segment (also encoded) is refused, so it cannot climb. */
export function encodeSegment(value: string): string {
  refuseDotSegments(value);
  return encodeURIComponent(value);
}

/**
 * Tagged template for code: interpolated values become single encoded path segments.
 * `` nomadPath`/v1/job/${id}/allocations` ``
 */
export function nomadPath(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0];
  values.forEach((v, i) => {
    out += encodeSegment(String(v)) + strings[i + 1];
  });
  return out;
}

const SIMPLE_REF = /^\{\{(\{?)\s*([A-Za-z_]\w*)\s*\}\}(\}?)$/;

/**
 * A template that is exactly one top-level name (`{{job_id}}`, `{{{path}}}`), rendered without handlebars
 * as handlebars renders it (strict: an undeclared name throws; null and undefined render empty). Most path
 * segments are this; a handlebars render copies and wraps every registered helper on each call.
 */
function simpleRef(template: string): Renderer | undefined {
  const m = SIMPLE_REF.exec(template);
  if (!m || m[1] !== m[3] || HELPER_NAMES.has(m[2]) || m[2] === 'this') return undefined;
  const name = m[2];
  return (ctx) => {
    if (ctx === null || typeof ctx !== 'object' || !(name in ctx)) throw new Error(`"${name}" not defined in the arguments`);
    const v = ctx[name];
    return v === undefined || v === null ? '' : String(v);
  };
}

type ValueRenderer = (ctx: JsonObject) => unknown;
const OMIT = Symbol('omit');

/** Body: string leaves are templates; a leaf that is exactly one expression keeps the value's type. */
function compileValue(v: unknown): ValueRenderer {
  if (typeof v === 'string') {
    if (!v.includes('{{')) return () => v;
    const single = SINGLE_EXPR.exec(v);
    if (single && !HELPER_NAMES.has(single[1])) {
      const name = single[1];
      return (ctx) => {
        const value = lookup(ctx, name);
        return value === undefined ? OMIT : value;
      };
    }
    const r = compile(v);
    const helper = SINGLE_HELPER.exec(v)?.[1];
    if (helper && TYPED_HELPERS.has(helper)) {
      return (ctx) => {
        const text = r(ctx);
        const value = text === '' ? null : (JSON.parse(text) as unknown);
        return value === null ? OMIT : value;
      };
    }
    // a leaf that is exactly one helper call and renders nothing is left out, like an absent argument
    if (helper) return (ctx) => r(ctx) || OMIT;
    return (ctx) => r(ctx);
  }
  if (Array.isArray(v)) {
    const items = v.map(compileValue);
    return (ctx) => items.map((f) => f(ctx)).filter((x) => x !== OMIT);
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, val]) => [k, compileValue(val)] as const);
    return (ctx) => {
      const out: JsonObject = {};
      for (const [k, f] of entries) {
        const r = f(ctx);
        if (r !== OMIT) out[k] = r;
      }
      return out;
    };
  }
  return () => v;
}

/**
 * Path: each segment holding an expression is rendered, then percent-encoded as one segment.
 * A triple-stash segment (`{{{path}}}`) may span several segments: it is split on `/` and each part
 * encoded, so `a/b` stays two segments. A `.` or `..` segment, or an empty one in a multi-segment value, is refused
 * before any request is sent (see refuseDotSegments).
 */
function compilePath(path: string): (ctx: JsonObject) => string {
  const parts = path.split('/').map((seg) => {
    if (!seg.includes('{{')) return () => seg;
    const r = simpleRef(seg) ?? compile(seg);
    const multi = seg.includes('{{{');
    return (ctx: JsonObject) => {
      const rendered = r(ctx);
      if (rendered === '') throw new ToolError(`The path segment "${seg}" rendered empty; give that argument a value.`, 'caller');
      if (!multi) return encodeSegment(rendered);
      const pieces = rendered.split('/');
      if (pieces.some((p) => p === '')) throw new ToolError(`"${rendered}" has an empty path segment.`, 'caller');
      return pieces.map(encodeSegment).join('/');
    };
  });
  return (ctx) => parts.map((f) => f(ctx)).join('/');
}

/** Query: rendered values; entries that render empty (or to an absent argument) are omitted. */
function compileQuery(query: Record<string, unknown> | undefined): (ctx: JsonObject) => Record<string, string> {
  const entries = Object.entries(query ?? {}).map(([k, v]) => [k, compileValue(v)] as const);
  return (ctx) => {
    const out: Record<string, string> = {};
    for (const [k, f] of entries) {
      const v = f(ctx);
      if (v === OMIT || v === undefined || v === null || v === '') continue;
      out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    return out;
  };
}

/** Compile a descriptor's request once; the result renders it from validated arguments. */
export function compileRequest(spec: RequestSpec): (args: JsonObject) => RenderedRequest {
  const path = compilePath(spec.path);
  const query = compileQuery(spec.query);
  const headers = compileQuery(spec.headers);
  const body = spec.body === undefined ? undefined : compileValue(spec.body);
  return (args) => {
    try {
      const b = body?.(args);
      return {
        method: spec.method,
        path: path(args),
        query: query(args),
        headers: headers(args),
        body: b === OMIT ? undefined : b,
        allow404: spec.allow404,
        ...(spec.accept ? { accept: spec.accept } : {}),
      };
    } catch (err) {
      if (err instanceof ToolError) throw err;
      throw new ToolError(`The tool's request template failed: ${(err as Error).message}`, 'caller');
    }
  };
}

/** Every template string inside a request spec (for reference checks at load). */
/** Text without braces or backslashes and `{{name}}` / `{{a.b}}` mustaches: what most request templates are. */
const SIMPLE_TEMPLATE = /^(?:[^{}\\]|\{\{ *[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)* *\}\})*$/;
const SIMPLE_MUSTACHE = /\{\{ *([A-Za-z_][A-Za-z0-9_.]*) *\}\}/g;

/**
 * templateRefs of a simple template without loading handlebars (a catalog of many tools checks thousands): the
 * names its mustaches read, as the AST walk finds them (helpers called bare and `this` read nothing). Any other
 * template (blocks, helpers with arguments, `else`, whitespace control, literal braces) returns undefined.
 */
function simpleRefs(template: string, deep: boolean): string[] | undefined {
  if (!SIMPLE_TEMPLATE.test(template)) return undefined;
  const refs = new Set<string>();
  for (const m of template.matchAll(SIMPLE_MUSTACHE)) {
    const parts = m[1]!.split('.');
    // `else` outside a block is a parse error (handlebars says so); true/false/null/undefined are literals
    if (/^(?:else|true|false|null|undefined)$/.test(parts[0]!)) return undefined;
    if (m[1]!.startsWith('this') || HELPER_NAMES.has(m[1]!)) continue;
    refs.add(deep ? parts.slice(0, 2).join('.') : parts[0]!);
  }
  return [...refs];
}

export function requestTemplates(spec: RequestSpec): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.includes('{{')) out.push(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(spec.path);
  walk(spec.query);
  walk(spec.headers);
  walk(spec.body);
  return out;
}

export type { HelperOptions };
