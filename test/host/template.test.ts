import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { BUILTIN_TOOLS_DIR } from '../../src/host/paths.js';
import { compileRequest, encodeSegment, nomadPath, parsedRefs, templateRefs } from '../../src/host/template.js';

describe('compileRequest', () => {
  it('encodes a templated path value as one segment', () => {
    const r = compileRequest({ method: 'GET', path: '/v1/job/{{job_id}}/allocations' });
    expect(r({ job_id: 'a b?c#d' }).path).toBe('/v1/job/a%20b%3Fc%23d/allocations');
    expect(r({ job_id: 'a.b..c' }).path).toBe('/v1/job/a.b..c/allocations');
    expect(r({ job_id: '...' }).path).toBe('/v1/job/.../allocations');
  });

  // a normalising proxy or parser resolves `..` even when it is sent as %2E%2E (or %2F between dots)
  it('refuses `.` and `..` segments, also percent-encoded or hidden behind an encoded slash', () => {
    const r = compileRequest({ method: 'GET', path: '/v1/job/{{job_id}}/allocations' });
    for (const bad of ['..', '.', '%2e%2e', '%2E%2E', '%2e', '.%2e', '%252e%252e', '../../v1/acl', 'a/../b', '..\\x', 'x/.', '%2e%2e%2fx', '..%2Fx']) {
      expect(() => r({ job_id: bad }), bad).toThrow(/dot segment/);
    }
    const multi = compileRequest({ method: 'GET', path: '/v1/var/{{{path}}}' });
    for (const bad of ['a/../../acl', '../allocation/x/stop', 'a/./b', 'a/%2e%2e/b', 'a/%252E%252E']) {
      expect(() => multi({ path: bad }), bad).toThrow(/dot segment/);
    }
  });

  it('refuses a path segment that renders empty', () => {
    const r = compileRequest({ method: 'GET', path: '/v1/job/{{job_id}}' });
    expect(() => r({ job_id: '' })).toThrow(/rendered empty/);
  });

  it('omits query entries that render empty or are absent', () => {
    const r = compileRequest({ method: 'GET', path: '/v1/jobs', query: { prefix: '{{prefix}}', filter: '{{filter}}', meta: true } });
    expect(r({ prefix: 'we', filter: undefined }).query).toEqual({ prefix: 'we', meta: 'true' });
    expect(r({ prefix: '', filter: undefined }).query).toEqual({ meta: 'true' });
  });

  it('keeps the type of a body leaf that is exactly one expression', () => {
    const r = compileRequest({
      method: 'PUT',
      path: '/v1/job/{{job_id}}/scale',
      body: { Count: '{{count}}', Target: { Group: '{{group}}' }, Message: 'scaled {{group}} to {{count}}', Job: '{{job}}', Gone: '{{missing}}' },
    });
    const out = r({ job_id: 'web', count: 3, group: 'frontend', job: { ID: 'web', Nested: [1, 2] }, missing: undefined });
    expect(out.body).toEqual({ Count: 3, Target: { Group: 'frontend' }, Message: 'scaled frontend to 3', Job: { ID: 'web', Nested: [1, 2] } });
  });

  it('renders a segment that is one name as handlebars does (numbers, booleans, empty), without handlebars', () => {
    const fast = compileRequest({ method: 'GET', path: '/v1/x/{{v}}/{{{w}}}' });
    const slow = compileRequest({ method: 'GET', path: '/v1/x/{{v}}-/{{{w}}}-' });
    for (const v of ['web', 3, 0, true, false, 'a b', 'a/b']) {
      expect(fast({ v, w: v }).path, String(v)).toBe(slow({ v, w: v }).path.replace(/-/g, ''));
    }
    expect(() => fast({ v: null, w: 'x' })).toThrow(/rendered empty/);
  });

  it('fails loudly on an undeclared field (strict mode)', () => {
    const r = compileRequest({ method: 'GET', path: '/v1/job/{{jobid}}' });
    expect(() => r({ job_id: 'x' })).toThrow(/jobid/);
  });
});

describe('templateRefs', () => {
  it('lists top-level names, skipping helpers, data vars and each-bodies', () => {
    expect(templateRefs('{{job_id}} {{default prefix "x"}} {{#each items}}{{Name}}{{@index}}{{/each}}').sort()).toEqual(['items', 'job_id', 'prefix']);
    expect(templateRefs('{{#if a}}{{b}}{{else}}{{c}}{{/if}}').sort()).toEqual(['a', 'b', 'c']);
    expect(templateRefs('{{args.job_id}} {{result.ID}}', true).sort()).toEqual(['args.job_id', 'result.ID']);
  });
});

