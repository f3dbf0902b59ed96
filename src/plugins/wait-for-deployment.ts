/**
 * wait_for_deployment: follow a deployment (by ID or prefix, or a job's latest) with blocking queries
 * (GET /v1/deployment/:id?index=N&wait=…) until it is successful, failed, cancelled or paused, or the
 * timeout passes; progress notifications say how many allocations are healthy.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { definePlugin, ToolError, type ToolContext } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import type { UpstreamResponse } from '../host/upstream.js';
import { type Deployment, getJob, short } from './lib/nomad.js';

interface Args {
  [key: string]: unknown;
  deployment_id?: string;
  job_id?: string;
  timeout_s: number;
}

/** Statuses after which Nomad does nothing more on its own (paused waits for a resume). */
const TERMINAL = new Set(['successful', 'failed', 'cancelled', 'paused']);
/** Longest single blocking query; the loop re-issues it until the deadline. */
const MAX_WAIT_MS = 10_000;
/** Pause between reads when the server does not block (no X-Nomad-Index, or it did not advance). */
const POLL_FLOOR_MS = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface Health {
  healthy: number;
  unhealthy: number;
  desired: number;
  placed: number;
}

/** Sums over the deployment's task groups. */
export function deploymentHealth(d: Deployment): Health {
  const h: Health = { healthy: 0, unhealthy: 0, desired: 0, placed: 0 };
  for (const g of Object.values(d.TaskGroups ?? {})) {
    h.healthy += g.HealthyAllocs ?? 0;
    h.unhealthy += g.UnhealthyAllocs ?? 0;
    h.desired += g.DesiredTotal ?? 0;
    h.placed += g.PlacedAllocs ?? 0;
  }
  return h;
}

/**
 * A running deployment that waits for promote_deployment (canaries healthy, auto_promote off). Once
 * every canary group is promoted it no longer waits, whatever the description still says.
 */
export function awaitsPromotion(d: Deployment): boolean {
  if (d.Status !== 'running' || !/requires manual promotion/i.test(d.StatusDescription ?? '')) return false;
  const canaryGroups = Object.values(d.TaskGroups ?? {}).filter((g) => (g.DesiredCanaries ?? 0) > 0);
  return canaryGroups.length === 0 || canaryGroups.some((g) => !g.Promoted);
}

function cancelled(ctx: ToolContext, err: unknown): unknown {
  return ctx.signal.aborted ? new ToolError('The request was cancelled.', 'caller') : err;
}

/** A deployment ID or unique prefix → the deployment (GET /v1/deployment/:id needs the whole ID). */
async function findDeployment(ctx: ToolContext, input: string): Promise<{ dep: Deployment; index?: number }> {
  const id = input.trim().toLowerCase();
  let full = id;
  if (!UUID.test(id)) {
    if (!/^[0-9a-f-]+$/.test(id)) throw new ToolError(`"${input}" is not a deployment ID or ID prefix (expected hexadecimal).`, 'caller');
    const list = ((await ctx.nomad.get<Deployment[] | null>('/v1/deployments', { query: { prefix: id }, signal: ctx.signal })).data ?? []).filter((d) =>
      d.ID.startsWith(id),
    );
    if (list.length === 0) throw new ToolError(`No deployment with ID prefix "${id}" in namespace "${ctx.namespace}". list_deployments lists them.`, 'caller', 404);
    if (list.length > 1) {
      const shown = list.slice(0, 8).map((d) => `${short(d.ID)} job ${d.JobID ?? '?'} ${d.Status ?? '?'}`);
      throw new ToolError(`The deployment ID prefix "${id}" matches ${list.length} deployments; give more characters:\n${shown.join('\n')}`, 'caller');
    }
    full = list[0].ID;
  }
  try {
    const res = await ctx.nomad.get<Deployment>(nomadPath`/v1/deployment/${full}`, { signal: ctx.signal });
    return { dep: res.data, index: res.index };
  } catch (err) {
    if (err instanceof ToolError && err.status === 404) {
      throw new ToolError(`No deployment "${full}" in namespace "${ctx.namespace}" (Nomad 404: deployment not found).`, 'caller', 404);
    }
    throw err;
  }
}

function verdictLine(d: Deployment, h: Health, timedOut: boolean, waitedS: number): string {
  const who = `Deployment ${short(d.ID)}${d.JobID ? ` of job ${d.JobID}` : ''}${d.JobVersion !== undefined ? ` (version ${d.JobVersion})` : ''}`;
  const ratio = `${h.healthy}/${h.desired} healthy${h.unhealthy ? `, ${h.unhealthy} unhealthy` : ''}`;
  if (timedOut) {
    return `${who} is still ${d.Status ?? 'running'} after ${waitedS} s: ${ratio}. Call wait_for_deployment again to keep waiting.`;
  }
  switch (d.Status) {
    case 'successful':
      return `${who} succeeded: ${ratio}.`;
    case 'failed':
      return `${who} failed: ${ratio}. get_job_status and get_allocation_status show why the allocations were unhealthy.`;
    case 'cancelled':
      return `${who} was cancelled (a newer job version or a stop replaced it): ${ratio}.`;
    case 'paused':
      return `${who} is paused: ${ratio}. pause_deployment with pause=false resumes it.`;
    default:
      if (awaitsPromotion(d)) return `${who} waits for promotion: ${ratio}; the canaries are placed. promote_deployment continues the rollout, fail_deployment rolls it back.`;
      return `${who} is ${d.Status ?? 'in an unknown state'}: ${ratio}.`;
  }
}

