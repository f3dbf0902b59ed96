/** Job actions: plan, scale, dispatch, periodic force, revert, stable. */
import { diffJobs } from './diff.js';
import { coded, type Ctx, rpcError } from './http.js';
import { isTerminalAlloc, specChanged } from './jobmodel.js';
import { commitJob, jobFromBody, registerResponse } from './jobs.js';
import { computePlan } from './scheduler.js';
import { jobKey } from './state.js';
import { ZERO_TIME, nowNanos } from './ids.js';
import type { Job, JsonObject, ScalingEvent } from './types.js';

function goList(items: string[]): string {
  return `[${items.join(' ')}]`;
}

/** PUT/POST /v1/job/:id/plan */
export function planJob(ctx: Ctx, id: string): JsonObject {
  ctx.requireWrite();
  const body = ctx.json();
  const job = jobFromBody(ctx, body, id, true);
  const state = ctx.state;
  const existing = state.job(job.Namespace, job.ID);
  const changed = !existing || specChanged(existing, job);
  const candidate: Job = {
    ...job,
    Version: existing ? (changed ? existing.Version + 1 : existing.Version) : 0,
    JobModifyIndex: existing && !changed ? existing.JobModifyIndex : state.index + 1,
    CreateIndex: existing?.CreateIndex ?? state.index + 1,
  };
  const plan = computePlan(state, candidate, candidate.ID, candidate.Namespace);
  ctx.index = state.index;
  return {
    Annotations: { DesiredTGUpdates: plan.updates, PreemptedAllocs: null },
    FailedTGAllocs: Object.keys(plan.failed).length ? plan.failed : null,
    JobModifyIndex: existing?.JobModifyIndex ?? 0,
    CreatedEvals: null,
    Diff: body.Diff === true ? diffJobs(existing, candidate, plan.updates) : null,
    NextPeriodicLaunch: ZERO_TIME,
    Warnings: '',
    Index: state.index,
  };
}

/** GET /v1/job/:id/scale */
export function scaleStatus(ctx: Ctx, id: string): JsonObject {
  const state = ctx.state;
  const job = state.job(ctx.namespace(), id);
  if (!job) throw coded(404, `job "${id}" not found`);
  const events = state.scalingEvents.get(jobKey(job.Namespace, job.ID)) ?? {};
  const groups: Record<string, unknown> = {};
  for (const tg of job.TaskGroups) {
    const allocs = state.allocsOfJob(job.Namespace, job.ID).filter((a) => a.TaskGroup === tg.Name && !isTerminalAlloc(a));
    groups[tg.Name] = {
      Desired: tg.Count,
      Placed: allocs.length,
      Running: allocs.filter((a) => a.ClientStatus === 'running').length,
      Healthy: allocs.filter((a) => a.DeploymentStatus?.Healthy === true).length,
      Unhealthy: allocs.filter((a) => a.DeploymentStatus?.Healthy === false).length,
      Events: events[tg.Name] ? [...events[tg.Name]].reverse() : null,
    };
  }
  return { JobID: job.ID, Namespace: job.Namespace, JobCreateIndex: job.CreateIndex, JobModifyIndex: job.JobModifyIndex, JobStopped: job.Stop, TaskGroups: groups };
}

