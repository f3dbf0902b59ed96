/**
 * The capability each route checks before its handler runs, as the Nomad RPC behind it does
 * (v1.9.7; the function is named beside each check). Checks that depend on the request body
 * (register, plan, validate, variables) or filter a list live in the handlers, through ctx.acl;
 * this file covers the checks known from the method, the path and the object the path names.
 * An object that does not exist is left to the handler, which answers Nomad's not-found.
 */
import { needNs, permissionDenied } from './acl.js';
import { coded, type Ctx, rpcError } from './http.js';

export type Authz = (ctx: Ctx, rest: string) => void;

const READ_JOB = 'read-job';
const SUBMIT_JOB = 'submit-job';

function needNodeRead(ctx: Ctx): void {
  if (!ctx.acl.allowNodeRead()) throw permissionDenied();
}

function needNodeWrite(ctx: Ctx): void {
  if (!ctx.acl.allowNodeWrite()) throw permissionDenied();
}

/** /v1/job/<id>[/<action>] (nomad/job_endpoint.go, periodic_endpoint.go, scaling). */
export const jobAuthz: Authz = (ctx, path) => {
  const ns = ctx.namespace();
  const has = (s: string) => path.endsWith(s);
  if (has('/plan')) return; // Job.Plan checks submit-job in the body's namespace, after validation (jobFromBody)
  if (has('/evaluate')) return needNs(ctx, ns, SUBMIT_JOB); // Job.Evaluate
  if (has('/periodic/force')) return needNs(ctx, ns, 'dispatch-job', SUBMIT_JOB); // Periodic.Force
  if (has('/dispatch')) return needNs(ctx, ns, 'dispatch-job'); // Job.Dispatch
  if (has('/revert') || has('/stable')) return needNs(ctx, ns, SUBMIT_JOB); // Job.Revert, Job.Stable
  if (has('/scale')) {
    // Job.ScaleStatus: read-job or read-job-scaling; Job.Scale: scale-job or submit-job
    if (ctx.method === 'GET') return needNs(ctx, ns, READ_JOB, 'read-job-scaling');
    return needNs(ctx, ns, 'scale-job', SUBMIT_JOB);
  }
  // Job.Allocations, Evaluations, Deployments, LatestDeployment, Summary, GetJobVersions,
  // GetServiceRegistrations, GetJobSubmission, GetJob: read-job.
  if (ctx.method === 'GET') return needNs(ctx, ns, READ_JOB);
  if (ctx.method === 'DELETE') return needNs(ctx, ns, SUBMIT_JOB); // Job.Deregister
  // PUT/POST /v1/job/<id>: Job.Register checks submit-job in the job's namespace (jobFromBody).
};

/**
 * /v1/allocation/<id>[/stop|/services|/checks]. Alloc.GetAlloc hides an allocation the token
 * cannot read behind an uncoded `Unknown allocation "<id>"`, which the HTTP layer answers with 500
 * (nomad/alloc_endpoint.go ~179); Alloc.Stop wants alloc-lifecycle in the allocation's namespace.
 */
export const allocationAuthz: Authz = (ctx, rest) => {
  const [id, action] = rest.split('/');
  const a = ctx.state.allocs.get(id);
  if (action === 'services') return needNs(ctx, ctx.namespace(), READ_JOB); // Alloc.GetServiceRegistrations
  if (!a) return;
  if (action === 'stop') return needNs(ctx, a.Namespace, 'alloc-lifecycle');
  if (action === 'checks') return needNs(ctx, a.Namespace, READ_JOB); // ClientAllocations.Checks
  if (action === undefined && !ctx.acl.allowNsAny(a.Namespace, [READ_JOB])) throw rpcError(`Unknown allocation "${id}"`);
};

/**
 * /v1/client/allocation/<id>/<action> (client/alloc_endpoint.go, nomad/client_alloc_endpoint.go):
 * restart and signal want alloc-lifecycle, stats and checks read-job, gc and pause submit-job,
 * exec alloc-exec; all in the allocation's namespace.
 */
export const clientAllocationAuthz: Authz = (ctx, rest) => {
  const [id, action] = rest.split('/');
  const a = ctx.state.allocs.get(id);
  if (!a) return;
  const cap: Record<string, string> = {
    restart: 'alloc-lifecycle', signal: 'alloc-lifecycle', stats: READ_JOB, checks: READ_JOB, gc: SUBMIT_JOB, pause: SUBMIT_JOB, exec: 'alloc-exec',
  };
  if (cap[action]) needNs(ctx, a.Namespace, cap[action]);
};

/**
 * /v1/evaluation/<id>[/allocations] (nomad/eval_endpoint.go GetEval, Allocations): read-job in the
 * request's namespace, then in the evaluation's.
 */
export const evaluationAuthz: Authz = (ctx, rest) => {
  needNs(ctx, ctx.namespace(), READ_JOB);
  const id = rest.endsWith('/allocations') ? rest.slice(0, -'/allocations'.length) : rest;
  const ev = ctx.state.evals.get(id);
  if (ev && ev.Namespace !== ctx.namespace()) needNs(ctx, ev.Namespace, READ_JOB);
};

/**
 * /v1/deployment/<id> and /v1/deployment/<action>/<id> (nomad/deployment_endpoint.go): reads want
 * read-job in the request's namespace, and GetDeployment hides a deployment of another namespace the
 * token cannot read (404); fail, pause, promote, unblock and allocation-health want submit-job in the
 * deployment's namespace.
 */
export const deploymentAuthz: Authz = (ctx, rest) => {
  const m = /^(allocations|fail|pause|promote|allocation-health|unblock|cancel)\/(.*)$/.exec(rest);
  const id = m ? m[2] : rest;
  const d = ctx.state.deployments.get(id);
  if (!m || m[1] === 'allocations') {
    needNs(ctx, ctx.namespace(), READ_JOB);
    if (d && d.Namespace !== ctx.namespace() && !ctx.acl.allowNsAny(d.Namespace, [READ_JOB])) {
      if (!m) throw coded(404, 'deployment not found');
      throw permissionDenied();
    }
    return;
  }
  if (d) needNs(ctx, d.Namespace, SUBMIT_JOB);
};

/** /v1/nodes (Node.List): node:read. */
export const nodesAuthz: Authz = (ctx) => needNodeRead(ctx);

/**
 * /v1/node/<id>[/<action>] (nomad/node_endpoint.go): GetNode and GetAllocs want node:read (the
 * allocations are then filtered by read-job); UpdateDrain, UpdateEligibility, Evaluate and
 * Deregister (purge) want node:write.
 */
export const nodeAuthz: Authz = (ctx, path) => {
  if (/\/(drain|eligibility|evaluate|purge)$/.test(path)) return needNodeWrite(ctx);
  needNodeRead(ctx);
};

/** /v1/namespace/<name> (Namespace.GetNamespace): any capability in that namespace. */
export const namespaceAuthz: Authz = (ctx, name) => {
  if (!ctx.acl.allowNamespace(name)) throw permissionDenied();
};

/** /v1/agent/self (command/agent/agent_endpoint.go AgentSelfRequest): agent:read. */
export const agentSelfAuthz: Authz = (ctx) => {
  if (!ctx.acl.allowAgentRead()) throw permissionDenied();
};

/** /v1/agent/members (Status.Members): node:read. */
export const agentMembersAuthz: Authz = (ctx) => needNodeRead(ctx);

/** /v1/jobs/parse (command/agent/job_endpoint.go JobsParseRequest): parse-job or submit-job. */
export const parseAuthz: Authz = (ctx) => needNs(ctx, ctx.namespace(), 'parse-job', SUBMIT_JOB);
