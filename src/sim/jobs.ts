/** The Jobs endpoints: /v1/jobs, /v1/jobs/parse and /v1/job/:id[/…]. */
import { needNs, readable } from './acl.js';
import { allocStub } from './allocations.js';
import { diffJobs } from './diff.js';
import { coded, type Ctx, invalidMethod, rpcError } from './http.js';
import {
  canonicalizeJob, checkJobTypes, isParent, jobStub, jobSummary, jobValidationErrors, jobView, multiError, requireJob, validateJob,
} from './jobmodel.js';
import { dispatchJob, forcePeriodic, planJob, revertJob, scaleJob, scaleStatus, stableJob } from './jobactions.js';
import { parseJobRequest } from './jobspec.js';
import { purgeJob, type SubmissionInput, upsertJob } from './jobstore.js';
import { listItems } from './query.js';
import { evaluateJob, newEval, scheduleEval } from './scheduler.js';
import { evalEvent } from './emit.js';
import { jobSubmission, limitSubmission, mergeWarnings, submissionFromBody } from './submissions.js';
import type { Job, JsonObject } from './types.js';

const REGISTER_ENFORCE = 'Enforcing job modify index';

/** Register/plan namespace rule: query, then body Namespace, then Job.Namespace, then default. */
export function resolveNamespace(ctx: Ctx, body: JsonObject, job: JsonObject): string {
  const q = ctx.q('namespace');
  if (q) return q;
  if (typeof body.Namespace === 'string' && body.Namespace) return body.Namespace;
  if (typeof job.Namespace === 'string' && job.Namespace) return job.Namespace;
  return 'default';
}

/** Decodes and checks the Job of a register/plan body, returning the canonical job. */
export function jobFromBody(ctx: Ctx, body: JsonObject, pathID: string, plan: boolean): Job {
  const raw = body.Job;
  if (raw === undefined || raw === null) throw coded(400, 'Job must be specified');
  checkJobTypes(raw, plan ? 'JobPlanRequest.Job' : 'JobRegisterRequest.Job');
  const apiJob = raw as JsonObject;
  if (apiJob.ID === undefined || apiJob.ID === null) throw coded(400, plan ? 'Job must have a valid ID' : "Job ID hasn't been provided");
  if (pathID && apiJob.ID !== pathID) throw coded(400, plan ? 'Job ID does not match' : 'Job ID does not match name');
  const ns = resolveNamespace(ctx, body, apiJob);
  if (typeof apiJob.Region === 'string' && apiJob.Region && apiJob.Region !== ctx.state.region) throw rpcError('No path to region');
  const job = canonicalizeJob(apiJob, ns);
  const invalid = validateJob(job);
  if (invalid) throw rpcError(invalid);
  if (!ctx.state.namespaces.has(ns)) throw rpcError(`job "${job.ID}" is in nonexistent namespace "${ns}"`);
  // Job.Register and Job.Plan check submit-job after the admission controllers (nomad/job_endpoint.go ~151, ~1844)
  needNs(ctx, ns, 'submit-job');
  return job;
}

function checkUpdateAllowed(old: Job | undefined, next: Job): void {
  if (next.Dispatched) throw rpcError("job can't be submitted with 'Dispatched' set");
  if (!old) return;
  if (old.Type !== next.Type) throw rpcError(`cannot update job from type "${old.Type}" to "${next.Type}"`);
  if (!!old.Periodic && !next.Periodic) throw rpcError('cannot update periodic job to being non-periodic');
  if (!old.Periodic && !!next.Periodic) throw rpcError('cannot update non-periodic job to being periodic');
  if (!!old.ParameterizedJob && !next.ParameterizedJob) throw rpcError('cannot update parameterized job to being non-parameterized');
  if (!old.ParameterizedJob && !!next.ParameterizedJob) throw rpcError('cannot update non-parameterized job to being parameterized');
}

export function registerResponse(ctx: Ctx, evalID: string, evalIndex: number, jobModifyIndex: number, index: number, warnings = ''): JsonObject {
  ctx.index = index;
  return {
    EvalID: evalID, EvalCreateIndex: evalIndex, JobModifyIndex: jobModifyIndex, Warnings: warnings, Index: index,
    LastContact: 0, KnownLeader: false, NextToken: '',
  };
}

export interface CommitOptions {
  /** The register request's Submission (after the size check). */
  submission?: SubmissionInput | null;
  /** The reply's Warnings text. */
  warnings?: string;
}

/** Stores a job and evaluates it, as Job.Register does. */
export function commitJob(ctx: Ctx, job: Job, trigger = 'job-register', opts: CommitOptions = {}): JsonObject {
  const state = ctx.state;
  const warnings = opts.warnings ?? '';
  const { changed, index } = upsertJob(state, job, opts.submission);
  const current = state.job(job.Namespace, job.ID)!;
  if (isParent(current)) return registerResponse(ctx, '', 0, current.JobModifyIndex, changed ? index : state.index, warnings);
  // The eval is written in the same raft apply as the job when the spec changed.
  const evalIndex = changed ? index : state.bump();
  const ev = newEval(state, current, trigger, evalIndex);
  state.evals.set(ev.ID, ev);
  state.publish([evalEvent(ev)]);
  scheduleEval(state, ev);
  return registerResponse(ctx, ev.ID, evalIndex, current.JobModifyIndex, evalIndex, warnings);
}

