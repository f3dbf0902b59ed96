/** Client nodes: factory for the seed, and /v1/nodes, /v1/node/:id[/drain|/eligibility|/allocations|/evaluate]. */
import { allocFull } from './allocations.js';
import { nodeEvent } from './emit.js';
import { coded, type Ctx, rpcError } from './http.js';
import { rfc3339 } from './ids.js';
import { isTerminalAlloc } from './jobmodel.js';
import { listItems } from './query.js';
import { evaluateJob, retryBlocked, stopAlloc } from './scheduler.js';
import type { SimState } from './state.js';
import type { JsonObject, Node } from './types.js';

export interface NodeSpec {
  name: string;
  datacenter?: string;
  nodeClass?: string;
  ip: string;
  cpuMHz?: number;
  memoryMB?: number;
  kernel?: string;
  meta?: Record<string, string>;
}

/** Builds a ready, eligible client node with docker/exec/raw_exec drivers. */
export function makeNode(state: SimState, spec: NodeSpec, index: number): Node {
  const cpu = spec.cpuMHz ?? 4000;
  const mem = spec.memoryMB ?? 8192;
  const kernel = spec.kernel ?? 'linux';
  const now = Date.now();
  const driver = (detected: boolean): JsonObject => ({
    Attributes: null, Detected: detected, Healthy: detected, HealthDescription: detected ? 'Healthy' : 'Driver not detected', UpdateTime: rfc3339(now),
  });
  return {
    ID: state.ids.uuid(),
    SecretID: '',
    Datacenter: spec.datacenter ?? 'dc1',
    Name: spec.name,
    HTTPAddr: `${spec.ip}:4646`,
    TLSEnabled: false,
    Attributes: {
      'kernel.name': kernel,
      'kernel.version': kernel === 'linux' ? '6.8.0-45-generic' : '10.0.20348',
      'os.name': kernel === 'linux' ? 'ubuntu' : 'windows',
      'os.version': kernel === 'linux' ? '22.04' : '2022',
      'cpu.arch': 'amd64',
      'cpu.numcores': String(Math.round(cpu / 1000)),
      'cpu.totalcompute': String(cpu),
      'cpu.modelname': 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz',
      'memory.totalbytes': String(mem * 1024 * 1024),
      'nomad.version': '1.9.7',
      'nomad.revision': 'f869597f5a96fe0a4e5f3e6e8cd1c6e1e4f1b9a3',
      'nomad.advertise.address': `${spec.ip}:4646`,
      'unique.hostname': spec.name,
      'unique.network.ip-address': spec.ip,
      'driver.docker': '1',
      'driver.docker.version': '27.3.1',
      'driver.exec': '1',
      'driver.raw_exec': '1',
    },
    NodeResources: {
      Cpu: { CpuShares: cpu, TotalCpuCores: Math.round(cpu / 1000), ReservableCpuCores: null },
      Memory: { MemoryMB: mem },
      Disk: { DiskMB: 100_000 },
      Networks: null,
      NodeNetworks: [{ Mode: 'host', Device: 'eth0', MacAddress: '', Speed: 1000, Addresses: [{ Family: 'ipv4', Alias: 'default', Address: spec.ip, ReservedPorts: '', Gateway: '' }] }],
      Devices: null,
      MinDynamicPort: 20000,
      MaxDynamicPort: 32000,
    },
    ReservedResources: { Cpu: { CpuShares: 0 }, Memory: { MemoryMB: 0 }, Disk: { DiskMB: 0 }, Networks: { ReservedHostPorts: '' } },
    Links: {},
    Meta: { connect_enabled: 'false', ...(spec.meta ?? {}) },
    NodeClass: spec.nodeClass ?? '',
    NodePool: 'default',
    ComputedClass: `v1:${spec.nodeClass ?? 'default'}`,
    DrainStrategy: null,
    SchedulingEligibility: 'eligible',
    Status: 'ready',
    StatusDescription: '',
    StatusUpdatedAt: Math.floor(now / 1000),
    Events: [{ Message: 'Node registered', Subsystem: 'Cluster', Details: null, Timestamp: rfc3339(now), CreateIndex: index }],
    Drivers: { docker: driver(true), exec: driver(kernel === 'linux'), raw_exec: driver(true), java: driver(false), qemu: driver(false) },
    HostVolumes: null,
    HostNetworks: null,
    LastDrain: null,
    CreateIndex: index,
    ModifyIndex: index,
    cpuMHz: cpu,
    memoryMB: mem,
  };
}

