/**
 * `--toolsets dynamic` (issue 15): tools/list starts with the core toolset and three discovery tools; a
 * caller enables toolsets; the operator's filters still decide what may run. The enabled set is per
 * connection on stdio, 2025 sessions and legacy SSE; on 2026-07-28 it travels with the client as a signed
 * handle (the replicas test checks it across replicas).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, ListToolsResultSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { type Connected, connectStdio } from './harness.js';
import { type Served, spawnServe } from './http-harness.js';
import { modernOverHttp, modernOverStdio, rawModern } from './protocol-clients.js';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef';
const CORE = ['explain_placement_failure', 'find_problems', 'get_cluster_status', 'get_job', 'get_job_logs', 'get_job_status', 'list_jobs', 'list_nodes'];
const DISCOVERY = ['enable_toolset', 'get_toolset_tools', 'list_toolsets'];
// filters still apply: promote_deployment excluded by name, the repositories toolset entirely
const ARGS = ['--toolsets', 'dynamic', '--exclude-tools', 'promote_deployment,list_repositories,get_repository'];

let sim: Simulator;
let stdio: Connected;
let srv: Served;

const text = (r: { content?: unknown }) => ((r.content ?? []) as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
const names = (l: { tools: { name: string }[] }) => l.tools.map((t) => t.name).sort();

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  [stdio, srv] = await Promise.all([
    connectStdio({ NOMAD_ADDR: sim.url }, ARGS),
    spawnServe([...ARGS, '--auth-token', ALICE, '--auth-token', BOB], { NOMAD_ADDR: sim.url }),
  ]);
}, 60_000);
afterAll(async () => {
  await stdio?.close();
  await srv?.stop();
  await sim?.close();
});

describe('--toolsets dynamic over stdio (2025)', () => {
  it('lists the discovery and core tools, under 12 KB', async () => {
    const list = await stdio.client.listTools();
    expect(names(list)).toEqual([...DISCOVERY, ...CORE].sort());
    expect(Buffer.byteLength(JSON.stringify(list))).toBeLessThan(12 * 1024);
  });

  it('list_toolsets names every toolset with its tool count; core is enabled; filtered tools are not counted', async () => {
    const r = await stdio.call('list_toolsets');
    expect(r.isError, r.text).toBe(false);
    const rows = r.structured!.toolsets as { name: string; tools: number; enabled: boolean }[];
    expect(rows[0]).toMatchObject({ name: 'core', tools: CORE.length, enabled: true });
    // 9 deployment tools without promote_deployment (excluded)
    expect(rows.find((x) => x.name === 'deployments')).toMatchObject({ tools: 8, enabled: false });
    expect(rows.map((x) => x.name)).not.toContain('repositories');
    expect(r.text).toMatch(/^deployments \(8 tools\): /m);
  });

  it('get_toolset_tools gives names and one-line descriptions; drain_node (destructive, hidden) is not among them', async () => {
    const r = await stdio.call('get_toolset_tools', { toolset: 'nodes' });
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toMatch(/^list_nodes: .+$/m);
    expect(r.text).not.toContain('drain_node');
  });

  it('an unknown toolset is a tool error with a did-you-mean; a filtered-out one says why', async () => {
    const r = await stdio.call('enable_toolset', { toolset: 'deploymnts' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^Unknown toolset "deploymnts"\. Did you mean deployments\?/);
    const f = await stdio.call('enable_toolset', { toolset: 'repositories' });
    expect(f.isError).toBe(true);
    expect(f.text).toMatch(/has no tool this server serves: .*excluded on this server \(--exclude-tools/);
  });

  it('enable_toolset announces list_changed before its answer; the list then holds the toolset, not what filters exclude', async () => {
    const events: string[] = [];
    stdio.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void events.push('list_changed'));
    const r = (await stdio.client.callTool({ name: 'enable_toolset', arguments: { toolset: 'deployments' } })) as CallToolResult;
    events.push('answer');
    expect(r.isError, text(r)).toBeFalsy();
    expect(events).toEqual(['list_changed', 'answer']);
    const listed = names(await stdio.client.listTools());
    expect(listed).toContain('list_deployments');
    expect(listed).not.toContain('promote_deployment');
    expect((await stdio.call('promote_deployment', { deployment_id: 'x' })).text).toMatch(/excluded on this server/);
    // enabling it again changes nothing, and says so
    const again = (await stdio.client.callTool({ name: 'enable_toolset', arguments: { toolset: 'deployments' } })) as CallToolResult;
    expect(text(again)).toMatch(/already enabled/);
    expect(events).toEqual(['list_changed', 'answer']);
  });

  it('a tool of a toolset not enabled can still be called (enabling changes the list, not what is allowed)', async () => {
    const r = await stdio.call('list_volumes');
    expect(r.isError, r.text).toBe(false);
  });
});

async function session(kind: 'streamable' | 'sse', token: string): Promise<Client> {
  const c = new Client({ name: `e2e-${kind}`, version: '1.0.0' });
  const headers = { authorization: `Bearer ${token}` };
  await c.connect(
    kind === 'streamable'
      ? new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`), { requestInit: { headers } })
      : new SSEClientTransport(new URL(`${srv.url}/mcp/sse`), { requestInit: { headers }, eventSourceInit: { fetch: (u, i) => fetch(u, { ...i, headers: { ...(i?.headers as object), ...headers } }) } }),
  );
  return c;
}

describe('per connection: one caller never changes another list', () => {
  it('2025 Streamable HTTP sessions and a legacy SSE stream, of one identity and of two', async () => {
    const [a, a2, b, sse] = await Promise.all([session('streamable', ALICE), session('streamable', ALICE), session('streamable', BOB), session('sse', ALICE)]);
    const events: string[] = [];
    a.setNotificationHandler(ToolListChangedNotificationSchema, async () => void events.push('list_changed'));
    const r = (await a.callTool({ name: 'enable_toolset', arguments: { toolset: 'volumes' } })) as CallToolResult;
    events.push('answer');
    expect(r.isError, text(r)).toBeFalsy();
    expect(events).toEqual(['list_changed', 'answer']);
    expect(names(await a.listTools())).toContain('list_volumes');
    for (const other of [a2, b, sse]) expect(names(await other.listTools())).toEqual([...DISCOVERY, ...CORE].sort());
    // the SSE stream has its own set
    const s = (await sse.callTool({ name: 'enable_toolset', arguments: { toolset: 'acl' } })) as CallToolResult;
    expect(s.isError, text(s)).toBeFalsy();
    expect(names(await sse.listTools())).toContain('list_acl_tokens');
    expect(names(await a.listTools())).not.toContain('list_acl_tokens');
    await Promise.all([a, a2, b, sse].map((c) => c.close()));
  }, 60_000);
});

describe('2026-07-28 (stateless): the enabled set travels with the client', () => {
  it('enable_toolset answers the definitions and a handle; tools/list with the handle lists them; list_changed on the caller listen stream', async () => {
    const alice = await modernOverHttp(srv.url, { headers: { authorization: `Bearer ${ALICE}` } });
    const seen: string[] = [];
    alice.setNotificationHandler('notifications/tools/list_changed', async () => void seen.push('list_changed'));
    const sub = await alice.listen({ toolsListChanged: true });
    expect(names(await alice.listTools())).toEqual([...DISCOVERY, ...CORE].sort());

    const r = (await alice.callTool({ name: 'enable_toolset', arguments: { toolset: 'deployments' } })) as CallToolResult;
    expect(r.isError, text(r)).toBeFalsy();
    const s = r.structuredContent as { handle: string; enabled: string[]; tools: { name: string; inputSchema: unknown }[] };
    expect(s.enabled).toEqual(['deployments']);
    expect(s.tools.map((t) => t.name)).toContain('get_deployment');
    expect(s.tools.find((t) => t.name === 'get_deployment')!.inputSchema).toMatchObject({ properties: { deployment_id: { type: 'string' } } });
    expect(text(r)).toContain(s.handle);
    await vi.waitFor(() => expect(seen).toEqual(['list_changed']), { timeout: 15_000, interval: 25 });

    // without the handle a request knows nothing of it; with it, any request lists the toolset
    expect(names(await alice.listTools(undefined, { cacheMode: 'bypass' }))).not.toContain('get_deployment');
    const withHandle = await alice.listTools({ _meta: { 'nomad-mcp/toolsets': s.handle } }, { cacheMode: 'bypass' });
    expect(names(withHandle)).toContain('get_deployment');
    // the handle accumulates: enable another with it
    const more = (await alice.callTool({ name: 'enable_toolset', arguments: { toolset: 'volumes', handle: s.handle } })) as CallToolResult;
    expect((more.structuredContent as { enabled: string[] }).enabled).toEqual(['deployments', 'volumes']);

    // another identity cannot use it: tools/list ignores it, enable_toolset says so
    const bob = { authorization: `Bearer ${BOB}` };
    const listed = await rawModern(srv.url, 'tools/list', { _meta: { 'nomad-mcp/toolsets': s.handle } }, bob);
    expect(listed.body.result.tools.map((t: { name: string }) => t.name)).not.toContain('get_deployment');
    const stolen = await rawModern(srv.url, 'tools/call', { name: 'enable_toolset', arguments: { toolset: 'nodes', handle: s.handle } }, bob);
    expect(stolen.body.result.isError).toBe(true);
    expect(stolen.body.result.content[0].text).toMatch(/^The toolsets handle is not valid for this caller/);
    await sub.close();
    await alice.close();
  }, 60_000);
});

describe('2026-07-28 over stdio: one connection, one enabled set', () => {
  it('enable_toolset changes the connection list and announces it on its listen stream', async () => {
    const c = await modernOverStdio({ NOMAD_ADDR: sim.url }, ['--toolsets', 'dynamic']);
    const seen: string[] = [];
    c.setNotificationHandler('notifications/tools/list_changed', async () => void seen.push('list_changed'));
    const sub = await c.listen({ toolsListChanged: true });
    const r = (await c.callTool({ name: 'enable_toolset', arguments: { toolset: 'services' } })) as CallToolResult;
    expect(r.isError, text(r)).toBeFalsy();
    await vi.waitFor(() => expect(seen).toEqual(['list_changed']), { timeout: 15_000, interval: 25 });
    expect(names(await c.listTools(undefined, { cacheMode: 'refresh' }))).toContain('list_services');
    await sub.close();
    await c.close();
  }, 60_000);
});

describe('--stateless with a 2025 client: no session, so the handle carries the set', () => {
  it('enable_toolset announces list_changed on its own POST stream, answers definitions and a handle; tools/list with the handle lists them', async () => {
    const stateless = await spawnServe(['--stateless', ...ARGS, '--auth-token', ALICE], { NOMAD_ADDR: sim.url });
    try {
      const c = new Client({ name: 'e2e-stateless-2025', version: '1.0.0' });
      await c.connect(new StreamableHTTPClientTransport(new URL(`${stateless.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${ALICE}` } } }));
      const events: string[] = [];
      c.setNotificationHandler(ToolListChangedNotificationSchema, async () => void events.push('list_changed'));
      const r = (await c.callTool({ name: 'enable_toolset', arguments: { toolset: 'volumes' } })) as CallToolResult;
      events.push('answer');
      expect(r.isError, text(r)).toBeFalsy();
      expect(events).toEqual(['list_changed', 'answer']);
      const { handle, tools } = r.structuredContent as { handle: string; tools: { name: string }[] };
      expect(handle).toMatch(/^v1\./);
      expect(tools.map((t) => t.name)).toContain('list_volumes');
      // no session holds the set: a plain tools/list is the starting one, yet the new tool can be called at once
      expect(names(await c.listTools())).toEqual([...DISCOVERY, ...CORE].sort());
      const v = (await c.callTool({ name: 'list_volumes', arguments: {} })) as CallToolResult;
      expect(v.isError, text(v)).toBeFalsy();
      const withHandle = await c.request({ method: 'tools/list', params: { _meta: { 'nomad-mcp/toolsets': handle } } }, ListToolsResultSchema);
      expect(names(withHandle)).toEqual([...DISCOVERY, ...CORE, ...tools.map((t) => t.name)].sort());
      await c.close();
    } finally {
      await stateless.stop();
    }
  }, 60_000);
});
