import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';

let sim: Simulator;
let mcp: Connected;

const SEED_TOOLS = [
  'list_jobs', 'get_job', 'get_job_status', 'start_job', 'stop_job', 'restart_job', 'create_job', 'submit_job_file',
  'get_allocation_status', 'get_job_evaluations', 'force_evaluate_job', 'get_job_logs', 'get_allocation_logs',
  'list_configs', 'get_config', 'save_config', 'delete_config', 'list_repositories', 'get_repository',
];

/** Requests the simulator received since `from`, as "METHOD /path". */
function received(from: number): string[] {
  return sim.requests.slice(from).map((r) => `${r.method} ${r.path}`);
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  mcp = await connectStdio({ NOMAD_ADDR: sim.url, GITEA_URL: sim.url }, ['--allow-destructive']);
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

describe('tools/list', () => {
  it('lists every seed tool with a schema and annotations', async () => {
    const { tools } = await mcp.client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of SEED_TOOLS) expect(names).toContain(n);
    const listJobs = tools.find((t) => t.name === 'list_jobs')!;
    expect(listJobs.annotations?.readOnlyHint).toBe(true);
    expect(listJobs.inputSchema.properties).toHaveProperty('namespace');
    expect(tools.find((t) => t.name === 'stop_job')!.annotations?.destructiveHint).toBe(true);
  });
});

