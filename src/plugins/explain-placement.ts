/**
 * explain_placement_failure: why a job's allocations cannot be placed. Reads the job, its evaluations
 * and summary; explains the newest evaluation with FailedTGAllocs in plain sentences with a "Fix:"
 * line per cause; and checks the client nodes of the job's datacenters and node pool.
 */
import { definePlugin, truncateText } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { type Evaluation, type JobSummary, getJob, newestFirst, plural, short, when } from './lib/nomad.js';
import { hasPlacementFailures, placementSentences } from './lib/placement.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
}

export interface NodeStub {
  ID: string;
  Name?: string;
  Datacenter?: string;
  NodePool?: string;
  Status?: string;
  SchedulingEligibility?: string;
  Drain?: boolean;
}

/** Splits a placement sentence "…; fix: …." into the finding and its fix. */
export function splitFix(sentence: string): { finding: string; fix?: string } {
  const i = sentence.indexOf('; fix: ');
  if (i < 0) return { finding: sentence };
  const fix = sentence.slice(i + 7);
  return { finding: `${sentence.slice(0, i)}.`, fix: fix.charAt(0).toUpperCase() + fix.slice(1) };
}

/**
 * Whether a datacenter pattern with `*` wildcards (Nomad 1.5+) matches a node's datacenter, as
 * Nomad decides it: nomad/structs/structs.go Node.IsInAnyDC calls glob.Glob from
 * github.com/ryanuber/go-glob (glob.go), which this follows: each literal piece is found leftmost,
 * the last one must end the name. No regular expression: linear in the pattern and the name.
 */
export function globMatches(pattern: string, subject: string): boolean {
  if (pattern === '') return subject === '';
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return subject === pattern;
  const leadingGlob = pattern.startsWith('*');
  const trailingGlob = pattern.endsWith('*');
  const end = parts.length - 1;
  let from = 0; // go-glob trims the subject as it goes; an offset does the same without copies
  for (let i = 0; i < end; i++) {
    const idx = subject.indexOf(parts[i], from);
    if (i === 0 ? !leadingGlob && idx !== 0 : idx < 0) return false;
    from = idx + parts[i].length;
  }
  return trailingGlob || (subject.length - from >= parts[end].length && subject.endsWith(parts[end]));
}

function dcMatches(patterns: string[], dc: string): boolean {
  return patterns.some((p) => globMatches(p, dc));
}

function counted(list: string[]): string {
  const m = new Map<string, number>();
  for (const x of list) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, n]) => `${k} (${n})`).join(', ');
}

export interface NodeCheck {
  lines: string[];
  total: number;
  inScope: number;
  usable: number;
  down: number;
  ineligible: number;
  draining: number;
}

/** What the client nodes say about a job's datacenters and node pool. */
export function checkNodes(nodes: NodeStub[], datacenters: string[] | undefined, nodePool: string | undefined): NodeCheck {
  const dcs = datacenters?.length ? datacenters : ['*'];
  const pool = nodePool || 'default';
  const inDc = nodes.filter((n) => dcMatches(dcs, n.Datacenter ?? ''));
  const inScope = inDc.filter((n) => pool === 'all' || (n.NodePool || 'default') === pool);
  const notReady = inScope.filter((n) => n.Status !== 'ready');
  const draining = inScope.filter((n) => n.Status === 'ready' && n.Drain);
  const ineligible = inScope.filter((n) => n.Status === 'ready' && !n.Drain && n.SchedulingEligibility === 'ineligible');
  const usable = inScope.length - notReady.length - draining.length - ineligible.length;
  const where = `datacenters ${dcs.join(', ')} and node pool ${pool}`;
  const lines: string[] = [];
  if (nodes.length === 0) {
    lines.push('The cluster has no client nodes at all.', 'Fix: start Nomad clients (list_nodes shows them once they register).');
  } else if (inDc.length === 0) {
    lines.push(`No client node is in the job's datacenters (${dcs.join(', ')}); the nodes are in ${counted(nodes.map((n) => n.Datacenter ?? '?'))}.`);
    lines.push("Fix: set the job's datacenters to one that has clients, or start clients in that datacenter.");
  } else if (inScope.length === 0) {
    lines.push(`No client node in datacenters ${dcs.join(', ')} is in node pool ${pool}; their pools: ${counted(inDc.map((n) => n.NodePool || 'default'))}.`);
    lines.push(`Fix: set the job's node_pool to a pool that has clients, or add clients to node pool ${pool}.`);
  } else {
    const bad: string[] = [];
    const byStatus = new Map<string, number>();
    for (const n of notReady) byStatus.set(n.Status || 'unknown', (byStatus.get(n.Status || 'unknown') ?? 0) + 1);
    for (const [st, n] of [...byStatus].sort((a, b) => b[1] - a[1])) bad.push(`${n} ${st}`);
    if (draining.length) bad.push(`${draining.length} draining`);
    if (ineligible.length) bad.push(`${ineligible.length} ineligible`);
    if (usable === 0) {
      lines.push(`All ${plural(inScope.length, 'node')} in ${where} are unusable: ${bad.join(', ')}.`);
      const fixes: string[] = [];
      if (notReady.length) fixes.push('bring the down clients back');
      if (draining.length) fixes.push('let the drain finish or cancel it (drain_node)');
      if (ineligible.length) fixes.push('mark nodes eligible (set_node_eligibility)');
      lines.push(`Fix: ${fixes.join('; ')}; or add clients.`);
    } else {
      lines.push(`${usable} of ${plural(inScope.length, 'node')} in ${where} ${usable === 1 ? 'is' : 'are'} ready and eligible${bad.length ? `; ${bad.join(', ')}` : ''}.`);
    }
  }
  return { lines, total: nodes.length, inScope: inScope.length, usable, down: notReady.length, ineligible: ineligible.length, draining: draining.length };
}

