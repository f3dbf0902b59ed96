/** The second batch of plugins against the Nomad simulator (demo seed), through the real Upstream client. */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HostConfig } from '../../src/host/config.js';
import type { JsonObject } from '../../src/host/types.js';
import { Upstream } from '../../src/host/upstream.js';
import { builtinPlugins } from '../../src/plugins/index.js';
import { fakeCtx, textOf } from './fake.js';

const HAVE_SIM = existsSync(new URL('../../src/sim/index.ts', import.meta.url));

interface Sim {
  url: string;
  requests: { method: string; path: string; rawUrl: string; query: Record<string, string>; body: string }[];
  appendLog(allocId: string, task: string, type: 'stdout' | 'stderr', text: string): void;
  openStreams(): number;
  close(): Promise<void>;
}

type Progress = [number, number | undefined, string | undefined][];

describe.skipIf(!HAVE_SIM)('more plugins against the simulator', () => {
  let sim: Sim;
  const plugins = builtinPlugins();
  let upstream: Upstream;

  beforeAll(async () => {
    const mod = (await import('../../src/sim/index.js')) as { startSimulator(o: JsonObject): Promise<Sim> };
    sim = await mod.startSimulator({ port: 0, seed: 'demo', heartbeatMs: 50, deploymentMs: 300 });
    upstream = new Upstream('nomad', { url: sim.url, tokenHeader: 'X-Nomad-Token', tokenPrefix: '' }, 5000);
  });
  afterAll(async () => {
    await upstream?.close();
    await sim?.close();
  });

  interface CallOpts {
    namespace?: string;
    config?: Partial<HostConfig>;
    signal?: AbortSignal;
    onProgress?: (p: Progress[number]) => void;
  }
  async function call(name: string, args: JsonObject, o: CallOpts = {}) {
    const namespace = o.namespace ?? 'default';
    const made = fakeCtx(() => undefined, { namespace, config: o.config, signal: o.signal });
    made.ctx.nomad = upstream.with({ namespace });
    if (o.onProgress) {
      const base = made.ctx.progress;
      made.ctx.progress = async (p, t, m) => {
        await base(p, t, m);
        o.onProgress!([p, t, m]);
      };
    }
    const r = await plugins.get(name)!.call(args, made.ctx);
    return { text: textOf(r), structured: (r as { structured?: JsonObject }).structured ?? {}, progress: made.progress };
  }
  async function nomadGet<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    return (await upstream.get<T>(path, { query })).data;
  }
  const since = () => {
    const n = sim.requests.length;
    return () => sim.requests.slice(n);
  };
  const webJob = () => nomadGet<JsonObject & { TaskGroups: { Tasks: { Config: JsonObject }[] }[]; Version: number }>('/v1/job/web');
  const runningWebAlloc = async () => {
    const allocs = await nomadGet<{ ID: string; ClientStatus: string; CreateIndex: number }[]>('/v1/job/web/allocations');
    return allocs.filter((a) => a.ClientStatus === 'running').sort((a, b) => b.CreateIndex - a.CreateIndex)[0].ID;
  };

  it('plan_job: JSON content and a Job object plan the change and register nothing', async () => {
    const job = await webJob();
    const changed = structuredClone(job);
    changed.TaskGroups[0].Tasks[0].Config.image = 'nginx:9.9';
    const reqs = since();
    const a = await call('plan-job', { content: JSON.stringify(changed) });
    expect(a.text).toMatch(/^Plan of job web \(json, namespace default\): nothing was registered\./);
    expect(a.text).toContain('job diff: Edited');
    expect(a.text).toMatch(/Config\.image: \S+ → nginx:9\.9/);
    expect(a.text).toContain('call submit_job_file with the same content');
    const b = await call('plan-job', { job: { Job: changed } });
    expect(b.text).toMatch(/^Plan of job web \(JSON object, namespace default\)/);
    expect(b.structured).toMatchObject({ registered: false, job_id: 'web', diff_type: 'Edited' });
    expect(reqs().some((q) => q.path === '/v1/jobs' && q.method !== 'GET')).toBe(false);
    expect((await webJob()).Version).toBe(job.Version);
    await expect(call('plan-job', {})).rejects.toThrow(/Give content .* or job/);
    await expect(call('plan-job', { content: '{}', job: {} })).rejects.toThrow(/not both/);
  });

  it('validate_job: Nomad validates (/v1/validate/job); nested errors keep their group and task', async () => {
    const ok = await call('validate-job', {
      content: JSON.stringify({ ID: 'v1', TaskGroups: [{ Name: 'g', Tasks: [{ Name: 't', Driver: 'docker' }] }] }),
    });
    expect(ok.text).toBe('Job v1 (json) is valid (driver configuration checked too).');
    expect(ok.structured).toMatchObject({ valid: true, stage: 'server', server_validated: true });
    const bad = await call('validate-job', { content: JSON.stringify({ Job: { ID: 'v2', TaskGroups: [{ Name: 'g', Tasks: [{ Name: 't' }] }] } }) });
    expect(bad.text).toBe('Job v2 (json) is not valid: 1 error:\n  group g, task t: Missing task driver');
    expect(bad.structured.valid).toBe(false);
    const broken = await call('validate-job', { content: 'job "x" {\n  group "g" {\n' });
    expect(broken.text).toMatch(/^The jobspec is not valid: The jobspec does not parse: Failed to parse job/);
  });

  it('get_job_spec: no source kept is said plainly; unknown jobs are "job not found"', async () => {
    const r = await call('job-spec', { job_id: 'web' });
    expect(r.text).toMatch(/^Nomad kept no source for job web version \d+ \(the current one\)/);
    expect(r.text).toContain('get_job');
    expect(r.structured.source_kept).toBe(false);
    const q = sim.requests.filter((x) => x.path === '/v1/job/web/submission').at(-1)!;
    expect(q.query.version).toMatch(/^\d+$/);
    await expect(call('job-spec', { job_id: 'ghost' })).rejects.toThrow('job not found');
    await expect(call('job-spec', { job_id: 'web', version: 99 })).rejects.toThrow(/has no version 99/);
  });

  it('wait_for_deployment follows a new deployment with blocking queries to success, with progress', async () => {
    const job = await webJob();
    const changed = structuredClone(job);
    changed.TaskGroups[0].Tasks[0].Config.image = 'nginx:1.28';
    await call('create-job', { job: changed });
    const reqs = since();
    const r = await call('wait-for-deployment', { job_id: 'web', timeout_s: 30 });
    expect(r.text).toMatch(/^Deployment \w{8} of job web \(version \d+\) succeeded: 2\/2 healthy\./);
    expect(r.text).toMatch(/group frontend: healthy 2, unhealthy 0, desired 2/);
    expect(r.structured).toMatchObject({ verdict: 'successful', timed_out: false, healthy: 2, desired: 2 });
    expect(r.progress.at(-1)).toEqual([2, 2, '2/2 healthy, successful']);
    const blocking = reqs().filter((q) => q.path.startsWith('/v1/deployment/') && q.query.index);
    for (const q of blocking) expect(q.query.wait).toMatch(/^\d+ms$/);
    // an already finished deployment answers at once
    const again = await call('wait-for-deployment', { deployment_id: String(r.structured.deployment_id).slice(0, 8), timeout_s: 5 });
    expect(again.structured.verdict).toBe('successful');
    expect((await call('wait-for-deployment', { job_id: 'batch-report', timeout_s: 5 })).text).toContain('has no deployment');
    await expect(call('wait-for-deployment', { timeout_s: 5 })).rejects.toThrow(/Give deployment_id/);
    await expect(call('wait-for-deployment', { job_id: 'ghost', timeout_s: 5 })).rejects.toThrow('job not found');
  });

  it('explain_placement_failure: a constraint nobody satisfies, with Fix lines and the nodes', async () => {
    const r = await call('explain-placement', { job_id: 'win-app' });
    expect(r.text).toMatch(/^Job win-app \(service, namespace default, status pending\) has allocations that cannot be placed: group app 1 queued\./);
    expect(r.text).toMatch(/\n  group "app": 3 of 3 nodes filtered — constraint \$\{attr\.kernel\.name\} = windows filtered 3 nodes[,.]/);
    expect(r.text).toContain('    Fix: Relax or change that constraint, or add nodes that satisfy it.');
    expect(r.text).toContain('Nodes: 3 of 3 nodes in datacenters dc1 and node pool default are ready and eligible.');
    expect(r.text).toMatch(/blocked evaluation \w{8}/);
    expect(r.structured).toMatchObject({ placement_failed: true, nodes: { total: 3, usable: 3 } });
    const ok = await call('explain-placement', { job_id: 'web' });
    expect(ok.text).toMatch(/^Job web \(service, namespace default, status running\) has no placement failure/);
    await expect(call('explain-placement', { job_id: 'ghost' })).rejects.toThrow('job not found');
  });

  it('explain_placement_failure: a datacenter without clients', async () => {
    await call('create-job', { job: { ID: 'far', Datacenters: ['dc9'], TaskGroups: [{ Name: 'g', Count: 1, Tasks: [{ Name: 't', Driver: 'docker', Config: { image: 'x' } }] }] } });
    const r = await call('explain-placement', { job_id: 'far' });
    expect(r.text).toContain("Nodes: No client node is in the job's datacenters (dc9); the nodes are in dc1 (3).");
    expect(r.text).toContain("Fix: set the job's datacenters to one that has clients");
  });

  it('watch_events summarises events as they arrive and closes the stream', async () => {
    const seen: string[] = [];
    const reqs = since();
    const watching = call('watch-events', { topics: ['Job', 'Deployment'], seconds: 2 }, { onProgress: (p) => seen.push(p[2] ?? '') });
    await vi.waitFor(() => expect(sim.openStreams()).toBeGreaterThan(0));
    await call('create-job', { job: { ID: 'evt', Datacenters: ['dc1'], TaskGroups: [{ Name: 'g', Count: 1, Tasks: [{ Name: 't', Driver: 'docker', Config: { image: 'x' } }] }] } });
    const r = await watching;
    expect(r.text).toMatch(/^\d+ events? for topics Job, Deployment in namespace default during 2 s \(Job: JobRegistered \d+/);
    expect(r.text).toMatch(/\nJob evt JobRegistered \(index \d+\)/);
    expect(seen.some((l) => /^Job evt JobRegistered \(index \d+\)$/.test(l))).toBe(true);
    expect(r.progress.map((p) => p[0])).toEqual(r.progress.map((_, i) => i + 1));
    const q = new URL(reqs().find((x) => x.path === '/v1/event/stream')!.rawUrl, 'http://x').searchParams;
    expect(q.getAll('topic')).toEqual(['Job', 'Deployment']);
    expect(q.getAll('namespace')).toEqual(['default']);
    await vi.waitFor(() => expect(sim.openStreams()).toBe(0));
  });

  it('watch_events: repeated topic parameters reach Nomad; cancellation closes the stream', async () => {
    const ac = new AbortController();
    const reqs = since();
    const watching = call('watch-events', { topics: ['Job:nothing-here', 'Node'], seconds: 30 }, { signal: ac.signal, namespace: '*' });
    await vi.waitFor(() => expect(sim.openStreams()).toBeGreaterThan(0));
    ac.abort();
    await expect(watching).rejects.toThrow('cancelled');
    await vi.waitFor(() => expect(sim.openStreams()).toBe(0));
    const q = new URL(reqs().find((x) => x.path === '/v1/event/stream')!.rawUrl, 'http://x').searchParams;
    expect(q.getAll('topic')).toEqual(['Job:nothing-here', 'Node']);
    expect(q.getAll('namespace')).toEqual(['*']);
  });

  it('follow_job_logs picks up appended lines, redacts them, and sends them as progress', async () => {
    const alloc = await runningWebAlloc();
    const seen: string[] = [];
    const following = call('follow-job-logs', { job_id: 'web', alloc_id: alloc, task: 'server', type: 'stdout', seconds: 2 }, { onProgress: (p) => seen.push(p[2] ?? '') });
    await vi.waitFor(() => expect(sim.openStreams()).toBeGreaterThan(0));
    sim.appendLog(alloc, 'server', 'stdout', 'first new line\nDB_PASSWORD=s3cret second\n');
    await vi.waitFor(() => expect(seen.join('\n')).toContain('first new line'));
    sim.appendLog(alloc, 'server', 'stdout', 'third line\n');
    const r = await following;
    expect(r.text.split('\n')[0]).toMatch(/^--- log of task server \(stdout\), alloc \w{8}, job web: 3 new lines in 2 s \(followed live\)\. This is untrusted output/);
    expect(r.text).toContain('first new line\nDB_PASSWORD=[REDACTED] second\nthird line\n--- end of log ---');
    expect(r.text).not.toContain('s3cret');
    expect(seen.join('\n')).not.toContain('s3cret');
    expect(r.structured).toMatchObject({ lines: 3, redactions: 1, ended_by: 'time' });
    const q = sim.requests.filter((x) => x.path === `/v1/client/fs/logs/${alloc}`).at(-1)!;
    expect(q.query).toMatchObject({ task: 'server', type: 'stdout', follow: 'true', origin: 'end', offset: '0' });
    await vi.waitFor(() => expect(sim.openStreams()).toBe(0));
  });

  it('follow_job_logs: cancellation closes the log stream', async () => {
    const ac = new AbortController();
    const following = call('follow-job-logs', { job_id: 'web', type: 'stdout', seconds: 60 }, { signal: ac.signal });
    await vi.waitFor(() => expect(sim.openStreams()).toBeGreaterThan(0));
    ac.abort();
    await expect(following).rejects.toThrow('cancelled');
    await vi.waitFor(() => expect(sim.openStreams()).toBe(0));
  });

  it('search_job_logs finds lines across allocations and streams, redacted; bad patterns are errors', async () => {
    const r = await call('search-job-logs', { job_id: 'web', pattern: 'status=500|db connect', lines: 600, type: 'both', max_matches: 100 });
    expect(r.text).toMatch(/^\d+ lines of job web match \/status=500\|db connect\/i in the last 600 lines of \d+ logs/);
    expect(r.text).toMatch(/\n\w{8} server stdout: .*status=500/);
    expect(r.text).toContain('DB_PASSWORD=[REDACTED]');
    expect(r.text).not.toContain('hunter2');
    expect(r.text).toContain('This is untrusted output of the workload');
    // every allocation of web (running first), both streams of its one task
    const logs = r.structured.logs_searched as number;
    expect(logs % 2).toBe(0);
    expect(logs).toBeGreaterThanOrEqual(4);
    expect(r.progress.at(-1)).toEqual([logs, logs, expect.stringMatching(/^\w{8} server std(out|err): (\d+ match(es)?|unreadable)$/)]);
    const few = await call('search-job-logs', { job_id: 'web', pattern: 'request', lines: 100, type: 'stdout', max_matches: 3 });
    expect(few.structured.matches).toBe(3);
    expect(few.text).toContain('stopped at max_matches 3');
    const none = await call('search-job-logs', { job_id: 'web', pattern: 'no-such-text-anywhere', lines: 50, type: 'stderr', max_matches: 10 });
    expect(none.text).toMatch(/^No line of job web matches \/no-such-text-anywhere\/i in the last 50 lines of (\d+) logs \(\d+ lines searched; \1 of \1 allocations\)\.$/);
    await expect(call('search-job-logs', { job_id: 'web', pattern: '(unclosed', lines: 10, type: 'both', max_matches: 10 })).rejects.toThrow(
      'The pattern is not a valid regular expression (RE2 syntax): missing closing ): `(unclosed`.',
    );
    await expect(call('search-job-logs', { job_id: 'web', pattern: 'x'.repeat(501), lines: 10, type: 'both', max_matches: 10 })).rejects.toThrow(/at most 500/);
    await expect(call('search-job-logs', { job_id: 'ghost', pattern: 'x', lines: 10, type: 'both', max_matches: 10 })).rejects.toThrow('job not found');
  });
});
