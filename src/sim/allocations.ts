/** Allocation endpoints: /v1/allocations, /v1/allocation/:id[/stop], /v1/client/allocation/:id/{restart,signal,stats}. */
import { readable } from './acl.js';
import { allocEvent } from './emit.js';
import { coded, type Ctx, invalidMethod, rpcError } from './http.js';
import { nowNanos, rfc3339 } from './ids.js';
import { GoJsonError, goDecode } from './gojson.js';
import { isTerminalAlloc } from './jobmodel.js';
import { listItems } from './query.js';
import { evaluateJob, stopAlloc } from './scheduler.js';
import type { Allocation, JsonObject, TaskEvent } from './types.js';

/** AllocListStub. */
export function allocStub(a: Allocation): JsonObject {
  return {
    ID: a.ID, EvalID: a.EvalID, Name: a.Name, Namespace: a.Namespace, NodeID: a.NodeID, NodeName: a.NodeName, JobID: a.JobID,
    JobType: a.Job.Type, JobVersion: a.Job.Version, TaskGroup: a.TaskGroup, AllocatedResources: null,
    DesiredStatus: a.DesiredStatus, DesiredDescription: a.DesiredDescription, ClientStatus: a.ClientStatus,
    ClientDescription: a.ClientDescription, DesiredTransition: a.DesiredTransition, TaskStates: a.TaskStates,
    DeploymentStatus: a.DeploymentStatus, FollowupEvalID: a.FollowupEvalID, NextAllocation: a.NextAllocation,
    RescheduleTracker: a.RescheduleTracker, PreemptedAllocations: null, PreemptedByAllocation: '',
    CreateIndex: a.CreateIndex, ModifyIndex: a.ModifyIndex, CreateTime: a.CreateTime, ModifyTime: a.ModifyTime,
  };
}

/** The full Allocation, Job embedded. */
export function allocFull(a: Allocation): JsonObject {
  return {
    // no SignedIdentities: it is `json:"-"` in nomad/structs/structs.go (Allocation, ~11173)
    ...a, SharedResources: null, TaskResources: null, PreemptedAllocations: null, PreemptedByAllocation: '', NetworkStatus: null,
    SigningKeyID: '',
  };
}

/** GET /v1/allocations */
export function allocationsList(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  const withStates = ctx.bool('task_states') !== false;
  const withResources = ctx.bool('resources') === true;
  // Alloc.List: read-job in the namespace, then only readable namespaces (nomad/alloc_endpoint.go ~53)
  return listItems(ctx, readable(ctx, 'read-job', ctx.state.allocs.values(), (a) => a.Namespace), {
    namespace: (a) => a.Namespace,
    id: (a) => a.ID,
    createIndex: (a) => a.CreateIndex,
    view: (a) => {
      const s = allocStub(a);
      if (!withStates) s.TaskStates = null;
      if (withResources) s.AllocatedResources = a.AllocatedResources;
      return s;
    },
  });
}

/** /v1/allocation/<id>[/stop] */
export function allocationSpecific(ctx: Ctx, rest: string): unknown {
  const tokens = rest.split('/');
  if (tokens.length > 2 || tokens[0] === '') throw coded(404, 'resource not found');
  const state = ctx.state;
  if (tokens.length === 2) {
    if (tokens[1] === 'stop') {
      ctx.requireWrite();
      ctx.bool('no_shutdown_delay');
      const a = state.allocs.get(tokens[0]);
      if (!a) throw coded(404, 'allocation not found');
      const index = state.bump();
      a.DesiredTransition = { ...a.DesiredTransition, Migrate: true };
      stopAlloc(a, 'alloc was stopped by user', index);
      state.publish([allocEvent('AllocationUpdateDesiredStatus', a)]);
      const job = state.job(a.Namespace, a.JobID);
      let evalID = '';
      if (job && !job.Stop) evalID = evaluateJob(state, job, 'alloc-stop', index).ID;
      ctx.index = index;
      return { EvalID: evalID, Index: index };
    }
    if (tokens[1] === 'services' || tokens[1] === 'checks') {
      ctx.requireMethod('GET');
      if (!state.allocs.get(tokens[0])) throw coded(404, 'alloc not found');
      return tokens[1] === 'services' ? [] : (state.allocChecks.get(tokens[0]) ?? {});
    }
    throw coded(404, 'resource not found');
  }
  ctx.requireMethod('GET');
  const a = state.allocs.get(tokens[0]);
  if (!a) throw coded(404, 'alloc not found');
  return allocFull(a);
}

