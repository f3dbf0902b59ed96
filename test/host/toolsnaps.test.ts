// Every built-in tool's MCP definition is snapshotted in test/__toolsnaps__/<name>.snap: a changed name,
// description, schema or annotation fails CI until the snapshot is updated on purpose (`npx vitest run -u`).
// A model pays for every definition it is sent, so changes to them deserve a second look.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/host/catalog.js';
import { BUILTIN_TOOLS_DIR } from '../../src/host/paths.js';
import { toMcpTool } from '../../src/host/server.js';
import { builtinPlugins } from '../../src/plugins/index.js';
import { DISCOVERY_TOOLS } from '../../src/host/toolsets.js';

const { tools } = loadCatalog([BUILTIN_TOOLS_DIR], { plugins: builtinPlugins(), upstreams: ['nomad', 'gitea'] });

describe('tool definitions (toolsnaps)', () => {
  it.each(tools.map((t) => [t.name, t] as const))('%s', async (name, tool) => {
    await expect(`${JSON.stringify(toMcpTool(tool), null, 2)}\n`).toMatchFileSnapshot(`../__toolsnaps__/${name}.snap`);
  });
});

// the discovery tools of --toolsets dynamic are the host's, not the catalog's
describe('discovery tool definitions (toolsnaps)', () => {
  it.each(DISCOVERY_TOOLS.map((t) => [t.name, t] as const))('%s', async (name, tool) => {
    await expect(`${JSON.stringify(tool, null, 2)}\n`).toMatchFileSnapshot(`../__toolsnaps__/${name}.snap`);
  });
});
