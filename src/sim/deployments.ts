/** Deployment endpoints: list, read, allocations, promote, fail, pause. */
import { readable } from './acl.js';
import { allocStub } from './allocations.js';
import { deploymentEvent } from './emit.js';
import { coded, type Ctx, rpcError } from './http.js';
import { nowNanos } from './ids.js';
import { isTerminalAlloc } from './jobmodel.js';
import { upsertJob } from './jobstore.js';
import { listItems } from './query.js';
import { evaluateJob, progressDeployment, promoteDeployment } from './scheduler.js';
import type { Deployment, JsonObject } from './types.js';

function terminal(d: Deployment): boolean {
  return !['running', 'paused', 'pending', 'blocked', 'unblocking'].includes(d.Status);
}

export function deploymentsList(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  // Deployment.List: read-job in the namespace, then only readable namespaces (nomad/deployment_endpoint.go ~457)
  return listItems(ctx, readable(ctx, 'read-job', ctx.state.deployments.values(), (d) => d.Namespace), { namespace: (d) => d.Namespace, id: (d) => d.ID, createIndex: (d) => d.CreateIndex, view: (d) => d });
}

function updateResponse(ctx: Ctx, d: Deployment, evalID: string, evalIndex: number, index: number, reverted: number | null = null): JsonObject {
  ctx.index = index;
  return {
    EvalID: evalID, EvalCreateIndex: evalIndex, DeploymentModifyIndex: d.ModifyIndex, RevertedJobVersion: reverted, Index: index,
  };
}

/** Body of pause/promote: DeploymentID required and equal to the path's. */
function bodyFor(ctx: Ctx, id: string): JsonObject {
  ctx.requireWrite();
  const body = ctx.json();
  if (!body.DeploymentID) throw coded(400, 'DeploymentID must be specified');
  if (body.DeploymentID !== id) throw coded(400, 'Deployment ID does not match');
  return body;
}

function find(ctx: Ctx, id: string): Deployment {
  const d = ctx.state.deployments.get(id);
  if (!d) throw rpcError('deployment not found');
  return d;
}

function fail(ctx: Ctx, id: string): JsonObject {
  ctx.requireWrite();
  const d = find(ctx, id);
  if (terminal(d)) throw rpcError("can't fail terminal deployment");
  const state = ctx.state;
  const index = state.bump();
  d.Status = 'failed';
  d.StatusDescription = 'Deployment marked as failed';
  d.ModifyIndex = index;
  d.ModifyTime = nowNanos();
  let reverted: number | null = null;
  const job = state.job(d.Namespace, d.JobID);
  if (job && Object.values(d.TaskGroups).some((g) => g.AutoRevert)) {
    const stable = state.versions(d.Namespace, d.JobID).filter((v) => v.Stable && v.Version < d.JobVersion).pop();
    if (stable) {
      reverted = stable.Version;
      d.StatusDescription += ` - rolling back to job version ${stable.Version}`;
    }
  }
  state.publish([deploymentEvent('DeploymentStatusUpdate', d)]);
  let evalID = '';
  if (job) {
    if (reverted !== null) {
      const old = state.versions(d.Namespace, d.JobID).find((v) => v.Version === reverted)!;
      upsertJob(state, structuredClone(old));
    }
    const current = state.job(d.Namespace, d.JobID)!;
    const ev = evaluateJob(state, current, 'deployment-watcher', index);
    evalID = ev.ID;
  }
  return updateResponse(ctx, d, evalID, index, index, reverted);
}

function pause(ctx: Ctx, id: string): JsonObject {
  const body = bodyFor(ctx, id);
  const d = find(ctx, id);
  const wantPause = body.Pause === true;
  if (terminal(d)) throw rpcError(wantPause ? "can't pause terminal deployment" : "can't resume terminal deployment");
  const state = ctx.state;
  const index = state.bump();
  d.Status = wantPause ? 'paused' : 'running';
  d.StatusDescription = wantPause ? 'Deployment is paused' : 'Deployment is running';
  d.ModifyIndex = index;
  d.ModifyTime = nowNanos();
  state.publish([deploymentEvent('DeploymentStatusUpdate', d)]);
  if (!wantPause) state.later(state.deploymentMs, () => progressDeployment(state, id));
  return updateResponse(ctx, d, '', 0, index);
}

function promote(ctx: Ctx, id: string): JsonObject {
  const body = bodyFor(ctx, id);
  const d = find(ctx, id);
  if (terminal(d)) throw rpcError("can't promote terminal deployment");
  const all = body.All === true;
  const groups = Array.isArray(body.Groups) ? (body.Groups as string[]) : [];
  const state = ctx.state;
  const errors: string[] = [];
  for (const [name, g] of Object.entries(d.TaskGroups)) {
    if (!all && !groups.includes(name)) continue;
    if (g.DesiredCanaries === 0) continue;
    const healthy = (g.PlacedCanaries ?? []).filter((aid) => {
      const a = state.allocs.get(aid);
      return a && !isTerminalAlloc(a) && a.DeploymentStatus?.Healthy === true;
    }).length;
    if (healthy < g.DesiredCanaries) errors.push(`Task group "${name}" has ${healthy}/${g.DesiredCanaries} healthy allocations`);
  }
  if (errors.length) {
    throw rpcError(errors.length === 1 ? `1 error occurred:\n\t* ${errors[0]}\n\n` : `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`);
  }
  if (!Object.values(d.TaskGroups).some((g) => g.DesiredCanaries > 0)) throw rpcError('no canaries to promote');
  const ev = promoteDeployment(state, d, all ? null : groups);
  return updateResponse(ctx, d, ev?.ID ?? '', ev?.CreateIndex ?? 0, state.index);
}

