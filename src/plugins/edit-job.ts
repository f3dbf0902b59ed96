/**
 * edit_job: read a job, apply a small change (count, image, env, meta, cpu, memory), plan it and answer
 * the diff. With apply=true (which the host confirms with the user first, `confirmWhen` in the YAML) it
 * registers the change with EnforceIndex at the JobModifyIndex the plan was made at, so a job changed
 * by someone else in between is refused, not overwritten (nomad/job_endpoint.go Register ~219).
 */
import { definePlugin, ToolError, truncateText } from '../host/plugin.js';
import { applyJobChanges, type JobChanges } from './lib/job-edit.js';
import { getJob, short } from './lib/nomad.js';
import { planJob, planStructured, summarisePlan } from './lib/plan.js';
import { checkEvaluation, nomadMessage, registerJob, registeredLines } from './lib/register.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
  changes: JobChanges;
  apply?: boolean;
  job_modify_index?: number;
}

export default definePlugin<Args>({
  name: 'edit-job',
  tier: 'write',
  async call(args, ctx) {
    if (args.apply && args.job_modify_index === undefined) {
      throw new ToolError('apply=true needs job_modify_index from the plan answer (call edit_job without apply first), so a job changed since is not overwritten.', 'caller');
    }
    const current = await getJob(ctx, args.job_id);
    const namespace = current.Namespace || ctx.namespace;
    const index = current.JobModifyIndex as number | undefined;
    if (args.apply && index !== args.job_modify_index) {
      throw new ToolError(
        `Job ${current.ID} changed since the plan (JobModifyIndex ${args.job_modify_index} then, ${index ?? '?'} now); nothing was registered. Call edit_job without apply to see the diff against the current version.`,
        'caller',
      );
    }
    const { job, edits } = applyJobChanges(current, args.changes);
    const plan = await planJob(ctx, job, namespace);
    const summary = summarisePlan(plan);
    const head = `Edit of job ${current.ID} (namespace ${namespace}, version ${current.Version ?? '?'}, JobModifyIndex ${index ?? '?'}):`;
    const editLines = edits.length ? edits.map((e) => `  ${e}`) : ['  (the values asked for are already set)'];
    const structured = { job_id: current.ID, namespace, edits, job_modify_index: index ?? null, ...planStructured(plan, summary) };

    if (!args.apply || summary.diffType === 'None') {
      const tail =
        summary.diffType === 'None'
          ? 'Nothing to register: the job already has these values.'
          : `Nothing registered yet. To apply, call edit_job again with the same changes, apply=true and job_modify_index=${index}.`;
      const lines = [head, ...editLines, ...summary.lines, tail];
      return { text: truncateText(lines.join('\n'), ctx.config.maxResultBytes).text, structured: { ...structured, registered: false } };
    }

    let reg;
    try {
      reg = await registerJob(ctx, job, namespace, { EnforceIndex: true, JobModifyIndex: index });
    } catch (err) {
      if (err instanceof ToolError && err.message.includes('Enforcing job modify index')) {
        throw new ToolError(
          `Job ${current.ID} changed while it was being edited; Nomad refused the registration (${nomadMessage(err)}) and nothing was changed. Call edit_job without apply to see the diff against the current version.`,
          'caller',
          err.status,
        );
      }
      throw err;
    }
    const check = await checkEvaluation(ctx, reg.EvalID, namespace, reg.EvalCreateIndex);
    const lines = [head, ...editLines, ...summary.lines, ...registeredLines(current.ID, namespace, reg, check)];
    return {
      text: truncateText(lines.join('\n'), ctx.config.maxResultBytes).text,
      structured: { ...structured, registered: true, eval_id: reg.EvalID ? reg.EvalID : null, eval: reg.EvalID ? short(reg.EvalID) : null, new_job_modify_index: reg.JobModifyIndex ?? null },
    };
  },
});
