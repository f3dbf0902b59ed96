/**
 * get_cluster_capacity: allocated against available CPU, memory and disk, per node and in total or
 * per datacenter, node pool or class; the most one new allocation could get on a single node; and
 * the nodes under pressure. Capacity is NodeResources minus ReservedResources (GET
 * /v1/nodes?resources=true); allocated is the AllocatedResources of the allocations that hold
 * resources (desired run, client pending or running; GET /v1/allocations?resources=true&namespace=*),
 * as Nomad's scheduler counts them (structs.AllocsFit over non-terminal allocations).
 */
import { definePlugin, truncateText } from '../host/plugin.js';
import { budgetSignal, read } from './lib/fanout.js';
import { type AllocResources, heldPerNode } from './lib/feasibility.js';
import { plural } from './lib/nomad.js';

interface Args {
  [key: string]: unknown;
  group_by?: 'datacenter' | 'node_pool' | 'class';
}

interface NodeStub {
  ID: string;
  Name?: string;
  Datacenter?: string;
  NodePool?: string;
  NodeClass?: string;
  Status?: string;
  SchedulingEligibility?: string;
  Drain?: boolean;
  NodeResources?: { Cpu?: { CpuShares?: number }; Memory?: { MemoryMB?: number }; Disk?: { DiskMB?: number } } | null;
  ReservedResources?: { Cpu?: { CpuShares?: number }; Memory?: { MemoryMB?: number }; Disk?: { DiskMB?: number } } | null;
}

export interface Amounts {
  cpu_mhz: number;
  memory_mb: number;
  disk_mb: number;
}

export interface NodeCapacity {
  id: string;
  name: string;
  datacenter: string;
  node_pool: string;
  class: string;
  schedulable: boolean;
  status: string;
  total: Amounts;
  allocated: Amounts;
  free: Amounts;
  allocations: number;
}

/** Share of CPU or memory allocated at which a node counts as under pressure. */
export const PRESSURE = 0.85;

const zero = (): Amounts => ({ cpu_mhz: 0, memory_mb: 0, disk_mb: 0 });
function add(a: Amounts, b: Amounts): void {
  a.cpu_mhz += b.cpu_mhz;
  a.memory_mb += b.memory_mb;
  a.disk_mb += b.disk_mb;
}
const pct = (used: number, total: number) => (total > 0 ? Math.round((used / total) * 100) : 0);

/** Per-node capacity from node stubs (with resources) and allocation stubs (with resources). */
export function nodeCapacities(nodes: NodeStub[], allocs: AllocResources[]): NodeCapacity[] {
  const used = heldPerNode(allocs);
  return nodes.map((n) => {
    const total: Amounts = {
      cpu_mhz: (n.NodeResources?.Cpu?.CpuShares ?? 0) - (n.ReservedResources?.Cpu?.CpuShares ?? 0),
      memory_mb: (n.NodeResources?.Memory?.MemoryMB ?? 0) - (n.ReservedResources?.Memory?.MemoryMB ?? 0),
      disk_mb: (n.NodeResources?.Disk?.DiskMB ?? 0) - (n.ReservedResources?.Disk?.DiskMB ?? 0),
    };
    const h = used.get(n.ID);
    const allocated: Amounts = h ? { cpu_mhz: h.cpu, memory_mb: h.mem, disk_mb: h.disk } : zero();
    return {
      id: n.ID, name: n.Name ?? n.ID, datacenter: n.Datacenter ?? '', node_pool: n.NodePool || 'default', class: n.NodeClass || '',
      schedulable: n.Status === 'ready' && n.SchedulingEligibility !== 'ineligible' && !n.Drain,
      status: n.Status === 'ready' ? (n.Drain ? 'draining' : n.SchedulingEligibility === 'ineligible' ? 'ineligible' : 'ready') : n.Status ?? '?',
      total, allocated,
      free: { cpu_mhz: total.cpu_mhz - allocated.cpu_mhz, memory_mb: total.memory_mb - allocated.memory_mb, disk_mb: total.disk_mb - allocated.disk_mb },
      allocations: h?.n ?? 0,
    };
  });
}

function line(label: string, total: Amounts, allocated: Amounts): string {
  return `${label}: CPU ${allocated.cpu_mhz}/${total.cpu_mhz} MHz (${pct(allocated.cpu_mhz, total.cpu_mhz)}%), memory ${allocated.memory_mb}/${total.memory_mb} MB (${pct(allocated.memory_mb, total.memory_mb)}%), disk ${allocated.disk_mb}/${total.disk_mb} MB (${pct(allocated.disk_mb, total.disk_mb)}%)`;
}

