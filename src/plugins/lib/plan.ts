/** A job plan (PUT /v1/job/:id/plan with Diff: true) as a short readable summary. */

export interface FieldDiff {
  Type?: string;
  Name?: string;
  Old?: string;
  New?: string;
  Annotations?: string[] | null;
}

export interface ObjectDiff {
  Type?: string;
  Name?: string;
  Fields?: FieldDiff[] | null;
  Objects?: ObjectDiff[] | null;
}

export interface TaskDiff extends ObjectDiff {
  Annotations?: string[] | null;
}

export interface TaskGroupDiff extends ObjectDiff {
  Tasks?: TaskDiff[] | null;
  Updates?: Record<string, number> | null;
}

export interface JobDiff extends ObjectDiff {
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
