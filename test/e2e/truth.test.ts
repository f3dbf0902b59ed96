/**
 * Where the product believed something about Nomad that a real cluster does not do (issue 11): each
 * test makes the simulator answer as Nomad does (facts and source lines in ../shared NOMAD-API.md)
 * and checks the tool's answer, end to end over stdio.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';

let sim: Simulator;
let mcp: Connected;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo', deploymentMs: 200 });
  mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--allow-destructive']);
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

afterEach(() => {
  sim.faults.endpoints = [];
  sim.faults.noLeader = false;
});

const since = (from: number) => sim.requests.slice(from);

async function nomad<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(sim.url + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.status, `${method} ${path}`).toBe(200);
  return (await res.json()) as T;
}

function job(id: string, extra: Record<string, unknown> = {}) {
  return {
    ID: id, Name: id, Type: 'batch', Datacenters: ['dc1'],
    TaskGroups: [{ Name: 'g', Count: 1, Tasks: [{ Name: 't', Driver: 'docker', Config: { image: 'busybox:1' }, Resources: { CPU: 100, MemoryMB: 64 } }] }],
    ...extra,
  };
}

describe('1. stop_job on periodic and parameterized jobs', () => {
  it('says stopped (no evaluation) for a periodic job, and "not found" only for an unknown one', async () => {
    await nomad('PUT', '/v1/jobs', { Job: job('nightly', { Periodic: { Enabled: true, Spec: '0 3 * * *', SpecType: 'cron' } }) });
    await nomad('PUT', '/v1/jobs', { Job: job('report', { ParameterizedJob: { Payload: 'optional' } }) });
    for (const id of ['nightly', 'report']) {
      const r = await mcp.call('stop_job', { job_id: id });
      expect(r.isError, r.text).toBe(false);
      expect(r.text).toBe(`Job ${id} stopped. No evaluation: Nomad creates none when stopping a periodic or parameterized job. start_job brings it back.`);
      expect((await nomad<{ Stop: boolean }>('GET', `/v1/job/${id}`)).Stop).toBe(true);
    }
    const ghost = await mcp.call('stop_job', { job_id: 'ghost' });
    expect(ghost.isError).toBe(true);
    expect(ghost.text).toMatch(/^job not found: there is no job "ghost"/);
  });
});

describe('2. get_cluster_status degrades', () => {
  it('shows what it could read when /v1/agent/self is refused, naming agent:read', async () => {
    sim.faults.endpoints.push({ path: '/v1/agent/self', status: 403, text: 'Permission denied' });
    const r = await mcp.call('get_cluster_status');
    expect(r.isError, r.text).toBe(false);
    expect(r.text.split('\n')).toEqual([
      'Leader: 127.0.0.1:4647',
      'Raft peers (1): 127.0.0.1:4647',
      'Regions: global',
      'agent info unavailable: the token lacks agent:read',
    ]);
    expect(r.structured?.unavailable).toEqual({ 'agent info': 'the token lacks agent:read' });
  });

  it('reports a cluster without a leader as such (leader and peers read with stale=true)', async () => {
    sim.faults.noLeader = true;
    const from = sim.requests.length;
    const r = await mcp.call('get_cluster_status');
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toContain('Leader: none: the cluster has no leader');
    expect(r.text).toContain('Raft peers (1): 127.0.0.1:4647');
    for (const p of ['/v1/status/leader', '/v1/status/peers']) expect(since(from).find((q) => q.path === p)!.query.stale).toBe('true');
  });

  it('fails whole only when nothing could be read', async () => {
    for (const p of ['/v1/status/leader', '/v1/status/peers', '/v1/regions', '/v1/agent/self']) sim.faults.endpoints.push({ path: p, status: 500, text: 'rpc error: EOF' });
    const r = await mcp.call('get_cluster_status');
    expect(r.isError).toBe(true);
    expect(r.text).toContain('rpc error: EOF');
  });
});

describe('3. orders', () => {
  it('list_job_deployments is newest first although Nomad answers in ID order', async () => {
    const web = await nomad<{ Version: number; TaskGroups: { Tasks: { Env: unknown }[] }[] }>('GET', '/v1/job/web');
    for (let i = 0; i < 3; i++) {
      web.TaskGroups[0].Tasks[0].Env = { ROUND: String(i) };
      await nomad('PUT', '/v1/jobs', { Job: web });
    }
    await new Promise((r) => setTimeout(r, 300)); // the evaluations create the deployments
    const raw = await nomad<{ ID: string; CreateIndex: number; JobVersion: number }[]>('GET', '/v1/job/web/deployments');
    expect(raw.length).toBeGreaterThanOrEqual(3);
    const newestFirst = [...raw].sort((a, b) => b.CreateIndex - a.CreateIndex).map((d) => d.ID);
    expect(raw.map((d) => d.ID)).toEqual([...raw].map((d) => d.ID).sort()); // Nomad: ID order
    const r = await mcp.call('list_job_deployments', { job_id: 'web' });
    expect(((r.structured!.items as { ID: string }[]) ?? []).map((d) => d.ID)).toEqual(newestFirst);
  });

  it('the recent lists send reverse=true so the first page is the newest', async () => {
    for (const [tool, path] of [['list_evaluations', '/v1/evaluations'], ['list_deployments', '/v1/deployments'], ['list_allocations', '/v1/allocations']] as const) {
      const from = sim.requests.length;
      const r = await mcp.call(tool, { per_page: 2 });
      expect(r.isError, r.text).toBe(false);
      expect(since(from).find((q) => q.path === path)!.query.reverse).toBe('true');
      const all = await nomad<{ ID: string; CreateIndex: number }[]>('GET', path);
      // Nomad's reverse order: CreateIndex descending, then ID descending (CreateIndexAndIDTokenizer)
      const newest = [...all].sort((a, b) => b.CreateIndex - a.CreateIndex || (a.ID < b.ID ? 1 : -1)).slice(0, 2).map((x) => x.ID);
      expect((r.structured!.items as { ID: string }[]).map((x) => x.ID)).toEqual(newest);
    }
  });
});

describe('4. validate_job names the namespace', () => {
  it('sets Job.Namespace (and the query) before /v1/validate/job', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('validate_job', { content: JSON.stringify(job('checked')), namespace: 'staging' });
    expect(r.isError, r.text).toBe(false);
    const req = since(from).find((q) => q.path === '/v1/validate/job')!;
    expect(req.query.namespace).toBe('staging');
    expect(JSON.parse(req.body).Job.Namespace).toBe('staging');
  });
});

describe('5. watch_events', () => {
  it('defaults to the topics read-job allows, and explains a refusal in capability terms', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('watch_events', { seconds: 1 });
    expect(r.isError, r.text).toBe(false);
    const sent = since(from).find((q) => q.path === '/v1/event/stream')!;
    expect(new URL(sent.rawUrl, sim.url).searchParams.getAll('topic')).toEqual(['Job', 'Allocation', 'Evaluation', 'Deployment']);
    sim.faults.endpoints.push({ path: '/v1/event/stream', status: 403, text: 'Permission denied' });
    const denied = await mcp.call('watch_events', { topics: ['Job', 'Node'], seconds: 1, namespace: '*' });
    expect(denied.isError).toBe(true);
    expect(denied.text).toContain('one topic the token cannot read refuses the whole stream');
    expect(denied.text).toContain('Node topics need node:read');
    expect(denied.text).toContain('Job needs read-job in every namespace');
  });
});

describe('6. restart_job', () => {
  it('restarts running tasks only unless all_tasks is given (finished prestart tasks stay finished)', async () => {
    let from = sim.requests.length;
    const r = await mcp.call('restart_job', { job_id: 'api', namespace: 'staging' });
    expect(r.isError, r.text).toBe(false);
    const bodies = () => since(from).filter((q) => q.path.endsWith('/restart')).map((q) => JSON.parse(q.body) as { AllTasks: boolean });
    expect(bodies().length).toBeGreaterThan(0);
    for (const b of bodies()) expect(b.AllTasks).toBe(false);
    from = sim.requests.length;
    const all = await mcp.call('restart_job', { job_id: 'api', namespace: 'staging', all_tasks: true });
    expect(all.isError, all.text).toBe(false);
    for (const b of bodies()) expect(b.AllTasks).toBe(true);
  });
});

describe('7. HCL namespace from the parsed job', () => {
  it('a namespace inside vault {} is not the job\'s: the dry run plans in the configured namespace', async () => {
    const staging = await connectStdio({ NOMAD_ADDR: sim.url, NOMAD_NAMESPACE: 'staging' });
    try {
      const hcl = `job "vaulted" {
  datacenters = ["dc1"]
  type = "batch"
  group "g" {
    task "t" {
      driver = "docker"
      config { image = "busybox:1" }
      vault {
        namespace = "ops"
        policies = ["read"]
      }
    }
  }
}
`;
      const from = sim.requests.length;
      const r = await staging.call('submit_job_file', { content: hcl, dry_run: true });
      expect(r.isError, r.text).toBe(false);
      const plan = since(from).find((q) => q.path === '/v1/job/vaulted/plan')!;
      expect(plan.query.namespace).toBe('staging');
      // a job block that does set it still wins over the configured default
      const own = hcl.replace('type = "batch"', 'type = "batch"\n  namespace = "default"');
      const from2 = sim.requests.length;
      expect((await staging.call('submit_job_file', { content: own, dry_run: true })).isError).toBe(false);
      expect(since(from2).find((q) => q.path === '/v1/job/vaulted/plan')!.query.namespace).toBe('default');
    } finally {
      await staging.close();
    }
  });
});

describe('8. search_job_logs continues past an unreadable allocation', () => {
  it('searches what it can read and lists what it could not, with the capability', async () => {
    const allocs = await nomad<{ ID: string; ClientStatus: string }[]>('GET', '/v1/job/web/allocations');
    const running = allocs.filter((a) => a.ClientStatus === 'running');
    expect(running.length).toBeGreaterThan(1);
    // client/fs_endpoint.go ~391: a token without read-logs gets 500 "Permission denied"
    sim.faults.endpoints.push({ path: `/v1/client/fs/logs/${running[0].ID}`, status: 500, text: 'Permission denied' });
    const r = await mcp.call('search_job_logs', { job_id: 'web', pattern: '.', type: 'stdout' });
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toContain('could not be read');
    expect(r.text).toContain(`${running[0].ID.slice(0, 8)}`);
    expect(r.text).toContain('the token lacks read-logs in namespace "default"');
    expect((r.structured!.logs_searched as number)).toBeGreaterThan(0);
  });
});

describe('9. list_cluster_members', () => {
  it('marks no member leader when the cluster has none', async () => {
    sim.faults.noLeader = true;
    const r = await mcp.call('list_cluster_members');
    expect(r.isError, r.text).toBe(false);
    expect(r.text).not.toContain('(leader)');
    expect(r.text).toContain('No leader: the cluster has no raft quorum.');
  });
});

describe('10. lists without a paginator', () => {
  it('list_namespaces and list_acl_policies do not offer filter, per_page or next_token', async () => {
    const { tools } = await mcp.client.listTools();
    for (const name of ['list_namespaces', 'list_acl_policies']) {
      const props = Object.keys((tools.find((t) => t.name === name)!.inputSchema.properties ?? {}) as object);
      expect(props, name).toEqual(['prefix']);
    }
  });
});

describe('12. the nomad://node resource', () => {
  it('reads DrainStrategy, which a full Node has (not the stub\'s Drain)', async () => {
    const [n] = await nomad<{ ID: string }[]>('GET', '/v1/nodes');
    const r = await mcp.client.readResource({ uri: `nomad://node/${n.ID}` });
    const body = JSON.parse((r.contents[0] as { text: string }).text) as Record<string, unknown>;
    expect(body).toHaveProperty('DrainStrategy');
    expect(body).not.toHaveProperty('Drain');
  });
});

describe('13. an allocation the token cannot read', () => {
  it('Nomad\'s uncoded 500 "Unknown allocation" is said as not found or not permitted', async () => {
    const [a] = await nomad<{ ID: string }[]>('GET', '/v1/job/web/allocations');
    sim.faults.endpoints.push({ path: `/v1/allocation/${a.ID}`, status: 500, text: `Unknown allocation "${a.ID}"` });
    const r = await mcp.call('get_allocation_status', { alloc_id: a.ID });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found or not permitted');
  });
});

describe('composite plugins degrade', () => {
  it('get_job_status shows the job when one part is refused, and names it', async () => {
    sim.faults.endpoints.push({ path: '/v1/job/web/deployment', status: 500, text: 'rpc error: Permission denied' });
    const r = await mcp.call('get_job_status', { job_id: 'web' });
    expect(r.isError, r.text).toBe(false);
    expect(r.text).toMatch(/^Job web \(service/);
    expect(r.text).toContain('latest deployment unavailable: the token lacks read-job in namespace "default"');
    expect(r.structured?.unavailable).toEqual({ 'latest deployment': 'the token lacks read-job in namespace "default"' });
  });
});

describe('14. evaluations are processed asynchronously', () => {
  it('create_job waits for its evaluation (a blocking query on it) and says when it is still pending', async () => {
    // this simulator processes evaluations shortly after they are created, as Nomad's workers do
    const from = sim.requests.length;
    const done = await mcp.call('create_job', { job: job('async-1') });
    expect(done.isError, done.text).toBe(false);
    expect(done.text).toContain('No placement failures (evaluation complete)');
    expect(since(from).find((q) => q.path.startsWith('/v1/evaluation/'))!.query.index).toBeDefined();
    // a scheduler that does not get to it within the wait: the answer says so instead of guessing
    const slow = await startSimulator({ port: 0, seed: 'demo', evalDelayMs: 600_000 });
    const client = await connectStdio({ NOMAD_ADDR: slow.url });
    try {
      const pending = await client.call('create_job', { job: job('async-2') });
      expect(pending.isError, pending.text).toBe(false);
      expect(pending.text).toContain('is still pending; get_job_status shows the outcome shortly');
    } finally {
      await client.close();
      await slow.close();
    }
  }, 60_000);
});