function register(ctx: Ctx, pathID: string): JsonObject {
  const body = ctx.json();
  const submitted = submissionFromBody(body);
  const job = jobFromBody(ctx, body, pathID, false);
  const state = ctx.state;
  const existing = state.job(job.Namespace, job.ID);
  if (body.EnforceIndex === true) {
    const jmi = typeof body.JobModifyIndex === 'number' ? body.JobModifyIndex : 0;
    if (existing && jmi === 0) throw rpcError(`${REGISTER_ENFORCE} 0: job already exists`);
    if (existing && existing.JobModifyIndex !== jmi) {
      throw rpcError(`${REGISTER_ENFORCE} ${jmi}: job exists with conflicting job modify index: ${existing.JobModifyIndex}`);
    }
    if (!existing && jmi !== 0) throw rpcError(`${REGISTER_ENFORCE} ${jmi}: job does not exist`);
  }
  checkUpdateAllowed(existing, job);
  if (body.PreserveCounts === true && existing) {
    for (const tg of job.TaskGroups) {
      const old = existing.TaskGroups.find((g) => g.Name === tg.Name);
      if (old) tg.Count = old.Count;
    }
  }
  const { submission, warning } = limitSubmission(submitted);
  return commitJob(ctx, job, 'job-register', { submission, warnings: mergeWarnings(warning ? [warning] : []) });
}

function deregister(ctx: Ctx, id: string): JsonObject {
  const ns = ctx.namespace();
  const state = ctx.state;
  const purge = ctx.bool('purge') === true;
  ctx.bool('global');
  const job = state.job(ns, id);
  const empty = { EvalID: '', EvalCreateIndex: 0, JobModifyIndex: 0, VolumeEvalID: '', VolumeEvalIndex: 0, Index: 0, LastContact: 0, KnownLeader: false, NextToken: '' };
  if (!job) {
    ctx.index = state.index;
    return empty;
  }
  let jobIndex: number;
  if (purge) jobIndex = purgeJob(state, job);
  else {
    const stopped: Job = { ...structuredClone(job), Stop: true };
    const r = upsertJob(state, stopped);
    jobIndex = r.index;
  }
  if (isParent(job)) {
    ctx.index = jobIndex;
    return { ...empty, JobModifyIndex: jobIndex, Index: jobIndex };
  }
  const ev = newEval(state, { ...job, JobModifyIndex: jobIndex }, 'job-deregister', jobIndex);
  state.evals.set(ev.ID, ev);
  state.publish([evalEvent(ev)]);
  scheduleEval(state, ev);
  ctx.index = jobIndex;
  return { ...empty, EvalID: ev.ID, EvalCreateIndex: jobIndex, JobModifyIndex: jobIndex, Index: jobIndex };
}

function forceEvaluate(ctx: Ctx, id: string): JsonObject {
  ctx.requireWrite();
  let jobID = id;
  if (ctx.body !== '') {
    const body = ctx.json();
    if (!body.JobID) throw coded(400, 'Job ID must be specified');
    if (id && body.JobID !== id) throw coded(400, 'JobID not same as job name');
    jobID = String(body.JobID);
  }
  const state = ctx.state;
  const job = state.job(ctx.namespace(), jobID);
  if (!job) throw rpcError('job not found');
  if (job.Periodic) throw rpcError("can't evaluate periodic job");
  if (job.ParameterizedJob) throw rpcError("can't evaluate parameterized job");
  const index = state.bump();
  const ev = evaluateJob(state, job, 'job-register', index);
  return registerResponse(ctx, ev.ID, index, job.JobModifyIndex, index);
}

function versions(ctx: Ctx, id: string): JsonObject {
  const list = ctx.state.versions(ctx.namespace(), id);
  if (list.length === 0) throw coded(404, 'job versions not found');
  const newest = [...list].reverse().map((j) => jobView(ctx.state, j));
  let diffs: unknown[] | null = null;
  if (ctx.bool('diffs') === true) {
    diffs = [];
    for (let i = 0; i + 1 < newest.length; i++) diffs.push(diffJobs(newest[i + 1], newest[i]));
  }
  return { Versions: newest, Diffs: diffs, Index: ctx.state.index, LastContact: 0, KnownLeader: true, NextToken: '' };
}

