/**
 * A small synchronous scheduler: reconciles a job's allocations with its spec, places new ones on
 * feasible nodes (constraints, datacenters, node pool, CPU/memory), records why placements failed
 * (FailedTGAllocs + a blocked eval), and drives deployments and batch completion with timers.
 */
import { allocEvent, deploymentEvent, evalEvent, jobEvent } from './emit.js';
import { constraintHolds, constraintString, datacenterMatches } from './feasibility.js';
import { nowNanos, rfc3339, ZERO_TIME } from './ids.js';
import { isParent, isTerminalAlloc, sameSpec } from './jobmodel.js';
import { jobKey, type SimState } from './state.js';
import type {
  Allocation, AllocationMetric, Deployment, DeploymentState, Evaluation, Job, Node, StreamEvent, TaskEvent, TaskGroup, TaskState,
} from './types.js';

type Ev = Omit<StreamEvent, 'Index'>;

export interface Placement {
  group: string;
  index: number;
  canary: boolean;
  node: Node;
  metric: AllocationMetric;
  previous: Allocation | undefined;
}

export interface GroupUpdates {
  Ignore: number;
  Place: number;
  Migrate: number;
  Stop: number;
  InPlaceUpdate: number;
  DestructiveUpdate: number;
  Canary: number;
  Preemptions: number;
}

export interface PlanOutcome {
  updates: Record<string, GroupUpdates>;
  placements: Placement[];
  stops: { alloc: Allocation; reason: string }[];
  inplace: Allocation[];
  failed: Record<string, AllocationMetric>;
  queued: Record<string, number>;
}

/** Index in an allocation name `job.group[3]`. */
export function allocIndex(a: Allocation): number {
  const m = /\[(\d+)\]$/.exec(a.Name);
  return m ? Number(m[1]) : 0;
}

export function emptyMetric(): AllocationMetric {
  return {
    NodesEvaluated: 0, NodesFiltered: 0, NodesInPool: 0, NodesAvailable: {}, ClassFiltered: null, ConstraintFiltered: null,
    NodesExhausted: 0, ClassExhausted: null, DimensionExhausted: null, QuotaExhausted: null, ResourcesExhausted: null,
    ScoreMetaData: null, AllocationTime: 0, CoalescedFailures: 0,
  };
}

function inc(map: Record<string, number> | null, key: string): Record<string, number> {
  const m = map ?? {};
  m[key] = (m[key] ?? 0) + 1;
  return m;
}

export function groupNeeds(tg: TaskGroup): { cpu: number; mem: number } {
  let cpu = 0;
  let mem = 0;
  for (const t of tg.Tasks) {
    cpu += t.Resources.CPU;
    mem += t.Resources.MemoryMB;
  }
  return { cpu, mem };
}

/** Resources used on each node by live allocations. */
function nodeUsage(state: SimState): Map<string, { cpu: number; mem: number }> {
  const usage = new Map<string, { cpu: number; mem: number }>();
  for (const a of state.allocs.values()) {
    if (isTerminalAlloc(a)) continue;
    const tg = a.Job.TaskGroups.find((g) => g.Name === a.TaskGroup);
    if (!tg) continue;
    const need = groupNeeds(tg);
    const u = usage.get(a.NodeID) ?? { cpu: 0, mem: 0 };
    u.cpu += need.cpu;
    u.mem += need.mem;
    usage.set(a.NodeID, u);
  }
  return usage;
}

/** Whether replacing the allocation is needed (tasks or group resources changed), as tasksUpdated decides. */
function destructiveChange(oldTg: TaskGroup | undefined, newTg: TaskGroup): boolean {
  if (!oldTg) return true;
  const pick = (tg: TaskGroup) => ({ Tasks: tg.Tasks, Networks: tg.Networks, Volumes: tg.Volumes, EphemeralDisk: tg.EphemeralDisk, Meta: tg.Meta });
  return !sameSpec(pick(oldTg), pick(newTg));
}

function isPromoted(state: SimState, job: Job, group: string): boolean {
  const d = state.latestDeployment(job.Namespace, job.ID);
  return !!d && d.JobVersion === job.Version && d.TaskGroups[group]?.Promoted === true;
}

