/**
 * Allocation and evaluation tools end to end: listing with filters and paging, restart, signal,
 * stats, stop; one evaluation; why a job cannot be placed.
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

interface AllocStub {
  ID: string;
  JobID: string;
  ClientStatus: string;
  DesiredStatus: string;
  CreateIndex: number;
  TaskStates: Record<string, { Restarts: number; Events: { Type: string; DisplayMessage: string }[] }>;
}

async function nomadGet<T>(path: string): Promise<T> {
  return (await (await fetch(sim.url + path)).json()) as T;
}

async function webAllocs(): Promise<AllocStub[]> {
  return (await nomadGet<AllocStub[]>('/v1/job/web/allocations')).filter((a) => a.ClientStatus === 'running');
}

/** The items of a list answer, after checking its text is their table (one line per item). */
const items = tableItems;

describe('list_allocations', () => {
  it('job_id and status reach Nomad as one filter expression', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('list_allocations', { job_id: 'web', status: 'running' });
    expect(r.isError).toBe(false);
    const req = since(from).find((q) => q.path === '/v1/allocations')!;
    expect(req.query.filter).toBe('JobID == "web" and ClientStatus == "running"');
    const list = items(r);
    expect(list).toHaveLength(2);
    for (const a of list) expect(a).toMatchObject({ JobID: 'web', TaskGroup: 'frontend', ClientStatus: 'running', DesiredStatus: 'run' });
    expect(list[0]).toHaveProperty('TaskStates.server.State', 'running');
    expect(r.text.split('\n')[1]).toMatch(/ server: running$/);
    // Task states without their event history: each allocation stays short.
    expect(r.text).not.toContain('DisplayMessage');
    expect(Math.max(...r.text.split('\n').map((l) => l.length))).toBeLessThan(600);
  });

  it('an extra filter is combined; nothing matching says so', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('list_allocations', { job_id: 'web', status: 'failed', filter: 'NodeName != ""' });
    expect(r.isError).toBe(false);
    expect(r.text).toBe('No allocations match.');
    expect(since(from).find((q) => q.path === '/v1/allocations')!.query.filter).toBe('JobID == "web" and ClientStatus == "failed" and (NodeName != "")');
  });

  it('pages: per_page=1 answers a next_token that reads the next page', async () => {
    const from = sim.requests.length;
    const first = await mcp.call('list_allocations', { per_page: 1 });
    expect(first.isError).toBe(false);
    expect(since(from).find((q) => q.path === '/v1/allocations')!.query.per_page).toBe('1');
    expect(items(first)).toHaveLength(1);
    const token = /next_token="([^"]+)"/.exec(first.text)?.[1];
    expect(token, first.text).toBeTruthy();
    const second = await mcp.call('list_allocations', { per_page: 1, next_token: token });
    expect(second.isError).toBe(false);
    expect(items(second)).toHaveLength(1);
    expect(items(second)[0].ID).not.toBe(items(first)[0].ID);
  });

  it('namespace "*" includes staging\'s allocations', async () => {
    const r = await mcp.call('list_allocations', { namespace: '*' });
    expect(items(r).map((a) => a.JobID)).toEqual(expect.arrayContaining(['web', 'api']));
  });
});

