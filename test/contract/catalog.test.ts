/**
 * Every field the built-in catalog (tools.d/*.yaml) reads from a Nomad answer exists, with that name
 * and a fitting type, in Nomad's own client types (test/contract/nomad-api.json): `root`, `pick`,
 * `times`, `secrets`, and the field references of `template`, `errorIf` and resource-list templates.
 */
import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { handlebars } from '../../src/host/template.js';
import { ANY, type Desc, contract, endpointFor, objectOf, resolve, responseDesc, step } from './contract.js';

const DIR = path.resolve('tools.d');

interface Req {
  method: string;
  path: string;
  query?: Record<string, unknown>;
}
interface Resp {
  root?: string;
  pick?: string[] | Record<string, string>;
  times?: string[];
  secrets?: string[];
  template?: string;
  errorIf?: string;
}
interface Entry {
  where: string;
  input?: { properties?: Record<string, { enum?: unknown[] }> };
  upstream: string;
  request?: Req;
  requests?: Record<string, Req>;
  response?: Resp;
  list?: { request: Req; root?: string; uri: string; name: string; description?: string };
}

function entries(): Entry[] {
  const out: Entry[] = [];
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.yaml'))) {
    const doc = parse(readFileSync(path.join(DIR, f), 'utf8'));
    const up = doc.upstream ?? 'nomad';
    for (const t of doc.tools ?? []) out.push({ where: `${f} tool ${t.name}`, upstream: t.upstream ?? up, ...t });
    for (const r of doc.resources ?? []) out.push({ where: `${f} resource ${r.name}`, upstream: r.upstream ?? up, ...r });
  }
  return out.filter((e) => e.upstream === 'nomad');
}

const HELPERS = new Set(Object.keys(handlebars().helpers));

/**
 * Field references of a handlebars template, resolved against `root`: `{{#each x}}` and
 * `{{#with x}}` move into x's element type, `../` climbs back; helper names and `@data` are skipped.
 */
function templateProblems(text: string, root: Desc): string[] {
  const problems: string[] = [];
  const ast = Handlebars.parse(text);
  const expr = (node: any, stack: Desc[]): Desc | undefined => {
    if (node.type === 'SubExpression') {
      call(node, stack);
      return undefined;
    }
    if (node.type !== 'PathExpression' || node.data) return undefined;
    let ctx = stack[Math.max(0, stack.length - 1 - node.depth)];
    for (const seg of node.parts as string[]) {
      const next = step(ctx, seg);
      if (typeof next === 'string') {
        problems.push(`{{${node.original}}}: ${next}`);
        return undefined;
      }
      ctx = next;
    }
    return ctx;
  };
  const call = (node: any, stack: Desc[]) => {
    for (const p of node.params ?? []) expr(p, stack);
    for (const pair of node.hash?.pairs ?? []) expr(pair.value, stack);
  };
  const program = (prog: any, stack: Desc[]) => {
    for (const st of prog?.body ?? []) {
      if (st.type === 'MustacheStatement') {
        if (st.params.length || st.hash) call(st, stack);
        else if (!(st.path.type === 'PathExpression' && HELPERS.has(st.path.original))) expr(st.path, stack);
      } else if (st.type === 'BlockStatement') {
        call(st, stack);
        const helper = st.path.original;
        let inner = stack;
        if (helper === 'each' || helper === 'with') {
          const target = (st.params[0] && expr(st.params[0], stack)) || ANY;
          const isMap = target.type === 'object' && !target.ref && !target.fields;
          const elem = helper === 'with' ? target : target.type === 'array' || isMap ? (target.of ?? ANY) : ANY;
          inner = [...stack, elem];
        }
        program(st.program, inner);
        program(st.inverse, stack);
      }
    }
  };
  program(ast, [root]);
  return [...new Set(problems)];
}

