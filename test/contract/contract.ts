/**
 * The contract read from Nomad's Go API client (test/contract/nomad-api.json, written by
 * scripts/nomad-contract.mjs) and the small functions the contract tests share: which endpoint a
 * path is, what type it answers, what type a dotted path reaches, and whether a JSON value fits.
 */
import { readFileSync } from 'node:fs';

/** A JSON type in the contract (see `notes.types` in the file). `fields` only in test-made objects. */
export interface Desc {
  type: 'string' | 'number' | 'boolean' | 'array' | 'object' | 'any';
  of?: Desc;
  ref?: string;
  nullable?: boolean;
  omitempty?: boolean;
  format?: string;
  go?: string;
  fields?: Record<string, Desc>;
}

export interface Contract {
  nomadVersion: string;
  source: string;
  endpoints: Record<string, string>;
  decodedBy: Record<string, string>;
  /** api type → its nomad/structs counterpart (`structs.X`), which the server encodes. */
  server: Record<string, string>;
  types: Record<string, Record<string, Desc>>;
}

export const contract: Contract = JSON.parse(readFileSync(new URL('./nomad-api.json', import.meta.url), 'utf8'));

export const ANY: Desc = { type: 'any', nullable: true };

/** A made-up object type (the `results` of a multi-request tool, a `pick` map's output). */
export function objectOf(fields: Record<string, Desc>): Desc {
  return { type: 'object', fields };
}

/** The type an endpoint answers: `T`, `T[]`, `T?`, `map:T`, `string`, `string[]`; `stream:T` = each object; `empty` = none; `bytes` = raw, not JSON. */
export function responseDesc(key: string): Desc | undefined {
  const text = contract.endpoints[key];
  if (text === undefined || text === 'empty' || text === 'bytes') return undefined;
  const base = text.replace(/^(stream|map):/, '');
  const one = (name: string): Desc => (name === 'string' ? { type: 'string' } : { type: 'object', ref: name });
  // a Go map decodes from an object; a nil map is JSON null
  if (text.startsWith('map:')) return { type: 'object', of: one(base), nullable: true };
  if (base.endsWith('[]')) return { type: 'array', of: one(base.slice(0, -2)), nullable: false };
  if (base.endsWith('?')) return { ...one(base.slice(0, -1)), nullable: true };
  return one(base);
}

/**
 * The contract endpoint of a request: `method` and a path that is concrete (`/v1/job/web`) or a
 * descriptor template (`/v1/job/{{job_id}}`). A template segment matches a `:param`; `:param*`
 * takes the rest of the path. A key with a query (`GET /v1/volumes?type=host`) matches only a path
 * whose query has those values. The most literal match wins; POST and PUT are the same write (Nomad
 * takes both, command/agent/http.go).
 */
export function endpointFor(method: string, path: string): string | undefined {
  const m = method.toUpperCase() === 'POST' ? 'PUT' : method.toUpperCase();
  const q = path.indexOf('?');
  const segs = (q < 0 ? path : path.slice(0, q)).split('/').filter(Boolean);
  const query = new URLSearchParams(q < 0 ? '' : path.slice(q + 1));
  let best: { key: string; literal: number } | undefined;
  for (const key of Object.keys(contract.endpoints)) {
    const [km, kpq] = key.split(' ');
    if ((km === 'POST' ? 'PUT' : km) !== m) continue;
    const [kp, kq] = kpq.split('?');
    const wanted = [...new URLSearchParams(kq ?? '')];
    if (!wanted.every(([k, v]) => query.get(k) === v)) continue;
    const pat = kp.split('/').filter(Boolean);
    let ok = true;
    let literal = wanted.length;
    for (let i = 0; i < pat.length; i++) {
      const p = pat[i];
      if (p.endsWith('*')) {
        ok = segs.length > i;
        i = pat.length;
        break;
      }
      const s = segs[i];
      if (s === undefined) {
        ok = false;
        break;
      }
      if (p.startsWith(':')) continue;
      if (p !== s) {
        ok = false;
        break;
      }
      literal++;
    }
    if (ok && !pat.some((p) => p.endsWith('*')) && segs.length !== pat.length) ok = false;
    if (ok && (!best || literal > best.literal)) best = { key, literal };
  }
  return best?.key;
}

/** Arrays are transparent to dotted paths (the product maps them element by element). */
function unwrap(d: Desc): Desc {
  let cur = d;
  while (cur.type === 'array' && cur.of) cur = cur.of;
  return cur;
}

