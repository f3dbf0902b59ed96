/**
 * submit_job_file: a jobspec as HCL (parsed by Nomad, PUT /v1/jobs/parse) or JSON text. dry_run plans
 * it (PUT /v1/job/:id/plan with Diff) and registers nothing; otherwise it is registered and its
 * evaluation checked for placement failures.
 */
import { definePlugin, ToolError, truncateText, type ToolContext } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { type Job, short } from './lib/nomad.js';
import { placementSentences } from './lib/placement.js';
import { MAX_CHANGES, type PlanResponse, diffChanges, groupUpdates } from './lib/plan.js';
import { chooseNamespace, checkEvaluation, nomadMessage, registerJob, registeredLines, unwrapJob, warningLines } from './lib/register.js';

interface Args {
  [key: string]: unknown;
  content: string;
  dry_run: boolean;
  variables?: Record<string, string | number | boolean>;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** An HCL variable-file text from a values object: strings quoted (and template sequences escaped). */
export function hclVariables(vars: Record<string, unknown> | undefined): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(vars ?? {})) {
    if (!IDENT.test(k)) throw new ToolError(`"${k}" is not a valid HCL variable name (letters, digits, _ and -, not starting with a digit).`, 'caller');
    if (typeof v === 'number' || typeof v === 'boolean') lines.push(`${k} = ${v}`);
    else {
      const quoted = JSON.stringify(String(v))
        // HCL knows \n \r \t \" \\ \uNNNN but not JSON's \b and \f (pairs are scanned left to right).
        .replace(/\\(u[0-9a-fA-F]{4}|[^u])/g, (m, c: string) => (c === 'b' ? '\\u0008' : c === 'f' ? '\\u000c' : m))
        .replace(/\$\{/g, () => '$${')
        .replace(/%\{/g, () => '%%{');
      lines.push(`${k} = ${quoted}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Whether HCL text sets the job's namespace (canonicalised specs always carry "default"). */
function hclDeclaresNamespace(content: string): boolean {
  return /^\s*namespace\s*=/m.test(content);
}

interface Parsed {
  job: Job;
  format: 'json' | 'hcl';
  declaresNamespace: boolean;
  notes: string[];
}

async function parseSpec(args: Args, ctx: ToolContext): Promise<Parsed> {
  const content = args.content;
  const notes: string[] = [];
  if (content.trimStart().startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (err) {
      throw new ToolError(`The jobspec looks like JSON but does not parse: ${(err as Error).message}. Nothing was registered.`, 'caller');
    }
    const job = unwrapJob(value, 'The JSON jobspec');
    if (args.variables && Object.keys(args.variables).length) notes.push('variables are ignored for JSON jobspecs (only HCL has variables).');
    return { job, format: 'json', declaresNamespace: typeof job.Namespace === 'string' && job.Namespace !== '', notes };
  }
  let job: Job;
  try {
    const res = await ctx.nomad.put<Job>(
      '/v1/jobs/parse',
      { JobHCL: content, Variables: hclVariables(args.variables), Canonicalize: true },
      { signal: ctx.signal },
    );
    job = res.data;
  } catch (err) {
    if (err instanceof ToolError && err.status !== undefined && err.status < 500) {
      throw new ToolError(`The jobspec does not parse, so nothing was registered: ${nomadMessage(err)}`, 'caller', err.status);
    }
    throw err;
  }
  if (!job || typeof job.ID !== 'string' || !job.ID) {
    throw new ToolError('Nomad parsed the jobspec but it has no job ID: name the job (job "name" { … }). Nothing was registered.', 'caller');
  }
  return { job, format: 'hcl', declaresNamespace: hclDeclaresNamespace(content), notes };
}

export default definePlugin<Args>({
  name: 'submit-job',
  async call(args, ctx) {
    const { job, format, declaresNamespace, notes } = await parseSpec(args, ctx);
    const namespace = chooseNamespace(ctx, declaresNamespace ? job.Namespace : undefined);

    if (args.dry_run) {
      const plan =
        (
          await ctx.nomad.put<PlanResponse>(
            nomadPath`/v1/job/${job.ID}/plan`,
            { Job: { ...job, Namespace: namespace }, Diff: true },
            { query: { namespace }, signal: ctx.signal },
          )
        ).data ?? {};
      const diffType = plan.Diff?.Type ?? 'None';
      const updates = groupUpdates(plan.Annotations?.DesiredTGUpdates);
      const changes = diffChanges(plan.Diff);
      const failures = placementSentences(plan.FailedTGAllocs);
      const warnings = warningLines(plan.Warnings);
      const lines = [
        `Dry run of job ${job.ID} (${format}, namespace ${namespace}): nothing was registered.`,
        `job diff: ${diffType}${diffType === 'Added' ? ' (a new job)' : diffType === 'None' ? ' (no change to the specification)' : ''}`,
      ];
      if (updates.length) lines.push('scheduler would:', ...updates.map((u) => `  ${u}`));
      if (changes.length && diffType !== 'Added') {
        lines.push('changes:');
        lines.push(...changes.slice(0, MAX_CHANGES).map((c) => `  ${c}`));
        if (changes.length > MAX_CHANGES) lines.push(`  … and ${changes.length - MAX_CHANGES} more changes`);
      }
      if (failures.length) lines.push('placement would fail:', ...failures.map((s) => `  ${s}`));
      if (warnings.length) lines.push(`warnings: ${warnings.join('; ')}`);
      for (const n of notes) lines.push(`note: ${n}`);
      lines.push(
        `To apply it, call submit_job_file again without dry_run${plan.JobModifyIndex !== undefined ? ` (plan made at JobModifyIndex ${plan.JobModifyIndex})` : ''}.`,
      );
      return {
        text: truncateText(lines.join('\n'), ctx.config.maxResultBytes).text,
        structured: {
          dry_run: true,
          registered: false,
          job_id: job.ID,
          namespace,
          format,
          diff_type: diffType,
          group_updates: Object.fromEntries(Object.entries(plan.Annotations?.DesiredTGUpdates ?? {})),
          changes: changes.slice(0, MAX_CHANGES),
          placement_failures: failures,
          warnings,
          job_modify_index: plan.JobModifyIndex ?? null,
        },
      };
    }

    const reg = await registerJob(ctx, job, namespace);
    const check = await checkEvaluation(ctx, reg.EvalID, namespace, reg.EvalCreateIndex);
    const lines = registeredLines(job.ID, namespace, reg, check);
    for (const n of notes) lines.push(`note: ${n}`);
    return {
      text: lines.join('\n'),
      structured: {
        dry_run: false,
        registered: true,
        job_id: job.ID,
        namespace,
        format,
        eval_id: reg.EvalID || null,
        job_modify_index: reg.JobModifyIndex ?? null,
        warnings: warningLines(reg.Warnings),
        eval_status: check.status,
        placement_failures: check.sentences,
        blocked_eval: check.blockedEval ? short(check.blockedEval) : null,
      },
    };
  },
});
