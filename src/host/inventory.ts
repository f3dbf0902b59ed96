import type { HostConfig } from './config.js';
import type { Prompt, ResourceTemplate, Tier, Tool } from './types.js';

/**
 * The catalog after the switches: one builder serves `serve`, `tools list` and `tools export`, for tools,
 * resources and prompts alike. Filters run in a fixed order on the effective tier: read-only → destructive → tags.
 * A hidden entry keeps the reason.
 */
export interface Inventory {
  all: Tool[];
  visible: Tool[];
  byName: Map<string, Tool>;
  hidden: Map<string, string>;
  resources: Section<ResourceTemplate>;
  prompts: Section<Prompt>;
}

/** Resources or prompts after the switches; `hidden` is keyed by name. */
export interface Section<T> {
  all: T[];
  visible: T[];
  hidden: Map<string, string>;
}

type Switches = Pick<HostConfig, 'readOnly' | 'allowDestructive' | 'tags'> & { allowExec?: boolean; onlyTools?: string[]; excludeTools?: string[] };
type Kind = 'tool' | 'resource template' | 'prompt';

/** Why an entry is not served under the switches, or undefined. */
export function hideReason(item: { name: string; tier: Tier; tags: string[]; exec?: boolean }, config: Switches, kind: Kind = 'tool'): string | undefined {
  const what = `The ${kind} "${item.name}"`;
  if (config.readOnly && item.tier !== 'read') {
    return `${what} changes the cluster and the server runs read-only (--read-only / NOMAD_MCP_READ_ONLY).`;
  }
  // running commands inside workloads has its own switch, which alone serves the tool (each call is still confirmed)
  if (item.exec) {
    if (!config.allowExec) return `${what} runs commands inside allocations and is hidden; start the server with --allow-exec (NOMAD_MCP_ALLOW_EXEC) to use it.`;
  } else if (item.tier === 'destructive' && !config.allowDestructive) {
    return `${what} is destructive and hidden; start the server with --allow-destructive to use it.`;
  }
  if (config.tags.length && !item.tags.some((t) => config.tags.includes(t))) {
    return `${what} (tags: ${item.tags.join(', ') || 'none'}) is outside the enabled toolsets (--toolsets / NOMAD_MCP_TOOLSETS: ${config.tags.join(', ')}).`;
  }
  // by name, for tools only (a prompt is hidden when a tool it names is)
  if (kind === 'tool' && config.excludeTools?.includes(item.name)) return `${what} is excluded on this server (--exclude-tools / NOMAD_MCP_EXCLUDE_TOOLS).`;
  if (kind === 'tool' && config.onlyTools?.length && !config.onlyTools.includes(item.name)) {
    return `${what} is not among the tools this server serves (--tools / NOMAD_MCP_TOOLS: ${config.onlyTools.join(', ')}).`;
  }
  return undefined;
}

function split<T extends { name: string }>(items: T[], reason: (item: T) => string | undefined): Section<T> {
  const visible: T[] = [];
  const hidden = new Map<string, string>();
  for (const item of items) {
    const why = reason(item);
    if (why) hidden.set(item.name, why);
    else visible.push(item);
  }
  return { all: items, visible, hidden };
}

export function buildInventory(
  tools: Tool[],
  config: Switches,
  more: { resources?: ResourceTemplate[]; prompts?: Prompt[] } = {},
): Inventory {
  const { visible, hidden } = split(tools, (t) => hideReason(t, config));
  const resources = split(more.resources ?? [], (r) => hideReason(r, config, 'resource template'));
  // a prompt is a workflow over tools: it is served only when every tool it names is
  const prompts = split(more.prompts ?? [], (p) => {
    const blocked = p.uses.find((u) => hidden.has(u));
    if (blocked) return `The prompt "${p.name}" uses ${blocked}, which this server does not serve: ${hidden.get(blocked)}`;
    return hideReason(p, config, 'prompt');
  });
  return { all: tools, visible, byName: new Map(tools.map((t) => [t.name, t])), hidden, resources, prompts };
}
