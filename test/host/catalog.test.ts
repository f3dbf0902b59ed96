import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/host/catalog.js';
import { COMMON_PARAMS } from '../../src/host/common-params.js';
import { formatProblem } from '../../src/host/errors.js';
import { BUILTIN_TOOLS_DIR } from '../../src/host/paths.js';
import { builtinPlugins } from '../../src/plugins/index.js';

const opts = { plugins: ['job-logs'], upstreams: ['nomad', 'gitea'] };

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-cat-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const good = `tools:
  - name: list_things
    description: List the things of the cluster.
    annotations: { readOnlyHint: true }
    input: { type: object, properties: { prefix: { type: string } } }
    request: { method: GET, path: /v1/things, query: { prefix: "{{prefix}}" } }
`;

function problems(files: Record<string, string>): string[] {
  const dir = dirWith(files);
  return loadCatalog([dir], opts, dir).problems.map(formatProblem);
}

describe('loadCatalog', () => {
  it('loads a good file with its position', () => {
    const dir = dirWith({ 'a.yaml': good });
    const r = loadCatalog([dir], opts, dir);
    expect(r.problems).toEqual([]);
    expect(r.tools.map((t) => [t.name, t.tier, t.source.file, t.source.line])).toEqual([['list_things', 'read', 'a.yaml', 2]]);
  });

  it('fills `name: common` arguments from the host and validates with their full schema', () => {
    const dir = dirWith({
      'c.yaml': `tools:\n  - name: list_things\n    description: List the things.\n    annotations: { readOnlyHint: true }\n    input: { type: object, properties: { namespace: common, per_page: common } }\n    request: { method: GET, path: /v1/things, query: { per_page: "{{per_page}}" } }\n`,
    });
    const r = loadCatalog([dir], opts, dir);
    expect(r.problems).toEqual([]);
    expect(r.tools[0].inputSchema.properties).toEqual({ namespace: COMMON_PARAMS.namespace.schema, per_page: COMMON_PARAMS.per_page.schema });
    expect(r.tools[0].validate({ per_page: 0 })).toBe(false);
  });

  it('refuses `common` for an argument the host does not define, naming the shared ones', () => {
    const p = problems({
      'c.yaml': `tools:\n  - name: list_things\n    description: List the things.\n    annotations: { readOnlyHint: true }\n    input: { type: object, properties: { colour: common } }\n    request: { method: GET, path: /v1/things }\n`,
    });
    expect(p).toEqual([expect.stringMatching(/^c\.yaml:5:\d+: list_things: "colour: common" names no shared argument; the shared ones are namespace, region, /)]);
  });

  it('reports YAML syntax errors as file:line:col with the offending line and a caret', () => {
    const p = problems({ 'bad.yaml': 'tools:\n  - name: x\n    description: [unclosed\n' });
    expect(p.length).toBeGreaterThanOrEqual(1);
    expect(p[0]).toMatch(/^bad\.yaml:\d+:\d+: YAML: /);
    expect(p.join('\n')).toMatch(/\n {4}.*\n {4} *\^/);
  });

  it('reports every YAML problem of a file, each at its line, with the line and a caret under the column (issue 16.6)', () => {
    const text = `tools:
  - name: a
    description: x
      input: { type: object }
    request: { method: GET, path: /v1/jobs }
  - name: b
   description: y
`;
    const p = problems({ 'indent.yaml': text });
    // the indentation mistake at line 3 and the next, unrelated one at line 7: both shown
    expect(p).toHaveLength(2);
    expect(p[0]).toBe(
      'indent.yaml:3:18: YAML: Nested mappings are not allowed in compact mappings; Implicit keys need to be on a single line\n' +
        '        description: x\n' +
        '                     ^',
    );
    expect(p[1]).toMatch(/^indent\.yaml:7:\d+: YAML: Sequence item without - indicator\n {4} {3}description: y\n {4} *\^$/);
  });

  it('shows the whole Handlebars parse error: the template line, its caret and what was expected (issue 16.6)', () => {
    const p = problems({ 'hb.yaml': good.replace('path: /v1/things', 'path: "/v1/thing/{{prefix}/x"') });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^hb\.yaml:6:\d+: tools\.0|^hb\.yaml:6:\d+: list_things: /);
    const [first, ...rest] = p[0].split('\n');
    expect(first).toMatch(/template: Parse error on line 1:$/);
    expect(rest[0]).toBe('    /v1/thing/{{prefix}/x');
    expect(rest[1]).toBe('    ------------------^');
    expect(rest[2]).toMatch(/^ {4}Expecting .*'CLOSE'.*, got 'INVALID'$/);
  });

  it('reports a schema violation at the offending key', () => {
    const text = good.replace('    annotations:', '    colour: red\n    annotations:');
    expect(problems({ 'a.yaml': text })).toEqual(['a.yaml:2:5: tools.0: unknown key "colour"']);
  });

  it('reports a bad method at its line', () => {
    const p = problems({ 'a.yaml': good.replace('method: GET', 'method: FETCH') });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^a\.yaml:6:\d+: tools\.0\.request\.method: must be one of GET/);
  });

  it('reports an unknown plugin and an unknown upstream', () => {
    const text = `upstream: billing
tools:
  - name: do_it
    description: Does the thing to the cluster.
    plugin: no-such-plugin
`;
    const p = problems({ 'p.yaml': text });
    expect(p.some((l) => /^p\.yaml:5:\d+: do_it: unknown plugin "no-such-plugin"/.test(l))).toBe(true);
    expect(p.some((l) => /^p\.yaml:3:\d+: do_it: unknown upstream "billing"/.test(l))).toBe(true);
  });

  it('reports a template that references an undeclared argument', () => {
    const p = problems({ 'a.yaml': good.replace('path: /v1/things', 'path: "/v1/thing/{{thing_id}}"') });
    expect(p).toEqual([expect.stringMatching(/^a\.yaml:6:\d+: list_things: template references "thing_id", which the input schema does not declare$/)]);
  });

  it('reports a tool with both request and plugin', () => {
    const p = problems({ 'a.yaml': good.replace('    request:', '    plugin: job-logs\n    request:') });
    expect(p[0]).toMatch(/has request and plugin: give exactly one/);
  });

  it('reports a duplicate name across directories naming both files', () => {
    const a = dirWith({ 'one.yaml': good });
    const b = dirWith({ 'two.yaml': good });
    const r = loadCatalog([a, b], opts, path.dirname(a));
    expect(r.problems).toHaveLength(1);
    const line = formatProblem(r.problems[0]);
    expect(line).toContain('two.yaml:2:');
    expect(line).toMatch(/duplicate tool name "list_things" \(first defined at .*one\.yaml:2:\d+\)/);
  });

  it('reports an invalid input schema', () => {
    const p = problems({ 'a.yaml': good.replace('{ type: string }', '{ type: strnig }') });
    expect(p[0]).toMatch(/^a\.yaml:5:\d+: list_things: invalid input schema/);
  });

  it('reports a missing directory', () => {
    const r = loadCatalog(['/nonexistent/tools'], opts);
    expect(formatProblem(r.problems[0])).toMatch(/cannot read tools directory: ENOENT/);
  });
});

