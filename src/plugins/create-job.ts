/** create_job: register a job from a Nomad JSON Job object (bare or wrapped as {"Job": {...}}). */
import { definePlugin } from '../host/plugin.js';
import { chooseNamespace, checkEvaluation, registerJob, registeredLines, unwrapJob, warningLines } from './lib/register.js';

interface Args {
  [key: string]: unknown;
  job: Record<string, unknown>;
  namespace?: string;
}

export default definePlugin<Args>({
  name: 'create-job',
  async call(args, ctx) {
    const job = unwrapJob(args.job);
    const namespace = chooseNamespace(ctx, job.Namespace, args.namespace !== undefined);
    const reg = await registerJob(ctx, job, namespace);
    const check = await checkEvaluation(ctx, reg.EvalID, namespace, reg.EvalCreateIndex);
    return {
      text: registeredLines(job.ID, namespace, reg, check).join('\n'),
      structured: {
        job_id: job.ID,
        namespace,
        eval_id: reg.EvalID || null,
        job_modify_index: reg.JobModifyIndex ?? null,
        warnings: warningLines(reg.Warnings),
        eval_status: check.status,
        placement_failures: check.sentences,
        blocked_eval: check.blockedEval,
      },
    };
  },
});
