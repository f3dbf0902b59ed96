/**
 * Initial cluster state. Both seeds have the `default` namespace, three linux nodes in dc1 and a
 * leader; `demo` adds jobs (web, batch-report, win-app, api in staging), their logs, a variable
 * and Gitea repositories. Jobs are registered through the same scheduler as API writes.
 */
import { canonicalizeJob } from './jobmodel.js';
import { upsertJob } from './jobstore.js';
import { makeRepo } from './gitea.js';
import { LINE_LEN } from './logstore.js';
import { makeNamespace } from './namespaces.js';
import { makeNode } from './nodes.js';
import { completeBatch, emptyMetric, evaluateJob, markTaskDead, newAlloc, newEval, progressDeployment, startedTaskState } from './scheduler.js';
import { jobKey, type SimState } from './state.js';
import type { Job, JsonObject } from './types.js';
import { putVariable } from './variables.js';

export type SeedName = 'demo' | 'empty';

/** Registers a job through the scheduler, as a PUT /v1/jobs would, and lets its deployment progress once. */
export function register(state: SimState, spec: JsonObject, namespace = 'default'): Job {
  const job = canonicalizeJob(spec, namespace);
  upsertJob(state, job);
  const current = state.job(namespace, job.ID)!;
  evaluateJob(state, current, 'job-register', current.JobModifyIndex);
  const d = state.latestDeployment(namespace, job.ID);
  if (d && d.Status === 'running') progressDeployment(state, d.ID);
  return current;
}

export function task(name: string, driver: string, config: JsonObject, cpu: number, mem: number, env: Record<string, string> | null = null): JsonObject {
  return { Name: name, Driver: driver, Config: config, Env: env, Resources: { CPU: cpu, MemoryMB: mem } };
}

function webSpec(image: string): JsonObject {
  return {
    ID: 'web', Name: 'web', Type: 'service', Datacenters: ['dc1'], Meta: { owner: 'team-frontend', repository: 'acme/web' },
    TaskGroups: [{
      Name: 'frontend', Count: 2,
      Networks: [{ Mode: 'bridge', DynamicPorts: [{ Label: 'http', Value: 0, To: 8080, HostNetwork: 'default' }] }],
      Services: [{ Name: 'web', PortLabel: 'http', Provider: 'nomad', Tags: ['frontend', 'http'] }],
      Tasks: [task('server', 'docker', { image, ports: ['http'] }, 500, 256, { NGINX_PORT: '8080' })],
    }],
  };
}

function seedDemo(state: SimState): void {
  state.namespaces.set('staging', makeNamespace('staging', 'Pre-production workloads', state.bump()));

  // web: two versions, the second rolled out; the replaced allocations were garbage-collected.
  register(state, webSpec('nginx:1.25'));
  const web = register(state, webSpec('nginx:1.27'));
  for (const a of [...state.allocs.values()]) {
    if (a.JobID === 'web' && a.DesiredStatus === 'stop') state.allocs.delete(a.ID);
  }
  const start = Date.now() - 5000 * 1000;
  for (const a of state.allocsOfJob('default', 'web')) {
    const out = state.logs.get(a.ID, 'server', 'stdout')!;
    const err = state.logs.get(a.ID, 'server', 'stderr')!;
    out.virtualBytes = 5000 * LINE_LEN;
    err.virtualBytes = 300 * LINE_LEN;
    out.baseTimeMs = start;
    err.baseTimeMs = start;
  }
  void web;

  // batch-report: a batch job that ran to completion.
  register(state, {
    ID: 'batch-report', Type: 'batch', Datacenters: ['dc1'], Meta: { schedule: 'manual' },
    TaskGroups: [{ Name: 'report', Count: 1, Tasks: [task('generate', 'docker', { image: 'acme/report:2.3', args: ['--since', '24h'] }, 200, 128)] }],
  });
  const batchAllocs = state.allocsOfJob('default', 'batch-report').map((a) => a.ID);
  for (const id of batchAllocs) state.logs.get(id, 'generate', 'stdout')!.virtualBytes = 40 * LINE_LEN;
  completeBatch(state, batchAllocs);

  // win-app: cannot be placed, no windows nodes.
  register(state, {
    ID: 'win-app', Type: 'service', Datacenters: ['dc1'],
    Constraints: [{ LTarget: '${attr.kernel.name}', RTarget: 'windows', Operand: '=' }],
    TaskGroups: [{ Name: 'app', Count: 1, Tasks: [task('app', 'raw_exec', { command: 'C:\\apps\\win-app.exe' }, 500, 512)] }],
  });

  // api in staging.
  register(state, {
    ID: 'api', Type: 'service', Datacenters: ['dc1'], Meta: { repository: 'acme/api' },
    TaskGroups: [{
      Name: 'api', Count: 1,
      Networks: [{ Mode: 'bridge', DynamicPorts: [{ Label: 'http', Value: 0, To: 9000, HostNetwork: 'default' }] }],
      Tasks: [task('api', 'docker', { image: 'acme/api:1.4.2', ports: ['http'] }, 300, 256, { LOG_LEVEL: 'info' })],
    }],
  }, 'staging');

  putVariable({ state }, 'default', 'nomad-mcp/configs/web', {
    job_id: 'web', repository: 'acme/web', namespace: 'default', description: 'Public web frontend',
  });
}