/**
 * The Node as the API returns it (without simulator-only fields). Nomad's JSON encoder adds the
 * legacy `Drain` (DrainStrategy != nil) to every Node it sends (nomad/structs/extensions.go nodeExt,
 * v1.6 to v2.0).
 */
export function nodeView(n: Node): JsonObject {
  const { cpuMHz: _c, memoryMB: _m, ...view } = n;
  return { ...view, Drain: n.DrainStrategy !== null };
}

export function nodeStub(n: Node, withResources: boolean): JsonObject {
  return {
    Address: n.Attributes['unique.network.ip-address'],
    ID: n.ID,
    Attributes: { 'os.name': n.Attributes['os.name'], 'os.version': n.Attributes['os.version'] },
    Datacenter: n.Datacenter,
    Name: n.Name,
    NodeClass: n.NodeClass,
    NodePool: n.NodePool,
    Version: n.Attributes['nomad.version'],
    Drain: n.DrainStrategy !== null,
    SchedulingEligibility: n.SchedulingEligibility,
    Status: n.Status,
    StatusDescription: n.StatusDescription,
    Drivers: n.Drivers,
    HostVolumes: n.HostVolumes,
    NodeResources: withResources ? n.NodeResources : { Cpu: n.NodeResources.Cpu, Memory: n.NodeResources.Memory, Disk: n.NodeResources.Disk },
    ReservedResources: withResources ? n.ReservedResources : null,
    LastDrain: n.LastDrain,
    CreateIndex: n.CreateIndex,
    ModifyIndex: n.ModifyIndex,
  };
}

export function nodesList(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  const withResources = ctx.bool('resources') === true;
  return listItems(ctx, ctx.state.nodes.values(), { id: (n) => n.ID, view: (n) => nodeStub(n, withResources) });
}

function nodeOr500(ctx: Ctx, id: string): Node {
  const n = ctx.state.nodes.get(id);
  if (!n) throw rpcError('node not found');
  return n;
}

/** Moves the allocations of a draining node elsewhere and finishes the drain. */
function migrateAway(state: SimState, node: Node, index: number): string[] {
  const jobs = new Set<string>();
  for (const a of state.allocs.values()) {
    if (a.NodeID !== node.ID || isTerminalAlloc(a)) continue;
    if (a.Job.Type === 'system' && (node.DrainStrategy?.DrainSpec as JsonObject | undefined)?.IgnoreSystemJobs) continue;
    a.DesiredTransition = { ...a.DesiredTransition, Migrate: true };
    stopAlloc(a, 'alloc is being migrated', index);
    jobs.add(`${a.Namespace}\u0000${a.JobID}`);
  }
  const evalIDs: string[] = [];
  for (const key of jobs) {
    const [ns, id] = key.split('\u0000');
    const job = state.job(ns, id);
    if (job && !job.Stop) evalIDs.push(evaluateJob(state, job, 'node-drain', index).ID);
  }
  return evalIDs;
}

