import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { ToolHost } from '../server.js';

/**
 * Serve one client over stdin/stdout until stdin ends or a signal arrives.
 * stdout belongs to JSON-RPC: everything else goes to stderr.
 */
export async function serveStdio(host: ToolHost, onClose: () => Promise<void>): Promise<void> {
  const server = host.createServer();
  const transport = new StdioServerTransport();
  // the SDK waits for 'drain' once per answer written while stdout is full: a burst of answers legitimately
  // adds many short-lived listeners, which is not the leak Node's warning is about
  process.stdout.setMaxListeners(0);
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await host.idle(10_000); // answer what is in flight before closing (a client that pipes requests then EOF)
    await server.close().catch(() => {});
    await onClose().catch(() => {});
    process.exit(0);
  };
  // malformed input is answered or dropped by the SDK; log one short line, not a schema dump
  transport.onerror = (err) => host.log.warn(`stdio: ignored an invalid message (${err.message.replace(/\s+/g, ' ').slice(0, 160)})`);
  process.stdin.once('end', shutdown);
  process.stdin.once('close', shutdown);
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await server.connect(transport);
  host.log.info(`serving ${host.tools.visible.length} tools over stdio (Nomad: ${host.config.upstreams.nomad.url})`);
}
