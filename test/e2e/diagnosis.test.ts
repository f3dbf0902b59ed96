/**
 * The diagnosis tools end to end through the SDK client, against the simulator with every problem
 * scenario applied (the cluster `serve --demo` ships): find_problems finds each seeded problem with
 * its severity and next tool and reports a check it could not run; the timeline is in time order;
 * capacity sums match the cluster; explain_placement names the check that rules out each node;
 * analyze_job_resources, why_restarting and compare_job_versions read the seeded evidence.
 */
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCENARIOS, startSimulator, type Simulator } from '../../src/sim/index.js';
import { BIN, connectStdio, ROOT, type Connected } from './harness.js';

interface Finding {
  check: string;
  severity: string;
  count: number;
  examples: string[];
  details?: string[];
  next: { tool: string; arguments: Record<string, unknown> } | null;
}

let sim: Simulator;
let mcp: Connected;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo', scenarios: DEMO_SCENARIOS });
  mcp = await connectStdio({ NOMAD_ADDR: sim.url });
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

function allocsOf(job: string) {
  return [...sim.state.allocs.values()].filter((a) => a.JobID === job);
}
function nodeNamed(name: string) {
  return [...sim.state.nodes.values()].find((n) => n.Name === name)!;
}
function findings(s: Record<string, unknown> | undefined): Finding[] {
  return (s?.findings ?? []) as Finding[];
}
function one(list: Finding[], check: string, severity: string): Finding {
  const f = list.filter((x) => x.check === check && x.severity === severity);
  expect(f, `${severity} ${check}`).toHaveLength(1);
  return f[0];
}

