import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { HostConfig } from './config.js';
import { type CallResult, Executor, type ExecutorDeps } from './executor.js';
import { type Inventory, buildInventory } from './inventory.js';
import type { Logger } from './log.js';
import type { Plugin } from './plugin.js';
import type { Tool } from './types.js';
import type { UpstreamRegistry } from './upstream.js';

export const SERVER_NAME = 'nomad-mcp';

export interface HostOptions {
  config: HostConfig;
  upstreams: UpstreamRegistry;
  plugins: Map<string, Plugin>;
  log: Logger;
  tools: Tool[];
  version?: string;
}

export interface HostCallOptions {
  signal?: AbortSignal;
  progress?: (progress: number, total?: number, message?: string) => Promise<void>;
  token?: string;
}

/** The MCP definition of a tool, as tools/list sends it. */
export function toMcpTool(t: Tool): McpTool {
  const def: McpTool = {
    name: t.name,
    description: t.description,
    inputSchema: t.inputSchema as McpTool['inputSchema'],
    annotations: t.annotations,
  };
  if (t.title) def.title = t.title;
  return def;
}

const INSTRUCTIONS =
  'Tools for a HashiCorp Nomad cluster. Start with list_jobs or get_job_status; read logs with get_job_logs; ' +
  'explain a pending job with get_job_evaluations. Omitted namespace arguments use the server default.';

/**
 * The generic MCP host: a swappable inventory, an executor, and one low-level SDK `Server`
 * per client connection (the list is dynamic, so the high-level McpServer does not fit).
 */
export class ToolHost {
  readonly config: HostConfig;
  readonly log: Logger;
  private readonly executor: Executor;
  private inventory!: Inventory;
  private listing!: { tools: McpTool[] };
  private readonly servers = new Set<Server>();
  private readonly version: string;

  constructor(opts: HostOptions) {
    this.config = opts.config;
    this.log = opts.log;
    this.version = opts.version ?? '0.0.0';
    const deps: ExecutorDeps = { config: opts.config, upstreams: opts.upstreams, plugins: opts.plugins, log: opts.log };
    this.executor = new Executor(deps);
    this.setTools(opts.tools);
  }

  /** Swap the catalog atomically; connected clients get `notifications/tools/list_changed`. */
  setTools(tools: Tool[]): void {
    this.inventory = buildInventory(tools, this.config);
    this.listing = { tools: this.inventory.visible.map(toMcpTool) };
    for (const s of this.servers) s.sendToolListChanged().catch(() => {});
  }

  get tools(): Inventory {
    return this.inventory;
  }

  listTools(): { tools: McpTool[] } {
    return this.listing;
  }

  /** Look a tool up and run it; hidden and unknown tools are answered here too. */
  async call(name: string, args: unknown, opts: HostCallOptions = {}): Promise<CallResult & { unknown?: boolean }> {
    const inv = this.inventory; // calls finish on the catalog they started with
    const tool = inv.byName.get(name);
    if (!tool) return { text: `Unknown tool "${name}".`, isError: true, category: 'caller', unknown: true };
    const hidden = inv.hidden.get(name);
    if (hidden) return { text: hidden, isError: true, category: 'caller' };
    return this.executor.call(tool, args, opts);
  }

  /** A new SDK Server for one client connection (stdio, one HTTP session). */
  createServer(): Server {
    const server = new Server(
      { name: SERVER_NAME, version: this.version },
      { capabilities: { tools: { listChanged: true } }, instructions: INSTRUCTIONS },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => this.listing);
    server.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
      const token = extra._meta?.progressToken;
      let lastProgress = 0;
      const progress =
        token === undefined
          ? undefined
          : async (p: number, total?: number, message?: string) => {
              lastProgress = Math.max(p, lastProgress + 1e-9); // MCP requires increasing progress
              await extra.sendNotification({
                method: 'notifications/progress',
                params: { progressToken: token, progress: lastProgress, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) },
              });
            };
      const passthrough = (extra.authInfo?.extra as { nomadToken?: string } | undefined)?.nomadToken;
      const r = await this.call(req.params.name, req.params.arguments, { signal: extra.signal, progress, token: passthrough });
      if (r.unknown) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${req.params.name}`);
      const result: CallToolResult = { content: [{ type: 'text', text: r.text }] };
      if (r.structured && !r.isError) result.structuredContent = r.structured;
      if (r.isError) result.isError = true;
      return result;
    });
    this.servers.add(server);
    server.onclose = () => this.servers.delete(server);
    return server;
  }
}
