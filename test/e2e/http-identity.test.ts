/**
 * Identity on every HTTP request (issue 10, findings 3, 6, 7 and the audit log): sessions are bound
 * to the identity that created them, passthrough tokens are verified by Nomad before they count as
 * an identity, rate limits and session caps key on that identity, and the audit log keeps no
 * session IDs and no unbounded fields.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { type Served, spawnServe } from './http-harness.js';

const ALICE = 'alice-nomad-token';
const BOB = 'bob-nomad-token';
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

function text(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

async function connect(url: string, token: string, capabilities: Record<string, unknown> = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'identity-e2e', version: '1.0.0' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  return { client, transport };
}

/** A raw initialize; answers the status, the session ID and the error text. */
async function initialize(url: string, token: string): Promise<{ status: number; sid?: string; error?: string }> {
  const r = await fetch(`${url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` }, body: JSON.stringify(INIT) });
  const body = await r.text();
  let error: string | undefined;
  if (r.status >= 400) {
    try {
      const j = JSON.parse(body) as { error?: string | { message?: string } };
      error = typeof j.error === 'string' ? j.error : j.error?.message;
    } catch {
      error = body;
    }
  }
  return { status: r.status, sid: r.headers.get('mcp-session-id') ?? undefined, error };
}

/** Open a legacy SSE stream; answers its session ID (from the `endpoint` event) and a way to close it. */
async function openSse(url: string, token: string): Promise<{ status: number; sessionId?: string; close(): void; error?: string }> {
  const ac = new AbortController();
  const r = await fetch(`${url}/mcp/sse`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: ac.signal });
  if (r.status !== 200) {
    const body = await r.text();
    return { status: r.status, close: () => {}, error: body };
  }
  const reader = r.body!.getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += new TextDecoder().decode(value);
    const m = /sessionId=([^\s&]+)/.exec(buf);
    if (m) return { status: 200, sessionId: m[1], close: () => ac.abort() };
  }
  return { status: r.status, close: () => ac.abort() };
}

interface AuditLine {
  tool: string;
  outcome: string;
  client?: string;
  session?: string;
  reason?: string;
}
const auditLines = (file: string) =>
  readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditLine);