function drain(ctx: Ctx, node: Node): JsonObject {
  const body = ctx.json();
  const state = ctx.state;
  const index = state.bump();
  const spec = body.DrainSpec as JsonObject | null | undefined;
  let evalIDs: string[] = [];
  if (spec) {
    const deadline = typeof spec.Deadline === 'number' ? spec.Deadline : 3_600_000_000_000;
    node.DrainStrategy = {
      DrainSpec: { Deadline: deadline, IgnoreSystemJobs: spec.IgnoreSystemJobs === true },
      ForceDeadline: deadline > 0 ? rfc3339(Date.now() + deadline / 1e6) : '0001-01-01T00:00:00Z',
      StartedAt: rfc3339(),
    };
    node.SchedulingEligibility = 'ineligible';
    node.LastDrain = { Status: 'draining', StartedAt: rfc3339(), UpdatedAt: rfc3339(), AccessorID: '', Meta: body.Meta ?? null };
    node.Events.push({ Message: 'Node drain strategy set', Subsystem: 'Drain', Details: null, Timestamp: rfc3339(), CreateIndex: index });
    evalIDs = migrateAway(state, node, index);
    const id = node.ID;
    const strategy = node.DrainStrategy;
    // The drainer finishes once the allocations have moved: this drain, not one set again since (a new
    // drain replaces the old one and its deadline)
    state.later(state.deploymentMs, () => {
      const n = state.nodes.get(id);
      if (!n || !n.DrainStrategy || n.DrainStrategy !== strategy) return;
      const i = state.bump();
      n.DrainStrategy = null;
      n.LastDrain = { ...(n.LastDrain ?? {}), Status: 'complete', UpdatedAt: rfc3339() };
      n.Events.push({ Message: 'Node drain complete', Subsystem: 'Drain', Details: null, Timestamp: rfc3339(), CreateIndex: i });
      n.ModifyIndex = i;
      state.publish([nodeEvent('NodeDrain', n)]);
    });
  } else {
    node.DrainStrategy = null;
    if (node.LastDrain && node.LastDrain.Status === 'draining') node.LastDrain = { ...node.LastDrain, Status: 'canceled', UpdatedAt: rfc3339() };
    if (body.MarkEligible === true) node.SchedulingEligibility = 'eligible';
  }
  node.ModifyIndex = index;
  state.publish([nodeEvent('NodeDrain', node)]);
  if (node.SchedulingEligibility === 'eligible') retryBlocked(state);
  ctx.index = index;
  return { NodeModifyIndex: index, EvalIDs: evalIDs.length ? evalIDs : null, EvalCreateIndex: evalIDs.length ? index : 0, Index: index };
}

function eligibility(ctx: Ctx, node: Node): JsonObject {
  const body = ctx.json();
  const value = body.Eligibility;
  const state = ctx.state;
  if (value !== 'eligible' && value !== 'ineligible') throw rpcError(`invalid scheduling eligibility ${JSON.stringify(String(value ?? ''))}`);
  if (value === 'eligible' && node.DrainStrategy) throw rpcError("can not set node's scheduling eligibility to eligible while it is draining");
  const index = state.bump();
  node.SchedulingEligibility = value;
  node.ModifyIndex = index;
  node.Events.push({ Message: value === 'eligible' ? 'Node marked as eligible for scheduling' : 'Node marked as ineligible for scheduling', Subsystem: 'Cluster', Details: null, Timestamp: rfc3339(), CreateIndex: index });
  state.publish([nodeEvent('NodeEligibility', node)]);
  if (value === 'eligible') retryBlocked(state);
  ctx.index = index;
  return { NodeModifyIndex: index, EvalIDs: null, EvalCreateIndex: 0, Index: index };
}

/** /v1/node/<id>[/<action>] routed by suffix like NodeSpecificRequest. */
export function nodeSpecific(ctx: Ctx, path: string): unknown {
  const state = ctx.state;
  const suffix = (s: string) => (path.endsWith(s) ? path.slice(0, -s.length) : undefined);
  let id: string | undefined;
  if ((id = suffix('/evaluate')) !== undefined) {
    ctx.requireWrite();
    nodeOr500(ctx, id);
    const index = state.bump();
    ctx.index = index;
    return { EvalIDs: null, EvalCreateIndex: 0, NodeModifyIndex: index, Index: index, LastContact: 0, KnownLeader: false };
  }
  if ((id = suffix('/allocations')) !== undefined) {
    ctx.requireMethod('GET');
    // Node.GetAllocs: node:read (authz), then only allocations of namespaces with read-job (node_endpoint.go ~1096)
    return [...state.allocs.values()].filter((a) => a.NodeID === id && ctx.acl.allowNsOp(a.Namespace, 'read-job')).map(allocFull);
  }
  if ((id = suffix('/drain')) !== undefined) {
    ctx.requireWrite();
    return drain(ctx, nodeOr500(ctx, id));
  }
  if ((id = suffix('/eligibility')) !== undefined) {
    ctx.requireWrite();
    if (ctx.body === '') throw coded(400, 'Request body is empty');
    return eligibility(ctx, nodeOr500(ctx, id));
  }
  if ((id = suffix('/purge')) !== undefined) {
    ctx.requireWrite();
    const n = nodeOr500(ctx, id);
    const index = state.bump();
    state.nodes.delete(n.ID);
    state.publish([nodeEvent('NodeDeregistration', n)]);
    ctx.index = index;
    return { EvalIDs: null, EvalCreateIndex: 0, NodeModifyIndex: index, Index: index };
  }
  ctx.requireMethod('GET');
  const n = state.nodes.get(path);
  if (!n) throw coded(404, 'node not found');
  return nodeView(n);
}

