/**
 * Job diffs in the shape of structs.JobDiff (plan with Diff:true, versions with diffs=true):
 * Type Added/Deleted/Edited/None, primitive Fields (maps flattened as `Meta[key]`), Objects for
 * nested blocks, TaskGroups with Tasks and the scheduler's Updates counts.
 */
import type { GroupUpdates } from './scheduler.js';
import type { Job, JsonObject, Task, TaskGroup } from './types.js';

export interface FieldDiff { Type: string; Name: string; Old: string; New: string; Annotations: string[] | null }
export interface ObjectDiff { Type: string; Name: string; Fields: FieldDiff[] | null; Objects: ObjectDiff[] | null }
export interface TaskDiff { Type: string; Name: string; Fields: FieldDiff[] | null; Objects: ObjectDiff[] | null; Annotations: string[] | null }
export interface TaskGroupDiff {
  Type: string; Name: string; Fields: FieldDiff[] | null; Objects: ObjectDiff[] | null; Tasks: TaskDiff[] | null; Updates: Record<string, number> | null;
}
export interface JobDiff { Type: string; ID: string; Fields: FieldDiff[] | null; Objects: ObjectDiff[] | null; TaskGroups: TaskGroupDiff[] | null }

type Obj = JsonObject | null | undefined;

const JOB_SKIP = new Set(['ID', 'Status', 'StatusDescription', 'Stable', 'Version', 'SubmitTime', 'CreateIndex', 'ModifyIndex',
  'JobModifyIndex', 'TaskGroups', 'Payload', 'VersionTag', 'Namespace', 'Update', 'Dispatched', 'ParentID']);
const GROUP_SKIP = new Set(['Name', 'Tasks', 'Migrate']);
const TASK_SKIP = new Set(['Name']);

function fmt(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function isPlain(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPrimitive(v: unknown): boolean {
  return v === null || v === undefined || typeof v !== 'object';
}

/** Flattens an object as Nomad's flatmap does for diffs: `a.b`, `list[0]`, `Meta[key]`. */
function flatten(v: unknown, prefix: string, out: Record<string, string>, mapStyle: boolean): void {
  if (v === null || v === undefined) return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => flatten(x, `${prefix}[${i}]`, out, mapStyle));
    return;
  }
  if (isPlain(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, mapStyle ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k, out, false);
    return;
  }
  out[prefix] = fmt(v);
}

function fieldDiffs(oldF: Record<string, string>, newF: Record<string, string>, contextual: boolean): FieldDiff[] {
  const names = [...new Set([...Object.keys(oldF), ...Object.keys(newF)])].sort();
  const out: FieldDiff[] = [];
  for (const name of names) {
    const o = oldF[name];
    const n = newF[name];
    if (o === n) {
      if (contextual && o !== undefined) out.push({ Type: 'None', Name: name, Old: o, New: n, Annotations: null });
      continue;
    }
    const type = o === undefined || o === '' ? 'Added' : n === undefined || n === '' ? 'Deleted' : 'Edited';
    out.push({ Type: type, Name: name, Old: o ?? '', New: n ?? '', Annotations: null });
  }
  return out;
}

/** Primitive fields and `Map[key]` entries of an object. */
function primitives(o: Obj, skip: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) {
    if (skip.has(k)) continue;
    if (isPrimitive(v)) {
      if (v !== null && v !== undefined) out[k] = fmt(v);
    } else if (isPlain(v) && (k === 'Meta' || k === 'Env' || k === 'Volumes')) {
      for (const [mk, mv] of Object.entries(v)) if (isPrimitive(mv)) out[`${k}[${mk}]`] = fmt(mv);
    }
  }
  return out;
}

function typeOf(fields: FieldDiff[], objects: ObjectDiff[], added: boolean, deleted: boolean): string {
  if (added) return 'Added';
  if (deleted) return 'Deleted';
  return fields.some((f) => f.Type !== 'None') || objects.some((o) => o.Type !== 'None') ? 'Edited' : 'None';
}

function objectDiff(name: string, o: unknown, n: unknown, contextual: boolean): ObjectDiff | null {
  const of: Record<string, string> = {};
  const nf: Record<string, string> = {};
  flatten(o, '', of, false);
  flatten(n, '', nf, false);
  const fields = fieldDiffs(of, nf, contextual);
  const changed = fields.some((f) => f.Type !== 'None');
  if (!changed) return null;
  const empty = (x: unknown) => x === null || x === undefined || (isPlain(x) && Object.keys(x).length === 0);
  const type = empty(o) ? 'Added' : empty(n) ? 'Deleted' : 'Edited';
  return { Type: type, Name: name, Fields: fields, Objects: null };
}

/** Lists (Datacenters, Constraints…) compared as sets of elements. */
function setDiffs(name: string, o: unknown[] | null | undefined, n: unknown[] | null | undefined, contextual: boolean): ObjectDiff[] {
  const ol = o ?? [];
  const nl = n ?? [];
  const key = (x: unknown) => JSON.stringify(x);
  const ok = new Set(ol.map(key));
  const nk = new Set(nl.map(key));
  const out: ObjectDiff[] = [];
  if (ol.every(isPrimitive) && nl.every(isPrimitive)) {
    const fields: FieldDiff[] = [];
    for (const x of ol) if (!nk.has(key(x))) fields.push({ Type: 'Deleted', Name: name, Old: fmt(x), New: '', Annotations: null });
    for (const x of nl) if (!ok.has(key(x))) fields.push({ Type: 'Added', Name: name, Old: '', New: fmt(x), Annotations: null });
    if (contextual && fields.length) for (const x of nl) if (ok.has(key(x))) fields.push({ Type: 'None', Name: name, Old: fmt(x), New: fmt(x), Annotations: null });
    if (fields.length) {
      out.push({ Type: ol.length === 0 ? 'Added' : nl.length === 0 ? 'Deleted' : 'Edited', Name: name, Fields: fields, Objects: null });
    }
    return out;
  }
  for (const x of ol) if (!nk.has(key(x))) out.push(objectDiff(name, x, null, contextual)!);
  for (const x of nl) if (!ok.has(key(x))) out.push(objectDiff(name, null, x, contextual)!);
  return out.filter(Boolean);
}