export default definePlugin<Args>({
  name: 'cluster-capacity',
  tier: 'read',
  async call(args, ctx) {
    const signal = budgetSignal(ctx);
    const [nodesR, allocsR] = await Promise.all([
      read(ctx, signal, 'node:read', (s) => ctx.nomad.get<NodeStub[]>('/v1/nodes', { signal: s, query: { resources: 'true' } })),
      read(ctx, signal, 'read-job', (s) => ctx.nomad.get<AllocResources[]>('/v1/allocations', { signal: s, query: { resources: 'true', namespace: '*', task_states: 'false' } })),
    ]);
    if (!nodesR.ok) {
      return { text: `Cannot read the client nodes (${nodesR.reason}; needs ${nodesR.capability}), so capacity is unknown.`, isError: true };
    }
    const caps = nodeCapacities(nodesR.data ?? [], allocsR.ok ? allocsR.data ?? [] : []);
    const sched = caps.filter((c) => c.schedulable);
    const total = zero();
    const allocated = zero();
    for (const c of sched) {
      add(total, c.total);
      add(allocated, c.allocated);
    }
    const lines: string[] = [];
    lines.push(line(`Schedulable capacity (${plural(sched.length, 'node')} ready and eligible of ${caps.length})`, total, allocated));
    if (!allocsR.ok) lines.push(`Allocated amounts unknown: ${allocsR.reason}; needs ${allocsR.capability} in every namespace.`);
    const groups: Record<string, { nodes: number; total: Amounts; allocated: Amounts }> = {};
    if (args.group_by) {
      const key = (c: NodeCapacity) => (args.group_by === 'datacenter' ? c.datacenter : args.group_by === 'node_pool' ? c.node_pool : c.class || '(no class)');
      for (const c of sched) {
        const g = (groups[key(c)] ??= { nodes: 0, total: zero(), allocated: zero() });
        g.nodes++;
        add(g.total, c.total);
        add(g.allocated, c.allocated);
      }
      lines.push(`By ${args.group_by.replace('_', ' ')}:`);
      for (const [k, g] of Object.entries(groups).sort()) lines.push(`  ${line(`${k} (${plural(g.nodes, 'node')})`, g.total, g.allocated)}`);
    }
    const most = (k: keyof Amounts) => sched.reduce<NodeCapacity | undefined>((best, c) => (!best || c.free[k] > best.free[k] ? c : best), undefined);
    const bigMem = most('memory_mb');
    const bigCpu = most('cpu_mhz');
    const largest = {
      memory_mb: bigMem?.free.memory_mb ?? 0, memory_node: bigMem?.name ?? null,
      cpu_mhz: bigCpu?.free.cpu_mhz ?? 0, cpu_node: bigCpu?.name ?? null,
      both: bigMem ? { cpu_mhz: bigMem.free.cpu_mhz, memory_mb: bigMem.free.memory_mb, disk_mb: bigMem.free.disk_mb, node: bigMem.name } : null,
    };
    if (bigMem) {
      lines.push(`Largest placeable on one node: ${largest.memory_mb} MB memory (${largest.memory_node}, with ${bigMem.free.cpu_mhz} MHz CPU free there), ${largest.cpu_mhz} MHz CPU (${largest.cpu_node}).`);
    } else lines.push('No node is ready and eligible: nothing can be placed.');
    const pressure = sched.filter((c) => c.allocated.cpu_mhz >= c.total.cpu_mhz * PRESSURE || c.allocated.memory_mb >= c.total.memory_mb * PRESSURE);
    lines.push(pressure.length
      ? `Under pressure (≥${PRESSURE * 100}% of CPU or memory allocated): ${pressure.map((c) => `${c.name} (CPU ${pct(c.allocated.cpu_mhz, c.total.cpu_mhz)}%, memory ${pct(c.allocated.memory_mb, c.total.memory_mb)}%)`).join(', ')}.`
      : `No node has ${PRESSURE * 100}% or more of its CPU or memory allocated.`);
    lines.push('Nodes:');
    for (const c of caps) {
      lines.push(`  ${c.name} ${c.datacenter}/${c.node_pool}${c.class ? `/${c.class}` : ''} ${c.status}: CPU ${c.allocated.cpu_mhz}/${c.total.cpu_mhz} MHz, memory ${c.allocated.memory_mb}/${c.total.memory_mb} MB, ${plural(c.allocations, 'allocation')}`);
    }
    const excluded = caps.filter((c) => !c.schedulable);
    if (excluded.length) lines.push(`Not counted as available: ${excluded.map((c) => `${c.name} (${c.status})`).join(', ')}.`);
    return {
      text: truncateText(lines.join('\n'), ctx.config.maxResultBytes, 'use group_by for totals; structuredContent has every node').text,
      structured: {
        schedulable_nodes: sched.length, total, allocated,
        free: { cpu_mhz: total.cpu_mhz - allocated.cpu_mhz, memory_mb: total.memory_mb - allocated.memory_mb, disk_mb: total.disk_mb - allocated.disk_mb },
        largest_placeable: largest,
        under_pressure: pressure.map((c) => c.name),
        groups: args.group_by ? groups : null,
        nodes: caps as unknown as Record<string, unknown>[],
        allocations_known: allocsR.ok,
      },
    };
  },
});