describe('the built-in catalog', () => {
  const r = loadCatalog([BUILTIN_TOOLS_DIR], { plugins: builtinPlugins(), upstreams: ['nomad', 'gitea'] });

  it('is valid', () => {
    expect(r.problems.map(formatProblem)).toEqual([]);
    expect(r.mismatches.map(formatProblem)).toEqual([]);
    expect(r.tools.length).toBeGreaterThanOrEqual(21);
  });

  it('has snake_case names, tags, explicit read-only hints, one-sentence descriptions and short argument descriptions', () => {
    for (const t of r.tools) {
      expect(t.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(t.tags.length, t.name).toBeGreaterThan(0);
      expect(typeof t.annotations.readOnlyHint, t.name).toBe('boolean');
      if (!t.annotations.readOnlyHint) expect(typeof t.annotations.destructiveHint, t.name).toBe('boolean');
      // the tool list is paid for in every conversation (issue 15): a sentence saying when to use the tool,
      // and a few words on an argument only where its name does not say it
      expect(t.description.length, t.name).toBeLessThanOrEqual(120);
      const props = (t.inputSchema.properties ?? {}) as Record<string, { description?: string }>;
      for (const [k, v] of Object.entries(props)) expect(v.description?.length ?? 0, `${t.name}.${k}`).toBeLessThanOrEqual(80);
      // the paging and scoping arguments are explained once, in the server's instructions (IDs may say more)
      for (const k of ['namespace', 'region', 'filter', 'per_page', 'next_token']) {
        if (props[k] && k !== 'namespace') expect(props[k], `${t.name}.${k} should be written "${k}: common"`).toEqual(COMMON_PARAMS[k].schema);
        if (props[k]) expect(props[k].description, `${t.name}.${k} repeats the shared argument's explanation`).toBeUndefined();
      }
      expect(t.inputSchema.anyOf, t.name).toBeUndefined();
      expect(t.inputSchema.oneOf, t.name).toBeUndefined();
    }
  });

  it('starts every file with the schema line', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    for (const f of readdirSync(BUILTIN_TOOLS_DIR)) {
      expect(readFileSync(path.join(BUILTIN_TOOLS_DIR, f), 'utf8').split('\n')[0], f).toBe('# yaml-language-server: $schema=../src/host/descriptor.schema.json');
    }
  });
});


