import type { HostConfig } from './config.js';
import type { Tool } from './types.js';

/**
 * The catalog after the switches: one builder serves `serve`, `tools list` and `tools export`.
 * Filters run in a fixed order: read-only → destructive → tags. A hidden tool keeps the reason.
 */
export interface Inventory {
  all: Tool[];
  visible: Tool[];
  byName: Map<string, Tool>;
  hidden: Map<string, string>;
}

export function hideReason(tool: Tool, config: Pick<HostConfig, 'readOnly' | 'allowDestructive' | 'tags'>): string | undefined {
  if (config.readOnly && tool.tier !== 'read') {
    return `The tool "${tool.name}" changes the cluster and the server runs read-only (--read-only / NOMAD_MCP_READ_ONLY).`;
  }
  if (tool.tier === 'destructive' && !config.allowDestructive) {
    return `The tool "${tool.name}" is destructive and hidden; start the server with --allow-destructive to use it.`;
  }
  if (config.tags.length && !tool.tags.some((t) => config.tags.includes(t))) {
    return `The tool "${tool.name}" (tags: ${tool.tags.join(', ') || 'none'}) is outside the enabled toolsets (--tags / NOMAD_MCP_TOOLSETS: ${config.tags.join(', ')}).`;
  }
  return undefined;
}

export function buildInventory(tools: Tool[], config: Pick<HostConfig, 'readOnly' | 'allowDestructive' | 'tags'>): Inventory {
  const visible: Tool[] = [];
  const hidden = new Map<string, string>();
  for (const t of tools) {
    const reason = hideReason(t, config);
    if (reason) hidden.set(t.name, reason);
    else visible.push(t);
  }
  return { all: tools, visible, byName: new Map(tools.map((t) => [t.name, t])), hidden };
}
