import { ageText, tableLines } from './table.js';
import type { JsonObject, ResponseSpec } from './types.js';

/** What a tool answer becomes before it is wrapped in a CallToolResult. */
export interface Shaped {
  text: string;
  structured?: JsonObject;
  truncated: boolean;
}

type PickTree = { [key: string]: PickTree | true };

const DEFAULT_HINT = 'narrow the call (prefix, filter or per_page) to see the rest';

function buildTree(paths: string[]): PickTree {
  const root: PickTree = {};
  for (const p of paths) {
    const parts = p.split('.');
    let node = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = true;
      else {
        const next = node[part];
        if (next === true) return;
        node = (node[part] = next ?? {}) as PickTree;
      }
    });
  }
  return root;
}

/** A pick tree as arrays (built once): walking it on every answer allocates no key lists. `*` = every key. */
type PickNode = true | [string, PickNode][];

function compileTree(tree: PickTree | true): PickNode {
  return tree === true ? true : Object.entries(tree).map(([k, sub]) => [k, compileTree(sub)]);
}

function applyTree(v: unknown, node: PickNode): unknown {
  if (node === true || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = applyTree(v[i], node);
    return out;
  }
  const src = v as JsonObject;
  const out: JsonObject = {};
  for (let i = 0; i < node.length; i++) {
    const [k, sub] = node[i];
    if (k === '*') {
      for (const key of Object.keys(src)) {
        const r = applyTree(src[key], sub);
        if (r !== undefined) out[key] = r;
      }
    } else if (src[k] !== undefined) out[k] = applyTree(src[k], sub);
  }
  return out;
}

/** Value at a dotted path; arrays on the way are mapped element by element. */
export function getPath(v: unknown, dotted: string | string[]): unknown {
  const parts = Array.isArray(dotted) ? dotted : dotted.split('.');
  let cur = v;
  for (let i = 0; i < parts.length; i++) {
    if (cur === null || cur === undefined) return undefined;
    if (Array.isArray(cur)) return cur.map((e) => getPath(e, parts.slice(i)));
    if (typeof cur !== 'object') return undefined;
    cur = (cur as JsonObject)[parts[i]];
  }
  return cur;
}

/** Compile a `pick` once: array = keep these paths; map = `{newName: path}`. */
export function compilePick(pick: ResponseSpec['pick']): ((v: unknown) => unknown) | undefined {
  if (!pick) return undefined;
  if (Array.isArray(pick)) {
    const tree = compileTree(buildTree(pick));
    return (v) => applyTree(v, tree);
  }
  const entries = Object.entries(pick).map(([alias, p]) => [alias, p.split('.')] as const);
  const one = (e: unknown) => {
    const out: JsonObject = {};
    for (const [alias, parts] of entries) {
      const r = getPath(e, parts);
      if (r !== undefined) out[alias] = r;
    }
    return out;
  };
  return (v) => (Array.isArray(v) ? v.map(one) : v && typeof v === 'object' ? one(v) : v);
}

export const HIDDEN = '(hidden)';

/**
 * Replace the values at dotted paths (`*` = every key, arrays per element) with `fn(value)`, in place,
 * skipping absent and null values. Answers whether anything was replaced.
 */
export function mapPaths(v: unknown, paths: string[], fn: (value: unknown) => unknown): boolean {
  let changed = false;
  const walk = (node: unknown, parts: string[]): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((e) => walk(e, parts));
      return;
    }
    const obj = node as JsonObject;
    const [head, ...rest] = parts;
    const keys = head === '*' ? Object.keys(obj) : head in obj ? [head] : [];
    for (const k of keys) {
      if (rest.length) walk(obj[k], rest);
      else if (obj[k] !== undefined && obj[k] !== null) {
        obj[k] = fn(obj[k]);
        changed = true;
      }
    }
  };
  for (const p of paths) walk(v, p.split('.'));
  return changed;
}