describe('find_problems on the demo cluster', () => {
  it('finds every seeded problem with its severity, true count, examples and next tool', async () => {
    const r = await mcp.call('find_problems');
    expect(r.isError, r.text).toBe(false);
    const list = findings(r.structured);
    expect(r.structured!.not_checked).toEqual([]);
    expect(r.structured!.healthy).toBe(false);

    const unhealthy = allocsOf('checkout').find((a) => a.DeploymentStatus?.Healthy === false)!;
    const checks = one(list, 'failing health checks', 'critical');
    expect(checks).toMatchObject({ count: 1, examples: [unhealthy.ID], next: { tool: 'get_allocation_status', arguments: { alloc_id: unhealthy.ID } } });
    expect(checks.details!.join('\n')).toContain('healthz failure: HTTP GET');

    const worker = allocsOf('worker').find((a) => a.DesiredStatus === 'run')!;
    const cache = allocsOf('cache')[0];
    const loops = one(list, 'restart loops', 'critical');
    expect(loops.count).toBe(2);
    expect(loops.examples.sort()).toEqual([worker.ID, cache.ID].sort());
    expect(loops.next?.tool).toBe('why_restarting');
    expect(loops.details!.join('\n')).toMatch(/task worker restarted 6 times, last exit code 1/);

    expect(one(list, 'OOM kills', 'critical')).toMatchObject({ count: 1, examples: [cache.ID], next: { tool: 'analyze_job_resources', arguments: { job_id: 'cache' } } });

    const down = nodeNamed('node-4');
    const draining = nodeNamed('node-5');
    expect(list.filter((f) => f.check === 'nodes').map((f) => [f.severity, f.count, f.examples, f.next?.tool, f.next?.arguments.node_id])).toEqual([
      ['critical', 1, [down.ID], 'get_node', down.ID],
      ['warning', 1, [draining.ID], 'get_node', draining.ID],
    ]);
    const lost = allocsOf('metrics').find((a) => a.ClientStatus === 'lost')!;
    expect(one(list, 'lost allocations', 'warning')).toMatchObject({ count: 1, examples: [lost.ID], next: { tool: 'get_node', arguments: { node_id: down.ID } } });

    const failedDep = [...sim.state.deployments.values()].find((d) => d.JobID === 'checkout' && d.Status === 'failed')!;
    expect(one(list, 'deployments', 'critical')).toMatchObject({ count: 1, examples: [failedDep.ID], next: { tool: 'get_deployment', arguments: { deployment_id: failedDep.ID } } });
    const canary = sim.state.latestDeployment('default', 'payments')!;
    expect(one(list, 'deployments', 'warning')).toMatchObject({ count: 1, examples: [canary.ID], next: { tool: 'promote_deployment', arguments: { deployment_id: canary.ID } } });

    const blocked = one(list, 'blocked evaluations', 'critical');
    expect(blocked.count).toBe(2);
    expect(blocked.details!.join('\n')).toMatch(/job analytics: .*resources exhausted on 3 nodes: memory \(3\)/);
    expect(blocked.next?.tool).toBe('explain_placement');
    expect(one(list, 'queued work', 'warning')).toMatchObject({ count: 2, next: { tool: 'explain_placement' } });
    expect(one(list, 'unschedulable volumes', 'warning')).toMatchObject({ count: 1, examples: ['pg-data'], next: { tool: 'diagnose_volume', arguments: { id: 'pg-data' } } });

    // Findings come most severe first; the text carries the same words and the correlations.
    const order = list.map((f) => ['critical', 'warning', 'info'].indexOf(f.severity));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(r.text).toMatch(/^Problems in namespace default: 6 critical, 5 warning, 0 info\./);
    expect(r.text).toContain(`next: why_restarting {"alloc_id":"${worker.ID}"}`);
    const corr = (r.structured!.correlations as { text: string; next?: { tool: string; arguments: Record<string, unknown> } }[]);
    expect(corr).toContainEqual(expect.objectContaining({
      text: expect.stringMatching(/^Job worker: the failures started with version 1 .*; version 0 ran without them\.$/),
      next: { tool: 'compare_job_versions', arguments: { job_id: 'worker', from: 0, to: 1 } },
    }));
    expect(r.text).not.toMatch(/not checked/i);
  });

  it('narrows to one job with job_id, and says a missing job is missing', async () => {
    const r = await mcp.call('find_problems', { job_id: 'cache' });
    expect(r.isError, r.text).toBe(false);
    expect(findings(r.structured).map((f) => f.check).sort()).toEqual(['OOM kills', 'restart loops']);
    const web = await mcp.call('find_problems', { job_id: 'web' });
    expect(web.text).toBe('No problems found in job web (namespace default): every check ran (failed allocations, lost allocations, pending allocations, failing health checks, restart loops, OOM kills, blocked evaluations, deployments, queued work, nodes).');
    expect(web.structured!.healthy).toBe(true);
    const ghost = await mcp.call('find_problems', { job_id: 'ghost' });
    expect(ghost).toMatchObject({ isError: true, text: 'No job "ghost" in namespace "default" (Nomad 404: job not found). list_jobs shows the existing jobs.' });
  });

  it('sends the fan-out it needs and no more: one checks read per unhealthy allocation', async () => {
    const from = sim.requests.length;
    await mcp.call('find_problems');
    const paths = sim.requests.slice(from).map((q) => q.path);
    expect(paths.filter((p) => p.endsWith('/checks'))).toHaveLength(1);
    expect(paths.filter((p) => p === '/v1/evaluations')).toHaveLength(1);
    expect(sim.requests.slice(from).find((q) => q.path === '/v1/evaluations')!.query.filter).toBe('Status == "blocked"');
  });
});

/**
 * One MCP server behind a switchable proxy: `target` picks the simulator it reaches (one per
 * scenario below, without a server start each), and `denyNodes` answers /v1/nodes with the 403
 * "Permission denied" Nomad gives a token without node:read (nomad/node_endpoint.go List, aclObj.AllowNodeRead).
 */
const proxyState = { target: '', denyNodes: false };
let proxy: http.Server;
let viaProxy: Connected;

