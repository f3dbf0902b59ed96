import { Validator } from '@seriousme/openapi-schema-validator';
import { copyFileSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { ROOT } from './harness.js';
import { type Served, runServe, spawnServe } from './http-harness.js';

const TOKEN = 'web-api-token-0123456789';
const SCRAPER = 'scraper-token-abcdef012345';
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
});
afterAll(() => sim?.close());

const auth = (t = TOKEN) => ({ authorization: `Bearer ${t}` });

async function callRest(url: string, tool: string, args: unknown, token = TOKEN): Promise<Response> {
  return fetch(`${url}/api/tools/${tool}`, { method: 'POST', headers: { ...auth(token), 'content-type': 'application/json' }, body: JSON.stringify(args) });
}

/** The value of one series in a Prometheus text exposition, or 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.indexOf('} ');
    const set = line.slice(name.length + 1, close);
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) return Number(line.slice(close + 2));
  }
  return 0;
}

describe('the pages around the API', () => {
  let srv: Served;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-web-'));
    srv = await spawnServe(['--auth-token', TOKEN, '--metrics-token', SCRAPER, '--tools-dir', dir, '--read-only', '--rate-limit', '1000'], { NOMAD_ADDR: sim.url });
  }, 30_000);
  afterAll(async () => {
    await srv?.stop();
  });

  it('GET / names the endpoints, as JSON or as a page', async () => {
    const r = await fetch(`${srv.url}/`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { endpoints: Record<string, string>; auth: string };
    expect(Object.keys(body.endpoints)).toEqual(expect.arrayContaining(['/mcp', '/mcp/sse', '/api/tools', '/openapi.json', '/docs', '/metrics', '/healthz']));
    expect(body.auth).toBe('tokens');
    const page = await fetch(`${srv.url}/`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<code>/docs</code>');
  });

  it('accepts trailing slashes and points an unknown path at GET /', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
    const r = await fetch(`${srv.url}/mcp/`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(init) });
    expect(r.status).toBe(200);
    expect(r.headers.get('mcp-session-id')).toBeTruthy();
    await r.body?.cancel();
    const list = await fetch(`${srv.url}/api/tools/`, { headers: auth() });
    expect(list.status).toBe(200);
    const nowhere = await fetch(`${srv.url}/nowhere`);
    expect(nowhere.status).toBe(404);
    expect(((await nowhere.json()) as { error: string }).error).toContain('GET / lists the endpoints');
  });

  it('/openapi.json needs the API token, is valid OpenAPI 3.1, and lists exactly the served tools', async () => {
    expect((await fetch(`${srv.url}/openapi.json`)).status).toBe(401);
    const r = await fetch(`${srv.url}/openapi.json`, { headers: auth() });
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { openapi: string; paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> }; tags: string[]; responses: Record<string, unknown> } }>; components: { securitySchemes: Record<string, { scheme: string }> } };
    const result = await new Validator().validate(doc as object);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    const op = doc.paths['/api/tools/get_job']?.post;
    expect(op?.requestBody.content['application/json'].schema.properties).toHaveProperty('job_id');
    expect(op?.tags).toContain('jobs');
    expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '429']));
    expect(doc.components.securitySchemes.bearer.scheme).toBe('bearer');
    // filtered like tools/list: --read-only hides the write tools
    const listed = ((await (await fetch(`${srv.url}/api/tools`, { headers: auth() })).json()) as { tools: { name: string }[] }).tools.map((t) => `/api/tools/${t.name}`);
    const described = Object.keys(doc.paths).filter((p) => p !== '/api/tools');
    expect(described.sort()).toEqual(listed.sort());
    expect(described).not.toContain('/api/tools/stop_job');
  });

  it('/openapi.json follows a hot reload of the catalog', async () => {
    copyFileSync(path.join(ROOT, 'docs/examples/read-tool.yaml'), path.join(dir, 'team.yaml'));
    let paths: string[] = [];
    for (let i = 0; i < 200 && !paths.includes('/api/tools/list_ready_nodes'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      paths = Object.keys(((await (await fetch(`${srv.url}/openapi.json`, { headers: auth() })).json()) as { paths: object }).paths);
    }
    expect(paths).toContain('/api/tools/list_ready_nodes');
  });

  it('/docs serves the page and its assets from the package, with a CSP, and nothing else from disk', async () => {
    const page = await fetch(`${srv.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('/docs/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//);
    const bundle = await fetch(`${srv.url}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(Number(bundle.headers.get('content-length'))).toBeGreaterThan(100_000);
    await bundle.body?.cancel();
    for (const p of ['/docs/..%2Fpackage.json', '/docs/index.js', '/docs/swagger-ui-bundle.js.map']) {
      expect((await fetch(`${srv.url}${p}`)).status).toBe(404);
    }
  });

  it('/metrics takes the scraper token (not the API one) and counts calls, Nomad requests by template, and refusals', async () => {
    expect((await fetch(`${srv.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${srv.url}/metrics`, { headers: auth() })).status).toBe(401);
    const before = await (await fetch(`${srv.url}/metrics`, { headers: auth(SCRAPER) })).text();
    expect((await callRest(srv.url, 'list_jobs', {})).status).toBe(200);
    // forty different job IDs are one endpoint series, not forty
    for (let i = 0; i < 40; i++) await callRest(srv.url, 'get_job', { job_id: `attacker-chosen-${i}` });
    expect((await callRest(srv.url, 'no_such_tool_xyz', {})).status).toBe(404);
    const r = await fetch(`${srv.url}/metrics`, { headers: auth(SCRAPER) });
    expect(r.headers.get('content-type')).toContain('text/plain');
    const after = await r.text();
    const ok = { tool: 'list_jobs', outcome: 'ok', transport: 'rest' };
    expect(sample(after, 'nomad_mcp_tool_calls_total', ok)).toBe(sample(before, 'nomad_mcp_tool_calls_total', ok) + 1);
    expect(sample(after, 'nomad_mcp_tool_calls_total', { tool: 'get_job', outcome: 'error' })).toBe(40);
    expect(sample(after, 'nomad_mcp_upstream_requests_total', { route: '/v1/job/:id', status: '404' })).toBe(40);
    expect(after).not.toContain('attacker-chosen');
    expect(after).not.toContain('no_such_tool_xyz');
    expect(sample(after, 'nomad_mcp_tool_calls_total', { tool: '(unknown)', outcome: 'denied' })).toBe(1);
    expect(sample(after, 'nomad_mcp_tool_call_duration_seconds_count', { tool: 'list_jobs' })).toBeGreaterThanOrEqual(1);
    expect(after).toContain('nomad_mcp_sessions_open{transport="streamable-http"}');
    expect(after).toContain('nomad_mcp_upstream_streams_open 0');
    expect(sample(after, 'nomad_mcp_catalog_reloads_total', { result: 'reloaded' })).toBeGreaterThanOrEqual(1);
    expect(after).toContain('process_resident_memory_bytes');
    expect(after).not.toContain(TOKEN);
  });
});

describe('/metrics behind the API authentication', () => {
  it('counts rate-limit refusals and takes the API token when no --metrics-token is set', async () => {
    const srv = await spawnServe(['--auth-token', TOKEN, '--rate-limit', '2'], { NOMAD_ADDR: sim.url });
    try {
      for (let i = 0; i < 4; i++) await callRest(srv.url, 'list_jobs', {});
      expect((await fetch(`${srv.url}/metrics`)).status).toBe(401);
      const text = await (await fetch(`${srv.url}/metrics`, { headers: auth() })).text();
      expect(sample(text, 'nomad_mcp_refusals_total', { reason: 'rate-limited' })).toBe(2);
      expect(sample(text, 'nomad_mcp_tool_calls_total', { tool: 'list_jobs', outcome: 'denied' })).toBe(2);
    } finally {
      await srv.stop();
    }
  }, 30_000);

  it('--no-metrics and --no-docs take the routes away', async () => {
    const srv = await spawnServe(['--no-metrics', '--no-docs'], { NOMAD_ADDR: sim.url });
    try {
      for (const p of ['/metrics', '/openapi.json', '/docs']) expect((await fetch(`${srv.url}${p}`)).status).toBe(404);
      const index = (await (await fetch(`${srv.url}/`)).json()) as { endpoints: object };
      expect(Object.keys(index.endpoints)).not.toContain('/metrics');
    } finally {
      await srv.stop();
    }
  }, 30_000);
});

describe('a port already taken', () => {
  it('says so in words and suggests --port 0', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { code, stderr } = await runServe(['--http', '--port', String(port)], { NOMAD_ADDR: sim.url, HOME: mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-home-')) });
      expect(code).toBe(2);
      expect(stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(stderr).toContain('--port 0');
      expect(stderr).not.toContain('EADDRINUSE');
      expect(stderr).not.toMatch(/at .*\.js:\d+/);
    } finally {
      blocker.close();
    }
  }, 30_000);
});

