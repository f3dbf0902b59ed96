/**
 * The plugin API (`nomad-mcp/plugin`): a tool too complex for a template is one file exporting
 * `definePlugin({ name, tier, call })`. It gets validated arguments and a context; it never touches transports.
 */
import type { HostConfig } from './config.js';
import type { Logger } from './log.js';
import type { JsonObject, Tier } from './types.js';
import type { Upstream } from './upstream.js';

export interface ToolContext {
  /** Nomad client bound to the call's namespace (and configured region); paths must be encoded (see `nomadPath`). */
  nomad: Upstream;
  /** Any configured upstream by name (`gitea`, a team's API). */
  upstream(name: string): Upstream;
  config: HostConfig;
  /** The namespace of this call: the `namespace` argument or the configured default. */
  namespace: string;
  /** Aborted when the client cancels or the call times out: pass it to every request and stream. */
  signal: AbortSignal;
  /** Sends an MCP progress notification when the client asked for them; a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  log: Logger;
  tool: { name: string; tier: Tier };
  /** Per-call token override for passthrough auth; undefined = the configured token. */
  token?: string;
  /**
   * A part the answer can do without: when it fails with an upstream answer (any status, or only
   * those in `tolerate`), resolves undefined and the host appends `<label> unavailable: <why>` to the
   * answer (why = the capability Nomad wanted, for a refusal). Other failures are thrown.
   */
  optional<T>(label: string, part: Promise<T>, tolerate?: readonly number[]): Promise<T | undefined>;
}

export interface PluginResult {
  /** What the model reads. */
  text: string;
  /** Machine-readable form (MCP `structuredContent`). */
  structured?: JsonObject;
  isError?: boolean;
}

export interface Plugin<A extends JsonObject = JsonObject> {
  name: string;
  /**
   * What the plugin can do to the cluster, declared in code: `read` (only reads, whatever HTTP method it uses),
   * `write`, or `destructive` (irreversible). A tool's or resource's effective tier is the strictest of this,
   * its YAML annotations and its HTTP methods; `--read-only` and `--allow-destructive` act on that. A plugin
   * that declares no tier counts as `write`.
   */
  tier?: Tier;
  /**
   * Runs commands inside workloads (`nomad alloc exec`): a tool naming this plugin is served only when the
   * server runs with --allow-exec (NOMAD_MCP_ALLOW_EXEC, `allowExec:`), whatever its YAML says.
   */
  exec?: boolean;
  /**
   * How long one call may run, when longer than the request timeout (log follow, waits).
   * Receives the validated arguments; the host aborts `ctx.signal` after it.
   */
  maxDurationMs?(args: A, config: HostConfig): number;
  call(args: A, ctx: ToolContext): Promise<PluginResult | string>;
}

/** Identity function that gives a plugin its types. */
export function definePlugin<A extends JsonObject = JsonObject>(plugin: Plugin<A>): Plugin<A> {
  return plugin;
}

export { ToolError } from './errors.js';
export { Parts, reasonOf } from './partial.js';
export { nomadPath } from './template.js';
export { compileSafePattern, PatternError, type SafePattern } from './safe-regex.js';
export { truncateText, compactJson, nomadDate, nomadTime } from './shape.js';
export type { Upstream } from './upstream.js';
