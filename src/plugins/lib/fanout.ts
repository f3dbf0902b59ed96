/**
 * Reads for composite diagnosis tools: many requests in parallel under one time budget and a cap
 * on fan-out, each failure kept as a reason (with the Nomad capability it needed) instead of
 * failing the whole answer.
 */
import type { ToolContext } from '../../host/plugin.js';
import { ToolError } from '../../host/errors.js';

/** The default time budget of one diagnosis call, when the request timeout allows it. */
export const DEFAULT_BUDGET_MS = 10_000;
/** Per-object sub-requests (checks, stats, job specs) sent at most by one call. */
export const MAX_FANOUT = 12;
/** Sub-requests in flight at once. */
export const PARALLEL = 4;

export type Read<T> = { ok: true; data: T } | { ok: false; reason: string; capability: string };

/** A signal that aborts with the call or when the budget runs out. */
export function budgetSignal(ctx: ToolContext, ms = Math.min(DEFAULT_BUDGET_MS, ctx.config.requestTimeoutMs)): AbortSignal {
  return AbortSignal.any([ctx.signal, AbortSignal.timeout(ms)]);
}

/** Why a read failed, in a few words: the HTTP status and Nomad's text, or the budget. */
export function failureReason(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'no answer within the time budget';
  if (err instanceof ToolError) {
    if (err.status === 403) return '403 Permission denied';
    const first = err.message.split('\n')[0];
    return err.status ? `HTTP ${err.status}: ${first.slice(0, 160)}` : first.slice(0, 160);
  }
  return err instanceof Error ? err.message.slice(0, 160) : String(err).slice(0, 160);
}

/**
 * Runs one read (`get` is passed the budget signal) and keeps the outcome; a cancelled call still
 * throws (the client went away), every other failure becomes `{ ok: false }` naming `capability`.
 * Callers write the `ctx.nomad.get<T>(path)` themselves, so the contract test sees every path.
 */
export async function read<T>(
  ctx: ToolContext, signal: AbortSignal, capability: string, get: (signal: AbortSignal) => Promise<{ data: T }>,
): Promise<Read<T>> {
  try {
    return { ok: true, data: (await get(signal)).data };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return { ok: false, reason: failureReason(err, signal), capability };
  }
}

/** Maps `items` with at most `parallel` calls of `fn` in flight; order is kept. */
export async function mapLimited<T, R>(items: T[], parallel: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  return out;
}
