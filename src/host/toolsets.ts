import { createRequestStateCodec, type RequestStateCodec, type ServerContext, type Tool as McpTool } from '@modelcontextprotocol/server';
import type { CallResult } from './executor.js';
import type { Inventory } from './inventory.js';
import { principal } from './round-trip.js';
import { suggest } from './suggest.js';
import type { JsonObject, Tool } from './types.js';

/**
 * Dynamic toolsets (`--toolsets dynamic`), as github/github-mcp-server does: tools/list starts with the
 * catalog's `core` toolset and three discovery tools; the model enables the toolsets it needs (a toolset is
 * a catalog tag). Enabling changes what is *listed*, never what is *allowed*: the operator's filters
 * (read-only, destructive, --tools, --exclude-tools) decide what may run, and tools/call accepts any tool they
 * allow, enabled or not. So a model that read a tool's definition in enable_toolset's answer can call it
 * at once, wherever the call lands.
 *
 * Where the enabled set lives:
 * - stateful transports (stdio, a 2025 Streamable HTTP session, a legacy SSE stream): on the connection's
 *   server instance, so one caller never changes another's list; enabling sends tools/list_changed there.
 * - per-request serving (2026-07-28 over HTTP, and `--stateless`): nothing survives the request, and the next
 *   request may reach another replica. The enabled set travels with the client, as the 2026-07-28 spec does
 *   cross-call state: enable_toolset answers a handle (signed with the replicas' shared state key, bound to
 *   the caller's identity, expiring after HANDLE_TTL_SECONDS) together with the new tools' definitions. The
 *   model passes the handle back to enable_toolset/list_toolsets (`handle`), a client passes it in tools/list's
 *   `_meta["nomad-mcp/toolsets"]` to get the enabled list from any replica. The replica that answered
 *   enable_toolset also announces list_changed on that identity's subscriptions/listen streams.
 */

/** The tag whose tools are always listed in dynamic mode (data in the catalog: `tags: [core]` on a tool). */
export const CORE_TOOLSET = 'core';
/** The toolsets value that turns dynamic mode on. */
export const DYNAMIC = 'dynamic';
/** Where a client sends the handle back on tools/list (and may on tools/call). */
export const HANDLE_META_KEY = 'nomad-mcp/toolsets';
/** How long a toolsets handle stays valid: a working day's conversation. */
export const HANDLE_TTL_SECONDS = 12 * 3600;

const HANDLE = { type: 'string', description: "enable_toolset's last handle (stateless clients)" };
const TOOLSET = { type: 'string', description: 'A name from list_toolsets' };
const DISCOVERY_ANNOTATIONS = { readOnlyHint: true, openWorldHint: false };

/** The three discovery tools, as tools/list sends them. */
export const DISCOVERY_TOOLS: McpTool[] = [
  {
    name: 'list_toolsets',
    description: 'The toolsets this server offers: name, tools, and whether enabled. Enable one with enable_toolset.',
    inputSchema: { type: 'object', properties: { handle: HANDLE } },
    annotations: DISCOVERY_ANNOTATIONS,
  },
  {
    name: 'get_toolset_tools',
    description: "A toolset's tools, one line each, before enabling it.",
    inputSchema: { type: 'object', properties: { toolset: TOOLSET }, required: ['toolset'] },
    annotations: DISCOVERY_ANNOTATIONS,
  },
  {
    name: 'enable_toolset',
    description: "Add a toolset's tools to your tool list; they can be called at once.",
    inputSchema: { type: 'object', properties: { toolset: TOOLSET, handle: HANDLE }, required: ['toolset'] },
    annotations: DISCOVERY_ANNOTATIONS,
  },
];

const DISCOVERY_NAMES = new Set(DISCOVERY_TOOLS.map((t) => t.name));

export function isDiscoveryTool(name: string): boolean {
  return DISCOVERY_NAMES.has(name);
}

/** What a handle says. */
interface HandlePayload {
  toolsets: string[];
}

/** The enabled toolsets of one connection (stateful transports). */
export interface ToolsetSession {
  enabled: Set<string>;
}

