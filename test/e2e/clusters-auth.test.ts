/**
 * Several clusters behind per-user authentication (issue 13), over Streamable HTTP:
 * - `--auth oauth` with two `sso: true` clusters: a user signs in at each cluster's own JWT auth
 *   method on first use there (one /v1/acl/login per user and cluster, however many calls), and the
 *   Nomad token one cluster gave is never sent to the other.
 * - `--auth nomad` passthrough: the caller's token goes to the default cluster only; another cluster
 *   runs with its own configured token, for callers the default cluster accepts.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { call, simpleJob } from '../sim/helpers.js';
import { type Served, spawnServe } from './http-harness.js';
import { startIdp, type TestIdp } from './idp.js';

const MGMT = 'clusters-auth-management';
const WEST_SERVER_TOKEN = 'west-server-token-3';
const EAST_USER = 'east-user-token-4';
const OPS = 'namespace "default" { policy = "write" }';
const AUDIENCE = 'https://mcp.example.test/mcp';

let idp: TestIdp;
let east: Simulator;
let west: Simulator;
let dir: string;
const servers: Served[] = [];
const clients: Client[] = [];

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'clusters-auth-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  clients.push(client);
  return client;
}

async function tool(client: Client, name: string, args: Record<string, unknown>): Promise<{ text: string; isError: boolean }> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { text: r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n'), isError: r.isError === true };
}

/** Sets up a cluster's side of single sign-on, as the README's "Single sign-on" section does. */
async function ssoSetup(sim: Simulator, method: string): Promise<void> {
  const H = { 'X-Nomad-Token': MGMT };
  const ok = (r: { status: number; text: string }) => expect(r.status, r.text).toBe(200);
  ok(
    await call(sim, 'POST', '/v1/acl/auth-method', {
      Name: method,
      Type: 'JWT',
      TokenLocality: 'local',
      MaxTokenTTL: '1h',
      Config: { JWKSURL: `${idp.url}/jwks`, BoundAudiences: [AUDIENCE], BoundIssuer: [idp.url], ListClaimMappings: { groups: 'groups' } },
    }, H),
  );
  ok(await call(sim, 'POST', '/v1/acl/policy/ops', { Name: 'ops', Rules: OPS }, H));
  ok(await call(sim, 'POST', '/v1/acl/binding-rule', { AuthMethod: method, Selector: '"ops" in list.groups', BindType: 'policy', BindName: 'ops' }, H));
}

const logins = (sim: Simulator) => sim.requests.filter((r) => r.path === '/v1/acl/login').length;
/** Secrets of the tokens a simulator's logins created. */
const loginSecrets = (sim: Simulator) => [...sim.state.aclTokens.values()].filter((t) => t.Name.startsWith('JWT-')).map((t) => t.SecretID);
const sentTokens = (sim: Simulator) => sim.requests.map((r) => String(r.headers['x-nomad-token'] ?? '')).filter(Boolean);

beforeAll(async () => {
  idp = await startIdp();
  // east: a user's client token for passthrough; west: the server's own token for that cluster
  east = await startSimulator({ seed: 'demo', aclTokens: [MGMT], port: 0, acl: { policies: { ops: OPS }, tokens: [{ name: 'east-user', secret: EAST_USER, policies: ['ops'] }] } });
  west = await startSimulator({ seed: 'empty', aclTokens: [MGMT], port: 0, acl: { tokens: [{ name: 'west-server', secret: WEST_SERVER_TOKEN, type: 'management' }] } });
  expect((await call(west, 'PUT', '/v1/jobs', { Job: simpleJob('west-only') }, { 'X-Nomad-Token': MGMT })).status).toBe(200);
  await ssoSetup(east, 'mcp-sso');
  await ssoSetup(west, 'west-sso');
  dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-clusters-auth-'));
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const s of servers) await s.stop();
  await east?.close();
  await west?.close();
  await idp?.close();
});

