// The tool list is sent with every conversation and paid for in the model's context (issue 15). These
// budgets keep it small as the catalog grows: one tool definition, as tools/list sends it, may take at most
// PER_TOOL bytes, and the whole list (every tool, --allow-destructive) at most AVERAGE bytes a tool.
// To fit: one sentence saying when to use the tool; shared arguments written `namespace: common` (the
// server's instructions explain them once); property descriptions of a few words, only where the name
// does not say it; no defaults or limits in descriptions (the server checks them). See docs/writing-tools.md.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/host/catalog.js';
import { toMcpTool } from '../../src/host/listing.js';
import { BUILTIN_TOOLS_DIR } from '../../src/host/paths.js';
import type { Tool } from '../../src/host/types.js';
import { builtinPlugins } from '../../src/plugins/index.js';
import { CORE_TOOLSET, DISCOVERY_TOOLS } from '../../src/host/toolsets.js';

export const PER_TOOL = 500;
export const AVERAGE = 300;

const bytes = (t: Tool) => Buffer.byteLength(JSON.stringify(toMcpTool(t)));

/** One message per tool over PER_TOOL, and one for the list over AVERAGE, naming tools and overage. */
export function budgetProblems(tools: Tool[], perTool = PER_TOOL, average = AVERAGE): string[] {
  const sized = tools.map((t) => ({ t, b: bytes(t) })).sort((x, y) => y.b - x.b);
  const out = sized
    .filter(({ b }) => b > perTool)
    .map(({ t, b }) => `${t.name} (${t.source.file}:${t.source.line}): ${b} B, ${b - perTool} B over the per-tool budget of ${perTool} B`);
  const total = sized.reduce((s, x) => s + x.b, 0);
  const limit = average * tools.length;
  if (total > limit) {
    const largest = sized.slice(0, 5).map(({ t, b }) => `${t.name} ${b} B`).join(', ');
    out.push(
      `tools/list: ${total} B for ${tools.length} tools = ${(total / tools.length).toFixed(1)} B a tool, ${total - limit} B over the budget of ${average} B a tool (${limit} B); largest: ${largest}`,
    );
  }
  return out;
}

const catalog = loadCatalog([BUILTIN_TOOLS_DIR], { plugins: builtinPlugins(), upstreams: ['nomad', 'gitea'] });
// every tool listed: destructive ones and those behind other switches (--allow-exec) too
const all = catalog.tools;

describe('context budget of the tool list', () => {
  it('the built-in catalog loads', () => {
    expect(catalog.problems).toEqual([]);
  });

  it(`no tool definition passes ${PER_TOOL} B, and the list averages at most ${AVERAGE} B a tool`, () => {
    expect(budgetProblems(all), 'shorten these definitions (see docs/writing-tools.md, "Context budget")').toEqual([]);
  });

  it('--toolsets dynamic: the discovery tools and the core toolset fit in 12 KB, each discovery tool in the per-tool budget', () => {
    const core = all.filter((t) => t.tags.includes(CORE_TOOLSET)).map((t) => toMcpTool(t));
    const total = Buffer.byteLength(JSON.stringify({ tools: [...DISCOVERY_TOOLS, ...core] }));
    expect(core.length, 'tag a few tools "core"').toBeGreaterThan(3);
    expect(total, `dynamic tools/list: ${DISCOVERY_TOOLS.length + core.length} tools`).toBeLessThanOrEqual(12 * 1024);
    for (const d of DISCOVERY_TOOLS) expect(Buffer.byteLength(JSON.stringify(d)), d.name).toBeLessThanOrEqual(PER_TOOL);
  });

  it('names the tool and the overage when a definition is too fat', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-budget-'));
    const long = 'Lists the things of the cluster. '.repeat(20).trim();
    writeFileSync(
      path.join(dir, 'fat.yaml'),
      `tools:\n  - name: fat_tool\n    description: ${long}\n    annotations: { readOnlyHint: true }\n    input: { type: object, properties: { namespace: common } }\n    request: { method: GET, path: /v1/things }\n`,
    );
    const fat = loadCatalog([dir], { plugins: [], upstreams: ['nomad'] }, dir).tools;
    const size = bytes(fat[0]);
    expect(budgetProblems(fat)).toEqual([
      `fat_tool (fat.yaml:2): ${size} B, ${size - PER_TOOL} B over the per-tool budget of ${PER_TOOL} B`,
      `tools/list: ${size} B for 1 tools = ${size.toFixed(1)} B a tool, ${size - AVERAGE} B over the budget of ${AVERAGE} B a tool (${AVERAGE} B); largest: fat_tool ${size} B`,
    ]);
  });
});