function unknownAlloc(id: string) {
  return coded(404, `Unknown allocation "${id}"`);
}

function event(type: string, display: string, details: Record<string, string>): TaskEvent {
  return { Type: type, Time: nowNanos(), Message: '', DisplayMessage: display, Details: details, FailsTask: false };
}

function restart(ctx: Ctx, a: Allocation): unknown {
  let body: JsonObject = {};
  if (ctx.body.trim() !== '') {
    try {
      body = (goDecode(ctx.body) ?? {}) as JsonObject;
    } catch (e) {
      if (e instanceof GoJsonError) throw rpcError(e.message);
      throw e;
    }
  }
  const taskName = typeof body.TaskName === 'string' ? body.TaskName : '';
  const allTasks = body.AllTasks === true;
  if (allTasks && taskName) throw rpcError('task name cannot be set when restarting all tasks');
  if (taskName && !a.TaskStates[taskName]) throw rpcError(`Could not find task runner for task: ${taskName}`);
  const targets = taskName ? [taskName] : Object.keys(a.TaskStates).filter((t) => allTasks || a.TaskStates[t].State === 'running');
  const state = ctx.state;
  const index = state.bump();
  for (const t of targets) {
    const ts = a.TaskStates[t];
    ts.Restarts += 1;
    ts.LastRestart = rfc3339();
    const reason = taskName ? 'User requested task to restart' : 'User requested running tasks to restart';
    ts.Events.push(event('Restart Signaled', reason, { restart_reason: reason }));
    ts.Events.push(event('Terminated', 'Exit Code: 0', { exit_code: '0' }));
    ts.Events.push(event('Restarting', 'Task restarting in 0s', { restart_reason: reason, start_delay: '0' }));
    ts.Events.push(event('Started', 'Task started by client', {}));
    ts.State = 'running';
    ts.StartedAt = rfc3339();
    state.logs.append(a.ID, t, 'stdout', `${new Date().toISOString()} ${a.JobID}[${a.ID.slice(0, 8)}] INFO  task restarted by user request\n`);
  }
  a.ModifyIndex = index;
  a.ModifyTime = nowNanos();
  state.publish([allocEvent('AllocationUpdated', a)]);
  return { Index: 0 };
}

function signal(ctx: Ctx, a: Allocation): unknown {
  ctx.requireWrite();
  let body: JsonObject;
  try {
    body = ctx.json();
  } catch (e) {
    throw coded(400, `Failed to decode body: ${(e as Error).message}`);
  }
  const task = typeof body.Task === 'string' ? body.Task : '';
  const sig = typeof body.Signal === 'string' && body.Signal ? body.Signal : 'SIGKILL';
  if (task && !a.TaskStates[task]) throw rpcError('Task not found');
  const state = ctx.state;
  state.bump();
  for (const t of task ? [task] : Object.keys(a.TaskStates)) {
    a.TaskStates[t].Events.push(event('Signaling', `Task being sent a signal: ${sig}`, { signal: sig }));
  }
  state.publish([allocEvent('AllocationUpdated', a)]);
  return { Index: 0 };
}