/** Computes what the scheduler would do for the job now, trying placements against current usage. */
export function computePlan(state: SimState, job: Job | undefined, jobID: string, namespace: string): PlanOutcome {
  const out: PlanOutcome = { updates: {}, placements: [], stops: [], inplace: [], failed: {}, queued: {} };
  const allocs = state.allocsOfJob(namespace, jobID);
  const live = allocs.filter((a) => !isTerminalAlloc(a));
  const upd = (g: string): GroupUpdates => (out.updates[g] ??= {
    Ignore: 0, Place: 0, Migrate: 0, Stop: 0, InPlaceUpdate: 0, DestructiveUpdate: 0, Canary: 0, Preemptions: 0,
  });

  if (!job || job.Stop || isParent(job)) {
    for (const a of live) {
      out.stops.push({ alloc: a, reason: 'alloc not needed as job is stopped' });
      upd(a.TaskGroup).Stop++;
    }
    for (const tg of job?.TaskGroups ?? []) upd(tg.Name);
    return out;
  }

  for (const a of live) {
    if (!job.TaskGroups.some((g) => g.Name === a.TaskGroup)) {
      out.stops.push({ alloc: a, reason: 'alloc not needed due to job update' });
      upd(a.TaskGroup).Stop++;
    }
  }

  const wanted: { tg: TaskGroup; index: number; canary: boolean; previous?: Allocation }[] = [];
  for (const tg of job.TaskGroups) {
    const u = upd(tg.Name);
    const batch = job.Type === 'batch' || job.Type === 'sysbatch';
    // Finished batch allocations of the current job count as done and are not placed again.
    const done = batch
      ? allocs.filter((a) => a.TaskGroup === tg.Name && a.DesiredStatus === 'run' && a.ClientStatus === 'complete')
      : [];
    const mine = live.filter((a) => a.TaskGroup === tg.Name);
    const isNew = (a: Allocation) => a.Job.Version === job.Version || !destructiveChange(a.Job.TaskGroups.find((g) => g.Name === tg.Name), tg);
    // Keep allocations of the new spec first; stop old ones first when over count.
    mine.sort((a, b) => Number(isNew(b)) - Number(isNew(a)) || allocIndex(a) - allocIndex(b));
    const capacity = Math.max(0, tg.Count - done.length);
    const keep = mine.slice(0, capacity);
    for (const a of mine.slice(capacity)) {
      out.stops.push({ alloc: a, reason: 'alloc not needed due to job update' });
      u.Stop++;
    }
    const destructive: Allocation[] = [];
    for (const a of keep) {
      const oldTg = a.Job.TaskGroups.find((g) => g.Name === tg.Name);
      if (destructiveChange(oldTg, tg)) destructive.push(a);
      else if (a.Job.Version !== job.Version || a.Job.JobModifyIndex !== job.JobModifyIndex) {
        out.inplace.push(a);
        u.InPlaceUpdate++;
      } else u.Ignore++;
    }
    const used = new Set([...keep.filter((a) => !destructive.includes(a)), ...done].map(allocIndex));
    /** The alloc's own index unless a kept allocation already has it. */
    const freeIndex = (want: number): number => {
      let i = want;
      if (i < 0 || used.has(i)) for (i = 0; used.has(i); i++);
      used.add(i);
      return i;
    };
    const canaryWanted = job.Type === 'service' && tg.Update ? tg.Update.Canary : 0;
    if (destructive.length > 0 && canaryWanted > 0 && !isPromoted(state, job, tg.Name)) {
      const existingCanaries = mine.filter((a) => a.DeploymentStatus?.Canary && a.Job.Version === job.Version).length;
      const n = Math.max(0, canaryWanted - existingCanaries);
      u.Ignore += destructive.length;
      for (const a of destructive) used.add(allocIndex(a));
      for (let i = 0; i < n; i++) wanted.push({ tg, index: allocIndex(destructive[i % destructive.length]), canary: true });
      u.Canary += n;
    } else {
      for (const a of destructive) {
        out.stops.push({ alloc: a, reason: 'alloc is being updated due to job update' });
        wanted.push({ tg, index: freeIndex(allocIndex(a)), canary: false, previous: a });
        u.DestructiveUpdate++;
      }
    }
    for (let k = keep.length + done.length; k < tg.Count; k++) {
      wanted.push({ tg, index: freeIndex(-1), canary: false });
      u.Place++;
    }
  }

  // Placement against current usage minus what this plan stops.
  const usage = nodeUsage(state);
  const stopping = new Set(out.stops.map((s) => s.alloc.ID));
  for (const s of out.stops) {
    const tg = s.alloc.Job.TaskGroups.find((g) => g.Name === s.alloc.TaskGroup);
    const u = usage.get(s.alloc.NodeID);
    if (tg && u) {
      const need = groupNeeds(tg);
      u.cpu -= need.cpu;
      u.mem -= need.mem;
    }
  }
  const groupNodes = new Map<string, Map<string, number>>();
  for (const a of live) {
    if (stopping.has(a.ID)) continue;
    const m = groupNodes.get(a.TaskGroup) ?? new Map<string, number>();
    m.set(a.NodeID, (m.get(a.NodeID) ?? 0) + 1);
    groupNodes.set(a.TaskGroup, m);
  }
  for (const w of wanted) {
    const counts = groupNodes.get(w.tg.Name) ?? new Map<string, number>();
    groupNodes.set(w.tg.Name, counts);
    const { node, metric } = selectNode(state, job, w.tg, usage, counts);
    if (!node) {
      const f = out.failed[w.tg.Name];
      if (f) f.CoalescedFailures++;
      else out.failed[w.tg.Name] = metric;
      out.queued[w.tg.Name] = (out.queued[w.tg.Name] ?? 0) + 1;
      continue;
    }
    const need = groupNeeds(w.tg);
    const u = usage.get(node.ID) ?? { cpu: 0, mem: 0 };
    u.cpu += need.cpu;
    u.mem += need.mem;
    usage.set(node.ID, u);
    counts.set(node.ID, (counts.get(node.ID) ?? 0) + 1);
    out.placements.push({ group: w.tg.Name, index: w.index, canary: w.canary, node, metric, previous: w.previous });
  }
  for (const tg of job.TaskGroups) out.queued[tg.Name] ??= 0;
  return out;
}

