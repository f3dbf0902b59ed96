/**
 * submit_job_file: a jobspec as HCL (parsed by Nomad, PUT /v1/jobs/parse) or JSON text. dry_run plans
 * it (PUT /v1/job/:id/plan with Diff) and registers nothing; otherwise it is registered and its
 * evaluation checked for placement failures.
 */
import { definePlugin, truncateText } from '../host/plugin.js';
import { parseJobspec } from './lib/jobspec.js';
import { planJob, planStructured, summarisePlan } from './lib/plan.js';
import { chooseNamespace, checkEvaluation, registerJob, registeredLines, registeredStructured } from './lib/register.js';

interface Args {
  [key: string]: unknown;
  content: string;
  dry_run: boolean;
  variables?: Record<string, string | number | boolean>;
  namespace?: string;
}

/**
 * The `Submission` of a register request (Nomad 1.6+ keeps it and answers it at
 * GET /v1/job/:id/submission): the text as given, its format, and the HCL variables as -var flags.
 * Older Nomads ignore the field.
 */
export function jobSubmission(content: string, format: string, variables: Args['variables']): Record<string, unknown> {
  const hcl = format === 'hcl';
  const flags = hcl ? Object.fromEntries(Object.entries(variables ?? {}).map(([k, v]) => [k, String(v)])) : {};
  return { Source: content, Format: hcl ? 'hcl2' : 'json', VariableFlags: flags, Variables: '' };
}

export default definePlugin<Args>({
  name: 'submit-job',
  tier: 'write',
  async call(args, ctx) {
    const { job, format, declaresNamespace, notes } = await parseJobspec(ctx, args.content, args.variables);
    const namespace = chooseNamespace(ctx, declaresNamespace ? job.Namespace : undefined, args.namespace !== undefined);

    if (args.dry_run) {
      const plan = await planJob(ctx, job, namespace);
      const summary = summarisePlan(plan);
      const lines = [`Dry run of job ${job.ID} (${format}, namespace ${namespace}): nothing was registered.`, ...summary.lines];
      for (const n of notes) lines.push(`note: ${n}`);
      lines.push(
        `To apply it, call submit_job_file again without dry_run${plan.JobModifyIndex !== undefined ? ` (plan made at JobModifyIndex ${plan.JobModifyIndex})` : ''}.`,
      );
      return {
        text: truncateText(lines.join('\n'), ctx.config.maxResultBytes).text,
        structured: { dry_run: true, registered: false, job_id: job.ID, namespace, format, ...planStructured(plan, summary) },
      };
    }

    // The source goes along (as the Nomad CLI sends it) so Nomad 1.6+ keeps it for get_job_spec.
    const reg = await registerJob(ctx, job, namespace, { Submission: jobSubmission(args.content, format, args.variables) });
    const check = await checkEvaluation(ctx, reg.EvalID, namespace, reg.EvalCreateIndex);
    const lines = registeredLines(job.ID, namespace, reg, check);
    for (const n of notes) lines.push(`note: ${n}`);
    return {
      text: lines.join('\n'),
      structured: { dry_run: false, registered: true, format, ...registeredStructured(job.ID, namespace, reg, check) },
    };
  },
});
