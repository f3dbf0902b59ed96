/**
 * Node-by-node feasibility of a task group, in the order Nomad's generic stack checks it
 * (scheduler/stack.go NewGenericStack: node pool and datacenter → node readiness → job, group and
 * task constraints → drivers → devices → resources in bin packing → affinities and spreads, which
 * only score). Each node gets the first check that rules it out, as the scheduler stops there.
 * Constraint operands follow scheduler/feasible.go checkConstraint; `regexp` runs on RE2 (linear
 * time, the jobspec is caller text); `version`/`semver` and the checks that need state the API does
 * not expose (ports, distinct_property, quotas, CSI and host volumes, preemption) are reported as
 * not evaluated.
 */
import { createRequire } from 'node:module';
import { globMatches } from '../explain-placement.js';

// re2js takes tens of milliseconds to load: loaded at the first regexp constraint, not when serve starts
const requireLazy = createRequire(import.meta.url);
let re2: typeof import('re2js') | undefined;
const RE2 = (): typeof import('re2js') => (re2 ??= requireLazy('re2js') as typeof import('re2js'));

export interface Constraint {
  LTarget?: string;
  RTarget?: string;
  Operand?: string;
}

export interface Affinity extends Constraint {
  Weight?: number;
}

export interface TaskSpec {
  Name: string;
  Driver?: string;
  Constraints?: Constraint[] | null;
  Affinities?: Affinity[] | null;
  Resources?: { CPU?: number; MemoryMB?: number; Devices?: { Name?: string; Count?: number }[] | null } | null;
}

export interface GroupSpec {
  Name: string;
  Count?: number;
  Constraints?: Constraint[] | null;
  Affinities?: Affinity[] | null;
  Spreads?: { Attribute?: string; Weight?: number }[] | null;
  Tasks?: TaskSpec[] | null;
  EphemeralDisk?: { SizeMB?: number } | null;
}

export interface JobSpec {
  ID: string;
  Datacenters?: string[] | null;
  NodePool?: string;
  Constraints?: Constraint[] | null;
  Affinities?: Affinity[] | null;
  Spreads?: { Attribute?: string; Weight?: number }[] | null;
  TaskGroups?: GroupSpec[] | null;
}

/** An allocation of `/v1/allocations?resources=true`, as far as the resources it holds on its node. */
export interface AllocResources {
  NodeID?: string;
  DesiredStatus?: string;
  ClientStatus?: string;
  AllocatedResources?: {
    Tasks?: Record<string, { Cpu?: { CpuShares?: number }; Memory?: { MemoryMB?: number } }> | null;
    Shared?: { DiskMB?: number } | null;
  } | null;
}

/** CPU (MHz), memory and disk (MB) held per node by allocations placed and wanted (desired run; running or pending), and how many. */
export function heldPerNode(allocs: AllocResources[]): Map<string, { cpu: number; mem: number; disk: number; n: number }> {
  const held = new Map<string, { cpu: number; mem: number; disk: number; n: number }>();
  for (const a of allocs) {
    if (a.DesiredStatus !== 'run' || !(a.ClientStatus === 'running' || a.ClientStatus === 'pending')) continue;
    const u = held.get(a.NodeID ?? '') ?? { cpu: 0, mem: 0, disk: 0, n: 0 };
    for (const t of Object.values(a.AllocatedResources?.Tasks ?? {})) {
      u.cpu += t.Cpu?.CpuShares ?? 0;
      u.mem += t.Memory?.MemoryMB ?? 0;
    }
    u.disk += a.AllocatedResources?.Shared?.DiskMB ?? 0;
    u.n++;
    held.set(a.NodeID ?? '', u);
  }
  return held;
}

export interface FullNode {
  ID: string;
  Name?: string;
  Datacenter?: string;
  NodePool?: string;
  NodeClass?: string;
  Status?: string;
  SchedulingEligibility?: string;
  DrainStrategy?: unknown;
  Drain?: boolean;
  Attributes?: Record<string, string> | null;
  Meta?: Record<string, string> | null;
  Drivers?: Record<string, { Detected?: boolean; Healthy?: boolean }> | null;
  NodeResources?: {
    Cpu?: { CpuShares?: number }; Memory?: { MemoryMB?: number }; Disk?: { DiskMB?: number };
    Devices?: { Vendor?: string; Type?: string; Name?: string; Instances?: { Healthy?: boolean }[] | null }[] | null;
  } | null;
  ReservedResources?: { Cpu?: { CpuShares?: number }; Memory?: { MemoryMB?: number }; Disk?: { DiskMB?: number } } | null;
}

export type Step = 'node pool' | 'datacenter' | 'status' | 'constraint' | 'driver' | 'device' | 'resources';