/** A listed tool: its catalog entry and its tools/list definition. */
export interface Listed {
  tool: Tool;
  def: McpTool;
}

/** The result of a discovery call; `changed` = the caller's list grew (announce list_changed). */
export interface DiscoveryOutcome {
  result: CallResult;
  changed: boolean;
}

const MAX_LINE = 100;

/** One line about a toolset: its tools' names, as many as fit. */
function summary(tools: Tool[]): string {
  let line = '';
  for (const [i, t] of tools.entries()) {
    const next = line ? `${line}, ${t.name}` : t.name;
    if (next.length > MAX_LINE) return `${line}, … (+${tools.length - i})`;
    line = next;
  }
  return line;
}

export class DynamicToolsets {
  private readonly codec: RequestStateCodec<HandlePayload>;
  private readonly initial: string[];
  private cache = new WeakMap<Inventory, Map<string, McpTool[]>>();

  constructor(opts: { initial: string[]; key: Uint8Array }) {
    this.initial = opts.initial.filter((s) => s !== DYNAMIC && s !== CORE_TOOLSET);
    // bound to "toolsets" and the identity: a confirmation's requestState is never a handle, nor the reverse
    this.codec = createRequestStateCodec<HandlePayload>({ key: opts.key, ttlSeconds: HANDLE_TTL_SECONDS, bind: (ctx) => `toolsets\0${principal(ctx)}` });
  }

  /** A connection's own enabled set (stateful transports), starting with the operator's initial toolsets. */
  session(): ToolsetSession {
    return { enabled: new Set(this.initial) };
  }

  /** The served toolsets: every tag of a served tool, core first, then by name. */
  toolsets(inv: Inventory): Map<string, Tool[]> {
    const out = new Map<string, Tool[]>();
    for (const t of inv.visible) for (const tag of t.tags) out.set(tag, [...(out.get(tag) ?? []), t]);
    const names = [...out.keys()].sort((a, b) => (a === CORE_TOOLSET ? -1 : b === CORE_TOOLSET ? 1 : a.localeCompare(b)));
    return new Map(names.map((n) => [n, out.get(n)!]));
  }

  /**
   * The toolsets enabled for this request: the connection's (stateful), or the initial ones plus what a
   * valid handle names (per request). A handle that fails verification (forged, expired, another
   * identity's) is reported, and counts as none.
   */
  async enabled(session: ToolsetSession | undefined, ctx: ServerContext, handle: unknown): Promise<{ set: Set<string>; problem?: string }> {
    const set = new Set(session ? session.enabled : this.initial);
    if (typeof handle !== 'string' || !handle) return { set };
    try {
      const p = await this.codec.verify(handle, ctx);
      for (const s of Array.isArray(p?.toolsets) ? p.toolsets : []) if (typeof s === 'string') set.add(s);
      return { set };
    } catch (err) {
      const why = (err as Error).message === 'expired' ? 'has expired' : 'is not valid for this caller';
      return { set, problem: `The toolsets handle ${why}; enable the toolsets again (enable_toolset without handle).` };
    }
  }

  /** tools/list in dynamic mode: the discovery tools, then the core and enabled toolsets' tools (catalog order). */
  listing(inv: Inventory, listed: Listed[], enabled: Set<string>): McpTool[] {
    const key = [...enabled].sort().join(',');
    let byKey = this.cache.get(inv);
    if (!byKey) this.cache.set(inv, (byKey = new Map()));
    let tools = byKey.get(key);
    if (!tools) {
      // a catalog tool named like a discovery tool is shadowed by it (ToolHost warns at load)
      const shown = listed.filter((l) => !DISCOVERY_NAMES.has(l.tool.name) && l.tool.tags.some((t) => t === CORE_TOOLSET || enabled.has(t)));
      tools = [...DISCOVERY_TOOLS, ...shown.map((l) => l.def)];
      if (byKey.size > 256) byKey.clear(); // combinations are few; bound them anyway
      byKey.set(key, tools);
    }
    return tools;
  }

