/**
 * find_problems: one call that reads allocations, evaluations, deployments, jobs and nodes in
 * parallel (one time budget, capped fan-out) and reports what is wrong: failed, lost and pending
 * allocations, allocations failing health checks, blocked evaluations with the reason, failing,
 * stuck or unpromoted deployments, queued work, down/draining/ineligible nodes, restart loops and
 * OOM kills, CSI volumes that cannot be claimed. Each finding has a severity, the true count, up to 5 example IDs and the next tool to
 * call; correlations (one node, one datacenter, one image, one job version) are stated. A check that
 * could not run is reported as not checked with the capability Nomad wanted, and the answer never
 * says the cluster is healthy when one was skipped.
 */
import { definePlugin, truncateText, type ToolContext } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { budgetSignal, MAX_FANOUT, mapLimited, PARALLEL, read, type Read } from './lib/fanout.js';
import { type AllocStub, type Deployment, type Evaluation, type Job, plural, short } from './lib/nomad.js';
import { groupSentences } from './lib/placement.js';

interface Args {
  [key: string]: unknown;
  job_id?: string;
  namespace?: string;
}

export type Severity = 'critical' | 'warning' | 'info';

export interface Finding {
  check: string;
  severity: Severity;
  summary: string;
  count: number;
  examples: string[];
  details?: string[];
  next: { tool: string; arguments: Record<string, unknown> } | null;
}

interface NodeStub {
  ID: string;
  Name?: string;
  Datacenter?: string;
  NodeClass?: string;
  Status?: string;
  SchedulingEligibility?: string;
  Drain?: boolean;
}

interface JobStub {
  ID: string;
  Namespace?: string;
  Type?: string;
  Status?: string;
  Stop?: boolean;
  JobSummary?: { Summary?: Record<string, { Queued?: number }> | null } | null;
}

interface DeploymentFull extends Deployment {
  TaskGroups?: Record<string, {
    DesiredCanaries?: number; PlacedCanaries?: string[] | null; HealthyAllocs?: number; Promoted?: boolean;
    RequireProgressBy?: string; DesiredTotal?: number;
  }> | null;
}

interface CheckResult {
  Status?: string;
  Output?: string;
  Check?: string;
  Service?: string;
}

/** Restarts of one task at which a task counts as restart-looping. */
export const RESTART_LOOP = 3;
const ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** The checks this tool runs, and the source each reads (for "not checked"). */
const CHECKS: Record<string, string> = {
  'failed allocations': 'allocations',
  'lost allocations': 'allocations',
  'pending allocations': 'allocations',
  'failing health checks': 'allocations',
  'restart loops': 'allocations',
  'OOM kills': 'allocations',
  'blocked evaluations': 'evaluations',
  deployments: 'deployments',
  'queued work': 'jobs',
  nodes: 'nodes',
  'unschedulable volumes': 'volumes',
};

/** Checks about the cluster rather than one job: skipped (neither checked nor "not checked") with job_id. */
const CLUSTER_ONLY = new Set(['unschedulable volumes']);

interface VolumeStub {
  ID: string;
  Namespace?: string;
  PluginID?: string;
  Schedulable?: boolean;
  ControllerRequired?: boolean;
  ControllersHealthy?: number;
  NodesHealthy?: number;
}

function examples(ids: string[]): string[] {
  return ids.slice(0, 5);
}

function lastTerminated(a: AllocStub): { task: string; exit?: string; oom: boolean; signal?: string } | undefined {
  let best: { t: number; task: string; exit?: string; oom: boolean; signal?: string } | undefined;
  for (const [task, ts] of Object.entries(a.TaskStates ?? {})) {
    for (const e of ts.Events ?? []) {
      if (e.Type !== 'Terminated') continue;
      const d = (e as { Details?: Record<string, string> }).Details ?? {};
      const t = e.Time ?? 0;
      if (!best || t > best.t) {
        best = { t, task, exit: d.exit_code, oom: d.oom_killed === 'true' || /OOM Killed/.test(e.DisplayMessage ?? ''), signal: d.signal };
      }
    }
  }
  return best;
}

