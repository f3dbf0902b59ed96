/** Evaluation endpoints: /v1/evaluations, /v1/evaluation/:id[/allocations]. */
import { readable } from './acl.js';
import { allocStub } from './allocations.js';
import { coded, type Ctx } from './http.js';
import { listItems } from './query.js';

/** GET /v1/evaluations (prefix, namespace, filter, job, status, pagination). */
export function evaluationsList(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  const job = ctx.q('job');
  const status = ctx.q('status');
  // Eval.List: read-job in the namespace, then only readable namespaces (nomad/eval_endpoint.go ~659)
  const evals = [...readable(ctx, 'read-job', ctx.state.evals.values(), (e) => e.Namespace)].filter((e) => (!job || e.JobID === job) && (!status || e.Status === status));
  return listItems(ctx, evals, { namespace: (e) => e.Namespace, id: (e) => e.ID, createIndex: (e) => e.CreateIndex, view: (e) => e });
}

/** /v1/evaluation/<id>[/allocations] */
export function evaluationSpecific(ctx: Ctx, rest: string): unknown {
  ctx.requireMethod('GET');
  const state = ctx.state;
  if (rest.endsWith('/allocations')) {
    const id = rest.slice(0, -'/allocations'.length);
    return [...state.allocs.values()].filter((a) => a.EvalID === id).map(allocStub);
  }
  const ev = state.evals.get(rest);
  if (!ev) throw coded(404, 'eval not found');
  // an evaluation's index is its own ModifyIndex (eval_endpoint.go GetEval): a blocking query on it
  // waits for this evaluation to change, not for any write
  ctx.index = ev.ModifyIndex;
  if (ctx.bool('related') === true) {
    const related = [...state.evals.values()]
      .filter((e) => e.ID !== ev.ID && e.JobID === ev.JobID && e.Namespace === ev.Namespace && (e.PreviousEval === ev.ID || ev.PreviousEval === e.ID || ev.BlockedEval === e.ID))
      .map((e) => ({ ID: e.ID, Namespace: e.Namespace, JobID: e.JobID, DeploymentID: e.DeploymentID, NodeID: e.NodeID }));
    return { ...ev, RelatedEvals: related };
  }
  return ev;
}
