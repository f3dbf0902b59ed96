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
        ctx.requireWrite();
        throw rpcError(terminal(find(ctx, id)) ? "can't unblock terminal deployment" : "can't unblock running deployment");
      default: {
        ctx.requireWrite();
        const body = ctx.json();
        find(ctx, id);
        const healthy = Array.isArray(body.HealthyAllocationIDs) ? body.HealthyAllocationIDs : [];
        const unhealthy = Array.isArray(body.UnhealthyAllocationIDs) ? body.UnhealthyAllocationIDs : [];
        if (healthy.length + unhealthy.length === 0) throw rpcError('must specify at least one healthy/unhealthy allocation ID');
        const d = find(ctx, id);
        const index = ctx.state.bump();
        for (const aid of healthy as string[]) {
          const a = ctx.state.allocs.get(aid);
          if (a) a.DeploymentStatus = { Healthy: true, Timestamp: new Date().toISOString(), Canary: a.DeploymentStatus?.Canary ?? false, ModifyIndex: index };
        }
        for (const aid of unhealthy as string[]) {
          const a = ctx.state.allocs.get(aid);
          if (a) a.DeploymentStatus = { Healthy: false, Timestamp: new Date().toISOString(), Canary: a.DeploymentStatus?.Canary ?? false, ModifyIndex: index };
        }
        return updateResponse(ctx, d, '', 0, index);
      }
    }
  }
  ctx.requireMethod('GET');
  const d = ctx.state.deployments.get(rest);
  if (!d) throw coded(404, 'deployment not found');
  return d;
}