/** Picks a node for one allocation of tg, or explains why none fits. */
function selectNode(
  state: SimState, job: Job, tg: TaskGroup, usage: Map<string, { cpu: number; mem: number }>, groupCounts: Map<string, number>,
): { node: Node | undefined; metric: AllocationMetric } {
  const metric = emptyMetric();
  const started = process.hrtime.bigint();
  const pool = [...state.nodes.values()].filter((n) => job.NodePool === 'all' || n.NodePool === job.NodePool);
  metric.NodesInPool = pool.length;
  const ready = pool.filter((n) => n.Status === 'ready' && n.SchedulingEligibility === 'eligible' && !n.DrainStrategy);
  const candidates = ready.filter((n) => datacenterMatches(job.Datacenters, n.Datacenter));
  for (const n of candidates) metric.NodesAvailable[n.Datacenter] = (metric.NodesAvailable[n.Datacenter] ?? 0) + 1;
  for (const dc of job.Datacenters) if (!dc.includes('*')) metric.NodesAvailable[dc] ??= 0;
  metric.NodesEvaluated = candidates.length;
  const constraints = [...(job.Constraints ?? []), ...(tg.Constraints ?? []), ...tg.Tasks.flatMap((t) => t.Constraints ?? [])];
  const distinct = constraints.some((c) => c.Operand === 'distinct_hosts');
  const need = groupNeeds(tg);
  const feasible: Node[] = [];
  for (const n of candidates) {
    const failedC = constraints.find((c) => !constraintHolds(c, n));
    let reason: string | undefined;
    if (failedC) reason = constraintString(failedC);
    else if (tg.Tasks.some((t) => !n.Drivers[t.Driver]?.Healthy)) reason = 'missing drivers';
    else if (distinct && (groupCounts.get(n.ID) ?? 0) > 0) reason = 'distinct_hosts';
    if (reason) {
      metric.NodesFiltered++;
      metric.ConstraintFiltered = inc(metric.ConstraintFiltered, reason);
      if (n.NodeClass) metric.ClassFiltered = inc(metric.ClassFiltered, n.NodeClass);
      continue;
    }
    const u = usage.get(n.ID) ?? { cpu: 0, mem: 0 };
    let dim: string | undefined;
    if (u.cpu + need.cpu > n.cpuMHz) dim = 'cpu';
    else if (u.mem + need.mem > n.memoryMB) dim = 'memory';
    if (dim) {
      metric.NodesExhausted++;
      metric.DimensionExhausted = inc(metric.DimensionExhausted, dim);
      if (n.NodeClass) metric.ClassExhausted = inc(metric.ClassExhausted, n.NodeClass);
      continue;
    }
    feasible.push(n);
  }
  feasible.sort((a, b) => {
    const ca = groupCounts.get(a.ID) ?? 0;
    const cb = groupCounts.get(b.ID) ?? 0;
    if (ca !== cb) return ca - cb;
    const ua = (usage.get(a.ID)?.mem ?? 0) / a.memoryMB;
    const ub = (usage.get(b.ID)?.mem ?? 0) / b.memoryMB;
    if (ua !== ub) return ua - ub;
    return a.Name < b.Name ? -1 : 1;
  });
  const node = feasible[0];
  metric.AllocationTime = Number(process.hrtime.bigint() - started);
  if (node) {
    const u = usage.get(node.ID) ?? { cpu: 0, mem: 0 };
    const binpack = Math.min(1, (u.mem + need.mem) / node.memoryMB);
    const anti = -((groupCounts.get(node.ID) ?? 0) / Math.max(1, tg.Count));
    metric.ScoreMetaData = [{
      NodeID: node.ID,
      Scores: { binpack, 'job-anti-affinity': anti, 'node-affinity': 0, 'node-reschedule-penalty': 0 },
      NormScore: (binpack + anti) / 2,
    }];
  }
  return { node, metric };
}