describe('nomadPath', () => {
  it('encodes interpolated values', () => {
    expect(nomadPath`/v1/job/${'a/b'}/scale`).toBe('/v1/job/a%2Fb/scale');
    expect(encodeSegment('a.b')).toBe('a.b');
  });

  it('refuses `.` and `..` (and their encodings) as a value', () => {
    for (const bad of ['.', '..', '%2E%2E', '%2e', 'a/../b', '..%5Cx']) {
      expect(() => encodeSegment(bad), bad).toThrow(/dot segment/);
      expect(() => nomadPath`/v1/job/${bad}/stop`, bad).toThrow(/dot segment/);
    }
  });
});

describe('typed helpers in a body', () => {
  it('ns, int and json keep JSON types; absent values are omitted', () => {
    const r = compileRequest({ method: 'PUT', path: '/x', body: { Deadline: '{{ns deadline}}', N: '{{int n}}', Meta: '{{json meta}}', Payload: '{{base64 p}}' } });
    expect(r({ deadline: '5m', n: '7', meta: { a: 'b' }, p: 'hi' }).body).toEqual({ Deadline: 300e9, N: 7, Meta: { a: 'b' }, Payload: 'aGk=' });
    expect(r({ deadline: undefined, n: undefined, meta: undefined, p: undefined }).body).toEqual({});
  });
});

describe('obj and ifelse build typed bodies', () => {
  it('a drain spec or null', () => {
    const r = compileRequest({ method: 'PUT', path: '/x', body: { DrainSpec: '{{json (ifelse enable (obj Deadline=(ns deadline) IgnoreSystemJobs=ignore) null)}}', MarkEligible: '{{json (not enable)}}' } });
    expect(r({ enable: true, deadline: '1h', ignore: false }).body).toEqual({ DrainSpec: { Deadline: 3600e9, IgnoreSystemJobs: false }, MarkEligible: false });
    expect(r({ enable: false, deadline: '1h', ignore: false }).body).toEqual({ MarkEligible: true });
  });
});

describe('where, q and multi-segment paths', () => {
  it('builds a filter from present values, quoting them', () => {
    const r = compileRequest({ method: 'GET', path: '/v1/allocations', query: { filter: '{{where JobID=job_id ClientStatus=status raw=filter}}' } });
    expect(r({ job_id: 'we"b', status: undefined, filter: undefined }).query).toEqual({ filter: 'JobID == "we\\"b"' });
    expect(r({ job_id: 'web', status: 'running', filter: 'NodeID != ""' }).query).toEqual({ filter: 'JobID == "web" and ClientStatus == "running" and (NodeID != "")' });
    expect(r({ job_id: undefined, status: undefined, filter: undefined }).query).toEqual({});
  });

  it('a triple-stash path keeps slashes but encodes each part', () => {
    const r = compileRequest({ method: 'GET', path: '/v1/var/{{{path}}}' });
    expect(r({ path: 'nomad/jobs/web' }).path).toBe('/v1/var/nomad/jobs/web');
    expect(r({ path: 'a b/c?d' }).path).toBe('/v1/var/a%20b/c%3Fd');
    expect(() => r({ path: 'a//b' })).toThrow(/empty path segment/);
  });
});

describe('a body leaf that is one helper call rendering nothing', () => {
  it('is left out', () => {
    const r = compileRequest({ method: 'PUT', path: '/x', body: { Payload: '{{base64 payload}}', Meta: '{{json meta}}' } });
    expect(r({ payload: undefined, meta: undefined }).body).toEqual({});
    expect(r({ payload: 'hi', meta: undefined }).body).toEqual({ Payload: 'aGk=' });
  });
});

describe('templateRefs without handlebars', () => {
  /** Every string with a mustache in the built-in catalog, and forms near the simple one. */
  const templates = new Set<string>([
    '{{a}}', '/v1/job/{{ job_id }}/x', '{{args.x.y}}', '{{this}}', '{{thisOne}}', '{{json}}', '{{else}}', '{{true}}', '{{null}}',
    '{{{raw}}}', '{{~a~}}', '{{a b}}', '{ "x": {{a}} }', '\\{{a}}', '{{#if a}}{{b}}{{/if}}', '{{a-b}}', '{{@index}}', '{{../a}}', 'no mustache',
  ]);
  const walk = (v: unknown) => {
    if (typeof v === 'string' && v.includes('{{')) templates.add(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const f of readdirSync(BUILTIN_TOOLS_DIR).filter((n) => n.endsWith('.yaml'))) walk(parse(readFileSync(path.join(BUILTIN_TOOLS_DIR, f), 'utf8')));

  it('finds the same names as the handlebars AST walk, or throws the same way', () => {
    for (const t of templates) {
      for (const deep of [false, true]) {
        let want: string[] | Error;
        try {
          want = parsedRefs(t, deep);
        } catch (err) {
          want = err as Error;
        }
        if (want instanceof Error) expect(() => templateRefs(t, deep), t).toThrow(want.message);
        else expect(templateRefs(t, deep), t).toEqual(want);
      }
    }
    expect(templates.size).toBeGreaterThan(100);
  });
});