describe('allocation actions', () => {
  it('restart_allocation restarts one task, or all of them', async () => {
    const [alloc] = await webAllocs();
    let from = sim.requests.length;
    const one = await mcp.call('restart_allocation', { alloc_id: alloc.ID, task: 'server' });
    expect(one.isError).toBe(false);
    expect(one.text).toBe(`Allocation ${alloc.ID.slice(0, 8)} task server restarted.`);
    const req = since(from).find((q) => q.path === `/v1/client/allocation/${alloc.ID}/restart`)!;
    expect(req.method).toBe('PUT');
    expect(JSON.parse(req.body)).toEqual({ TaskName: 'server' });
    from = sim.requests.length;
    const all = await mcp.call('restart_allocation', { alloc_id: alloc.ID });
    expect(all.text).toBe(`Allocation ${alloc.ID.slice(0, 8)} restarted.`);
    expect(JSON.parse(since(from).find((q) => q.path.endsWith('/restart'))!.body)).toEqual({});
    const after = await nomadGet<AllocStub>(`/v1/allocation/${alloc.ID}`);
    expect(after.TaskStates.server.Restarts).toBe(alloc.TaskStates.server.Restarts + 2);
  });

  it('restart_allocation needs the full ID', async () => {
    const r = await mcp.call('restart_allocation', { alloc_id: 'abc' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('argument "alloc_id" must NOT have fewer than 36 characters');
  });

  it('signal_allocation sends the signal to a task; an unknown task and a bad name are errors', async () => {
    const [alloc] = await webAllocs();
    const from = sim.requests.length;
    const r = await mcp.call('signal_allocation', { alloc_id: alloc.ID, signal: 'SIGHUP', task: 'server' });
    expect(r.isError).toBe(false);
    expect(r.text).toBe(`SIGHUP sent to allocation ${alloc.ID.slice(0, 8)} task server.`);
    const req = since(from).find((q) => q.path === `/v1/client/allocation/${alloc.ID}/signal`)!;
    expect(JSON.parse(req.body)).toEqual({ Signal: 'SIGHUP', Task: 'server' });
    const events = (await nomadGet<AllocStub>(`/v1/allocation/${alloc.ID}`)).TaskStates.server.Events;
    expect(events.at(-1)!.DisplayMessage).toContain('SIGHUP');
    const unknown = await mcp.call('signal_allocation', { alloc_id: alloc.ID, signal: 'SIGUSR1', task: 'nosuch' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('Task not found');
    const bad = await mcp.call('signal_allocation', { alloc_id: alloc.ID, signal: 'HUP' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('argument "signal" must match pattern');
  });

  it('get_allocation_stats shows CPU and memory of the allocation and its tasks', async () => {
    const [alloc] = await webAllocs();
    const r = await mcp.call('get_allocation_stats', { alloc_id: alloc.ID });
    expect(r.isError).toBe(false);
    const stats = JSON.parse(r.text) as {
      ResourceUsage: { CpuStats: { Percent: number }; MemoryStats: { RSS: number } };
      Tasks: Record<string, { ResourceUsage: { MemoryStats: { RSS: number } } }>;
    };
    expect(typeof stats.ResourceUsage.CpuStats.Percent).toBe('number');
    expect(stats.ResourceUsage.MemoryStats.RSS).toBeGreaterThan(0);
    expect(stats.Tasks.server.ResourceUsage.MemoryStats.RSS).toBeGreaterThan(0);
    const none = await mcp.call('get_allocation_stats', { alloc_id: '00000000-0000-0000-0000-000000000000' });
    expect(none.isError).toBe(true);
    expect(none.text).toMatch(/Unknown allocation|not found/i);
  });

  it('stop_allocation stops one; the scheduler replaces it', async () => {
    const [alloc] = await webAllocs();
    const from = sim.requests.length;
    const r = await mcp.call('stop_allocation', { alloc_id: alloc.ID });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(new RegExp(`^Allocation ${alloc.ID.slice(0, 8)} stopped; it will be rescheduled \\(evaluation [0-9a-f]{8}\\)\\.$`));
    expect(since(from).map((q) => `${q.method} ${q.path}`)).toContain(`PUT /v1/allocation/${alloc.ID}/stop`);
    expect((await nomadGet<AllocStub>(`/v1/allocation/${alloc.ID}`)).DesiredStatus).toBe('stop');
    // Nomad processes the evaluation asynchronously: wait for the replacement as a client would
    let running = await webAllocs();
    for (let i = 0; i < 300 && running.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      running = await webAllocs();
    }
    expect(running.map((a) => a.ID)).not.toContain(alloc.ID);
    expect(running).toHaveLength(2);
  });
});

describe('evaluations', () => {
  it('get_evaluation shows status and the placement metrics', async () => {
    const evals = await nomadGet<{ ID: string; Status: string }[]>('/v1/job/win-app/evaluations');
    const blocked = evals.find((e) => e.Status === 'blocked')!;
    const r = await mcp.call('get_evaluation', { eval_id: blocked.ID });
    expect(r.isError).toBe(false);
    const ev = JSON.parse(r.text) as Record<string, unknown>;
    expect(ev).toMatchObject({ ID: blocked.ID, JobID: 'win-app', Status: 'blocked', TriggeredBy: 'queued-allocs' });
    expect(ev).toHaveProperty(['FailedTGAllocs', 'app', 'ConstraintFiltered', '${attr.kernel.name} = windows'], 3);
    const none = await mcp.call('get_evaluation', { eval_id: '00000000-0000-0000-0000-000000000000' });
    expect(none.isError).toBe(true);
    expect(none.text).toContain('eval not found');
  });

  it('explain_placement_failure names the windows constraint and a fix', async () => {
    const r = await mcp.call('explain_placement_failure', { job_id: 'win-app' });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/^Job win-app \(service, namespace default, status pending\) has allocations that cannot be placed: group app 1 queued\./);
    expect(r.text).toContain('constraint ${attr.kernel.name} = windows filtered 3 nodes');
    expect(r.text).toMatch(/Fix: .*constraint/);
    expect(r.text).toContain('Nodes: 3 of 3 nodes in datacenters dc1 and node pool default are ready and eligible.');
    expect(r.text).toContain('force_evaluate_job');
    expect(r.structured).toMatchObject({ job_id: 'win-app', placement_failed: true, queued: 1 });
  });

  it('explain_placement_failure of a healthy job says there is none; an unknown job is an error', async () => {
    const r = await mcp.call('explain_placement_failure', { job_id: 'web' });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/^Job web \(service, namespace default, status running\) has no placement failure/);
    const ghost = await mcp.call('explain_placement_failure', { job_id: 'ghost' });
    expect(ghost.isError).toBe(true);
    expect(ghost.text).toContain('job not found');
  });
});