function isOom(a: AllocStub): boolean {
  return Object.values(a.TaskStates ?? {}).some((ts) =>
    (ts.Events ?? []).some((e) => e.Type === 'Terminated' && (((e as { Details?: Record<string, string> }).Details ?? {}).oom_killed === 'true' || /OOM Killed/.test(e.DisplayMessage ?? ''))),
  );
}

function maxRestarts(a: AllocStub): { task: string; restarts: number } {
  let best = { task: '', restarts: 0 };
  for (const [task, ts] of Object.entries(a.TaskStates ?? {})) if ((ts.Restarts ?? 0) > best.restarts) best = { task, restarts: ts.Restarts ?? 0 };
  return best;
}

function active(a: AllocStub): boolean {
  return a.DesiredStatus === 'run' && (a.ClientStatus === 'running' || a.ClientStatus === 'pending');
}

/** Adds `namespace` to next-tool arguments when the object is not in the call's namespace. */
function nsArgs(ctx: ToolContext, ns: string | undefined, args: Record<string, unknown>): Record<string, unknown> {
  return ns && ns !== ctx.namespace ? { ...args, namespace: ns } : args;
}

function jobsOf(allocs: AllocStub[]): string {
  const ids = [...new Set(allocs.map((a) => a.JobID ?? '?'))];
  return ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;
}

function allocFindings(ctx: ToolContext, allocs: AllocStub[], checkOutput: Map<string, CheckResult[]>): Finding[] {
  const out: Finding[] = [];
  const failed = allocs.filter((a) => a.ClientStatus === 'failed' && !(a as { NextAllocation?: string }).NextAllocation);
  if (failed.length) {
    out.push({
      check: 'failed allocations', severity: 'critical', count: failed.length, examples: examples(failed.map((a) => a.ID)),
      summary: `${plural(failed.length, 'failed allocation')} not replaced (jobs ${jobsOf(failed)})`,
      details: failed.slice(0, 5).map((a) => {
        const t = lastTerminated(a);
        return `${short(a.ID)} ${a.JobID}/${a.TaskGroup} on ${a.NodeName ?? short(a.NodeID)}${t ? `: task ${t.task} exit code ${t.exit ?? '?'}${t.oom ? ' (OOM killed)' : ''}` : ''}${a.ClientDescription ? ` (${a.ClientDescription})` : ''}`;
      }),
      next: { tool: 'why_restarting', arguments: nsArgs(ctx, failed[0].Namespace, { alloc_id: failed[0].ID }) },
    });
  }
  const lost = allocs.filter((a) => a.ClientStatus === 'lost');
  if (lost.length) {
    const nodes = [...new Set(lost.map((a) => a.NodeName ?? short(a.NodeID)))];
    out.push({
      check: 'lost allocations', severity: 'warning', count: lost.length, examples: examples(lost.map((a) => a.ID)),
      summary: `${plural(lost.length, 'lost allocation')} (jobs ${jobsOf(lost)}) on ${plural(nodes.length, 'node')} (${nodes.slice(0, 3).join(', ')}): their node stopped answering`,
      next: { tool: 'get_node', arguments: { node_id: lost[0].NodeID } },
    });
  }
  const pending = allocs.filter((a) => a.ClientStatus === 'pending' && a.DesiredStatus === 'run');
  if (pending.length) {
    out.push({
      check: 'pending allocations', severity: 'info', count: pending.length, examples: examples(pending.map((a) => a.ID)),
      summary: `${plural(pending.length, 'allocation')} placed but not started yet (jobs ${jobsOf(pending)})`,
      next: { tool: 'get_allocation_status', arguments: nsArgs(ctx, pending[0].Namespace, { alloc_id: pending[0].ID }) },
    });
  }
  const unhealthy = allocs.filter((a) => active(a) && a.DeploymentStatus?.Healthy === false);
  if (unhealthy.length) {
    const details: string[] = [];
    for (const a of unhealthy.slice(0, 5)) {
      const failing = (checkOutput.get(a.ID) ?? []).filter((c) => c.Status && c.Status !== 'success');
      const why = failing.length
        ? failing.map((c) => `check ${c.Service ?? '?'}/${c.Check ?? '?'} ${c.Status}: ${(c.Output ?? '').slice(0, 160)}`).join('; ')
        : 'marked unhealthy by its deployment';
      details.push(`${short(a.ID)} ${a.JobID}/${a.TaskGroup} on ${a.NodeName ?? short(a.NodeID)}: ${why}`);
    }
    out.push({
      check: 'failing health checks', severity: 'critical', count: unhealthy.length, examples: examples(unhealthy.map((a) => a.ID)),
      summary: `${plural(unhealthy.length, 'running allocation')} failing health checks (jobs ${jobsOf(unhealthy)})`,
      details,
      next: { tool: 'get_allocation_status', arguments: nsArgs(ctx, unhealthy[0].Namespace, { alloc_id: unhealthy[0].ID }) },
    });
  }
  const oom = allocs.filter((a) => a.DesiredStatus === 'run' && isOom(a));
  if (oom.length) {
    out.push({
      check: 'OOM kills', severity: 'critical', count: oom.length, examples: examples(oom.map((a) => a.ID)),
      summary: `${plural(oom.length, 'allocation')} had tasks killed for running out of memory (exit code 137, jobs ${jobsOf(oom)})`,
      next: { tool: 'analyze_job_resources', arguments: nsArgs(ctx, oom[0].Namespace, { job_id: oom[0].JobID }) },
    });
  }
  const looping = allocs.filter((a) => active(a) && maxRestarts(a).restarts >= RESTART_LOOP);
  if (looping.length) {
    out.push({
      check: 'restart loops', severity: 'critical', count: looping.length, examples: examples(looping.map((a) => a.ID)),
      summary: `${plural(looping.length, 'allocation')} restarting repeatedly (jobs ${jobsOf(looping)})`,
      details: looping.slice(0, 5).map((a) => {
        const r = maxRestarts(a);
        const t = lastTerminated(a);
        return `${short(a.ID)} ${a.JobID}: task ${r.task} restarted ${r.restarts} times${t ? `, last exit code ${t.exit ?? '?'}${t.oom ? ' (OOM killed)' : ''}` : ''}`;
      }),
      next: { tool: 'why_restarting', arguments: nsArgs(ctx, looping[0].Namespace, { alloc_id: looping[0].ID }) },
    });
  }
  return out;
}