describe('serve --sse --auth nomad: sessions belong to the identity that made them', () => {
  let sim: Simulator;
  let srv: Served;
  let audit: string;
  const sessionIds: string[] = [];
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 'demo', aclTokens: [ALICE, BOB, 'carol-nomad-token'] });
    audit = path.join(mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-audit-')), 'audit.jsonl');
    // an audit file that exists with a wider mode is narrowed to 0600
    writeFileSync(audit, '');
    chmodSync(audit, 0o644);
    srv = await spawnServe(['--auth', 'nomad', '--audit-log', audit, '--allow-destructive'], { NOMAD_ADDR: sim.url, NOMAD_TOKEN: 'server-own-token' });
  });
  afterAll(async () => {
    await srv?.stop();
    await sim?.close();
  });

  it('another identity\'s POST, GET and DELETE on a Streamable HTTP session get 404, and the owner keeps it', async () => {
    const { client, transport } = await connect(srv.url, ALICE);
    const sid = transport.sessionId!;
    sessionIds.push(sid);
    const bob = { ...MCP_HEADERS, authorization: `Bearer ${BOB}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
    const post = await fetch(`${srv.url}/mcp`, { method: 'POST', headers: bob, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'list_jobs', arguments: {} } }) });
    expect(post.status).toBe(404);
    const ac = new AbortController();
    const get = await fetch(`${srv.url}/mcp`, { headers: { ...bob, accept: 'text/event-stream' }, signal: ac.signal });
    expect(get.status).toBe(404);
    ac.abort();
    const del = await fetch(`${srv.url}/mcp`, { method: 'DELETE', headers: bob });
    expect(del.status).toBe(404);
    // the answer is the one an unknown session gets: nothing tells bob the session exists
    expect(await del.json()).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
    const r = (await client.callTool({ name: 'get_job', arguments: { job_id: 'web' } })) as CallToolResult;
    expect(r.isError, text(r)).toBeFalsy();
    await transport.terminateSession();
    await client.close();
  });

  it('another identity\'s post into a legacy SSE session gets 404', async () => {
    const sse = await openSse(srv.url, ALICE);
    expect(sse.status).toBe(200);
    sessionIds.push(sse.sessionId!);
    const msg = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const foreign = await fetch(`${srv.url}/mcp/messages?sessionId=${sse.sessionId}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${BOB}` }, body: msg });
    expect(foreign.status).toBe(404);
    const own = await fetch(`${srv.url}/mcp/messages?sessionId=${sse.sessionId}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE}` }, body: msg });
    expect(own.status).toBe(202);
    sse.close();
  });

  it('an elicitation answered from another identity does not run the destructive call', async () => {
    let asked!: (id: string | number) => void;
    const askedId = new Promise<string | number>((r) => (asked = r));
    let answer!: () => void;
    const mayAnswer = new Promise<void>((r) => (answer = r));
    const { client, transport } = await connect(srv.url, ALICE, { elicitation: {} });
    sessionIds.push(transport.sessionId!);
    client.setRequestHandler(ElicitRequestSchema, async (_req, extra) => {
      asked(extra.requestId);
      await mayAnswer;
      return { action: 'decline' };
    });
    const from = sim.requests.length;
    const call = client.callTool({ name: 'delete_variable', arguments: { path: 'nomad-mcp/configs/web' } });
    const id = await Promise.race([askedId, call.then((r) => Promise.reject(new Error(`the user was not asked: ${JSON.stringify(r)}`)))]);
    // bob knows alice's session ID and guesses the elicitation's request ID: he accepts on her behalf
    const forged = await fetch(`${srv.url}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${BOB}`, 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id, result: { action: 'accept', content: { confirm: true } } }),
    });
    // alice declines afterwards (on today's code bob's answer has already run the call)
    answer();
    const r = (await call) as CallToolResult;
    expect(sim.requests.slice(from).filter((q) => q.method === 'DELETE').map((q) => q.path)).toEqual([]);
    expect(forged.status).toBe(404);
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('did not confirm');
    expect(sim.state.variables.size).toBeGreaterThan(0);
    await transport.terminateSession();
    await client.close();
  });

  it('caps sessions per identity with a clear 429; another identity is not affected', async () => {
    const opened: string[] = [];
    let refused: { status: number; error?: string } | undefined;
    for (let i = 0; i < 60 && !refused; i++) {
      const r = await initialize(srv.url, 'carol-nomad-token');
      if (r.status === 200) opened.push(r.sid!);
      else refused = r;
    }
    expect(opened).toHaveLength(50);
    expect(refused?.status).toBe(429);
    expect(refused?.error).toMatch(/too many sessions for this identity \(50\)/i);
    const other = await initialize(srv.url, BOB);
    expect(other.status).toBe(200);
    // closing one makes room again
    const del = await fetch(`${srv.url}/mcp`, { method: 'DELETE', headers: { authorization: 'Bearer carol-nomad-token', 'mcp-session-id': opened.pop()!, 'mcp-protocol-version': '2025-06-18' } });
    expect(del.status).toBe(200);
    const again = await initialize(srv.url, 'carol-nomad-token');
    expect(again.status).toBe(200);
    for (const sid of [...opened, again.sid!, other.sid!]) {
      const token = sid === other.sid ? BOB : 'carol-nomad-token';
      await fetch(`${srv.url}/mcp`, { method: 'DELETE', headers: { authorization: `Bearer ${token}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' } });
    }
  });

  it('caps legacy SSE streams per identity with a clear 429', async () => {
    const streams: Awaited<ReturnType<typeof openSse>>[] = [];
    let refused: Awaited<ReturnType<typeof openSse>> | undefined;
    for (let i = 0; i < 30 && !refused; i++) {
      const s = await openSse(srv.url, BOB);
      if (s.status === 200) streams.push(s);
      else refused = s;
    }
    expect(streams).toHaveLength(20);
    expect(refused?.status).toBe(429);
    expect(refused?.error).toMatch(/too many SSE streams for this identity \(20\)/i);
    for (const s of streams) s.close();
  });

  it('a made-up token is a 401 that says Nomad refused it', async () => {
    const r = await initialize(srv.url, 'mallory-made-up-token');
    expect(r.status).toBe(401);
    expect(r.error).toMatch(/Nomad does not accept this token/);
  });

  it('verifies a token with Nomad once, not on every request', async () => {
    const from = sim.requests.length;
    const { client, transport } = await connect(srv.url, 'carol-nomad-token');
    await Promise.all(Array.from({ length: 10 }, () => client.callTool({ name: 'get_job', arguments: { job_id: 'web' } })));
    await transport.terminateSession();
    await client.close();
    // carol was verified by the session-cap test just before (cached), so no new check at all
    expect(sim.requests.slice(from).filter((q) => q.path === '/v1/acl/token/self').length).toBeLessThanOrEqual(1);
  });

  it('caps an unknown tool name in the audit log, which holds no session ID, records identities and is mode 0600', async () => {
    const { client, transport } = await connect(srv.url, ALICE);
    sessionIds.push(transport.sessionId!);
    await expect(client.callTool({ name: `x${'y'.repeat(3 * 1024 * 1024)}`, arguments: {} })).rejects.toThrow(/Unknown tool/);
    await transport.terminateSession();
    await client.close();
    await new Promise((r) => setTimeout(r, 300));
    const raw = readFileSync(audit, 'utf8');
    for (const line of raw.trim().split('\n')) expect(line.length).toBeLessThan(2000);
    for (const sid of sessionIds) expect(raw).not.toContain(sid);
    const lines = auditLines(audit);
    const denied = lines.filter((l) => l.outcome === 'denied' && /another identity/.test(l.reason ?? ''));
    // bob's POST, GET, DELETE, SSE post and forged elicitation answer
    expect(denied.length).toBeGreaterThanOrEqual(5);
    expect(denied.every((l) => l.client?.startsWith('sha256:') && l.session?.startsWith('sid:'))).toBe(true);
    expect(lines.some((l) => l.tool.startsWith('xyyy') && l.tool.endsWith('…') && l.tool.length <= 201)).toBe(true);
    expect(statSync(audit).mode & 0o777).toBe(0o600);
    for (const secret of [ALICE, BOB, 'server-own-token']) expect(raw).not.toContain(secret);
  });
});

