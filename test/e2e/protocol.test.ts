import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio } from './harness.js';
import { type Served, spawnServe } from './http-harness.js';
import { MODERN, modernOverHttp, modernOverStdio, rawModern } from './protocol-clients.js';

let sim: Simulator;
let srv: Served;

const text = (r: { content?: unknown }) => ((r.content ?? []) as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
const purges = (job: string) => sim.requests.filter((q) => q.method === 'DELETE' && q.path === `/v1/job/${job}` && q.query.purge === 'true').length;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  srv = await spawnServe(['--allow-destructive'], { NOMAD_ADDR: sim.url });
});
afterAll(async () => {
  await srv?.stop();
  await sim?.close();
});

describe('one port, every client (serve --http)', () => {
  it('a 2026-07-28 client lists and calls tools with no session', async () => {
    const c = await modernOverHttp(srv.url);
    expect(c.getNegotiatedProtocolVersion?.() ?? MODERN).toBe(MODERN);
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toContain('list_jobs');
    const r = (await c.callTool({ name: 'get_job', arguments: { job_id: 'web' } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(text(r)).toContain('"ID":"web"');
    await c.close();
  });

  it('a 2025 client (v1 SDK, sessions) and a legacy SSE client list and call tools on the same port', async () => {
    const v1 = new Client({ name: 'e2e-2025', version: '1' });
    await v1.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
    expect((await v1.listTools()).tools.map((t) => t.name)).toContain('list_jobs');
    expect(text((await v1.callTool({ name: 'get_job', arguments: { job_id: 'web' } })) as CallToolResult)).toContain('"ID":"web"');
    await v1.close();
    const sse = new Client({ name: 'e2e-sse', version: '1' });
    await sse.connect(new SSEClientTransport(new URL(`${srv.url}/mcp/sse`)));
    expect((await sse.listTools()).tools.map((t) => t.name)).toContain('list_jobs');
    expect(text((await sse.callTool({ name: 'get_job', arguments: { job_id: 'web' } })) as CallToolResult)).toContain('"ID":"web"');
    await sse.close();
  });

  it('server/discover and initialize say the same name, version, instructions and capabilities', async () => {
    const d = await rawModern(srv.url, 'server/discover', {});
    expect(d.body.error).toBeUndefined();
    const v1 = new Client({ name: 'e2e-2025', version: '1' });
    await v1.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
    const info = v1.getServerVersion()!;
    expect(d.body.result._meta['io.modelcontextprotocol/serverInfo']).toMatchObject({ name: info.name, version: info.version });
    expect(d.body.result.instructions).toBe(v1.getInstructions());
    expect(d.body.result.capabilities).toMatchObject(v1.getServerCapabilities()!);
    expect(d.body.result.supportedVersions).toContain(MODERN);
    expect(d.body.result).toMatchObject({ ttlMs: 300_000, cacheScope: 'public' });
    await v1.close();
  });

  it('list results carry deliberate cache hints on 2026-07-28', async () => {
    const tools = await rawModern(srv.url, 'tools/list', {});
    expect(tools.body.result).toMatchObject({ ttlMs: 300_000, cacheScope: 'public' });
    const prompts = await rawModern(srv.url, 'prompts/list', {});
    expect(prompts.body.result).toMatchObject({ ttlMs: 300_000, cacheScope: 'public' });
    const resources = await rawModern(srv.url, 'resources/list', {});
    expect(resources.body.result).toMatchObject({ ttlMs: 10_000, cacheScope: 'private' });
  });
});

describe('destructive calls are confirmed on every revision', () => {
  it('2026-07-28: the tool answers input-required, the client asks the user and retries; a no runs nothing', async () => {
    const before = purges('batch-report');
    const asked: string[] = [];
    let yes = false;
    const c = await modernOverHttp(srv.url, { confirm: () => (asked.push('asked'), yes) });
    const no = (await c.callTool({ name: 'stop_job', arguments: { job_id: 'batch-report', purge: true } })) as CallToolResult;
    expect(asked.length).toBe(1);
    expect(no.isError).toBe(true);
    expect(text(no)).toContain('was not run: the user did not confirm it');
    expect(purges('batch-report')).toBe(before);
    yes = true;
    const ok = (await c.callTool({ name: 'stop_job', arguments: { job_id: 'batch-report', purge: true } })) as CallToolResult;
    expect(asked.length).toBe(2);
    expect(ok.isError, text(ok)).toBeFalsy();
    expect(purges('batch-report')).toBe(before + 1);
    await c.close();
  });

  it('2025 session: the same confirmation arrives as elicitation/create', async () => {
    const v1 = new Client({ name: 'e2e-2025', version: '1' }, { capabilities: { elicitation: {} } });
    let asked = 0;
    v1.setRequestHandler(ElicitRequestSchema, async () => (asked++, { action: 'decline' }));
    await v1.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
    const before = purges('cache');
    const r = (await v1.callTool({ name: 'stop_job', arguments: { job_id: 'cache', purge: true } })) as CallToolResult;
    expect(asked).toBe(1);
    expect(text(r)).toContain('was not run: the user did not confirm it');
    expect(purges('cache')).toBe(before);
    await v1.close();
  });

  it('a forged or altered round-trip state is refused and nothing runs', async () => {
    const before = purges('cache');
    const first = await rawModern(srv.url, 'tools/call', { name: 'stop_job', arguments: { job_id: 'cache', purge: true } });
    expect(first.body.result.resultType).toBe('input_required');
    const state: string = first.body.result.requestState;
    expect(state).toMatch(/^v1\./);
    const yes = { confirm: { action: 'accept', content: { confirm: true } } };
    // the state is bound to the call it asked about: another job's state is a question about another call
    const [v, body, mac] = state.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    payload.p.args = 'ffffffffffffffff';
    const altered = [v, Buffer.from(JSON.stringify(payload)).toString('base64url'), mac].join('.');
    for (const requestState of [altered, 'v1.eyJwIjp7fX0.AAAA', `${state}x`]) {
      const r = await rawModern(srv.url, 'tools/call', { name: 'stop_job', arguments: { job_id: 'cache', purge: true }, inputResponses: yes, requestState });
      expect(r.body.error?.code, JSON.stringify(r.body)).toBe(-32602);
      expect(r.body.error.message).toBe('Invalid or expired requestState');
    }
    // a genuine state answers only the call it was minted for
    const other = await rawModern(srv.url, 'tools/call', { name: 'stop_job', arguments: { job_id: 'web', purge: true }, inputResponses: yes, requestState: state });
    expect(other.body.result.resultType).toBe('input_required');
    expect(purges('cache')).toBe(before);
    expect(purges('web')).toBe(0);
  });
});

describe('stdio speaks both revisions', () => {
  it('a 2026-07-28 client and a 2025 client list and call tools', async () => {
    const modern = await modernOverStdio({ NOMAD_ADDR: sim.url });
    expect((await modern.listTools()).tools.map((t) => t.name)).toContain('list_jobs');
    expect(text((await modern.callTool({ name: 'get_job', arguments: { job_id: 'web' } })) as CallToolResult)).toContain('"ID":"web"');
    await modern.close();
    const legacy = await connectStdio({ NOMAD_ADDR: sim.url });
    expect((await legacy.call('get_job', { job_id: 'web' })).text).toContain('"ID":"web"');
    await legacy.close();
  });

  it('2026-07-28 over stdio: the destructive call is confirmed from the request envelope', async () => {
    const asked: number[] = [];
    const c = await modernOverStdio({ NOMAD_ADDR: sim.url }, ['--allow-destructive'], { confirm: () => (asked.push(1), false) });
    const before = purges('api');
    const r = (await c.callTool({ name: 'stop_job', arguments: { job_id: 'api', purge: true } })) as CallToolResult;
    expect(asked.length).toBe(1);
    expect(text(r)).toContain('was not run: the user did not confirm it');
    expect(purges('api')).toBe(before);
    await c.close();
  });
});
