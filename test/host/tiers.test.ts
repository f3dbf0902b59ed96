/**
 * Effective tiers: the strictest of the YAML's claim, the plugin's own tier (code) and the HTTP methods; the
 * inventory applies --read-only, --allow-destructive and --tags to tools, resources and prompts alike.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/host/catalog.js';
import { formatProblem } from '../../src/host/errors.js';
import { buildInventory } from '../../src/host/inventory.js';
import { BUILTIN_TOOLS_DIR } from '../../src/host/paths.js';
import { methodTier } from '../../src/host/tiers.js';
import type { Tier } from '../../src/host/types.js';
import { builtinPlugins } from '../../src/plugins/index.js';

function load(text: string, plugins: Map<string, { tier?: Tier }> | string[] = new Map()) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-tiers-'));
  writeFileSync(path.join(dir, 't.yaml'), text);
  return loadCatalog([dir], { plugins, upstreams: ['nomad'] }, dir);
}

const switches = (o: Partial<{ readOnly: boolean; allowDestructive: boolean; tags: string[] }> = {}) => ({ readOnly: false, allowDestructive: false, tags: [], ...o });

describe('methodTier: a floor from the HTTP method', () => {
  it('GET reads, PUT/POST write, DELETE destroys', () => {
    expect(methodTier({ method: 'GET', path: '/v1/jobs' })).toBe('read');
    expect(methodTier({ method: 'HEAD', path: '/v1/jobs' })).toBe('read');
    expect(methodTier({ method: 'POST', path: '/v1/allocation/{{id}}/stop' })).toBe('write');
    expect(methodTier({ method: 'PUT', path: '/v1/var/{{{path}}}' })).toBe('write');
    expect(methodTier({ method: 'DELETE', path: '/v1/var/{{{path}}}' })).toBe('destructive');
  });

  it("Nomad's read-only bodies (search, parse, validate, plan) read", () => {
    for (const p of ['/v1/search', '/v1/search/fuzzy', '/v1/jobs/parse', '/v1/validate/job', '/v1/job/{{job_id}}/plan']) expect(methodTier({ method: 'POST', path: p }), p).toBe('read');
    // a triple-stash segment may span several: no longer provably the plan endpoint
    expect(methodTier({ method: 'POST', path: '/v1/job/{{{job_id}}}/plan' })).toBe('write');
  });

  it('a job deregister is a stop unless purge is set, or set by an argument destructiveWhen does not name', () => {
    expect(methodTier({ method: 'DELETE', path: '/v1/job/{{job_id}}' })).toBe('write');
    expect(methodTier({ method: 'DELETE', path: '/v1/job/{{job_id}}', query: { purge: '{{purge}}' } }, ['purge'])).toBe('write');
    expect(methodTier({ method: 'DELETE', path: '/v1/job/{{job_id}}', query: { purge: '{{purge}}' } })).toBe('destructive');
    expect(methodTier({ method: 'DELETE', path: '/v1/job/{{job_id}}', query: { purge: 'true' } }, ['purge'])).toBe('destructive');
    expect(methodTier({ method: 'DELETE', path: '/v1/job/web' })).toBe('destructive');
  });
});

describe('plugin tiers', () => {
  const tool = (annotations: string) => `tools:
  - name: team_tool
    description: A team tool over a plugin.
    annotations: ${annotations}
    plugin: p
`;

  it('a plugin that declares no tier counts as a write', () => {
    const r = load(tool('{ readOnlyHint: true }'), new Map([['p', {}]]));
    expect(r.problems).toEqual([]);
    expect(r.mismatches.map(formatProblem)).toEqual([
      expect.stringMatching(/^t\.yaml:5:\d+: team_tool: it says readOnlyHint: true, but plugin "p" declares no tier \(counted as write\); served as write/),
    ]);
    expect(r.tools[0].tier).toBe('write');
    expect(r.tools[0].annotations.readOnlyHint).toBe(false);
  });

  it('a destructive plugin makes the tool destructive whatever the YAML says; a stricter YAML stays', () => {
    const r = load(tool('{ readOnlyHint: false, destructiveHint: false }'), new Map([['p', { tier: 'destructive' }]]));
    expect(r.tools[0]).toMatchObject({ tier: 'destructive', annotations: { destructiveHint: true } });
    expect(r.mismatches).toHaveLength(1);
    const strict = load(tool('{ readOnlyHint: false, destructiveHint: true }'), new Map([['p', { tier: 'read' }]]));
    expect(strict.tools[0].tier).toBe('destructive');
    expect(strict.mismatches).toEqual([]);
  });

  it('every built-in plugin declares its tier, and the built-in catalog claims no less', () => {
    for (const [name, p] of builtinPlugins()) expect(['read', 'write', 'destructive'], name).toContain(p.tier);
    const r = loadCatalog([BUILTIN_TOOLS_DIR], { plugins: builtinPlugins(), upstreams: ['nomad', 'gitea'] });
    expect(r.mismatches.map(formatProblem)).toEqual([]);
    const tier = (n: string) => r.tools.find((t) => t.name === n)!.tier;
    expect([tier('get_job_logs'), tier('plan_job'), tier('validate_job'), tier('put_variable'), tier('stop_job'), tier('delete_variable')]).toEqual(['read', 'read', 'read', 'write', 'write', 'destructive']);
  });
});

describe('resources and prompts', () => {
  const file = `tags: [team]
tools:
  - name: team_read
    description: A team tool that reads.
    annotations: { readOnlyHint: true }
    request: { method: GET, path: /v1/jobs }
  - name: team_write
    description: A team tool that writes.
    annotations: { readOnlyHint: false, destructiveHint: false }
    request: { method: PUT, path: /v1/jobs }
resources:
  - uriTemplate: team://thing/{id}
    name: thing
    tags: [things]
    description: One thing of the team.
    request: { method: GET, path: "/v1/job/{{id}}" }
    list:
      request: { method: DELETE, path: /v1/job/web, query: { purge: "true" } }
      uri: "team://thing/{{ID}}"
      name: "{{ID}}"
prompts:
  - name: look
    description: Look at things without changing them.
    template: Use team_read to look.
  - name: change
    description: Change things after looking at them.
    template: Use team_read, then team_write.
`;

  it('a resource takes its file and entry tags; a DELETE list request makes it destructive', () => {
    const r = load(file);
    expect(r.resources[0]).toMatchObject({ tags: ['team', 'things'], tier: 'destructive' });
    expect(r.mismatches.map(formatProblem)).toEqual([expect.stringMatching(/^t\.yaml:18:\d+: thing: resources\/list sends its list request without confirmation, but it is DELETE \/v1\/job\/web \(tier destructive\)/)]);
  });

  it('a prompt uses the tools it names: their tier and tags', () => {
    const r = load(file);
    expect(r.prompts.map((p) => [p.name, p.uses, p.tier])).toEqual([
      ['look', ['team_read'], 'read'],
      ['change', ['team_read', 'team_write'], 'write'],
    ]);
  });

  it('the inventory hides them with the same switches as tools, with a reason', () => {
    const r = load(file);
    const inv = (o: Parameters<typeof switches>[0]) => buildInventory(r.tools, switches(o), { resources: r.resources, prompts: r.prompts });
    const ro = inv({ readOnly: true, allowDestructive: true });
    expect(ro.resources.visible).toEqual([]);
    expect(ro.resources.hidden.get('thing')).toMatch(/read-only/);
    expect(ro.prompts.visible.map((p) => p.name)).toEqual(['look']);
    expect(ro.prompts.hidden.get('change')).toMatch(/uses team_write, which this server does not serve: .*read-only/);
    expect(inv({}).resources.hidden.get('thing')).toMatch(/--allow-destructive/);
    const tagged = inv({ allowDestructive: true, tags: ['things'] });
    expect(tagged.resources.visible.map((x) => x.name)).toEqual(['thing']);
    expect(tagged.prompts.visible).toEqual([]);
    expect(inv({ allowDestructive: true, tags: ['team'] }).prompts.visible.map((p) => p.name)).toEqual(['look', 'change']);
  });
});

describe('variable paths in the built-in catalog', () => {
  // Nomad's rule ^[a-zA-Z0-9-_~/]{1,128}$ (nomad/structs/variables.go:365), `-` last for JavaScript's unicode mode
  it('every argument rendered into a /v1/var/ path is constrained to the rule in the input schema', () => {
    const r = loadCatalog([BUILTIN_TOOLS_DIR], { plugins: builtinPlugins(), upstreams: ['nomad', 'gitea'] });
    let checked = 0;
    for (const t of r.tools) {
      for (const spec of Object.values(t.descriptor.request ? { r: t.descriptor.request } : (t.descriptor.requests ?? {}))) {
        if (!spec.path.startsWith('/v1/var/')) continue;
        for (const m of spec.path.matchAll(/\{\{\{?\s*(\w+)/g)) {
          const prop = (t.inputSchema.properties as Record<string, { pattern?: string; maxLength?: number }>)[m[1]];
          expect(prop.pattern, `${t.name}.${m[1]}`).toMatch(/^\^\[a-zA-Z0-9_~\/?-\]\+\$$/);
          expect(prop.maxLength! + spec.path.indexOf('{{') - '/v1/var/'.length, `${t.name}.${m[1]}`).toBeLessThanOrEqual(128);
          checked++;
        }
      }
    }
    expect(checked).toBe(4); // get/delete_variable, get/delete_config
    for (const name of ['put_variable', 'save_config']) {
      const props = r.tools.find((t) => t.name === name)!.inputSchema.properties as Record<string, { maxLength?: number }>;
      expect(props.path?.maxLength ?? props.name?.maxLength, name).toBe(name === 'put_variable' ? 128 : 110);
    }
  });
});