describe('serve --sse --auth nomad: made-up tokens share one small bucket', () => {
  let sim: Simulator;
  let srv: Served;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 'demo', aclTokens: [ALICE] });
    srv = await spawnServe(['--auth', 'nomad', '--rate-limit', '1000'], { NOMAD_ADDR: sim.url, NOMAD_TOKEN: 'server-own-token' });
  });
  afterAll(async () => {
    await srv?.stop();
    await sim?.close();
  });

  it('30 made-up tokens cannot make the server call Nomad more often than the unverified bucket allows', async () => {
    const from = sim.requests.length;
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const token = `made-up-token-${i}`;
      statuses.push((await initialize(srv.url, token)).status);
      // a tool call with the same token, as an attacker would try next
      const call = await fetch(`${srv.url}/api/tools/list_jobs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' });
      statuses.push(call.status);
    }
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses).toContain(429);
    const madeUp = sim.requests.slice(from).filter((q) => String(q.headers['x-nomad-token'] ?? '').startsWith('made-up-token-'));
    // every Nomad call they caused was a token check, and no more than the bucket holds (10) plus what it
    // refilled meanwhile (10 a minute: one more per 6 s a slow machine takes over the loop)
    expect(madeUp.every((q) => q.path === '/v1/acl/token/self')).toBe(true);
    expect(madeUp.length).toBeLessThanOrEqual(10 + Math.floor((Date.now() - started) / 6000));
    const limited = await fetch(`${srv.url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, authorization: 'Bearer made-up-token-99' }, body: JSON.stringify(INIT) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: string }).error).toMatch(/too many requests with unverified tokens/i);
  });
});

describe('rate limit covers every MCP method that reaches Nomad', () => {
  it('resources/list and resources/read count against the caller\'s limit', async () => {
    const sim = await startSimulator({ port: 0, seed: 'demo' });
    const srv = await spawnServe(['--rate-limit', '2'], { NOMAD_ADDR: sim.url });
    try {
      const { client } = await connect(srv.url, 'unused');
      const from = sim.requests.length;
      await client.listResources();
      await client.listResources();
      await expect(client.listResources()).rejects.toThrow(/Rate limit exceeded for this client; retry in \d+ s\./);
      await expect(client.readResource({ uri: 'nomad://job/default/web' })).rejects.toThrow(/Rate limit exceeded/);
      const calls = sim.requests.length - from;
      await expect(client.listResources()).rejects.toThrow(/Rate limit exceeded/);
      // refused methods never reach Nomad
      expect(sim.requests.length - from).toBe(calls);
      await client.close();
    } finally {
      await srv.stop();
      await sim.close();
    }
  });
});
