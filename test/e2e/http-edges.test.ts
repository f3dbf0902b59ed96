/**
 * Edges of HTTP serving (issue 10, findings 4, 11 and 12; issue 11 item 15): passthrough against a
 * Nomad without ACLs, Origin/Host/CORS, 3xx from Nomad, what /healthz and /readyz reveal and how
 * often /readyz reaches Nomad, the token file and the plain-HTTP warning.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { type Served, runServe, spawnServe } from './http-harness.js';

const TOKEN = 'edge-secret-token-0123456789';
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
});
afterAll(() => sim?.close());

function text(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** A raw request to 127.0.0.1:port with headers fetch would not let us set (Host). */
function raw(port: string, p: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('--auth nomad against a Nomad without ACLs', () => {
  // The simulator started without ACL tokens plays a Nomad agent with ACLs disabled: GET
  // /v1/acl/token/self answers 400 "ACL support disabled" (nomad/acl_endpoint.go v1.9.7, :36 and :1070).
  it('refuses to start', async () => {
    const r = await runServe(['--sse', '--port', '0', '--auth', 'nomad'], { NOMAD_ADDR: sim.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does not enforce ACLs');
    expect(r.stderr).toContain('--insecure-passthrough-without-acl');
  });

  it('starts with --insecure-passthrough-without-acl, warns, and /readyz says so', async () => {
    const srv = await spawnServe(['--auth', 'nomad', '--insecure-passthrough-without-acl'], { NOMAD_ADDR: sim.url });
    try {
      expect(srv.stderr()).toMatch(/Nomad at .* does not enforce ACLs/);
      const r = await fetch(`${srv.url}/readyz`);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ ready: true, acl: 'disabled' });
    } finally {
      await srv.stop();
    }
  });

  it('starts quietly against a Nomad that enforces ACLs', async () => {
    const acl = await startSimulator({ port: 0, seed: 'empty', aclTokens: ['alice-token'] });
    const srv = await spawnServe(['--auth', 'nomad'], { NOMAD_ADDR: acl.url });
    try {
      expect(srv.stderr()).not.toContain('does not enforce ACLs');
      expect(await (await fetch(`${srv.url}/readyz`)).json()).toEqual({ ready: true, acl: 'enforced' });
      // the probe carries no token: neither the server's nor a caller's
      const probes = acl.requests.filter((q) => q.path === '/v1/acl/token/self');
      expect(probes.length).toBeGreaterThan(0);
      for (const q of probes) expect(q.headers['x-nomad-token'] ?? q.headers.authorization).toBeUndefined();
    } finally {
      await srv.stop();
      await acl.close();
    }
  });
});

describe('Origin and Host on a non-loopback bind', () => {
  let srv: Served;
  let port: string;
  beforeAll(async () => {
    srv = await spawnServe(['--host', '0.0.0.0', '--auth-token', TOKEN], { NOMAD_ADDR: sim.url });
    port = new URL(srv.url).port;
  });
  afterAll(() => srv?.stop());

  it('refuses an Origin that merely equals the Host header (DNS rebinding)', async () => {
    const r = await raw(port, '/api/tools', { host: `evil.example:${port}`, origin: `http://evil.example:${port}`, authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(403);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('passes a request without Origin (not a browser) whatever name it used', async () => {
    const r = await raw(port, '/api/tools', { host: `mcp.example.test:${port}`, authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(200);
  });

  it('warns at start that bearer tokens travel over plain HTTP', () => {
    expect(srv.stderr()).toMatch(/plain HTTP/);
  });
});

describe('Origin, Host and CORS on loopback', () => {
  let srv: Served;
  let port: string;
  beforeAll(async () => {
    srv = await spawnServe(['--public-host', 'mcp.example.test', '--allowed-origin', 'https://app.example.test'], { NOMAD_ADDR: sim.url });
    port = new URL(srv.url).port;
  });
  afterAll(() => srv?.stop());

  it('gives no CORS headers to a localhost origin that was not allowed', async () => {
    for (const origin of ['http://localhost:3000', `http://127.0.0.1:${Number(port) + 1}`]) {
      const pre = await raw(port, '/mcp', { host: `127.0.0.1:${port}`, origin, 'access-control-request-method': 'POST' }, 'OPTIONS');
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      expect(pre.status).toBe(403);
      const get = await raw(port, '/api/tools', { host: `127.0.0.1:${port}`, origin });
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
      expect(get.status).toBe(403);
    }
  });

  it('gives CORS headers to an --allowed-origin only', async () => {
    const pre = await raw(port, '/mcp', { host: `127.0.0.1:${port}`, origin: 'https://app.example.test', 'access-control-request-method': 'POST' }, 'OPTIONS');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example.test');
    expect(pre.headers['access-control-allow-headers']).toContain('Mcp-Session-Id');
  });

  it('accepts the configured public name as Host and same-origin Origin, without CORS headers', async () => {
    const r = await raw(port, '/api/tools', { host: `mcp.example.test:${port}`, origin: `http://mcp.example.test:${port}` });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const own = await raw(port, '/api/tools', { host: `localhost:${port}`, origin: `http://localhost:${port}` });
    expect(own.status).toBe(200);
  });

  it('refuses a Host that is not a public name, even with a matching Origin', async () => {
    const r = await raw(port, '/api/tools', { host: `other.example.test:${port}`, origin: `http://other.example.test:${port}` });
    expect(r.status).toBe(403);
    const bare = await raw(port, '/api/tools', { host: `other.example.test:${port}` });
    expect(bare.status).toBe(403);
  });
});

describe('what /healthz and /readyz reveal, and how often /readyz reaches Nomad', () => {
  let own: Simulator;
  let srv: Served;
  beforeAll(async () => {
    own = await startSimulator({ port: 0, seed: 'empty' });
    srv = await spawnServe(['--auth-token', TOKEN], { NOMAD_ADDR: own.url });
  });
  afterAll(async () => {
    await srv?.stop();
    await own?.close();
  });

  it('shows no leader address or session counts without the token', async () => {
    const ready = await fetch(`${srv.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    expect(await (await fetch(`${srv.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const bad = { authorization: 'Bearer not-the-token' };
    expect(await (await fetch(`${srv.url}/readyz`, { headers: bad })).json()).toEqual({ ready: true });
    expect(await (await fetch(`${srv.url}/healthz`, { headers: bad })).json()).toEqual({ status: 'ok' });
  });

  it('shows them with the token', async () => {
    const h = { authorization: `Bearer ${TOKEN}` };
    expect(await (await fetch(`${srv.url}/readyz`, { headers: h })).json()).toMatchObject({ ready: true, leader: expect.any(String) });
    expect(await (await fetch(`${srv.url}/healthz`, { headers: h })).json()).toMatchObject({ status: 'ok', sessions: 0, inFlight: 0 });
  });

  it('50 /readyz requests reach Nomad at most twice (no --rate-limit)', async () => {
    const from = own.requests.length;
    const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(`${srv.url}/readyz`).then((r) => r.status)));
    expect(answers.every((s) => s === 200)).toBe(true);
    const leaderCalls = own.requests.slice(from).filter((q) => q.path === '/v1/status/leader').length;
    expect(leaderCalls).toBeLessThanOrEqual(2);
  });
});

describe('a Nomad answer of 3xx', () => {
  let redirector: http.Server;
  let nomadAddr: string;
  let srv: Served;
  beforeAll(async () => {
    // something in front of Nomad (a proxy, a login page) answering every request with a redirect,
    // with a JSON body so that a client that ignores the status would read it as data
    redirector = http.createServer((req, res) => {
      res.writeHead(307, { location: `http://elsewhere.invalid:4646${req.url}`, 'content-type': 'application/json' });
      res.end('"10.0.0.9:4647"');
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    nomadAddr = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
    srv = await spawnServe([], { NOMAD_ADDR: nomadAddr });
  });
  afterAll(async () => {
    await srv?.stop();
    await new Promise((r) => redirector.close(r));
  });

  it('is a tool error naming the redirect, not "registered"', async () => {
    const client = new Client({ name: 'edges', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
    try {
      const job = { ID: 'redir', Name: 'redir', Type: 'service', TaskGroups: [{ Name: 'g', Tasks: [{ Name: 't', Driver: 'docker', Config: { image: 'nginx' } }] }] };
      const r = (await client.callTool({ name: 'create_job', arguments: { job } })) as CallToolResult;
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/Nomad answered 307 redirect to http:\/\/elsewhere\.invalid:4646\/v1\/jobs/);
      expect(text(r)).toContain('point NOMAD_ADDR at Nomad itself');
      expect(text(r)).not.toMatch(/registered/i);
      const list = (await client.callTool({ name: 'list_jobs', arguments: {} })) as CallToolResult;
      expect(list.isError).toBe(true);
      expect(text(list)).toContain('307 redirect');
    } finally {
      await client.close();
    }
  });

  it('makes /readyz not ready', async () => {
    const r = await fetch(`${srv.url}/readyz`);
    expect(r.status).toBe(503);
    expect(((await r.json()) as { ready: boolean }).ready).toBe(false);
  });
});

describe('--auth-token-file', () => {
  it('reads one token per line, ignoring blank lines and surrounding whitespace', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-tokens-'));
    const file = path.join(dir, 'tokens');
    writeFileSync(file, '\n  file-token-alpha  \n\n\tfile-token-beta\n', { mode: 0o600 });
    const srv = await spawnServe(['--auth-token-file', file], { NOMAD_ADDR: sim.url });
    try {
      for (const t of ['file-token-alpha', 'file-token-beta']) {
        expect((await fetch(`${srv.url}/api/tools`, { headers: { authorization: `Bearer ${t}` } })).status).toBe(200);
      }
      expect((await fetch(`${srv.url}/api/tools`, { headers: { authorization: 'Bearer file-token-gamma' } })).status).toBe(401);
      expect((await fetch(`${srv.url}/api/tools`)).status).toBe(401);
      expect(srv.stderr()).not.toContain('file-token-alpha');
    } finally {
      await srv.stop();
    }
  });

  it('a missing file (flag or NOMAD_MCP_AUTH_TOKEN_FILE) is a clear error', async () => {
    const missing = path.join(os.tmpdir(), 'nomad-mcp-no-such-dir', 'tokens');
    const flag = await runServe(['--sse', '--port', '0', '--auth-token-file', missing], { NOMAD_ADDR: sim.url });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain(`cannot read the token file ${missing}`);
    const env = await runServe(['--sse', '--port', '0'], { NOMAD_ADDR: sim.url, NOMAD_MCP_AUTH_TOKEN_FILE: missing });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain(`cannot read the token file ${missing}`);
  });
});
