import type { HostConfig } from './config.js';
import { ToolError, messageOf } from './errors.js';
import type { Logger } from './log.js';
import type { Plugin, PluginResult, ToolContext } from './plugin.js';
import { compilePick, hideSecrets, shape } from './shape.js';
import type { JsonObject, RenderedRequest, Tool } from './types.js';
import type { TokenSource, Upstream, UpstreamRegistry } from './upstream.js';
import { NamespaceGuard } from './namespace-guard.js';
import { fingerprint } from './audit.js';
import { Parts } from './partial.js';
import { type ClusterProfile, profileNamed, unknownCluster } from './clusters.js';

/** What a tool call produces, before it becomes an MCP CallToolResult or a REST answer. */
export interface CallResult {
  text: string;
  structured?: JsonObject;
  isError: boolean;
  /** `caller` or `upstream` for errors (CLI exit codes, audit). */
  category?: 'caller' | 'upstream' | 'internal';
  /** Why the call did not run (REST maps these to 400/404/429). */
  refused?: 'invalid-arguments' | 'unknown' | 'hidden' | 'rate-limited' | 'busy' | 'namespace' | 'declined' | 'destructive';
}

export interface ExecutorDeps {
  config: HostConfig;
  upstreams: UpstreamRegistry;
  plugins: Map<string, Plugin>;
  log: Logger;
}

export interface CallOptions {
  signal?: AbortSignal;
  progress?: (progress: number, total?: number, message?: string) => Promise<void>;
  /** Per-user Nomad token (passthrough auth), or a source of exchanged ones (OAuth) for the default cluster. */
  token?: string | TokenSource;
  /** OAuth: the caller's exchanged token at another cluster whose profile says `sso: true`. */
  clusterToken?: (cluster: string) => TokenSource | undefined;
  /** Who calls: the identity's limit key (else `client`) keys its stream slots (see `CallOptions.long` of the upstream). */
  caller?: { client?: string; limitKey?: string };
}

/** ajv's first error as one sentence naming the field. */
function argumentError(tool: Tool): string {
  const errors = tool.validate.errors ?? [];
  if (!errors.length) return `Invalid arguments for ${tool.name}.`;
  // every missing argument at once, then the other problems (a model fixes them in one retry)
  const missing = errors.filter((e) => e.keyword === 'required' && !e.instancePath).map((e) => `"${(e.params as { missingProperty: string }).missingProperty}"`);
  const parts: string[] = [];
  if (missing.length) parts.push(`missing required argument${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  for (const e of errors) {
    if (e.keyword === 'required' && !e.instancePath) continue;
    const field = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '';
    let what: string;
    switch (e.keyword) {
      case 'required':
        what = `missing "${(e.params as { missingProperty: string }).missingProperty}" in "${field}"`;
        break;
      case 'additionalProperties':
        what = `unknown argument "${(e.params as { additionalProperty: string }).additionalProperty}"${field ? ` in "${field}"` : ''}`;
        break;
      case 'enum':
        what = `argument "${field}" must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'pattern': {
        // a pattern is unreadable to a model: the property's description says what is accepted
        const desc = (tool.descriptor.input?.properties as Record<string, { description?: string }> | undefined)?.[field]?.description;
        what = `argument "${field}" ${e.message}${desc && !e.instancePath.slice(1).includes('/') ? ` (${desc.replace(/\.$/, '')})` : ''}`;
        break;
      }
      default:
        what = `argument "${field}" ${e.message}`;
    }
    if (!parts.includes(what)) parts.push(what);
    if (parts.length >= 4) break;
  }
  const expected = tool.params.length ? ` It takes: ${tool.params.join(', ')}.` : '';
  return `Invalid arguments for ${tool.name}: ${parts.join('; ')}.${expected}`;
}

const picks = new WeakMap<Tool, ((v: unknown) => unknown) | undefined>();
function pickOf(tool: Tool) {
  if (!picks.has(tool)) picks.set(tool, compilePick(tool.descriptor.response?.pick));
  return picks.get(tool);
}

