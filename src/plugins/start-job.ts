/** start_job: re-register a stopped job's last specification with Stop=false. */
import { definePlugin } from '../host/plugin.js';
import { getJob, short } from './lib/nomad.js';
import { checkEvaluation, registerJob, warningLines } from './lib/register.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
}

export default definePlugin<Args>({
  name: 'start-job',
  tier: 'write',
  async call(args, ctx) {
    const job = await getJob(ctx, args.job_id);
    const namespace = job.Namespace || ctx.namespace;
    if (!job.Stop) {
      return {
        text: `Job ${job.ID} is already running (status ${job.Status ?? '?'}, not stopped); nothing to do. get_job_status shows its health.`,
        structured: { job_id: job.ID, namespace, started: false, already_running: true, status: job.Status ?? null },
      };
    }
    // EnforceIndex: refuse if someone changed the job since we read it.
    const reg = await registerJob(ctx, { ...job, Stop: false }, namespace, { EnforceIndex: true, JobModifyIndex: job.JobModifyIndex });
    const check = await checkEvaluation(ctx, reg.EvalID, namespace, reg.EvalCreateIndex);
    const lines = [
      `Job ${job.ID} started (Stop=false re-registered in namespace ${namespace}): ${reg.EvalID ? `evaluation ${short(reg.EvalID)}` : 'no evaluation'}, JobModifyIndex ${reg.JobModifyIndex ?? '?'}.`,
      `Status: Nomad now places its allocations (status pending → running); follow with get_job_status.`,
    ];
    const warnings = warningLines(reg.Warnings);
    if (warnings.length) lines.push(`warnings: ${warnings.join('; ')}`);
    if (check.text) lines.push(check.text);
    return {
      text: lines.join('\n'),
      structured: {
        job_id: job.ID,
        namespace,
        started: true,
        eval_id: reg.EvalID || null,
        job_modify_index: reg.JobModifyIndex ?? null,
        warnings,
        eval_status: check.status,
        placement_failures: check.sentences,
      },
    };
  },
});
