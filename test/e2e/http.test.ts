import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { type Served, runServe, spawnServe } from './http-harness.js';

const TOKEN = 'mcp-secret-token-0123456789';
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
});
afterAll(() => sim?.close());

function text(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

async function streamableClient(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'http-e2e', version: '1.0.0' });
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
  return client;
}

describe('serve --sse with a bearer token', () => {
  let srv: Served;
  let audit: string;
  beforeAll(async () => {
    audit = path.join(mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-audit-')), 'audit.jsonl');
    // the burst test below sends 500 calls at once as one client: above the default cap of calls per client
    srv = await spawnServe(['--auth-token', TOKEN, '--audit-log', audit], { NOMAD_ADDR: sim.url, NOMAD_TOKEN: 'server-nomad-token-xyz', NOMAD_MCP_MAX_CALLS_PER_CLIENT: '500' });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('serves tools over Streamable HTTP', async () => {
    const client = await streamableClient(srv.url, TOKEN);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('list_jobs');
    const r = (await client.callTool({ name: 'list_jobs', arguments: {} })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(text(r)).toMatch(/^web {2,}default {2,}service {2,}/m);
    await client.close();
  });

  it('serves tools over the legacy SSE transport', async () => {
    const client = new Client({ name: 'sse-e2e', version: '1.0.0' });
    const auth = { authorization: `Bearer ${TOKEN}` };
    await client.connect(
      new SSEClientTransport(new URL(`${srv.url}/mcp/sse`), {
        requestInit: { headers: auth },
        eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth } }) },
      }),
    );
    const r = (await client.callTool({ name: 'get_job', arguments: { job_id: 'web' } })) as CallToolResult;
    expect(text(r)).toContain('"ID":"web"');
    await client.close();
  });

  it('answers 401 without or with a wrong token', async () => {
    const none = await fetch(`${srv.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await fetch(`${srv.url}/api/tools`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('answers 403 to a foreign Origin', async () => {
    const r = await fetch(`${srv.url}/api/tools`, { headers: { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' } });
    expect(r.status).toBe(403);
    // another local web app is a foreign origin too (only --allowed-origin gets CORS); the server's own is not
    const local = await fetch(`${srv.url}/api/tools`, { headers: { authorization: `Bearer ${TOKEN}`, origin: 'http://localhost:3000' } });
    expect(local.status).toBe(403);
    const port = new URL(srv.url).port;
    const own = await fetch(`${srv.url}/api/tools`, { headers: { authorization: `Bearer ${TOKEN}`, origin: `http://localhost:${port}` } });
    expect(own.status).toBe(200);
    expect(own.headers.get('access-control-allow-origin')).toBeNull();
    // a DNS name that merely starts with 127. is not loopback (DNS rebinding)
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/api/tools', headers: { host: `127.evil.example:${port}`, authorization: `Bearer ${TOKEN}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
    // no preflight answer for an origin that was not allowed, loopback or not
    const pre = await fetch(`${srv.url}/mcp`, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(403);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const foreign = await fetch(`${srv.url}/mcp`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
  });

  it('answers 404 to an unknown session and 400 to malformed JSON', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const unknown = await fetch(`${srv.url}/mcp`, { method: 'POST', headers: { ...headers, 'mcp-session-id': 'no-such-session' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    expect(unknown.status).toBe(404);
    const bad = await fetch(`${srv.url}/mcp`, { method: 'POST', headers, body: '{"jsonrpc": "2.0", ' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32700);
  });

  it('serves REST: list, call, 400 and 404', async () => {
    const h = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const list = (await (await fetch(`${srv.url}/api/tools`, { headers: h })).json()) as { tools: { name: string }[] };
    expect(list.tools.map((t) => t.name)).toContain('get_job_status');
    const ok = await fetch(`${srv.url}/api/tools/get_job`, { method: 'POST', headers: h, body: JSON.stringify({ job_id: 'web' }) });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { isError: boolean; text: string; structured: { ID: string } };
    expect(body.isError).toBe(false);
    expect(body.structured.ID).toBe('web');
    const invalid = await fetch(`${srv.url}/api/tools/get_job`, { method: 'POST', headers: h, body: JSON.stringify({}) });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { text: string }).text).toContain('job_id');
    const missing = await fetch(`${srv.url}/api/tools/no_such_tool`, { method: 'POST', headers: h, body: '{}' });
    expect(missing.status).toBe(404);
    const badJson = await fetch(`${srv.url}/api/tools/get_job`, { method: 'POST', headers: h, body: '{x' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ isError: true, text: expect.stringContaining('not valid JSON') });
    const badName = await fetch(`${srv.url}/api/tools/%E0%A4%A`, { method: 'POST', headers: h, body: '{}' });
    expect(badName.status).toBe(404);
    const notFound = await fetch(`${srv.url}/api/tools/get_job`, { method: 'POST', headers: h, body: JSON.stringify({ job_id: 'ghost' }) });
    expect(notFound.status).toBe(200);
    expect(((await notFound.json()) as { isError: boolean }).isError).toBe(true);
  });

  it('answers a burst of 500 concurrent calls on one session', { timeout: 120_000 }, async () => {
    const client = await streamableClient(srv.url, TOKEN);
    const jobs = ['web', 'batch-report', 'win-app'];
    const rs = (await Promise.all(Array.from({ length: 500 }, (_, i) => client.callTool({ name: 'get_job', arguments: { job_id: jobs[i % 3] } })))) as CallToolResult[];
    rs.forEach((r, i) => expect((r.structuredContent as { ID: string }).ID).toBe(jobs[i % 3]));
    await client.close();
  });

  it('health and readiness', async () => {
    const h = await fetch(`${srv.url}/healthz`);
    expect(h.status).toBe(200);
    const r = await fetch(`${srv.url}/readyz`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { ready: boolean }).ready).toBe(true);
  });

  it('calls Nomad with the server token and never writes tokens to the audit log or stderr', async () => {
    const from = sim.requests.length;
    const client = await streamableClient(srv.url, TOKEN);
    await client.callTool({ name: 'list_jobs', arguments: {} });
    await client.close();
    expect(sim.requests.slice(from).some((q) => q.headers['x-nomad-token'] === 'server-nomad-token-xyz')).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    const log = readFileSync(audit, 'utf8');
    const lines = log.trim().split('\n').map((l) => JSON.parse(l) as { tool: string; outcome: string; client: string; transport: string });
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.some((l) => l.tool === 'list_jobs' && l.outcome === 'ok' && l.transport === 'streamable-http')).toBe(true);
    expect(lines.every((l) => !l.client || l.client.startsWith('sha256:'))).toBe(true);
    for (const secret of [TOKEN, 'server-nomad-token-xyz']) {
      expect(log).not.toContain(secret);
      expect(srv.stderr()).not.toContain(secret);
    }
  });

  it('exits 0 on SIGTERM', async () => {
    const other = await spawnServe(['--auth-token', TOKEN], { NOMAD_ADDR: sim.url });
    expect(await other.stop()).toBe(0);
  });
});

describe('serve --sse --auth nomad (per-user passthrough)', () => {
  let acl: Simulator;
  let srv: Served;
  const users = Array.from({ length: 100 }, (_, i) => `user-${String(i).padStart(3, '0')}-nomad-token`);
  beforeAll(async () => {
    acl = await startSimulator({ port: 0, seed: 'demo', aclTokens: ['alice-nomad-token', 'bob-nomad-token', ...users] });
    // 102 distinct tokens are checked with Nomad at once from one address: a bucket big enough for them
    srv = await spawnServe(['--auth', 'nomad', '--unverified-rate-limit', '500'], { NOMAD_ADDR: acl.url, NOMAD_TOKEN: 'server-own-token', GITEA_URL: acl.url });
  });
  afterAll(async () => {
    await srv?.stop();
    await acl?.close();
  });

  it('sends each user\'s own token to Nomad, never the server\'s', async () => {
    const alice = await streamableClient(srv.url, 'alice-nomad-token');
    const bob = await streamableClient(srv.url, 'bob-nomad-token');
    const from = acl.requests.length;
    await Promise.all([
      ...Array.from({ length: 10 }, () => alice.callTool({ name: 'get_job', arguments: { job_id: 'web' } })),
      ...Array.from({ length: 10 }, () => bob.callTool({ name: 'get_job', arguments: { job_id: 'batch-report' } })),
    ]);
    const seen = acl.requests.slice(from).filter((q) => q.path.startsWith('/v1/job/'));
    expect(seen).toHaveLength(20);
    for (const q of seen) {
      const expected = q.path === '/v1/job/web' ? 'alice-nomad-token' : 'bob-nomad-token';
      expect(q.headers['x-nomad-token']).toBe(expected);
    }
    await alice.close();
    await bob.close();
  });

  it('100 concurrent sessions: every call answered, each token only on its own calls, sessions cleaned up', { timeout: 120_000 }, async () => {
    const from = acl.requests.length;
    // sessions open ten at a time (each new token is one check with Nomad, which a loaded machine may not
    // answer within the check's 5 s if a hundred arrive at once); all hundred are then open together
    const clients: { token: string; client: Client; transport: StreamableHTTPClientTransport }[] = [];
    for (let i = 0; i < users.length; i += 10) {
      clients.push(
        ...(await Promise.all(
          users.slice(i, i + 10).map(async (token) => {
            const transport = new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
            const client = new Client({ name: token, version: '1' });
            await client.connect(transport);
            return { token, client, transport };
          }),
        )),
      );
    }
    // (passthrough shows session counts to nobody: each client has its own session, and each is gone after DELETE)
    const sids = clients.map(({ transport }) => transport.sessionId);
    expect(new Set(sids).size).toBe(100);
    const answers = await Promise.all(
      clients.flatMap(({ token, client }) =>
        [0, 1].map(async () => (await client.callTool({ name: 'list_jobs', arguments: { prefix: token.slice(0, 8) } })) as CallToolResult),
      ),
    );
    expect(answers.every((a) => !a.isError)).toBe(true);
    const seen = acl.requests.slice(from).filter((q) => q.path === '/v1/jobs');
    expect(seen).toHaveLength(200);
    for (const q of seen) expect(q.headers['x-nomad-token']).toContain(q.query.prefix);
    await Promise.all(clients.map(async ({ client, transport }) => {
      await transport.terminateSession();
      await client.close();
    }));
    const after = await Promise.all(
      clients.map(async ({ token }, i) => {
        const r = await fetch(`${srv.url}/mcp`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'mcp-session-id': sids[i]!, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
        return r.status;
      }),
    );
    expect(after.every((s) => s === 404)).toBe(true);
  });

  it('a token Nomad refuses is a 401, over MCP and REST', async () => {
    await expect(streamableClient(srv.url, 'mallory-token')).rejects.toThrow(/401|Nomad does not accept this token/);
    const rest = await fetch(`${srv.url}/api/tools/list_repositories`, { method: 'POST', headers: { authorization: 'Bearer mallory-token' }, body: '{}' });
    expect(rest.status).toBe(401);
    expect(((await rest.json()) as { error: string }).error).toContain('Nomad does not accept this token');
  });

  it('the server\'s Gitea credentials serve callers whose token Nomad accepts', async () => {
    const alice = await streamableClient(srv.url, 'alice-nomad-token');
    const ok = (await alice.callTool({ name: 'list_repositories', arguments: {} })) as CallToolResult;
    expect(ok.isError, text(ok)).toBeFalsy();
    await alice.close();
  });

  it('no token at all is a 401', async () => {
    const r = await fetch(`${srv.url}/api/tools`);
    expect(r.status).toBe(401);
  });

  it('never writes a user\'s token to stderr', () => {
    for (const t of ['alice-nomad-token', 'bob-nomad-token', 'mallory-token', 'server-own-token', ...users]) expect(srv.stderr()).not.toContain(t);
  });
});

describe('serve --sse --stateless', () => {
  it('answers each request on its own, with no session', async () => {
    const srv = await spawnServe(['--stateless'], { NOMAD_ADDR: sim.url });
    try {
      const client = await streamableClient(srv.url);
      const r = (await client.callTool({ name: 'get_job', arguments: { job_id: 'web' } })) as CallToolResult;
      expect(text(r)).toContain('"ID":"web"');
      expect(((await (await fetch(`${srv.url}/healthz`)).json()) as { sessions: number }).sessions).toBe(0);
      const get = await fetch(`${srv.url}/mcp`, { headers: { accept: 'text/event-stream' } });
      expect(get.status).toBe(405);
      await client.close();
    } finally {
      await srv.stop();
    }
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the limit', async () => {
    const srv = await spawnServe(['--rate-limit', '2'], { NOMAD_ADDR: sim.url });
    try {
      const call = () => fetch(`${srv.url}/api/tools/list_jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect((await call()).status).toBe(200);
      expect((await call()).status).toBe(200);
      const third = await call();
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      // over MCP the same limit is a tool error saying when to retry
      const client = await streamableClient(srv.url);
      const r = (await client.callTool({ name: 'list_jobs', arguments: {} })) as CallToolResult;
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/^Rate limit exceeded for this client; retry in \d+ s\.$/);
      await client.close();
    } finally {
      await srv.stop();
    }
  });
});

describe('binding a public address', () => {
  it('refuses to start without authentication', async () => {
    const r = await runServe(['--sse', '--host', '0.0.0.0', '--port', '0'], { NOMAD_ADDR: sim.url });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--auth-token.*--auth nomad/);
  });
});
