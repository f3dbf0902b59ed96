/**
 * explain_placement: for a job (by ID, or a jobspec not yet submitted), each task group checked
 * against each client node in the scheduler's order (lib/feasibility.ts), naming the check that
 * rules each node out, the free resources of the feasible ones, affinities and spreads (which only
 * score), and what was not evaluated. When the job exists, its latest placement failure
 * (FailedTGAllocs) is summarised too, as explain_placement_failure reads it.
 */
import { definePlugin, ToolError, truncateText } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { budgetSignal, MAX_FANOUT, mapLimited, PARALLEL, read } from './lib/fanout.js';
import { type AllocResources, type FullNode, groupNeeds, heldPerNode, type JobSpec, judgeNode, NOT_EVALUATED, type NodeVerdict, STEPS } from './lib/feasibility.js';
import { parseJobspec } from './lib/jobspec.js';
import { type Evaluation, getJob, newestFirst, plural, short } from './lib/nomad.js';
import { hasPlacementFailures, placementSentences } from './lib/placement.js';

interface Args {
  [key: string]: unknown;
  job_id?: string;
  content?: string;
  group?: string;
  namespace?: string;
}

/** Nodes read in full (attributes, drivers, devices) at most; the rest are not evaluated. */
const MAX_NODES = 2 * MAX_FANOUT;

export default definePlugin<Args>({
  name: 'explain-placement-nodes',
  tier: 'read',
  async call(args, ctx) {
    if (!!args.job_id === !!args.content) {
      throw new ToolError(args.job_id ? 'Give either job_id (a submitted job) or content (a jobspec), not both.' : 'Give job_id (a submitted job) or content (a jobspec).', 'caller');
    }
    const signal = budgetSignal(ctx);
    const job = (args.job_id ? await getJob(ctx, args.job_id) : (await parseJobspec(ctx, args.content!)).job) as unknown as JobSpec;
    const groups = (job.TaskGroups ?? []).filter((g) => !args.group || g.Name === args.group);
    if (groups.length === 0) {
      throw new ToolError(`Job ${job.ID} has no task group "${args.group}"; its groups: ${(job.TaskGroups ?? []).map((g) => g.Name).join(', ') || 'none'}.`, 'caller');
    }
    const [nodesR, allocsR, evalsR] = await Promise.all([
      read(ctx, signal, 'node:read', (s) => ctx.nomad.get<{ ID: string; Name?: string }[]>('/v1/nodes', { signal: s })),
      read(ctx, signal, 'read-job', (s) => ctx.nomad.get<AllocResources[]>('/v1/allocations', { signal: s, query: { resources: 'true', namespace: '*', task_states: 'false' } })),
      args.job_id ? read(ctx, signal, 'read-job', (s) => ctx.nomad.get<Evaluation[]>(nomadPath`/v1/job/${args.job_id}/evaluations`, { signal: s })) : Promise.resolve(undefined),
    ]);
    if (!nodesR.ok) return { text: `Cannot read the client nodes (${nodesR.reason}; needs ${nodesR.capability}), so placement cannot be explained node by node.`, isError: true };
    const stubs = [...(nodesR.data ?? [])].sort((a, b) => (a.Name ?? a.ID).localeCompare(b.Name ?? b.ID));
    const full = await mapLimited(stubs.slice(0, MAX_NODES), PARALLEL, (n) => read(ctx, signal, 'node:read', (s) => ctx.nomad.get<FullNode>(nomadPath`/v1/node/${n.ID}`, { signal: s })));
    const nodes = full.filter((r): r is { ok: true; data: FullNode } => r.ok).map((r) => r.data);
    const unread = stubs.length - nodes.length;
    const used = heldPerNode(allocsR.ok ? allocsR.data ?? [] : []);
    const lines: string[] = [`Placement of job ${job.ID} node by node, in the scheduler's order (${STEPS.join(' → ')}; affinities and spreads only score):`];
    const structuredGroups: Record<string, unknown>[] = [];
    const notEvaluated = new Set<string>();
    for (const tg of groups) {
      const need = groupNeeds(tg);
      const verdicts: NodeVerdict[] = nodes.map((n) => judgeNode(job, tg, n, used.get(n.ID) ?? { cpu: 0, mem: 0, disk: 0 }, notEvaluated));
      const ok = verdicts.filter((v) => v.feasible);
      lines.push(`Group ${tg.Name} (count ${tg.Count ?? 1}, needs ${need.cpu} MHz, ${need.mem} MB, ${need.disk} MB disk per allocation): ${ok.length} of ${plural(verdicts.length, 'node')} feasible.`);
      for (const v of verdicts) {
        lines.push(v.feasible
          ? `  ✔ ${v.node}: feasible, ${v.free.cpu_mhz} MHz and ${v.free.memory_mb} MB free${v.affinities.length ? `; ${v.affinities.join('; ')}` : ''}`
          : `  ✘ ${v.node}: ruled out at ${v.step}: ${v.reason}`);
      }
      const spreads = [...(job.Spreads ?? []), ...(tg.Spreads ?? [])];
      if (spreads.length) lines.push(`  spreads (score only): ${spreads.map((s) => `${s.Attribute} (weight ${s.Weight ?? 50})`).join(', ')}`);
      const byStep: Record<string, number> = {};
      for (const v of verdicts) if (v.step) byStep[v.step] = (byStep[v.step] ?? 0) + 1;
      if (ok.length === 0 && verdicts.length) lines.push(`  No node fits: ${Object.entries(byStep).map(([s, n]) => `${n} at ${s}`).join(', ')}.`);
      structuredGroups.push({ group: tg.Name, count: tg.Count ?? 1, needs: { cpu_mhz: need.cpu, memory_mb: need.mem, disk_mb: need.disk }, feasible: ok.length, ruled_out_by: byStep, nodes: verdicts as unknown as Record<string, unknown>[] });
    }
    if (evalsR && evalsR.ok) {
      const failing = newestFirst(evalsR.data ?? []).find(hasPlacementFailures);
      if (failing) {
        lines.push(`Nomad's own report (evaluation ${short(failing.ID)}, ${failing.Status}):`);
        for (const s of placementSentences(failing.FailedTGAllocs!, failing.QueuedAllocations)) lines.push(`  ${s}`);
      }
    }
    const missing = [...NOT_EVALUATED, ...notEvaluated];
    if (unread > 0) missing.unshift(`${plural(unread, 'node')} not read (${stubs.length > MAX_NODES ? `fan-out cap of ${MAX_NODES}` : 'read failed'})`);
    if (!allocsR.ok) missing.unshift(`resources held by allocations (${allocsR.reason}; needs ${allocsR.capability}): free amounts are totals`);
    lines.push(`Not evaluated: ${missing.join('; ')}.`);
    return {
      text: truncateText(lines.join('\n'), ctx.config.maxResultBytes, 'pass group to narrow the answer').text,
      structured: { job_id: job.ID, groups: structuredGroups, not_evaluated: missing },
    };
  },
});
