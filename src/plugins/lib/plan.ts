/** A job plan (PUT /v1/job/:id/plan with Diff: true) as a short readable summary. */
import type { ToolContext } from '../../host/plugin.js';
import { nomadPath } from '../../host/template.js';
import { placementSentences } from './placement.js';
import { warningLines } from './register.js';

export interface FieldDiff {
  Type?: string;
  Name?: string;
  Old?: string;
  New?: string;
  Annotations?: string[] | null;
}

/** What every diff level has. */
interface DiffBase {
  Type?: string;
  Fields?: FieldDiff[] | null;
  Objects?: ObjectDiff[] | null;
}

export interface ObjectDiff extends DiffBase {
  Name?: string;
}

export interface TaskDiff extends ObjectDiff {
  Annotations?: string[] | null;
}

export interface TaskGroupDiff extends ObjectDiff {
  Tasks?: TaskDiff[] | null;
  Updates?: Record<string, number> | null;
}

/** api/jobs.go JobDiff: Type, ID, Fields, Objects, TaskGroups (no Name). */
export interface JobDiff extends DiffBase {
  ID?: string;
  TaskGroups?: TaskGroupDiff[] | null;
}

export interface DesiredUpdates {
  Ignore?: number;
  Place?: number;
  Migrate?: number;
  Stop?: number;
  InPlaceUpdate?: number;
  DestructiveUpdate?: number;
  Canary?: number;
  Preemptions?: number;
}

export interface PlanResponse {
  Annotations?: { DesiredTGUpdates?: Record<string, DesiredUpdates> | null } | null;
  FailedTGAllocs?: Record<string, import('./nomad.js').AllocMetric> | null;
  JobModifyIndex?: number;
  Diff?: JobDiff | null;
  Warnings?: string;
  NextPeriodicLaunch?: string;
}

/** Changed-field lines shown at most. */
export const MAX_CHANGES = 40;
const MAX_VALUE = 80;

function value(v: string | undefined, missing: string): string {
  if (v === undefined || v === '') return missing;
  const s = v.length > MAX_VALUE ? `${v.slice(0, MAX_VALUE)}…` : v;
  return /\s|→/.test(s) ? JSON.stringify(s) : s;
}

function fieldLine(prefix: string, f: FieldDiff): string {
  const ann = f.Annotations?.length ? ` (${f.Annotations.join(', ')})` : '';
  return `${prefix}${f.Name ?? '?'}: ${value(f.Old, '(none)')} → ${value(f.New, '(removed)')}${ann}`;
}

/** Changed fields of an object diff, depth first, as `path.Field: old → new`. */
export function collectChanges(d: ObjectDiff, prefix: string, out: string[]): void {
  for (const f of d.Fields ?? []) if (f.Type && f.Type !== 'None') out.push(fieldLine(prefix, f));
  for (const o of d.Objects ?? []) {
    if (!o.Type || o.Type === 'None') continue;
    const before = out.length;
    collectChanges(o, `${prefix}${o.Name ?? '?'}.`, out);
    if (out.length === before) out.push(`${prefix}${o.Name ?? '?'}: ${o.Type.toLowerCase()}`);
  }
}

/** All changed fields of a job diff, with group/task context. */
export function diffChanges(diff: JobDiff | null | undefined): string[] {
  if (!diff) return [];
  const out: string[] = [];
  collectChanges(diff, '', out);
  for (const g of diff.TaskGroups ?? []) {
    if (!g.Type || g.Type === 'None') continue;
    const gp = `group ${g.Name ?? '?'}`;
    if (g.Type === 'Added' || g.Type === 'Deleted') {
      out.push(`${gp}: ${g.Type.toLowerCase()}`);
      continue;
    }
    collectChanges(g, `${gp}: `, out);
    for (const t of g.Tasks ?? []) {
      if (!t.Type || t.Type === 'None') continue;
      const tp = `${gp} task ${t.Name ?? '?'}`;
      if (t.Type === 'Added' || t.Type === 'Deleted') {
        out.push(`${tp}: ${t.Type.toLowerCase()}`);
        continue;
      }
      const before = out.length;
      collectChanges(t, `${tp}: `, out);
      if (out.length === before) out.push(`${tp}: ${t.Type.toLowerCase()}`);
      if (t.Annotations?.length) out.push(`${tp}: ${t.Annotations.join(', ')}`);
    }
  }
  return out;
}

