import { StdioServerTransport, serveStdio as sdkServeStdio } from '@modelcontextprotocol/server/stdio';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { ToolHost } from '../server.js';
import { StdioToolCalls } from './stdio-fast.js';

/**
 * Serve one client over stdin/stdout until stdin ends or a signal arrives, at whichever protocol
 * revision the client speaks (2026-07-28 per-request envelopes, or the 2025 initialize handshake).
 * stdout belongs to JSON-RPC: everything else goes to stderr.
 */
export async function serveStdio(host: ToolHost, onClose: () => Promise<void>): Promise<void> {
  // The SDK aborts in-flight handlers when its input ends; a client that pipes requests then EOF must
  // still get every answer. So the SDK reads stdin's chunks through an input that ends only once the calls
  // are answered (forwarded as they come: a piped PassThrough copied every chunk through a Transform).
  const input = new HeldInput(process.stdin);
  const transport = new StdioServerTransport(input as unknown as Readable, process.stdout);
  // tools/call of plain 2025 shape, answered without the SDK's per-message work (stdio-fast.ts)
  const fast = new StdioToolCalls(host, (m) => transport.send(m as never));
  const unanswered = trackRequests(transport, fast);
  // the SDK waits for 'drain' once per answer written while stdout is full: a burst of answers legitimately
  // adds many short-lived listeners, which is not the leak Node's warning is about
  process.stdout.setMaxListeners(0);
  let closing = false;
  const handle = sdkServeStdio(() => host.createServer('stdio'), {
    transport,
    // malformed input is answered or dropped by the SDK; log one short line, not a schema dump
    onerror: (err) => host.log.warn(`stdio: ignored an invalid message (${err.message.replace(/\s+/g, ' ').slice(0, 160)})`),
  });
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await unanswered.settled(10_000); // answer what is in flight before closing
    await handle.close().catch(() => {});
    input.end();
    await onClose().catch(() => {});
    process.exit(0);
  };
  process.stdin.once('end', shutdown);
  process.stdin.once('close', shutdown);
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

/**
 * What the SDK's stdio transport reads (`data`, `error`, `end`, `close` events, `pause()`): stdin's chunks
 * and errors as they come, and an end only when `end()` is called.
 */
class HeldInput extends EventEmitter {
  readableEnded = false;
  destroyed = false;
  constructor(private readonly source: NodeJS.ReadStream) {
    super();
    source.on('data', (chunk) => this.emit('data', chunk));
    source.on('error', (err) => this.emit('error', err));
  }
  pause(): this {
    this.source.pause();
    return this;
  }
  end(): void {
    if (this.readableEnded) return;
    this.readableEnded = true;
    this.emit('end');
  }
}

type Message = { id?: string | number; method?: string; result?: unknown; error?: unknown; params?: { requestId?: string | number } };

/**
 * Requests read but not yet answered, seen at the transport (a request can wait in the SDK before any
 * handler runs, where no in-flight counter sees it). A cancelled request gets no answer, so it counts as done.
 */
function trackRequests(t: StdioServerTransport, fast: StdioToolCalls): { settled(ms: number): Promise<void> } {
  const open = new Set<string>();
  let waiters: (() => void)[] = [];
  const done = (id: string | number | undefined) => {
    if (id === undefined || !open.delete(String(id))) return;
    if (open.size === 0) waiters.splice(0).forEach((w) => w());
  };
  let inner: ((m: never, extra?: never) => void) | undefined;
  const wrapped = (m: Message, extra?: never) => {
    if (m.method && m.id !== undefined) open.add(String(m.id));
    else if (m.method === 'notifications/cancelled') done(m.params?.requestId);
    if (fast.take(m as Record<string, unknown>)) return;
    inner?.(m as never, extra);
  };
  Object.defineProperty(t, 'onmessage', {
    configurable: true,
    get: () => (inner ? wrapped : undefined),
    set: (fn) => {
      inner = fn;
    },
  });
  const send = t.send.bind(t);
  t.send = async (m) => {
    await send(m);
    fast.sent(m as Record<string, unknown>);
    const r = m as Message;
    if (!r.method && ('result' in r || 'error' in r)) done(r.id);
  };
  return {
    settled: (ms) =>
      open.size === 0
        ? Promise.resolve()
        : Promise.race([new Promise<void>((r) => waiters.push(r)), new Promise<void>((r) => setTimeout(r, ms).unref())]).then(() => {
            waiters = [];
          }),
  };
}