/** Secrets: the values at these paths become "(hidden)". */
export function hideSecrets(v: unknown, paths: string[]): boolean {
  return mapPaths(v, paths, () => HIDDEN);
}

/** A Nomad time (int64 nanoseconds, milliseconds, or RFC 3339 text) as a Date; zero and invalid times are undefined. */
export function nomadDate(v: unknown): Date | undefined {
  if (typeof v === 'number') return v <= 0 ? undefined : new Date(v > 1e14 ? v / 1e6 : v);
  if (typeof v === 'string' && v && !v.startsWith('0001-01-01')) {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/** A Nomad time as compact ISO text (`2026-11-26T12:30:28Z`); zero and invalid times are undefined. */
export function nomadTime(v: unknown): string | undefined {
  return nomadDate(v)?.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `response.times`: nanosecond times become ISO text, zero times null; other text is kept as Nomad sent it. */
export function isoTime(v: unknown): unknown {
  if (typeof v === 'number') return nomadTime(v) ?? null;
  if (typeof v === 'string' && v.startsWith('0001-01-01')) return null;
  return v;
}

/** Compact JSON for a model: arrays one element per line, everything else on one line. */
export function compactJson(v: unknown): string {
  if (Array.isArray(v)) return listText(v.map((e) => JSON.stringify(e)));
  return JSON.stringify(v ?? null);
}

/** A JSON array from its already serialised elements, one per line. */
function listText(parts: string[]): string {
  return parts.length ? `[\n${parts.join(',\n')}\n]` : '[]';
}

function marker(shown: string, hint: string | undefined): string {
  return `\n… [truncated: ${shown}; ${hint ?? DEFAULT_HINT}]`;
}

/** Cut text at `max` bytes on a line boundary where possible, with a visible marker. */
export function truncateText(text: string, max: number, hint?: string): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text) <= max) return { text, truncated: false };
  let cut = Buffer.from(text).subarray(0, max).toString('utf8').replace(/\uFFFD$/, '');
  const nl = cut.lastIndexOf('\n');
  if (nl > max / 2) cut = cut.slice(0, nl);
  return { text: cut + marker(`first ${Buffer.byteLength(cut)} of ${Buffer.byteLength(text)} bytes`, hint), truncated: true };
}

/** How many leading elements (already serialised) fit in `max` bytes of compact JSON. */
function fitList(parts: string[], max: number): number {
  let size = 4;
  for (let i = 0; i < parts.length; i++) {
    size += parts[i].length + 2;
    if (size > max) return i;
  }
  return parts.length;
}

/** JSON text with each of these time strings followed by its age: `"2026-11-29T19:02:11Z (14m ago)"`. */
function withAges(text: string, times: string[], now: number): string {
  const aged = new Map<string, string>();
  let longest = 0;
  for (const t of times) {
    const d = aged.has(t) ? undefined : nomadDate(t);
    if (!d) continue;
    aged.set(t, `"${t} (${ageText(d, now)})"`);
    longest = Math.max(longest, t.length);
  }
  if (!aged.size) return text;
  // one pass over the text, each quoted string of a time's length looked up (a split/join per distinct time
  // read the whole text once per time); the bounded class keeps the expression linear
  return text.replace(new RegExp(`"([^"\\\\]{1,${longest}})"`, 'g'), (m, s: string) => aged.get(s) ?? m);
}

/** How many items of a table (its lines after the header) fit in `max` bytes. */
function fitLines(lines: string[], max: number): number {
  let size = Buffer.byteLength(lines[0]);
  for (let i = 1; i < lines.length; i++) {
    size += Buffer.byteLength(lines[i]) + 1;
    if (size > max) return i - 1;
  }
  return lines.length - 1;
}