function groupLines(d: Deployment): string[] {
  return Object.keys(d.TaskGroups ?? {})
    .sort()
    .map((g) => {
      const s = d.TaskGroups![g];
      const canary = s.DesiredCanaries ? `, canaries ${(s.PlacedCanaries ?? []).length}/${s.DesiredCanaries}${s.Promoted ? ' promoted' : ''}` : '';
      return `  group ${g}: healthy ${s.HealthyAllocs ?? 0}, unhealthy ${s.UnhealthyAllocs ?? 0}, desired ${s.DesiredTotal ?? 0} (placed ${s.PlacedAllocs ?? 0}${canary})`;
    });
}

export default definePlugin<Args>({
  name: 'wait-for-deployment',
  tier: 'read',
  maxDurationMs: (args) => (args.timeout_s + 15) * 1000,
  async call(args, ctx) {
    if ((args.deployment_id === undefined) === (args.job_id === undefined)) {
      throw new ToolError(
        args.job_id === undefined
          ? 'Give deployment_id (a deployment) or job_id (its latest deployment).'
          : 'Give deployment_id or job_id, not both.',
        'caller',
      );
    }
    const started = Date.now();
    const deadline = started + args.timeout_s * 1000;
    let dep: Deployment;
    let index: number | undefined;
    if (args.job_id !== undefined) {
      const settled = await Promise.allSettled([
        getJob(ctx, args.job_id),
        ctx.nomad.get<Deployment | null>(nomadPath`/v1/job/${args.job_id}/deployment`, { signal: ctx.signal }),
      ]);
      // An unknown job first (Nomad answers null, not 404, for the deployment of an unknown job).
      for (const r of settled) if (r.status === 'rejected') throw r.reason;
      const [job, res] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
        Awaited<ReturnType<typeof getJob>>,
        UpstreamResponse<Deployment | null>,
      ];
      if (!res.data) {
        return {
          text: `Job "${job.ID}" has no deployment (batch and system jobs, and jobs without an update block, have none); get_job_status shows its state.`,
          structured: { job_id: job.ID, deployment_id: null, status: null, verdict: 'none' },
        };
      }
      dep = res.data;
      index = res.index;
    } else {
      ({ dep, index } = await findDeployment(ctx, args.deployment_id!));
    }

    let lastKey = '';
    const report = async (d: Deployment) => {
      const h = deploymentHealth(d);
      const key = `${h.healthy}/${h.desired}/${d.Status}`;
      if (key === lastKey) return;
      lastKey = key;
      await ctx.progress(h.healthy, h.desired, `${h.healthy}/${h.desired} healthy, ${d.Status ?? '?'}`);
    };
    await report(dep);

    let reads = 1;
    while (!TERMINAL.has(dep.Status ?? '') && !awaitsPromotion(dep)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const waitMs = Math.max(1, Math.min(remaining, MAX_WAIT_MS));
      let res;
      try {
        res = await ctx.nomad.get<Deployment>(nomadPath`/v1/deployment/${dep.ID}`, {
          query: { index, wait: `${waitMs}ms` },
          signal: ctx.signal,
          // Nomad holds the answer up to `wait` plus 1/16 jitter: the request timeout must outlast it.
          timeoutMs: waitMs + Math.ceil(waitMs / 16) + ctx.config.requestTimeoutMs,
          // a blocking query: on the stream connections, holding one of the caller's stream slots
          long: true,
        });
      } catch (err) {
        throw cancelled(ctx, err);
      }
      reads++;
      const advanced = res.index !== undefined && (index === undefined || res.index > index);
      if (res.data) dep = res.data;
      if (res.index !== undefined) index = res.index;
      await report(dep);
      if (!advanced && !TERMINAL.has(dep.Status ?? '')) {
        // The server did not block: do not spin.
        const pause = Math.min(POLL_FLOOR_MS, deadline - Date.now());
        if (pause > 0) await sleep(pause, undefined, { signal: ctx.signal }).catch((err: unknown) => Promise.reject(cancelled(ctx, err)));
      }
    }

    const timedOut = !TERMINAL.has(dep.Status ?? '') && !awaitsPromotion(dep);
    const waitedS = Math.round((Date.now() - started) / 1000);
    const h = deploymentHealth(dep);
    const lines = [verdictLine(dep, h, timedOut, waitedS), ...groupLines(dep)];
    if (dep.StatusDescription) lines.push(`  ${dep.StatusDescription}`);
    const verdict = timedOut ? 'running' : awaitsPromotion(dep) ? 'awaiting_promotion' : dep.Status!;
    return {
      text: lines.join('\n'),
      structured: {
        deployment_id: dep.ID,
        job_id: dep.JobID ?? args.job_id ?? null,
        job_version: dep.JobVersion ?? null,
        status: dep.Status ?? null,
        description: dep.StatusDescription ?? null,
        verdict,
        timed_out: timedOut,
        waited_s: waitedS,
        reads,
        healthy: h.healthy,
        unhealthy: h.unhealthy,
        desired: h.desired,
        groups: Object.fromEntries(
          Object.entries(dep.TaskGroups ?? {}).map(([g, s]) => [
            g,
            { healthy: s.HealthyAllocs ?? 0, unhealthy: s.UnhealthyAllocs ?? 0, desired: s.DesiredTotal ?? 0, placed: s.PlacedAllocs ?? 0 },
          ]),
        ),
      },
    };
  },
});
