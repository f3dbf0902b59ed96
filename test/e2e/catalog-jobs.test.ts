/**
 * The jobs tools beyond the seed's, end to end: the MCP SDK client over stdio against `serve --stdio`
 * and the simulator. Answers are read as a user would; writes are checked on what Nomad received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RecordedRequest, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';

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

/** Requests Nomad received since `from`. */
const since = (from: number): RecordedRequest[] => sim.requests.slice(from);
const lines = (from: number): string[] => since(from).map((r) => `${r.method} ${r.path}`);
const writes = (from: number, path: string) => since(from).filter((r) => (r.method === 'PUT' || r.method === 'POST') && r.path === path);
const registrations = (from: number) => since(from).filter((r) => (r.method === 'PUT' || r.method === 'POST') && (r.path === '/v1/jobs' || /^\/v1\/job\/[^/]+$/.test(r.path)));

async function nomadGet<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(sim.url + path);
  const text = await res.text();
  return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

const hcl = (name: string, body: string) => `job "${name}" {
  datacenters = ["dc1"]
${body}
}
`;

const PLANNED = hcl('planned', `  type = "service"
  group "app" {
    count = 2
    task "echo" {
      driver = "docker"
      config {
        image = "hashicorp/http-echo:1.0"
      }
      resources {
        cpu    = 100
        memory = 64
      }
    }
  }`);

const PARAMETERIZED = hcl('render', `  type = "batch"
  parameterized {
    payload       = "optional"
    meta_optional = ["color"]
  }
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/cat"
        args    = ["\${NOMAD_TASK_DIR}/input"]
      }
      dispatch_payload {
        file = "input"
      }
    }
  }`);

describe('get_job_versions and revert_job', () => {
  it('lists web\'s versions newest first with only what changed between them', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('get_job_versions', { job_id: 'web' });
    expect(r.isError).toBe(false);
    const text = r.text.split('\n');
    expect(text[0]).toMatch(/^v1 submitted \d{4}-\d\d-\d\dT[\d:]+Z \((\d+[smhd] ago|now)\), stable$/);
    expect(text[1]).toMatch(/^v0 submitted /);
    expect(r.text).toContain('Changes, newest first (each against the version before it):');
    expect(r.text).toContain('task server Edited (Config Edited: image nginx:1.25 → nginx:1.27)');
    // Nomad's version diffs are contextual: unchanged fields must not be listed as changes.
    expect(r.text).not.toMatch(/Priority: 50 → 50|Driver: docker → docker|ports\[0\] http → http/);
    expect(since(from).find((q) => q.path === '/v1/job/web/versions')!.query.diffs).toBe('true');
  });

  it('diffs=false lists the versions only', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('get_job_versions', { job_id: 'web', diffs: false });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/^v1 submitted .*\nv0 submitted /);
    expect(r.text).not.toContain('Changes');
    expect(since(from).find((q) => q.path === '/v1/job/web/versions')!.query.diffs).toBe('false');
  });

  it('an unknown job is Nomad\'s "job versions not found"', async () => {
    const r = await mcp.call('get_job_versions', { job_id: 'ghost' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('job versions not found');
  });

  it('revert_job registers version 0 again as a new version', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('revert_job', { job_id: 'web', version: 0 });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(new RegExp(`^Job web reverted to version 0; evaluation ${UUID.source}\\.$`));
    const [req] = writes(from, '/v1/job/web/revert');
    expect(req.method).toBe('PUT');
    expect(JSON.parse(req.body)).toEqual({ JobID: 'web', JobVersion: 0 });

    const job = await nomadGet<{ Version: number; TaskGroups: { Tasks: { Config: { image: string } }[] }[] }>('/v1/job/web');
    expect(job.body.Version).toBe(2);
    expect(job.body.TaskGroups[0].Tasks[0].Config.image).toBe('nginx:1.25');
    const versions = await mcp.call('get_job_versions', { job_id: 'web' });
    expect(versions.text.split('\n')[0]).toMatch(/^v2 submitted /);
    expect(versions.text).toContain('(Config Edited: image nginx:1.27 → nginx:1.25)');
  });

  it('reverting to the current version is Nomad\'s error', async () => {
    const r = await mcp.call('revert_job', { job_id: 'web', version: 2 });
    expect(r.isError).toBe(true);
    expect(r.text).toContain("can't revert to current version");
  });
});