describe('resources and prompts in descriptor files', () => {
  const resources = `resources:
  - uriTemplate: nomad://thing/{thing_id}
    name: thing
    description: One thing of the cluster.
    request: { method: GET, path: "/v1/thing/{{thing_id}}" }
prompts:
  - name: ask
    description: Ask about a thing.
    arguments: [{ name: thing_id, required: true }]
    template: "Tell me about {{thing_id}}."
`;

  it('loads them', () => {
    const dir = dirWith({ 'r.yaml': resources });
    const r = loadCatalog([dir], opts, dir);
    expect(r.problems).toEqual([]);
    expect(r.resources[0].match('nomad://thing/abc')).toEqual({ thing_id: 'abc' });
    expect(r.resources[0].tool.params).toEqual(['thing_id']);
    expect(r.prompts[0].render({ thing_id: 'x' })).toBe('Tell me about x.');
  });

  it('reports a request template variable the URI does not give, and a prompt referencing an unknown argument', () => {
    const p = problems({ 'r.yaml': resources.replace('/v1/thing/{{thing_id}}', '/v1/thing/{{other}}').replace('about {{thing_id}}', 'about {{thing}}') });
    expect(p).toEqual([
      expect.stringMatching(/^r\.yaml:5:\d+: thing: template references "other", which the input schema does not declare$/),
      expect.stringMatching(/^r\.yaml:10:\d+: ask: template references "thing", which is not one of its arguments$/),
    ]);
  });

  it('reports a duplicate prompt name naming the first', () => {
    const a = dirWith({ 'a.yaml': resources });
    const b = dirWith({ 'b.yaml': resources.replace('name: thing', 'name: thing2') });
    const r = loadCatalog([a, b], opts, path.dirname(a));
    expect(r.problems.map(formatProblem)).toEqual([expect.stringMatching(/b\.yaml:7:\d+: duplicate prompt name "ask" \(first defined at .*a\.yaml:7:\d+\)/)]);
  });
});

describe('loader robustness', () => {
  it('a malformed URI template is a problem, not a crash', () => {
    const p = problems({ 'r.yaml': 'resources:\n  - uriTemplate: "team://thing/{id"\n    name: thing\n    description: One broken thing.\n    request: { method: GET, path: "/x" }\n' });
    expect(p[0]).toMatch(/^r\.yaml:2:\d+: thing: invalid URI template/);
  });

  it('a read-only tool that writes is a tier mismatch, served at the stricter tier', () => {
    const dir = dirWith({ 'a.yaml': good.replace('method: GET', 'method: DELETE') });
    const r = loadCatalog([dir], opts, dir);
    expect(r.problems).toEqual([]);
    expect(r.mismatches.map(formatProblem)).toEqual([
      expect.stringMatching(/^a\.yaml:6:\d+: list_things: it says readOnlyHint: true, but it sends DELETE \/v1\/\S+ \(tier destructive\); served as destructive \(mark it readOnlyHint: false, destructiveHint: true\)$/),
    ]);
    expect(r.tools[0]).toMatchObject({ tier: 'destructive', annotations: { readOnlyHint: false, destructiveHint: true } });
  });
});

describe('one run shows every problem', () => {
  it('a schema error in one tool does not hide the problems of the others', () => {
    const second = good.replace('tools:\n', '').replace('list_things', 'list_more').replace('{{prefix}}', '{{prefx}}');
    const p = problems({ 'a.yaml': good.replace('    annotations:', '    colour: red\n    annotations:') + second });
    expect(p).toEqual([
      'a.yaml:2:5: tools.0: unknown key "colour"',
      expect.stringMatching(/^a\.yaml:1[12]:\d+: list_more: template references "prefx"/),
    ]);
  });
});
