/**
 * unblock_deployment and set_deployment_alloc_health end to end through the SDK client against the
 * simulator, which answers as Nomad OSS v1.9.7 does (nomad/deployment_endpoint.go Unblock,
 * SetAllocHealth; nomad/deploymentwatcher/multiregion_ce.go).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';

let sim: Simulator;
let mcp: Connected;

interface Deployment {
  ID: string;
  JobID: string;
  Status: string;
  StatusDescription: string;
}

interface Alloc {
  ID: string;
  DeploymentStatus: { Healthy: boolean | null; Canary: boolean } | null;
}

async function get<T>(path: string): Promise<T> {
  return (await (await fetch(sim.url + path)).json()) as T;
}

async function running(job: string): Promise<Deployment> {
  return get<Deployment>(`/v1/job/${job}/deployment`);
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo', scenarios: ['canary-stuck'] });
  mcp = await connectStdio({ NOMAD_ADDR: sim.url });
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

describe('unblock_deployment', () => {
  it('a running single-region deployment: Nomad OSS answers Index 0 and changes nothing, which the tool says', async () => {
    const d = await running('payments');
    expect(d.Status).toBe('running');
    const r = await mcp.call('unblock_deployment', { deployment_id: d.ID });
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toBe(`Nothing to unblock: deployment ${d.ID.slice(0, 8)} is not a blocked multiregion deployment (Nomad changed nothing).`);
    const sent = sim.requests.findLast((q) => q.path === `/v1/deployment/unblock/${d.ID}`)!;
    expect(sent.method).toBe('PUT');
    expect(JSON.parse(sent.body)).toEqual({ DeploymentID: d.ID });
    expect((await running('payments')).Status).toBe('running');
  });

  it('a terminal deployment and an unknown one are Nomad\'s 500s', async () => {
    const all = await get<Deployment[]>('/v1/deployments');
    const done = all.find((x) => x.Status === 'successful')!;
    const r = await mcp.call('unblock_deployment', { deployment_id: done.ID });
    expect(r.isError).toBe(true);
    expect(r.text).toContain("500: can't unblock terminal deployment");
    const missing = await mcp.call('unblock_deployment', { deployment_id: '00000000-0000-0000-0000-000000000000' });
    expect(missing.text).toContain('500: deployment not found');
  });
});

describe('set_deployment_alloc_health', () => {
  it('refuses what Nomad refuses: no IDs, an unknown allocation, one of another deployment', async () => {
    const d = await running('payments');
    const none = await mcp.call('set_deployment_alloc_health', { deployment_id: d.ID });
    expect(none.text).toContain('must specify at least one healthy/unhealthy allocation ID');
    const unknown = await mcp.call('set_deployment_alloc_health', { deployment_id: d.ID, healthy: ['11111111-1111-1111-1111-111111111111'] });
    expect(unknown.text).toContain('unknown alloc "11111111-1111-1111-1111-111111111111"');
    const mine = new Set((await get<Alloc[]>(`/v1/deployment/allocations/${d.ID}`)).map((a) => a.ID));
    const foreign = (await get<Alloc[]>('/v1/allocations')).find((a) => !mine.has(a.ID))!;
    const other = await mcp.call('set_deployment_alloc_health', { deployment_id: d.ID, unhealthy: [foreign.ID] });
    expect(other.text).toContain(`alloc "${foreign.ID}" is not part of deployment "${d.ID}"`);
    expect((await running('payments')).Status).toBe('running');
  });

  it('healthy marks the allocation; unhealthy fails the deployment as Nomad does', async () => {
    const d = await running('payments');
    const mine = (await get<Alloc[]>(`/v1/deployment/allocations/${d.ID}`)).map((a) => a.ID);
    expect(mine.length).toBeGreaterThan(0);
    const ok = await mcp.call('set_deployment_alloc_health', { deployment_id: d.ID, healthy: [mine[0]] });
    expect(ok.isError, ok.text).toBe(false);
    expect(ok.text).toMatch(new RegExp(`^Deployment ${d.ID.slice(0, 8)}: 1 marked healthy, 0 unhealthy; evaluation [0-9a-f-]{36}\\.$`));
    const body = JSON.parse(sim.requests.findLast((q) => q.path === `/v1/deployment/allocation-health/${d.ID}`)!.body);
    expect(body).toEqual({ DeploymentID: d.ID, HealthyAllocationIDs: [mine[0]] });
    expect((await get<Alloc>(`/v1/allocation/${mine[0]}`)).DeploymentStatus?.Healthy).toBe(true);

    const bad = await mcp.call('set_deployment_alloc_health', { deployment_id: d.ID, unhealthy: [mine[0]] });
    expect(bad.isError, bad.text).toBe(false);
    expect(bad.text).toContain('0 marked healthy, 1 unhealthy');
    const after = await get<Deployment>(`/v1/deployment/${d.ID}`);
    expect(after).toMatchObject({ Status: 'failed', StatusDescription: 'Failed due to unhealthy allocations' });
    const terminal = await mcp.call('set_deployment_alloc_health', { deployment_id: d.ID, healthy: [mine[0]] });
    expect(terminal.text).toContain("can't set health of allocations for a terminal deployment");
  });
});