/** A cluster a call runs on, with the settings that apply there. */
interface Target {
  profile: ClusterProfile;
  /** The config as the cluster's calls (and plugins) see it: its namespace, region, allow-list, and no other cluster. */
  config: HostConfig;
  guard?: NamespaceGuard;
}

/** Runs tools: validation, namespace policy, then the declarative request(s) or the plugin. */
export class Executor {
  private readonly targets = new Map<string, Target>();
  /** Passthrough tokens Nomad accepted recently (by fingerprint), so other upstreams may be used for them. */
  private readonly acceptedTokens = new Map<string, number>();
  constructor(private readonly deps: ExecutorDeps) {
    for (const p of deps.config.clusters) {
      const own = Object.fromEntries(
        Object.entries(deps.config.upstreams).filter(([k]) => k !== 'nomad' && !k.startsWith('nomad@')),
      );
      const config: HostConfig = {
        ...deps.config,
        upstreams: { ...own, nomad: deps.config.upstreams[p.upstream]! },
        clusters: [p],
        namespace: p.namespace,
        region: p.region,
        allowedNamespaces: p.allowedNamespaces,
      };
      this.targets.set(p.name, { profile: p, config, guard: p.allowedNamespaces.length ? new NamespaceGuard(p.allowedNamespaces) : undefined });
    }
  }

  /** Several clusters are configured: Nomad tools take a `cluster` argument. */
  get multiCluster(): boolean {
    return this.deps.config.clusters.length > 1;
  }

  /**
   * The Nomad token of a call on one cluster; undefined = the cluster's configured token. A passthrough
   * token goes only where passthrough applies (the default cluster, or `passthrough: true`); an OAuth
   * caller's exchanged token is the one of that cluster (`sso: true`), never another's.
   */
  private tokenFor(p: ClusterProfile, opts: CallOptions): string | TokenSource | undefined {
    const t = opts.token;
    if (typeof t === 'string') return p.passthrough ? t : undefined;
    if (t) {
      if (p.upstream === 'nomad') return t;
      if (!p.sso) return undefined;
      const own = opts.clusterToken?.(p.name);
      if (!own) throw new ToolError(`Cluster ${p.name} signs users in (sso), but this request carries no sign-in for it.`, 'caller');
      return own;
    }
    if (p.sso && p.upstream !== 'nomad') {
      throw new ToolError(`Cluster ${p.name} runs calls as the signed-in user (sso: true): serve with --http --auth oauth to use it.`, 'caller');
    }
    return undefined;
  }

  /**
   * With per-user passthrough, the server's credentials for other upstreams (Gitea, a team's API) are
   * only used for callers whose token Nomad accepts: an arbitrary bearer string gets nothing.
   */
  private async checkPassthrough(token: string, upstream: string, signal?: AbortSignal): Promise<void> {
    const key = fingerprint(token)!;
    const until = this.acceptedTokens.get(key);
    if (until && until > Date.now()) return;
    try {
      await this.deps.upstreams.get('nomad').get('/v1/acl/token/self', { token, signal, timeoutMs: 5000 });
    } catch (err) {
      const acl = err instanceof ToolError && err.status === 400 && /ACL support disabled/i.test(err.message);
      if (!acl) {
        // Nomad 1.10+ refuses an unknown token with 403; 1.9 answers 404 "ACL token not found" (nomad/acl_endpoint.go ResolveToken)
        if (err instanceof ToolError && (err.status === 403 || (err.status === 404 && err.message.includes('ACL token not found')))) {
          throw new ToolError(`Permission denied: Nomad does not accept your token, so this server does not use its ${upstream} credentials for you.`, 'caller', 403);
        }
        throw err;
      }
    }
    if (this.acceptedTokens.size > 10_000) this.acceptedTokens.clear();
    this.acceptedTokens.set(key, Date.now() + 60_000);
  }