function evalFindings(ctx: ToolContext, evals: Evaluation[]): Finding[] {
  const blocked = evals.filter((e) => e.Status === 'blocked');
  if (!blocked.length) return [];
  const details: string[] = [];
  for (const e of blocked.slice(0, 5)) {
    const reasons = Object.entries(e.FailedTGAllocs ?? {}).flatMap(([g, m]) => groupSentences(g, m).filter((s) => !/in the node pool/.test(s)).map((s) => s.replace(/; fix: .*$/, '.')));
    details.push(`${short(e.ID)} job ${e.JobID}: ${reasons.join(' ') || e.StatusDescription || 'blocked'}`);
  }
  return [{
    check: 'blocked evaluations', severity: 'critical', count: blocked.length, examples: examples(blocked.map((e) => e.ID)),
    summary: `${plural(blocked.length, 'blocked evaluation')}: work that cannot be placed (jobs ${[...new Set(blocked.map((e) => e.JobID))].slice(0, 3).join(', ')})`,
    details,
    next: { tool: 'explain_placement', arguments: nsArgs(ctx, blocked[0].Namespace, { job_id: blocked[0].JobID }) },
  }];
}

function deploymentFindings(ctx: ToolContext, deployments: DeploymentFull[], now: number): Finding[] {
  // Only each job's latest deployment says how the job is now; older ones are history.
  const latest = new Map<string, DeploymentFull>();
  for (const d of deployments) {
    const key = `${d.Namespace}\u0000${d.JobID}`;
    const seen = latest.get(key);
    if (!seen || (d.CreateIndex ?? 0) > (seen.CreateIndex ?? 0)) latest.set(key, d);
  }
  const failed: DeploymentFull[] = [];
  const waiting: DeploymentFull[] = [];
  const stuck: DeploymentFull[] = [];
  const paused: DeploymentFull[] = [];
  for (const d of latest.values()) {
    const groups = Object.values(d.TaskGroups ?? {});
    if (d.Status === 'failed') failed.push(d);
    else if (d.Status === 'paused') paused.push(d);
    else if (d.Status === 'running') {
      const deadline = groups.map((g) => Date.parse(g.RequireProgressBy ?? '')).filter((t) => t > 0 && t < now);
      if (groups.some((g) => (g.DesiredCanaries ?? 0) > 0 && !g.Promoted && (g.PlacedCanaries?.length ?? 0) >= (g.DesiredCanaries ?? 0))) waiting.push(d);
      else if (deadline.length) stuck.push(d);
    }
  }
  const out: Finding[] = [];
  const line = (d: DeploymentFull) => `${short(d.ID)} job ${d.JobID} v${d.JobVersion ?? '?'}: ${d.StatusDescription ?? d.Status}`;
  if (failed.length) {
    out.push({
      check: 'deployments', severity: 'critical', count: failed.length, examples: examples(failed.map((d) => d.ID)),
      summary: `${plural(failed.length, 'failed deployment')} (latest of jobs ${failed.map((d) => d.JobID).slice(0, 3).join(', ')})`,
      details: failed.slice(0, 5).map(line),
      next: { tool: 'get_deployment', arguments: nsArgs(ctx, failed[0].Namespace, { deployment_id: failed[0].ID }) },
    });
  }
  if (stuck.length) {
    out.push({
      check: 'deployments', severity: 'critical', count: stuck.length, examples: examples(stuck.map((d) => d.ID)),
      summary: `${plural(stuck.length, 'deployment')} past the progress deadline and still running`,
      details: stuck.slice(0, 5).map(line),
      next: { tool: 'get_deployment', arguments: nsArgs(ctx, stuck[0].Namespace, { deployment_id: stuck[0].ID }) },
    });
  }
  if (waiting.length) {
    out.push({
      check: 'deployments', severity: 'warning', count: waiting.length, examples: examples(waiting.map((d) => d.ID)),
      summary: `${plural(waiting.length, 'deployment')} waiting for canary promotion (jobs ${waiting.map((d) => d.JobID).slice(0, 3).join(', ')}); review the canaries, then promote or fail it`,
      details: waiting.slice(0, 5).map((d) => {
        const g = Object.entries(d.TaskGroups ?? {}).filter(([, s]) => (s.DesiredCanaries ?? 0) > 0 && !s.Promoted);
        return `${line(d)} (${g.map(([n, s]) => `group ${n}: ${s.PlacedCanaries?.length ?? 0}/${s.DesiredCanaries} canaries placed, ${s.HealthyAllocs ?? 0} healthy`).join('; ')})`;
      }),
      next: { tool: 'promote_deployment', arguments: nsArgs(ctx, waiting[0].Namespace, { deployment_id: waiting[0].ID }) },
    });
  }
  if (paused.length) {
    out.push({
      check: 'deployments', severity: 'info', count: paused.length, examples: examples(paused.map((d) => d.ID)),
      summary: `${plural(paused.length, 'paused deployment')}`,
      details: paused.slice(0, 5).map(line),
      next: { tool: 'get_deployment', arguments: nsArgs(ctx, paused[0].Namespace, { deployment_id: paused[0].ID }) },
    });
  }
  return out;
}

