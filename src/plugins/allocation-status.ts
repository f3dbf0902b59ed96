/**
 * get_allocation_status: one allocation in detail (by ID or unique prefix) — statuses, node, times,
 * per task state, restarts and recent events — or every allocation of a job in compact lines.
 */
import { definePlugin, ToolError, truncateText, type ToolContext } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { allocFields, getAllocation } from './lib/alloc.js';
import { type AllocStub, type TaskState, age, getJob, isoOrNull, newestFirst, short, when } from './lib/nomad.js';

interface Args {
  [key: string]: unknown;
  alloc_id?: string;
  job_id?: string;
}

const MAX_EVENTS = 5;
const MAX_ALLOCS = 40;

function taskSummary(name: string, t: TaskState): string {
  const bits = [t.State ?? '?'];
  if (t.Failed) bits.push('failed');
  if (t.Restarts) bits.push(`${t.Restarts} restart${t.Restarts === 1 ? '' : 's'}`);
  return `${name} ${bits.join(' ')}`;
}

function taskDetail(name: string, t: TaskState): string[] {
  const lines = [
    `task ${name}: ${t.State ?? '?'}, failed ${t.Failed ? 'yes' : 'no'}, restarts ${t.Restarts ?? 0}, started ${when(t.StartedAt)}, finished ${when(t.FinishedAt)}`,
  ];
  const events = (t.Events ?? []).slice(-MAX_EVENTS);
  for (const e of events) {
    const msg = e.DisplayMessage || e.Message || '';
    lines.push(`  ${when(e.Time)} ${e.Type ?? '?'}${msg ? `: ${msg}` : ''}`);
  }
  return lines;
}

function taskStructured(t: TaskState) {
  return {
    state: t.State ?? null,
    failed: !!t.Failed,
    restarts: t.Restarts ?? 0,
    started: isoOrNull(t.StartedAt),
    finished: isoOrNull(t.FinishedAt),
    events: (t.Events ?? []).slice(-MAX_EVENTS).map((e) => ({ time: isoOrNull(e.Time), type: e.Type ?? null, message: e.DisplayMessage || e.Message || '' })),
  };
}

async function oneAllocation(ctx: ToolContext, input: string) {
  const a = await getAllocation(ctx, input);
  const lines: string[] = [];
  lines.push(`Allocation ${short(a.ID)} (${a.ID}) — job ${a.JobID ?? '?'}${a.Job?.Version !== undefined ? ` v${a.Job.Version}` : ''}, group ${a.TaskGroup ?? '?'}, namespace ${a.Namespace ?? ctx.namespace}`);
  lines.push(
    `client status ${a.ClientStatus ?? '?'}${a.ClientDescription ? ` (${a.ClientDescription})` : ''}; desired ${a.DesiredStatus ?? '?'}${a.DesiredDescription ? ` (${a.DesiredDescription})` : ''}`,
  );
  lines.push(`node ${a.NodeID ? `${short(a.NodeID)}${a.NodeName ? ` (${a.NodeName})` : ''}` : 'none'}; created ${when(a.CreateTime)}, modified ${when(a.ModifyTime)}`);
  if (a.DeploymentStatus && a.DeploymentStatus.Healthy !== null && a.DeploymentStatus.Healthy !== undefined) {
    lines.push(`deployment health: ${a.DeploymentStatus.Healthy ? 'healthy' : 'unhealthy'}${a.DeploymentStatus.Canary ? ' (canary)' : ''}`);
  }
  const states = a.TaskStates ?? {};
  const names = Object.keys(states);
  if (names.length === 0) lines.push('tasks: none started yet');
  for (const n of names) lines.push(...taskDetail(n, states[n]));
  if (a.FollowupEvalID) lines.push(`follow-up evaluation ${short(a.FollowupEvalID)} (rescheduling)`);
  const next = a.NextAllocation;
  if (next) lines.push(`replaced by allocation ${short(next)}`);
  return {
    text: truncateText(lines.join('\n'), ctx.config.maxResultBytes).text,
    structured: {
      id: a.ID,
      job_id: a.JobID ?? null,
      group: a.TaskGroup ?? null,
      namespace: a.Namespace ?? ctx.namespace,
      node_id: a.NodeID ?? null,
      node_name: a.NodeName ?? null,
      client_status: a.ClientStatus ?? null,
      client_description: a.ClientDescription || null,
      desired_status: a.DesiredStatus ?? null,
      desired_description: a.DesiredDescription || null,
      created: isoOrNull(a.CreateTime),
      modified: isoOrNull(a.ModifyTime),
      tasks: Object.fromEntries(names.map((n) => [n, taskStructured(states[n])])),
    },
  };
}

export default definePlugin<Args>({
  name: 'allocation-status',
  tier: 'read',
  async call(args, ctx) {
    const hasAlloc = !!args.alloc_id;
    const hasJob = !!args.job_id;
    if (hasAlloc === hasJob) {
      throw new ToolError(
        hasAlloc
          ? 'Give either alloc_id or job_id, not both: alloc_id shows one allocation in detail, job_id lists all allocations of a job.'
          : 'Give alloc_id (one allocation in detail) or job_id (all allocations of a job).',
        'caller',
      );
    }
    if (hasAlloc) return oneAllocation(ctx, args.alloc_id!);

    const jobId = args.job_id!;
    const [job, allocs] = await Promise.all([
      getJob(ctx, jobId),
      ctx.nomad.get<AllocStub[] | null>(nomadPath`/v1/job/${jobId}/allocations`, { signal: ctx.signal }).then((r) => r.data ?? []),
    ]);
    if (allocs.length === 0) {
      return { text: `Job "${job.ID}" has no allocations. get_job_status shows why.`, structured: { job_id: job.ID, total: 0, allocations: [] } };
    }
    const now = Date.now();
    const sorted = newestFirst(allocs);
    const shown = sorted.slice(0, MAX_ALLOCS);
    const lines = [`Job ${job.ID}: ${allocs.length} allocation${allocs.length === 1 ? '' : 's'}${shown.length < allocs.length ? ` (newest ${shown.length} shown)` : ''}`];
    for (const a of shown) {
      const tasks = Object.entries(a.TaskStates ?? {}).map(([n, t]) => taskSummary(n, t)).join(', ');
      const node = a.NodeID ? `${short(a.NodeID)}${a.NodeName ? ` (${a.NodeName})` : ''}` : '-';
      lines.push(
        `${short(a.ID)} ${a.TaskGroup ?? '?'} node ${node} ${a.ClientStatus ?? '?'}/${a.DesiredStatus ?? '?'}${a.JobVersion !== undefined ? ` v${a.JobVersion}` : ''} age ${age(a.CreateTime, now)}${tasks ? ` — tasks: ${tasks}` : ''}`,
      );
    }
    lines.push('For one allocation in detail (events), call get_allocation_status with its alloc_id.');
    return {
      text: truncateText(lines.join('\n'), ctx.config.maxResultBytes).text,
      structured: {
        job_id: job.ID,
        total: allocs.length,
        allocations: shown.map((a) => ({
          ...allocFields(a),
          job_version: a.JobVersion ?? null,
          tasks: Object.fromEntries(Object.entries(a.TaskStates ?? {}).map(([n, t]) => [n, { state: t.State ?? null, failed: !!t.Failed, restarts: t.Restarts ?? 0 }])),
        })),
      },
    };
  },
});