/** A task event with every field Nomad's structs.TaskEvent serialises. */
export function taskEvent(type: string, display: string, details: Record<string, string> = {}, extra: Record<string, unknown> = {}): TaskEvent {
  return {
    Type: type, Time: nowNanos(), Message: '', DisplayMessage: display, Details: details, FailsTask: false, RestartReason: '',
    SetupError: '', DriverError: '', ExitCode: 0, Signal: 0, KillTimeout: 0, KillError: '', KillReason: '', StartDelay: 0,
    DownloadError: '', ValidationError: '', DiskLimit: 0, FailedSibling: '', VaultError: '', TaskSignalReason: '', TaskSignal: '',
    DriverMessage: '', GenericSource: '', ...extra,
  };
}

export function startedTaskState(driver: string): TaskState {
  const events = [
    taskEvent('Received', 'Task received by client'),
    taskEvent('Task Setup', 'Building Task Directory', { message: 'Building Task Directory' }),
  ];
  if (driver === 'docker') events.push(taskEvent('Driver', 'Downloading image', { image: 'image' }));
  events.push(taskEvent('Started', 'Task started by client'));
  return { State: 'running', Failed: false, Restarts: 0, LastRestart: ZERO_TIME, StartedAt: rfc3339(), FinishedAt: ZERO_TIME, Events: events, TaskHandle: null };
}

export function markTaskDead(ts: TaskState, display: string, type: string, exitCode = 0): void {
  if (ts.State === 'dead') return;
  ts.State = 'dead';
  ts.FinishedAt = rfc3339();
  ts.Events.push(taskEvent(type, display, type === 'Terminated' ? { exit_code: String(exitCode) } : {}, { ExitCode: exitCode }));
}

function logFlavour(job: Job, tg: TaskGroup): 'web' | 'app' {
  if (job.ID === 'web') return 'web';
  const image = tg.Tasks.map((t) => String(t.Config?.image ?? '')).join(' ');
  return /nginx/.test(image) ? 'web' : 'app';
}

