/**
 * get_job_status: one compact health summary of a job — job line, verdict, per-group counts,
 * allocations, latest deployment, and current placement failures in plain sentences.
 */
import { definePlugin, truncateText } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { type Deployment, type Evaluation, type GroupSummary, type Job, type JobSummary, type AllocStub, age, getJob, isoOrNull, newestFirst, short } from './lib/nomad.js';
import { allocFields } from './lib/alloc.js';
import { hasPlacementFailures, placementSentences } from './lib/placement.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
}

/** How many allocations the text lists. */
const MAX_ALLOCS = 15;

const COUNT_KEYS = ['Running', 'Starting', 'Queued', 'Failed', 'Complete', 'Lost'] as const;

export interface Totals {
  running: number;
  starting: number;
  queued: number;
  failed: number;
  complete: number;
  lost: number;
}

export function totals(summary: JobSummary | null | undefined): Totals {
  const t: Totals = { running: 0, starting: 0, queued: 0, failed: 0, complete: 0, lost: 0 };
  for (const g of Object.values(summary?.Summary ?? {})) {
    t.running += g.Running ?? 0;
    t.starting += g.Starting ?? 0;
    t.queued += g.Queued ?? 0;
    t.failed += g.Failed ?? 0;
    t.complete += g.Complete ?? 0;
    t.lost += g.Lost ?? 0;
  }
  return t;
}

export function restarts(a: AllocStub): number {
  return Object.values(a.TaskStates ?? {}).reduce((n, t) => n + (t.Restarts ?? 0), 0);
}

/** The evaluations whose placement failures are still current: blocked ones, and the newest one. */
export function currentFailures(evals: Evaluation[]): Evaluation[] {
  const sorted = newestFirst(evals);
  const out = sorted.filter((e) => e.Status === 'blocked' && hasPlacementFailures(e));
  const newest = sorted.find((e) => e.Status !== 'blocked');
  if (newest && hasPlacementFailures(newest) && !out.includes(newest)) {
    // The newest eval's own failures, unless its blocked eval already says the same thing.
    if (!out.some((b) => b.ID === newest.BlockedEval)) out.push(newest);
  }
  return out;
}

interface VerdictInput {
  job: Job;
  t: Totals;
  desired: number;
  deployment: Deployment | null;
  placementFailed: boolean;
  children?: JobSummary['Children'];
}

export function verdict({ job, t, desired, deployment, placementFailed, children }: VerdictInput): string {
  const ratio = `${t.running}/${desired} running`;
  if (job.Periodic || job.ParameterizedJob) {
    const c = children ?? {};
    const kind = job.Periodic ? 'periodic' : 'parameterized';
    return `${kind} job: children pending ${c.Pending ?? 0}, running ${c.Running ?? 0}, dead ${c.Dead ?? 0}`;
  }
  if (job.Stop) return t.running ? `stopped: ${t.running} allocation(s) still stopping` : 'stopped (start_job brings it back)';
  if (placementFailed && t.queued > 0) return `pending: ${t.queued} queued, placement failed — see below`;
  if (job.Type === 'batch' || job.Type === 'sysbatch') {
    if (job.Status === 'dead') {
      return t.failed > 0 ? `finished with failures: ${t.complete} complete, ${t.failed} failed` : `complete: ${t.complete} allocation(s) finished`;
    }
    if (t.queued > 0) return `pending: ${t.queued} queued, ${t.running} running`;
    return `running: ${t.running} running, ${t.complete} complete${t.failed ? `, ${t.failed} failed` : ''}`;
  }
  if (t.queued > 0) return `pending: ${t.queued} queued, ${ratio}`;
  const current = deployment && (deployment.JobVersion === undefined || deployment.JobVersion === job.Version);
  if (current && deployment!.Status === 'failed') {
    return `unhealthy: latest deployment failed${deployment!.StatusDescription ? ` (${deployment!.StatusDescription})` : ''}; ${ratio}`;
  }
  if (desired === 0) return 'idle: no allocations wanted (count 0)';
  if (t.starting > 0) return `starting: ${ratio}, ${t.starting} starting`;
  if (current && deployment!.Status === 'running') return `deploying: ${ratio}, deployment in progress`;
  if (t.running >= desired) return `healthy: ${ratio}`;
  const extra = [t.failed ? `${t.failed} failed` : '', t.lost ? `${t.lost} lost` : ''].filter(Boolean).join(', ');
  return `degraded: ${ratio}${extra ? `, ${extra}` : ''}`;
}