describe('plan_job', () => {
  it('plans HCL content: a new job, two placements, nothing registered', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('plan_job', { content: PLANNED });
    expect(r.isError).toBe(false);
    expect(r.text).toContain('Plan of job planned (hcl, namespace default): nothing was registered.');
    expect(r.text).toContain('job diff: Added (a new job)');
    expect(r.text).toMatch(/scheduler would:\n {2}app: 2 place/);
    expect(r.text).toContain('To apply it, call submit_job_file with the same content');
    expect(lines(from)).toEqual(expect.arrayContaining(['PUT /v1/jobs/parse', 'PUT /v1/job/planned/plan']));
    const plan = writes(from, '/v1/job/planned/plan')[0];
    expect(JSON.parse(plan.body)).toMatchObject({ Diff: true, Job: { ID: 'planned', Namespace: 'default' } });
    expect(registrations(from)).toEqual([]);
    expect((await nomadGet('/v1/job/planned')).status).toBe(404);
    expect(r.structured).toMatchObject({ registered: false, job_id: 'planned', diff_type: 'Added' });
  });

  it('plans a JSON Job object against the running job: the changed fields, nothing registered', async () => {
    const before = await nomadGet<{ Version: number; JobModifyIndex: number }>('/v1/job/web');
    const from = sim.requests.length;
    const job = {
      ID: 'web', Name: 'web', Type: 'service', Datacenters: ['dc1'],
      TaskGroups: [{ Name: 'frontend', Count: 3, Tasks: [{ Name: 'server', Driver: 'docker', Config: { image: 'nginx:1.28' }, Resources: { CPU: 500, MemoryMB: 256 } }] }],
    };
    const r = await mcp.call('plan_job', { job });
    expect(r.isError).toBe(false);
    expect(r.text).toContain('Plan of job web (JSON object, namespace default): nothing was registered.');
    expect(r.text).toContain('job diff: Edited');
    expect(r.text).toContain('group frontend: Count: 2 → 3');
    expect(r.text).toContain('group frontend task server: Config.image: nginx:1.25 → nginx:1.28');
    expect(r.text).toContain('To apply it, call create_job with the same job');
    expect(lines(from)).not.toContain('PUT /v1/jobs/parse');
    expect(JSON.parse(writes(from, '/v1/job/web/plan')[0].body)).toMatchObject({ Diff: true, Job: { ID: 'web', TaskGroups: [{ Count: 3 }] } });
    expect(registrations(from)).toEqual([]);
    const after = await nomadGet<{ Version: number; JobModifyIndex: number }>('/v1/job/web');
    expect(after.body).toMatchObject({ Version: before.body.Version, JobModifyIndex: before.body.JobModifyIndex });
  });

  it('says when placement would fail, with the constraint', async () => {
    const content = PLANNED.replace('job "planned" {', 'job "planned-win" {\n  constraint {\n    attribute = "${attr.kernel.name}"\n    value     = "windows"\n  }');
    const r = await mcp.call('plan_job', { content });
    expect(r.isError).toBe(false);
    expect(r.text).toContain('placement would fail:');
    expect(r.text).toContain('${attr.kernel.name} = windows');
  });

  it('needs content or job, not both and not neither', async () => {
    const none = await mcp.call('plan_job', {});
    expect(none.isError).toBe(true);
    expect(none.text).toContain('Give content (HCL or JSON jobspec text) or job (a JSON Job object) to plan.');
    const both = await mcp.call('plan_job', { content: PLANNED, job: { ID: 'x' } });
    expect(both.isError).toBe(true);
    expect(both.text).toContain('not both');
  });
});

