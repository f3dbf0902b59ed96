/**
 * plan_job: dry-run a jobspec (HCL or JSON text in `content`, or a JSON Job object in `job`) with
 * PUT /v1/job/:id/plan and Diff, and say what would change. Registers nothing.
 */
import { definePlugin, ToolError, truncateText } from '../host/plugin.js';
import { parseJobspec, specFromObject } from './lib/jobspec.js';
import { planJob, planStructured, summarisePlan } from './lib/plan.js';
import { chooseNamespace } from './lib/register.js';

interface Args {
  [key: string]: unknown;
  content?: string;
  job?: Record<string, unknown>;
  variables?: Record<string, string | number | boolean>;
  namespace?: string;
}

export default definePlugin<Args>({
  name: 'plan-job',
  tier: 'read', // PUT /v1/job/:id/plan and /v1/jobs/parse change nothing in Nomad
  async call(args, ctx) {
    const hasContent = args.content !== undefined;
    const hasJob = args.job !== undefined;
    if (hasContent === hasJob) {
      throw new ToolError(
        hasContent
          ? 'Give either content (jobspec text) or job (a JSON Job object), not both.'
          : 'Give content (HCL or JSON jobspec text) or job (a JSON Job object) to plan.',
        'caller',
      );
    }
    const spec = hasContent ? await parseJobspec(ctx, args.content!, args.variables) : specFromObject(args.job, args.variables);
    const { job, format, declaresNamespace, notes } = spec;
    const namespace = chooseNamespace(ctx, declaresNamespace ? job.Namespace : undefined, args.namespace !== undefined);
    const plan = await planJob(ctx, job, namespace);
    const summary = summarisePlan(plan);
    const lines = [`Plan of job ${job.ID} (${format === 'object' ? 'JSON object' : format}, namespace ${namespace}): nothing was registered.`, ...summary.lines];
    for (const n of notes) lines.push(`note: ${n}`);
    const apply = hasContent ? 'submit_job_file with the same content' : 'create_job with the same job';
    lines.push(`To apply it, call ${apply}${plan.JobModifyIndex !== undefined ? ` (plan made at JobModifyIndex ${plan.JobModifyIndex})` : ''}.`);
    return {
      text: truncateText(lines.join('\n'), ctx.config.maxResultBytes).text,
      structured: { registered: false, job_id: job.ID, namespace, format, ...planStructured(plan, summary) },
    };
  },
});