/** The answer's type after `root` and `pick`, as templates and `times` see it. */
function picked(base: Desc, pick: Resp['pick'], problems: string[]): Desc {
  if (!pick) return base;
  const paths = Array.isArray(pick) ? pick.map((p) => [p, p] as const) : Object.entries(pick);
  const fields: Record<string, Desc> = {};
  for (const [alias, p] of paths) {
    const d = resolve(base, p);
    if (typeof d === 'string') problems.push(`pick ${p}: ${d}`);
    else fields[alias] = d;
  }
  if (Array.isArray(pick)) return base; // the same names, a subset of them
  const one = objectOf(fields);
  return base.type === 'array' ? { type: 'array', of: one } : one;
}

/** The path with its literal query values (`/v1/volumes?type=csi`), which query-qualified contract keys match. */
function withQuery(r: Req): string {
  const literal = Object.entries(r.query ?? {}).filter(([, v]) => !String(v).includes('{{'));
  return literal.length ? `${r.path}?${new URLSearchParams(literal.map(([k, v]) => [k, String(v)]))}` : r.path;
}

const MISSING = "is not in the contract's endpoint table";

/**
 * One entry per value of each enum argument a request's path or query uses (`/v1/volume/{{type}}/…`
 * with type csi|host): each variant reaches its own endpoint and type.
 */
function variants(e: Entry): Entry[] {
  const props = e.input?.properties ?? {};
  const requests = e.request ? [e.request] : Object.values(e.requests ?? {});
  const vars = new Set<string>();
  for (const r of requests) {
    for (const text of [r.path, ...Object.values(r.query ?? {}).map(String)]) {
      for (const m of text.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)) if (Array.isArray(props[m[1]]?.enum)) vars.add(m[1]);
    }
  }
  if (!vars.size) return [e];
  let binds: Record<string, string>[] = [{}];
  for (const v of vars) binds = binds.flatMap((b) => props[v].enum!.map((val) => ({ ...b, [v]: String(val) })));
  const sub = (t: string, b: Record<string, string>) => t.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (all, n: string) => b[n] ?? all);
  const bind = (r: Req, b: Record<string, string>): Req => ({
    ...r, path: sub(r.path, b), query: r.query && Object.fromEntries(Object.entries(r.query).map(([k, v]) => [k, sub(String(v), b)])),
  });
  return binds.map((b) => ({
    ...e,
    request: e.request && bind(e.request, b),
    requests: e.requests && Object.fromEntries(Object.entries(e.requests).map(([k, r]) => [k, bind(r, b)])),
  }));
}

/**
 * Problems of an entry over its variants: a missing endpoint in any of them, and a field problem
 * only when every variant has it (a field of host volumes is fine when the csi variant lacks it).
 */
function checkAll(e: Entry): string[] {
  const runs = variants(e).map(check);
  if (runs.length === 1) return runs[0];
  const keyOf = (p: string) => p.split(':')[0];
  const missing = runs.flat().filter((p) => p.includes(MISSING));
  const common = runs[0].filter((p) => !p.includes(MISSING) && runs.every((r) => r.some((q) => keyOf(q) === keyOf(p))));
  return [...new Set([...missing, ...common])];
}