function queuedFindings(ctx: ToolContext, jobs: JobStub[]): Finding[] {
  const queued = jobs
    .filter((j) => !j.Stop)
    .map((j) => ({ j, n: Object.values(j.JobSummary?.Summary ?? {}).reduce((s, g) => s + (g.Queued ?? 0), 0) }))
    .filter((x) => x.n > 0);
  if (!queued.length) return [];
  const total = queued.reduce((s, x) => s + x.n, 0);
  return [{
    check: 'queued work', severity: 'warning', count: total, examples: examples(queued.map((x) => x.j.ID)),
    summary: `${plural(total, 'allocation')} queued, waiting for a node (jobs ${queued.map((x) => `${x.j.ID} ${x.n}`).slice(0, 5).join(', ')})`,
    next: { tool: 'explain_placement', arguments: nsArgs(ctx, queued[0].j.Namespace, { job_id: queued[0].j.ID }) },
  }];
}

function nodeFindings(nodes: NodeStub[]): Finding[] {
  const out: Finding[] = [];
  const down = nodes.filter((n) => n.Status === 'down' || n.Status === 'disconnected');
  const draining = nodes.filter((n) => n.Status === 'ready' && n.Drain);
  const ineligible = nodes.filter((n) => n.Status === 'ready' && !n.Drain && n.SchedulingEligibility === 'ineligible');
  const name = (n: NodeStub) => `${n.Name ?? short(n.ID)} (${n.Datacenter ?? '?'})`;
  if (down.length) {
    out.push({
      check: 'nodes', severity: 'critical', count: down.length, examples: examples(down.map((n) => n.ID)),
      summary: `${plural(down.length, 'node')} ${down.length === 1 ? 'is' : 'are'} down: ${down.slice(0, 5).map(name).join(', ')}`,
      next: { tool: 'get_node', arguments: { node_id: down[0].ID } },
    });
  }
  if (draining.length) {
    out.push({
      check: 'nodes', severity: 'warning', count: draining.length, examples: examples(draining.map((n) => n.ID)),
      summary: `${plural(draining.length, 'node')} draining: ${draining.slice(0, 5).map(name).join(', ')}`,
      next: { tool: 'get_node', arguments: { node_id: draining[0].ID } },
    });
  }
  if (ineligible.length) {
    out.push({
      check: 'nodes', severity: 'info', count: ineligible.length, examples: examples(ineligible.map((n) => n.ID)),
      summary: `${plural(ineligible.length, 'node')} ineligible for new work: ${ineligible.slice(0, 5).map(name).join(', ')}`,
      next: { tool: 'get_node', arguments: { node_id: ineligible[0].ID } },
    });
  }
  return out;
}

