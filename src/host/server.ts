import { INVALID_PARAMS, INVALID_REQUEST, Server, type CacheHint, type InputRequiredResult, type ServerContext } from '@modelcontextprotocol/server';
import type { CallToolResult, GetPromptResult, Resource, Tool as McpTool } from '@modelcontextprotocol/server';
import { clientCapabilities, confirmation, createStateCodec, principal, randomStateKey } from './round-trip.js';
import { getPath } from './shape.js';
import { type Completion, Completer, EMPTY_COMPLETION, completionKind } from './completion.js';
import { commonParamsText } from './common-params.js';
import { toMcpTool } from './listing.js';
import { DynamicToolsets, HANDLE_META_KEY, type Listed, type ToolsetSession, isDiscoveryTool } from './toolsets.js';

export { toMcpTool };
import { suggest } from './suggest.js';
import type { HostConfig } from './config.js';
import { type CallResult, Executor, type ExecutorDeps } from './executor.js';
import { type Inventory, buildInventory } from './inventory.js';
import type { Logger } from './log.js';
import { profileNamed } from './clusters.js';
import type { Plugin } from './plugin.js';
import { type AuditLog, argsDigest } from './audit.js';
import { ConcurrencyLimiter } from './concurrency.js';
import type { RateLimiter } from './rate-limit.js';
import type { Prompt, ResourceTemplate, Tool } from './types.js';
import { type CallEnd, type Observer, Observers } from './observe.js';
import type { TokenSource, UpstreamRegistry } from './upstream.js';

export const SERVER_NAME = 'nomad-mcp';

export interface HostOptions {
  config: HostConfig;
  upstreams: UpstreamRegistry;
  plugins: Map<string, Plugin>;
  log: Logger;
  tools: Tool[];
  resources?: ResourceTemplate[];
  prompts?: Prompt[];
  version?: string;
  audit?: AuditLog;
  rateLimiter?: RateLimiter;
  /**
   * Signs round-trip state (multi round-trip confirmation on 2026-07-28); replicas share it so a retry can
   * land on any of them. Without it, a random key for this process.
   */
  stateKey?: Uint8Array;
}

/** What changed in the served catalog, for transports that announce it themselves (2026-07-28 subscriptions). */
export type ListChange = 'tools' | 'resources' | 'prompts';

/**
 * Cache hints for list results on 2026-07-28. tools/list, prompts/list and resources/templates/list are the
 * same for every caller (filters are the operator's, not the caller's) and change only on a hot reload,
 * which is announced (list_changed), so a client may keep them a while and shared caches may hold them.
 * resources/list enumerates live Nomad objects with the caller's token: private, and kept briefly.
 */
export const CACHE_HINTS: Record<'server/discover' | 'tools/list' | 'prompts/list' | 'resources/templates/list' | 'resources/list', CacheHint> = {
  'server/discover': { ttlMs: 300_000, cacheScope: 'public' },
  'tools/list': { ttlMs: 300_000, cacheScope: 'public' },
  'prompts/list': { ttlMs: 300_000, cacheScope: 'public' },
  'resources/templates/list': { ttlMs: 300_000, cacheScope: 'public' },
  'resources/list': { ttlMs: 10_000, cacheScope: 'private' },
};

/** With dynamic toolsets, tools/list depends on the caller's enabled toolsets: private, and not kept. */
const DYNAMIC_CACHE_HINTS: typeof CACHE_HINTS = { ...CACHE_HINTS, 'tools/list': { ttlMs: 0, cacheScope: 'private' } };

/** Who is calling, for audit lines and rate limits. Never holds a secret. */
export interface Caller {
  transport: string;
  session?: string;
  /** Token fingerprint or address: the identity the audit log records. */
  client?: string;
  /** What rate limits count against (the identity, or `unverified:<address>`); defaults to `client`. */
  limitKey?: string;
  /** OAuth: the accessor ID of the caller's Nomad token. */
  nomadAccessor?: string;
}

export interface HostCallOptions {
  signal?: AbortSignal;
  progress?: (progress: number, total?: number, message?: string) => Promise<void>;
  /** Per-user Nomad token (passthrough auth), or a source of exchanged ones (OAuth). */
  token?: string | TokenSource;
  /** OAuth: the caller's exchanged token at another cluster (profiles with `sso: true`). */
  clusterToken?: (cluster: string) => TokenSource | undefined;
  caller?: Caller;
  /**
   * Asked before a destructive tool runs (MCP elicitation); false = the user declined, an object = the
   * input-required answer to send back (2026-07-28 multi round-trip: the client asks and retries).
   */
  confirm?: (tool: Tool, args: Record<string, unknown>) => Promise<boolean | InputRequiredResult>;
}