/**
 * `count` small batch jobs `bulk-00001`… in namespace default, each run to completion: one
 * complete eval and one complete allocation with a few virtual log lines. They are written
 * straight into the tables (no scheduler pass, no events, no deployments) so that 20,000 cost
 * about a second. The jobs share their spec objects (task groups, update, meta): every write path
 * replaces or clones a stored job before changing it, never edits it in place.
 */
export function seedBulk(state: SimState, count: number): void {
  if (count <= 0) return;
  const template = canonicalizeJob({
    ID: 'bulk', Type: 'batch', Datacenters: ['dc1'], Meta: { kind: 'bulk' },
    TaskGroups: [{ Name: 'work', Count: 1, Tasks: [task('run', 'exec', { command: '/bin/true' }, 50, 32)] }],
  }, 'default');
  const nodes = [...state.nodes.values()].filter((n) => n.Status === 'ready');
  if (nodes.length === 0) return;
  const width = Math.max(5, String(count).length);
  const started = Date.now() - count * 1000;
  for (let i = 1; i <= count; i++) {
    const id = `bulk-${String(i).padStart(width, '0')}`;
    const index = state.bump();
    const job: Job = {
      ...template, ID: id, Name: id, Status: 'dead', Version: 0, SubmitTime: (started + i * 1000) * 1_000_000,
      CreateIndex: index, ModifyIndex: index, JobModifyIndex: index,
    };
    const key = jobKey(job.Namespace, id);
    state.jobs.set(key, job);
    state.jobVersions.set(key, [job]);
    const ev = newEval(state, job, 'job-register', index);
    const placed = state.bump();
    const node = nodes[i % nodes.length];
    const alloc = newAlloc(state, job, { group: 'work', index: 0, canary: false, node, metric: emptyMetric(), previous: undefined }, ev.ID, '', placed);
    const ts = startedTaskState('exec');
    markTaskDead(ts, 'Exit Code: 0', 'Terminated');
    alloc.TaskStates.run = ts;
    alloc.ClientStatus = 'complete';
    alloc.ClientDescription = 'All tasks have completed';
    const done = state.bump();
    alloc.ModifyIndex = done;
    state.allocs.set(alloc.ID, alloc);
    state.logs.create(alloc.ID, 'run', id, 'app', 3, 0, started + i * 1000);
    ev.Status = 'complete';
    ev.QueuedAllocations = { work: 0 };
    ev.ModifyIndex = done;
    state.evals.set(ev.ID, ev);
  }
}

/**
 * Fills a fresh state. `baseUrl` is where the simulator listens (used in Gitea URLs); `extraJobs`
 * adds that many bulk batch jobs (see seedBulk).
 */
export function seedState(state: SimState, seed: SeedName, baseUrl: string, extraJobs = 0): void {
  state.namespaces.set('default', makeNamespace('default', 'Default shared namespace', state.bump()));
  const nodes = [
    { name: 'node-1', ip: '10.0.0.11' },
    { name: 'node-2', ip: '10.0.0.12' },
    { name: 'node-3', ip: '10.0.0.13', nodeClass: 'gpu', memoryMB: 16384, meta: { gpu: 'nvidia-t4' } },
  ];
  for (const spec of nodes) {
    const node = makeNode(state, spec, state.bump());
    state.nodes.set(node.ID, node);
  }
  const repos: [string, string, string, number][] = [
    ['web', 'Public web frontend (nginx) deployed as the Nomad job "web"', '2026-11-20T14:03:11Z', 42],
    ['api', 'Backend API service', '2026-11-18T09:41:52Z', 17],
    ['batch-report', 'Nightly reporting batch job', '2026-10-02T22:15:00Z', 3],
    ['infra', 'Nomad jobspecs and Terraform for the platform', '2026-11-25T16:20:45Z', 8],
  ];
  repos.forEach(([name, desc, updated, stars], i) => state.giteaRepos.push(makeRepo(baseUrl, i + 1, 'acme', name, desc, updated, stars)));
  if (seed === 'demo') seedDemo(state);
  seedBulk(state, extraJobs);
}