/** CSI volumes Nomad marks unschedulable (no healthy node plugin, or no controller when one is needed). */
function volumeFindings(ctx: ToolContext, volumes: VolumeStub[]): Finding[] {
  const bad = volumes.filter((v) => v.Schedulable === false);
  if (!bad.length) return [];
  const why = (v: VolumeStub) => `${v.ID} (plugin ${v.PluginID ?? '?'}: ${v.NodesHealthy ?? 0} healthy node plugins${v.ControllerRequired ? `, ${v.ControllersHealthy ?? 0} healthy controllers` : ''})`;
  return [{
    check: 'unschedulable volumes', severity: 'warning', count: bad.length, examples: examples(bad.map((v) => v.ID)),
    summary: `${plural(bad.length, 'CSI volume')} cannot be claimed: ${bad.slice(0, 5).map(why).join(', ')}`,
    next: { tool: 'diagnose_volume', arguments: nsArgs(ctx, bad[0].Namespace, { id: bad[0].ID }) },
  }];
}

function imagesOf(job: Job | undefined, group: string | undefined): string[] {
  const tg = (job?.TaskGroups ?? []).find((g) => g.Name === group) as { Tasks?: { Config?: { image?: unknown } | null }[] } | undefined;
  return (tg?.Tasks ?? []).map((t) => t.Config?.image).filter((i): i is string => typeof i === 'string');
}