describe('single sign-on on two clusters', () => {
  let served: Served;
  beforeAll(async () => {
    const config = path.join(dir, 'sso.json');
    writeFileSync(
      config,
      JSON.stringify({
        oauth: { issuer: idp.url, audience: AUDIENCE, requiredScopes: ['nomad'], nomadAuthMethod: 'mcp-sso' },
        clusters: { east: { address: east.url, sso: true }, west: { address: west.url, sso: true, nomadAuthMethod: 'west-sso' } },
      }),
    );
    served = await spawnServe(['--auth', 'oauth'], { NOMAD_MCP_CONFIG: config });
    servers.push(served);
  }, 60_000);

  it('signs a user in at each cluster on first use there, once per cluster, and runs calls as them', async () => {
    const [e0, w0] = [logins(east), logins(west)];
    const alice = await connect(served.url, await idp.mint(AUDIENCE, { sub: 'alice' }));
    for (let i = 0; i < 3; i++) {
      const r = await tool(alice, 'list_jobs', { cluster: 'west' });
      expect(r.isError, r.text).toBe(false);
      expect(r.text).toContain('west-only');
    }
    const onEast = await tool(alice, 'list_jobs', {});
    expect(onEast.text).toContain('batch-report');
    expect(onEast.text).not.toContain('west-only');
    expect([logins(east) - e0, logins(west) - w0]).toEqual([1, 1]);
    // another user: their own login at each cluster
    const bob = await connect(served.url, await idp.mint(AUDIENCE, { sub: 'bob' }));
    expect((await tool(bob, 'list_jobs', { cluster: 'west' })).isError).toBe(false);
    expect([logins(east) - e0, logins(west) - w0]).toEqual([2, 2]);
  });

  it('says a refused sign-in at one cluster in Nomad\'s words, and the other cluster still works', async () => {
    // a user no binding rule matches on either cluster is refused at the door (the default cluster's login)
    const r = await fetch(`${served.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await idp.mint(AUDIENCE, { sub: 'mallory', groups: ['guests'] })}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('no role or policy bindings matched');
  });

  it('never sends one cluster\'s Nomad token (or the user\'s JWT) to the other', () => {
    const eastSecrets = loginSecrets(east);
    const westSecrets = loginSecrets(west);
    expect(eastSecrets.length).toBeGreaterThanOrEqual(2);
    expect(westSecrets.length).toBeGreaterThanOrEqual(2);
    const toEast = sentTokens(east);
    const toWest = sentTokens(west);
    for (const t of toEast) expect([MGMT, EAST_USER, ...eastSecrets]).toContain(t);
    for (const t of toWest) expect([MGMT, WEST_SERVER_TOKEN, ...westSecrets]).toContain(t);
    for (const s of westSecrets) expect(JSON.stringify(east.requests)).not.toContain(s);
    for (const s of eastSecrets) expect(JSON.stringify(west.requests)).not.toContain(s);
    for (const jwt of idp.minted) {
      expect(toEast).not.toContain(jwt);
      expect(toWest).not.toContain(jwt);
    }
    expect(served.stderr()).not.toMatch(new RegExp([...eastSecrets, ...westSecrets].join('|')));
  });
});

describe('passthrough (--auth nomad) with two clusters', () => {
  let served: Served;
  beforeAll(async () => {
    writeFileSync(path.join(dir, 'west.token'), WEST_SERVER_TOKEN, { mode: 0o600 });
    const config = path.join(dir, 'passthrough.json');
    writeFileSync(config, JSON.stringify({ clusters: { east: { address: east.url }, west: { address: west.url, tokenFile: 'west.token' } } }));
    served = await spawnServe(['--auth', 'nomad'], { NOMAD_MCP_CONFIG: config });
    servers.push(served);
  }, 60_000);

  it('sends the caller\'s token to the default cluster only; the other runs with its own token', async () => {
    const westBefore = west.requests.length;
    const eastBefore = east.requests.length;
    const user = await connect(served.url, EAST_USER);
    const onWest = await tool(user, 'list_jobs', { cluster: 'west' });
    expect(onWest.isError, onWest.text).toBe(false);
    expect(onWest.text).toContain('west-only');
    const onEast = await tool(user, 'list_jobs', {});
    expect(onEast.text).toContain('batch-report');
    const toWest = west.requests.slice(westBefore).map((r) => r.headers['x-nomad-token']);
    expect(toWest.length).toBeGreaterThan(0);
    expect(new Set(toWest)).toEqual(new Set([WEST_SERVER_TOKEN]));
    expect(east.requests.slice(eastBefore).map((r) => r.headers['x-nomad-token'])).toContain(EAST_USER);
    expect(east.requests.map((r) => r.headers['x-nomad-token'])).not.toContain(WEST_SERVER_TOKEN);
  });
});