export function newAlloc(state: SimState, job: Job, p: Placement, evalID: string, deploymentID: string, index: number): Allocation {
  const tg = job.TaskGroups.find((g) => g.Name === p.group)!;
  const now = nowNanos();
  const tasks: Record<string, unknown> = {};
  const lifecycles: Record<string, null> = {};
  let cpu = 0;
  let mem = 0;
  for (const t of tg.Tasks) {
    tasks[t.Name] = {
      // nomad/structs/structs.go AllocatedCpuResources: CpuShares and ReservedCores only
      Cpu: { CpuShares: t.Resources.CPU, ReservedCores: null },
      Memory: { MemoryMB: t.Resources.MemoryMB, MemoryMaxMB: t.Resources.MemoryMaxMB },
      Networks: null,
      Devices: null,
    };
    lifecycles[t.Name] = null;
    cpu += t.Resources.CPU;
    mem += t.Resources.MemoryMB;
  }
  const alloc: Allocation = {
    ID: state.ids.uuid(),
    Namespace: job.Namespace,
    EvalID: evalID,
    Name: `${job.ID}.${tg.Name}[${p.index}]`,
    NodeID: p.node.ID,
    NodeName: p.node.Name,
    JobID: job.ID,
    Job: job,
    TaskGroup: tg.Name,
    Resources: { CPU: cpu, Cores: 0, MemoryMB: mem, MemoryMaxMB: 0, DiskMB: 300, IOPS: 0, Networks: null, Devices: null, NUMA: null },
    AllocatedResources: { Tasks: tasks, TaskLifecycles: lifecycles, Shared: { Networks: null, DiskMB: 300, Ports: null } },
    Metrics: p.metric as unknown as Record<string, unknown>,
    DesiredStatus: 'run',
    DesiredDescription: '',
    DesiredTransition: { Migrate: null, Reschedule: null, ForceReschedule: null, NoShutdownDelay: null },
    ClientStatus: 'pending',
    ClientDescription: '',
    TaskStates: {},
    DeploymentID: deploymentID,
    DeploymentStatus: p.canary ? { Healthy: null, Timestamp: ZERO_TIME, Canary: true, ModifyIndex: index } : null,
    FollowupEvalID: '',
    PreviousAllocation: p.previous?.ID ?? '',
    NextAllocation: '',
    RescheduleTracker: null,
    CreateIndex: index,
    ModifyIndex: index,
    AllocModifyIndex: index,
    CreateTime: now,
    ModifyTime: now,
  };
  if (p.previous) p.previous.NextAllocation = alloc.ID;
  return alloc;
}

/** Marks an allocation stopped by the server and finished on the client. */
export function stopAlloc(alloc: Allocation, reason: string, index: number): void {
  alloc.DesiredStatus = 'stop';
  alloc.DesiredDescription = reason;
  if (alloc.ClientStatus === 'pending' || alloc.ClientStatus === 'running') {
    alloc.ClientStatus = 'complete';
    alloc.ClientDescription = 'All tasks have completed';
    for (const ts of Object.values(alloc.TaskStates)) {
      if (ts.State !== 'dead') {
        ts.Events.push(taskEvent('Killing', 'Sent interrupt. Waiting 5s before force killing', {}, { KillTimeout: 5_000_000_000 }));
        markTaskDead(ts, 'Task successfully killed', 'Killed');
      }
    }
  }
  alloc.ModifyIndex = index;
  alloc.AllocModifyIndex = index;
  alloc.ModifyTime = nowNanos();
}

export function newEval(state: SimState, job: { ID: string; Namespace: string; Priority: number; Type: string; JobModifyIndex: number }, triggeredBy: string, index: number): Evaluation {
  const now = nowNanos();
  return {
    ID: state.ids.uuid(),
    Namespace: job.Namespace,
    Priority: job.Priority,
    Type: job.Type,
    TriggeredBy: triggeredBy,
    JobID: job.ID,
    JobModifyIndex: job.JobModifyIndex,
    NodeID: '',
    NodeModifyIndex: 0,
    DeploymentID: '',
    Status: 'pending',
    StatusDescription: '',
    Wait: 0,
    WaitUntil: ZERO_TIME,
    NextEval: '',
    PreviousEval: '',
    BlockedEval: '',
    RelatedEvals: null,
    FailedTGAllocs: null,
    ClassEligibility: null,
    QuotaLimitReached: '',
    EscapedComputedClass: false,
    AnnotatePlan: false,
    QueuedAllocations: null,
    LeaderACL: '',
    SnapshotIndex: index,
    CreateIndex: index,
    ModifyIndex: index,
    CreateTime: now,
    ModifyTime: now,
  };
}

