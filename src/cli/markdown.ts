import type { Tool } from '../host/types.js';

/** The catalog as Markdown tables per toolset (docs/tools.md is this, kept in sync by a test). */
export function catalogMarkdown(tools: Tool[]): string {
  let md =
    '# Tool reference\n\n' +
    'Generated from the catalog by `nomad-mcp tools export --format markdown`; a test keeps docs/tools.md in sync.\n' +
    'Tiers: **read** tools only read; **write** tools change the cluster (hidden by `--read-only`); **destructive** ones are ' +
    'irreversible and served only with `--allow-destructive`. A tool\'s tier is the strictest of its YAML annotations, its ' +
    'plugin\'s own tier and its HTTP methods. Every tool also takes an optional `namespace`.\n\n';
  const byTag = new Map<string, Tool[]>();
  for (const t of tools) byTag.set(t.tags[0] ?? 'other', [...(byTag.get(t.tags[0] ?? 'other') ?? []), t]);
  for (const [tag, list] of byTag) {
    md += `## ${tag}\n\n| tool | tier | arguments | what it does |\n|---|---|---|---|\n`;
    for (const t of list) {
      const props = Object.keys((t.inputSchema.properties as Record<string, unknown>) ?? {}).filter((p) => p !== 'namespace');
      const required = new Set((t.inputSchema.required as string[] | undefined) ?? []);
      const args = props.map((p) => (required.has(p) ? `\`${p}\`` : `${p}?`)).join(', ') || '—';
      md += `| \`${t.name}\` | ${t.tier}${t.plugin ? ' (plugin)' : ''}${t.exec ? ', only with `--allow-exec`' : ''} | ${args} | ${t.description.replace(/\|/g, '\\|')} |\n`;
    }
    md += '\n';
  }
  return md;
}
