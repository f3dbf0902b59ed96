/** create_job: register a job from a Nomad JSON Job object (bare or wrapped as {"Job": {...}}). */
import { definePlugin } from '../host/plugin.js';
import { chooseNamespace, checkEvaluation, registerJob, registeredLines, registeredStructured, unwrapJob } from './lib/register.js';

interface Args {
  [key: string]: unknown;
  job: Record<string, unknown>;
  namespace?: string;
}

export default definePlugin<Args>({
  name: 'create-job',
  tier: 'write',
  async call(args, ctx) {
    const job = unwrapJob(args.job);
    const namespace = chooseNamespace(ctx, job.Namespace, args.namespace !== undefined);
    const reg = await registerJob(ctx, job, namespace);
    const check = await checkEvaluation(ctx, reg.EvalID, namespace, reg.EvalCreateIndex);
    return {
      text: registeredLines(job.ID, namespace, reg, check).join('\n'),
      structured: registeredStructured(job.ID, namespace, reg, check),
    };
  },
});