describe('validate_job', () => {
  /** Whether the simulator has Nomad's validate endpoint yet (another change adds it). */
  async function simValidates(): Promise<boolean> {
    const res = await fetch(`${sim.url}/v1/validate/job`, { method: 'PUT', body: JSON.stringify({ Job: { ID: 'probe' } }) });
    await res.text();
    return res.status !== 404;
  }

  it('a valid HCL jobspec is valid, and nothing is planned or registered', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('validate_job', { content: PLANNED });
    expect(r.isError).toBe(false);
    if (await simValidates()) {
      expect(r.text).toMatch(/^Job planned \(hcl\) is valid/);
      expect(r.structured).toMatchObject({ valid: true, stage: 'server', server_validated: true });
    } else {
      // The documented fallback when Nomad answers 404 for /v1/validate/job.
      expect(r.text).toContain('Job planned (hcl) parses and passes basic checks (ID, task groups, tasks, drivers).');
      expect(r.text).toContain('Server-side validation was unavailable (Nomad answered 404 for /v1/validate/job)');
      expect(r.structured).toMatchObject({ valid: true, stage: 'basic', server_validated: false });
    }
    expect(lines(from)).toContain('PUT /v1/jobs/parse');
    expect(lines(from).filter((l) => l.endsWith('/plan'))).toEqual([]);
    expect(registrations(from)).toEqual([]);
  });

  it('HCL that does not parse is answered as not valid with Nomad\'s position', async () => {
    const r = await mcp.call('validate_job', { content: 'job "broken" {\n  group "g" {\n' });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/^The jobspec is not valid: .*Failed to parse job: input\.hcl:\d+,\d+/);
    expect(r.text).not.toContain('nothing was registered');
    expect(r.structured).toMatchObject({ valid: false, stage: 'parse' });
  });

  it('an error inside a task is one error, with its group and task', async () => {
    const r = await mcp.call('validate_job', { content: PLANNED.replace('driver = "docker"', 'driver = ""') });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({ valid: false });
    if (await simValidates()) {
      expect(r.text).toBe('Job planned (hcl) is not valid: 1 error:\n  group app, task echo: Missing task driver');
    } else {
      expect(r.text).toContain('group "app": task "echo" has no driver');
    }
  });

  it('a job without task groups is not valid', async () => {
    const r = await mcp.call('validate_job', { content: 'job "empty" {\n  datacenters = ["dc1"]\n}\n' });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({ valid: false });
    expect(r.text).toMatch(/task groups/i);
    if (!(await simValidates())) expect(r.text).toContain('Job empty (hcl) parses but fails basic checks.');
  });
});

describe('scale_job and get_job_summary', () => {
  it('get_job_summary counts allocations per group', async () => {
    const web = await mcp.call('get_job_summary', { job_id: 'web' });
    expect(web.isError).toBe(false);
    expect(JSON.parse(web.text)).toMatchObject({ JobID: 'web', Namespace: 'default', Summary: { frontend: { Running: 2, Queued: 0 } } });
    const pending = await mcp.call('get_job_summary', { job_id: 'win-app' });
    expect(JSON.parse(pending.text).Summary.app).toMatchObject({ Queued: 1, Running: 0 });
    const ghost = await mcp.call('get_job_summary', { job_id: 'ghost' });
    expect(ghost.isError).toBe(true);
    expect(ghost.text).toContain('job not found');
  });

  it('scale_job sends Count as a number and the summary follows', async () => {
    const from = sim.requests.length;
    const r = await mcp.call('scale_job', { job_id: 'web', group: 'frontend', count: 3, message: 'more traffic' });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(new RegExp(`^Group frontend of web set to 3; evaluation ${UUID.source}\\.$`));
    const [req] = writes(from, '/v1/job/web/scale');
    expect(JSON.parse(req.body)).toEqual({ Count: 3, Target: { Group: 'frontend' }, Message: 'more traffic' });
    expect(typeof JSON.parse(req.body).Count).toBe('number');
    // Nomad processes the evaluation asynchronously: wait for it as a client does (a blocking query on it)
    const evalId = UUID.exec(r.text)![0];
    const ev = await nomadGet<{ Status: string; ModifyIndex: number }>(`/v1/evaluation/${evalId}`);
    if (ev.body.Status === 'pending') await nomadGet(`/v1/evaluation/${evalId}?index=${ev.body.ModifyIndex}&wait=10s`);
    const summary = await mcp.call('get_job_summary', { job_id: 'web' });
    expect(JSON.parse(summary.text).Summary.frontend.Running).toBe(3);
  });

  it('an unknown group is Nomad\'s error', async () => {
    const r = await mcp.call('scale_job', { job_id: 'web', group: 'nope', count: 1 });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('task group "nope" specified for scaling does not exist in job');
  });
});