export interface NodeVerdict {
  node: string;
  node_id: string;
  feasible: boolean;
  /** The check that ruled the node out. */
  step: Step | null;
  reason: string | null;
  /** Checks passed before the verdict, in order. */
  passed: Step[];
  free: { cpu_mhz: number; memory_mb: number; disk_mb: number };
  affinities: string[];
}

/** The order of the steps, for the answer. */
export const STEPS: Step[] = ['node pool', 'datacenter', 'status', 'constraint', 'driver', 'device', 'resources'];

/** What a verdict never covers. */
export const NOT_EVALUATED = [
  'network ports (static and dynamic port availability)',
  'distinct_property constraints',
  'host and CSI volumes',
  'quotas',
  'preemption of lower-priority allocations',
];

/** The value a constraint target names on a node (scheduler/feasible.go resolveTarget). */
export function resolveTarget(target: string | undefined, node: FullNode): { value: string | undefined; known: boolean } {
  if (!target) return { value: '', known: true };
  const m = /^\$\{(.+)\}$/.exec(target);
  if (!m) return { value: target, known: true };
  const t = m[1];
  switch (t) {
    case 'node.unique.id': return { value: node.ID, known: true };
    case 'node.datacenter': return { value: node.Datacenter, known: true };
    case 'node.unique.name': return { value: node.Name, known: true };
    case 'node.class': return { value: node.NodeClass ?? '', known: true };
    case 'node.pool': return { value: node.NodePool ?? 'default', known: true };
    default:
      if (t.startsWith('attr.')) {
        const v = node.Attributes?.[t.slice(5)];
        return { value: v, known: v !== undefined };
      }
      if (t.startsWith('meta.')) {
        const v = node.Meta?.[t.slice(5)];
        return { value: v, known: v !== undefined };
      }
      return { value: undefined, known: false };
  }
}

function cmpNum(l: string, r: string, op: string): boolean | undefined {
  const a = Number(l);
  const b = Number(r);
  if (Number.isFinite(a) && Number.isFinite(b) && l.trim() !== '' && r.trim() !== '') {
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  }
  return op === '<' ? l < r : op === '<=' ? l <= r : op === '>' ? l > r : l >= r;
}

/** true/false, or undefined when the operand is not evaluated here. */
export function constraintHolds(c: Constraint, node: FullNode): boolean | undefined {
  const op = c.Operand || '=';
  if (op === 'distinct_hosts' || op === 'distinct_property') return undefined;
  const l = resolveTarget(c.LTarget, node);
  const r = resolveTarget(c.RTarget, node);
  switch (op) {
    case 'is_set': return l.known && l.value !== undefined;
    case 'is_not_set': return !l.known || l.value === undefined;
    case '=': case '==': case 'is': return l.known && r.known && l.value === r.value;
    case '!=': case 'not': return !(l.known && r.known && l.value === r.value);
    case '<': case '<=': case '>': case '>=':
      return l.known && r.known && l.value !== undefined && r.value !== undefined ? cmpNum(l.value, r.value, op) : false;
    case 'regexp': {
      if (!l.known || l.value === undefined || r.value === undefined) return false;
      try {
        return RE2().RE2JS.compile(r.value).matcher(l.value).find();
      } catch {
        return false;
      }
    }
    case 'set_contains': case 'set_contains_all': {
      if (!l.known || l.value === undefined) return false;
      const have = new Set(l.value.split(',').map((s) => s.trim()));
      return (r.value ?? '').split(',').map((s) => s.trim()).every((x) => have.has(x));
    }
    case 'set_contains_any': {
      if (!l.known || l.value === undefined) return false;
      const have = new Set(l.value.split(',').map((s) => s.trim()));
      return (r.value ?? '').split(',').map((s) => s.trim()).some((x) => have.has(x));
    }
    default: return undefined;
  }
}

export function constraintText(c: Constraint): string {
  const op = c.Operand || '=';
  if (op === 'is_set' || op === 'is_not_set') return `${c.LTarget} ${op}`;
  return `${c.LTarget ?? ''} ${op} ${c.RTarget ?? ''}`.trim();
}

/** Nomad's datacenter glob (go-glob), shared with explain_placement_failure. */
function dcMatches(patterns: string[], dc: string): boolean {
  return patterns.some((p) => globMatches(p, dc));
}

function deviceMatches(want: string, d: { Vendor?: string; Type?: string; Name?: string }): boolean {
  const ids = [d.Type, `${d.Vendor}/${d.Type}`, `${d.Vendor}/${d.Type}/${d.Name}`];
  return ids.includes(want);
}

/** Group-level needs: CPU and memory of its tasks, ephemeral disk (300 MB by default). */
export function groupNeeds(tg: GroupSpec): { cpu: number; mem: number; disk: number } {
  let cpu = 0;
  let mem = 0;
  for (const t of tg.Tasks ?? []) {
    cpu += t.Resources?.CPU ?? 100;
    mem += t.Resources?.MemoryMB ?? 300;
  }
  return { cpu, mem, disk: tg.EphemeralDisk?.SizeMB ?? 300 };
}