  /** Answer a discovery tool. `perRequest`: no connection state (the handle carries it). */
  async call(
    name: string,
    rawArgs: unknown,
    c: { inv: Inventory; listed: Listed[]; session?: ToolsetSession; ctx: ServerContext; metaHandle?: unknown },
  ): Promise<DiscoveryOutcome> {
    const args = (rawArgs && typeof rawArgs === 'object' ? rawArgs : {}) as Record<string, unknown>;
    const handleArg = c.session ? undefined : (args.handle ?? c.metaHandle);
    const { set, problem } = await this.enabled(c.session, c.ctx, handleArg);
    if (problem) return { result: { text: problem, isError: true, category: 'caller', refused: 'invalid-arguments' }, changed: false };
    const sets = this.toolsets(c.inv);
    const isOn = (s: string) => s === CORE_TOOLSET || set.has(s);
    if (name === 'list_toolsets') {
      const rows = [...sets].map(([s, tools]) => ({ name: s, tools: tools.length, enabled: isOn(s), line: summary(tools) }));
      const text = rows.map((r) => `${r.name} (${r.tools} tools${r.enabled ? ', enabled' : ''}): ${r.line}`).join('\n');
      return { result: { text, structured: { toolsets: rows }, isError: false }, changed: false };
    }
    const toolset = args.toolset;
    if (typeof toolset !== 'string' || !toolset) {
      return { result: { text: `${name} needs toolset: a name from list_toolsets.`, isError: true, category: 'caller', refused: 'invalid-arguments' }, changed: false };
    }
    const tools = sets.get(toolset);
    if (!tools) return { result: { text: this.unknown(toolset, c.inv, sets), isError: true, category: 'caller', refused: 'invalid-arguments' }, changed: false };
    if (name === 'get_toolset_tools') {
      const text = tools.map((t) => `${t.name}: ${t.description}`).join('\n');
      return { result: { text, structured: { toolset, enabled: isOn(toolset), tools: tools.map((t) => ({ name: t.name, description: t.description })) }, isError: false }, changed: false };
    }
    // enable_toolset
    const already = isOn(toolset);
    set.add(toolset);
    if (c.session) {
      c.session.enabled.add(toolset);
      const text = already
        ? `${toolset} is already enabled: ${tools.map((t) => t.name).join(', ')}.`
        : `Enabled ${toolset}: ${tools.length} tools added to your tool list: ${tools.map((t) => t.name).join(', ')}.`;
      return { result: { text, structured: { toolset, enabled: [...set].sort(), tools: tools.map((t) => t.name) }, isError: false }, changed: !already };
    }
    // per request: the definitions come with the answer (the model may never see another tools/list), and a handle
    const handle = await this.codec.mint({ toolsets: [...set].filter((s) => s !== CORE_TOOLSET).sort() }, c.ctx);
    const names = new Set(tools.map((t) => t.name));
    const defs = c.listed.filter((l) => names.has(l.tool.name)).map((l) => l.def);
    const text =
      `Enabled ${toolset}: ${tools.length} tools, callable now (definitions below, one per line). ` +
      `To keep them listed, pass handle to enable_toolset next time (and clients: in tools/list _meta "${HANDLE_META_KEY}"). handle: ${handle}\n` +
      defs.map((d) => JSON.stringify(d)).join('\n');
    const structured: JsonObject = { toolset, enabled: [...set].sort(), handle, tools: defs as unknown as JsonObject[] };
    return { result: { text, structured, isError: false }, changed: !already };
  }

  /** An unknown toolset: a served tag's near miss, or why a known tag has no served tool. */
  private unknown(toolset: string, inv: Inventory, sets: Map<string, Tool[]>): string {
    const hidden = inv.all.find((t) => t.tags.includes(toolset) && inv.hidden.has(t.name));
    if (hidden) return `The toolset "${toolset}" has no tool this server serves: ${inv.hidden.get(hidden.name)}`;
    const near = suggest(toolset, [...sets.keys()]);
    return `Unknown toolset "${toolset}".${near ? ` Did you mean ${near}?` : ''} list_toolsets names them: ${[...sets.keys()].join(', ')}.`;
  }
}