export default definePlugin<Args>({
  name: 'explain-placement',
  tier: 'read',
  async call(args, ctx) {
    const [job, evals, summary] = await Promise.all([
      getJob(ctx, args.job_id),
      ctx.nomad.get<Evaluation[] | null>(nomadPath`/v1/job/${args.job_id}/evaluations`, { signal: ctx.signal }).then((r) => r.data ?? []),
      ctx.optional('job summary', ctx.nomad.get<JobSummary>(nomadPath`/v1/job/${args.job_id}/summary`, { signal: ctx.signal }).then((r) => r.data)),
    ]);
    const sorted = newestFirst(evals);
    const blocked = sorted.filter((e) => e.Status === 'blocked');
    const failing = sorted.find(hasPlacementFailures);
    const queuedByGroup = Object.entries(summary?.Summary ?? {}).filter(([, g]) => (g.Queued ?? 0) > 0);
    const queued = queuedByGroup.reduce((n, [, g]) => n + (g.Queued ?? 0), 0);
    const status = job.Status ?? 'unknown';
    const who = `Job ${job.ID} (${job.Type ?? 'service'}, namespace ${job.Namespace ?? ctx.namespace}, status ${status})`;
    const current = !!failing && (blocked.length > 0 || queued > 0);

    if (!current) {
      const lines: string[] = [];
      if (job.Stop) lines.push(`${who} is stopped, so nothing is being placed.`);
      else if (failing) {
        lines.push(`${who} has no current placement failure: the last one (evaluation ${short(failing.ID)}, ${when(failing.CreateTime ?? failing.ModifyTime)}) has been resolved since.`);
      } else if (queued > 0) {
        lines.push(`${who} has ${plural(queued, 'queued allocation')} but no evaluation reports a placement failure; the scheduler may still be working. get_job_evaluations shows the evaluations.`);
      } else {
        const latest = sorted[0];
        lines.push(`${who} has no placement failure${latest ? `: its latest evaluation ${short(latest.ID)} is ${latest.Status ?? '?'}` : ''}. get_job_status shows its allocations.`);
      }
      return { text: lines.join('\n'), structured: { job_id: job.ID, status, placement_failed: false, resolved_eval: failing?.ID ?? null, queued } };
    }

    const ev = failing!;
    const lines: string[] = [];
    const queuedText = queuedByGroup.length ? `: ${queuedByGroup.map(([g, s]) => `group ${g} ${s.Queued} queued`).join(', ')}` : '';
    lines.push(`${who} has allocations that cannot be placed${queuedText}.`);
    lines.push(`Evaluation ${short(ev.ID)} (${ev.Status ?? '?'}, triggered by ${ev.TriggeredBy ?? '?'}, ${when(ev.CreateTime ?? ev.ModifyTime)}) reports:`);
    const groups: Record<string, { findings: string[]; fixes: string[] }> = {};
    for (const g of Object.keys(ev.FailedTGAllocs ?? {}).sort()) {
      const entry = (groups[g] = { findings: [] as string[], fixes: [] as string[] });
      for (const s of placementSentences({ [g]: ev.FailedTGAllocs![g] }, ev.QueuedAllocations)) {
        const { finding, fix } = splitFix(s);
        entry.findings.push(finding);
        lines.push(`  ${finding}`);
        if (fix) {
          entry.fixes.push(fix);
          lines.push(`    Fix: ${fix}`);
        }
      }
    }

    // /v1/nodes needs node:read, which a namespace operator's token often lacks: the answer says so at the end
    const nodes = await ctx.optional('client node check', ctx.nomad.get<NodeStub[] | null>('/v1/nodes', { signal: ctx.signal }).then((r) => r.data ?? []));
    let nodeCheck: NodeCheck | null = null;
    if (nodes) {
      nodeCheck = checkNodes(nodes, job.Datacenters as string[] | undefined, job.NodePool as string | undefined);
      lines.push(`Nodes: ${nodeCheck.lines[0]}`, ...nodeCheck.lines.slice(1).map((l) => `  ${l}`));
    }
    const blockedId = blocked[0]?.ID ?? ev.BlockedEval;
    if (blockedId) {
      lines.push(`Nomad keeps blocked evaluation ${short(blockedId)} and places the allocations once nodes or capacity allow; after a fix, force_evaluate_job retries at once (a changed job is re-evaluated when submitted).`);
    }
    return {
      text: truncateText(lines.join('\n'), ctx.config.maxResultBytes).text,
      structured: {
        job_id: job.ID,
        status,
        placement_failed: true,
        eval_id: ev.ID,
        blocked_eval: blockedId ?? null,
        queued,
        groups,
        nodes: nodeCheck ? { total: nodeCheck.total, in_scope: nodeCheck.inScope, usable: nodeCheck.usable, down: nodeCheck.down, ineligible: nodeCheck.ineligible, draining: nodeCheck.draining } : null,
      },
    };
  },
});