/** Fields of an object type; undefined for a map or a non-object. */
export function fieldsOf(d: Desc): Record<string, Desc> | undefined {
  if (d.fields) return d.fields;
  if (d.ref) {
    const t = contract.types[d.ref];
    if (!t) throw new Error(`the contract has no type ${d.ref}`);
    return t;
  }
  return undefined;
}

/**
 * A field of an object type: the Go client's declaration, else the server's (nomad/structs), whose
 * bodies carry fields the client does not declare. Undefined when neither has it.
 */
export function fieldOf(d: Desc, name: string): Desc | undefined {
  const fields = fieldsOf(d);
  const own = fields && Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (own || !d.ref || !contract.server[d.ref]) return own;
  const srv = contract.types[contract.server[d.ref]];
  return Object.hasOwn(srv, name) ? srv[name] : undefined;
}

function typeName(d: Desc): string {
  return d.ref ?? d.go ?? (d.of ? `${d.type} of ${typeName(d.of)}` : d.type);
}

/** One step of a dotted path: a field of a struct, `*` or a key of a map; `any` absorbs the rest. */
export function step(d: Desc, seg: string): Desc | string {
  const cur = unwrap(d);
  if (cur.type === 'any') return ANY;
  if (cur.type !== 'object') return `"${seg}" reads into ${typeName(cur)}, which has no fields`;
  const fields = fieldsOf(cur);
  if (fields) {
    if (seg === '*') return `"*" on ${typeName(cur)}, a struct, not a map`;
    return fieldOf(cur, seg) ?? `${typeName(cur)} has no field "${seg}"${cur.ref && contract.server[cur.ref] ? ` (nor has ${contract.server[cur.ref]})` : ''}`;
  }
  return cur.of ?? ANY; // a map: "*" or a key
}

/** The type a dotted path reaches, or the reason it does not exist. */
export function resolve(d: Desc, path: string | string[]): Desc | string {
  let cur: Desc = d;
  for (const seg of Array.isArray(path) ? path : path.split('.')) {
    const next = step(cur, seg);
    if (typeof next === 'string') return next;
    cur = next;
  }
  return cur;
}

/** Checks a JSON value (a simulator's answer) against a type: every field must exist with a compatible JSON type. */
export function checkValue(v: unknown, d: Desc, where: string, problems: string[]): void {
  if (d.type === 'any') return;
  if (v === null) {
    if (!d.nullable) problems.push(`${where}: null, but Nomad's ${d.go ?? typeName(d)} is never null`);
    return;
  }
  switch (d.type) {
    case 'string':
      if (typeof v !== 'string') problems.push(`${where}: ${JSON.stringify(v)} is not a string (Go ${d.go})`);
      else if (d.format === 'date-time' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v)) {
        problems.push(`${where}: "${v}" is not an RFC 3339 time (Go time.Time)`);
      } else if (d.format === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) problems.push(`${where}: not base64 (Go []byte)`);
      return;
    case 'number':
      if (typeof v !== 'number') problems.push(`${where}: ${JSON.stringify(v)} is not a number (Go ${d.go})`);
      else if (/^u?int|^time\.Duration/.test(d.go ?? '') && !Number.isInteger(v)) problems.push(`${where}: ${v} is not an integer (Go ${d.go})`);
      else if (/^uint/.test(d.go ?? '') && v < 0) problems.push(`${where}: ${v} is negative (Go ${d.go})`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') problems.push(`${where}: ${JSON.stringify(v)} is not a boolean (Go ${d.go})`);
      return;
    case 'array':
      if (!Array.isArray(v)) {
        problems.push(`${where}: not an array (Go ${d.go})`);
        return;
      }
      v.forEach((e, i) => checkValue(e, d.of ?? ANY, `${where}[${i}]`, problems));
      return;
    case 'object': {
      if (typeof v !== 'object' || Array.isArray(v)) {
        problems.push(`${where}: not an object (Go ${d.go ?? typeName(d)})`);
        return;
      }
      const fields = fieldsOf(d);
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        if (fields) {
          const f = fieldOf(d, k);
          if (!f) problems.push(`${where}.${k}: ${typeName(d)} has no field "${k}"${d.ref && contract.server[d.ref] ? ` (nor has ${contract.server[d.ref]})` : ''}`);
          else checkValue(val, f, `${where}.${k}`, problems);
        } else checkValue(val, d.of ?? ANY, `${where}.${k}`, problems);
      }
    }
  }
}