  /**
   * The tool's upstream, bound to the caller (its stream slots); Nomad also to the call's namespace,
   * region and (passthrough) token.
   */
  private upstreamFor(name: string, tool: Tool, namespace: string, args: JsonObject, opts: CallOptions, target: Target): Upstream {
    // another cluster is reached only through the call's cluster argument, never by name
    if (name.startsWith('nomad@')) throw new ToolError(`${tool.name}: the upstream "${name}" is another cluster's; a call runs on the cluster it names.`, 'caller');
    const caller = opts.caller?.limitKey ?? opts.caller?.client;
    if (name !== 'nomad') return this.deps.upstreams.get(name).with({}, { caller });
    const p = target.profile;
    const u = this.deps.upstreams.get(p.upstream);
    // only a declared `region` argument routes a call elsewhere (not a free-form extra key)
    const region = (tool.params.includes('region') ? (args.region as string | undefined) : undefined) || p.region;
    return u.with({ namespace, region }, { token: this.tokenFor(p, opts), guard: target.guard, caller });
  }

  /**
   * The upstream resources/list enumerates with: a Nomad template's on the named cluster (default: the
   * first), bound to its namespace, region and the caller's token there, with that cluster's namespace guard.
   */
  async listingView(upstream: string, cluster: string | undefined, opts: CallOptions): Promise<{ upstream: Upstream; guard?: NamespaceGuard }> {
    if (upstream !== 'nomad') return { upstream: this.deps.upstreams.get(upstream) };
    const target = this.targets.get(cluster ?? this.deps.config.clusters[0]!.name)!;
    const p = target.profile;
    if (typeof opts.token === 'string' && opts.token && !p.passthrough) await this.checkPassthrough(opts.token, `cluster ${p.name}`, opts.signal);
    const u = this.deps.upstreams.get(p.upstream).with({ namespace: p.namespace, region: p.region }, { token: this.tokenFor(p, opts) });
    return { upstream: u, guard: target.guard };
  }

  /** The cluster a Nomad tool's call names (its `cluster` argument, taken out of the arguments), or the refusal. */
  private targetOf(tool: Tool, args: JsonObject): Target | CallResult {
    const clusters = this.deps.config.clusters;
    if (!this.multiCluster || tool.upstream !== 'nomad') return this.targets.get(clusters[0]!.name)!;
    const named = args.cluster;
    delete args.cluster;
    const p = profileNamed(clusters, named);
    if (!p) return { text: unknownCluster(clusters, named), isError: true, category: 'caller', refused: 'invalid-arguments' };
    if (p.tags.length && !tool.tags.some((t) => p.tags.includes(t))) {
      return {
        text: `${tool.name} (tags: ${tool.tags.join(', ') || 'none'}) is not enabled on cluster ${p.name} (its tags: ${p.tags.join(', ')}).`,
        isError: true,
        category: 'caller',
        refused: 'hidden',
      };
    }
    return this.targets.get(p.name)!;
  }

