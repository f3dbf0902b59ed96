/**
 * stop_job: DELETE /v1/job/:id. The job is read first: Nomad answers an unknown job's DELETE with 200
 * and zeroed fields. purge=true (irreversible) needs --allow-destructive.
 */
import { definePlugin, ToolError } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { getJob, jobNotFound, short } from './lib/nomad.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
  purge: boolean;
}

interface DeregisterResponse {
  EvalID?: string;
  EvalCreateIndex?: number;
  JobModifyIndex?: number;
}

export default definePlugin<Args>({
  name: 'stop-job',
  async call(args, ctx) {
    const purge = args.purge === true;
    if (purge && !ctx.config.allowDestructive) {
      throw new ToolError(
        `purge=true deletes job "${args.job_id}" and its history from Nomad, which cannot be undone, so this server refuses it. ` +
          'Stop the job without purge (start_job brings it back), or start the server with --allow-destructive to allow purging.',
        'caller',
      );
    }
    const job = await getJob(ctx, args.job_id);
    if (job.Stop && !purge) {
      return {
        text: `Job ${job.ID} is already stopped (status ${job.Status ?? '?'}); nothing to do. start_job brings it back.`,
        structured: { job_id: job.ID, stopped: true, already_stopped: true, purged: false, eval_id: null },
      };
    }
    let res: DeregisterResponse;
    try {
      res = (await ctx.nomad.delete<DeregisterResponse>(nomadPath`/v1/job/${job.ID}`, { query: { purge: purge ? true : undefined }, signal: ctx.signal })).data ?? {};
    } catch (err) {
      throw jobNotFound(err, job.ID, ctx.namespace);
    }
    const periodic = !!(job.Periodic || job.ParameterizedJob);
    if (!res.EvalID && !res.JobModifyIndex && !periodic) {
      // Nomad's answer for a job that vanished between the read and the delete.
      throw new ToolError(`No job "${job.ID}" in namespace "${ctx.namespace}" (Nomad answered with an empty evaluation: job not found).`, 'caller', 404);
    }
    const evalText = res.EvalID ? `evaluation ${short(res.EvalID)} (${res.EvalID})` : 'no evaluation (periodic or parameterized job)';
    const text = purge
      ? `Job ${job.ID} stopped and purged from Nomad: ${evalText}. Its history is gone; register it again to bring it back.`
      : `Job ${job.ID} stopped: ${evalText}. Its allocations are being stopped; start_job brings it back.`;
    return {
      text,
      structured: { job_id: job.ID, stopped: true, purged: purge, eval_id: res.EvalID || null, job_modify_index: res.JobModifyIndex ?? null },
    };
  },
});
