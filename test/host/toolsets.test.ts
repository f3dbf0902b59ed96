// --toolsets (the name of record; --tags the older one), `dynamic` among them, from flags, env and a config file;
// which tools dynamic mode lists comes from the catalog's `core` tag, not from code.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/host/catalog.js';
import { loadConfig } from '../../src/host/config.js';
import { buildInventory } from '../../src/host/inventory.js';
import { toMcpTool } from '../../src/host/listing.js';
import { BUILTIN_TOOLS_DIR } from '../../src/host/paths.js';
import { CORE_TOOLSET, DISCOVERY_TOOLS, DynamicToolsets } from '../../src/host/toolsets.js';
import { builtinPlugins } from '../../src/plugins/index.js';

const cwd = '/';
const key = new Uint8Array(32).fill(7);

describe('--toolsets', () => {
  it('a list of toolsets filters by tag, as --tags did; --toolsets wins over the environment', async () => {
    expect(await loadConfig({ toolsets: ['jobs', 'logs'] }, { NOMAD_MCP_TOOLSETS: 'nodes' }, cwd)).toMatchObject({ tags: ['jobs', 'logs'] });
    expect(await loadConfig({ tags: ['jobs'] }, {}, cwd)).toMatchObject({ tags: ['jobs'] });
    expect((await loadConfig({}, { NOMAD_MCP_TOOLSETS: 'nodes' }, cwd)).dynamicToolsets).toBeFalsy();
  });

  it('"dynamic" turns the tag filter off; the other names start enabled (flag, env, config file)', async () => {
    expect(await loadConfig({ toolsets: ['dynamic'] }, {}, cwd)).toMatchObject({ tags: [], dynamicToolsets: true, initialToolsets: [] });
    expect(await loadConfig({}, { NOMAD_MCP_TOOLSETS: 'dynamic,deployments' }, cwd)).toMatchObject({ tags: [], dynamicToolsets: true, initialToolsets: ['deployments'] });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-toolsets-'));
    writeFileSync(path.join(dir, 'nomad-mcp.config.yaml'), 'toolsets: [dynamic, volumes]\n');
    expect(await loadConfig({}, {}, dir)).toMatchObject({ tags: [], dynamicToolsets: true, initialToolsets: ['volumes'] });
  });
});

describe('dynamic toolsets from the catalog', () => {
  it('the core set is the catalog tools tagged core; a catalog without that tag lists only the discovery tools', () => {
    const { tools } = loadCatalog([BUILTIN_TOOLS_DIR], { plugins: builtinPlugins(), upstreams: ['nomad', 'gitea'] });
    const inv = buildInventory(tools, { readOnly: false, allowDestructive: false, tags: [] });
    const listed = inv.visible.map((tool) => ({ tool, def: toMcpTool(tool) }));
    const d = new DynamicToolsets({ initial: [], key });
    const names = d.listing(inv, listed, new Set()).map((t) => t.name);
    expect(names.slice(0, 3)).toEqual(DISCOVERY_TOOLS.map((t) => t.name));
    expect(names.slice(3).sort()).toEqual(tools.filter((t) => t.tags.includes(CORE_TOOLSET)).map((t) => t.name).sort());
    expect([...d.toolsets(inv).keys()][0]).toBe('core');

    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-nocore-'));
    writeFileSync(path.join(dir, 'a.yaml'), 'tags: [things]\ntools:\n  - name: list_things\n    description: Lists the things.\n    annotations: { readOnlyHint: true }\n    request: { method: GET, path: /v1/things }\n');
    const own = loadCatalog([dir], { plugins: [], upstreams: ['nomad'] }, dir).tools;
    const inv2 = buildInventory(own, { readOnly: false, allowDestructive: false, tags: [] });
    const listed2 = inv2.visible.map((tool) => ({ tool, def: toMcpTool(tool) }));
    expect(d.listing(inv2, listed2, new Set()).map((t) => t.name)).toEqual(DISCOVERY_TOOLS.map((t) => t.name));
    expect(d.listing(inv2, listed2, new Set(['things'])).map((t) => t.name)).toContain('list_things');
  });
});