/** Sentences about what the failing allocations have in common. */
function correlations(
  ctx: ToolContext, bad: AllocStub[], all: AllocStub[], nodes: NodeStub[] | undefined, jobs: Map<string, Job>,
): { text: string; next?: { tool: string; arguments: Record<string, unknown> } }[] {
  const out: { text: string; next?: { tool: string; arguments: Record<string, unknown> } }[] = [];
  if (bad.length < 2 && !bad.some((a) => (a.JobVersion ?? 0) > 0)) return out;
  const byNode = new Set(bad.map((a) => a.NodeID));
  const healthyNodes = new Set(all.filter((a) => !bad.includes(a) && active(a)).map((a) => a.NodeID));
  if (bad.length >= 2 && byNode.size === 1) {
    const n = bad[0].NodeName ?? short(bad[0].NodeID);
    out.push({ text: `All ${bad.length} failing allocations are on one node, ${n}${healthyNodes.has(bad[0].NodeID) ? '' : ', where nothing is healthy'}: suspect the node before the jobs.`, next: { tool: 'get_node', arguments: { node_id: bad[0].NodeID } } });
  } else if (bad.length >= 2 && nodes) {
    const dcOf = new Map(nodes.map((n) => [n.ID, n.Datacenter ?? '?']));
    const dcs = new Set(bad.map((a) => dcOf.get(a.NodeID ?? '') ?? '?'));
    const allDcs = new Set(nodes.map((n) => n.Datacenter));
    if (dcs.size === 1 && allDcs.size > 1 && !dcs.has('?')) out.push({ text: `All ${bad.length} failing allocations are in datacenter ${[...dcs][0]}.` });
  }
  if (bad.length >= 2) {
    const imageSets = bad.map((a) => imagesOf(jobs.get(`${a.Namespace}\u0000${a.JobID}`), a.TaskGroup));
    if (imageSets.every((s) => s.length > 0)) {
      const common = imageSets.reduce((acc, s) => acc.filter((i) => s.includes(i)));
      const jobIds = new Set(bad.map((a) => a.JobID));
      if (common.length && jobIds.size > 1) out.push({ text: `All ${bad.length} failing allocations run image ${common[0]} (jobs ${[...jobIds].join(', ')}).` });
    }
  }
  // Failures that started with a job version: every failing allocation of the job is on its newest
  // version, and an older version of the same job ran without them.
  const byJob = new Map<string, AllocStub[]>();
  for (const a of bad) byJob.set(`${a.Namespace}\u0000${a.JobID}`, [...(byJob.get(`${a.Namespace}\u0000${a.JobID}`) ?? []), a]);
  for (const [key, list] of byJob) {
    const versions = new Set(list.map((a) => a.JobVersion ?? 0));
    if (versions.size !== 1) continue;
    const v = [...versions][0];
    if (v === 0) continue;
    const older = all.filter((a) => `${a.Namespace}\u0000${a.JobID}` === key && (a.JobVersion ?? 0) < v && !bad.includes(a));
    if (!older.length) continue;
    const job = jobs.get(key);
    const when = job && job.Version === v && job.SubmitTime ? ` (submitted ${new Date(Number(job.SubmitTime) / 1e6).toISOString().replace(/\.\d+Z$/, 'Z')})` : '';
    const prev = Math.max(...older.map((a) => a.JobVersion ?? 0));
    out.push({
      text: `Job ${list[0].JobID}: the failures started with version ${v}${when}; version ${prev} ran without them.`,
      next: { tool: 'compare_job_versions', arguments: nsArgs(ctx, list[0].Namespace, { job_id: list[0].JobID, from: prev, to: v }) },
    });
  }
  return out;
}

function render(f: Finding): string[] {
  const ex = f.examples.length ? ` e.g. ${f.examples.map((id) => (id.length === 36 ? short(id) : id)).join(', ')}${f.count > f.examples.length && f.check !== 'queued work' ? ', …' : ''}` : '';
  const lines = [`${f.severity.toUpperCase()} ${f.check}: ${f.summary}.${ex}`];
  for (const d of f.details ?? []) lines.push(`  - ${d}`);
  if (f.next) lines.push(`  next: ${f.next.tool} ${JSON.stringify(f.next.arguments)}`);
  return lines;
}

