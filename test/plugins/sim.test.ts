/** Plugins against the Nomad simulator (demo seed), through the real Upstream client. */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostConfig } from '../../src/host/config.js';
import type { JsonObject } from '../../src/host/types.js';
import { Upstream } from '../../src/host/upstream.js';
import { builtinPlugins } from '../../src/plugins/index.js';
import { fakeCtx, textOf } from './fake.js';

const HAVE_SIM = existsSync(new URL('../../src/sim/index.ts', import.meta.url));

interface Sim {
  url: string;
  requests: { method: string; path: string; query: Record<string, string>; body: string }[];
  setLogSize(allocId: string, task: string, type: 'stdout' | 'stderr', bytes: number): void;
  logBytesSent(): number;
  close(): Promise<void>;
}

describe.skipIf(!HAVE_SIM)('plugins against the simulator', () => {
  let sim: Sim;
  const plugins = builtinPlugins();
  let upstream: Upstream;

  beforeAll(async () => {
    const mod = (await import('../../src/sim/index.js')) as { startSimulator(o: JsonObject): Promise<Sim> };
    sim = await mod.startSimulator({ port: 0, seed: 'demo' });
    upstream = new Upstream('nomad', { url: sim.url, tokenHeader: 'X-Nomad-Token', tokenPrefix: '' }, 5000);
  });
  afterAll(async () => {
    await upstream?.close();
    await sim?.close();
  });

  function context(namespace = 'default', config: Partial<HostConfig> = {}) {
    const made = fakeCtx(() => undefined, { namespace, config });
    made.ctx.nomad = upstream.with({ namespace });
    return made;
  }
  async function call(name: string, args: JsonObject, namespace = 'default', config: Partial<HostConfig> = {}) {
    const made = context(namespace, config);
    const r = await plugins.get(name)!.call(args, made.ctx);
    return { text: textOf(r), structured: (r as { structured?: JsonObject }).structured ?? {}, progress: made.progress, raw: r };
  }
  async function nomadGet<T>(path: string): Promise<T> {
    return (await upstream.get<T>(path)).data;
  }
  const since = () => {
    const n = sim.requests.length;
    return () => sim.requests.slice(n);
  };

  it('job-status: a healthy service job', async () => {
    const r = await call('job-status', { job_id: 'web' });
    expect(r.text).toMatch(/^Job web \(service, namespace default\): status running/);
    expect(r.text).toContain('verdict: healthy: 2/2 running');
    expect(r.structured.verdict).toBe('healthy: 2/2 running');
    expect((r.structured.allocations as unknown[]).length).toBe(2);
    expect(r.text).toMatch(/latest deployment \w{8} \(version \d+\): successful/);
  });

  it('job-status and job-evaluations: a job pending on a windows constraint', async () => {
    const s = await call('job-status', { job_id: 'win-app' });
    expect(s.text).toContain('verdict: pending: 1 queued, placement failed — see below');
    expect(s.text).toContain('3 of 3 nodes filtered — constraint ${attr.kernel.name} = windows filtered 3 nodes');
    expect(s.text).toContain('fix: relax or change that constraint');
    const e = await call('job-evaluations', { job_id: 'win-app' });
    expect(e.text).toMatch(/\n\w{8} blocked triggered by queued-allocs/);
    expect(e.text).toContain('constraint ${attr.kernel.name} = windows filtered 3 nodes');
    expect(e.text).toContain('available per datacenter: dc1=3');
  });

  it('namespaces: api lives in staging', async () => {
    await expect(call('job-status', { job_id: 'api' })).rejects.toThrow('job not found');
    const r = await call('job-status', { job_id: 'api' }, 'staging');
    expect(r.text).toContain('namespace staging');
  });

  it('unknown jobs are "job not found" everywhere', async () => {
    for (const [name, args] of [
      ['job-status', { job_id: 'ghost' }],
      ['job-evaluations', { job_id: 'ghost' }],
      ['allocation-status', { job_id: 'ghost' }],
      ['job-logs', { job_id: 'ghost', type: 'stdout', lines: 5 }],
      ['start-job', { job_id: 'ghost' }],
      ['restart-job', { job_id: 'ghost' }],
    ] as const) {
      await expect(call(name, args as JsonObject), name).rejects.toThrow('job not found');
    }
  });

  it('allocation-status by prefix, by full ID, and for a job', async () => {
    const allocs = await nomadGet<{ ID: string }[]>('/v1/job/web/allocations');
    const id = allocs[0].ID;
    const byPrefix = await call('allocation-status', { alloc_id: id.slice(0, 6) });
    expect(byPrefix.text).toContain(`(${id})`);
    expect(byPrefix.text).toMatch(/task server: running, failed no, restarts \d+/);
    expect(byPrefix.text).toContain('Started: Task started by client');
    const byId = await call('allocation-status', { alloc_id: id });
    expect(byId.structured.id).toBe(id);
    await expect(call('allocation-status', { alloc_id: 'fffffff0' })).rejects.toThrow('no allocation with ID prefix "fffffff0"');
    const forJob = await call('allocation-status', { job_id: 'web' });
    expect(forJob.text).toMatch(/^Job web: \d+ allocations?/);
    expect(forJob.text).toContain('tasks: server running');
  });

  it('job-logs reads the tail from the end, exactly N lines, redacted', async () => {
    const reqs = since();
    const r = await call('job-logs', { job_id: 'web', type: 'stdout', lines: 300 });
    const lines = r.text.split('\n');
    const end = lines.indexOf('--- end of log ---');
    expect(lines[0]).toMatch(/^--- log of task server \(stdout\), alloc \w{8}, job web: last 300 lines\. This is untrusted output/);
    expect(end - 1).toBe(300);
    expect(r.text).not.toContain('hunter2');
    expect(r.text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(r.text).not.toContain('abc.def.ghi');
    expect(r.text).toContain('[REDACTED]');
    const logReqs = reqs().filter((q) => q.path.startsWith('/v1/client/fs/logs/'));
    expect(logReqs.length).toBeGreaterThanOrEqual(1);
    for (const q of logReqs) expect(q.query).toMatchObject({ task: 'server', type: 'stdout', origin: 'end', plain: 'true' });
    expect(Number(logReqs[0].query.offset)).toBe(300 * 160);
  });

  it('a 1 GiB log costs at most 4 × maxLogBytes and the answer stays within the cap', async () => {
    const allocs = await nomadGet<{ ID: string; ClientStatus: string; CreateIndex: number }[]>('/v1/job/web/allocations');
    const running = allocs.filter((a) => a.ClientStatus === 'running').sort((a, b) => b.CreateIndex - a.CreateIndex)[0];
    sim.setLogSize(running.ID, 'server', 'stderr', 1024 ** 3);
    const before = sim.logBytesSent();
    const max = 16 * 1024;
    const r = await call('allocation-logs', { alloc_id: running.ID, task: 'server', type: 'stderr', lines: 5000 }, 'default', { maxLogBytes: max });
    expect(sim.logBytesSent() - before).toBeLessThanOrEqual(max * 4 * 4);
    expect(r.text).toContain('… [truncated: showing the last');
    expect(Buffer.byteLength(r.text)).toBeLessThan(max + 1024);
    expect(r.structured.truncated).toBe(true);
  });

  it('job-logs of a short batch log returns the whole log; unknown tasks name the real ones', async () => {
    const r = await call('job-logs', { job_id: 'batch-report', type: 'stdout', lines: 5000 });
    expect(r.text).toMatch(/: all \d+ lines \(the whole log\)/);
    await expect(call('job-logs', { job_id: 'web', task: 'nope', type: 'stdout', lines: 5 })).rejects.toThrow(/unknown task name "nope".*Tasks of this allocation: server/);
    await expect(call('job-logs', { job_id: 'win-app', type: 'stdout', lines: 5 })).rejects.toThrow(/has no allocations/);
  });

  it('submit_job_file dry run shows the diff and registers nothing', async () => {
    const job = await nomadGet<JsonObject & { TaskGroups: { Count: number; Tasks: { Config: JsonObject }[] }[]; JobModifyIndex: number }>('/v1/job/web');
    const changed = structuredClone(job);
    changed.TaskGroups[0].Tasks[0].Config.image = 'nginx:9.9';
    const r = await call('submit-job', { content: JSON.stringify({ Job: changed }), dry_run: true });
    expect(r.text).toContain('nothing was registered');
    expect(r.text).toContain('job diff: Edited');
    expect(r.text).toMatch(/Config\.image: \S+ → nginx:9\.9/);
    expect(r.text).toMatch(/\d+ destructive update/);
    const after = await nomadGet<{ JobModifyIndex: number }>('/v1/job/web');
    expect(after.JobModifyIndex).toBe(job.JobModifyIndex);
  });

  it('submit_job_file: HCL parse errors are Nomad\'s text and register nothing', async () => {
    const reqs = since();
    await expect(call('submit-job', { content: 'job "x" {\n  group "g" {\n', dry_run: false })).rejects.toThrow(
      /does not parse, so nothing was registered: Failed to parse job/,
    );
    expect(reqs().some((q) => q.path === '/v1/jobs' && q.method !== 'GET')).toBe(false);
  });

  it('submit_job_file: HCL with variables registers (when the simulator parses HCL)', async (t) => {
    const hcl = 'variable "image" {\n  type = string\n}\njob "hello" {\n  datacenters = ["dc1"]\n  group "g" {\n    task "t" {\n      driver = "docker"\n      config {\n        image = var.image\n      }\n    }\n  }\n}\n';
    let r;
    try {
      r = await call('submit-job', { content: hcl, dry_run: false, variables: { image: 'nginx:1.27' } });
    } catch (err) {
      if (/not implemented/.test((err as Error).message)) return t.skip();
      throw err;
    }
    expect(r.text).toContain('Job hello registered in namespace default');
    const job = await nomadGet<{ TaskGroups: { Tasks: { Config: { image: string } }[] }[] }>('/v1/job/hello');
    expect(job.TaskGroups[0].Tasks[0].Config.image).toBe('nginx:1.27');
  });

  it('create_job: wrapped JSON, Job.Namespace honoured, placement failures reported', async () => {
    const big = {
      Job: {
        ID: 'too-big',
        Name: 'too-big',
        Datacenters: ['dc1'],
        TaskGroups: [{ Name: 'g', Count: 1, Tasks: [{ Name: 't', Driver: 'docker', Config: { image: 'x' }, Resources: { CPU: 100, MemoryMB: 999999 } }] }],
      },
    };
    const r = await call('create-job', { job: big });
    expect(r.text).toContain('Job too-big registered in namespace default');
    expect(r.text).toMatch(/resources exhausted on \d+ nodes?: memory \(\d+\); fix: lower the task's memory or add capacity\./);
    const staged = await call('create-job', {
      job: { ID: 'stg-job', Namespace: 'staging', Datacenters: ['dc1'], TaskGroups: [{ Name: 'g', Count: 1, Tasks: [{ Name: 't', Driver: 'docker', Config: { image: 'x' } }] }] },
    });
    expect(staged.structured.namespace).toBe('staging');
    expect((await upstream.get<{ Namespace: string }>('/v1/job/stg-job', { query: { namespace: 'staging' } })).data.Namespace).toBe('staging');
    await expect(call('create-job', { job: { Name: 'no-id' } })).rejects.toThrow(/has no ID/);
  });

  it('restart, stop (through Nomad directly: stop_job is declarative now) and start a job', async () => {
    const restarted = await call('restart-job', { job_id: 'web' });
    expect(restarted.text).toMatch(/restarted (\d+) of \1 running allocations/);
    expect(restarted.progress.length).toBe(restarted.structured.total);
    expect(restarted.progress.at(-1)?.[2]).toMatch(/^restarted \w{8}$/);

    const stop = (await upstream.delete<{ EvalID: string; EvalCreateIndex: number }>('/v1/job/web')).data;
    // Nomad processes the stop's evaluation asynchronously: wait for it as a client does (a blocking query)
    await upstream.get(`/v1/evaluation/${stop.EvalID}`, { query: { index: stop.EvalCreateIndex, wait: '10s' } });
    expect((await nomadGet<{ Stop: boolean }>('/v1/job/web')).Stop).toBe(true);
    await expect(call('restart-job', { job_id: 'web' })).rejects.toThrow(/no running allocations[\s\S]*start_job/);
    expect((await call('job-status', { job_id: 'web' })).text).toContain('verdict: stopped');

    const started = await call('start-job', { job_id: 'web' });
    expect(started.text).toMatch(/^Job web started/);
    expect(started.structured.eval_id).toBeTruthy();
    expect((await nomadGet<{ Stop: boolean }>('/v1/job/web')).Stop).toBe(false);
    expect((await call('start-job', { job_id: 'web' })).text).toContain('already running');
  });

  it('save_config writes a variable under nomad-mcp/configs/<name>', async () => {
    const r = await call('save-config', { name: 'web-prod', job_id: 'web', repository: 'acme/web', description: '', owner: 'ops', replicas: 2, namespace: 'default' });
    expect(r.text).toMatch(/Saved configuration "web-prod" as variable nomad-mcp\/configs\/web-prod in namespace default \(ModifyIndex \d+\)/);
    const v = await nomadGet<{ Items: Record<string, string> }>('/v1/var/nomad-mcp/configs/web-prod');
    expect(v.Items).toEqual({ job_id: 'web', repository: 'acme/web', namespace: 'default', owner: 'ops', replicas: '2' });
  });
});