export interface ShapeOptions {
  args: JsonObject;
  maxBytes: number;
  template?: (ctx: JsonObject) => string;
  pick?: (v: unknown) => unknown;
  /** Extra note appended to the text (e.g. "more results: next_token=…"). */
  note?: string;
  /** The clock relative ages are computed from (ms since epoch); default: now. */
  now?: number;
}

/** A copy of a list ordered by a dotted field (`-` first: descending); numbers by value, the rest as text, absent last. */
export function sortBy(list: unknown[], field: string): unknown[] {
  const desc = field.startsWith('-');
  const path = (desc ? field.slice(1) : field).split('.');
  const keyed = list.map((e) => ({ e, k: getPath(e, path) }));
  keyed.sort((a, b) => {
    if (a.k === undefined || a.k === null) return b.k === undefined || b.k === null ? 0 : 1;
    if (b.k === undefined || b.k === null) return -1;
    const c = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : String(a.k) < String(b.k) ? -1 : String(a.k) > String(b.k) ? 1 : 0;
    return desc ? -c : c;
  });
  return keyed.map((x) => x.e);
}

/** Shape an upstream answer: root → pick → (truncate lists) → template or compact JSON → cap. */
export function shape(data: unknown, spec: ResponseSpec | undefined, opts: ShapeOptions): Shaped {
  let v = spec?.root ? getPath(data, spec.root) : data;
  if (spec?.sort && Array.isArray(v)) v = sortBy(v, spec.sort);
  if (opts.pick) v = opts.pick(v);
  // times: ISO in structuredContent; the text adds each one's age (`"2026-11-29T19:02:11Z (14m ago)"`)
  const times: string[] | undefined = spec?.times ? [] : undefined;
  if (spec?.times) {
    mapPaths(v, spec.times, (t) => {
      const iso = isoTime(t);
      if (typeof iso === 'string') times!.push(iso);
      return iso;
    });
  }
  const hint = spec?.hint;
  let truncated = false;
  let total: number | undefined;
  // each element is serialised once: for the size check and, without a template, for the text
  let parts: string[] | undefined;
  let lines: string[] | undefined;
  if (Array.isArray(v) && spec?.table && opts.args.detail !== 'full') {
    // a table: one line per item under a header; the items kept are those whose lines fit
    total = v.length;
    lines = tableLines(v, spec.table, opts.now);
    const keep = fitLines(lines, opts.maxBytes);
    if (keep < v.length) {
      v = v.slice(0, keep);
      lines = lines.slice(0, keep + 1);
      truncated = true;
    }
  } else if (Array.isArray(v)) {
    total = v.length;
    parts = v.map((e) => JSON.stringify(e));
    const keep = fitList(parts, opts.maxBytes);
    if (keep < v.length) {
      v = v.slice(0, keep);
      parts = parts.slice(0, keep);
      truncated = true;
    }
  }
  const structured: JsonObject | undefined =
    v === null || v === undefined
      ? undefined
      : Array.isArray(v)
        ? { items: v, total, ...(truncated ? { truncated: true } : {}) }
        : typeof v === 'object'
          ? (v as JsonObject)
          : { value: v };

  let text: string;
  if (Array.isArray(v) && total === 0 && (spec?.empty || lines)) text = spec?.empty ?? 'No items.';
  // a template's trailing line breaks (the last {{#each}} line, an empty last block) carry nothing
  else if (lines) text = lines.join('\n');
  else if (opts.template) text = opts.template({ result: v, args: opts.args }).trimEnd();
  else if (parts) text = listText(parts);
  else text = compactJson(v);
  if (times?.length && !lines && !opts.template) text = withAges(text, times, opts.now ?? Date.now());
  if (truncated) text += marker(`showing ${(v as unknown[]).length} of ${total} items`, hint);
  const capped = truncateText(text, opts.maxBytes + (truncated ? 200 : 0), hint);
  if (opts.note) capped.text = `${capped.text.trimEnd()}\n${opts.note}`;
  return { text: capped.text, structured, truncated: truncated || capped.truncated };
}