function newDeployment(state: SimState, job: Job, index: number): Deployment {
  const now = nowNanos();
  const groups: Record<string, DeploymentState> = {};
  for (const tg of job.TaskGroups) {
    groups[tg.Name] = {
      AutoRevert: tg.Update?.AutoRevert ?? false,
      AutoPromote: tg.Update?.AutoPromote ?? false,
      ProgressDeadline: tg.Update?.ProgressDeadline ?? 600_000_000_000,
      RequireProgressBy: rfc3339(Date.now() + (tg.Update?.ProgressDeadline ?? 600_000_000_000) / 1e6),
      Promoted: false,
      PlacedCanaries: null,
      DesiredCanaries: 0,
      DesiredTotal: tg.Count,
      PlacedAllocs: 0,
      HealthyAllocs: 0,
      UnhealthyAllocs: 0,
    };
  }
  return {
    ID: state.ids.uuid(), Namespace: job.Namespace, JobID: job.ID, JobVersion: job.Version, JobModifyIndex: job.JobModifyIndex,
    JobSpecModifyIndex: job.JobModifyIndex, JobCreateIndex: job.CreateIndex, IsMultiregion: false, TaskGroups: groups,
    Status: 'running', StatusDescription: 'Deployment is running', EvalPriority: job.Priority, CreateIndex: index, ModifyIndex: index,
    CreateTime: now, ModifyTime: now,
  };
}

function activeDeployment(d: Deployment | undefined): boolean {
  return !!d && (d.Status === 'running' || d.Status === 'paused' || d.Status === 'pending');
}

let retrying = false;

/**
 * Processes an evaluation to completion: applies the plan (one raft index), starts the placed
 * allocations (a second index, as the client's update), and completes the eval, creating a blocked
 * eval when placements failed.
 */
export function processEval(state: SimState, ev: Evaluation): void {
  const job = state.job(ev.Namespace, ev.JobID);
  const plan = computePlan(state, job, ev.JobID, ev.Namespace);
  const index = state.bump();
  const events: Ev[] = [];
  let stoppedSomething = false;

  for (const s of plan.stops) {
    stopAlloc(s.alloc, s.reason, index);
    events.push(allocEvent('PlanResult', s.alloc));
    stoppedSomething = true;
  }
  for (const a of plan.inplace) {
    if (!job) break;
    a.Job = job;
    a.ModifyIndex = index;
    a.AllocModifyIndex = index;
    a.ModifyTime = nowNanos();
    events.push(allocEvent('PlanResult', a));
  }

  // Deployments: service jobs get one per job version that places allocations.
  let deployment: Deployment | undefined;
  const latest = job ? state.latestDeployment(job.Namespace, job.ID) : state.latestDeployment(ev.Namespace, ev.JobID);
  if (activeDeployment(latest) && (!job || job.Stop || latest!.JobVersion !== job.Version)) {
    latest!.Status = 'cancelled';
    latest!.StatusDescription = !job || job.Stop ? 'Cancelled because job is stopped' : 'Cancelled due to newer version of job';
    latest!.ModifyIndex = index;
    latest!.ModifyTime = nowNanos();
    events.push(deploymentEvent('DeploymentStatusUpdate', latest!));
  }
  if (job && job.Type === 'service' && !isParent(job) && (plan.placements.length > 0 || plan.inplace.length > 0)) {
    let d: Deployment;
    if (latest && activeDeployment(latest) && latest.JobVersion === job.Version) d = latest;
    else {
      d = newDeployment(state, job, index);
      state.deployments.set(d.ID, d);
    }
    deployment = d;
    deployment.Status = deployment.Status === 'paused' ? 'paused' : 'running';
    for (const tg of job.TaskGroups) {
      const g = deployment.TaskGroups[tg.Name];
      if (g) g.DesiredTotal = tg.Count;
    }
    ev.DeploymentID = deployment.ID;
  }

  const placed: Allocation[] = [];
  if (job) {
    for (const p of plan.placements) {
      const alloc = newAlloc(state, job, p, ev.ID, deployment?.ID ?? '', index);
      state.allocs.set(alloc.ID, alloc);
      placed.push(alloc);
      if (deployment) {
        const g = deployment.TaskGroups[p.group];
        g.PlacedAllocs++;
        if (p.canary) {
          g.PlacedCanaries = [...(g.PlacedCanaries ?? []), alloc.ID];
          g.DesiredCanaries = job.TaskGroups.find((t) => t.Name === p.group)?.Update?.Canary ?? 0;
        }
      }
      events.push(allocEvent('PlanResult', alloc));
    }
  }
  if (deployment && job) {
    for (const a of plan.inplace) {
      a.DeploymentID = deployment.ID;
      a.DeploymentStatus = null;
      const g = deployment.TaskGroups[a.TaskGroup];
      if (g) g.PlacedAllocs++;
    }
  }
  if (deployment) {
    deployment.ModifyIndex = index;
    deployment.ModifyTime = nowNanos();
    events.push(deploymentEvent('DeploymentStatusUpdate', deployment));
  }
  state.publish(events);

  // The client starts what was placed.
  if (placed.length > 0 && job) {
    const runIndex = state.bump();
    const runEvents: Ev[] = [];
    const tg = (name: string) => job.TaskGroups.find((g) => g.Name === name)!;
    for (const a of placed) {
      for (const t of tg(a.TaskGroup).Tasks) {
        a.TaskStates[t.Name] = startedTaskState(t.Driver);
        state.logs.create(a.ID, t.Name, job.ID, logFlavour(job, tg(a.TaskGroup)), 5, 2, Date.now());
      }
      a.ClientStatus = 'running';
      a.ClientDescription = 'Tasks are running';
      a.ModifyIndex = runIndex;
      a.ModifyTime = nowNanos();
      runEvents.push(allocEvent('AllocationUpdated', a));
    }
    state.publish(runEvents);
    if (job.Type === 'batch' || job.Type === 'sysbatch') {
      const ids = placed.map((a) => a.ID);
      state.later(state.deploymentMs, () => completeBatch(state, ids));
    }
  }

  // Complete the evaluation; failed placements leave a blocked eval behind.
  const evIndex = state.bump();
  const failedGroups = Object.keys(plan.failed);
  ev.Status = 'complete';
  ev.FailedTGAllocs = failedGroups.length ? plan.failed : null;
  ev.QueuedAllocations = job ? plan.queued : {};
  ev.ModifyIndex = evIndex;
  ev.ModifyTime = nowNanos();
  const evEvents: Ev[] = [];
  for (const other of state.evalsOfJob(ev.Namespace, ev.JobID)) {
    if (other.Status === 'blocked' && other.ID !== ev.ID) {
      other.Status = 'canceled';
      other.StatusDescription = 'evaluation is superseded by a newer one';
      other.ModifyIndex = evIndex;
      evEvents.push(evalEvent(other));
    }
  }
  if (failedGroups.length && job) {
    const blocked = newEval(state, job, 'queued-allocs', evIndex);
    blocked.Status = 'blocked';
    blocked.StatusDescription = 'created due to placement conflicts';
    blocked.PreviousEval = ev.ID;
    blocked.ClassEligibility = Object.fromEntries([...state.nodes.values()].map((n) => [`v1:${n.NodeClass || 'default'}`, false]));
    blocked.FailedTGAllocs = plan.failed;
    state.evals.set(blocked.ID, blocked);
    ev.BlockedEval = blocked.ID;
    evEvents.push(evalEvent(blocked));
  }
  state.evals.set(ev.ID, ev);
  evEvents.push(evalEvent(ev));
  if (job) state.queued.set(jobKey(job.Namespace, job.ID), Object.fromEntries(Object.entries(plan.queued)));
  state.publish(evEvents);

  if (deployment) {
    const id = deployment.ID;
    state.later(state.deploymentMs, () => progressDeployment(state, id));
  }
  if (stoppedSomething) retryBlocked(state);
}

