/**
 * Reading a streaming GET (event stream, followed logs) for a fixed time: the stream is aborted when
 * the time is up or the caller cancels, and always destroyed at the end so the upstream connection
 * closes.
 */
import type { Readable } from 'node:stream';
import type { ToolContext } from '../../host/plugin.js';
import { ToolError } from '../../host/errors.js';
import type { QueryValue } from '../../host/upstream.js';

/** Why reading stopped: the time was up, or the server ended the stream. */
export type StreamEnd = 'time' | 'eof';

export interface TimedStreamOptions {
  query?: Record<string, QueryValue>;
  /** How long to read. */
  ms: number;
}

/**
 * GETs `path` as a stream and hands every chunk to `onChunk` until `ms` pass (→ 'time') or the server
 * ends it (→ 'eof'). Cancellation through ctx.signal throws "The request was cancelled."; errors
 * before the answer (Nomad 4xx/5xx) throw as usual.
 */
export async function readStreamFor(
  ctx: ToolContext,
  path: string,
  opts: TimedStreamOptions,
  onChunk: (chunk: Buffer) => void | Promise<void>,
): Promise<StreamEnd> {
  const timer = new AbortController();
  // the time counts from the answer: Nomad's refusal (403, unknown node) arriving late on a busy machine is
  // still an error, not an empty follow (the request timeout bounds the wait for the answer)
  let t: NodeJS.Timeout | undefined;
  const signal = AbortSignal.any([ctx.signal, timer.signal]);
  let body: Readable | undefined;
  const stopped = (): StreamEnd | undefined => {
    if (ctx.signal.aborted) throw new ToolError('The request was cancelled.', 'caller');
    return timer.signal.aborted ? 'time' : undefined;
  };
  try {
    // long: its own connections and one of the caller's stream slots (refused at once beyond the cap)
    body = (await ctx.nomad.stream(path, { query: opts.query, signal, long: true })).body;
    t = setTimeout(() => timer.abort(new Error('time is up')), opts.ms);
    for await (const chunk of body) {
      await onChunk(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
      if (signal.aborted) break;
    }
    return stopped() ?? 'eof';
  } catch (err) {
    const end = stopped();
    if (end) return end;
    throw err;
  } finally {
    clearTimeout(t);
    body?.destroy();
  }
}
