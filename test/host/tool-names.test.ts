// --tools / --exclude-tools (config tools:/excludeTools:, env NOMAD_MCP_TOOLS / NOMAD_MCP_EXCLUDE_TOOLS):
// serve exactly the tools a team wants, by name, beside --tags.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/host/catalog.js';
import { loadConfig } from '../../src/host/config.js';
import { buildInventory } from '../../src/host/inventory.js';
import { BUILTIN_TOOLS_DIR } from '../../src/host/paths.js';
import { builtinPlugins } from '../../src/plugins/index.js';

const { tools } = loadCatalog([BUILTIN_TOOLS_DIR], { plugins: builtinPlugins(), upstreams: ['nomad', 'gitea'] });
const cwd = '/';

describe('tools by name', () => {
  it('--tools serves only the named tools and says why another is hidden', async () => {
    const config = await loadConfig({ tools: ['list_jobs', 'get_job_status'] }, {}, cwd);
    const inv = buildInventory(tools, config);
    expect(inv.visible.map((t) => t.name).sort()).toEqual(['get_job_status', 'list_jobs']);
    expect(inv.hidden.get('stop_job')).toBe('The tool "stop_job" is not among the tools this server serves (--tools / NOMAD_MCP_TOOLS: list_jobs, get_job_status).');
  });

  it('--exclude-tools hides the named tools; the environment applies when no flag is given', async () => {
    const config = await loadConfig({}, { NOMAD_MCP_EXCLUDE_TOOLS: 'get_job_logs, follow_job_logs' }, cwd);
    const inv = buildInventory(tools, config);
    expect(inv.visible.some((t) => t.name === 'get_job_logs' || t.name === 'follow_job_logs')).toBe(false);
    expect(inv.visible.some((t) => t.name === 'list_jobs')).toBe(true);
    expect(inv.hidden.get('get_job_logs')).toBe('The tool "get_job_logs" is excluded on this server (--exclude-tools / NOMAD_MCP_EXCLUDE_TOOLS).');
  });

  it('other switches still apply to a named tool; a flag wins over the environment', async () => {
    const config = await loadConfig({ tools: ['list_jobs', 'stop_job'] }, { NOMAD_MCP_TOOLS: 'get_job' }, cwd);
    expect(config.onlyTools).toEqual(['list_jobs', 'stop_job']);
    const inv = buildInventory(tools, { ...config, readOnly: true });
    expect(inv.visible.map((t) => t.name)).toEqual(['list_jobs']);
    expect(inv.hidden.get('stop_job')).toMatch(/read-only/);
  });
});