describe('dispatch_job and get_job_spec', () => {
  it('registers a parameterized job and dispatches it with a base64 payload and meta', async () => {
    let from = sim.requests.length;
    const reg = await mcp.call('submit_job_file', { content: PARAMETERIZED });
    expect(reg.isError).toBe(false);
    expect(reg.text).toContain('Job render registered in namespace default');
    // The source travels with the registration, so Nomad keeps it for get_job_spec.
    const register = registrations(from)[0];
    expect(JSON.parse(register.body).Submission).toMatchObject({ Source: PARAMETERIZED, Format: 'hcl2' });

    from = sim.requests.length;
    const r = await mcp.call('dispatch_job', { job_id: 'render', payload: 'hello world', meta: { color: 'red' } });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(new RegExp(`^Dispatched render/dispatch-[\\w-]+ \\(evaluation ${UUID.source}\\)\\.$`));
    const [req] = writes(from, '/v1/job/render/dispatch');
    const body = JSON.parse(req.body) as { Payload: string; Meta: Record<string, string> };
    expect(body.Payload).toBe(Buffer.from('hello world').toString('base64'));
    expect(Buffer.from(body.Payload, 'base64').toString()).toBe('hello world');
    expect(body.Meta).toEqual({ color: 'red' });
    const child = r.text.match(/render\/dispatch-[\w-]+/)![0];
    expect((await mcp.call('list_jobs', { prefix: 'render/' })).text).toContain(child);
  });

  it('dispatching a job that is not parameterized is Nomad\'s error', async () => {
    const r = await mcp.call('dispatch_job', { job_id: 'web' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('is not a parameterized job');
  });

  it('get_job_spec shows the submitted source, or says plainly that none was kept', async () => {
    const kept = (await nomadGet('/v1/job/render/submission?version=0')).status === 200;
    const r = await mcp.call('get_job_spec', { job_id: 'render' });
    expect(r.isError).toBe(false);
    if (kept) {
      expect(r.text).toMatch(/^Job render version 0 \(current\) was submitted as hcl2 \(\d+ bytes\):/);
      expect(r.text).toContain('parameterized {');
      expect(r.structured).toMatchObject({ source_kept: true, format: 'hcl2' });
    } else {
      // The simulator does not keep submissions yet: the documented answer for "no source".
      expect(r.text).toContain('Nomad kept no source for job render version 0 (the current one)');
      expect(r.structured).toMatchObject({ source_kept: false });
    }
    // web was registered through the API without its source.
    const web = await mcp.call('get_job_spec', { job_id: 'web' });
    expect(web.isError).toBe(false);
    expect(web.text).toMatch(/^Nomad kept no source for job web version \d+ \(the current one\)/);
    const future = await mcp.call('get_job_spec', { job_id: 'render', version: 7 });
    expect(future.isError).toBe(true);
    expect(future.text).toContain('Job "render" has no version 7: its current version is 0.');
    const ghost = await mcp.call('get_job_spec', { job_id: 'ghost' });
    expect(ghost.isError).toBe(true);
    expect(ghost.text).toContain('job not found');
  });
});

describe('force_periodic_job', () => {
  it('launches a periodic job registered through create_job', async () => {
    const job = {
      ID: 'nightly', Name: 'nightly', Type: 'batch', Datacenters: ['dc1'],
      Periodic: { Enabled: true, Spec: '0 3 * * *', SpecType: 'cron', ProhibitOverlap: false },
      TaskGroups: [{ Name: 'g', Count: 1, Tasks: [{ Name: 't', Driver: 'exec', Config: { command: '/bin/true' } }] }],
    };
    const created = await mcp.call('create_job', { job });
    expect(created.isError).toBe(false);
    expect(created.text).toContain('Job nightly registered in namespace default');
    const from = sim.requests.length;
    const r = await mcp.call('force_periodic_job', { job_id: 'nightly' });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(new RegExp(`^Periodic job nightly launched; evaluation ${UUID.source}\\.$`));
    expect(lines(from)).toContain('PUT /v1/job/nightly/periodic/force');
    expect((await mcp.call('list_jobs', { prefix: 'nightly/periodic-' })).text).toMatch(/^nightly\/periodic-\d+ +default +batch +/m);
  });

  it('a job that is not periodic is Nomad\'s error', async () => {
    const r = await mcp.call('force_periodic_job', { job_id: 'web' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain("can't force launch non-periodic job");
  });
});