/** MCP's code for a resource that does not exist. */
const RESOURCE_NOT_FOUND = -32002;

/**
 * A JSON-RPC error for the SDK to send. (McpError prefixes its message with "MCP error N:", and the
 * client adds the same prefix again when it re-creates the error, so the text would read it twice.)
 */
function protocolError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** A progress reporter for a call that asked for progress (`progressToken`), sending through `notify`. */
export function progressNotifier(
  token: string | number | undefined,
  notify: (n: { method: 'notifications/progress'; params: { progressToken: string | number; progress: number; total?: number; message?: string } }) => Promise<void>,
): HostCallOptions['progress'] {
  if (token === undefined) return undefined;
  let lastProgress = 0;
  return async (p: number, total?: number, message?: string) => {
    lastProgress = Math.max(p, lastProgress + 1e-9); // MCP requires increasing progress
    await notify({
      method: 'notifications/progress',
      params: { progressToken: token, progress: lastProgress, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) },
    });
  };
}

/** A finished call as tools/call answers it; an unknown tool is a JSON-RPC error (InvalidParams), thrown. */
export function callToolResult(name: string, r: CallResult): CallToolResult {
  if (r.refused === 'unknown') throw protocolError(INVALID_PARAMS, `Unknown tool: ${name}.${r.text.includes('Did you mean') ? r.text.slice(r.text.indexOf(' Did you mean')) : ''}`);
  const result: CallToolResult = { content: [{ type: 'text', text: r.text }] };
  if (r.structured && !r.isError) result.structuredContent = r.structured;
  if (r.isError) result.isError = true;
  return result;
}

/** The argument (from `destructiveWhen`) that makes this call irreversible, if any. */
function escalation(tool: Tool, args: unknown): string | undefined {
  const a = (args ?? {}) as Record<string, unknown>;
  return tool.descriptor.destructiveWhen?.find((k) => a[k] === true);
}

/** The argument (from `confirmWhen`) that makes this call change the cluster, if given (anything but false/null): the user is asked first. */
function confirmable(tool: Tool, args: unknown): string | undefined {
  const a = (args ?? {}) as Record<string, unknown>;
  return tool.descriptor.confirmWhen?.find((k) => a[k] !== undefined && a[k] !== null && a[k] !== false);
}

const TARGET_KEYS = ['job_id', 'node_id', 'alloc_id', 'task', 'command', 'deployment_id', 'path', 'name', 'namespace'];

/** The question a confirmation asks: what runs on what, and for a `confirmWhen` call the changes it makes. */
function question(tool: Tool, args: Record<string, unknown>): string {
  if (tool.tier === 'destructive' || escalation(tool, args)) return `Run ${tool.name} (${target(args)})? ${tool.description} This cannot be undone.`;
  const details = Object.entries(args)
    .filter(([k, v]) => !TARGET_KEYS.includes(k) && v !== null && typeof v === 'object')
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  const shown = details.length > 500 ? `${details.slice(0, 500)}…` : details;
  return `Run ${tool.name} (${target(args)})${shown ? ` with ${shown}` : ''}? ${tool.description}`;
}

/** The arguments that name what a call acts on, for a confirmation question. */
function target(args: Record<string, unknown>): string {
  // an argv is shown as JSON, so the user sees exactly which words would run
  const shown = (v: unknown) => (Array.isArray(v) ? JSON.stringify(v).slice(0, 300) : String(v));
  const parts = TARGET_KEYS.filter((k) => args[k] !== undefined).map((k) => `${k}=${shown(args[k])}`);
  return parts.length ? parts.join(', ') : JSON.stringify(args).slice(0, 200);
}

/** Auth details a transport attaches to a request (`req.auth`), read back by the call handler. */
export interface AuthExtra {
  nomadToken?: string | TokenSource;
  /** OAuth: the user's token at another cluster, exchanged there on first use (cached per user and cluster). */
  nomadTokenFor?: (cluster: string) => TokenSource | undefined;
  /** OAuth: the accessor ID of the user's exchanged Nomad token (never its secret), for the audit. */
  nomadAccessor?: string;
  /** The identity (see identity.ts): token fingerprint or address. */
  client?: string;
  /** What rate limits and caps count against. */
  limitKey?: string;
  verified?: boolean;
}

/** The caller of one MCP request, from what the transport attached. */
function callerOf(transport: string, ctx: ServerContext): Caller {
  const auth = authOf(ctx);
  return { transport, session: ctx.sessionId, client: auth?.client, limitKey: auth?.limitKey, nomadAccessor: auth?.nomadAccessor };
}

function authOf(ctx: ServerContext): AuthExtra | undefined {
  return ctx.http?.authInfo?.extra as AuthExtra | undefined;
}

