/**
 * Scaling policies: GET /v1/scaling/policies and /v1/scaling/policy/:id (Nomad v1.9.7
 * command/agent/scaling_endpoint.go, nomad/scaling_endpoint.go). Nomad stores one policy per task
 * group `scaling` block when the job is registered (state_store.go updateJobScalingPolicies); the
 * simulator derives them from the stored jobs, with an ID stable per namespace, job and group.
 */
import { createHash } from 'node:crypto';
import { permissionDenied } from './acl.js';
import { coded, type Ctx, invalidMethod } from './http.js';
import type { Job, JsonObject } from './types.js';

interface Policy {
  ID: string;
  Type: string;
  Target: Record<string, string>;
  Policy: JsonObject;
  Min: number;
  Max: number;
  Enabled: boolean;
  CreateIndex: number;
  ModifyIndex: number;
}

function policyId(ns: string, job: string, group: string): string {
  const h = createHash('sha256').update(`${ns}\0${job}\0${group}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A group's policy as structs.ScalingPolicy (Canonicalize: Type horizontal, Target Namespace/Job/Group). */
function policiesOf(job: Job): Policy[] {
  const out: Policy[] = [];
  for (const g of job.TaskGroups) {
    const s = g.Scaling as JsonObject | null | undefined;
    if (!s) continue;
    out.push({
      ID: policyId(job.Namespace, job.ID, g.Name),
      Type: typeof s.Type === 'string' && s.Type ? s.Type : 'horizontal',
      Target: { Namespace: job.Namespace, Job: job.ID, Group: g.Name },
      Policy: (s.Policy as JsonObject | undefined) ?? {},
      // api/scaling.go Canonicalize: Min defaults to the group's count, Enabled to true
      Min: typeof s.Min === 'number' ? s.Min : g.Count,
      Max: typeof s.Max === 'number' ? s.Max : 0,
      Enabled: s.Enabled !== false,
      CreateIndex: job.CreateIndex,
      ModifyIndex: job.JobModifyIndex,
    });
  }
  return out;
}

function allPolicies(ctx: Ctx): Policy[] {
  const out: Policy[] = [];
  for (const job of ctx.state.jobs.values()) out.push(...policiesOf(job));
  // the target_prefix index: namespace, job, group
  return out.sort((a, b) => (a.Target.Namespace + '\0' + a.Target.Job + '\0' + a.Target.Group < b.Target.Namespace + '\0' + b.Target.Job + '\0' + b.Target.Group ? -1 : 1));
}

/** Scaling.ListPolicies/GetPolicy: list-scaling-policies (read-scaling-policy), or list-jobs and read-job (~45, ~107). */
function allowed(ctx: Ctx, ns: string, cap: string): boolean {
  return ctx.acl.allowNsOp(ns, cap) || (ctx.acl.allowNsOp(ns, 'list-jobs') && ctx.acl.allowNsOp(ns, 'read-job'));
}

/**
 * GET /v1/scaling/policies?job=&type= → ScalingPolicyListStub[] (ID, Type, Target, Enabled, indexes).
 * `namespace=*` lists every namespace the token may (listAllNamespaces ~140), else the request's
 * namespace, where a missing capability is 403.
 */
export function scalingPoliciesList(ctx: Ctx): unknown {
  if (ctx.method !== 'GET') throw invalidMethod();
  const ns = ctx.namespace();
  const all = ns === '*';
  if (!all && !allowed(ctx, ns, 'list-scaling-policies')) throw permissionDenied();
  const job = ctx.q('job');
  const type = ctx.q('type');
  return allPolicies(ctx)
    .filter((p) => (all ? allowed(ctx, p.Target.Namespace, 'list-scaling-policies') : p.Target.Namespace === ns))
    .filter((p) => (!job || p.Target.Job === job) && (!type || p.Type.startsWith(type)))
    .map((p) => ({ ID: p.ID, Type: p.Type, Target: p.Target, Enabled: p.Enabled, CreateIndex: p.CreateIndex, ModifyIndex: p.ModifyIndex }));
}

/**
 * GET /v1/scaling/policy/:id → ScalingPolicy; an unknown ID is 404 `policy not found`
 * (command/agent/scaling_endpoint.go scalingPolicyQuery ~78). The capability is checked in the
 * request's namespace and the policy is looked up by ID alone (nomad/scaling_endpoint.go GetPolicy ~118–132).
 */
export function scalingPolicySpecific(ctx: Ctx, id: string): unknown {
  if (ctx.method !== 'GET') throw invalidMethod();
  const ns = ctx.namespace();
  if (!allowed(ctx, ns, 'read-scaling-policy')) throw permissionDenied();
  const p = allPolicies(ctx).find((x) => x.ID === id);
  if (!p) throw coded(404, 'policy not found');
  ctx.index = p.ModifyIndex;
  return p;
}
