/**
 * get_job_timeline: a job's versions (each with the fields it changed, from
 * /v1/job/:id/versions?diffs=true, whose Diffs[i] turns Versions[i+1] into Versions[i]),
 * evaluations, deployments, allocation placements and task events merged in time order. The
 * newest `limit` entries are shown, oldest first.
 */
import { definePlugin, truncateText } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { budgetSignal, read } from './lib/fanout.js';
import { type AllocStub, type Deployment, type Evaluation, getJob, type Job, iso, short, toDate } from './lib/nomad.js';
import { diffChanges, type JobDiff } from './lib/plan.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
  namespace?: string;
  limit?: number;
}

export interface Entry {
  time: string;
  ms: number;
  kind: 'version' | 'evaluation' | 'deployment' | 'allocation' | 'task';
  id: string | null;
  text: string;
  changes?: string[];
}

function ms(v: unknown): number | undefined {
  return toDate(v)?.getTime();
}

function push(out: Entry[], when: unknown, e: Omit<Entry, 'time' | 'ms'>): void {
  const t = ms(when);
  if (t === undefined) return;
  out.push({ ...e, time: iso(when), ms: t });
}

export default definePlugin<Args>({
  name: 'job-timeline',
  tier: 'read',
  async call(args, ctx) {
    const signal = budgetSignal(ctx);
    const id = args.job_id;
    await getJob(ctx, id);
    const [versions, evals, deps, allocs] = await Promise.all([
      read(ctx, signal, 'read-job', (s) => ctx.nomad.get<{ Versions?: Job[] | null; Diffs?: JobDiff[] | null }>(nomadPath`/v1/job/${id}/versions`, { signal: s, query: { diffs: 'true' } })),
      read(ctx, signal, 'read-job', (s) => ctx.nomad.get<Evaluation[]>(nomadPath`/v1/job/${id}/evaluations`, { signal: s })),
      read(ctx, signal, 'read-job', (s) => ctx.nomad.get<Deployment[]>(nomadPath`/v1/job/${id}/deployments`, { signal: s })),
      read(ctx, signal, 'read-job', (s) => ctx.nomad.get<AllocStub[]>(nomadPath`/v1/job/${id}/allocations`, { signal: s, query: { all: 'true' } })),
    ]);
    const out: Entry[] = [];
    const missing: string[] = [];
    if (versions.ok) {
      const list = versions.data.Versions ?? [];
      const diffs = versions.data.Diffs ?? [];
      list.forEach((v, i) => {
        const changes = i < diffs.length ? diffChanges(diffs[i]) : [];
        push(out, v.SubmitTime, {
          kind: 'version', id: String(v.Version ?? '?'),
          text: `version ${v.Version ?? '?'} submitted${v.Stable ? ' (stable)' : ''}${i === list.length - 1 ? ' (first version)' : changes.length ? `: ${changes.length} change${changes.length === 1 ? '' : 's'}` : ': no spec change'}`,
          changes,
        });
      });
    } else missing.push(`versions (${versions.reason}; needs ${versions.capability})`);
    if (evals.ok) {
      for (const e of evals.data ?? []) {
        const extra = e.Status === 'blocked' ? ', waiting for resources' : e.BlockedEval ? `, left blocked eval ${short(e.BlockedEval)}` : '';
        push(out, e.CreateTime, { kind: 'evaluation', id: e.ID, text: `evaluation ${short(e.ID)} ${e.Status ?? '?'} (triggered by ${e.TriggeredBy ?? '?'}${extra})` });
      }
    } else missing.push(`evaluations (${evals.reason}; needs ${evals.capability})`);
    if (deps.ok) {
      for (const d of deps.data ?? []) {
        push(out, d.CreateTime, { kind: 'deployment', id: d.ID, text: `deployment ${short(d.ID)} started for version ${d.JobVersion ?? '?'}` });
        if (d.Status !== 'running' && d.ModifyTime !== d.CreateTime) {
          push(out, d.ModifyTime, { kind: 'deployment', id: d.ID, text: `deployment ${short(d.ID)} ${d.Status}: ${d.StatusDescription ?? ''}` });
        } else if (d.Status === 'running') {
          push(out, d.ModifyTime, { kind: 'deployment', id: d.ID, text: `deployment ${short(d.ID)} running: ${d.StatusDescription ?? ''}` });
        }
      }
    } else missing.push(`deployments (${deps.reason}; needs ${deps.capability})`);
    if (allocs.ok) {
      for (const a of allocs.data ?? []) {
        push(out, a.CreateTime, { kind: 'allocation', id: a.ID, text: `allocation ${short(a.ID)} ${a.Name ?? a.TaskGroup} placed on ${a.NodeName ?? short(a.NodeID)} (version ${a.JobVersion ?? '?'}), now ${a.ClientStatus}` });
        for (const [task, ts] of Object.entries(a.TaskStates ?? {})) {
          for (const e of ts.Events ?? []) {
            if (e.Type === 'Received' || e.Type === 'Task Setup') continue;
            push(out, e.Time, { kind: 'task', id: a.ID, text: `alloc ${short(a.ID)} task ${task}: ${e.Type}${e.DisplayMessage && e.DisplayMessage !== e.Type ? ` - ${e.DisplayMessage}` : ''}` });
          }
        }
      }
    } else missing.push(`allocations and task events (${allocs.reason}; needs ${allocs.capability})`);

    // Stable order: time, then the kind's natural order (a version precedes its evaluation).
    const rank = { version: 0, evaluation: 1, deployment: 2, allocation: 3, task: 4 };
    out.sort((a, b) => a.ms - b.ms || rank[a.kind] - rank[b.kind]);
    const limit = Math.min(Math.max(args.limit ?? 50, 1), 500);
    const shown = out.slice(-limit);
    const lines = [`Timeline of job ${id}: ${shown.length} of ${out.length} entries${out.length > shown.length ? ` (the newest; limit ${limit})` : ''}, oldest first.`];
    for (const e of shown) {
      lines.push(`${e.time} ${e.text}`);
      for (const c of (e.changes ?? []).slice(0, 10)) lines.push(`    ${c}`);
      if ((e.changes?.length ?? 0) > 10) lines.push(`    … ${e.changes!.length - 10} more (compare_job_versions)`);
    }
    if (missing.length) lines.push(`Not included: ${missing.join('; ')}.`);
    const text = truncateText(lines.join('\n'), ctx.config.maxResultBytes, 'pass a smaller limit');
    return {
      text: text.text,
      structured: { job_id: id, total: out.length, entries: shown.map(({ ms: _m, ...e }) => e) as unknown as Record<string, unknown>[], not_included: missing },
    };
  },
});