const INSTRUCTIONS =
  'Tools for a HashiCorp Nomad cluster. Start with list_jobs or get_job_status; read logs with get_job_logs; ' +
  'explain a pending job with explain_placement_failure; find_problems surveys the cluster. ' +
  'List answers put one item per line: a table with zero counters left out and times as ISO plus age; structuredContent has every field. ' +
  commonParamsText();

const DYNAMIC_INSTRUCTIONS =
  ' Only the core tools are listed at first: list_toolsets shows the toolsets, enable_toolset adds one to the list; ' +
  'any tool the server serves can be called without enabling its toolset.';

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
  /** The served tools with their tools/list definitions (dynamic toolsets list a part of them). */
  private listed: Listed[] = [];
  /** `--toolsets dynamic`: the discovery tools and each caller's enabled toolsets. */
  private readonly dynamic?: DynamicToolsets;
  private readonly toolsetListeners = new Set<(principal: string) => void>();
  private readonly servers = new Set<Server>();
  private readonly changeListeners = new Set<(what: ListChange) => void>();
  private readonly stateCodec: ReturnType<typeof createStateCodec>;
  private resources: ResourceTemplate[] = [];
  private prompts: Prompt[] = [];
  private readonly upstreams: UpstreamRegistry;
  private readonly version: string;
  /** Also written by transports (a refused session access). */
  readonly audit?: AuditLog;
  private readonly rateLimiter?: RateLimiter;
  /** Calls under way per client: beyond the cap a call is refused at once, so no client queues the others. */
  private readonly calls: ConcurrencyLimiter;
  /** Metrics and traces (see observe.ts); empty unless the server was started with them. */
  readonly observers = new Observers();
  private readonly completer = new Completer();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(opts: HostOptions) {
    this.config = opts.config;
    this.log = opts.log;
    this.version = opts.version ?? '0.0.0';
    this.audit = opts.audit;
    this.rateLimiter = opts.rateLimiter;
    this.calls = new ConcurrencyLimiter(opts.config.maxCallsPerClient);
    const deps: ExecutorDeps = { config: opts.config, upstreams: opts.upstreams, plugins: opts.plugins, log: opts.log };
    this.executor = new Executor(deps);
    this.upstreams = opts.upstreams;
    const stateKey = opts.stateKey ?? randomStateKey();
    this.stateCodec = createStateCodec(stateKey);
    if (opts.config.dynamicToolsets) this.dynamic = new DynamicToolsets({ initial: opts.config.initialToolsets ?? [], key: stateKey });
    this.setCatalog({ tools: opts.tools, resources: opts.resources ?? [], prompts: opts.prompts ?? [] });
  }

  /** Swap tools, resources and prompts at once (hot reload); clients are told what changed. */
  setCatalog(c: { tools: Tool[]; resources: ResourceTemplate[]; prompts: Prompt[] }): void {
    const served = () => ({
      resources: this.inventory?.resources.visible.map((r) => r.uriTemplate).join() ?? '',
      prompts: this.inventory?.prompts.visible.map((p) => p.name).join() ?? '',
    });
    const before = served();
    this.resources = c.resources;
    this.prompts = c.prompts;
    this.setTools(c.tools);
    const after = served();
    const resourcesChanged = before.resources !== after.resources;
    const promptsChanged = before.prompts !== after.prompts;
    for (const s of this.servers) {
      if (resourcesChanged) s.sendResourceListChanged().catch(() => {});
      if (promptsChanged) s.sendPromptListChanged().catch(() => {});
    }
    if (resourcesChanged) this.announce('resources');
    if (promptsChanged) this.announce('prompts');
  }

  /**
   * Be told when a per-request caller (2026-07-28 over HTTP) enabled a toolset: the transport announces
   * tools/list_changed on that identity's subscriptions/listen streams.
   */
  onToolsetsEnabled(fn: (principal: string) => void): () => void {
    this.toolsetListeners.add(fn);
    return () => this.toolsetListeners.delete(fn);
  }

  /** Be told when a served list changes (a transport announcing it on 2026-07-28 subscriptions). */
  onListChanged(fn: (what: ListChange) => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  private announce(what: ListChange): void {
    for (const fn of this.changeListeners) {
      try {
        fn(what);
      } catch (err) {
        this.log.warn(`list_changed: ${(err as Error).message}`);
      }
    }
  }

  /** Swap the catalog atomically; connected clients get `notifications/tools/list_changed`. */
  setTools(tools: Tool[]): void {
    const before = this.listing ? JSON.stringify(this.listing) : undefined;
    this.inventory = buildInventory(tools, this.config, { resources: this.resources, prompts: this.prompts });
    const clusters = this.config.clusters;
    // the cluster argument exists only with several clusters: one cluster's tools/list is unchanged (its default is said once, in the instructions)
    const cluster = this.executor.multiCluster
      ? { type: 'string', enum: clusters.map((c) => c.name) }
      : undefined;
    this.listing = { tools: this.inventory.visible.map((t) => toMcpTool(t, cluster)) };
    this.listed = this.inventory.visible.map((tool, i) => ({ tool, def: this.listing.tools[i]! }));
    for (const t of this.dynamic ? this.inventory.visible : []) {
      if (isDiscoveryTool(t.name)) this.log.warn(`${t.source.file}:${t.source.line}: ${t.name}: shadowed by the discovery tool of that name (--toolsets dynamic); rename it`);
    }
    if (before === undefined || before === JSON.stringify(this.listing)) return;
    for (const s of this.servers) s.sendToolListChanged().catch(() => {});
    this.announce('tools');
  }

  get tools(): Inventory {
    return this.inventory;
  }

  listTools(): { tools: McpTool[] } {
    return this.listing;
  }

  /**
   * Compile lazily-loaded validators and templates in idle time, a few per tick, so the first calls do not
   * pay for it. It starts after a short delay: a client's first requests (initialize, tools/list) come first.
   */
  warm(delayMs = 300): void {
    const pending = [...this.inventory.all];
    const step = () => {
      for (let i = 0; i < 4 && pending.length; i++) {
        const tool = pending.shift()!;
        try {
          (tool.validate as { warm?: () => void }).warm?.();
          for (const r of Object.values(tool.render ?? {})) (r as { warm?: () => void }).warm?.();
          (tool.responseTemplate as { warm?: () => void } | undefined)?.warm?.();
          (tool.errorIf as { warm?: () => void } | undefined)?.warm?.();
        } catch (err) {
          this.log.error(`${tool.source.file}:${tool.source.line}:${tool.source.col}: ${tool.name}: cannot compile its input schema or templates: ${(err as Error).message}`);
        }
      }
      if (pending.length) setImmediate(step);
    };
    setTimeout(step, delayMs).unref();
  }

  /** Report calls and upstream requests to this observer (metrics, traces) from now on. */
  observe(o: Observer): void {
    this.observers.add(o);
    this.upstreams.observe(this.observers);
  }

  /** What observers see of a call's name: a served tool's, a resource template's, or "(unknown)", never caller text. */
  private observedName(name: string): string {
    return name.startsWith('resource:') || this.inventory.byName.has(name) ? name : '(unknown)';
  }

  /** Long upstream requests (log follows, event streams, blocking waits) open now. */
  get openStreams(): number {
    return this.upstreams.openStreams;
  }

  /** The request paths the catalog's descriptors declare (templates), for endpoint labels. */
  requestPaths(): string[] {
    const out: string[] = [];
    for (const t of this.inventory.all) {
      const d = t.descriptor;
      if (d.request?.path) out.push(d.request.path);
      for (const r of Object.values(d.requests ?? {})) if (r?.path) out.push(r.path);
    }
    return out;
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

  /**
   * The tool a tools/call of `name` runs when the call is answered from its name and arguments alone: a served
   * tool that never asks the user first and is not a discovery tool. Only these take the stdio fast path
   * (transports/stdio-fast.ts); every other call goes through the SDK's handler.
   */
  plainTool(name: string): Tool | undefined {
    if (this.dynamic && isDiscoveryTool(name)) return undefined;
    const tool = this.inventory.byName.get(name);
    if (!tool || this.inventory.hidden.has(name)) return undefined;
    const asks = tool.tier === 'destructive' || tool.descriptor.destructiveWhen?.length || tool.descriptor.confirmWhen?.length;
    return asks ? undefined : tool;
  }

  /** Look a tool up and run it; hidden, unknown and rate-limited calls are answered here too. */
  async call(name: string, args: unknown, opts: HostCallOptions = {}): Promise<CallResult & { retryAfter?: number; inputRequired?: InputRequiredResult }> {
    const inv = this.inventory; // calls finish on the catalog they started with
    const tool = inv.byName.get(name);
    return this.guarded(name, args, opts, this.clusterOf(tool, args), async () => {
      if (!tool) {
        const near = suggest(name, inv.visible.map((t) => t.name));
        return { text: `Unknown tool "${name}".${near ? ` Did you mean ${near}?` : ''}`, isError: true, category: 'caller', refused: 'unknown' };
      }
      if (inv.hidden.has(name)) return { text: inv.hidden.get(name)!, isError: true, category: 'caller', refused: 'hidden' };
      const arg = escalation(tool, args);
      if (arg && !this.config.allowDestructive) {
        return { text: `${name} with ${arg}=true is irreversible; start the server with --allow-destructive to allow it.`, isError: true, category: 'caller', refused: 'destructive' };
      }
      if ((tool.tier === 'destructive' || arg || confirmable(tool, args)) && opts.confirm) {
        const answer = await opts.confirm(tool, (args ?? {}) as Record<string, unknown>);
        if (answer === false) return { text: `${name} was not run: the user did not confirm it.`, isError: true, category: 'caller', refused: 'declined' };
        if (answer !== true) return { text: `${name} waits for the user's confirmation.`, isError: false, inputRequired: answer };
      }
      return this.executor.call(tool, args, opts);
    });
  }

  /**
   * What every tool call and resource read goes through: the rate limit, in-flight tracking (graceful
   * shutdown waits for these) and one audit line.
   */
  private async guarded(
    name: string,
    args: unknown,
    opts: HostCallOptions,
    cluster: string | undefined,
    run: () => Promise<CallResult & { inputRequired?: InputRequiredResult }>,
  ): Promise<CallResult & { retryAfter?: number; inputRequired?: InputRequiredResult }> {
    const started = performance.now();
    const exec = async (): Promise<{ r: CallResult & { retryAfter?: number; inputRequired?: InputRequiredResult }; end: CallEnd }> => {
      let r: CallResult & { retryAfter?: number; inputRequired?: InputRequiredResult };
      // limits key on the verified identity (unverified callers share their address's key)
      const key = opts.caller?.limitKey ?? opts.caller?.client;
      const wait = this.rateLimiter?.take(key ?? 'anonymous') ?? 0;
      const slot = wait > 0 ? undefined : this.calls.tryAcquire(key);
      if (wait > 0) {
        r = { text: `Rate limit exceeded for this client; retry in ${wait} s.`, isError: true, category: 'caller', retryAfter: wait, refused: 'rate-limited' };
      } else if (!slot || !('release' in slot)) {
        r = { text: `Too many concurrent calls for this client (${this.calls.perKey}); wait for one to finish.`, isError: true, category: 'caller', retryAfter: 1, refused: 'busy' };
      } else {
        this.inFlight++;
        try {
          r = await run();
        } finally {
          slot.release();
          if (--this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
        }
      }
      const outcome = r.inputRequired ? 'input-required' : r.refused ? 'denied' : r.isError ? 'error' : 'ok';
      const ms = Math.round((performance.now() - started) * 100) / 100;
      return { r, end: { outcome, refused: r.refused, category: r.isError ? r.category : undefined, ms } };
    };
    const { r, end } = this.observers.size ? await this.observers.around({ name: this.observedName(name), transport: opts.caller?.transport ?? 'internal' }, exec) : await exec();
    this.audit?.write({
      time: new Date().toISOString(),
      transport: opts.caller?.transport ?? 'internal',
      session: opts.caller?.session,
      client: opts.caller?.client,
      nomadAccessor: opts.caller?.nomadAccessor,
      cluster,
      tool: name,
      args: argsDigest(args),
      outcome: end.outcome,
      category: end.category,
      ms: end.ms,
    });
    return r;
  }

  /** The cluster a call of a Nomad tool runs on, for the audit (several clusters only; an unknown name as `?`). */
  private clusterOf(tool: Tool | undefined, args: unknown): string | undefined {
    if (!this.executor.multiCluster || tool?.upstream !== 'nomad') return undefined;
    const named = args && typeof args === 'object' ? (args as Record<string, unknown>).cluster : undefined;
    return profileNamed(this.config.clusters, named)?.name ?? '?';
  }

  /** Concrete resources from every served template that can enumerate them, on every cluster (errors skip that template there). */
  async listResources(signal?: AbortSignal, token?: string | TokenSource, clusterToken?: HostCallOptions['clusterToken']): Promise<Resource[]> {
    const out: Resource[] = [];
    const multi = this.executor.multiCluster;
    const jobs = this.inventory.resources.visible.flatMap((r): { r: ResourceTemplate; cluster: string | undefined }[] =>
      !r.list
        ? []
        : r.tool.upstream === 'nomad' && multi
          ? // a cluster whose tags leave the resource out is not listed for it
            this.config.clusters.filter((c) => !c.tags.length || r.tags.some((t) => c.tags.includes(t))).map((c) => ({ r, cluster: c.name }))
          : [{ r, cluster: undefined }],
    );
    await Promise.all(
      jobs.map(async ({ r, cluster }) => {
        const list = r.list!;
        try {
          const req = list.render({});
          const { upstream, guard } = await this.executor.listingView(r.tool.upstream, cluster, { token, clusterToken, signal });
          const res = await upstream.request(req.method, req.path, { query: req.query, headers: req.headers, body: req.body, signal });
          const found = list.root ? getPath(res.data, list.root) : res.data;
          // --namespaces: elements of other namespaces are left out, as for a tool's answer
          const items = Array.isArray(found) ? (guard?.filter(found) ?? found) : [];
          for (const el of items.slice(0, list.limit)) {
            const ctx = el as Record<string, unknown>;
            const uri = list.uri(ctx);
            out.push({ uri: cluster ? withCluster(uri, cluster) : uri, name: list.name(ctx), ...(list.description ? { description: list.description(ctx) } : {}), mimeType: r.mimeType });
          }
        } catch (err) {
          this.log.warn(`resources/list: ${r.name}${cluster ? ` (cluster ${cluster})` : ''}: ${(err as Error).message}`);
        }
      }),
    );
    return out;
  }

  /** The resource templates as resources/templates/list sends them: with several clusters, Nomad's name the cluster. */
  private templateUri(r: ResourceTemplate): string {
    return this.executor.multiCluster && r.tool.upstream === 'nomad' ? withCluster(r.uriTemplate, '{cluster}') : r.uriTemplate;
  }

  /** Read a resource by URI through the template that matches it (a served one before a hidden one). */
  async readResource(uri: string, opts: HostCallOptions = {}): Promise<{ uri: string; mimeType: string; text: string }> {
    const { all, hidden } = this.inventory.resources;
    // several clusters: a Nomad resource's URI names its cluster (nomad://<cluster>/job/…), any other's does not
    const multi = this.executor.multiCluster;
    const split = multi ? splitCluster(uri, this.config.clusters.map((c) => c.name)) : undefined;
    const bare = split?.rest ?? uri;
    const match = (r: ResourceTemplate) => (!multi || (r.tool.upstream === 'nomad') === (split !== undefined) ? r.match(bare) : null);
    const r = all.find((x) => !hidden.has(x.name) && match(x)) ?? all.find((x) => hidden.has(x.name) && match(x));
    if (r) {
      const args = { ...r.defaults, ...match(r), ...(split ? { cluster: split.cluster } : {}) };
      const why = hidden.get(r.name);
      const run = async (): Promise<CallResult> => (why ? { text: why, isError: true, category: 'caller', refused: 'hidden' } : this.executor.call(r.tool, args, opts));
      const res = await this.guarded(`resource:${r.name}`, args, opts, split?.cluster, run);
      if (res.refused === 'rate-limited' || res.refused === 'busy') throw protocolError(INVALID_REQUEST, res.text);
      if (res.isError) throw protocolError(RESOURCE_NOT_FOUND, `${uri}: ${res.text}`);
      return { uri, mimeType: r.mimeType, text: res.text };
    }
    const hint = multi ? `; with several clusters a Nomad resource names its cluster: nomad://<cluster>/… with one of ${this.config.clusters.map((c) => c.name).join(', ')}` : '';
    throw protocolError(RESOURCE_NOT_FOUND, `Resource not found: ${uri} matches no resource template (see resources/templates/list${hint}).`);
  }

  /**
   * Values for a served prompt's argument or a served resource template's variable (completion.ts).
   * An unknown prompt or template is an InvalidParams error; an argument that names nothing Nomad lists,
   * or a Nomad that refuses or fails, completes to nothing.
   */
  async complete(
    ref: { type: string; name?: string; uri?: string },
    argument: string,
    value: string,
    context: Record<string, string>,
    who: { identity: string; token?: string | TokenSource; clusterToken?: HostCallOptions['clusterToken']; signal?: AbortSignal },
  ): Promise<Completion> {
    let names: string[];
    if (ref.type === 'ref/prompt') {
      const p = this.inventory.prompts.visible.find((x) => x.name === ref.name);
      if (!p) throw protocolError(INVALID_PARAMS, `Unknown prompt: ${ref.name}`);
      names = p.arguments.map((a) => a.name);
    } else if (ref.type === 'ref/resource') {
      const r = this.inventory.resources.visible.find((x) => this.templateUri(x) === ref.uri);
      if (!r) throw protocolError(INVALID_PARAMS, `Unknown resource template: ${ref.uri} (see resources/templates/list)`);
      names = [...r.uriTemplate.matchAll(/\{([a-z_][a-z0-9_]*)\}/gi)].map((m) => m[1]!);
    } else throw protocolError(INVALID_PARAMS, `Invalid completion reference type: ${ref.type}`);
    const kind = names.includes(argument) ? completionKind(argument) : undefined;
    if (!kind) return EMPTY_COMPLETION;
    const cluster = this.executor.multiCluster ? profileNamed(this.config.clusters, context.cluster) : this.config.clusters[0];
    if (!cluster) return EMPTY_COMPLETION;
    try {
      return await this.completer.complete({
        kind,
        prefix: value,
        context,
        allowedNamespaces: cluster.allowedNamespaces,
        identity: `${who.identity}\u0000${cluster.name}`,
        view: () => this.executor.listingView('nomad', this.executor.multiCluster ? cluster.name : undefined, { token: who.token, clusterToken: who.clusterToken, signal: who.signal }),
        signal: who.signal,
      });
    } catch (err) {
      this.log.debug(`completion/complete ${kind}: ${(err as Error).message}`);
      return EMPTY_COMPLETION;
    }
  }

  /** Render a prompt; missing required arguments are an InvalidParams error naming them. */
  getPrompt(name: string, args: Record<string, string> = {}): GetPromptResult {
    const { all, hidden } = this.inventory.prompts;
    const p = all.find((x) => x.name === name);
    if (!p) throw protocolError(INVALID_PARAMS, `Unknown prompt: ${name}`);
    if (hidden.has(name)) throw protocolError(INVALID_PARAMS, hidden.get(name)!);
    const allowed = this.config.allowedNamespaces;
    if (allowed.length && args.namespace && !allowed.includes(args.namespace)) {
      throw protocolError(INVALID_PARAMS, `Namespace "${args.namespace}" is not allowed on this server (allowed: ${allowed.join(', ')}).`);
    }
    const missing = p.arguments.filter((a) => a.required && !args[a.name]).map((a) => a.name);
    if (missing.length) throw protocolError(INVALID_PARAMS, `Prompt ${name} needs: ${missing.join(', ')}`);
    const ctx: Record<string, unknown> = {};
    for (const a of p.arguments) ctx[a.name] = args[a.name];
    return { description: p.description, messages: [{ role: 'user', content: { type: 'text', text: p.render(ctx) } }] };
  }

  /**
   * Answer a discovery tool (dynamic toolsets), rate-limited and audited like a call. When enable_toolset
   * grew the caller's list, tools/list_changed goes out before the answer: on a connection, related to the
   * call (the same stream, so it arrives first); 2026-07-28 over HTTP, on the identity's listen streams.
   */
  private async discover(
    name: string,
    args: unknown,
    ctx: ServerContext,
    c: { transport: string; session?: ToolsetSession; meta?: Record<string, unknown> },
  ): Promise<CallToolResult> {
    const dynamic = this.dynamic!;
    const inv = this.inventory;
    let changed = false;
    const r = await this.guarded(name, args, { caller: callerOf(c.transport, ctx) }, undefined, async () => {
      const out = await dynamic.call(name, args, { inv, listed: this.listed, session: c.session, ctx, metaHandle: c.meta?.[HANDLE_META_KEY] });
      changed = out.changed;
      return out.result;
    });
    if (changed) {
      if (c.transport === 'http') {
        const who = principal(ctx);
        for (const fn of this.toolsetListeners) fn(who);
      } else {
        await ctx.mcpReq.notify({ method: 'notifications/tools/list_changed' }).catch((err) => this.log.debug(`list_changed: ${(err as Error).message}`));
      }
    }
    const result: CallToolResult = { content: [{ type: 'text', text: r.text }] };
    if (r.structured && !r.isError) result.structuredContent = r.structured;
    if (r.isError) result.isError = true;
    return result;
  }

  /**
   * A new SDK Server for one client connection (stdio, one 2025 session, a legacy SSE stream) or one
   * request (2026-07-28 and `--stateless`: `track: false`, as the request's end closes it). The same
   * factory serves every protocol revision.
   */
  createServer(transport = 'stdio', opts: { track?: boolean } = {}): Server {
    const server = new Server(
      { name: SERVER_NAME, version: this.version },
      {
        capabilities: { tools: { listChanged: true }, resources: { listChanged: true }, prompts: { listChanged: true }, completions: {} },
        instructions:
          (this.executor.multiCluster
            ? `${INSTRUCTIONS} Nomad tools take cluster (${this.config.clusters.map((c) => c.name).join(', ')}); omitted, ${this.config.clusters[0]!.name}.`
            : INSTRUCTIONS) + (this.dynamic ? DYNAMIC_INSTRUCTIONS : ''),
        cacheHints: this.dynamic ? DYNAMIC_CACHE_HINTS : CACHE_HINTS,
        // a forged, altered, expired or other-identity state is refused (-32602) before the handler runs
        requestState: { verify: (state, ctx) => this.stateCodec.verify(state, ctx) },
      },
    );
    // dynamic toolsets: a stateful connection keeps its own enabled set; per-request serving reads the handle
    const session: ToolsetSession | undefined = this.dynamic && opts.track !== false ? this.dynamic.session() : undefined;
    server.setRequestHandler('tools/list', async (req, ctx) => {
      if (!this.dynamic) return this.listing;
      const { set } = await this.dynamic.enabled(session, ctx, req.params?._meta?.[HANDLE_META_KEY]);
      return { tools: this.dynamic.listing(this.inventory, this.listed, set) };
    });
    server.setRequestHandler('resources/templates/list', async () => ({
      resourceTemplates: this.inventory.resources.visible.map((r) => ({ uriTemplate: this.templateUri(r), name: r.name, ...(r.title ? { title: r.title } : {}), description: r.description, mimeType: r.mimeType })),
    }));
    server.setRequestHandler('resources/list', async (_req, ctx) => {
      // listing reaches Nomad, so it is rate-limited and audited like a call
      let resources: Resource[] = [];
      const r = await this.guarded('resources/list', {}, { caller: callerOf(transport, ctx) }, undefined, async () => {
        resources = await this.listResources(ctx.mcpReq.signal, authOf(ctx)?.nomadToken, authOf(ctx)?.nomadTokenFor);
        return { text: '', isError: false };
      });
      if (r.refused === 'rate-limited') throw protocolError(INVALID_REQUEST, r.text);
      return { resources };
    });
    server.setRequestHandler('resources/read', async (req, ctx) => {
      const auth = authOf(ctx);
      return { contents: [await this.readResource(req.params.uri, { signal: ctx.mcpReq.signal, token: auth?.nomadToken, clusterToken: auth?.nomadTokenFor, caller: callerOf(transport, ctx) })] };
    });
    server.setRequestHandler('prompts/list', async () => ({
      prompts: this.inventory.prompts.visible.map((p) => ({ name: p.name, ...(p.title ? { title: p.title } : {}), description: p.description, arguments: p.arguments })),
    }));
    server.setRequestHandler('prompts/get', async (req) => this.getPrompt(req.params.name, req.params.arguments));
    server.setRequestHandler('completion/complete', async (req, ctx) => {
      const auth = authOf(ctx);
      const context = req.params.context?.arguments ?? {};
      const completion = await this.complete(req.params.ref, req.params.argument.name, req.params.argument.value, context, {
        identity: auth?.limitKey ?? auth?.client ?? transport,
        token: auth?.nomadToken,
        clusterToken: auth?.nomadTokenFor,
        signal: ctx.mcpReq.signal,
      });
      return { completion: { ...completion } };
    });
    server.setRequestHandler('tools/call', async (req, ctx) => {
      if (this.dynamic && isDiscoveryTool(req.params.name)) return this.discover(req.params.name, req.params.arguments, ctx, { transport, session, meta: req.params._meta });
      const progress = progressNotifier(ctx.mcpReq._meta?.progressToken, (n) => ctx.mcpReq.notify(n));
      // With a client that supports elicitation, a destructive call asks the user first: on 2026-07-28 the
      // answer is "input required" and the client retries; on a 2025 session the SDK asks with elicitation/create.
      const confirm = clientCapabilities(ctx, server.getClientCapabilities())?.elicitation
        ? (tool: Tool, args: Record<string, unknown>) =>
            confirmation(this.stateCodec, ctx, tool, args, question(tool, args))
        : undefined;
      const r = await this.call(req.params.name, req.params.arguments, {
        signal: ctx.mcpReq.signal,
        progress,
        token: authOf(ctx)?.nomadToken,
        clusterToken: authOf(ctx)?.nomadTokenFor,
        caller: callerOf(transport, ctx),
        confirm,
      });
      if (r.inputRequired) return r.inputRequired;
      return callToolResult(req.params.name, r);
    });
    if (opts.track !== false) {
      this.servers.add(server);
      server.onclose = () => this.servers.delete(server);
    }
    return server;
  }
}

/** `scheme://rest` with the cluster as the URI's first segment: `nomad://prod/job/…`. */
export function withCluster(uri: string, cluster: string): string {
  const i = uri.indexOf('://');
  return i < 0 ? uri : `${uri.slice(0, i + 3)}${cluster}/${uri.slice(i + 3)}`;
}

/** The cluster a URI names (its first segment, when that is a cluster's name) and the URI without it. */
function splitCluster(uri: string, clusters: string[]): { cluster: string; rest: string } | undefined {
  const i = uri.indexOf('://');
  if (i < 0) return undefined;
  const start = i + 3;
  const end = uri.indexOf('/', start);
  if (end < 0) return undefined;
  const cluster = uri.slice(start, end);
  return clusters.includes(cluster) ? { cluster, rest: `${uri.slice(0, start)}${uri.slice(end + 1)}` } : undefined;
}
