/**
 * edit_job: read a job, apply a small change (count, image, env, meta, cpu, memory), plan it and answer
 * the diff. With apply_at (the JobModifyIndex the plan answered; the host confirms with the user first,
 * `confirmWhen` in the YAML) it registers the change with EnforceIndex at that index, so a job changed
 * by someone else in between is refused, not overwritten (nomad/job_endpoint.go Register ~219).
 */
import { definePlugin, ToolError, truncateText } from '../host/plugin.js';
import { applyJobChanges, parseChanges } from './lib/job-edit.js';
import { getJob, short } from './lib/nomad.js';
import { planJob, planStructured, summarisePlan } from './lib/plan.js';
import { checkEvaluation, nomadMessage, registerJob, registeredLines } from './lib/register.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
  changes: Record<string, unknown>;
  apply_at?: number;
}

export default definePlugin<Args>({
  name: 'edit-job',
  tier: 'write',
  async call(args, ctx) {
    const changes = parseChanges(args.changes);
    const apply = args.apply_at !== undefined;
    const current = await getJob(ctx, args.job_id);
    const namespace = current.Namespace || ctx.namespace;
    const index = current.JobModifyIndex as number | undefined;
    if (apply && index !== args.apply_at) {
      throw new ToolError(
        `Job ${current.ID} changed since the plan (JobModifyIndex ${args.apply_at} then, ${index ?? '?'} now); nothing was registered. Call edit_job without apply_at to see the diff against the current version.`,
        'caller',
      );
    }
    const { job, edits } = applyJobChanges(current, changes);
    const plan = await planJob(ctx, job, namespace);
    const summary = summarisePlan(plan);
    const head = `Edit of job ${current.ID} (namespace ${namespace}, version ${current.Version ?? '?'}, JobModifyIndex ${index ?? '?'}):`;
    const editLines = edits.length ? edits.map((e) => `  ${e}`) : ['  (the values asked for are already set)'];
    const structured = { job_id: current.ID, namespace, edits, ...planStructured(plan, summary), job_modify_index: index ?? null };

    if (!apply || summary.diffType === 'None') {
      const tail =
        summary.diffType === 'None'
          ? 'Nothing to register: the job already has these values.'
          : `Nothing registered yet. To apply, call edit_job again with the same changes and apply_at=${index}.`;
      const lines = [head, ...editLines, ...summary.lines, tail];
      return { text: truncateText(lines.join('\n'), ctx.config.maxResultBytes).text, structured: { ...structured, registered: false } };
    }

    let reg;
    try {
      reg = await registerJob(ctx, job, namespace, { EnforceIndex: true, JobModifyIndex: index });
    } catch (err) {
      if (err instanceof ToolError && err.message.includes('Enforcing job modify index')) {
        throw new ToolError(
          `Job ${current.ID} changed while it was being edited; Nomad refused the registration (${nomadMessage(err)}) and nothing was changed. Call edit_job without apply_at to see the diff against the current version.`,
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