function usage(seed: number, memMB: number, running: boolean): JsonObject {
  const rss = running ? Math.floor(memMB * 1024 * 1024 * (0.2 + (seed % 50) / 100)) : 0;
  const percent = running ? ((seed % 37) + 3) / 10 : 0;
  return {
    MemoryStats: { RSS: rss, Cache: Math.floor(rss / 8), Swap: 0, MappedFile: 0, Usage: rss + Math.floor(rss / 8), MaxUsage: Math.floor(rss * 1.3), KernelUsage: 0, KernelMaxUsage: 0, Measured: ['RSS', 'Cache', 'Swap', 'Usage', 'Max Usage'] },
    CpuStats: { SystemMode: percent / 4, UserMode: percent / 2, TotalTicks: percent * 40, ThrottledPeriods: 0, ThrottledTime: 0, Percent: percent, Measured: ['System Mode', 'User Mode', 'Percent'] },
    DeviceStats: [],
  };
}

function stats(ctx: Ctx, a: Allocation): unknown {
  ctx.requireMethod('GET');
  const now = nowNanos();
  const tasks: Record<string, unknown> = {};
  const tg = a.Job.TaskGroups.find((g) => g.Name === a.TaskGroup);
  let rss = 0;
  let cache = 0;
  let usageBytes = 0;
  let maxUsage = 0;
  let percent = 0;
  let ticks = 0;
  let i = 0;
  for (const [name, ts] of Object.entries(a.TaskStates)) {
    const mem = tg?.Tasks.find((t) => t.Name === name)?.Resources.MemoryMB ?? 256;
    const seed = parseInt(a.ID.slice(i, i + 6), 16) + Math.floor(Date.now() / 10_000);
    const u = usage(seed, mem, ts.State === 'running' && !isTerminalAlloc(a));
    const m = u.MemoryStats as Record<string, number>;
    const c = u.CpuStats as Record<string, number>;
    rss += m.RSS;
    cache += m.Cache;
    usageBytes += m.Usage;
    maxUsage += m.MaxUsage;
    percent += c.Percent;
    ticks += c.TotalTicks;
    tasks[name] = { ResourceUsage: u, Timestamp: now, Pids: null };
    i += 2;
  }
  return {
    ResourceUsage: {
      MemoryStats: { RSS: rss, Cache: cache, Swap: 0, MappedFile: 0, Usage: usageBytes, MaxUsage: maxUsage, KernelUsage: 0, KernelMaxUsage: 0, Measured: ['RSS', 'Cache', 'Swap', 'Usage', 'Max Usage'] },
      CpuStats: { SystemMode: percent / 4, UserMode: percent / 2, TotalTicks: ticks, ThrottledPeriods: 0, ThrottledTime: 0, Percent: percent, Measured: ['System Mode', 'User Mode', 'Percent'] },
      DeviceStats: [],
    },
    Tasks: tasks,
    Timestamp: now,
  };
}

/** /v1/client/allocation/<id>/<action> */
export function clientAllocation(ctx: Ctx, rest: string): unknown {
  const tokens = rest.split('/');
  if (tokens.length !== 2) throw coded(404, 'resource not found');
  const [id, action] = tokens;
  if (!['restart', 'signal', 'stats', 'checks', 'gc', 'exec', 'snapshot', 'pause'].includes(action)) throw coded(404, 'resource not found');
  if (action === 'signal' && !ctx.isWrite()) throw invalidMethod();
  const a = ctx.state.allocs.get(id);
  if (!a) throw unknownAlloc(id);
  switch (action) {
    case 'restart':
      return restart(ctx, a);
    case 'signal':
      return signal(ctx, a);
    case 'stats':
      return stats(ctx, a);
    case 'checks':
      // client/alloc_endpoint.go Checks: map of check ID to structs.CheckQueryResult, {} when the allocation has none.
      ctx.requireMethod('GET');
      return ctx.state.allocChecks.get(a.ID) ?? {};
    default:
      throw coded(404, 'resource not found');
  }
}
