/**
 * Registering a job (create_job, submit_job_file, start_job): namespace choice, the PUT /v1/jobs call,
 * and a look at the evaluation it created so placement failures are reported at once.
 */
import type { ToolContext } from '../../host/plugin.js';
import { ToolError } from '../../host/errors.js';
import { nomadPath } from '../../host/template.js';
import { type Evaluation, type Job, type RegisterResponse, short } from './nomad.js';
import { hasPlacementFailures, placementSentences } from './placement.js';

/** A Job object given bare or wrapped as `{Job: {...}}` (the `nomad job run -output` form). */
export function unwrapJob(input: unknown, what = 'The job'): Job {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new ToolError(`${what} must be a JSON object (a Nomad Job, bare or as {"Job": {...}}).`, 'caller');
  }
  let job = input as Record<string, unknown>;
  if (job.Job && typeof job.Job === 'object' && !Array.isArray(job.Job) && job.ID === undefined) job = job.Job as Record<string, unknown>;
  if (typeof job.ID !== 'string' || job.ID.trim() === '') {
    const hint = typeof job.id === 'string' || typeof job.Name === 'string' ? ' (Nomad JSON field names are capitalised: "ID", "Name", "TaskGroups")' : '';
    throw new ToolError(`${what} has no ID: set "ID" (a string) in the Job object${hint}.`, 'caller');
  }
  return job as Job;
}

/**
 * The namespace to register (or plan) in: the call's namespace when the caller gave a `namespace`
 * argument, else the spec's own Namespace (when it declares one), else the call's namespace. Nomad
 * reads the query parameter first, and `ctx.nomad` always sends one, so the choice is passed explicitly.
 * `explicit` is `args.namespace !== undefined` (the host passes the argument only when the caller gave it).
 */
export function chooseNamespace(ctx: ToolContext, specNamespace: unknown, explicit: boolean): string {
  const spec = typeof specNamespace === 'string' && specNamespace.trim() ? specNamespace.trim() : undefined;
  const ns = explicit ? ctx.namespace : (spec ?? ctx.namespace);
  const allowed = ctx.config.allowedNamespaces;
  if (allowed.length && !allowed.includes(ns)) {
    throw new ToolError(`Namespace "${ns}" is not allowed on this server (allowed: ${allowed.join(', ')}); nothing was registered.`, 'caller');
  }
  return ns;
}

/** PUT /v1/jobs with the namespace passed explicitly. */
export async function registerJob(ctx: ToolContext, job: Job, namespace: string, extra: Record<string, unknown> = {}): Promise<RegisterResponse> {
  const res = await ctx.nomad.put<RegisterResponse>('/v1/jobs', { Job: { ...job, Namespace: namespace }, ...extra }, { query: { namespace }, signal: ctx.signal });
  return res.data ?? {};
}

export interface EvalCheck {
  status: string | null;
  sentences: string[];
  blockedEval: string | null;
  /** One or more lines for the answer ('' when there is nothing to say). */
  text: string;
}

/**
 * Reads the evaluation a registration created, waiting briefly (a blocking query) for the scheduler
 * to process it, and describes placement failures. Never throws: a failed look-up becomes a note.
 */
export async function checkEvaluation(ctx: ToolContext, evalId: string | undefined, namespace: string, createIndex?: number): Promise<EvalCheck> {
  const none: EvalCheck = { status: null, sentences: [], blockedEval: null, text: '' };
  if (!evalId) return none;
  let ev: Evaluation;
  try {
    const query: Record<string, string | number> = { namespace };
    if (createIndex) {
      query.index = createIndex;
      query.wait = '2000ms';
    }
    ev = (await ctx.nomad.get<Evaluation>(nomadPath`/v1/evaluation/${evalId}`, { query, signal: ctx.signal })).data;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return { ...none, text: `(could not read evaluation ${short(evalId)}: ${(err as Error).message})` };
  }
  const sentences = hasPlacementFailures(ev) ? placementSentences(ev.FailedTGAllocs, ev.QueuedAllocations) : [];
  const lines: string[] = [];
  if (sentences.length) {
    lines.push(`placement failed (evaluation ${short(ev.ID)} ${ev.Status ?? '?'}):`);
    lines.push(...sentences.map((s) => `  ${s}`));
  }
  if (ev.BlockedEval) {
    lines.push(`Nomad keeps blocked evaluation ${short(ev.BlockedEval)} and places the rest once nodes or capacity allow; force_evaluate_job retries now.`);
  }
  if (ev.Status === 'failed') lines.push(`evaluation ${short(ev.ID)} failed: ${ev.StatusDescription || 'no description'}`);
  if (!sentences.length && (ev.Status === 'pending' || ev.Status === 'blocked')) {
    lines.push(`evaluation ${short(ev.ID)} is still ${ev.Status}; get_job_status shows the outcome shortly.`);
  }
  return { status: ev.Status ?? null, sentences, blockedEval: ev.BlockedEval || null, text: lines.join('\n') };
}

/** Nomad's Warnings string as a list of lines. */
export function warningLines(w: string | undefined | null): string[] {
  return (w ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^\d+ warnings? occurred:?$/i.test(l))
    .map((l) => l.replace(/^\*\s*/, ''));
}

/** The message of a Nomad error without the "Nomad 400: " prefix and "(PUT /path)" suffix. */
export function nomadMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/^Nomad \d{3}: /, '').replace(/ \((?:GET|PUT|POST|DELETE) [^)]*\)$/, '');
}

/** The answer lines shared by create_job and submit_job_file after a registration. */
export function registeredLines(jobId: string, namespace: string, reg: RegisterResponse, check: EvalCheck): string[] {
  const lines = [
    `Job ${jobId} registered in namespace ${namespace}: ${reg.EvalID ? `evaluation ${short(reg.EvalID)} (${reg.EvalID})` : 'no evaluation (periodic or parameterized jobs run on schedule or dispatch)'}, JobModifyIndex ${reg.JobModifyIndex ?? '?'}.`,
  ];
  const warnings = warningLines(reg.Warnings);
  if (warnings.length) lines.push(`warnings: ${warnings.join('; ')}`);
  if (check.text) lines.push(check.text);
  else if (reg.EvalID) lines.push(`No placement failures${check.status ? ` (evaluation ${check.status})` : ''}. Follow with get_job_status.`);
  return lines;
}

/** The structured answer of a registration (create_job, submit_job_file). */
export function registeredStructured(jobId: string, namespace: string, reg: RegisterResponse, check: EvalCheck): Record<string, unknown> {
  return {
    job_id: jobId,
    namespace,
    eval_id: reg.EvalID || null,
    job_modify_index: reg.JobModifyIndex ?? null,
    warnings: warningLines(reg.Warnings),
    eval_status: check.status,
    placement_failures: check.sentences,
    blocked_eval: check.blockedEval,
  };
}