function groupLine(name: string, g: GroupSummary, desired: number | undefined): string {
  const counts = COUNT_KEYS.map((k) => `${k === 'Starting' ? 'starting' : k.toLowerCase()} ${g[k] ?? 0}`).join(', ');
  return `  ${name}: ${counts}${desired !== undefined ? ` (count ${desired})` : ''}`;
}

export function allocLine(a: AllocStub, now = Date.now()): string {
  const node = a.NodeID ? `node ${short(a.NodeID)}${a.NodeName ? ` (${a.NodeName})` : ''}` : 'no node';
  const health = a.DeploymentStatus?.Healthy === true ? ', healthy' : a.DeploymentStatus?.Healthy === false ? ', unhealthy' : '';
  return `  ${short(a.ID)} ${a.TaskGroup ?? '?'} ${node} ${a.ClientStatus ?? '?'}/${a.DesiredStatus ?? '?'} restarts ${restarts(a)}${health}, age ${age(a.CreateTime, now)}`;
}

function deploymentLine(d: Deployment): string {
  const groups = Object.entries(d.TaskGroups ?? {})
    .map(([g, s]) => {
      const canary = s.DesiredCanaries ? `, canaries ${s.PlacedCanaries?.length ?? 0}/${s.DesiredCanaries}${s.Promoted ? ' promoted' : ' not promoted'}` : '';
      return `${g} ${s.HealthyAllocs ?? 0}/${s.DesiredTotal ?? 0} healthy${s.UnhealthyAllocs ? `, ${s.UnhealthyAllocs} unhealthy` : ''}${canary}`;
    })
    .join('; ');
  return `deployment ${short(d.ID)} (version ${d.JobVersion ?? '?'}): ${d.Status ?? '?'}${d.StatusDescription ? ` — ${d.StatusDescription}` : ''}${groups ? `; ${groups}` : ''}`;
}

