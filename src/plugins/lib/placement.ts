/**
 * Placement failures (an evaluation's FailedTGAllocs) as plain sentences a model can act on:
 * what filtered or exhausted the nodes, and what would fix it.
 */
import type { AllocMetric, Evaluation } from './nomad.js';
import { plural, short } from './nomad.js';

/** Entries of a count map, largest first; null-safe. */
function entries(m: Record<string, number> | null | undefined): [string, number][] {
  return Object.entries(m ?? {})
    .filter(([, n]) => typeof n === 'number')
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** ConstraintFiltered keys are `LTarget Operand RTarget`, or a checker's reason ("missing drivers"). */
function isConstraint(key: string): boolean {
  return key.includes('${') || /\s(=|==|!=|<|<=|>|>=|regexp|version|semver|set_contains|set_contains_any|set_contains_all|is_set|is_not_set|distinct_hosts|distinct_property)(\s|$)/.test(key);
}

function filterFix(keys: string[]): string {
  const k = keys.join(' ').toLowerCase();
  if (keys.some(isConstraint)) return 'relax or change that constraint, or add nodes that satisfy it';
  if (k.includes('driver')) return "use a task driver the clients have enabled, or enable it on the clients";
  if (k.includes('volume')) return 'create the host or CSI volume the group asks for on the clients, or change the volume request';
  if (k.includes('device')) return 'request a device the clients have, or add nodes with it';
  if (k.includes('network') || k.includes('port')) return "change the group's network request, or add nodes that can satisfy it";
  return 'change the job so these nodes qualify, or add nodes that do';
}

function describeFiltered(key: string, n: number): string {
  return isConstraint(key) ? `constraint ${key} filtered ${plural(n, 'node')}` : `${key} (${plural(n, 'node')})`;
}

const DIMENSION_FIX: [RegExp, string][] = [
  [/^memory/i, "the task's memory"],
  [/^cpu|^cores/i, "the task's cpu"],
  [/^disk/i, "the group's ephemeral_disk"],
  [/port|network|bandwidth/i, 'the static ports (use dynamic ports)'],
  [/device/i, 'the requested devices'],
];

function exhaustFix(dims: string[]): string {
  const what = [...new Set(dims.map((d) => DIMENSION_FIX.find(([re]) => re.test(d))?.[1] ?? 'the requested resources'))];
  const list = what.length <= 1 ? what[0] ?? 'the requested resources' : `${what.slice(0, -1).join(', ')} and ${what[what.length - 1]}`;
  return `lower ${list} or add capacity`;
}

/** Sentences for one task group's failed placement. */
export function groupSentences(group: string, m: AllocMetric, queued?: number): string[] {
  const out: string[] = [];
  const g = `group "${group}"`;
  const evaluated = m.NodesEvaluated ?? 0;
  const inPool = m.NodesInPool ?? 0;
  const unplaced = queued ?? (m.CoalescedFailures ?? 0) + 1;
  out.push(`${g}: ${plural(unplaced, 'allocation')} could not be placed.`);

  if (evaluated === 0) {
    out.push(
      `${g}: no nodes were eligible for evaluation (${plural(inPool, 'node')} in the node pool); fix: check the job's datacenters and node_pool, and that client nodes are ready and eligible.`,
    );
  }
  const zeroDcs = entries(m.NodesAvailable).filter(([, n]) => n === 0).map(([dc]) => dc);
  for (const dc of zeroDcs) {
    out.push(`${g}: no nodes are available in datacenter "${dc}"; fix: use a datacenter that has ready clients.`);
  }

  const filtered = entries(m.ConstraintFiltered);
  const classFiltered = entries(m.ClassFiltered);
  const nodesFiltered = m.NodesFiltered ?? 0;
  if (nodesFiltered > 0 || filtered.length || classFiltered.length) {
    const reasons = [
      ...filtered.map(([k, n]) => describeFiltered(k, n)),
      ...classFiltered.map(([c, n]) => `node class "${c}" filtered ${plural(n, 'node')}`),
    ];
    const head = `${g}: ${nodesFiltered} of ${plural(evaluated || inPool, 'node')} filtered`;
    out.push(`${head}${reasons.length ? ` — ${reasons.join(', ')}` : ''}; fix: ${filterFix(filtered.map(([k]) => k))}.`);
  }

  const dims = entries(m.DimensionExhausted);
  const exhausted = m.NodesExhausted ?? 0;
  if (exhausted > 0 || dims.length) {
    const detail = dims.length ? `: ${dims.map(([d, n]) => `${d} (${n})`).join(', ')}` : '';
    out.push(`${g}: resources exhausted on ${plural(exhausted, 'node')}${detail}; fix: ${exhaustFix(dims.map(([d]) => d))}.`);
  }
  for (const [cls, n] of entries(m.ClassExhausted)) {
    out.push(`${g}: node class "${cls}" exhausted on ${plural(n, 'node')}.`);
  }
  const quota = (m.QuotaExhausted ?? []).filter(Boolean);
  if (quota.length) {
    out.push(`${g}: quota exhausted (${quota.join(', ')}); fix: raise the namespace's quota or stop other work in the namespace.`);
  }

  const avail = entries(m.NodesAvailable);
  if (avail.length || inPool) {
    const perDc = avail.length ? `; available per datacenter: ${avail.map(([dc, n]) => `${dc}=${n}`).join(', ')}` : '';
    out.push(`${g}: ${plural(inPool, 'node')} in the node pool${perDc}.`);
  }
  return out;
}

/** Sentences for every group of a FailedTGAllocs map (groups in name order). */
export function placementSentences(
  failed: Record<string, AllocMetric> | null | undefined,
  queued?: Record<string, number> | null,
): string[] {
  return Object.keys(failed ?? {})
    .sort()
    .flatMap((g) => groupSentences(g, failed![g], queued?.[g] || undefined));
}

/** True when an evaluation reports placement failures. */
export function hasPlacementFailures(ev: Pick<Evaluation, 'FailedTGAllocs'> | null | undefined): boolean {
  return !!ev?.FailedTGAllocs && Object.keys(ev.FailedTGAllocs).length > 0;
}

/**
 * A block of text about an evaluation's placement failures, or '' when there are none:
 * "placement failures (eval 1a2b3c4d):" followed by indented sentences and a note on the blocked eval.
 */
export function placementBlock(ev: Evaluation, indent = '  '): string {
  if (!hasPlacementFailures(ev)) return '';
  const lines = placementSentences(ev.FailedTGAllocs, ev.QueuedAllocations).map((s) => `${indent}${s}`);
  if (ev.BlockedEval) {
    lines.push(`${indent}Nomad keeps blocked evaluation ${short(ev.BlockedEval)} and places the allocations once capacity or constraints allow; force_evaluate_job retries now.`);
  }
  if (ev.QuotaLimitReached) lines.push(`${indent}quota limit reached: ${ev.QuotaLimitReached}.`);
  return lines.join('\n');
}
