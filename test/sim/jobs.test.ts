import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, eventually, simpleJob, start } from './helpers.js';

describe('simulator: jobs and scheduling', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start({ seed: 'empty' });
  });
  afterAll(() => sim.close());

  it('places allocations when a job is registered', async () => {
    const reg = await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('app') });
    expect(reg.status).toBe(200);
    expect(reg.json).toMatchObject({ EvalID: expect.any(String), Warnings: '' });
    expect(reg.json.EvalCreateIndex).toBe(reg.json.JobModifyIndex);
    expect(reg.headers.get('x-nomad-index')).toBe(String(reg.json.Index));
    const ev = await call(sim, 'GET', `/v1/evaluation/${reg.json.EvalID}`);
    expect(ev.json).toMatchObject({ Status: 'complete', TriggeredBy: 'job-register', FailedTGAllocs: null, QueuedAllocations: { g: 0 } });
    const allocs = await call(sim, 'GET', '/v1/job/app/allocations');
    expect(allocs.json).toHaveLength(2);
    for (const a of allocs.json) {
      expect(a.ID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(a).toMatchObject({ ClientStatus: 'running', DesiredStatus: 'run', JobVersion: 0, TaskGroup: 'g' });
      expect(a.TaskStates.t).toMatchObject({ State: 'running', Failed: false, Restarts: 0 });
      expect(a.TaskStates.t.Events.map((e: any) => e.Type)).toContain('Started');
    }
    expect(new Set(allocs.json.map((a: any) => a.NodeID)).size).toBe(2);
    const full = await call(sim, 'GET', `/v1/allocation/${allocs.json[0].ID}`);
    expect(full.json.Job.ID).toBe('app');
    const job = await call(sim, 'GET', '/v1/job/app');
    expect(job.json).toMatchObject({ Status: 'running', Version: 0, Namespace: 'default', Priority: 50 });
    const summary = await call(sim, 'GET', '/v1/job/app/summary');
    expect(summary.json.Summary.g).toMatchObject({ Running: 2, Queued: 0 });
    expect((await call(sim, 'GET', '/v1/job/app/deployment')).json.Status).toBe('running');
  });

  it('keeps the version for an unchanged spec but still creates an eval', async () => {
    const again = await call(sim, 'PUT', '/v1/job/app', { Job: simpleJob('app') });
    expect(again.status).toBe(200);
    expect((await call(sim, 'GET', '/v1/job/app')).json.Version).toBe(0);
    expect((await call(sim, 'GET', '/v1/job/app/evaluations')).json).toHaveLength(2);
    const changed = await call(sim, 'POST', '/v1/job/app', { Job: simpleJob('app', { Meta: { team: 'x' } }) });
    expect(changed.status).toBe(200);
    expect((await call(sim, 'GET', '/v1/job/app')).json.Version).toBe(1);
  });

  it('validates register requests like Nomad', async () => {
    const mismatch = await call(sim, 'PUT', '/v1/job/other', { Job: simpleJob('app') });
    expect([mismatch.status, mismatch.text]).toEqual([400, 'Job ID does not match name']);
    const noID = await call(sim, 'PUT', '/v1/jobs', { Job: { Name: 'x' } });
    expect([noID.status, noID.text]).toEqual([400, "Job ID hasn't been provided"]);
    const noGroups = await call(sim, 'PUT', '/v1/jobs', { Job: { ID: 'x' } });
    expect(noGroups.status).toBe(500);
    expect(noGroups.text).toBe('1 error occurred:\n\t* Missing job task groups\n\n');
    const ns = await call(sim, 'PUT', '/v1/jobs?namespace=ghost', { Job: simpleJob('x') });
    expect([ns.status, ns.text]).toEqual([500, 'job "x" is in nonexistent namespace "ghost"']);
    const typed = await call(sim, 'PUT', '/v1/jobs', { Job: { ID: 'x', TaskGroups: [{ Name: 'g', Count: '2' }] } });
    expect(typed.status).toBe(400);
    expect(typed.text).toMatch(/^json: cannot unmarshal string into Go struct field JobRegisterRequest\.Job\.TaskGroups\.Count of type int/);
  });

  it('takes the namespace from the query, then the body, then the job', async () => {
    await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('nsjob', { Namespace: 'default' }) });
    expect((await call(sim, 'GET', '/v1/job/nsjob')).status).toBe(200);
  });

  it('leaves an unsatisfiable job pending with a blocked eval explaining the filter', async () => {
    const job = simpleJob('winjob', { Constraints: [{ LTarget: '${attr.kernel.name}', RTarget: 'windows', Operand: '=' }] });
    const reg = await call(sim, 'PUT', '/v1/jobs', { Job: job });
    const ev = (await call(sim, 'GET', `/v1/evaluation/${reg.json.EvalID}`)).json;
    expect(ev.Status).toBe('complete');
    expect(ev.FailedTGAllocs.g).toMatchObject({
      NodesEvaluated: 3, NodesFiltered: 3, NodesInPool: 3, NodesAvailable: { dc1: 3 },
      ConstraintFiltered: { '${attr.kernel.name} = windows': 3 }, NodesExhausted: 0, CoalescedFailures: 1,
    });
    expect(ev.QueuedAllocations).toEqual({ g: 2 });
    const blocked = (await call(sim, 'GET', `/v1/evaluation/${ev.BlockedEval}`)).json;
    expect(blocked).toMatchObject({ Status: 'blocked', TriggeredBy: 'queued-allocs', PreviousEval: ev.ID });
    const j = (await call(sim, 'GET', '/v1/job/winjob')).json;
    expect(j.Status).toBe('pending');
    const stub = (await call(sim, 'GET', '/v1/jobs?prefix=winjob')).json[0];
    expect(stub.JobSummary.Summary.g.Queued).toBe(2);
    expect((await call(sim, 'GET', '/v1/job/winjob/allocations')).json).toEqual([]);
  });

  it('reports exhausted resources', async () => {
    const job = simpleJob('huge', {}, { Count: 1, Tasks: [{ Name: 't', Driver: 'docker', Resources: { CPU: 100, MemoryMB: 100_000 } }] });
    const reg = await call(sim, 'PUT', '/v1/jobs', { Job: job });
    const ev = (await call(sim, 'GET', `/v1/evaluation/${reg.json.EvalID}`)).json;
    expect(ev.FailedTGAllocs.g).toMatchObject({ NodesExhausted: 3, DimensionExhausted: { memory: 3 } });
  });

  it('plans with a diff without registering anything', async () => {
    const before = (await call(sim, 'GET', '/v1/job/app')).json;
    const job = simpleJob('app', { Meta: { team: 'x' } }, { Count: 3 });
    (job.TaskGroups as any)[0].Tasks[0].Config.image = 'busybox:2';
    const plan = await call(sim, 'PUT', '/v1/job/app/plan', { Job: job, Diff: true });
    expect(plan.status).toBe(200);
    expect(plan.json.Annotations.DesiredTGUpdates.g).toMatchObject({ Place: 1, DestructiveUpdate: 2 });
    expect(plan.json.Diff.Type).toBe('Edited');
    const tg = plan.json.Diff.TaskGroups[0];
    expect(tg.Type).toBe('Edited');
    expect(tg.Fields.find((f: any) => f.Name === 'Count')).toMatchObject({ Type: 'Edited', Old: '2', New: '3' });
    expect(tg.Tasks[0].Objects.find((o: any) => o.Name === 'Config').Fields.find((f: any) => f.Name === 'image')).toMatchObject({ Old: 'busybox:1', New: 'busybox:2' });
    expect(tg.Updates).toMatchObject({ create: 1, 'create/destroy update': 2 });
    const fresh = await call(sim, 'PUT', '/v1/job/brand-new/plan', { Job: simpleJob('brand-new'), Diff: true });
    expect(fresh.json.Diff.Type).toBe('Added');
    expect(fresh.json.JobModifyIndex).toBe(0);
    expect((await call(sim, 'GET', '/v1/job/brand-new')).status).toBe(404);
    expect((await call(sim, 'GET', '/v1/job/app')).json.JobModifyIndex).toBe(before.JobModifyIndex);
  });

  it('lists versions with diffs', async () => {
    const v = await call(sim, 'GET', '/v1/job/app/versions?diffs=true');
    expect(v.json.Versions.map((x: any) => x.Version)).toEqual([1, 0]);
    expect(v.json.Diffs).toHaveLength(1);
    expect(v.json.Diffs[0].Fields.find((f: any) => f.Name === 'Meta[team]')).toMatchObject({ Type: 'Added', New: 'x' });
    expect((await call(sim, 'GET', '/v1/job/nope/versions')).text).toBe('job versions not found');
  });

  it('scales, reverts and marks stable', async () => {
    const blocked = await call(sim, 'POST', '/v1/job/app/scale', { Count: 3, Target: { Group: 'g' } });
    expect([blocked.status, blocked.text]).toEqual([400, 'job scaling blocked due to active deployment']);
    const d = (await call(sim, 'GET', '/v1/job/app/deployment')).json;
    expect((await call(sim, 'PUT', `/v1/deployment/fail/${d.ID}`)).status).toBe(200);
    const again = await call(sim, 'PUT', `/v1/deployment/fail/${d.ID}`);
    expect([again.status, again.text]).toEqual([500, "can't fail terminal deployment"]);
    expect((await call(sim, 'POST', '/v1/job/app/scale', { Count: 3, Target: { Group: 'nope' } })).text)
      .toBe('task group "nope" specified for scaling does not exist in job');
    expect((await call(sim, 'POST', '/v1/job/zzz/scale', { Count: 3, Target: { Group: 'g' } })).status).toBe(404);
    const d2 = (await call(sim, 'GET', '/v1/job/app/deployment')).json;
    if (d2.Status === 'running') await call(sim, 'PUT', `/v1/deployment/fail/${d2.ID}`);
    const scaled = await call(sim, 'POST', '/v1/job/app/scale', { Count: 3, Target: { Group: 'g' }, Message: 'more' });
    expect(scaled.status).toBe(200);
    const status = (await call(sim, 'GET', '/v1/job/app/scale')).json;
    expect(status.TaskGroups.g).toMatchObject({ Desired: 3, Placed: 3 });
    expect(status.TaskGroups.g.Events[0]).toMatchObject({ Count: 3, PreviousCount: 2, Message: 'more' });
    const cur = (await call(sim, 'GET', '/v1/job/app')).json.Version;
    expect((await call(sim, 'PUT', '/v1/job/app/revert', { JobID: 'app', JobVersion: cur })).text).toBe("can't revert to current version");
    expect((await call(sim, 'PUT', '/v1/job/app/revert', {})).text).toBe('JobID must be specified');
    const rev = await call(sim, 'PUT', '/v1/job/app/revert', { JobID: 'app', JobVersion: 0 });
    expect(rev.status).toBe(200);
    const after = (await call(sim, 'GET', '/v1/job/app')).json;
    expect(after.Version).toBe(cur + 1);
    expect(after.Meta).toBeNull();
    expect((await call(sim, 'PUT', '/v1/job/app/stable', { JobID: 'app', JobVersion: 0, Stable: true })).status).toBe(200);
  });

  it('dispatches parameterized jobs and forces periodic ones', async () => {
    const param = simpleJob('proc', { Type: 'batch', ParameterizedJob: { Payload: 'optional', MetaRequired: ['input'] } }, { Count: 1 });
    const reg = await call(sim, 'PUT', '/v1/jobs', { Job: param });
    expect(reg.json.EvalID).toBe('');
    expect((await call(sim, 'PUT', '/v1/job/proc/dispatch', { Meta: {} })).text).toBe('Dispatch did not provide required meta keys: [input]');
    const disp = await call(sim, 'PUT', '/v1/job/proc/dispatch', { Meta: { input: 'a' }, Payload: Buffer.from('hi').toString('base64') });
    expect(disp.json.DispatchedJobID).toMatch(/^proc\/dispatch-\d+-[0-9a-f]{8}$/);
    const child = (await call(sim, 'GET', `/v1/job/${encodeURIComponent(disp.json.DispatchedJobID)}`)).json;
    expect(child).toMatchObject({ ParentID: 'proc', Dispatched: true, Meta: { input: 'a' } });
    expect((await call(sim, 'PUT', '/v1/job/app/dispatch', {})).text).toBe('Specified job "app" is not a parameterized job');
    expect((await call(sim, 'PUT', '/v1/job/app/periodic/force')).text).toBe("can't force launch non-periodic job");
    const cron = simpleJob('cron', { Type: 'batch', Periodic: { Enabled: true, Spec: '*/5 * * * *', SpecType: 'cron' } }, { Count: 1 });
    await call(sim, 'PUT', '/v1/jobs', { Job: cron });
    const forced = await call(sim, 'PUT', '/v1/job/cron/periodic/force');
    expect(forced.json.EvalID).toBeTruthy();
    const jobs = (await call(sim, 'GET', '/v1/jobs?prefix=cron')).json;
    expect(jobs.map((j: any) => j.ParentID)).toContain('cron');
    expect(jobs.find((j: any) => j.ID === 'cron')).toMatchObject({ Periodic: true, Status: 'running' });
  });

  it('stops, re-runs and purges a job', async () => {
    const stop = await call(sim, 'DELETE', '/v1/job/app');
    expect(stop.json.EvalID).toBeTruthy();
    const job = (await call(sim, 'GET', '/v1/job/app')).json;
    expect(job).toMatchObject({ Stop: true, Status: 'dead' });
    const allocs = (await call(sim, 'GET', '/v1/job/app/allocations')).json;
    expect(allocs.every((a: any) => a.DesiredStatus === 'stop' && a.ClientStatus === 'complete')).toBe(true);
    await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('app') });
    const rerun = (await call(sim, 'GET', '/v1/job/app/allocations')).json;
    expect(rerun.filter((a: any) => a.ClientStatus === 'running')).toHaveLength(2);
    expect((await call(sim, 'DELETE', '/v1/job/app?purge=true')).status).toBe(200);
    expect((await call(sim, 'GET', '/v1/job/app')).status).toBe(404);
    const none = await call(sim, 'DELETE', '/v1/job/never');
    expect(none.json).toMatchObject({ EvalID: '', EvalCreateIndex: 0, JobModifyIndex: 0 });
  });

  it('restarts, signals and reports stats for allocations', async () => {
    await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('rs', {}, { Count: 1 }) });
    const alloc = (await call(sim, 'GET', '/v1/job/rs/allocations')).json[0];
    expect((await call(sim, 'PUT', `/v1/client/allocation/${alloc.ID}/restart`, { TaskName: 't', AllTasks: true })).text)
      .toBe('task name cannot be set when restarting all tasks');
    expect((await call(sim, 'PUT', `/v1/client/allocation/${alloc.ID}/restart`, { TaskName: 'x' })).text).toBe('Could not find task runner for task: x');
    const missing = await call(sim, 'PUT', '/v1/client/allocation/0000/restart', {});
    expect([missing.status, missing.text]).toEqual([404, 'Unknown allocation "0000"']);
    const ok = await call(sim, 'POST', `/v1/client/allocation/${alloc.ID}/restart`, { TaskName: 't' });
    expect(ok.json).toEqual({ Index: 0 });
    const ts = (await call(sim, 'GET', `/v1/allocation/${alloc.ID}`)).json.TaskStates.t;
    expect(ts.Restarts).toBe(1);
    expect(ts.Events.map((e: any) => e.Type)).toContain('Restart Signaled');
    expect((await call(sim, 'PUT', `/v1/client/allocation/${alloc.ID}/signal`, { Task: 'x', Signal: 'SIGHUP' })).text).toBe('Task not found');
    const stats = (await call(sim, 'GET', `/v1/client/allocation/${alloc.ID}/stats`)).json;
    expect(stats.ResourceUsage.MemoryStats.RSS).toBeGreaterThan(0);
    expect(stats.Tasks.t.ResourceUsage.CpuStats).toHaveProperty('Percent');
    const stop = await call(sim, 'PUT', `/v1/allocation/${alloc.ID}/stop`);
    expect(stop.json.EvalID).toBeTruthy();
    const after = (await call(sim, 'GET', '/v1/job/rs/allocations')).json;
    expect(after.filter((a: any) => a.ClientStatus === 'running')).toHaveLength(1);
    expect((await call(sim, 'PUT', '/v1/allocation/nope/stop')).text).toBe('allocation not found');
  });

  it('runs deployments to success and supports canary promotion', async () => {
    const fast = await start({ seed: 'empty', deploymentMs: 30 });
    try {
      await call(fast, 'PUT', '/v1/jobs', { Job: simpleJob('c') });
      await eventually(() => [...fast.state.deployments.values()].some((d) => d.JobID === 'c' && d.Status === 'successful'));
      const job = simpleJob('c', {}, { Update: { Canary: 1 } });
      (job.TaskGroups as any)[0].Tasks[0].Config.image = 'busybox:2';
      await call(fast, 'PUT', '/v1/jobs', { Job: job });
      const d = (await call(fast, 'GET', '/v1/job/c/deployment')).json;
      expect(d.TaskGroups.g).toMatchObject({ DesiredCanaries: 1, Promoted: false });
      await eventually(() => fast.state.deployments.get(d.ID)!.StatusDescription === 'Deployment is running but requires manual promotion');
      const p = await call(fast, 'PUT', `/v1/deployment/promote/${d.ID}`, { DeploymentID: d.ID, All: true });
      expect(p.status).toBe(200);
      await eventually(() => fast.state.deployments.get(d.ID)!.Status === 'successful');
      const allocs = (await call(fast, 'GET', '/v1/job/c/allocations')).json.filter((a: any) => a.DesiredStatus === 'run');
      expect(allocs.map((a: any) => a.Name).sort()).toEqual(['c.g[0]', 'c.g[1]']);
      expect(allocs.every((a: any) => a.JobVersion === 1)).toBe(true);
      const again = await call(fast, 'PUT', `/v1/deployment/promote/${d.ID}`, { DeploymentID: d.ID, All: true });
      expect([again.status, again.text]).toEqual([500, "can't promote terminal deployment"]);
      expect((await call(fast, 'PUT', `/v1/deployment/pause/${d.ID}`, { DeploymentID: 'x', Pause: true })).text).toBe('Deployment ID does not match');
    } finally {
      await fast.close();
    }
  });
});
