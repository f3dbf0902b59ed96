/**
 * The tools added after the first catalog (list_evaluations, get_deployment_allocations,
 * set_job_stability, get_job_scale_status, get_namespace, list_cluster_members), end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RecordedRequest, type Simulator } from '../../src/sim/index.js';
import { connectStdio, tableItems, type Connected } from './harness.js';

let sim: Simulator;
let mcp: Connected;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo', deploymentMs: 100 });
  mcp = await connectStdio({ NOMAD_ADDR: sim.url });
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

const since = (from: number): RecordedRequest[] => sim.requests.slice(from);

/** The items of a list answer, after checking its text is their table (one line per item). */
const items = tableItems;

async function nomadGet<T>(path: string): Promise<T> {
  return (await (await fetch(sim.url + path)).json()) as T;
}

describe('evaluations and deployments', () => {
  it('list_evaluations: job_id and status reach Nomad as a filter; times are readable', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('list_evaluations', { job_id: 'win-app', status: 'blocked' });
    expect(r.isError).toBe(false);
    expect(since(from).find((q) => q.path === '/v1/evaluations')!.query.filter).toBe('JobID == "win-app" and Status == "blocked"');
    const [ev] = items(r);
    expect(ev).toMatchObject({ Job: 'win-app', Status: 'blocked', TriggeredBy: 'queued-allocs', Description: 'created due to placement conflicts' });
    expect(ev.Modified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // the text shows the time with its age at answer time
    expect(r.text.split('\n')[1]).toContain(`${ev.Modified as string} (`);
    expect(r.text.split('\n')[1]).toMatch(/Z \((\d+[smhd] ago|now)\)/);
    const all = await mcp.call('list_evaluations', { job_id: 'win-app' });
    expect(items(all).find((e) => e.Status === 'complete')).toMatchObject({ Blocked: ev.ID, Queued: { app: 1 } });
    expect((await mcp.call('list_evaluations', { job_id: 'ghost' })).text).toBe('No evaluations match.');
  });

  it('get_deployment_allocations lists what a deployment placed, with health', async () => {
    // the latest one: /v1/job/:id/deployments comes in ID order (Nomad does not sort it)
    const latest = await nomadGet<{ ID: string }>('/v1/job/web/deployment');
    const r = await mcp.call('get_deployment_allocations', { deployment_id: latest.ID });
    expect(r.isError).toBe(false);
    const list = items(r);
    expect(list).toHaveLength(2);
    for (const a of list) expect(a).toMatchObject({ Group: 'frontend', Status: 'running', Version: 1, Healthy: true, Canary: false });
  });
});

describe('jobs', () => {
  it('set_job_stability marks a version not stable and stable again', async () => {
    let from = sim.requests.length;
    const r = await mcp.call('set_job_stability', { job_id: 'web', version: 0, stable: false });
    expect(r.isError).toBe(false);
    expect(r.text).toBe('Version 0 of web marked not stable.');
    const req = since(from).find((q) => q.path === '/v1/job/web/stable')!;
    expect(req.method).toBe('PUT');
    expect(JSON.parse(req.body)).toEqual({ JobID: 'web', JobVersion: 0, Stable: false });
    expect((await mcp.call('get_job_versions', { job_id: 'web', diffs: false })).text).toMatch(/^v0 submitted \S+Z \((\d+[smhd] ago|now)\)$/m);
    from = sim.requests.length;
    expect((await mcp.call('set_job_stability', { job_id: 'web', version: 0, stable: true })).text).toBe('Version 0 of web marked stable.');
    expect(JSON.parse(since(from).find((q) => q.path === '/v1/job/web/stable')!.body).Stable).toBe(true);
    expect((await mcp.call('get_job_versions', { job_id: 'web', diffs: false })).text).toMatch(/^v0 submitted \S+Z \((\d+[smhd] ago|now)\), stable$/m);
    const missing = await mcp.call('set_job_stability', { job_id: 'web', version: 9, stable: true });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('version 9 not found');
  });

  it('get_job_scale_status shows counts per group and the scaling events', async () => {
    expect((await mcp.call('scale_job', { job_id: 'web', group: 'frontend', count: 3, message: 'peak traffic' })).isError).toBe(false);
    type Scale = { JobID: string; JobStopped: boolean; TaskGroups: Record<string, { Desired: number; Running: number; Events: { Count: number; PreviousCount: number; Message: string }[] }> };
    // Nomad processes scale's evaluation asynchronously: ask again until the third allocation runs, as a client would
    let r = await mcp.call('get_job_scale_status', { job_id: 'web' });
    for (let i = 0; i < 300 && !r.isError && (JSON.parse(r.text) as Scale).TaskGroups.frontend?.Running !== 3; i++) {
      await new Promise((res) => setTimeout(res, 20));
      r = await mcp.call('get_job_scale_status', { job_id: 'web' });
    }
    expect(r.isError).toBe(false);
    const s = JSON.parse(r.text) as Scale;
    expect(s).toMatchObject({ JobID: 'web', JobStopped: false, TaskGroups: { frontend: { Desired: 3, Running: 3 } } });
    expect(s.TaskGroups.frontend.Events[0]).toMatchObject({ Count: 3, PreviousCount: 2, Message: 'peak traffic' });
    const ghost = await mcp.call('get_job_scale_status', { job_id: 'ghost' });
    expect(ghost.isError).toBe(true);
    expect(ghost.text).toContain('job "ghost" not found');
  });
});

describe('cluster', () => {
  it('get_namespace reads one namespace; an unknown one is Nomad\'s 404', async () => {
    const r = await mcp.call('get_namespace', { name: 'staging' });
    expect(r.isError).toBe(false);
    expect(JSON.parse(r.text)).toMatchObject({ Name: 'staging', Description: 'Pre-production workloads' });
    const none = await mcp.call('get_namespace', { name: 'nope' });
    expect(none.isError).toBe(true);
    expect(none.text).toContain('Namespace not found');
  });

  it('list_cluster_members lists the servers with status, region and version, the leader from /v1/status/leader', async () => {
    const r = await mcp.call('list_cluster_members');
    expect(r.isError).toBe(false);
    // serf tags have no "leader" (nomad/server.go setupSerf): the raft leader's address marks it
    expect(r.text).toMatch(/^nomad-sim\.global 127\.0\.0\.1 alive, region global, datacenter dc1, version 1\.\d+\.\d+ \(leader\)$/);
    expect(r.structured).toMatchObject({ leader: '127.0.0.1:4647', members: { Members: [{ Name: 'nomad-sim.global', Status: 'alive' }] } });
  });
});
