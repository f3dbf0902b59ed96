/**
 * compare_job_versions: a readable diff of any two stored versions of a job (not only consecutive
 * ones). Reads GET /v1/job/:id/versions once (every Nomad version serves it) and compares the two
 * specs field by field; lists of named objects (task groups, tasks, services, checks…) are matched
 * by Name, so a reordered list is not reported as a change.
 */
import { definePlugin, ToolError, truncateText } from '../host/plugin.js';
import { nomadPath } from '../host/template.js';
import { type Job, jobNotFound, when } from './lib/nomad.js';

interface Args {
  [key: string]: unknown;
  job_id: string;
  from: number;
  to: number;
  namespace?: string;
}

/** Bookkeeping fields that change with every version and say nothing about the spec. */
const NOISE = new Set([
  'Version', 'SubmitTime', 'CreateIndex', 'ModifyIndex', 'JobModifyIndex', 'Stable', 'Status', 'StatusDescription', 'VersionTag',
]);
const MAX_LINES = 80;
const MAX_VALUE = 100;

export interface Change {
  path: string;
  type: 'added' | 'removed' | 'changed';
  from?: unknown;
  to?: unknown;
}

function named(v: unknown): v is { Name: string }[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => x && typeof x === 'object' && typeof (x as { Name?: unknown }).Name === 'string');
}

function isObj(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function empty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);
}

/** Field-level differences between two JSON values, depth first, in key order. */
export function diffValues(a: unknown, b: unknown, path: string, out: Change[], depth = 0): void {
  if (empty(a) && empty(b)) return;
  if ((named(a) || empty(a)) && (named(b) || empty(b))) {
    const left = new Map((named(a) ? a : []).map((x) => [x.Name, x]));
    const right = new Map((named(b) ? b : []).map((x) => [x.Name, x]));
    for (const [k, v] of left) {
      const p = `${path}[${k}]`;
      if (!right.has(k)) out.push({ path: p, type: 'removed' });
      else diffValues(v, right.get(k), p, out, depth + 1);
    }
    for (const k of right.keys()) if (!left.has(k)) out.push({ path: `${path}[${k}]`, type: 'added' });
    return;
  }
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      if (NOISE.has(k) && depth === 0) continue;
      diffValues(a[k], b[k], path ? `${path}.${k}` : k, out, depth + 1);
    }
    return;
  }
  if (JSON.stringify(a ?? null) === JSON.stringify(b ?? null)) return;
  if (empty(a)) out.push({ path, type: 'added', to: b });
  else if (empty(b)) out.push({ path, type: 'removed', from: a });
  else out.push({ path, type: 'changed', from: a, to: b });
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? 'null';
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE)}…` : s;
}

export function changeLine(c: Change): string {
  if (c.type === 'changed') return `~ ${c.path}: ${show(c.from)} → ${show(c.to)}`;
  if (c.type === 'added') return `+ ${c.path}${c.to !== undefined ? `: ${show(c.to)}` : ''}`;
  return `- ${c.path}${c.from !== undefined ? `: ${show(c.from)}` : ''}`;
}

export default definePlugin<Args>({
  name: 'compare-versions',
  tier: 'read',
  async call(args, ctx) {
    let versions: Job[];
    try {
      versions = (await ctx.nomad.get<{ Versions?: Job[] | null }>(nomadPath`/v1/job/${args.job_id}/versions`, { signal: ctx.signal })).data.Versions ?? [];
    } catch (err) {
      throw jobNotFound(err, args.job_id, ctx.namespace);
    }
    const find = (n: number) => versions.find((v) => v.Version === n);
    const a = find(args.from);
    const b = find(args.to);
    const have = versions.map((v) => v.Version).sort((x, y) => (x ?? 0) - (y ?? 0)).join(', ');
    for (const [n, v] of [[args.from, a], [args.to, b]] as const) {
      if (!v) throw new ToolError(`Job ${args.job_id} has no stored version ${n}; Nomad keeps versions ${have || 'none'}.`, 'caller', 404);
    }
    const out: Change[] = [];
    diffValues(a, b, '', out);
    const head = `Job ${args.job_id}: version ${args.from} (${when(a!.SubmitTime)}${a!.Stable ? ', stable' : ''}) → version ${args.to} (${when(b!.SubmitTime)}${b!.Stable ? ', stable' : ''}):`;
    const lines = [out.length ? `${head} ${out.length} change${out.length === 1 ? '' : 's'}.` : `${head} no change in the job specification.`];
    for (const c of out.slice(0, MAX_LINES)) lines.push(`  ${changeLine(c)}`);
    if (out.length > MAX_LINES) lines.push(`  … ${out.length - MAX_LINES} more changes (structuredContent has them all)`);
    return {
      text: truncateText(lines.join('\n'), ctx.config.maxResultBytes, 'structuredContent has every change').text,
      structured: { job_id: args.job_id, from: args.from, to: args.to, changes: out as unknown as Record<string, unknown>[] },
    };
  },
});
