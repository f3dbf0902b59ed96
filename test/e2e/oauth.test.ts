/**
 * Single sign-on (issue 13): `serve --sse --auth oauth` is an OAuth resource server. Access tokens
 * from a test issuer (a local node:http server publishing OpenID metadata and a JWKS) are validated
 * with jose, and exchanged at the simulator's JWT auth method (`POST /v1/acl/login`) for each user's
 * own short-lived Nomad token.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runServe, type Served, spawnServe } from './http-harness.js';

const MGMT = 'oauth-e2e-management';
const AUDIENCE = 'https://mcp.example.test/mcp';
const METADATA_URL = 'https://mcp.example.test/.well-known/oauth-protected-resource/mcp';
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

interface Idp {
  url: string;
  jwksFetches: number;
  server: http.Server;
}

let idp: Idp;
let key: { privateKey: CryptoKey; publicKey: CryptoKey };
let stranger: { privateKey: CryptoKey; publicKey: CryptoKey };
let publicPem: string;
let sim: Simulator;
let served: Served;
let dir: string;
let auditFile: string;
/** Every JWT a test minted: none may appear in stderr, the audit log or an answer. */
const minted: string[] = [];
const answers: string[] = [];

async function startIdp(): Promise<Idp> {
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const state: Idp = { url: '', jwksFetches: 0, server: http.createServer() };
  state.server.on('request', (req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: state.url, jwks_uri: `${state.url}/jwks`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url === '/jwks') {
      state.jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

/** A token as the issuer would sign it; `over` replaces claims, `opts` the key and header. */
async function mint(over: JWTPayload = {}, opts: { signer?: CryptoKey; kid?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = { iss: idp.url, aud: AUDIENCE, sub: 'alice', iat: now, exp: now + 600, scope: 'openid nomad', groups: ['ops'], ...over };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1' }).sign(opts.signer ?? key.privateKey);
  minted.push(jwt);
  return jwt;
}

async function nomad(method: string, p: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const r = await fetch(sim.url + p, { method, headers: { 'X-Nomad-Token': MGMT }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, text };
}

/** A raw initialize with a bearer token (or none): status, headers and error text. */
async function initialize(token?: string): Promise<{ status: number; www: string | null; error: string }> {
  const headers: Record<string, string> = { ...MCP_HEADERS };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const r = await fetch(`${served.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(INIT) });
  const text = await r.text();
  answers.push(text);
  let error = text;
  try {
    const j = JSON.parse(text) as { error?: string };
    if (typeof j.error === 'string') error = j.error;
  } catch {
    /* not JSON */
  }
  return { status: r.status, www: r.headers.get('www-authenticate'), error };
}

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

function text(r: CallToolResult): string {
  const t = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  answers.push(JSON.stringify(r));
  return t;
}

const logins = () => sim.requests.filter((r) => r.path === '/v1/acl/login').length;
/** The login-made tokens in the simulator (secrets and accessors). */
const loginTokens = () => [...sim.state.aclTokens.values()].filter((t) => t.Name.startsWith('JWT-'));

beforeAll(async () => {
  key = await generateKeyPair('RS256');
  stranger = await generateKeyPair('RS256');
  publicPem = await exportSPKI(key.publicKey);
  idp = await startIdp();
  sim = await startSimulator({ seed: 'demo', aclTokens: [MGMT] });
  // the Nomad side, as the README's "Single sign-on" section configures it
  const method = await nomad('POST', '/v1/acl/auth-method', {
    Name: 'mcp-sso',
    Type: 'JWT',
    TokenLocality: 'local',
    MaxTokenTTL: '1h',
    Config: { JWKSURL: `${idp.url}/jwks`, BoundAudiences: [AUDIENCE], BoundIssuer: [idp.url], ListClaimMappings: { groups: 'groups' }, ClaimMappings: { sub: 'user' } },
  });
  expect(method.status, method.text).toBe(200);
  // two policies: ops may stop jobs in default, readonly may only read
  for (const [name, rules] of [['ops', 'namespace "default" { policy = "write" }'], ['readonly', 'namespace "*" { policy = "read" }']]) {
    const r = await nomad('POST', `/v1/acl/policy/${name}`, { Name: name, Rules: rules });
    expect(r.status, r.text).toBe(200);
  }
  for (const rule of [
    { AuthMethod: 'mcp-sso', Selector: '"ops" in list.groups', BindType: 'policy', BindName: 'ops' },
    { AuthMethod: 'mcp-sso', Selector: '"eng" in list.groups', BindType: 'policy', BindName: 'readonly' },
    { AuthMethod: 'mcp-sso', Selector: '"admins" in list.groups', BindType: 'management' },
  ]) {
    const r = await nomad('POST', '/v1/acl/binding-rule', rule);
    expect(r.status, r.text).toBe(200);
  }
  dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-oauth-'));
  auditFile = path.join(dir, 'audit.jsonl');
  const config = path.join(dir, 'nomad-mcp.config.json');
  writeFileSync(config, JSON.stringify({ oauth: { issuer: idp.url, audience: AUDIENCE, requiredScopes: ['nomad'], nomadAuthMethod: 'mcp-sso' } }));
  // no NOMAD_TOKEN: every Nomad call runs with the user's exchanged token
  served = await spawnServe(['--auth', 'oauth', '--audit-log', auditFile], { NOMAD_ADDR: sim.url, NOMAD_MCP_CONFIG: config });
}, 60_000);

afterAll(async () => {
  await served?.stop();
  await sim?.close();
  await new Promise<void>((r) => (idp ? idp.server.close(() => r()) : r()));
});

describe('the OAuth resource server', () => {
  it('refuses to start without its oauth settings, naming them', async () => {
    const partial = path.join(dir, 'partial.json');
    writeFileSync(partial, JSON.stringify({ oauth: { issuer: idp.url } }));
    const r = await runServe(['--sse', '--port', '0', '--auth', 'oauth'], { NOMAD_ADDR: sim.url, NOMAD_MCP_CONFIG: partial, NOMAD_MCP_OAUTH_AUDIENCE: AUDIENCE });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--auth oauth needs oauth.nomadAuthMethod');
  });

  it('publishes its protected-resource metadata (RFC 9728), without a token', async () => {
    for (const p of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const r = await fetch(served.url + p);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({
        resource: AUDIENCE,
        authorization_servers: [idp.url],
        scopes_supported: ['nomad'],
        bearer_methods_supported: ['header'],
      });
    }
  });

  it('answers 401 with the resource_metadata pointer when no token is sent', async () => {
    const r = await initialize();
    expect(r.status).toBe(401);
    expect(r.www).toContain(`resource_metadata="${METADATA_URL}"`);
    expect(r.www).not.toContain('error=');
  });

  it('answers 403 insufficient_scope, naming the scope, before any Nomad login', async () => {
    const before = logins();
    const r = await initialize(await mint({ scope: undefined, scp: ['openid', 'profile'] }));
    expect(r.status).toBe(403);
    expect(r.www).toContain('error="insufficient_scope"');
    expect(r.www).toContain('scope="nomad"');
    expect(r.www).toContain(`resource_metadata="${METADATA_URL}"`);
    expect(logins()).toBe(before);
    // the scope may also come as an `scp` array
    expect((await initialize(await mint({ scope: undefined, scp: ['nomad'] }))).status).toBe(200);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const refusals: [string, () => Promise<string>, string][] = [
    ['another issuer', () => mint({ iss: 'https://evil.example.test' }), 'another issuer'],
    ['another audience', () => mint({ aud: 'https://other.example.test/mcp' }), 'another audience'],
    ['an expired token', () => mint({ exp: now() - 3600, iat: now() - 7200 }), 'expired'],
    ['a token not valid yet', () => mint({ nbf: now() + 3600 }), 'not valid yet'],
    ['alg none', async () => {
      const t = new UnsecuredJWT({ iss: idp.url, aud: AUDIENCE, sub: 'alice', exp: now() + 600, scope: 'nomad' }).encode();
      minted.push(t);
      return t;
    }, 'algorithm'],
    ['HMAC signed with the public key', async () => {
      const t = await new SignJWT({ iss: idp.url, aud: AUDIENCE, sub: 'alice', exp: now() + 600, scope: 'nomad' })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .sign(new TextEncoder().encode(publicPem));
      minted.push(t);
      return t;
    }, 'algorithm'],
    ['a bad signature', async () => {
      const good = await mint();
      const [h, p] = good.split('.');
      const forged = (await mint({}, { signer: stranger.privateKey })).split('.')[2];
      return `${h}.${p}.${forged}`;
    }, 'signature'],
    ['garbage', async () => 'not-a-jwt', 'malformed'],
  ];
  for (const [name, make, words] of refusals) {
    it(`refuses ${name} with 401 invalid_token`, async () => {
      const before = logins();
      const r = await initialize(await make());
      expect(r.status).toBe(401);
      expect(r.www).toContain('error="invalid_token"');
      expect(r.www).toContain(`resource_metadata="${METADATA_URL}"`);
      expect(r.error).toContain(words);
      expect(logins()).toBe(before);
    });
  }

  it('refetches the JWKS once for an unknown kid, then refuses; a second unknown kid costs no fetch', async () => {
    await initialize(await mint()); // the key set is loaded
    const before = idp.jwksFetches;
    const r = await initialize(await mint({}, { signer: stranger.privateKey, kid: 'k-rotated' }));
    expect(r.status).toBe(401);
    expect(r.error).toContain('a key the issuer does not publish');
    expect(idp.jwksFetches).toBe(before + 1);
    const again = await initialize(await mint({}, { signer: stranger.privateKey, kid: 'k-other' }));
    expect(again.status).toBe(401);
    expect(idp.jwksFetches).toBe(before + 1);
  });
});

describe('the exchange for Nomad tokens', () => {
  it('runs a user\'s calls with their own Nomad token, one login for many calls, and audits subject and accessor', async () => {
    const jwt = await mint({ sub: 'erin' });
    const before = logins();
    const client = await connect(jwt);
    for (let i = 0; i < 3; i++) {
      const r = (await client.callTool({ name: 'list_jobs', arguments: {} })) as CallToolResult;
      expect(r.isError, text(r)).toBeFalsy();
    }
    expect(logins()).toBe(before + 1);
    const stop = (await client.callTool({ name: 'stop_job', arguments: { job_id: 'web' } })) as CallToolResult;
    expect(stop.isError, text(stop)).toBeFalsy();
    text(stop);
    await client.close();
    const token = loginTokens().at(-1)!;
    expect(token.Type).toBe('client');
    expect(token.Policies).toEqual(['ops']);
    const del = sim.requests.filter((r) => r.method === 'DELETE' && r.path === '/v1/job/web').at(-1)!;
    expect(del.headers['x-nomad-token']).toBe(token.SecretID);
    // the user's JWT never reaches Nomad as a Nomad token
    for (const r of sim.requests) {
      expect(String(r.headers['x-nomad-token'] ?? '')).not.toContain('.');
      expect(String(r.headers.authorization ?? '')).toBe('');
    }
    await new Promise((r) => setTimeout(r, 200));
    const lines = readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const stopLine = lines.filter((l) => l.tool === 'stop_job').at(-1)!;
    expect(stopLine.client).toMatch(/^sub:[0-9a-f]{8}:erin$/);
    expect(stopLine.nomadAccessor).toBe(token.AccessorID);
    expect(stopLine.outcome).toBe('ok');
  });

  it('gives two users different Nomad policies: one stops a job, the other gets Nomad\'s 403 in words', async () => {
    const reader = await connect(await mint({ sub: 'frank', groups: ['eng'] }));
    const list = (await reader.callTool({ name: 'list_jobs', arguments: {} })) as CallToolResult;
    expect(list.isError, text(list)).toBeFalsy();
    const denied = (await reader.callTool({ name: 'stop_job', arguments: { job_id: 'win-app' } })) as CallToolResult;
    expect(denied.isError).toBe(true);
    expect(text(denied)).toContain('Nomad 403: Permission denied');
    expect(loginTokens().at(-1)!.Policies).toEqual(['readonly']);
    await reader.close();
    const operator = await connect(await mint({ sub: 'grace', groups: ['ops'] }));
    const stopped = (await operator.callTool({ name: 'stop_job', arguments: { job_id: 'win-app' } })) as CallToolResult;
    expect(stopped.isError, text(stopped)).toBeFalsy();
    await operator.close();
    const job = await nomad('GET', '/v1/job/win-app');
    expect((job.json as { Stop: boolean }).Stop).toBe(true);
  });

  it('tells a user whose claims bind to nothing what Nomad said', async () => {
    const r = await initialize(await mint({ sub: 'bob', groups: ['dev'] }));
    expect(r.status).toBe(403);
    expect(r.error).toContain('no role or policy bindings matched');
  });

  it('refuses a login that yields a management token', async () => {
    const before = loginTokens().length;
    const r = await initialize(await mint({ sub: 'carol', groups: ['admins'] }));
    expect(r.status).toBe(403);
    expect(r.error).toContain('management token');
    expect(loginTokens().length).toBe(before + 1);
    expect(loginTokens().at(-1)!.Type).toBe('management');
  });

  it('re-exchanges once when Nomad no longer accepts the token: expired, then revoked', async () => {
    const jwt = await mint({ sub: 'dave' });
    const client = await connect(jwt);
    const ok = (await client.callTool({ name: 'list_jobs', arguments: {} })) as CallToolResult;
    expect(ok.isError, text(ok)).toBeFalsy();
    const first = loginTokens().at(-1)!;
    // Nomad's clock passes the token's ExpirationTime: its answer is 403 Permission denied
    first.ExpirationTime = new Date(Date.now() - 1000).toISOString();
    let before = logins();
    const r1 = (await client.callTool({ name: 'list_jobs', arguments: {} })) as CallToolResult;
    expect(r1.isError, text(r1)).toBeFalsy();
    expect(logins()).toBe(before + 1);
    const second = loginTokens().at(-1)!;
    expect(second.SecretID).not.toBe(first.SecretID);
    // an operator revokes it
    sim.state.aclTokens.delete(second.SecretID);
    before = logins();
    const r2 = (await client.callTool({ name: 'list_jobs', arguments: {} })) as CallToolResult;
    expect(r2.isError, text(r2)).toBeFalsy();
    expect(logins()).toBe(before + 1);
    const third = loginTokens().at(-1)!;
    expect(third.SecretID).not.toBe(second.SecretID);
    const last = sim.requests.filter((r) => r.path === '/v1/jobs').at(-1)!;
    expect(last.headers['x-nomad-token']).toBe(third.SecretID);
    await client.close();
  });

  it('leaves no secret in stderr, the audit log or any answer', async () => {
    await new Promise((r) => setTimeout(r, 200));
    const audit = readFileSync(auditFile, 'utf8');
    const secrets = [...minted.filter((t) => t.length > 20), ...loginTokens().map((t) => t.SecretID)];
    expect(secrets.length).toBeGreaterThan(10);
    for (const s of secrets) {
      expect(served.stderr()).not.toContain(s);
      expect(audit).not.toContain(s);
      for (const a of answers) expect(a).not.toContain(s);
    }
  });
});