/** GET/PUT/POST /v1/jobs */
export function jobsRoot(ctx: Ctx): unknown {
  if (ctx.method === 'GET') {
    const withMeta = ctx.bool('meta') === true;
    // Job.List: list-jobs in the namespace, then only jobs of namespaces the token may list
    return listItems(ctx, readable(ctx, 'list-jobs', ctx.state.jobs.values(), (j) => j.Namespace), {
      namespace: (j) => j.Namespace,
      id: (j) => j.ID,
      view: (j) => jobStub(ctx.state, j, withMeta),
    });
  }
  if (ctx.isWrite()) return register(ctx, '');
  throw invalidMethod();
}

/**
 * PUT/POST /v1/validate/job: Job.Validate answers 200 with the validation errors listed, not as an
 * error status. The namespace is the job's own (ValidateJobRequest sets args.Namespace = job.Namespace).
 */
export function validateJobRequest(ctx: Ctx): unknown {
  ctx.requireWrite();
  const body = ctx.json();
  const raw = body.Job;
  if (raw === undefined || raw === null) throw coded(400, 'Job must be specified');
  checkJobTypes(raw, 'JobValidateRequest.Job');
  const apiJob = raw as JsonObject;
  const ns = typeof apiJob.Namespace === 'string' && apiJob.Namespace ? apiJob.Namespace : 'default';
  // Job.Validate: read-job in the job's own namespace (nomad/job_endpoint.go ~579)
  needNs(ctx, ns, 'read-job');
  const errors = jobValidationErrors(canonicalizeJob(apiJob, ns));
  // The handler returns the reply without setIndex.
  ctx.indexHeader = false;
  return {
    DriverConfigValidated: true,
    ValidationErrors: errors.length ? errors : null,
    Error: errors.length ? multiError(errors) : '',
    Warnings: '',
  };
}

/** PUT/POST /v1/jobs/parse */
export function jobsParse(ctx: Ctx): unknown {
  ctx.requireWrite();
  return parseJobRequest(ctx.json());
}

/** A job's sub-lists come in memdb index order: by ID. */
function byId(a: { ID: string }, b: { ID: string }): number {
  return a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0;
}

/** /v1/job/<rest>, routed by suffix like Nomad's JobSpecificRequest (job IDs may contain '/'). */
export function jobSpecific(ctx: Ctx, path: string): unknown {
  const suffix = (s: string) => (path.endsWith(s) ? path.slice(0, -s.length) : undefined);
  let id: string | undefined;
  const state = ctx.state;
  const ns = () => ctx.namespace();
  if ((id = suffix('/evaluate')) !== undefined) return forceEvaluate(ctx, id);
  if ((id = suffix('/allocations')) !== undefined) {
    ctx.requireMethod('GET');
    const job = state.job(ns(), id);
    const all = ctx.bool('all') === true;
    const allocs = state.allocsOfJob(ns(), id).filter((a) => all || !job || a.Job.CreateIndex === job.CreateIndex);
    // memdb's job index: in ID order, not by age (nomad/state/state_store.go AllocsByJob)
    return allocs.sort(byId).map(allocStub);
  }
  if ((id = suffix('/evaluations')) !== undefined) {
    ctx.requireMethod('GET');
    // EvalsByJob walks the job index: ID order (nomad/state/state_store.go), not newest first
    return state.evalsOfJob(ns(), id).sort(byId);
  }
  if ((id = suffix('/periodic/force')) !== undefined) return forcePeriodic(ctx, id);
  if ((id = suffix('/plan')) !== undefined) return planJob(ctx, id);
  if ((id = suffix('/summary')) !== undefined) {
    ctx.requireMethod('GET');
    return jobSummary(state, requireJob(state, ns(), id));
  }
  if ((id = suffix('/dispatch')) !== undefined) return dispatchJob(ctx, id);
  if ((id = suffix('/versions')) !== undefined) {
    ctx.requireMethod('GET');
    return versions(ctx, id);
  }
  if ((id = suffix('/revert')) !== undefined) return revertJob(ctx, id);
  if ((id = suffix('/deployments')) !== undefined) {
    ctx.requireMethod('GET');
    // not sorted by Nomad: memdb's job index, in practice deployment ID order (deployment_endpoint.go / state_store.go DeploymentsByJobID)
    return state.deploymentsOfJob(ns(), id).sort(byId);
  }
  if ((id = suffix('/deployment')) !== undefined) {
    ctx.requireMethod('GET');
    return state.latestDeployment(ns(), id) ?? null;
  }
  if ((id = suffix('/stable')) !== undefined) return stableJob(ctx, id);
  if ((id = suffix('/scale')) !== undefined) {
    if (ctx.method === 'GET') return scaleStatus(ctx, id);
    return scaleJob(ctx, id);
  }
  if ((id = suffix('/services')) !== undefined) {
    ctx.requireMethod('GET');
    return [];
  }
  if ((id = suffix('/submission')) !== undefined) return jobSubmission(ctx, id);
  switch (ctx.method) {
    case 'GET':
      return jobView(state, requireJob(state, ns(), path));
    case 'PUT':
    case 'POST':
      return register(ctx, path);
    case 'DELETE':
      return deregister(ctx, path);
    default:
      throw invalidMethod();
  }
}