beforeAll(async () => {
  proxyState.target = sim.url;
  proxy = http.createServer((req, res) => {
    if (proxyState.denyNodes && (req.url ?? '').split('?')[0] === '/v1/nodes') {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      res.end('Permission denied');
      return;
    }
    const up = http.request(`${proxyState.target}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(proxyState.target).host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  viaProxy = await connectStdio({ NOMAD_ADDR: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await viaProxy?.close();
  await new Promise((resolve) => proxy?.close(resolve));
});

describe('find_problems when a check cannot run', () => {
  beforeAll(() => {
    proxyState.target = sim.url;
    proxyState.denyNodes = true;
  });
  afterAll(() => {
    proxyState.denyNodes = false;
  });

  it('reports the node check as not checked with the capability, and never says healthy', async () => {
    const all = await viaProxy.call('find_problems');
    expect(all.isError, all.text).toBe(false);
    expect(all.structured!.not_checked).toEqual([{ check: 'nodes', reason: '403 Permission denied', capability: 'node:read' }]);
    expect(all.text).toContain('Not checked: nodes (403 Permission denied; needs node:read).');
    expect(findings(all.structured).some((f) => f.check === 'nodes')).toBe(false);
    expect(findings(all.structured).some((f) => f.check === 'restart loops')).toBe(true);

    const web = await viaProxy.call('find_problems', { job_id: 'web' });
    expect(web.structured!.healthy).toBe(false);
    expect(web.text).toMatch(/^No problems found in job web \(namespace default\) among the checks that ran; 1 check could not run, so this is not a clean bill of health\./);
    expect(web.text).not.toContain('every check ran');
    expect(web.text).toContain('Not checked: nodes (403 Permission denied; needs node:read).');
  });
});

describe('get_job_timeline', () => {
  it('merges versions (with their changes), evaluations, deployments, placements and task events in time order', async () => {
    const r = await mcp.call('get_job_timeline', { job_id: 'worker', limit: 500 });
    expect(r.isError, r.text).toBe(false);
    const entries = r.structured!.entries as { time: string; kind: string; text: string; changes?: string[] }[];
    expect(entries.length).toBe(r.structured!.total);
    const times = entries.map((e) => Date.parse(e.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const kinds = new Set(entries.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['allocation', 'deployment', 'evaluation', 'task', 'version']);
    const v1 = entries.findIndex((e) => e.kind === 'version' && e.text.startsWith('version 1'));
    expect(entries[v1].changes).toContain('group worker task worker: Config.image: acme/worker:0.9.0 → acme/worker:0.9.1');
    const firstCrash = entries.findIndex((e) => e.kind === 'task' && /Terminated - Exit Code: 1/.test(e.text));
    const v0 = entries.findIndex((e) => e.kind === 'version' && e.text.startsWith('version 0'));
    expect(v0).toBeLessThan(v1);
    expect(v1).toBeLessThan(firstCrash);
    const lines = r.text.split('\n').slice(1).filter((l) => /^\d{4}-/.test(l));
    expect(lines).toHaveLength(entries.length);
  });

  it('keeps the newest entries under limit, oldest first', async () => {
    const r = await mcp.call('get_job_timeline', { job_id: 'worker', limit: 5 });
    const all = await mcp.call('get_job_timeline', { job_id: 'worker', limit: 500 });
    const tail = (all.structured!.entries as unknown[]).slice(-5);
    expect(r.structured!.entries).toEqual(tail);
    expect(r.text).toMatch(/^Timeline of job worker: 5 of \d+ entries \(the newest; limit 5\), oldest first\./);
  });
});

describe('get_cluster_capacity', () => {
  it('sums allocated and available resources of the schedulable nodes as the cluster holds them', async () => {
    const r = await mcp.call('get_cluster_capacity', { group_by: 'class' });
    expect(r.isError, r.text).toBe(false);
    const nodes = [...sim.state.nodes.values()].filter((n) => n.Status === 'ready' && !n.DrainStrategy && n.SchedulingEligibility === 'eligible');
    const ids = new Set(nodes.map((n) => n.ID));
    let cpu = 0;
    let mem = 0;
    for (const a of sim.state.allocs.values()) {
      if (!ids.has(a.NodeID) || a.DesiredStatus !== 'run' || !['running', 'pending'].includes(a.ClientStatus)) continue;
      for (const t of a.Job.TaskGroups.find((g) => g.Name === a.TaskGroup)!.Tasks) {
        cpu += t.Resources.CPU;
        mem += t.Resources.MemoryMB;
      }
    }
    expect(r.structured).toMatchObject({
      schedulable_nodes: 3,
      total: { cpu_mhz: nodes.reduce((s, n) => s + n.cpuMHz, 0), memory_mb: nodes.reduce((s, n) => s + n.memoryMB, 0), disk_mb: 300_000 },
      allocated: { cpu_mhz: cpu, memory_mb: mem },
    });
    const groups = r.structured!.groups as Record<string, { nodes: number; total: { memory_mb: number }; allocated: { cpu_mhz: number } }>;
    expect(Object.keys(groups).sort()).toEqual(['(no class)', 'gpu']);
    expect(groups.gpu.total.memory_mb).toBe(16384);
    expect(groups['(no class)'].allocated.cpu_mhz + groups.gpu.allocated.cpu_mhz).toBe(cpu);
    const node3 = nodeNamed('node-3');
    const largest = r.structured!.largest_placeable as { memory_mb: number; memory_node: string };
    expect(largest.memory_node).toBe('node-3');
    const used3 = [...sim.state.allocs.values()]
      .filter((a) => a.NodeID === node3.ID && a.DesiredStatus === 'run' && ['running', 'pending'].includes(a.ClientStatus))
      .reduce((s, a) => s + a.Job.TaskGroups.find((g) => g.Name === a.TaskGroup)!.Tasks.reduce((x, t) => x + t.Resources.MemoryMB, 0), 0);
    expect(largest.memory_mb).toBe(16384 - used3);
    expect(r.text).toContain('Not counted as available: ');
    expect(r.text).toMatch(/node-4 \(down\)/);
    expect(r.text).toMatch(/node-5 \(draining\)/);
  });
});

describe('explain_placement', () => {
  it('names the check that rules out each node, in the scheduler order', async () => {
    const r = await mcp.call('explain_placement', { job_id: 'analytics' });
    expect(r.isError, r.text).toBe(false);
    const g = (r.structured!.groups as { group: string; feasible: number; nodes: { node: string; step: string; reason: string }[] }[])[0];
    expect(g.feasible).toBe(0);
    const by = Object.fromEntries(g.nodes.map((n) => [n.node, [n.step, n.reason]]));
    expect(by['node-4']).toEqual(['status', 'node is down']);
    expect(by['node-5']).toEqual(['status', 'node is draining']);
    for (const n of ['node-1', 'node-2', 'node-3']) expect(by[n][0]).toBe('resources');
    expect(by['node-1'][1]).toMatch(/^resources exhausted \(memory: needs 24576 MB, \d+ free\)$/);
    expect(r.text).toContain('✘ node-4: ruled out at status: node is down');
    expect(r.text).toMatch(/Not evaluated: .*network ports/);

    const win = await mcp.call('explain_placement', { job_id: 'win-app' });
    const wg = (win.structured!.groups as { nodes: { node: string; step: string; reason: string }[] }[])[0];
    expect(wg.nodes.find((n) => n.node === 'node-1')).toMatchObject({ step: 'constraint', reason: 'constraint ${attr.kernel.name} = windows fails (node has "linux")' });
  });

  it('explains a jobspec not yet submitted: drivers, regexp constraints, feasible nodes with free resources', async () => {
    const spec = {
      ID: 'probe', Type: 'service', Datacenters: ['dc1'],
      TaskGroups: [
        { Name: 'java', Count: 1, Tasks: [{ Name: 't', Driver: 'java', Config: {}, Resources: { CPU: 100, MemoryMB: 64 } }] },
        {
          Name: 'gpu', Count: 1, Constraints: [{ LTarget: '${node.class}', RTarget: '^gp.$', Operand: 'regexp' }],
          Tasks: [{ Name: 't', Driver: 'docker', Config: { image: 'x' }, Resources: { CPU: 100, MemoryMB: 64 } }],
        },
      ],
    };
    const r = await mcp.call('explain_placement', { content: JSON.stringify(spec) });
    expect(r.isError, r.text).toBe(false);
    const groups = r.structured!.groups as { group: string; feasible: number; nodes: { node: string; feasible: boolean; step: string | null }[] }[];
    const java = groups.find((x) => x.group === 'java')!;
    expect(java.nodes.filter((n) => n.node <= 'node-3').map((n) => n.step)).toEqual(['driver', 'driver', 'driver']);
    const gpu = groups.find((x) => x.group === 'gpu')!;
    expect(gpu.nodes.filter((n) => n.feasible).map((n) => n.node)).toEqual(['node-3']);
    expect(gpu.nodes.find((n) => n.node === 'node-1')!.step).toBe('constraint');
    expect(r.text).toMatch(/✔ node-3: feasible, \d+ MHz and \d+ MB free/);
    const both = await mcp.call('explain_placement', { job_id: 'web', content: '{}' });
    expect(both).toMatchObject({ isError: true, text: 'Give either job_id (a submitted job) or content (a jobspec), not both.' });
    const group = await mcp.call('explain_placement', { job_id: 'web', group: 'nope' });
    expect(group).toMatchObject({ isError: true, text: 'Job web has no task group "nope"; its groups: frontend.' });
  });
});

describe('analyze_job_resources', () => {
  it('counts OOM kills from task events and suggests more memory, with the evidence', async () => {
    const r = await mcp.call('analyze_job_resources', { job_id: 'cache' });
    expect(r.isError, r.text).toBe(false);
    const [t] = r.structured!.tasks as { task: string; reserved: { memory_mb: number }; oom_kills: number; suggested: { memory_mb: number }; used: { memory_mb: number[] }; evidence: string[] }[];
    expect(t).toMatchObject({ task: 'redis', reserved: { memory_mb: 64 }, oom_kills: 3 });
    expect(t.suggested.memory_mb).toBeGreaterThanOrEqual(96);
    expect(t.used.memory_mb).toHaveLength(1);
    expect(t.evidence[0]).toMatch(/^3 OOM kills with 64 MB reserved: raise memory to \d+ MB/);
    const from = sim.requests.length;
    await mcp.call('analyze_job_resources', { job_id: 'web' });
    expect(sim.requests.slice(from).filter((q) => q.path.endsWith('/stats'))).toHaveLength(2);
  });
});

describe('why_restarting', () => {
  it('lists each crash with its exit code, what followed, and the log lines written before it', async () => {
    const r = await mcp.call('why_restarting', { job_id: 'worker' });
    expect(r.isError, r.text).toBe(false);
    const [a] = r.structured!.allocations as { tasks: { task: string; restarts: number; crashes: { exit_code: number; then: string; log_before: string[] }[] }[] }[];
    const [t] = a.tasks;
    expect(t).toMatchObject({ task: 'worker', restarts: 6 });
    expect(t.crashes.length).toBeGreaterThan(0);
    for (const c of t.crashes) {
      expect(c.exit_code).toBe(1);
      expect(c.then).toMatch(/^Restarting: Task restarting in \d+(\.\d)?s$/);
      expect(c.log_before.at(-1)).toMatch(/panic: dial tcp 10\.0\.0\.50:5672: connect: connection refused$/);
    }
    expect(r.text).toContain('This is untrusted output of the workload');
    const oom = await mcp.call('why_restarting', { alloc_id: allocsOf('cache')[0].ID.slice(0, 8) });
    expect(oom.text).toMatch(/exit code 137, OOM killed → Restarting/);
    expect(oom.text).toContain('analyze_job_resources');
    const neither = await mcp.call('why_restarting', {});
    expect(neither).toMatchObject({ isError: true, text: 'Give either job_id or alloc_id (one of them).' });
    const calm = await mcp.call('why_restarting', { job_id: 'web' });
    expect(calm.text).toMatch(/^No allocation of job web has restarted or failed/);
  });
});

describe('compare_job_versions', () => {
  it('diffs any two versions, not only consecutive ones', async () => {
    const put = (image: string, count: number) =>
      fetch(`${sim.url}/v1/jobs`, {
        method: 'PUT',
        body: JSON.stringify({ Job: { ID: 'cmp', Type: 'service', Datacenters: ['dc1'], TaskGroups: [{ Name: 'g', Count: count, Tasks: [{ Name: 't', Driver: 'docker', Config: { image }, Resources: { CPU: 100, MemoryMB: 64 } }] }] } }),
      });
    await put('a:1', 1);
    await put('a:2', 1);
    await put('a:2', 2);
    const r = await mcp.call('compare_job_versions', { job_id: 'cmp', from: 0, to: 2 });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured!.changes).toEqual([
      { path: 'TaskGroups[g].Count', type: 'changed', from: 1, to: 2 },
      { path: 'TaskGroups[g].Tasks[t].Config.image', type: 'changed', from: 'a:1', to: 'a:2' },
    ]);
    expect(r.text).toContain('~ TaskGroups[g].Tasks[t].Config.image: "a:1" → "a:2"');
    const missing = await mcp.call('compare_job_versions', { job_id: 'cmp', from: 0, to: 9 });
    expect(missing).toMatchObject({ isError: true, text: 'Job cmp has no stored version 9; Nomad keeps versions 0, 1, 2.' });
  });
});

describe('each scenario alone', () => {
  // scenario → the findings find_problems must report on a cluster with only that problem.
  const expected: Record<string, [string, string, string][]> = {
    'failing-checks': [['failing health checks', 'critical', 'get_allocation_status'], ['deployments', 'critical', 'get_deployment']],
    'restart-loop': [['restart loops', 'critical', 'why_restarting']],
    'oom-kill': [['OOM kills', 'critical', 'analyze_job_resources'], ['restart loops', 'critical', 'why_restarting']],
    'node-down': [['lost allocations', 'warning', 'get_node'], ['nodes', 'critical', 'get_node']],
    'node-draining': [['nodes', 'warning', 'get_node']],
    'canary-stuck': [['deployments', 'warning', 'promote_deployment']],
    'blocked-memory': [['blocked evaluations', 'critical', 'explain_placement'], ['queued work', 'warning', 'explain_placement']],
    'volume-no-plugin': [['unschedulable volumes', 'warning', 'diagnose_volume']],
    // a claimed volume and an unreachable topology are for diagnose_volume; Nomad still calls them schedulable
    'volume-claimed': [],
    'rendered-template': [],
  };

  it('covers every scenario the simulator has', () => {
    expect(Object.keys(expected).sort()).toEqual([...DEMO_SCENARIOS].sort());
  });

  for (const [name, want] of Object.entries(expected)) {
    it(`${name}: find_problems reports exactly its problems`, async () => {
      const s = await startSimulator({ port: 0, seed: 'empty', scenarios: [name] });
      proxyState.target = s.url;
      try {
        const r = await viaProxy.call('find_problems');
        expect(r.isError, r.text).toBe(false);
        const got = findings(r.structured).map((f) => [f.check, f.severity, f.next?.tool] as [string, string, string]);
        expect(got.sort()).toEqual([...want].sort());
      } finally {
        proxyState.target = sim.url;
        await s.close();
      }
    });
  }

  it('startSimulator refuses an unknown scenario, naming the ones there are', async () => {
    await expect(startSimulator({ port: 0, scenarios: ['nope'] })).rejects.toThrow(
      'unknown scenario "nope"; the scenarios are: failing-checks, restart-loop, oom-kill, node-down, node-draining, canary-stuck, blocked-memory',
    );
  });
});

describe('the CLI', () => {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NOMAD_ADDR: 'http://127.0.0.1:1' };

  it('sim --scenario with an unknown name exits 2 and lists the names', () => {
    const r = spawnSync(process.execPath, [BIN, 'sim', '--port', '0', '--scenario', 'nope'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env });
    expect(r.status).toBe(2);
    // oclif wraps the message over lines prefixed with ›.
    expect(r.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toContain('unknown scenario "nope"; the scenarios are: failing-checks, restart-loop, oom-kill, node-down, node-draining, canary-stuck, blocked-memory');
  });

  it('sim --scenario starts a simulator with that problem', async () => {
    const child = spawn(process.execPath, [BIN, 'sim', '--port', '0', '--seed', 'empty', '--scenario', 'node-draining'], { cwd: ROOT, env });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(err);
          if (m) resolve(m[1]);
        });
        child.on('exit', () => reject(new Error(err)));
      });
      const nodes = (await (await fetch(`${url}/v1/nodes`)).json()) as { Name: string; Drain: boolean }[];
      expect(nodes.filter((n) => n.Drain).map((n) => n.Name)).toEqual(['node-5']);
      const jobs = (await (await fetch(`${url}/v1/jobs`)).json()) as unknown[];
      expect(jobs).toEqual([]);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('the demo cluster (serve --demo, tools call --demo) has problems to find', () => {
    const r = spawnSync(process.execPath, [BIN, 'tools', 'call', 'find_problems', '--demo'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Problems in namespace default: \d+ critical/);
    for (const check of ['restart loops', 'OOM kills', 'blocked evaluations', 'failing health checks', 'nodes', 'deployments']) expect(r.stdout).toContain(` ${check}: `);
  });
});