/**
 * Hands a new (pending) evaluation to the scheduler: processed after state.evalDelayMs, as Nomad's
 * workers dequeue evals from the broker asynchronously (nomad/eval_broker.go, worker.go).
 */
export function scheduleEval(state: SimState, ev: Evaluation): void {
  if (state.evalDelayMs <= 0) processEval(state, ev);
  else state.later(state.evalDelayMs, () => {
    if (state.evals.get(ev.ID) === ev && ev.Status === 'pending') processEval(state, ev);
  });
}

/** Creates an eval for a job (register, evaluate, scale, revert…) and schedules it; returns it pending. */
export function evaluateJob(state: SimState, job: Job, triggeredBy: string, index: number): Evaluation {
  const ev = newEval(state, job, triggeredBy, index);
  state.evals.set(ev.ID, ev);
  state.publish([evalEvent(ev)]);
  scheduleEval(state, ev);
  return ev;
}

/** Re-processes blocked evaluations, e.g. after a node became eligible or resources were freed. */
export function retryBlocked(state: SimState): void {
  if (retrying) return;
  retrying = true;
  try {
    for (const ev of [...state.evals.values()]) {
      if (ev.Status !== 'blocked') continue;
      const job = state.job(ev.Namespace, ev.JobID);
      if (!job) continue;
      const plan = computePlan(state, job, job.ID, job.Namespace);
      if (plan.placements.length === 0) continue;
      ev.TriggeredBy = 'queued-allocs';
      processEval(state, ev);
    }
  } finally {
    retrying = false;
  }
}

