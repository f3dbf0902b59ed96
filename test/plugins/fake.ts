/** A scripted stand-in for ctx.nomad, recording every request, for plugin tests without a simulator. */
import { Readable } from 'node:stream';
import type { HostConfig } from '../../src/host/config.js';
import { ToolError } from '../../src/host/errors.js';
import { Parts, type ToolContext } from '../../src/host/plugin.js';
import type { Upstream } from '../../src/host/upstream.js';

export interface Call {
  method: string;
  path: string;
  query: Record<string, unknown>;
  body?: unknown;
}

/** A route answers with data (200), or `{ status, error }` for a Nomad error, or `{ raw }` for a stream body. */
export type Answer = unknown | { status: number; error: string } | { raw: string | Buffer };
export type Route = (call: Call) => Answer | undefined;

export function nomadError(status: number, text: string, call: Call): ToolError {
  return new ToolError(`Nomad ${status}: ${text} (${call.method} ${call.path})`, status >= 500 ? 'upstream' : 'caller', status);
}

export function fakeCtx(route: Route, opts: { namespace?: string; config?: Partial<HostConfig>; signal?: AbortSignal } = {}) {
  const calls: Call[] = [];
  const progress: [number, number | undefined, string | undefined][] = [];
  const namespace = opts.namespace ?? 'default';
  const answer = (method: string, path: string, o: { query?: Record<string, unknown>; body?: unknown } = {}): Answer => {
    const call: Call = { method, path, query: { namespace, ...o.query }, body: o.body };
    calls.push(call);
    const a = route(call);
    if (a === undefined) throw new ToolError(`Nomad 404: (empty body) (${method} ${path})`, 'caller', 404);
    if (a && typeof a === 'object' && 'error' in (a as object)) {
      const e = a as { status: number; error: string };
      throw nomadError(e.status, e.error, call);
    }
    return a;
  };
  const nomad = {
    async get(path: string, o?: { query?: Record<string, unknown> }) {
      return { status: 200, headers: {}, data: answer('GET', path, o) };
    },
    async put(path: string, body?: unknown, o?: { query?: Record<string, unknown> }) {
      return { status: 200, headers: {}, data: answer('PUT', path, { ...o, body }) };
    },
    async post(path: string, body?: unknown, o?: { query?: Record<string, unknown> }) {
      return { status: 200, headers: {}, data: answer('POST', path, { ...o, body }) };
    },
    async delete(path: string, o?: { query?: Record<string, unknown> }) {
      return { status: 200, headers: {}, data: answer('DELETE', path, o) };
    },
    async stream(path: string, o?: { query?: Record<string, unknown> }) {
      const a = answer('GET', path, o) as { raw: string | Buffer };
      const buf = Buffer.isBuffer(a.raw) ? a.raw : Buffer.from(a.raw);
      // Several chunks, so readers are exercised across chunk boundaries.
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += 4096) chunks.push(buf.subarray(i, i + 4096));
      return { status: 200, headers: {}, body: Readable.from(chunks) };
    },
  };
  const config = {
    upstreams: {},
    namespace: 'default',
    requestTimeoutMs: 5000,
    toolsDirs: [],
    plugins: [],
    readOnly: false,
    allowDestructive: false,
    tags: [],
    allowedNamespaces: [],
    maxResultBytes: 24_000,
    maxLogBytes: 64 * 1024,
    sources: [],
    ...opts.config,
  } as HostConfig;
  // the host appends the missing parts' lines to a plugin's answer; here tests read `parts`
  const parts = new Parts();
  const ctx: ToolContext = {
    optional: (label, part, tolerate) => parts.optional(label, part, tolerate),
    nomad: nomad as unknown as Upstream,
    upstream: () => nomad as unknown as Upstream,
    config,
    namespace,
    signal: opts.signal ?? new AbortController().signal,
    progress: async (p, t, m) => {
      progress.push([p, t, m]);
    },
    log: { debug() {}, info() {}, warn() {}, error() {} },
    tool: { name: 'test', tier: 'read' },
  };
  return { ctx, calls, progress, parts };
}

/** The text of a plugin answer (string or PluginResult). */
export function textOf(r: unknown): string {
  return typeof r === 'string' ? r : (r as { text: string }).text;
}