const SINGULAR: Record<string, string> = {
  Constraints: 'Constraint', Affinities: 'Affinity', Spreads: 'Spread', Services: 'Service', Networks: 'Network',
  Templates: 'Template', Artifacts: 'Artifact', VolumeMounts: 'VolumeMount',
};

function nestedDiffs(o: Obj, n: Obj, skip: Set<string>, contextual: boolean): ObjectDiff[] {
  const keys = [...new Set([...Object.keys(o ?? {}), ...Object.keys(n ?? {})])].sort();
  const out: ObjectDiff[] = [];
  for (const k of keys) {
    if (skip.has(k) || k === 'Meta' || k === 'Env') continue;
    const ov = o?.[k];
    const nv = n?.[k];
    if (Array.isArray(ov) || Array.isArray(nv)) {
      out.push(...setDiffs(SINGULAR[k] ?? k, ov as unknown[] | null, nv as unknown[] | null, contextual));
    } else if (isPlain(ov) || isPlain(nv)) {
      if (k === 'Volumes') continue;
      const d = objectDiff(k, ov, nv, contextual);
      if (d) out.push(d);
    }
  }
  return out;
}

function taskDiff(o: Task | undefined, n: Task | undefined, contextual: boolean): TaskDiff {
  const fields = fieldDiffs(primitives(o, TASK_SKIP), primitives(n, TASK_SKIP), contextual);
  const objects = nestedDiffs(o, n, TASK_SKIP, contextual);
  const type = typeOf(fields, objects, !o, !n);
  let annotations: string[] | null = null;
  if (type === 'Added') annotations = ['forces create'];
  else if (type === 'Deleted') annotations = ['forces destroy'];
  else if (type === 'Edited') annotations = ['forces create/destroy update'];
  return { Type: type, Name: (n ?? o)!.Name, Fields: fields.length ? fields : null, Objects: objects.length ? objects : null, Annotations: annotations };
}

const UPDATE_NAMES: [keyof GroupUpdates, string][] = [
  ['Ignore', 'ignore'], ['Place', 'create'], ['Stop', 'destroy'], ['Migrate', 'migrate'], ['InPlaceUpdate', 'in-place update'],
  ['DestructiveUpdate', 'create/destroy update'], ['Canary', 'canary'], ['Preemptions', 'preemptions'],
];

function groupDiff(o: TaskGroup | undefined, n: TaskGroup | undefined, contextual: boolean, updates: GroupUpdates | undefined): TaskGroupDiff {
  const fields = fieldDiffs(primitives(o, GROUP_SKIP), primitives(n, GROUP_SKIP), contextual);
  const objects = nestedDiffs(o, n, GROUP_SKIP, contextual);
  const names = [...new Set([...(o?.Tasks ?? []).map((t) => t.Name), ...(n?.Tasks ?? []).map((t) => t.Name)])].sort();
  const tasks = names.map((name) => taskDiff(o?.Tasks.find((t) => t.Name === name), n?.Tasks.find((t) => t.Name === name), contextual));
  let type = typeOf(fields, objects, !o, !n);
  if (type === 'None' && tasks.some((t) => t.Type !== 'None')) type = 'Edited';
  let upd: Record<string, number> | null = null;
  if (updates) {
    upd = {};
    for (const [k, name] of UPDATE_NAMES) if (updates[k] > 0) upd[name] = updates[k];
    if (Object.keys(upd).length === 0) upd = null;
  }
  // An in-place-only change shows as such on its tasks.
  if (updates && updates.DestructiveUpdate === 0 && updates.InPlaceUpdate > 0) {
    for (const t of tasks) if (t.Type === 'Edited') t.Annotations = ['forces in-place update'];
  }
  return {
    Type: type, Name: (n ?? o)!.Name, Fields: fields.length ? fields : null, Objects: objects.length ? objects : null,
    Tasks: tasks.length ? tasks : null, Updates: upd,
  };
}

/** Diff of `next` against `prev` (prev undefined = Added). */
export function diffJobs(prev: Job | undefined, next: Job | undefined, updates: Record<string, GroupUpdates> = {}, contextual = true): JobDiff {
  const fields = fieldDiffs(primitives(prev, JOB_SKIP), primitives(next, JOB_SKIP), contextual && !!prev && !!next);
  const objects = nestedDiffs(prev, next, JOB_SKIP, contextual && !!prev && !!next);
  const names = [...new Set([...(prev?.TaskGroups ?? []).map((g) => g.Name), ...(next?.TaskGroups ?? []).map((g) => g.Name)])];
  const groups = names.map((name) =>
    groupDiff(prev?.TaskGroups.find((g) => g.Name === name), next?.TaskGroups.find((g) => g.Name === name), contextual && !!prev, updates[name]));
  let type = typeOf(fields, objects, !prev, !next);
  if (type === 'None' && groups.some((g) => g.Type !== 'None')) type = 'Edited';
  return {
    Type: type, ID: (next ?? prev)!.ID, Fields: fields.length ? fields : null, Objects: objects.length ? objects : null,
    TaskGroups: groups.length ? groups : null,
  };
}