const UPDATE_NAMES: [keyof DesiredUpdates, string][] = [
  ['Place', 'place'],
  ['Stop', 'stop'],
  ['InPlaceUpdate', 'in-place update'],
  ['DestructiveUpdate', 'destructive update'],
  ['Migrate', 'migrate'],
  ['Canary', 'canary'],
  ['Preemptions', 'preempt'],
  ['Ignore', 'ignore'],
];

/** `web: 2 place, 1 destructive update` per group. */
export function groupUpdates(updates: Record<string, DesiredUpdates> | null | undefined): string[] {
  return Object.keys(updates ?? {})
    .sort()
    .map((g) => {
      const u = updates![g];
      const parts = UPDATE_NAMES.filter(([k]) => (u[k] ?? 0) > 0).map(([k, name]) => `${u[k]} ${name}`);
      return `${g}: ${parts.length ? parts.join(', ') : 'no change'}`;
    });
}

/** PUT /v1/job/:id/plan with Diff in the given namespace: Nomad registers nothing. */
export async function planJob(ctx: ToolContext, job: { ID: string; [k: string]: unknown }, namespace: string): Promise<PlanResponse> {
  const res = await ctx.nomad.put<PlanResponse>(
    nomadPath`/v1/job/${job.ID}/plan`,
    { Job: { ...job, Namespace: namespace }, Diff: true },
    { query: { namespace }, signal: ctx.signal },
  );
  return res.data ?? {};
}

export interface PlanSummary {
  /** Answer lines after the caller's first line (diff, updates, changes, failures, warnings). */
  lines: string[];
  diffType: string;
  changes: string[];
  failures: string[];
  warnings: string[];
}

/** The readable body of a plan, shared by submit_job_file's dry run and plan_job. */
export function summarisePlan(plan: PlanResponse): PlanSummary {
  const diffType = plan.Diff?.Type ?? 'None';
  const updates = groupUpdates(plan.Annotations?.DesiredTGUpdates);
  const changes = diffChanges(plan.Diff);
  const failures = placementSentences(plan.FailedTGAllocs);
  const warnings = warningLines(plan.Warnings);
  const lines = [`job diff: ${diffType}${diffType === 'Added' ? ' (a new job)' : diffType === 'None' ? ' (no change to the specification)' : ''}`];
  if (updates.length) lines.push('scheduler would:', ...updates.map((u) => `  ${u}`));
  if (changes.length && diffType !== 'Added') {
    lines.push('changes:');
    lines.push(...changes.slice(0, MAX_CHANGES).map((c) => `  ${c}`));
    if (changes.length > MAX_CHANGES) lines.push(`  … and ${changes.length - MAX_CHANGES} more changes`);
  }
  if (failures.length) lines.push('placement would fail:', ...failures.map((s) => `  ${s}`));
  if (warnings.length) lines.push(`warnings: ${warnings.join('; ')}`);
  return { lines, diffType, changes, failures, warnings };
}

/** The structured form of a plan (shared keys of submit_job_file dry runs and plan_job). */
export function planStructured(plan: PlanResponse, s: PlanSummary): Record<string, unknown> {
  return {
    diff_type: s.diffType,
    group_updates: Object.fromEntries(Object.entries(plan.Annotations?.DesiredTGUpdates ?? {})),
    changes: s.changes.slice(0, MAX_CHANGES),
    placement_failures: s.failures,
    warnings: s.warnings,
    job_modify_index: plan.JobModifyIndex ?? null,
  };
}