/** PUT/POST /v1/job/:id/scale */
export function scaleJob(ctx: Ctx, id: string): JsonObject {
  ctx.requireWrite();
  const body = ctx.json();
  const target = (body.Target && typeof body.Target === 'object' ? body.Target : {}) as Record<string, string>;
  if (target.Job && target.Job !== id) throw coded(400, 'job ID in payload did not match URL');
  const ns = ctx.namespace();
  if (target.Namespace && target.Namespace !== ns) throw coded(400, 'namespace in payload did not match header');
  const group = target.Group ?? '';
  if (!group) throw coded(400, 'missing task group name for scaling action');
  const count = typeof body.Count === 'number' ? body.Count : null;
  if (count !== null && count < 0) throw coded(400, "scaling action count can't be negative");
  if (count !== null && body.Error === true) throw coded(400, 'scaling action should not contain count if error is true');
  const state = ctx.state;
  const job = state.job(ns, id);
  if (!job) throw coded(404, `job "${id}" not found`);
  if (job.Type === 'system' && count !== null && count > 1) throw coded(400, 'jobs of type "system" can only be scaled between 0 and 1');
  const tg = job.TaskGroups.find((g) => g.Name === group);
  if (!tg) throw coded(400, `task group "${group}" specified for scaling does not exist in job`);
  const event: ScalingEvent = {
    Time: nowNanos(), Count: count, PreviousCount: tg.Count, Message: String(body.Message ?? ''), Error: body.Error === true,
    Meta: (body.Meta as JsonObject) ?? null, EvalID: null, CreateIndex: 0,
  };
  let reply: JsonObject;
  if (count !== null) {
    const scaling = tg.Scaling as { Min?: number; Max?: number } | null;
    if (scaling && typeof scaling.Min === 'number' && count < scaling.Min) {
      throw coded(400, `group count was less than scaling policy minimum: ${count} < ${scaling.Min}`);
    }
    if (scaling && typeof scaling.Max === 'number' && scaling.Max < count) {
      throw coded(400, `group count was greater than scaling policy maximum: ${count} > ${scaling.Max}`);
    }
    const d = state.latestDeployment(job.Namespace, job.ID);
    if (d && (d.Status === 'running' || d.Status === 'paused') && d.JobCreateIndex === job.CreateIndex) {
      throw coded(400, 'job scaling blocked due to active deployment');
    }
    if (typeof body.JobModifyIndex === 'number' && body.JobModifyIndex > 0 && body.JobModifyIndex !== job.JobModifyIndex) {
      throw rpcError(`Enforcing job modify index ${body.JobModifyIndex}: job exists with conflicting job modify index: ${job.JobModifyIndex}`);
    }
    const next = structuredClone(job);
    next.TaskGroups.find((g) => g.Name === group)!.Count = count;
    reply = commitJob(ctx, next, 'job-scaling');
    event.EvalID = (reply.EvalID as string) || null;
  } else {
    reply = registerResponse(ctx, '', 0, job.ModifyIndex, state.index);
  }
  const index = state.bump();
  event.CreateIndex = index;
  const key = jobKey(job.Namespace, job.ID);
  const all = state.scalingEvents.get(key) ?? {};
  (all[group] ??= []).push(event);
  state.scalingEvents.set(key, all);
  ctx.index = index;
  return { ...reply, Index: index };
}

/** PUT/POST /v1/job/:id/dispatch */
export function dispatchJob(ctx: Ctx, id: string): JsonObject {
  ctx.requireWrite();
  const body = ctx.json();
  if (body.JobID && body.JobID !== id) throw coded(400, 'Job ID does not match');
  const state = ctx.state;
  const parent = state.job(ctx.namespace(), id);
  if (!parent) throw rpcError('parameterized job not found');
  if (!parent.ParameterizedJob || parent.Dispatched) throw rpcError(`Specified job "${id}" is not a parameterized job`);
  if (parent.Stop) throw rpcError(`Specified job "${id}" is stopped`);
  const payload = typeof body.Payload === 'string' ? body.Payload : '';
  const mode = parent.ParameterizedJob.Payload;
  if (mode === 'required' && !payload) throw rpcError('Payload is not provided but required by parameterized job');
  if (mode === 'forbidden' && payload) throw rpcError('Payload provided but forbidden by parameterized job');
  const meta = (body.Meta && typeof body.Meta === 'object' ? body.Meta : {}) as Record<string, string>;
  const required = parent.ParameterizedJob.MetaRequired ?? [];
  const optional = parent.ParameterizedJob.MetaOptional ?? [];
  const unpermitted = Object.keys(meta).filter((k) => !required.includes(k) && !optional.includes(k)).sort();
  if (unpermitted.length) throw rpcError(`Dispatch request included unpermitted metadata keys: ${goList(unpermitted)}`);
  const missing = required.filter((k) => !(k in meta)).sort();
  if (missing.length) throw rpcError(`Dispatch did not provide required meta keys: ${goList(missing)}`);
  const child: Job = structuredClone(parent);
  child.ID = `${parent.ID}/dispatch-${Math.floor(Date.now() / 1000)}-${state.ids.hex(8)}`;
  child.Name = child.ID;
  child.ParentID = parent.ID;
  child.Dispatched = true;
  child.Payload = payload || null;
  child.Meta = { ...(parent.Meta ?? {}), ...meta };
  child.Status = 'pending';
  const reply = commitJob(ctx, child);
  const created = state.job(child.Namespace, child.ID)!;
  // nomad/structs/structs.go JobDispatchResponse embeds WriteMeta (Index), not QueryMeta
  return {
    Index: reply.Index, JobCreateIndex: created.CreateIndex, EvalID: reply.EvalID, EvalCreateIndex: reply.EvalCreateIndex,
    DispatchedJobID: child.ID,
  };
}