/** One node's verdict for a group; `used` is what live allocations hold on it. */
export function judgeNode(
  job: JobSpec, tg: GroupSpec, node: FullNode, used: { cpu: number; mem: number; disk: number }, notEvaluated: Set<string>,
): NodeVerdict {
  const total = {
    cpu: (node.NodeResources?.Cpu?.CpuShares ?? 0) - (node.ReservedResources?.Cpu?.CpuShares ?? 0),
    mem: (node.NodeResources?.Memory?.MemoryMB ?? 0) - (node.ReservedResources?.Memory?.MemoryMB ?? 0),
    disk: (node.NodeResources?.Disk?.DiskMB ?? 0) - (node.ReservedResources?.Disk?.DiskMB ?? 0),
  };
  const free = { cpu_mhz: total.cpu - used.cpu, memory_mb: total.mem - used.mem, disk_mb: total.disk - used.disk };
  const passed: Step[] = [];
  const out = (step: Step | null, reason: string | null): NodeVerdict => ({
    node: node.Name ?? node.ID, node_id: node.ID, feasible: step === null, step, reason, passed, free, affinities: [],
  });
  const pool = job.NodePool || 'default';
  if (pool !== 'all' && (node.NodePool || 'default') !== pool) return out('node pool', `in node pool ${node.NodePool || 'default'}, the job wants ${pool}`);
  passed.push('node pool');
  const dcs = job.Datacenters?.length ? job.Datacenters : ['*'];
  if (!dcMatches(dcs, node.Datacenter ?? '')) return out('datacenter', `in datacenter ${node.Datacenter}, the job wants ${dcs.join(', ')}`);
  passed.push('datacenter');
  if (node.Status !== 'ready') return out('status', `node is ${node.Status}`);
  if (node.DrainStrategy || node.Drain) return out('status', 'node is draining');
  if (node.SchedulingEligibility === 'ineligible') return out('status', 'node is ineligible for scheduling');
  passed.push('status');
  const constraints = [...(job.Constraints ?? []), ...(tg.Constraints ?? []), ...(tg.Tasks ?? []).flatMap((t) => t.Constraints ?? [])];
  for (const c of constraints) {
    const ok = constraintHolds(c, node);
    if (ok === undefined) {
      notEvaluated.add(`constraint ${constraintText(c)}`);
      continue;
    }
    if (!ok) {
      const l = resolveTarget(c.LTarget, node);
      return out('constraint', `constraint ${constraintText(c)} fails (node has ${l.known ? JSON.stringify(l.value) : `no ${c.LTarget}`})`);
    }
  }
  passed.push('constraint');
  for (const t of tg.Tasks ?? []) {
    const d = node.Drivers?.[t.Driver ?? ''];
    if (!d || !d.Detected) return out('driver', `driver ${t.Driver} (task ${t.Name}) is not on the node`);
    if (!d.Healthy) return out('driver', `driver ${t.Driver} (task ${t.Name}) is unhealthy on the node`);
  }
  passed.push('driver');
  for (const t of tg.Tasks ?? []) {
    for (const want of t.Resources?.Devices ?? []) {
      const name = want.Name ?? '';
      const healthy = (node.NodeResources?.Devices ?? []).filter((d) => deviceMatches(name, d)).reduce((n, d) => n + (d.Instances ?? []).filter((i) => i.Healthy !== false).length, 0);
      if (healthy < (want.Count ?? 1)) return out('device', `device ${name} ×${want.Count ?? 1} (task ${t.Name}): the node has ${healthy} healthy`);
    }
  }
  passed.push('device');
  const need = groupNeeds(tg);
  const short: string[] = [];
  if (need.cpu > free.cpu_mhz) short.push(`cpu: needs ${need.cpu} MHz, ${free.cpu_mhz} free`);
  if (need.mem > free.memory_mb) short.push(`memory: needs ${need.mem} MB, ${free.memory_mb} free`);
  if (need.disk > free.disk_mb) short.push(`disk: needs ${need.disk} MB, ${free.disk_mb} free`);
  if (short.length) return out('resources', `resources exhausted (${short.join('; ')})`);
  passed.push('resources');
  const v = out(null, null);
  for (const a of [...(job.Affinities ?? []), ...(tg.Affinities ?? []), ...(tg.Tasks ?? []).flatMap((t) => t.Affinities ?? [])]) {
    const ok = constraintHolds(a, node);
    v.affinities.push(`affinity ${constraintText(a)} (weight ${a.Weight ?? 50}): ${ok === undefined ? 'not evaluated' : ok ? 'matches' : 'does not match'}`);
  }
  return v;
}
