/**
 * Resources and prompts go through the same filters as tools: --namespaces (list, templates list, read) and
 * --tags (a resource has the tags of its file and entry; a prompt is served only when the tools it names are).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';

let sim: Simulator;
let allocs: { ID: string; Namespace: string; JobID: string }[];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  allocs = (await (await fetch(`${sim.url}/v1/allocations?namespace=*`)).json()) as typeof allocs;
});

afterAll(async () => {
  await sim?.close();
});

describe('--namespaces default', () => {
  let mcp: Connected;
  beforeAll(async () => {
    mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--namespaces', 'default']);
  });
  afterAll(async () => {
    await mcp?.close();
  });

  it('resources/list lists no job of another namespace', async () => {
    const uris = (await mcp.client.listResources()).resources.map((r) => r.uri);
    expect(uris).toContain('nomad://job/default/web');
    expect(uris.filter((u) => u.startsWith('nomad://job/') && !u.startsWith('nomad://job/default/'))).toEqual([]);
  });

  it('a job or an allocation log of another namespace cannot be read', async () => {
    await expect(mcp.client.readResource({ uri: 'nomad://job/staging/api' })).rejects.toThrow(/not allowed/);
    const staging = allocs.find((a) => a.Namespace === 'staging')!;
    expect(staging).toBeDefined();
    const from = sim.requests.length;
    // the plugin looks the allocation up in the allowed namespace only
    await expect(mcp.client.readResource({ uri: `nomad://alloc/${staging.ID}/logs/api` })).rejects.toThrow(/not allowed|no allocation .* in namespace "default"/);
    expect(sim.requests.slice(from).some((q) => q.path.startsWith('/v1/client/fs/logs'))).toBe(false);
  });

  it('a prompt refuses a namespace argument outside the list', async () => {
    await expect(mcp.client.getPrompt({ name: 'troubleshoot_failing_job', arguments: { job_id: 'api', namespace: 'staging' } })).rejects.toThrow(/not allowed/);
    const ok = await mcp.client.getPrompt({ name: 'troubleshoot_failing_job', arguments: { job_id: 'web', namespace: 'default' } });
    expect((ok.messages[0].content as { text: string }).text).toContain('"web"');
  });
});

describe('--tags cluster', () => {
  let mcp: Connected;
  beforeAll(async () => {
    mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--tags', 'cluster', '--allow-destructive']);
  });
  afterAll(async () => {
    await mcp?.close();
  });

  it('job, log and node resources are neither listed nor readable', async () => {
    expect((await mcp.client.listResourceTemplates()).resourceTemplates).toEqual([]);
    const from = sim.requests.length;
    expect((await mcp.client.listResources()).resources).toEqual([]);
    expect(sim.requests.length).toBe(from);
    await expect(mcp.client.readResource({ uri: 'nomad://job/default/web' })).rejects.toThrow(/--toolsets/);
    const web = allocs.find((a) => a.JobID === 'web')!;
    await expect(mcp.client.readResource({ uri: `nomad://alloc/${web.ID}/logs/server` })).rejects.toThrow(/--toolsets/);
    expect(sim.requests.length).toBe(from);
  });

  it('prompts whose tools are outside the toolsets are not listed', async () => {
    expect((await mcp.client.listPrompts()).prompts).toEqual([]);
    await expect(mcp.client.getPrompt({ name: 'troubleshoot_failing_job', arguments: { job_id: 'web' } })).rejects.toThrow(/--toolsets/);
  });
});

describe('--tags jobs,logs', () => {
  it('serves the job and log resources, not the node one', async () => {
    const mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--tags', 'jobs,logs']);
    try {
      expect((await mcp.client.listResourceTemplates()).resourceTemplates.map((t) => t.name)).toEqual(['job', 'alloc_logs']);
      const r = await mcp.client.readResource({ uri: 'nomad://job/default/web' });
      expect(JSON.parse((r.contents[0] as { text: string }).text)).toMatchObject({ ID: 'web' });
    } finally {
      await mcp.close();
    }
  });
});
