import { Client as ModernClient, StreamableHTTPClientTransport as ModernHttp } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio';
import { BIN, ROOT } from './harness.js';

/** The protocol revision of 2026: stateless, per-request `_meta` envelopes, multi round-trip input. */
export const MODERN = '2026-07-28';

export interface ModernOptions {
  /** Answer to a confirmation question (elicitation); omitted = the client declares no elicitation. */
  confirm?: () => boolean;
  headers?: Record<string, string>;
}

/** A v2 SDK client pinned to 2026-07-28 (no fallback to initialize: a 2025 answer fails the test). */
export function modernClient(o: ModernOptions = {}): ModernClient {
  const client = new ModernClient(
    { name: 'e2e-2026', version: '1.0.0' },
    { capabilities: o.confirm ? { elicitation: {} } : {}, versionNegotiation: { mode: { pin: MODERN } } },
  );
  if (o.confirm) {
    const confirm = o.confirm;
    client.setRequestHandler('elicitation/create', async () => (confirm() ? { action: 'accept', content: { confirm: true } } : { action: 'decline' }));
  }
  return client;
}

export async function modernOverHttp(url: string, o: ModernOptions = {}): Promise<ModernClient> {
  const client = modernClient(o);
  await client.connect(new ModernHttp(new URL(`${url}/mcp`), { requestInit: { headers: o.headers ?? {} } }));
  return client;
}

export async function modernOverStdio(env: Record<string, string>, args: string[] = [], o: ModernOptions = {}): Promise<ModernClient> {
  const client = modernClient(o);
  await client.connect(
    new ModernStdio({
      command: process.execPath,
      args: [BIN, 'serve', '--stdio', ...args],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      cwd: ROOT,
      stderr: 'ignore',
    }),
  );
  return client;
}

/** The `_meta` envelope a 2026-07-28 request carries, for hand-made requests. */
export function envelope(capabilities: Record<string, unknown> = { elicitation: {} }): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': capabilities,
  };
}

/** POST one hand-made 2026-07-28 request to /mcp and read its JSON-RPC answer (JSON or SSE). */
export async function rawModern(url: string, method: string, params: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(typeof params.name === 'string' ? { 'mcp-name': params.name } : {}),
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: { ...envelope(), ...((params._meta as object) ?? {}) } } }),
  });
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const msgs = text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)));
    return { status: res.status, body: msgs.find((m) => m.id === 1) };
  }
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