/** PUT/POST /v1/job/:id/periodic/force */
export function forcePeriodic(ctx: Ctx, id: string): JsonObject {
  ctx.requireWrite();
  const state = ctx.state;
  const parent = state.job(ctx.namespace(), id);
  if (!parent) throw rpcError('job not found');
  if (!parent.Periodic || !parent.Periodic.Enabled) throw rpcError("can't force launch non-periodic job");
  const child: Job = structuredClone(parent);
  child.ID = `${parent.ID}/periodic-${Math.floor(Date.now() / 1000)}`;
  while (state.job(child.Namespace, child.ID)) child.ID += '0';
  child.Name = child.ID;
  child.ParentID = parent.ID;
  child.Periodic = null;
  const reply = commitJob(ctx, child);
  // nomad/structs/structs.go PeriodicForceResponse: EvalID, EvalCreateIndex and WriteMeta (Index)
  return { EvalID: reply.EvalID, EvalCreateIndex: reply.EvalCreateIndex, Index: reply.Index };
}

function versionRequest(ctx: Ctx, id: string): { body: JsonObject; job: Job; version: number } {
  ctx.requireWrite();
  const body = ctx.json();
  if (!body.JobID) throw coded(400, 'JobID must be specified');
  if (body.JobID !== id) throw coded(400, 'Job ID does not match');
  const ns = ctx.namespace();
  const job = ctx.state.job(ns, id);
  if (!job) throw rpcError(`job "${id}" not found`);
  const version = typeof body.JobVersion === 'number' ? body.JobVersion : 0;
  return { body, job, version };
}

/** PUT/POST /v1/job/:id/revert */
export function revertJob(ctx: Ctx, id: string): JsonObject {
  const { body, job, version } = versionRequest(ctx, id);
  if (version === job.Version) throw rpcError("can't revert to current version");
  const old = ctx.state.versions(job.Namespace, id).find((v) => v.Version === version);
  if (!old) throw rpcError(`job "${id}" in namespace "${job.Namespace}" at version ${version} not found`);
  if (typeof body.EnforcePriorVersion === 'number' && body.EnforcePriorVersion !== job.Version) {
    throw rpcError(`Current job has version ${job.Version}; enforcing version ${body.EnforcePriorVersion}`);
  }
  const next = structuredClone(old);
  return commitJob(ctx, next);
}

/** PUT/POST /v1/job/:id/stable */
export function stableJob(ctx: Ctx, id: string): JsonObject {
  const { body, job, version } = versionRequest(ctx, id);
  const target = ctx.state.versions(job.Namespace, id).find((v) => v.Version === version);
  if (!target) throw rpcError(`job "${id}" in namespace "${job.Namespace}" at version ${version} not found`);
  const index = ctx.state.bump();
  target.Stable = body.Stable === true;
  ctx.index = index;
  return { Index: index };
}

