import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';

let sim: Simulator;
let mcp: Connected;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  // drain_node_safely leads to drain_node, which is destructive: a prompt is served only when its tools are
  mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--allow-destructive']);
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

describe('resources', () => {
  it('lists the templates', async () => {
    const { resourceTemplates } = await mcp.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['nomad://job/{namespace}/{job_id}', 'nomad://alloc/{alloc_id}/logs/{task}', 'nomad://node/{node_id}']);
  });

  it('lists the jobs of every namespace as resources', async () => {
    const { resources } = await mcp.client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toEqual(expect.arrayContaining(['nomad://job/default/web', 'nomad://job/staging/api']));
    expect(resources.find((r) => r.uri === 'nomad://job/default/web')?.description).toBe('service job in namespace default, running');
  });

  it('reads a job spec in its namespace', async () => {
    const r = await mcp.client.readResource({ uri: 'nomad://job/staging/api' });
    const c = r.contents[0] as { text: string; mimeType: string };
    expect(c.mimeType).toBe('application/json');
    expect(JSON.parse(c.text)).toMatchObject({ ID: 'api', Namespace: 'staging' });
    const q = sim.requests.filter((x) => x.path === '/v1/job/api').pop()!;
    expect(q.query.namespace).toBe('staging');
  });

  it('reads the log tail of an allocation', async () => {
    const allocs = (await (await fetch(`${sim.url}/v1/job/web/allocations`)).json()) as { ID: string }[];
    const r = await mcp.client.readResource({ uri: `nomad://alloc/${allocs[0].ID}/logs/server` });
    const c = r.contents[0] as { text: string; mimeType: string };
    expect(c.mimeType).toBe('text/plain');
    expect(c.text).toMatch(/last 200 lines/);
    expect(c.text).toMatch(/untrusted/i);
  });

  it('reads a node', async () => {
    const nodes = (await (await fetch(`${sim.url}/v1/nodes`)).json()) as { ID: string }[];
    const r = await mcp.client.readResource({ uri: `nomad://node/${nodes[0].ID}` });
    expect(JSON.parse((r.contents[0] as { text: string }).text)).toMatchObject({ ID: nodes[0].ID, Status: 'ready' });
  });

  it('an unknown job or URI is an error naming it', async () => {
    await expect(mcp.client.readResource({ uri: 'nomad://job/default/ghost' })).rejects.toThrow(/job not found/);
    await expect(mcp.client.readResource({ uri: 'nomad://nothing/here' })).rejects.toThrow(/matches no resource template/);
  });
});

describe('prompts', () => {
  it('lists the three workflows with their arguments', async () => {
    const { prompts } = await mcp.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['troubleshoot_failing_job', 'deploy_safely', 'drain_node_safely']);
    expect(prompts[0].arguments?.find((a) => a.name === 'job_id')?.required).toBe(true);
  });

  it('renders a prompt with its arguments', async () => {
    const r = await mcp.client.getPrompt({ name: 'deploy_safely', arguments: { content: 'job "x" {}' } });
    const text = (r.messages[0].content as { text: string }).text;
    expect(text).toContain('job "x" {}');
    expect(text).toMatch(/plan_job.*\n[\s\S]*ask me to confirm[\s\S]*submit_job_file[\s\S]*wait_for_deployment/);
  });

  it('a missing required argument is named', async () => {
    await expect(mcp.client.getPrompt({ name: 'drain_node_safely', arguments: {} })).rejects.toThrow(/needs: node_id/);
  });
});