export function completeBatch(state: SimState, ids: string[]): void {
  const index = state.bump();
  const events: Ev[] = [];
  for (const id of ids) {
    const a = state.allocs.get(id);
    if (!a || a.ClientStatus !== 'running') continue;
    a.ClientStatus = 'complete';
    a.ClientDescription = 'All tasks have completed';
    for (const ts of Object.values(a.TaskStates)) markTaskDead(ts, 'Exit Code: 0', 'Terminated');
    a.ModifyIndex = index;
    a.ModifyTime = nowNanos();
    events.push(allocEvent('AllocationUpdated', a));
  }
  state.publish(events);
  retryBlocked(state);
}

/** Marks the job version stable, as a successful deployment does. */
export function markStable(state: SimState, job: Job | undefined, version: number): void {
  if (!job) return;
  for (const v of state.versions(job.Namespace, job.ID)) if (v.Version === version) v.Stable = true;
  if (job.Version === version) job.Stable = true;
}

/**
 * Health checks pass after `deploymentMs`: allocations turn healthy, and the deployment succeeds
 * (or waits for promotion when it placed canaries).
 */
export function progressDeployment(state: SimState, id: string): void {
  const d = state.deployments.get(id);
  if (!d || d.Status !== 'running') return;
  const index = state.bump();
  const events: Ev[] = [];
  for (const g of Object.values(d.TaskGroups)) g.HealthyAllocs = 0;
  for (const a of state.allocs.values()) {
    if (a.DeploymentID !== id) continue;
    if (!isTerminalAlloc(a)) {
      if (a.DeploymentStatus?.Healthy !== true) {
        a.DeploymentStatus = { Healthy: true, Timestamp: rfc3339(), Canary: a.DeploymentStatus?.Canary ?? false, ModifyIndex: index };
        a.ModifyIndex = index;
        events.push(allocEvent('AllocationUpdated', a));
      }
    }
    if (a.DeploymentStatus?.Healthy) {
      const g = d.TaskGroups[a.TaskGroup];
      if (g) g.HealthyAllocs++;
    }
  }
  const job = state.job(d.Namespace, d.JobID);
  const waiting = Object.entries(d.TaskGroups).filter(([, g]) => g.DesiredCanaries > 0 && !g.Promoted);
  d.ModifyIndex = index;
  d.ModifyTime = nowNanos();
  if (waiting.length > 0) {
    if (waiting.every(([, g]) => g.AutoPromote)) {
      d.StatusDescription = 'Deployment is running pending automatic promotion';
      state.publish([...events, deploymentEvent('DeploymentStatusUpdate', d)]);
      promoteDeployment(state, d, null);
      return;
    }
    d.StatusDescription = 'Deployment is running but requires manual promotion';
  } else {
    d.Status = 'successful';
    d.StatusDescription = 'Deployment completed successfully';
    markStable(state, job, d.JobVersion);
  }
  events.push(deploymentEvent('DeploymentStatusUpdate', d));
  if (d.Status === 'successful' && job) events.push(jobEvent('JobRegistered', job));
  state.publish(events);
}

/** Promotes canaries (all groups, or the named ones) and rolls out the rest. Returns the eval. */
export function promoteDeployment(state: SimState, d: Deployment, groups: string[] | null): Evaluation | undefined {
  const index = state.bump();
  for (const [name, g] of Object.entries(d.TaskGroups)) {
    if (g.DesiredCanaries > 0 && (groups === null || groups.includes(name))) g.Promoted = true;
  }
  d.ModifyIndex = index;
  d.ModifyTime = nowNanos();
  state.publish([deploymentEvent('DeploymentPromotion', d)]);
  const job = state.job(d.Namespace, d.JobID);
  if (!job) return undefined;
  const ev = newEval(state, job, 'deployment-watcher', index);
  ev.DeploymentID = d.ID;
  state.evals.set(ev.ID, ev);
  scheduleEval(state, ev);
  const stillRunning = state.deployments.get(d.ID);
  if (stillRunning && stillRunning.Status === 'running') state.later(state.deploymentMs, () => progressDeployment(state, d.ID));
  return ev;
}