describe('jobs', () => {
  it('list_jobs shows the default namespace jobs with their status', async () => {
    const r = await mcp.call('list_jobs');
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/^web {2,}default {2,}service {2,}/m);
    expect(r.text).toMatch(/^win-app {2,}default {2,}service {2,}pending /m);
    expect(r.text).not.toMatch(/^api /m);
    expect((r.structured!.items as unknown[]).length).toBeGreaterThanOrEqual(3);
  });

  it('list_jobs with namespace "*" and a prefix', async () => {
    expect((await mcp.call('list_jobs', { namespace: '*' })).text).toMatch(/^api +staging +service +/m);
    const r = await mcp.call('list_jobs', { prefix: 'bat' });
    expect(r.text).toMatch(/^batch-report +default +batch +/m);
    expect(r.text).not.toMatch(/^web /m);
  });

  it('get_job shows the shaped spec', async () => {
    const r = await mcp.call('get_job', { job_id: 'web' });
    expect(r.isError).toBe(false);
    expect(r.text).toContain('"Driver":"docker"');
    expect(r.text.length).toBeLessThan(16_500);
  });

  it('get_job of an unknown job is a tool error with Nomad\'s text', async () => {
    const r = await mcp.call('get_job', { job_id: 'nope' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/Nomad 404: job not found \(GET \/v1\/job\/nope\)/);
  });

  it('a job ID is one encoded path segment; one that hides a dot segment is refused before sending', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('get_job', { job_id: 'a b/c' });
    expect(r.isError).toBe(true);
    expect(sim.requests.slice(from).map((q) => q.rawUrl)).toContainEqual(expect.stringContaining('/v1/job/a%20b%2Fc'));
    const climb = sim.requests.length;
    const refused = await mcp.call('get_job', { job_id: '../../v1/acl' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/dot segment/);
    expect(sim.requests.length).toBe(climb);
  });

  it('missing and mistyped arguments name the field', async () => {
    const missing = await mcp.call('get_job', {});
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('missing required argument "job_id"');
    const typed = await mcp.call('get_job_logs', { job_id: 'web', lines: 'ten' });
    expect(typed.isError).toBe(true);
    expect(typed.text).toMatch(/argument "lines" must be integer/);
    const extra = await mcp.call('list_jobs', { colour: 'red' });
    expect(extra.text).toContain('unknown argument "colour"');
  });

  it('get_job_status summarises a healthy job', async () => {
    const r = await mcp.call('get_job_status', { job_id: 'web' });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/running/);
    expect(r.text).toMatch(/frontend/);
  });

  it('get_job_status and get_job_evaluations explain a pending job', async () => {
    const s = await mcp.call('get_job_status', { job_id: 'win-app' });
    expect(s.text).toMatch(/pending/);
    expect(s.text).toContain('${attr.kernel.name} = windows');
    const e = await mcp.call('get_job_evaluations', { job_id: 'win-app' });
    expect(e.isError).toBe(false);
    expect(e.text).toContain('${attr.kernel.name} = windows');
    expect(e.text).toMatch(/filtered/);
    expect(e.text).toMatch(/ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \((now|\d+[smhd] ago)\)/);
  });

  it('get_job_evaluations of an unknown job says not found', async () => {
    const r = await mcp.call('get_job_evaluations', { job_id: 'ghost' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
  });

  it('force_evaluate_job creates an evaluation', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('force_evaluate_job', { job_id: 'win-app' });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/^Evaluation [0-9a-f-]{36} created for job win-app/);
    const req = sim.requests.slice(from).find((q) => q.path === '/v1/job/win-app/evaluate')!;
    expect(JSON.parse(req.body)).toEqual({ JobID: 'win-app', EvalOptions: { ForceReschedule: false } });
  });

  it('get_allocation_status by job and by ID prefix', async () => {
    const byJob = await mcp.call('get_allocation_status', { job_id: 'web' });
    expect(byJob.isError).toBe(false);
    expect(byJob.text).toMatch(/running/);
    const allocs = (await (await fetch(`${sim.url}/v1/job/web/allocations`)).json()) as { ID: string }[];
    const one = await mcp.call('get_allocation_status', { alloc_id: allocs[0].ID.slice(0, 8) });
    expect(one.isError).toBe(false);
    expect(one.text).toContain(allocs[0].ID.slice(0, 8));
    expect(one.text).toContain('server');
    // times read as ISO plus their age, as in the tables
    expect(one.text).toMatch(/created \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \((now|\d+[smhd] ago)\), modified /);
    const none = await mcp.call('get_allocation_status', { alloc_id: 'ffffffff' });
    expect(none.isError).toBe(true);
  });

  it('restart_job restarts each running allocation in place', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('restart_job', { job_id: 'web' });
    expect(r.isError).toBe(false);
    const restarts = received(from).filter((l) => /\/v1\/client\/allocation\/[^/]+\/restart$/.test(l));
    expect(restarts).toHaveLength(2);
  });

  it('stop_job then start_job', async () => {
    let from = sim.requests.length;
    const stop = await mcp.call('stop_job', { job_id: 'batch-report' });
    expect(stop.isError).toBe(false);
    expect(received(from)).toContain('DELETE /v1/job/batch-report');
    const job = (await (await fetch(`${sim.url}/v1/job/batch-report`)).json()) as { Stop: boolean };
    expect(job.Stop).toBe(true);
    from = sim.requests.length;
    const start = await mcp.call('start_job', { job_id: 'batch-report' });
    expect(start.isError).toBe(false);
    const reg = sim.requests.slice(from).find((q) => (q.method === 'PUT' || q.method === 'POST') && q.path === '/v1/jobs')!;
    expect(JSON.parse(reg.body).Job.Stop).toBe(false);
  });

  it('stop_job of an unknown job says not found', async () => {
    const r = await mcp.call('stop_job', { job_id: 'ghost' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('not found');
  });

  it('create_job accepts a bare or wrapped Job object', async () => {
    const job = {
      ID: 'created', Name: 'created', Type: 'service', Datacenters: ['dc1'],
      TaskGroups: [{ Name: 'g', Count: 1, Tasks: [{ Name: 't', Driver: 'docker', Config: { image: 'redis:7' }, Resources: { CPU: 100, MemoryMB: 64 } }] }],
    };
    const bare = await mcp.call('create_job', { job });
    expect(bare.isError).toBe(false);
    expect(bare.text).toMatch(/[0-9a-f]{8}/);
    const wrapped = await mcp.call('create_job', { job: { Job: { ...job, ID: 'created2', Name: 'created2' } } });
    expect(wrapped.isError).toBe(false);
    expect((await mcp.call('list_jobs', { prefix: 'created' })).text).toContain('created2');
  });
});

const HCL = `job "hello" {
  datacenters = ["dc1"]
  type = "service"
  group "app" {
    count = 1
    task "hello" {
      driver = "docker"
      config {
        image = "hashicorp/http-echo:1.0"
      }
      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
`;

