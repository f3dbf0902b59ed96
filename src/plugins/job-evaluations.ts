/**
 * get_job_evaluations: a job's evaluations, newest first, with placement failures spelled out
 * (which constraint filtered how many nodes, which resource was exhausted, and what would fix it).
 */
import { definePlugin, truncateText } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { hasPlacementFailures, placementSentences } from './lib/placement.js';
import { type Evaluation, getJob, isoOrNull, newestFirst, short, when } from './lib/nomad.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
}

/** How many evaluations are listed. */
const MAX_EVALS = 20;

export function evalLine(ev: Evaluation): string {
  const parts = [`${short(ev.ID)} ${ev.Status ?? '?'}`, `triggered by ${ev.TriggeredBy ?? '?'}`, `at ${when(ev.CreateTime ?? ev.ModifyTime)}`];
  if (ev.StatusDescription) parts.push(`— ${ev.StatusDescription}`);
  if (ev.BlockedEval) parts.push(`(blocked eval ${short(ev.BlockedEval)})`);
  if (ev.PreviousEval) parts.push(`(follows ${short(ev.PreviousEval)})`);
  return parts.join(' ');
}

export default definePlugin<Args>({
  name: 'job-evaluations',
  tier: 'read',
  async call(args, ctx) {
    const [job, evals] = await Promise.all([
      getJob(ctx, args.job_id),
      ctx.nomad.get<Evaluation[] | null>(nomadPath`/v1/job/${args.job_id}/evaluations`, { signal: ctx.signal }).then((r) => r.data ?? []),
    ]);
    const sorted = newestFirst(evals);
    if (sorted.length === 0) {
      return { text: `Job "${job.ID}" has no evaluations.`, structured: { job_id: job.ID, total: 0, evaluations: [] } };
    }
    const shown = sorted.slice(0, MAX_EVALS);
    const lines: string[] = [];
    const seen = new Map<string, string>();
    const structured = shown.map((ev) => {
      lines.push(evalLine(ev));
      const sentences = hasPlacementFailures(ev) ? placementSentences(ev.FailedTGAllocs, ev.QueuedAllocations) : [];
      if (sentences.length) {
        const key = sentences.join('\n');
        const same = seen.get(key);
        if (same) lines.push(`  placement failures: the same as eval ${same}.`);
        else {
          seen.set(key, short(ev.ID));
          for (const s of sentences) lines.push(`  ${s}`);
        }
      }
      if (ev.Status === 'blocked') {
        lines.push('  blocked: Nomad retries this placement when nodes or capacity change; force_evaluate_job retries now.');
      }
      return {
        id: ev.ID,
        status: ev.Status ?? null,
        triggered_by: ev.TriggeredBy ?? null,
        time: isoOrNull(ev.CreateTime ?? ev.ModifyTime),
        description: ev.StatusDescription || null,
        blocked_eval: ev.BlockedEval || null,
        placement_failures: sentences,
      };
    });
    const failing = shown.filter((e) => hasPlacementFailures(e) || e.Status === 'failed' || e.Status === 'blocked').length;
    const head = `Job "${job.ID}": ${sorted.length} evaluation${sorted.length === 1 ? '' : 's'}${sorted.length > shown.length ? ` (newest ${shown.length} shown)` : ''}, ${failing ? `${failing} with failures or blocked` : 'none failed or blocked'}.`;
    const text = truncateText([head, ...lines].join('\n'), ctx.config.maxResultBytes, 'see get_job_status for the current state').text;
    return { text, structured: { job_id: job.ID, total: sorted.length, evaluations: structured } };
  },
});
