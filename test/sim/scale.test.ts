import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, simpleJob, start } from './helpers.js';

const N = 20_000;

describe('simulator: bulk seeding (extraJobs)', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start({ seed: 'demo', extraJobs: N });
  });
  afterAll(() => sim.close());

  it('lists 20,000 bulk job stubs beside the demo jobs, sorted by ID', async () => {
    const r = await call(sim, 'GET', '/v1/jobs');
    expect(r.status).toBe(200);
    const ids: string[] = r.json.map((j: any) => j.ID);
    expect(ids).toHaveLength(N + 3);
    expect(ids.filter((id) => id.startsWith('bulk-'))).toHaveLength(N);
    expect(ids.slice(0, 3)).toEqual(['batch-report', 'bulk-00001', 'bulk-00002']);
    expect(ids[N]).toBe('bulk-20000');
    expect([...ids].sort()).toEqual(ids);
    const stub = r.json.find((j: any) => j.ID === 'bulk-00042');
    expect(stub).toMatchObject({
      Namespace: 'default', Type: 'batch', Status: 'dead', Stop: false, Periodic: false, ParameterizedJob: false,
      JobSummary: { JobID: 'bulk-00042', Summary: { work: { Complete: 1, Running: 0, Queued: 0, Failed: 0 } } },
    });
    expect(stub.CreateIndex).toBe(stub.JobModifyIndex);
  });

  it('pages with per_page and next_token, in namespace default and across namespaces', async () => {
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    for (;;) {
      const r = await call(sim, 'GET', `/v1/jobs?prefix=bulk-&per_page=3000${token ? `&next_token=${token}` : ''}`);
      seen.push(...r.json.map((j: any) => j.ID));
      pages++;
      token = r.headers.get('x-nomad-nexttoken') ?? '';
      if (!token) break;
      expect(token).toBe(`default.bulk-${String(pages * 3000 + 1).padStart(5, '0')}`);
    }
    expect(pages).toBe(7);
    expect(seen).toHaveLength(N);
    expect(new Set(seen).size).toBe(N);
    const all = await call(sim, 'GET', '/v1/jobs?namespace=*&per_page=2&next_token=default.bulk-20000');
    expect(all.json.map((j: any) => `${j.Namespace}.${j.ID}`)).toEqual(['default.bulk-20000', 'default.web']);
    expect(all.headers.get('x-nomad-nexttoken')).toBe('default.win-app');
    const reversed = await call(sim, 'GET', '/v1/jobs?prefix=bulk-&reverse=true&per_page=2');
    expect(reversed.json.map((j: any) => j.ID)).toEqual(['bulk-20000', 'bulk-19999']);
    const filtered = await call(sim, 'GET', `/v1/jobs?per_page=2&filter=${encodeURIComponent('Status == "dead" and ID matches "^bulk-0000[5-9]"')}`);
    expect(filtered.json.map((j: any) => j.ID)).toEqual(['bulk-00005', 'bulk-00006']);
    expect(filtered.headers.get('x-nomad-nexttoken')).toBe('default.bulk-00007');
  });

  it('gives each bulk job one complete eval and allocation with a virtual log, and no deployment', async () => {
    const allocs = (await call(sim, 'GET', '/v1/job/bulk-00007/allocations')).json;
    expect(allocs).toHaveLength(1);
    expect(allocs[0]).toMatchObject({ ClientStatus: 'complete', DesiredStatus: 'run', TaskGroup: 'work', JobVersion: 0, Name: 'bulk-00007.work[0]' });
    expect(allocs[0].TaskStates.run).toMatchObject({ State: 'dead', Failed: false });
    const evals = (await call(sim, 'GET', '/v1/job/bulk-00007/evaluations')).json;
    expect(evals).toHaveLength(1);
    expect(evals[0]).toMatchObject({ Status: 'complete', TriggeredBy: 'job-register', ID: allocs[0].EvalID });
    expect((await call(sim, 'GET', '/v1/job/bulk-00007/deployment')).json).toBeNull();
    const log = await call(sim, 'GET', `/v1/client/fs/logs/${allocs[0].ID}?task=run&type=stdout&plain=true`);
    expect(log.text.split('\n').filter(Boolean)).toHaveLength(3);
    expect(log.text).toContain('bulk-00007[');
    expect((await call(sim, 'GET', '/v1/job/bulk-00007/versions')).json.Versions).toHaveLength(1);
  });

  it('keeps the scheduler working beside them (finished allocations use no resources)', async () => {
    const reg = await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('after-bulk') });
    expect(reg.status).toBe(200);
    const allocs = (await call(sim, 'GET', '/v1/job/after-bulk/allocations')).json;
    expect(allocs.map((a: any) => a.ClientStatus)).toEqual(['running', 'running']);
    // A bulk job can be scaled and stopped like any other; the shared spec is not edited in place.
    const scaled = await call(sim, 'POST', '/v1/job/bulk-00003/scale', { Count: 2, Target: { Group: 'work' } });
    expect(scaled.status).toBe(200);
    expect((await call(sim, 'GET', '/v1/job/bulk-00003')).json.TaskGroups[0].Count).toBe(2);
    expect((await call(sim, 'GET', '/v1/job/bulk-00004')).json.TaskGroups[0].Count).toBe(1);
  });
});

describe('simulator: extraJobs default', () => {
  it('adds nothing unless asked', async () => {
    const sim = await start({ seed: 'empty' });
    try {
      expect((await call(sim, 'GET', '/v1/jobs')).json).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});