export default definePlugin<Args>({
  name: 'job-status',
  tier: 'read',
  async call(args, ctx) {
    const id = args.job_id;
    const opts = { signal: ctx.signal };
    // The job's own answer decides "not found"; every other part may be missing (a refusal, a 500):
    // the answer then says which part and why (ctx.optional) and shows the rest.
    const data = <T>(p: Promise<{ data: T }>) => p.then((r) => r.data);
    const [job, summaryPart, allocsPart, deployPart, evalsPart] = await Promise.all([
      getJob(ctx, id),
      ctx.optional('group summary', data(ctx.nomad.get<JobSummary>(nomadPath`/v1/job/${id}/summary`, opts))),
      ctx.optional('allocations', data(ctx.nomad.get<AllocStub[] | null>(nomadPath`/v1/job/${id}/allocations`, opts))),
      ctx.optional('latest deployment', data(ctx.nomad.get<Deployment | null>(nomadPath`/v1/job/${id}/deployment`, opts))),
      ctx.optional('evaluations', data(ctx.nomad.get<Evaluation[] | null>(nomadPath`/v1/job/${id}/evaluations`, opts))),
    ]);
    const summary = summaryPart ?? null;
    const allocs = allocsPart ?? [];
    const deployment = deployPart ?? null;
    const evals = evalsPart ?? [];

    const now = Date.now();
    const t = totals(summary);
    const groupCounts = new Map((job.TaskGroups ?? []).map((g) => [g.Name, g.Count ?? 0]));
    const system = job.Type === 'system' || job.Type === 'sysbatch';
    const desired = system
      ? allocs.filter((a) => a.DesiredStatus === 'run').length
      : [...groupCounts.values()].reduce((a, b) => a + b, 0);
    const failures = currentFailures(evals);
    const sentences: string[] = [];
    const seen = new Set<string>();
    for (const ev of failures) {
      for (const s of placementSentences(ev.FailedTGAllocs, ev.QueuedAllocations)) {
        if (!seen.has(s)) {
          seen.add(s);
          sentences.push(s);
        }
      }
    }
    const recentFailed = newestFirst(evals).slice(0, 5).filter((e) => e.Status === 'failed');
    const v = verdict({ job, t, desired, deployment, placementFailed: sentences.length > 0, children: summary?.Children });

    const lines: string[] = [];
    lines.push(
      `Job ${job.ID} (${job.Type ?? '?'}, namespace ${job.Namespace ?? ctx.namespace}): status ${job.Status ?? '?'}, version ${job.Version ?? '?'}${job.Stop ? ', stopped (Stop=true)' : ''}${job.StatusDescription ? ` — ${job.StatusDescription}` : ''}`,
    );
    lines.push(`verdict: ${v}`);
    const groupNames = [...new Set([...groupCounts.keys(), ...Object.keys(summary?.Summary ?? {})])];
    if (groupNames.length) {
      lines.push('groups:');
      for (const g of groupNames) lines.push(groupLine(g, summary?.Summary?.[g] ?? {}, system ? undefined : groupCounts.get(g)));
    }
    const sortedAllocs = [...allocs].sort(
      (a, b) => Number(b.ClientStatus === 'running') - Number(a.ClientStatus === 'running') || (b.CreateIndex ?? 0) - (a.CreateIndex ?? 0),
    );
    if (sortedAllocs.length) {
      lines.push(`allocations (${sortedAllocs.length}):`);
      for (const a of sortedAllocs.slice(0, MAX_ALLOCS)) lines.push(allocLine(a, now));
      if (sortedAllocs.length > MAX_ALLOCS) lines.push(`  … ${sortedAllocs.length - MAX_ALLOCS} older allocations not shown (get_allocation_status with job_id lists them).`);
    } else lines.push('allocations: none');
    if (deployment) lines.push(`latest ${deploymentLine(deployment)}`);
    if (sentences.length) {
      lines.push(`placement failures (eval ${failures.map((e) => `${short(e.ID)} ${e.Status}`).join(', ')}):`);
      for (const s of sentences) lines.push(`  ${s}`);
      if (failures.some((e) => e.Status === 'blocked')) {
        lines.push('  Nomad places the queued allocations by itself once nodes or capacity allow; force_evaluate_job retries now.');
      }
    }
    for (const e of recentFailed) lines.push(`evaluation ${short(e.ID)} failed: ${e.StatusDescription || 'no description'} (triggered by ${e.TriggeredBy ?? '?'})`);

    const text = truncateText(lines.join('\n'), ctx.config.maxResultBytes, 'see get_allocation_status and get_job_evaluations for details').text;
    return {
      text,
      structured: {
        job: { id: job.ID, namespace: job.Namespace ?? ctx.namespace, type: job.Type ?? null, status: job.Status ?? null, version: job.Version ?? null, stop: !!job.Stop },
        verdict: v,
        desired,
        totals: { ...t },
        groups: Object.fromEntries(groupNames.map((g) => [g, { ...(summary?.Summary?.[g] ?? {}), count: groupCounts.get(g) ?? null }])),
        allocations: sortedAllocs.slice(0, MAX_ALLOCS).map((a) => ({ ...allocFields(a), restarts: restarts(a) })),
        allocation_total: allocs.length,
        deployment: deployment
          ? {
              id: deployment.ID,
              version: deployment.JobVersion ?? null,
              status: deployment.Status ?? null,
              description: deployment.StatusDescription ?? null,
              groups: Object.fromEntries(
                Object.entries(deployment.TaskGroups ?? {}).map(([g, s]) => [g, { healthy: s.HealthyAllocs ?? 0, desired: s.DesiredTotal ?? 0, unhealthy: s.UnhealthyAllocs ?? 0 }]),
              ),
            }
          : null,
        placement_failures: sentences,
        failure_evaluations: failures.map((e) => ({ id: e.ID, status: e.Status ?? null })),
        failed_evaluations: recentFailed.map((e) => ({ id: e.ID, description: e.StatusDescription ?? null, time: isoOrNull(e.CreateTime) })),
      },
    };
  },
});
