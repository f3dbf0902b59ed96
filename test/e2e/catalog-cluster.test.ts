/**
 * Node, cluster and ACL tools end to end: listing and reading nodes, drains and eligibility as Nomad
 * receives them, cluster status, namespaces, search, the event stream, and the ACL token tools.
 */
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type RecordedRequest, type Simulator } from '../../src/sim/index.js';
import { connectStdio, tableItems, type Connected } from './harness.js';

let sim: Simulator;
let mcp: Connected;
let nodes: { ID: string; Name: string }[] = [];

beforeAll(async () => {
  // deploymentMs is also how long a drain takes: long enough to see a node draining.
  sim = await startSimulator({ port: 0, seed: 'demo', heartbeatMs: 200, deploymentMs: 5000 });
  mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--allow-destructive']);
  nodes = ((await (await fetch(`${sim.url}/v1/nodes`)).json()) as { ID: string; Name: string }[]).sort((a, b) => a.Name.localeCompare(b.Name));
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

const since = (from: number): RecordedRequest[] => sim.requests.slice(from);

/** The items of a list answer, after checking its text is their table (one line per item). */
const items = tableItems;

interface NomadNode {
  SchedulingEligibility: string;
  DrainStrategy: { DrainSpec: { Deadline: number } } | null;
}

async function node(id: string): Promise<NomadNode> {
  return (await (await fetch(`${sim.url}/v1/node/${id}`)).json()) as NomadNode;
}

describe('nodes', () => {
  it('list_nodes lists the three linux nodes; status reaches Nomad as a filter', async () => {
    const all = await mcp.call('list_nodes');
    expect(all.isError).toBe(false);
    expect(items(all).map((n) => n.Name).sort()).toEqual(['node-1', 'node-2', 'node-3']);
    for (const n of items(all)) expect(n).toMatchObject({ Datacenter: 'dc1', Status: 'ready', SchedulingEligibility: 'eligible', Drain: false });
    const from = sim.requests.length;
    const ready = await mcp.call('list_nodes', { status: 'ready' });
    expect(items(ready)).toHaveLength(3);
    expect(since(from).find((q) => q.path === '/v1/nodes')!.query.filter).toBe('Status == "ready"');
    const down = await mcp.call('list_nodes', { status: 'down' });
    expect(down.isError).toBe(false);
    expect(down.text).toBe('No nodes match.');
    const gpu = await mcp.call('list_nodes', { filter: 'NodeClass == "gpu"' });
    expect(items(gpu)).toEqual([expect.objectContaining({ NodeClass: 'gpu' })]);
  });

  it('get_node describes one node with resources, drivers, attributes and allocations', async () => {
    const n = nodes[0];
    const r = await mcp.call('get_node', { node_id: n.ID });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(new RegExp(`^Node node-1 \\(${n.ID}\\) in dc1, class -, pool default: ready, eligible\\.`));
    expect(r.text).toMatch(/Resources: cpu \d+ MHz, memory \d+ MB, disk \d+ MB\./);
    expect(r.text).toMatch(/Drivers: .*docker/);
    expect(r.text).toContain('Attributes: kernel linux');
    expect(r.text).toMatch(/Allocations: \d+/);
    const none = await mcp.call('get_node', { node_id: '00000000-0000-0000-0000-000000000000' });
    expect(none.isError).toBe(true);
    expect(none.text).toContain('node not found');
  });

  it('drain_node sends the deadline in nanoseconds; cancelling sends no DrainSpec and MarkEligible', async () => {
    const n = nodes[2];
    let from = sim.requests.length;
    const on = await mcp.call('drain_node', { node_id: n.ID, enable: true, deadline: '30m' });
    expect(on.isError).toBe(false);
    expect(on.text).toBe(`Drain started on node ${n.ID.slice(0, 8)} (deadline 30m).`);
    let req = since(from).find((q) => q.path === `/v1/node/${n.ID}/drain`)!;
    expect(req.method).toBe('PUT');
    expect(JSON.parse(req.body)).toEqual({ DrainSpec: { Deadline: 30 * 60 * 1e9, IgnoreSystemJobs: false }, MarkEligible: false });
    expect(await node(n.ID)).toMatchObject({ DrainStrategy: { DrainSpec: { Deadline: 30 * 60 * 1e9 } }, SchedulingEligibility: 'ineligible' });
    expect(items(await mcp.call('list_nodes')).find((x) => x.ID === n.ID)).toMatchObject({ Drain: true, SchedulingEligibility: 'ineligible' });
    expect((await mcp.call('get_node', { node_id: n.ID })).text.split('\n')[0]).toMatch(/: ready, ineligible, DRAINING\.$/);

    from = sim.requests.length;
    const off = await mcp.call('drain_node', { node_id: n.ID, enable: false });
    expect(off.isError).toBe(false);
    expect(off.text).toBe(`Drain cancelled on node ${n.ID.slice(0, 8)}.`);
    req = since(from).find((q) => q.path === `/v1/node/${n.ID}/drain`)!;
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(body.DrainSpec ?? null).toBeNull();
    expect(body.MarkEligible).toBe(true);
    expect(await node(n.ID)).toMatchObject({ DrainStrategy: null, SchedulingEligibility: 'eligible' });
    expect((await mcp.call('get_node', { node_id: n.ID })).text.split('\n')[0]).toMatch(/: ready, eligible\.$/);
  });

  it('drain_node defaults to a one-hour deadline and passes ignore_system_jobs', async () => {
    const n = nodes[2];
    const from = sim.requests.length;
    expect((await mcp.call('drain_node', { node_id: n.ID, enable: true, ignore_system_jobs: true })).text).toContain('(deadline 1h)');
    const req = since(from).find((q) => q.path === `/v1/node/${n.ID}/drain`)!;
    expect(JSON.parse(req.body).DrainSpec).toEqual({ Deadline: 3600 * 1e9, IgnoreSystemJobs: true });
    await mcp.call('drain_node', { node_id: n.ID, enable: false });
  });

  it('set_node_eligibility marks a node ineligible and eligible again', async () => {
    const n = nodes[1];
    let from = sim.requests.length;
    const off = await mcp.call('set_node_eligibility', { node_id: n.ID, eligible: false });
    expect(off.isError).toBe(false);
    expect(off.text).toBe(`Node ${n.ID.slice(0, 8)} is now ineligible for scheduling.`);
    expect(JSON.parse(since(from).find((q) => q.path === `/v1/node/${n.ID}/eligibility`)!.body)).toEqual({ Eligibility: 'ineligible' });
    expect((await node(n.ID)).SchedulingEligibility).toBe('ineligible');
    from = sim.requests.length;
    const on = await mcp.call('set_node_eligibility', { node_id: n.ID, eligible: true });
    expect(on.text).toBe(`Node ${n.ID.slice(0, 8)} is now eligible for scheduling.`);
    expect(JSON.parse(since(from).find((q) => q.path === `/v1/node/${n.ID}/eligibility`)!.body)).toEqual({ Eligibility: 'eligible' });
    expect((await node(n.ID)).SchedulingEligibility).toBe('eligible');
  });
});

describe('cluster', () => {
  it('get_cluster_status: leader, peers, regions and the agent', async () => {
    const r = await mcp.call('get_cluster_status');
    expect(r.isError).toBe(false);
    expect(r.text.split('\n')).toEqual([
      expect.stringMatching(/^Leader: [\d.]+:4647$/),
      expect.stringMatching(/^Raft peers \(1\): [\d.]+:4647$/),
      'Regions: global',
      expect.stringMatching(/^Agent: Nomad 1\.\d+\.\d+, region global, datacenter dc1$/),
    ]);
  });

  it('list_namespaces lists default and staging with descriptions; prefix narrows', async () => {
    const r = await mcp.call('list_namespaces');
    expect(r.isError).toBe(false);
    expect(items(r)).toEqual([
      { Name: 'default', Description: expect.any(String) },
      { Name: 'staging', Description: expect.any(String) },
    ]);
    expect(items(await mcp.call('list_namespaces', { prefix: 'sta' })).map((n) => n.Name)).toEqual(['staging']);
  });

  it('search finds by part of a name, in one context or all namespaces', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('search', { text: 'web' });
    expect(r.isError).toBe(false);
    const found = JSON.parse(r.text) as { Matches: Record<string, { ID: string; Scope: string[] }[]> };
    expect(found.Matches.jobs).toEqual([{ ID: 'web', Scope: ['default'] }]);
    const req = since(from).find((q) => q.path === '/v1/search/fuzzy')!;
    expect(req.method).toBe('POST');
    expect(JSON.parse(req.body)).toMatchObject({ Text: 'web', Context: 'all' });
    const groups = JSON.parse((await mcp.call('search', { text: 'fro', context: 'groups' })).text) as typeof found;
    expect(Object.keys(groups.Matches)).toEqual(['groups']);
    expect(groups.Matches.groups[0]).toMatchObject({ ID: 'frontend' });
    const staging = JSON.parse((await mcp.call('search', { text: 'api', namespace: '*' })).text) as typeof found;
    expect(staging.Matches.jobs).toEqual([{ ID: 'api', Scope: ['staging'] }]);
  });

  it('watch_events lists a job registration that happens during the watch, with progress', async () => {
    const before = sim.openStreams();
    const progress: Progress[] = [];
    const watch = mcp.client.callTool({ name: 'watch_events', arguments: { topics: ['Job'], seconds: 5 } }, undefined, {
      onprogress: (p) => progress.push(p),
      timeout: 30_000,
    }) as Promise<CallToolResult>;
    await vi.waitFor(() => expect(sim.openStreams()).toBe(before + 1), { timeout: 10_000, interval: 20 });
    const job = {
      ID: 'watched', Name: 'watched', Type: 'batch', Datacenters: ['dc1'],
      TaskGroups: [{ Name: 'g', Count: 1, Tasks: [{ Name: 't', Driver: 'exec', Config: { command: '/bin/true' } }] }],
    };
    expect((await mcp.call('create_job', { job })).isError).toBe(false);
    const r = await watch;
    expect(r.isError).toBeFalsy();
    const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    expect(text).toMatch(/^\d+ events? for topics Job in namespace default during 5 s \(Job: JobRegistered \d+/);
    expect(text).toMatch(/^Job watched JobRegistered \(index \d+\)$/m);
    expect(progress.map((p) => p.message)).toContainEqual(expect.stringMatching(/^Job watched JobRegistered \(index \d+\)$/));
    const req = sim.requests.filter((q) => q.path === '/v1/event/stream').at(-1)!;
    expect(req.rawUrl).toContain('topic=Job');
    await vi.waitFor(() => expect(sim.openStreams()).toBe(before), { timeout: 10_000, interval: 20 });
  });

  it('watch_events with nothing happening says so; topics are checked', async () => {
    const r = await mcp.call('watch_events', { topics: ['Node:nosuch'], seconds: 1 });
    expect(r.isError).toBe(false);
    expect(r.text).toBe('No events for topics Node:nosuch in namespace default during 1 s.');
    const bad = await mcp.call('watch_events', { topics: ['Bogus'] });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('topics');
  });
});

describe('ACL', () => {
  it('without ACLs, get_token_self and list_acl_policies are Nomad\'s "ACL support disabled"', async () => {
    for (const name of ['get_token_self', 'list_acl_policies']) {
      const r = await mcp.call(name);
      expect(r.isError).toBe(true);
      expect(r.text).toContain('ACL support disabled');
    }
  });

  it('with ACLs, get_token_self shows the token without its secret; list_acl_policies answers', async () => {
    const secret = 'e2e-management-secret-0001';
    const acl = await startSimulator({ port: 0, seed: 'demo', aclTokens: [secret] });
    const client = await connectStdio({ NOMAD_ADDR: acl.url, NOMAD_TOKEN: secret });
    try {
      const self = await client.call('get_token_self');
      expect(self.isError).toBe(false);
      expect(JSON.parse(self.text)).toMatchObject({ Name: 'Bootstrap Token', Type: 'management', Global: true, AccessorID: expect.any(String) });
      expect(self.text).not.toContain(secret);
      expect(acl.requests.find((q) => q.path === '/v1/acl/token/self')!.headers['x-nomad-token']).toBe(secret);
      const policies = await client.call('list_acl_policies', { prefix: 'ops' });
      expect(policies.isError).toBe(false);
      // Nomad's policy list has no paginator (acl_endpoint.go ~174): only prefix is sent
      const sent = acl.requests.find((q) => q.path === '/v1/acl/policies')!.query;
      expect(sent.prefix).toBe('ops');
      for (const k of ['filter', 'per_page', 'next_token']) expect(sent).not.toHaveProperty(k);
      const denied = await connectStdio({ NOMAD_ADDR: acl.url, NOMAD_TOKEN: 'wrong-token' });
      try {
        const r = await denied.call('get_token_self');
        expect(r.isError).toBe(true);
        expect(r.text).toContain('Permission denied');
        expect(r.text).not.toContain('wrong-token');
      } finally {
        await denied.close();
      }
    } finally {
      await client.close();
      await acl.close();
    }
  });
});
