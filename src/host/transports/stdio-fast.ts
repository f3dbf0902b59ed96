import { getEventListeners } from 'node:events';
import type { ToolHost } from '../server.js';
import { callToolResult, progressNotifier } from '../server.js';

/**
 * The stdio fast path for tools/call. The SDK spends most of a call's CPU on its own per-message work: a
 * Zod parse of every line, four more Zod checks of the message's kind (two of which fail for every request,
 * and zod's failure path leaves its parse state to the old generation), the CallToolRequest parsed twice,
 * the result parsed once more, and a context with an AbortSignal per request. On a connection the SDK
 * pinned to a 2025 revision (a plain `initialize` it answered), a tools/call whose message is exactly the
 * plain 2025 shape — `{jsonrpc, id, method, params: {name, arguments?, _meta?: {progressToken?}}}`,
 * nothing else — of a served tool that never asks the user first, is answered here with what the SDK's
 * handler does (ToolHost.call, the same result, progress notifications, cancellation that withholds the
 * answer, a JSON-RPC error for a thrown error). Everything else — 2026-07-28 envelopes, tasks, unknown,
 * hidden, discovery and confirmable tools, any other method or shape — goes to the SDK unchanged.
 */
export class StdioToolCalls {
  /** The SDK answered a 2025-era initialize on this connection (so it is pinned to that era). */
  private legacy = false;
  private initializeIds = new Set<string | number>();
  private readonly running = new Map<string | number, AbortController>();
  private announced = false;
  /** Controllers of finished declarative calls, used again (see run). */
  private readonly spare: AbortController[] = [];

  constructor(
    private readonly host: ToolHost,
    private readonly send: (message: unknown) => Promise<void>,
  ) {}

  /** An inbound message: true when it was taken here (the SDK must not see it). */
  take(m: Record<string, unknown>): boolean {
    if (m.method === 'initialize' && (typeof m.id === 'string' || typeof m.id === 'number')) {
      if (!hasEnvelopeKeys(m.params)) this.initializeIds.add(m.id);
      return false;
    }
    if (m.method === 'notifications/cancelled') {
      // the SDK sees it too (it knows no such request and ignores it)
      const p = m.params as { requestId?: string | number; reason?: unknown } | undefined;
      if (p && p.requestId !== undefined) this.running.get(p.requestId)?.abort(p.reason);
      return false;
    }
    if (!this.legacy || m.method !== 'tools/call' || !isPlainCall(m)) return false;
    const params = m.params as { name: string; arguments?: Record<string, unknown>; _meta?: { progressToken?: string | number } };
    const tool = this.host.plainTool(params.name);
    if (!tool) return false;
    if (!this.announced) {
      this.announced = true;
      this.host.log.debug('stdio: plain 2025 tools/call messages are answered on the fast path');
    }
    void this.run(m.id as string | number, params, !tool.plugin);
    return true;
  }

  /** An outbound message: the answer to a plain initialize pins the connection to a 2025 revision. */
  sent(m: Record<string, unknown>): void {
    if (this.legacy || m.id === undefined || !this.initializeIds.delete(m.id as string | number)) return;
    const version = (m.result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
    if (typeof version === 'string' && version < '2026') this.legacy = true;
  }

  private async run(id: string | number, params: { name: string; arguments?: Record<string, unknown>; _meta?: { progressToken?: string | number } }, declarative: boolean): Promise<void> {
    // A declarative tool only adds and removes listeners on its call's signal (a plugin's AbortSignal.any
    // ties the signal to signals that outlive the call), so after such a call a controller that was not
    // aborted and has no listener left is as good as new and is used again: creating an AbortSignal is the
    // dearest single step of a call's own work on Node 20, and every new one is promoted to the old generation.
    const controller = (declarative && this.spare.pop()) || new AbortController();
    this.running.set(id, controller);
    let message: unknown;
    try {
      const progress = progressNotifier(params._meta?.progressToken, (n) => this.send({ jsonrpc: '2.0', ...n }));
      const r = await this.host.call(params.name, params.arguments, { signal: controller.signal, progress, caller: { transport: 'stdio' } });
      message = { result: callToolResult(params.name, r), jsonrpc: '2.0', id };
    } catch (err) {
      const e = err as { code?: unknown; message?: string; data?: unknown };
      const code = Number.isSafeInteger(e.code) ? (e.code as number) : INTERNAL_ERROR;
      message = { jsonrpc: '2.0', id, error: { code, message: e.message ?? 'Internal error', ...(e.data !== undefined ? { data: e.data } : {}) } };
    } finally {
      this.running.delete(id);
    }
    // a cancelled request is not answered (as the SDK does)
    const cancelled = controller.signal.aborted;
    if (declarative && !cancelled && this.spare.length < SPARE && getEventListeners(controller.signal, 'abort').length === 0) this.spare.push(controller);
    if (!cancelled) await this.send(message).catch(() => {});
  }
}

const INTERNAL_ERROR = -32603;
/** At most this many spare controllers (as many as calls usually run at once). */
const SPARE = 32;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isId = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));

function hasEnvelopeKeys(params: unknown): boolean {
  const meta = isObject(params) ? params._meta : undefined;
  return isObject(meta) && Object.keys(meta).some((k) => k.startsWith('io.modelcontextprotocol/'));
}

/** Exactly the plain 2025 tools/call shape (anything more, or anything the SDK would refuse, goes to the SDK). */
function isPlainCall(m: Record<string, unknown>): boolean {
  if (m.jsonrpc !== '2.0' || !isId(m.id) || !isObject(m.params)) return false;
  for (const k in m) if (k !== 'jsonrpc' && k !== 'id' && k !== 'method' && k !== 'params') return false;
  const p = m.params;
  for (const k in p) if (k !== 'name' && k !== 'arguments' && k !== '_meta') return false;
  if (typeof p.name !== 'string') return false;
  if (p.arguments !== undefined && !isObject(p.arguments)) return false;
  if (p._meta !== undefined) {
    if (!isObject(p._meta)) return false;
    for (const k in p._meta) if (k !== 'progressToken') return false;
    if (p._meta.progressToken !== undefined && !isId(p._meta.progressToken)) return false;
  }
  return true;
}
