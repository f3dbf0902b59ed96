import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { HostConfig } from './config.js';
import { type CallResult, Executor, type ExecutorDeps } from './executor.js';
import { type Inventory, buildInventory } from './inventory.js';
import type { Logger } from './log.js';
import type { Plugin } from './plugin.js';
import { type AuditLog, argsDigest } from './audit.js';
import type { RateLimiter } from './rate-limit.js';
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
  audit?: AuditLog;
  rateLimiter?: RateLimiter;
}

/** Who is calling, for audit lines and rate limits. Never holds a secret. */
export interface Caller {
  transport: string;
  session?: string;
  /** Token fingerprint or address. */
  client?: string;
}

export interface HostCallOptions {
  signal?: AbortSignal;
  progress?: (progress: number, total?: number, message?: string) => Promise<void>;
  /** Per-user Nomad token (passthrough auth). */
  token?: string;
  caller?: Caller;
  /** Asked before a destructive tool runs (MCP elicitation); false = the user declined. */
  confirm?: (tool: Tool, args: Record<string, unknown>) => Promise<boolean>;
}

/** The arguments that name what a call acts on, for a confirmation question. */
function target(args: Record<string, unknown>): string {
  const keys = ['job_id', 'node_id', 'alloc_id', 'deployment_id', 'path', 'name', 'namespace'];
  const parts = keys.filter((k) => args[k] !== undefined).map((k) => `${k}=${String(args[k])}`);
  return parts.length ? parts.join(', ') : JSON.stringify(args).slice(0, 200);
}

/** Auth details a transport attaches to a request (`req.auth`), read back by the call handler. */
export interface AuthExtra {
  nomadToken?: string;
  client?: string;
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
  private readonly audit?: AuditLog;
  private readonly rateLimiter?: RateLimiter;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(opts: HostOptions) {
    this.config = opts.config;
    this.log = opts.log;
    this.version = opts.version ?? '0.0.0';
    this.audit = opts.audit;
    this.rateLimiter = opts.rateLimiter;
    const deps: ExecutorDeps = { config: opts.config, upstreams: opts.upstreams, plugins: opts.plugins, log: opts.log };
    this.executor = new Executor(deps);
    this.setTools(opts.tools);
  }

  /** Swap the catalog atomically; connected clients get `notifications/tools/list_changed`. */
  setTools(tools: Tool[]): void {
    const before = this.listing ? JSON.stringify(this.listing) : undefined;
    this.inventory = buildInventory(tools, this.config);
    this.listing = { tools: this.inventory.visible.map(toMcpTool) };
    if (before === undefined || before === JSON.stringify(this.listing)) return;
    for (const s of this.servers) s.sendToolListChanged().catch(() => {});
  }

  get tools(): Inventory {
    return this.inventory;
  }

  listTools(): { tools: McpTool[] } {
    return this.listing;
  }

  /** Compile lazily-loaded validators in idle time, a few per tick, so the first calls do not pay for it. */
  warm(): void {
    const pending = [...this.inventory.all];
    const step = () => {
      for (let i = 0; i < 8 && pending.length; i++) {
        const tool = pending.shift()!;
        try {
          (tool.validate as { warm?: () => void }).warm?.();
          for (const r of Object.values(tool.render ?? {})) (r as { warm?: () => void }).warm?.();
          (tool.responseTemplate as { warm?: () => void } | undefined)?.warm?.();
        } catch (err) {
          this.log.error(`${tool.source.file}:${tool.source.line}:${tool.source.col}: ${tool.name}: cannot compile its input schema or templates: ${(err as Error).message}`);
        }
      }
      if (pending.length) setImmediate(step);
    };
    setImmediate(step);
  }

  /** Calls under way (for graceful shutdown). */
  get pending(): number {
    return this.inFlight;
  }

  /** Resolves when no call is under way, or after `ms`. */
  async idle(ms: number): Promise<void> {
    if (this.inFlight === 0) return;
    await Promise.race([new Promise<void>((r) => this.idleWaiters.push(r)), new Promise((r) => setTimeout(r, ms).unref())]);
  }

  /** Look a tool up and run it; hidden, unknown and rate-limited calls are answered here too. */
  async call(name: string, args: unknown, opts: HostCallOptions = {}): Promise<CallResult & { retryAfter?: number }> {
    const started = performance.now();
    const inv = this.inventory; // calls finish on the catalog they started with
    const tool = inv.byName.get(name);
    let r: CallResult & { retryAfter?: number };
    let outcome: 'ok' | 'error' | 'denied' = 'denied';
    const wait = this.rateLimiter?.take(opts.caller?.client ?? 'anonymous') ?? 0;
    if (wait > 0) {
      r = { text: `Rate limit exceeded for this client; retry in ${wait} s.`, isError: true, category: 'caller', retryAfter: wait, refused: 'rate-limited' };
    } else if (!tool) {
      r = { text: `Unknown tool "${name}".`, isError: true, category: 'caller', refused: 'unknown' };
    } else if (inv.hidden.has(name)) {
      r = { text: inv.hidden.get(name)!, isError: true, category: 'caller', refused: 'hidden' };
    } else if (tool.tier === 'destructive' && opts.confirm && !(await opts.confirm(tool, (args ?? {}) as Record<string, unknown>))) {
      r = { text: `${name} was not run: the user did not confirm it.`, isError: true, category: 'caller', refused: 'declined' };
    } else {
      this.inFlight++;
      try {
        r = await this.executor.call(tool, args, opts);
      } finally {
        if (--this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
      }
      outcome = r.isError ? 'error' : 'ok';
    }
    this.audit?.write({
      time: new Date().toISOString(),
      transport: opts.caller?.transport ?? 'internal',
      session: opts.caller?.session,
      client: opts.caller?.client,
      tool: name,
      args: argsDigest(args),
      outcome,
      category: r.isError ? r.category : undefined,
      ms: Math.round((performance.now() - started) * 100) / 100,
    });
    return r;
  }

  /** A new SDK Server for one client connection (stdio, one HTTP session). */
  createServer(transport = 'stdio'): Server {
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
      const auth = extra.authInfo?.extra as AuthExtra | undefined;
      // With a client that supports elicitation, a destructive call asks the user first.
      const confirm = server.getClientCapabilities()?.elicitation
        ? async (tool: Tool, args: Record<string, unknown>) => {
            try {
              const answer = await server.elicitInput(
                {
                  message: `Run ${tool.name} (${target(args)})? ${tool.description} This cannot be undone.`,
                  requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean', title: 'Yes, run it', description: `Confirm ${tool.name}` } }, required: ['confirm'] },
                },
                { signal: extra.signal },
              );
              return answer.action === 'accept' && answer.content?.confirm === true;
            } catch {
              return false;
            }
          }
        : undefined;
      const r = await this.call(req.params.name, req.params.arguments, {
        signal: extra.signal,
        progress,
        token: auth?.nomadToken,
        caller: { transport, session: extra.sessionId, client: auth?.client },
        confirm,
      });
      if (r.refused === 'unknown') throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${req.params.name}`);
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
