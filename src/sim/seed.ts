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
import { completeBatch, evaluateJob, progressDeployment } from './scheduler.js';
import type { SimState } from './state.js';
import type { Job, JsonObject } from './types.js';
import { putVariable } from './variables.js';

export type SeedName = 'demo' | 'empty';

function register(state: SimState, spec: JsonObject, namespace = 'default'): Job {
  const job = canonicalizeJob(spec, namespace);
  upsertJob(state, job);
  const current = state.job(namespace, job.ID)!;
  evaluateJob(state, current, 'job-register', current.JobModifyIndex);
  const d = state.latestDeployment(namespace, job.ID);
  if (d && d.Status === 'running') progressDeployment(state, d.ID);
  return current;
}

function task(name: string, driver: string, config: JsonObject, cpu: number, mem: number, env: Record<string, string> | null = null): JsonObject {
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

/** Fills a fresh state. `baseUrl` is where the simulator listens (used in Gitea URLs). */
export function seedState(state: SimState, seed: SeedName, baseUrl: string): void {
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
}
