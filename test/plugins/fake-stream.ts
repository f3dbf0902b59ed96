/**
 * Streaming answers for the scripted Nomad (fake.ts): a stream stays open until the test ends it or
 * the request's signal aborts it, like undici's bodies; `open` counts the streams not yet closed.
 */
import { PassThrough } from 'node:stream';
import { ToolError } from '../../src/host/errors.js';
import type { ToolContext } from '../../src/host/plugin.js';

export interface StreamCall {
  path: string;
  query: Record<string, unknown>;
  body: PassThrough;
}

export type StreamRoute = (path: string, query: Record<string, unknown>) => { chunks: (string | Buffer)[]; end?: boolean } | { status: number; error: string } | undefined;

export class FakeStreams {
  open = 0;
  calls: StreamCall[] = [];

  /** Replaces ctx.nomad.stream with scripted streams. */
  install(ctx: ToolContext, route: StreamRoute): void {
    const nomad = ctx.nomad as unknown as { stream: unknown };
    nomad.stream = async (path: string, o: { query?: Record<string, unknown>; signal?: AbortSignal } = {}) => {
      if (o.signal?.aborted) throw new ToolError('The request was cancelled.', 'caller');
      const query = { namespace: 'default', ...o.query };
      const a = route(path, query);
      if (!a) throw new ToolError(`Nomad 404: (empty body) (GET ${path})`, 'caller', 404);
      if ('error' in a) throw new ToolError(`Nomad ${a.status}: ${a.error} (GET ${path})`, a.status >= 500 ? 'upstream' : 'caller', a.status);
      const body = new PassThrough();
      this.open++;
      body.once('close', () => this.open--);
      o.signal?.addEventListener('abort', () => body.destroy(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })), { once: true });
      this.calls.push({ path, query, body });
      // One chunk per turn of the event loop, so the reader sees them apart.
      const chunks = [...a.chunks];
      const next = () => {
        if (body.destroyed) return;
        const c = chunks.shift();
        if (c !== undefined) {
          body.write(c);
          setImmediate(next);
        } else if (a.end) body.end();
      };
      setImmediate(next);
      return { status: 200, headers: {}, body };
    };
  }

  /** Writes more to the newest open stream. */
  write(chunk: string | Buffer): void {
    const s = this.calls.at(-1);
    if (s && !s.body.destroyed) s.body.write(chunk);
  }
}

/** A framed log stream frame (`{"Offset":N,"Data":"<base64>"}`). */
export function frame(text: string, offset = 0, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ Offset: offset, Data: Buffer.from(text).toString('base64'), ...extra });
}
