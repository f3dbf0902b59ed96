/**
 * restart_job: restart every running allocation of a job in place, one after another, like
 * `nomad job restart` (PUT /v1/client/allocation/:id/restart). As the CLI without `-all-tasks`, it
 * restarts the running tasks only: `AllTasks: true` also re-runs finished prestart/poststart tasks
 * (client/allocrunner/alloc_runner.go ~1358), e.g. a database migration; `all_tasks` asks for that.
 */
import { definePlugin, ToolError } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { runningAllocations } from './lib/alloc.js';
import { type AllocStub, getJob, short } from './lib/nomad.js';
import { nomadMessage } from './lib/register.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
  all_tasks?: boolean;
}

interface Outcome {
  id: string;
  group: string | null;
  result: 'ok' | 'failed' | 'skipped';
  message?: string;
}

export default definePlugin<Args>({
  name: 'restart-job',
  tier: 'write',
  async call(args, ctx) {
    const [job, allocs] = await Promise.all([
      getJob(ctx, args.job_id),
      ctx.nomad.get<AllocStub[] | null>(nomadPath`/v1/job/${args.job_id}/allocations`, { signal: ctx.signal }).then((r) => r.data ?? []),
    ]);
    const targets = runningAllocations(allocs).sort((a, b) => (a.Name ?? a.ID).localeCompare(b.Name ?? b.ID));
    if (targets.length === 0) {
      throw new ToolError(
        `Job "${job.ID}" has no running allocations to restart${job.Stop ? ' (the job is stopped)' : ''}. Use start_job to start a stopped job, or get_job_status to see why nothing runs.`,
        'caller',
      );
    }
    const outcomes: Outcome[] = [];
    const n = targets.length;
    for (let i = 0; i < n; i++) {
      const a = targets[i];
      if (ctx.signal.aborted) {
        for (const rest of targets.slice(i)) outcomes.push({ id: rest.ID, group: rest.TaskGroup ?? null, result: 'skipped', message: 'cancelled' });
        break;
      }
      try {
        await ctx.nomad.put(nomadPath`/v1/client/allocation/${a.ID}/restart`, { TaskName: '', AllTasks: args.all_tasks === true }, { signal: ctx.signal });
        outcomes.push({ id: a.ID, group: a.TaskGroup ?? null, result: 'ok' });
        await ctx.progress(i + 1, n, `restarted ${short(a.ID)}`);
      } catch (err) {
        if (ctx.signal.aborted) {
          for (const rest of targets.slice(i)) outcomes.push({ id: rest.ID, group: rest.TaskGroup ?? null, result: 'skipped', message: 'cancelled' });
          break;
        }
        outcomes.push({ id: a.ID, group: a.TaskGroup ?? null, result: 'failed', message: nomadMessage(err) });
        await ctx.progress(i + 1, n, `failed ${short(a.ID)}`);
      }
    }
    const ok = outcomes.filter((o) => o.result === 'ok').length;
    const failed = outcomes.filter((o) => o.result === 'failed').length;
    const skipped = outcomes.filter((o) => o.result === 'skipped').length;
    const what = args.all_tasks === true ? ' (all tasks, finished lifecycle tasks too)' : '';
    const head = `Job ${job.ID}: restarted ${ok} of ${n} running allocation${n === 1 ? '' : 's'} in place${what}${failed ? `, ${failed} failed` : ''}${skipped ? `, ${skipped} skipped (cancelled)` : ''}.`;
    const lines = outcomes.map((o) => `  ${short(o.id)} ${o.group ?? '?'}: ${o.result}${o.message ? ` — ${o.message}` : ''}`);
    if (ok) lines.push('Tasks restart on the same nodes; get_job_status shows when they are running again.');
    return {
      text: [head, ...lines].join('\n'),
      structured: { job_id: job.ID, total: n, restarted: ok, failed, skipped, allocations: outcomes as unknown as Record<string, unknown>[] },
      isError: ok === 0 && failed > 0,
    };
  },
});