/**
 * PUT/POST /v1/deployment/unblock/:id (command/agent/deployment_endpoint.go deploymentUnblock ~129):
 * DeploymentID in the body, equal to the path's (400); Deployment.Unblock (nomad/deployment_endpoint.go
 * ~296) answers 500 `deployment not found`, `can't unblock terminal deployment` (structs/errors.go ~45),
 * and otherwise calls the deployment watcher, which on Nomad OSS does nothing and returns no error
 * (nomad/deploymentwatcher/multiregion_ce.go UnblockDeployment: "In single-region deployments, the
 * blocked state is unused"): 200 with a zero DeploymentUpdateResponse, Index 0.
 */
function unblock(ctx: Ctx, id: string): JsonObject {
  bodyFor(ctx, id);
  const d = find(ctx, id);
  if (terminal(d)) throw rpcError("can't unblock terminal deployment");
  ctx.index = 0;
  return { EvalID: '', EvalCreateIndex: 0, DeploymentModifyIndex: 0, RevertedJobVersion: null, Index: 0 };
}

/**
 * PUT/POST /v1/deployment/allocation-health/:id (deploymentSetAllocHealth ~154; Deployment.SetAllocHealth
 * nomad/deployment_endpoint.go ~405): 500 `must specify at least one healthy/unhealthy allocation ID`,
 * `deployment not found`, `can't set health of allocations for a terminal deployment`; then the state
 * store (nomad/state/state_store.go UpdateDeploymentAllocHealth ~5154) refuses `unknown alloc "x"` and
 * `alloc "x" is not part of deployment "d"`. Unhealthy allocations fail the deployment with
 * "Failed due to unhealthy allocations" (deploymentwatcher/deployment_watcher.go SetAllocHealth ~170,
 * rolling back when the group auto-reverts); the watcher's evaluation is in the answer.
 */
function setAllocHealth(ctx: Ctx, id: string): JsonObject {
  const body = bodyFor(ctx, id);
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const healthy = strings(body.HealthyAllocationIDs);
  const unhealthy = strings(body.UnhealthyAllocationIDs);
  if (healthy.length + unhealthy.length === 0) throw rpcError('must specify at least one healthy/unhealthy allocation ID');
  const d = find(ctx, id);
  if (terminal(d)) throw rpcError("can't set health of allocations for a terminal deployment");
  const state = ctx.state;
  for (const aid of [...healthy, ...unhealthy]) {
    const a = state.allocs.get(aid);
    if (!a) throw rpcError(`unknown alloc "${aid}"`);
    if (a.DeploymentID !== id) throw rpcError(`alloc "${aid}" is not part of deployment "${id}"`);
  }
  const index = state.bump();
  const now = new Date().toISOString();
  const mark = (aid: string, ok: boolean) => {
    const a = state.allocs.get(aid)!;
    a.DeploymentStatus = { Healthy: ok, Timestamp: now, Canary: a.DeploymentStatus?.Canary ?? false, ModifyIndex: index };
    a.ModifyIndex = index;
  };
  healthy.forEach((aid) => mark(aid, true));
  unhealthy.forEach((aid) => mark(aid, false));
  let reverted: number | null = null;
  if (unhealthy.length) {
    d.Status = 'failed';
    d.StatusDescription = 'Failed due to unhealthy allocations';
    const groups = new Set(unhealthy.map((aid) => state.allocs.get(aid)!.TaskGroup));
    if ([...groups].some((g) => d.TaskGroups[g]?.AutoRevert)) {
      const stable = state.versions(d.Namespace, d.JobID).filter((v) => v.Stable && v.Version < d.JobVersion).pop();
      if (stable) {
        reverted = stable.Version;
        d.StatusDescription += ` - rolling back to job version ${stable.Version}`;
        upsertJob(state, structuredClone(stable));
      }
    }
  }
  d.ModifyIndex = index;
  d.ModifyTime = nowNanos();
  state.publish([deploymentEvent('DeploymentStatusUpdate', d)]);
  const job = state.job(d.Namespace, d.JobID);
  const ev = job ? evaluateJob(state, job, 'deployment-watcher', index) : undefined;
  return updateResponse(ctx, d, ev?.ID ?? '', index, index, reverted);
}

/** /v1/deployment/<id> and /v1/deployment/<action>/<id> */
export function deploymentSpecific(ctx: Ctx, rest: string): unknown {
  const action = /^(allocations|fail|pause|promote|allocation-health|unblock)\/(.*)$/.exec(rest);
  if (action) {
    const [, verb, id] = action;
    switch (verb) {
      case 'allocations':
        ctx.requireMethod('GET');
        return [...ctx.state.allocs.values()].filter((a) => a.DeploymentID === id).map(allocStub);
      case 'fail':
        return fail(ctx, id);
      case 'pause':
        return pause(ctx, id);
      case 'promote':
        return promote(ctx, id);
      case 'unblock':
        return unblock(ctx, id);
      default:
        return setAllocHealth(ctx, id);
    }
  }
  ctx.requireMethod('GET');
  const d = ctx.state.deployments.get(rest);
  if (!d) throw coded(404, 'deployment not found');
  return d;
}