describe('submit_job_file', () => {
  it('dry_run plans and registers nothing', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('submit_job_file', { content: HCL, dry_run: true });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/app/);
    expect(r.text.toLowerCase()).toMatch(/nothing (was )?registered|not registered/);
    expect(received(from)).toContain('PUT /v1/job/hello/plan');
    expect(received(from).filter((l) => l.endsWith('/v1/jobs'))).toEqual([]);
  });

  it('registers HCL through the parse endpoint', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('submit_job_file', { content: HCL });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/[0-9a-f]{8}/);
    expect(received(from)).toEqual(expect.arrayContaining(['PUT /v1/jobs/parse', 'PUT /v1/jobs']));
    const job = (await (await fetch(`${sim.url}/v1/job/hello`)).json()) as { ID: string };
    expect(job.ID).toBe('hello');
  });

  it('registers JSON directly', async () => {
    const from = sim.requests.length;
    const content = JSON.stringify({ Job: { ID: 'jsonjob', Name: 'jsonjob', Type: 'batch', Datacenters: ['dc1'], TaskGroups: [{ Name: 'g', Count: 1, Tasks: [{ Name: 't', Driver: 'exec', Config: { command: '/bin/true' } }] }] } });
    const r = await mcp.call('submit_job_file', { content });
    expect(r.isError).toBe(false);
    expect(received(from)).not.toContain('PUT /v1/jobs/parse');
  });

  it('bad HCL answers Nomad\'s parse error and registers nothing', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('submit_job_file', { content: 'job "broken" {\n  group "g" {\n' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/Failed to parse job: input\.hcl:\d+,\d+/);
    expect(received(from).filter((l) => l.endsWith('/v1/jobs'))).toEqual([]);
  });
});

describe('logs', () => {
  it('get_job_logs returns exactly the last N lines, wrapped as untrusted', async () => {
    const r = await mcp.call('get_job_logs', { job_id: 'web', lines: 10 });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/untrusted/i);
    const lines = r.text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('--- log of task server (stdout)'));
    const end = lines.indexOf('--- end of log ---');
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end - start - 1).toBe(10);
  });

  it('reads the tail from the end, not the whole file', async () => {
    const from = sim.requests.length;
    await mcp.call('get_job_logs', { job_id: 'web', lines: 5 });
    const logReq = sim.requests.slice(from).find((q) => q.path.startsWith('/v1/client/fs/logs/'))!;
    expect(logReq.query.origin).toBe('end');
    expect(Number(logReq.query.offset)).toBeLessThan(64 * 1024);
  });

  it('get_allocation_logs reads stderr of one allocation', async () => {
    const allocs = (await (await fetch(`${sim.url}/v1/job/web/allocations`)).json()) as { ID: string }[];
    const r = await mcp.call('get_allocation_logs', { alloc_id: allocs[0].ID, task: 'server', type: 'stderr', lines: 3 });
    expect(r.isError).toBe(false);
    expect(r.text).toContain('stderr');
  });

  it('an unknown task is Nomad\'s error', async () => {
    const allocs = (await (await fetch(`${sim.url}/v1/job/web/allocations`)).json()) as { ID: string }[];
    const r = await mcp.call('get_allocation_logs', { alloc_id: allocs[0].ID, task: 'nosuch' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('unknown task name "nosuch"');
  });
});

describe('configs', () => {
  it('save, list, get, delete', async () => {
    const saved = await mcp.call('save_config', { name: 'hello', job_id: 'hello', repository: 'acme/hello', description: 'echo service', owner_team: 'platform' });
    expect(saved.isError).toBe(false);
    const list = await mcp.call('list_configs');
    expect(list.text).toContain('nomad-mcp/configs/hello');
    const got = await mcp.call('get_config', { name: 'hello' });
    expect(got.structured).toMatchObject({ items: { job_id: 'hello', repository: 'acme/hello', owner_team: 'platform' } });
    const del = await mcp.call('delete_config', { name: 'hello' });
    expect(del.isError).toBe(false);
    expect(del.text).toBe('Configuration hello deleted.');
    const gone = await mcp.call('get_config', { name: 'hello' });
    expect(gone.isError).toBe(true);
    expect(gone.text).toContain('variable not found');
  });
});

describe('repositories', () => {
  it('list and get', async () => {
    const list = await mcp.call('list_repositories', { query: 'web' });
    expect(list.isError).toBe(false);
    expect(list.text).toContain('full_name');
    const name = ((list.structured!.items as { full_name: string }[])[0]).full_name;
    const [owner, repo] = name.split('/');
    const one = await mcp.call('get_repository', { owner, repo });
    expect(one.isError).toBe(false);
    expect(one.text).toContain(name);
    const missing = await mcp.call('get_repository', { owner: 'nobody', repo: 'nothing' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/gitea 404/);
  });
});

describe('the server keeps serving', () => {
  it('answers after all the errors above', async () => {
    const r = await mcp.call('list_jobs', { prefix: 'web' });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/^web {2,}default {2,}service {2,}/m);
  });
});