export default definePlugin<Args>({
  name: 'find-problems',
  tier: 'read',
  async call(args, ctx) {
    const signal = budgetSignal(ctx);
    const ns = ctx.namespace;
    const jobId = args.job_id;
    const q = { namespace: ns };
    const [allocsR, evalsR, depsR, jobsR, nodesR, volumesR] = await Promise.all([
      jobId
        ? read(ctx, signal, 'read-job', (s) => ctx.nomad.get<AllocStub[]>(nomadPath`/v1/job/${jobId}/allocations`, { signal: s, query: q }))
        : read(ctx, signal, 'read-job', (s) => ctx.nomad.get<AllocStub[]>('/v1/allocations', { signal: s, query: q })),
      jobId
        ? read(ctx, signal, 'read-job', (s) => ctx.nomad.get<Evaluation[]>(nomadPath`/v1/job/${jobId}/evaluations`, { signal: s, query: q }))
        : read(ctx, signal, 'read-job', (s) => ctx.nomad.get<Evaluation[]>('/v1/evaluations', { signal: s, query: { ...q, filter: 'Status == "blocked"' } })),
      jobId
        ? read(ctx, signal, 'read-job', (s) => ctx.nomad.get<DeploymentFull[]>(nomadPath`/v1/job/${jobId}/deployments`, { signal: s, query: q }))
        : read(ctx, signal, 'read-job', (s) => ctx.nomad.get<DeploymentFull[]>('/v1/deployments', { signal: s, query: q })),
      jobId
        ? read(ctx, signal, 'read-job', (s) => ctx.nomad.get<NonNullable<JobStub['JobSummary']>>(nomadPath`/v1/job/${jobId}/summary`, { signal: s, query: q })).then((r): Read<JobStub[]> =>
          r.ok ? { ok: true, data: [{ ID: jobId, Namespace: ns, JobSummary: r.data }] } : r)
        : read(ctx, signal, 'list-jobs', (s) => ctx.nomad.get<JobStub[]>('/v1/jobs', { signal: s, query: q })),
      read(ctx, signal, 'node:read', (s) => ctx.nomad.get<NodeStub[]>('/v1/nodes', { signal: s })),
      jobId
        ? Promise.resolve<Read<VolumeStub[]>>({ ok: true, data: [] })
        : read(ctx, signal, 'csi-list-volume', (s) => ctx.nomad.get<VolumeStub[]>('/v1/volumes', { signal: s, query: { ...q, type: 'csi' } })),
    ]);
    if (jobId && !jobsR.ok && /HTTP 404/.test(jobsR.reason)) {
      return { text: `No job "${jobId}" in namespace "${ns}" (Nomad 404: job not found). list_jobs shows the existing jobs.`, isError: true };
    }
    const sources: Record<string, Read<unknown>> = { allocations: allocsR, evaluations: evalsR, deployments: depsR, jobs: jobsR, nodes: nodesR, volumes: volumesR };
    const checks = Object.entries(CHECKS).filter(([c]) => !(jobId && CLUSTER_ONLY.has(c)));
    const allocs = allocsR.ok ? allocsR.data ?? [] : [];
    const nodes = nodesR.ok ? nodesR.data ?? [] : undefined;

    // Second wave, capped: check results of unhealthy allocations and the specs of jobs with failures.
    const unhealthy = allocs.filter((a) => active(a) && a.DeploymentStatus?.Healthy === false).slice(0, MAX_FANOUT / 2);
    const bad = allocs.filter((a) =>
      (a.ClientStatus === 'failed' && !(a as { NextAllocation?: string }).NextAllocation) || a.ClientStatus === 'lost'
      || (active(a) && (a.DeploymentStatus?.Healthy === false || maxRestarts(a).restarts >= RESTART_LOOP))
      || (a.DesiredStatus === 'run' && isOom(a)));
    const badJobs = [...new Map(bad.map((a) => [`${a.Namespace}\u0000${a.JobID}`, a])).values()].slice(0, MAX_FANOUT / 2);
    const notChecked: { check: string; reason: string; capability: string }[] = [];
    const checkOutput = new Map<string, CheckResult[]>();
    const jobs = new Map<string, Job>();
    await Promise.all([
      mapLimited(unhealthy, PARALLEL, async (a) => {
        const r = await read(ctx, signal, 'read-job', (s) => ctx.nomad.get<Record<string, CheckResult>>(nomadPath`/v1/client/allocation/${a.ID}/checks`, { signal: s, query: { namespace: a.Namespace } }));
        if (r.ok) checkOutput.set(a.ID, Object.values(r.data ?? {}));
      }),
      mapLimited(badJobs, PARALLEL, async (a) => {
        const r = await read(ctx, signal, 'read-job', (s) => ctx.nomad.get<Job>(nomadPath`/v1/job/${a.JobID ?? ''}`, { signal: s, query: { namespace: a.Namespace } }));
        if (r.ok) jobs.set(`${a.Namespace}\u0000${a.JobID}`, r.data);
      }),
    ]);

    const findings: Finding[] = [];
    if (allocsR.ok) findings.push(...allocFindings(ctx, allocs, checkOutput));
    if (evalsR.ok) findings.push(...evalFindings(ctx, evalsR.data ?? []));
    if (depsR.ok) findings.push(...deploymentFindings(ctx, depsR.data ?? [], Date.now()));
    if (jobsR.ok) findings.push(...queuedFindings(ctx, jobsR.data ?? []));
    if (nodes) findings.push(...nodeFindings(jobId ? nodes.filter((n) => allocs.some((a) => a.NodeID === n.ID)) : nodes));
    if (volumesR.ok) findings.push(...volumeFindings(ctx, volumesR.data ?? []));
    findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
    for (const [check, source] of checks) {
      const r = sources[source];
      if (!r.ok) notChecked.push({ check, reason: r.reason, capability: r.capability });
    }
    const corr = allocsR.ok ? correlations(ctx, bad, allocs, nodes, jobs) : [];

    const scope = jobId ? `job ${jobId} (namespace ${ns})` : ns === '*' ? 'all namespaces' : `namespace ${ns}`;
    const counts = (['critical', 'warning', 'info'] as Severity[]).map((s) => `${findings.filter((f) => f.severity === s).length} ${s}`).join(', ');
    const checked = checks.map(([c]) => c).filter((c) => !notChecked.some((n) => n.check === c));
    const lines: string[] = [];
    if (findings.length) lines.push(`Problems in ${scope}: ${counts}.`);
    else if (notChecked.length) lines.push(`No problems found in ${scope} among the checks that ran; ${plural(notChecked.length, 'check')} could not run, so this is not a clean bill of health.`);
    else lines.push(`No problems found in ${scope}: every check ran (${checked.join(', ')}).`);
    for (const f of findings) lines.push(...render(f));
    if (corr.length) {
      lines.push('Correlations:');
      for (const c of corr) lines.push(`  - ${c.text}${c.next ? ` next: ${c.next.tool} ${JSON.stringify(c.next.arguments)}` : ''}`);
    }
    if (notChecked.length) {
      const bySource = new Map<string, { checks: string[]; reason: string; capability: string }>();
      for (const n of notChecked) {
        const key = `${n.reason}|${n.capability}`;
        const e = bySource.get(key) ?? { checks: [], reason: n.reason, capability: n.capability };
        e.checks.push(n.check);
        bySource.set(key, e);
      }
      for (const e of bySource.values()) lines.push(`Not checked: ${e.checks.join(', ')} (${e.reason}; needs ${e.capability}).`);
    }
    const text = truncateText(lines.join('\n'), ctx.config.maxResultBytes, 'pass job_id to narrow the answer; structuredContent has every finding');
    return {
      text: text.text,
      structured: {
        scope: { namespace: ns, job_id: jobId ?? null },
        healthy: findings.length === 0 && notChecked.length === 0,
        counts: { critical: findings.filter((f) => f.severity === 'critical').length, warning: findings.filter((f) => f.severity === 'warning').length, info: findings.filter((f) => f.severity === 'info').length },
        findings: findings as unknown as Record<string, unknown>[],
        correlations: corr as unknown as Record<string, unknown>[],
        checked,
        not_checked: notChecked,
      },
    };
  },
});