function check(e: Entry): string[] {
  const problems: string[] = [];
  const requests = e.request ? { '': e.request } : (e.requests ?? {});
  const raw: Record<string, Desc> = {};
  for (const [name, r] of Object.entries(requests)) {
    const key = endpointFor(r.method, withQuery(r));
    if (!key) {
      problems.push(`${r.method} ${withQuery(r)} ${MISSING} (scripts/nomad-contract.mjs ENDPOINTS)`);
      return problems;
    }
    raw[name] = responseDesc(key) ?? ANY;
  }
  const resp = e.response;
  if (Object.keys(requests).length) {
    const data = e.request ? raw[''] : objectOf(raw);
    let base = data;
    if (resp?.root) {
      const r = resolve(data, resp.root);
      if (typeof r === 'string') problems.push(`root ${resp.root}: ${r}`);
      else base = r;
    }
    for (const s of resp?.secrets ?? []) {
      const r = resolve(data, s);
      if (typeof r === 'string') problems.push(`secrets ${s}: ${r}`);
    }
    const after = picked(base, resp?.pick, problems);
    for (const t of resp?.times ?? []) {
      const r = resolve(after, t);
      if (typeof r === 'string') problems.push(`times ${t}: ${r}`);
      else if (!(r.type === 'number' || (r.type === 'string' && r.format === 'date-time') || r.type === 'any')) {
        problems.push(`times ${t}: Nomad's ${r.go} is not a time (int64 ns or time.Time)`);
      }
    }
    const args = ANY;
    if (resp?.template) problems.push(...templateProblems(resp.template, objectOf({ result: after, results: data, args })).map((p) => `template ${p}`));
    if (resp?.errorIf) problems.push(...templateProblems(resp.errorIf, objectOf({ result: data, results: data, args })).map((p) => `errorIf ${p}`));
  }
  if (e.list) {
    const key = endpointFor(e.list.request.method, e.list.request.path);
    if (!key) problems.push(`list: ${e.list.request.method} ${e.list.request.path} is not in the contract's endpoint table`);
    else {
      let d = responseDesc(key) ?? ANY;
      if (e.list.root) {
        const r = resolve(d, e.list.root);
        if (typeof r === 'string') problems.push(`list root: ${r}`);
        else d = r;
      }
      const elem = d.type === 'array' ? (d.of ?? ANY) : d;
      for (const t of [e.list.uri, e.list.name, e.list.description ?? '']) problems.push(...templateProblems(t, elem).map((p) => `list ${p}`));
    }
  }
  return problems;
}

describe(`catalog ↔ Nomad ${contract.nomadVersion} client types`, () => {
  const all = entries();

  it('reads the built-in catalog and a contract from a real Nomad version', () => {
    expect(all.length).toBeGreaterThan(40);
    expect(contract.nomadVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(contract.types).length).toBeGreaterThan(200);
  });

  it.each(all.map((e) => [e.where, e]))('%s reads only fields Nomad sends', (_w, e) => {
    expect(checkAll(e as Entry)).toEqual([]);
  });

  it('checks each value of an enum argument in a path against its own endpoint (the check can fail)', () => {
    const e: Entry = {
      where: 'made up', upstream: 'nomad', input: { properties: { type: { enum: ['csi', 'host'] } } },
      request: { method: 'GET', path: '/v1/volume/{{type}}/{{id}}' },
      response: { pick: ['Schedulable', 'HostPath', 'Nonsense'] },
    };
    expect(checkAll(e)).toEqual(['pick Nonsense: CSIVolume has no field "Nonsense" (nor has structs.CSIVolume)']);
    expect(checkAll({ ...e, input: { properties: { type: { enum: ['csi', 'nfs'] } } } })).toEqual([
      `GET /v1/volume/nfs/{{id}} ${MISSING} (scripts/nomad-contract.mjs ENDPOINTS)`,
    ]);
  });

  it('catches a field Nomad does not have (the check can fail)', () => {
    const e: Entry = {
      where: 'made up', upstream: 'nomad', request: { method: 'GET', path: '/v1/node/{{node_id}}' },
      response: { pick: ['ID', 'Draining', 'Drivers.*.Healthy'], times: ['ID'], template: '{{result.Name}} {{#each result.Drivers}}{{Healty}}{{/each}}' },
    };
    expect(check(e)).toEqual([
      'pick Draining: Node has no field "Draining" (nor has structs.Node)',
      'times ID: Nomad\'s string is not a time (int64 ns or time.Time)',
      'template {{Healty}}: DriverInfo has no field "Healty" (nor has structs.DriverInfo)',
    ]);
  });
});