  async call(tool: Tool, rawArgs: unknown, opts: CallOptions = {}): Promise<CallResult> {
    const args: JsonObject = rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs) ? { ...(rawArgs as JsonObject) } : {};
    if (rawArgs !== undefined && rawArgs !== null && (typeof rawArgs !== 'object' || Array.isArray(rawArgs))) {
      return { text: `Invalid arguments for ${tool.name}: arguments must be a JSON object.`, isError: true, category: 'caller', refused: 'invalid-arguments' };
    }
    const target = this.targetOf(tool, args);
    if (!('profile' in target)) return target;
    let valid: boolean;
    try {
      valid = tool.validate(args) as boolean;
    } catch (err) {
      // a lazily compiled schema that ajv refuses (an unknown keyword): the tool cannot run, the server lives
      return { text: `${tool.name} cannot run: its input schema is invalid (${messageOf(err)}).`, isError: true, category: 'internal' };
    }
    if (!valid) return { text: argumentError(tool), isError: true, category: 'caller', refused: 'invalid-arguments' };
    const config = target.config;
    // args keep what the caller gave; the resolved namespace goes to the upstream (and ctx.namespace)
    const namespace = (args.namespace as string | undefined) || config.namespace;
    if (config.allowedNamespaces.length && !config.allowedNamespaces.includes(namespace)) {
      const where = this.multiCluster ? ` on cluster ${target.profile.name}` : ' on this server';
      return {
        text: `Namespace "${namespace}" is not allowed${where} (allowed: ${config.allowedNamespaces.join(', ')}).`,
        isError: true,
        category: 'caller',
        refused: 'namespace',
      };
    }
    try {
      // a passthrough caller's token stays on its cluster: elsewhere the cluster's own token is used, only for callers the default cluster accepts
      if (typeof opts.token === 'string' && opts.token && tool.upstream === 'nomad' && !target.profile.passthrough) {
        await this.checkPassthrough(opts.token, `cluster ${target.profile.name}`, opts.signal);
      }
      if (tool.plugin) return await this.runPlugin(tool, args, namespace, opts, target);
      return await this.runDeclarative(tool, args, namespace, opts, target);
    } catch (err) {
      if (err instanceof ToolError) return { text: err.message, isError: true, category: err.category };
      const missing = /^"([^"]+)" not defined in/.exec(messageOf(err));
      if (missing) {
        // a strict-mode template met an answer without a field it reads: a descriptor bug, said plainly
        const text = `${tool.name}: its response template reads "${missing[1]}", which this answer does not have; wrap optional fields as {{default ${missing[1]} "-"}} (${tool.source.file}:${tool.source.line}).`;
        this.deps.log.warn(text);
        return { text, isError: true, category: 'internal' };
      }
      this.deps.log.error(`tool ${tool.name} failed`, { error: messageOf(err) });
      return { text: `${tool.name} failed: ${messageOf(err)}`, isError: true, category: 'internal' };
    }
  }

  private async runDeclarative(tool: Tool, args: JsonObject, namespace: string, opts: CallOptions, target: Target): Promise<CallResult> {
    if (typeof opts.token === 'string' && opts.token && tool.upstream !== 'nomad') await this.checkPassthrough(opts.token, tool.upstream, opts.signal);
    // Every declared argument is present (maybe undefined) so strict templates only fail on real typos.
    const ctx: JsonObject = {};
    for (const p of tool.params) ctx[p] = args[p];
    const upstream = this.upstreamFor(tool.upstream, tool, namespace, args, opts, target);
    const send = async (r: RenderedRequest) => {
      try {
        return await upstream.request(r.method, r.path, { query: r.query, headers: r.headers, body: r.body, signal: opts.signal, accept: r.accept });
      } catch (err) {
        if (r.allow404 && err instanceof ToolError && err.status === 404) return { data: null, status: 404, headers: {} } as const;
        throw err;
      }
    };
    const entries = Object.entries(tool.render ?? {});
    const single = tool.descriptor.request !== undefined;
    // optional parts (requests: entries with optional/tolerate) that fail leave null and one line
    const parts = new Parts();
    const failures: unknown[] = [];
    const responses = await Promise.all(
      entries.map(([key, render]) => {
        const spec = single ? undefined : tool.descriptor.requests?.[key];
        const sent = send(render(ctx));
        if (!spec || !(spec.optional || spec.tolerate)) return sent;
        return sent.catch((err: unknown) => {
          if (!parts.add(spec.label ?? key, err, spec.tolerate)) throw err;
          failures.push(err);
          return { data: null };
        });
      }),
    );
    // every part missing: nothing to show, so the first refusal is the answer
    if (entries.length > 1 && parts.missing.length === entries.length) throw failures[0];
    const data = single ? responses[0].data : Object.fromEntries(entries.map(([k], i) => [k, responses[i].data]));
    const nextToken = single ? (responses[0] as { nextToken?: string }).nextToken : undefined;
    const spec = tool.descriptor.response;
    // errorIf sees the raw answer: for upstreams that answer 200 where the caller needs an error
    const failure = tool.errorIf?.({ result: data, results: data, args }).trim();
    if (failure) return { text: failure, isError: true, category: 'caller' };
    const hidden = spec?.secrets && !this.deps.config.allowVariableValues ? hideSecrets(data, spec.secrets) : false;
    const shaped = shape(data, spec, {
      args,
      maxBytes: spec?.maxBytes ?? this.deps.config.maxResultBytes,
      pick: pickOf(tool),
      template: tool.responseTemplate ? (c) => tool.responseTemplate!({ ...c, results: data }) : undefined,
      note:
        [
          hidden ? 'Values shown as (hidden) are secrets; the server shows them only when started with --allow-variable-values.' : '',
          nextToken ? `More results exist: call ${tool.name} again with next_token="${nextToken}".` : '',
          ...parts.lines(),
        ]
          .filter(Boolean)
          .join('\n') || undefined,
    });
    if (nextToken && shaped.structured) shaped.structured.next_token = nextToken;
    if (parts.missing.length && shaped.structured) shaped.structured.unavailable = parts.record();
    if (data === null && !shaped.text) shaped.text = 'Done.';
    return { text: shaped.text === 'null' ? 'Done (no content).' : shaped.text, structured: shaped.structured, isError: false };
  }

  private async runPlugin(tool: Tool, args: JsonObject, namespace: string, opts: CallOptions, target: Target): Promise<CallResult> {
    const plugin = this.deps.plugins.get(tool.plugin!);
    if (!plugin) throw new ToolError(`The plugin "${tool.plugin}" of ${tool.name} is not loaded.`, 'caller');
    const config = target.config;
    const limit = Math.max(config.requestTimeoutMs, plugin.maxDurationMs?.(args, config) ?? 0);
    const deadline = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal;
    if (typeof opts.token === 'string' && opts.token && tool.upstream !== 'nomad') await this.checkPassthrough(opts.token, tool.upstream, opts.signal);
    const parts = new Parts();
    const ctx: ToolContext = {
      optional: (label, part, tolerate) => parts.optional(label, part, tolerate),
      nomad: this.upstreamFor('nomad', tool, namespace, args, opts, target),
      upstream: (name) => this.upstreamFor(name, tool, namespace, args, opts, target),
      config,
      namespace,
      signal,
      progress: opts.progress ?? (async () => {}),
      log: this.deps.log,
      tool: { name: tool.name, tier: tool.tier },
      token: typeof opts.token === 'string' && target.profile.passthrough ? opts.token : undefined,
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        deadline.abort(new Error('timeout'));
        reject(new ToolError(`${tool.name} timed out after ${limit} ms.`, 'upstream'));
      }, limit);
    });
    const cancelled = new Promise<never>((_, reject) => {
      if (opts.signal?.aborted) reject(new ToolError('The request was cancelled.', 'caller'));
      opts.signal?.addEventListener('abort', () => reject(new ToolError('The request was cancelled.', 'caller')), { once: true });
    });
    try {
      const out: PluginResult | string = await Promise.race([plugin.call(args, ctx), timedOut, cancelled]);
      const r = typeof out === 'string' ? { text: out } : out;
      if (!parts.missing.length) return { text: r.text, structured: r.structured, isError: r.isError ?? false };
      // the parts a plugin could not get, said once at the end (and in structuredContent.unavailable)
      const structured = r.structured ? { ...r.structured, unavailable: parts.record() } : undefined;
      return { text: `${r.text}\n${parts.lines().join('\n')}`, structured, isError: r.isError ?? false };
    } finally {
      clearTimeout(timer);
    }
  }
}
