/** Jobs as Nomad stores them: canonicalisation of api.Job input, validation, status, stubs, summaries. */
import { coded, rpcError } from './http.js';
import { goJsonType } from './gojson.js';
import { jobKey, type SimState } from './state.js';
import type { Allocation, Constraint, Job, JsonObject, Task, TaskGroup } from './types.js';
import { compileGo } from './re2.js';

const SEC = 1_000_000_000;
const MIN = 60 * SEC;

export const JOB_TYPES = ['service', 'batch', 'system', 'sysbatch'];

/** hashicorp/go-multierror's format, which Nomad's validation errors use (nesting included). */
export function multiError(errors: string[]): string {
  if (errors.length === 1) return `1 error occurred:\n\t* ${errors[0]}\n\n`;
  return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`;
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/**
 * Type checks of the fields the simulator reads, with Go's decode error text, so a client that
 * sends `"Count": "2"` gets the 400 Nomad gives.
 */
export function checkJobTypes(job: unknown, path: string): void {
  const bad = (v: unknown, field: string, goType: string): never => {
    throw coded(400, `json: cannot unmarshal ${goJsonType(v)} into Go struct field ${field} of type ${goType}`);
  };
  if (!isObj(job)) bad(job, path, 'api.Job');
  const j = job as JsonObject;
  for (const f of ['ID', 'Name', 'Type', 'Namespace', 'Region', 'NodePool', 'ParentID']) {
    if (j[f] !== undefined && j[f] !== null && typeof j[f] !== 'string') bad(j[f], `${path}.${f}`, 'string');
  }
  if (j.Priority !== undefined && j.Priority !== null && typeof j.Priority !== 'number') bad(j.Priority, `${path}.Priority`, 'int');
  if (j.Datacenters !== undefined && j.Datacenters !== null) {
    if (!Array.isArray(j.Datacenters)) bad(j.Datacenters, `${path}.Datacenters`, '[]string');
    for (const d of j.Datacenters as unknown[]) if (typeof d !== 'string') bad(d, `${path}.Datacenters`, 'string');
  }
  if (j.Meta !== undefined && j.Meta !== null) {
    if (!isObj(j.Meta)) bad(j.Meta, `${path}.Meta`, 'map[string]string');
    for (const v of Object.values(j.Meta as JsonObject)) if (typeof v !== 'string') bad(v, `${path}.Meta`, 'string');
  }
  if (j.TaskGroups !== undefined && j.TaskGroups !== null) {
    if (!Array.isArray(j.TaskGroups)) bad(j.TaskGroups, `${path}.TaskGroups`, '[]*api.TaskGroup');
    for (const tg of j.TaskGroups as unknown[]) {
      if (!isObj(tg)) bad(tg, `${path}.TaskGroups`, 'api.TaskGroup');
      const g = tg as JsonObject;
      if (g.Name !== undefined && g.Name !== null && typeof g.Name !== 'string') bad(g.Name, `${path}.TaskGroups.Name`, 'string');
      if (g.Count !== undefined && g.Count !== null && (typeof g.Count !== 'number' || !Number.isInteger(g.Count))) {
        bad(g.Count, `${path}.TaskGroups.Count`, 'int');
      }
      if (g.Tasks !== undefined && g.Tasks !== null) {
        if (!Array.isArray(g.Tasks)) bad(g.Tasks, `${path}.TaskGroups.Tasks`, '[]*api.Task');
        for (const t of g.Tasks as unknown[]) {
          if (!isObj(t)) bad(t, `${path}.TaskGroups.Tasks`, 'api.Task');
          const task = t as JsonObject;
          for (const f of ['Name', 'Driver', 'User']) {
            if (task[f] !== undefined && task[f] !== null && typeof task[f] !== 'string') bad(task[f], `${path}.TaskGroups.Tasks.${f}`, 'string');
          }
          if (task.Config !== undefined && task.Config !== null && !isObj(task.Config)) bad(task.Config, `${path}.TaskGroups.Tasks.Config`, 'map[string]interface {}');
          if (task.Env !== undefined && task.Env !== null) {
            if (!isObj(task.Env)) bad(task.Env, `${path}.TaskGroups.Tasks.Env`, 'map[string]string');
            for (const v of Object.values(task.Env as JsonObject)) if (typeof v !== 'string') bad(v, `${path}.TaskGroups.Tasks.Env`, 'string');
          }
          const r = task.Resources;
          if (r !== undefined && r !== null) {
            if (!isObj(r)) bad(r, `${path}.TaskGroups.Tasks.Resources`, 'api.Resources');
            for (const f of ['CPU', 'MemoryMB', 'MemoryMaxMB', 'Cores', 'DiskMB']) {
              const v = (r as JsonObject)[f];
              if (v !== undefined && v !== null && typeof v !== 'number') bad(v, `${path}.TaskGroups.Tasks.Resources.${f}`, 'int');
            }
          }
        }
      }
    }
  }
}

function constraints(v: unknown): Constraint[] | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  return v.filter(isObj).map((c) => ({
    LTarget: String(c.LTarget ?? ''),
    RTarget: String(c.RTarget ?? ''),
    Operand: String(c.Operand || '='),
  }));
}

function strMap(v: unknown): Record<string, string> | null {
  if (!isObj(v)) return null;
  return Object.keys(v).length === 0 ? null : (v as Record<string, string>);
}

function defaultUpdate(jobUpdate: JsonObject | null, groupUpdate: unknown): JsonObject {
  const base: JsonObject = {
    Stagger: 30 * SEC, MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 10 * SEC, HealthyDeadline: 5 * MIN,
    ProgressDeadline: 10 * MIN, AutoRevert: false, AutoPromote: false, Canary: 0,
  };
  for (const src of [jobUpdate, groupUpdate]) {
    if (!isObj(src)) continue;
    for (const [k, v] of Object.entries(src)) if (v !== null && v !== undefined) base[k] = v;
  }
  return base;
}

function canonTask(input: JsonObject, groupRestart: JsonObject): Task {
  const r = isObj(input.Resources) ? input.Resources : {};
  const resources = {
    CPU: typeof r.CPU === 'number' ? r.CPU : 100,
    Cores: typeof r.Cores === 'number' ? r.Cores : 0,
    MemoryMB: typeof r.MemoryMB === 'number' ? r.MemoryMB : 300,
    MemoryMaxMB: typeof r.MemoryMaxMB === 'number' ? r.MemoryMaxMB : 0,
    DiskMB: typeof r.DiskMB === 'number' ? r.DiskMB : 0,
    IOPS: 0,
    Networks: Array.isArray(r.Networks) && r.Networks.length ? r.Networks : null,
    Devices: Array.isArray(r.Devices) && r.Devices.length ? r.Devices : null,
    NUMA: r.NUMA ?? null,
  };
  const t: Task = {
    Name: String(input.Name ?? ''),
    Driver: String(input.Driver ?? ''),
    User: '',
    Config: isObj(input.Config) ? input.Config : null,
    Env: strMap(input.Env),
    Services: null,
    Vault: null,
    Consul: null,
    Templates: null,
    Constraints: null,
    Affinities: null,
    Resources: resources,
    RestartPolicy: clone(groupRestart),
    DispatchPayload: null,
    Lifecycle: null,
    Meta: null,
    KillTimeout: 5 * SEC,
    LogConfig: { MaxFiles: 10, MaxFileSizeMB: 10, Disabled: false },
    Artifacts: null,
    Leader: false,
    ShutdownDelay: 0,
    VolumeMounts: null,
    ScalingPolicies: null,
    KillSignal: '',
    Kind: '',
    CSIPluginConfig: null,
    Identity: null,
    Identities: null,
    Actions: null,
    Schedule: null,
  };
  for (const [k, v] of Object.entries(input)) {
    if (v === null || v === undefined || k === 'Resources') continue;
    if (k === 'Constraints') t.Constraints = constraints(v);
    else if (k === 'Meta') t.Meta = strMap(v);
    else if (k === 'Env') t.Env = strMap(v);
    else if (k === 'RestartPolicy' && isObj(v)) t.RestartPolicy = { ...(t.RestartPolicy as JsonObject), ...v };
    else if (k !== 'Name' && k !== 'Driver' && k !== 'Config') t[k] = v;
  }
  return t;
}

function canonGroup(input: JsonObject, job: Job, jobUpdate: JsonObject | null): TaskGroup {
  const batch = job.Type === 'batch' || job.Type === 'sysbatch';
  const restart: JsonObject = batch
    ? { Attempts: 3, Interval: 24 * 60 * MIN, Delay: 15 * SEC, Mode: 'fail', RenderTemplates: false }
    : { Attempts: 2, Interval: 30 * MIN, Delay: 15 * SEC, Mode: 'fail', RenderTemplates: false };
  if (isObj(input.RestartPolicy)) Object.assign(restart, input.RestartPolicy);
  const scaling = isObj(input.Scaling) ? input.Scaling : null;
  const count = typeof input.Count === 'number' ? input.Count : scaling && typeof scaling.Min === 'number' ? scaling.Min : 1;
  const tg: TaskGroup = {
    Name: String(input.Name ?? ''),
    Count: count,
    Update: job.Type === 'service' ? (defaultUpdate(jobUpdate, input.Update) as TaskGroup['Update']) : null,
    Migrate: job.Type === 'service' ? { MaxParallel: 1, HealthCheck: 'checks', MinHealthyTime: 10 * SEC, HealthyDeadline: 5 * MIN } : null,
    Constraints: constraints(input.Constraints),
    Scaling: scaling,
    RestartPolicy: restart,
    Disconnect: null,
    Tasks: [],
    EphemeralDisk: { Sticky: false, SizeMB: 300, Migrate: false },
    Meta: strMap(input.Meta),
    ReschedulePolicy: batch
      ? { Attempts: 1, Interval: 24 * 60 * MIN, Delay: 5 * SEC, DelayFunction: 'constant', MaxDelay: 0, Unlimited: false }
      : { Attempts: 0, Interval: 0, Delay: 30 * SEC, DelayFunction: 'exponential', MaxDelay: 60 * MIN, Unlimited: true },
    Affinities: null,
    Spreads: null,
    Networks: null,
    Consul: null,
    Services: null,
    Volumes: null,
    ShutdownDelay: null,
    StopAfterClientDisconnect: null,
    MaxClientDisconnect: null,
    PreventRescheduleOnLost: false,
  };
  for (const [k, v] of Object.entries(input)) {
    if (v === null || v === undefined) continue;
    if (['Name', 'Count', 'Update', 'Constraints', 'Scaling', 'RestartPolicy', 'Tasks', 'Meta'].includes(k)) continue;
    tg[k] = v;
  }
  tg.Tasks = (Array.isArray(input.Tasks) ? input.Tasks : []).filter(isObj).map((t) => canonTask(t, restart));
  return tg;
}

/** Turns an api.Job (nulls, missing fields) into the structs.Job Nomad stores and returns. */
export function canonicalizeJob(input: JsonObject, namespace: string): Job {
  const src = clone(input);
  const type = typeof src.Type === 'string' && src.Type ? src.Type : 'service';
  const job = {
    Stop: src.Stop === true,
    Region: typeof src.Region === 'string' && src.Region ? src.Region : 'global',
    Namespace: namespace,
    ID: String(src.ID ?? ''),
    ParentID: typeof src.ParentID === 'string' ? src.ParentID : '',
    Name: typeof src.Name === 'string' && src.Name ? src.Name : String(src.ID ?? ''),
    Type: type,
    Priority: typeof src.Priority === 'number' ? src.Priority : 50,
    AllAtOnce: src.AllAtOnce === true,
    Datacenters: Array.isArray(src.Datacenters) && src.Datacenters.length ? (src.Datacenters as string[]) : ['*'],
    NodePool: typeof src.NodePool === 'string' && src.NodePool ? src.NodePool : 'default',
    Constraints: constraints(src.Constraints),
    Affinities: src.Affinities ?? null,
    Spreads: src.Spreads ?? null,
    TaskGroups: [],
    Update: { Stagger: type === 'service' ? 30 * SEC : 0, MaxParallel: type === 'service' ? 1 : 0, HealthCheck: '', MinHealthyTime: 0, HealthyDeadline: 0, ProgressDeadline: 0, AutoRevert: false, AutoPromote: false, Canary: 0 },
    Multiregion: null,
    Periodic: null,
    ParameterizedJob: null,
    Dispatched: src.Dispatched === true,
    DispatchIdempotencyToken: '',
    Payload: typeof src.Payload === 'string' ? src.Payload : null,
    Meta: strMap(src.Meta),
    ConsulToken: '',
    ConsulNamespace: '',
    VaultToken: '',
    VaultNamespace: '',
    NomadTokenID: '',
    Status: 'pending',
    StatusDescription: '',
    Stable: false,
    Version: 0,
    SubmitTime: 0,
    CreateIndex: 0,
    ModifyIndex: 0,
    JobModifyIndex: 0,
    VersionTag: null,
    UI: null,
  } as Job;
  if (isObj(src.Periodic)) {
    const p = src.Periodic;
    job.Periodic = {
      Enabled: p.Enabled !== false,
      Spec: String(p.Spec ?? ''),
      Specs: Array.isArray(p.Specs) ? p.Specs : null,
      SpecType: String(p.SpecType || 'cron'),
      ProhibitOverlap: p.ProhibitOverlap === true,
      TimeZone: String(p.TimeZone || 'UTC'),
    };
  }
  if (isObj(src.ParameterizedJob)) {
    const p = src.ParameterizedJob;
    job.ParameterizedJob = {
      Payload: String(p.Payload || 'optional'),
      MetaRequired: Array.isArray(p.MetaRequired) && p.MetaRequired.length ? (p.MetaRequired as string[]) : null,
      MetaOptional: Array.isArray(p.MetaOptional) && p.MetaOptional.length ? (p.MetaOptional as string[]) : null,
    };
  }
  const jobUpdate = isObj(src.Update) ? src.Update : null;
  if (jobUpdate && type === 'service') Object.assign(job.Update, Object.fromEntries(Object.entries(jobUpdate).filter(([, v]) => v !== null)));
  job.TaskGroups = (Array.isArray(src.TaskGroups) ? src.TaskGroups : []).filter(isObj).map((g) => canonGroup(g, job, jobUpdate));
  return job;
}

const OPERANDS = ['=', '==', 'is', '!=', 'not', '<', '<=', '>', '>=', 'regexp', 'version', 'semver', 'set_contains', 'set_contains_all',
  'set_contains_any', 'distinct_hosts', 'distinct_property', 'is_set', 'is_not_set'];

function validateConstraints(cs: Constraint[] | null): string[] {
  const errs: string[] = [];
  (cs ?? []).forEach((c, i) => {
    if (!OPERANDS.includes(c.Operand)) errs.push(`Constraint ${i + 1} validation failed: ${multiError([`Unknown constraint type "${c.Operand}"`])}`);
    else if (c.Operand === 'regexp') {
      try {
        compileGo(c.RTarget);
      } catch (e) {
        errs.push(`Constraint ${i + 1} validation failed: ${multiError([`Regular expression failed to compile: ${(e as Error).message}`])}`);
      }
    }
  });
  return errs;
}

/**
 * What Nomad's job validation finds: structs.Job.Validate's errors, then those of the jobValidate
 * admission hook (payload, priority), flattened into one list as multierror.Append does.
 */
export function jobValidationErrors(job: Job): string[] {
  const errs: string[] = [];
  if (!job.Region) errs.push('Missing job region');
  if (!job.ID) errs.push('Missing job ID');
  else if (job.ID.includes(' ')) errs.push('Job ID contains a space');
  else if (job.ID.includes('\u0000')) errs.push('Job ID contains a null character');
  if (!job.Name) errs.push('Missing job name');
  else if (job.Name.includes('\u0000')) errs.push('Job Name contains a null character');
  if (!job.Namespace) errs.push('Job must be in a namespace');
  if (!JOB_TYPES.includes(job.Type)) errs.push(`Invalid job type: ${JSON.stringify(job.Type)}`);
  if (job.Datacenters.some((d) => d === '')) errs.push('Job datacenter must be non-empty string');
  if (job.TaskGroups.length === 0) errs.push('Missing job task groups');
  errs.push(...validateConstraints(job.Constraints));
  const seen = new Map<string, number>();
  job.TaskGroups.forEach((tg, i) => {
    if (!tg.Name) {
      errs.push(`Job task group ${i + 1} missing name`);
      return;
    }
    if (seen.has(tg.Name)) {
      errs.push(`Job task group ${i + 1} redefines '${tg.Name}' from group ${seen.get(tg.Name)! + 1}`);
      return;
    }
    seen.set(tg.Name, i);
    const g: string[] = [];
    if (tg.Count < 0) g.push("Task group count can't be negative");
    if (tg.Tasks.length === 0) g.push('Missing tasks for task group');
    if ((job.Type === 'system' || job.Type === 'sysbatch') && tg.Count > 1) {
      g.push(`Job task group ${tg.Name} has count ${tg.Count}. Count cannot exceed 1 with system scheduler`);
    }
    g.push(...validateConstraints(tg.Constraints));
    const tasks = new Map<string, number>();
    tg.Tasks.forEach((t, j) => {
      if (!t.Name) {
        g.push(`Task ${j + 1} missing name`);
        return;
      }
      if (tasks.has(t.Name)) {
        g.push(`Task ${j + 1} redefines '${t.Name}' from task ${tasks.get(t.Name)! + 1}`);
        return;
      }
      tasks.set(t.Name, j);
      const te: string[] = [];
      if (t.Name.includes('/')) te.push(`Task name cannot include slashes`);
      if (!t.Driver) te.push('Missing task driver');
      if (t.Resources.CPU < 1 && t.Resources.Cores === 0) te.push(`minimum CPU value is 1; got ${t.Resources.CPU}`);
      if (t.Resources.MemoryMB < 10) te.push(`minimum MemoryMB value is 10; got ${t.Resources.MemoryMB}`);
      te.push(...validateConstraints(t.Constraints));
      if (te.length) g.push(`Task ${t.Name} validation failed: ${multiError(te)}`);
    });
    if (g.length) errs.push(`Task group ${tg.Name} validation failed: ${multiError(g)}`);
  });
  if (job.Periodic && job.Periodic.Enabled) {
    if (job.Type !== 'batch' && job.Type !== 'sysbatch') errs.push(`Periodic can only be used with "batch" or "sysbatch" scheduler`);
    if (!job.Periodic.Spec && !(Array.isArray(job.Periodic.Specs) && job.Periodic.Specs.length)) {
      errs.push(`Periodic validation failed: ${multiError(['Must specify a spec'])}`);
    }
  }
  if (job.ParameterizedJob) {
    if (job.Type !== 'batch' && job.Type !== 'sysbatch') errs.push(`Parameterized job can only be used with "batch" or "sysbatch" scheduler`);
    if (!['optional', 'required', 'forbidden'].includes(job.ParameterizedJob.Payload)) {
      errs.push(`Parameterized job validation failed: ${multiError([`Unknown payload requirement: ${JSON.stringify(job.ParameterizedJob.Payload)}`])}`);
    }
  }
  // nomad/job_endpoint_hooks.go jobValidate.Validate, after job.Validate().
  if (job.Payload) errs.push("job can't be submitted with a payload, only dispatched");
  if (job.Priority < 1 || job.Priority > 100) errs.push('job priority must be between [1, 100]');
  return errs;
}

/** The register path's validation: the multierror text, or undefined when the job is valid. */
export function validateJob(job: Job): string | undefined {
  const errs = jobValidationErrors(job);
  return errs.length ? multiError(errs) : undefined;
}

/** Fields Nomad ignores when deciding whether a re-registered spec changed. */
const SERVER_FIELDS = ['Status', 'StatusDescription', 'Stable', 'Version', 'SubmitTime', 'CreateIndex', 'ModifyIndex', 'JobModifyIndex', 'VersionTag'];

export function specOf(job: Job): JsonObject {
  const copy: JsonObject = { ...job };
  for (const f of SERVER_FIELDS) delete copy[f];
  return copy;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

/** Job.SpecChanged. */
export function specChanged(a: Job, b: Job): boolean {
  return stable(specOf(a)) !== stable(specOf(b));
}

export function sameSpec(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

export function isTerminalAlloc(a: Allocation): boolean {
  return a.DesiredStatus === 'stop' || a.DesiredStatus === 'evict' || ['complete', 'failed', 'lost'].includes(a.ClientStatus);
}

export function isParent(job: Job): boolean {
  return (job.Periodic !== null && job.Periodic.Enabled) || (job.ParameterizedJob !== null && !job.Dispatched);
}

/** The state store's getJobStatus. */
export function jobStatus(state: SimState, job: Job): string {
  if (job.Type === 'system' || isParent(job)) return job.Stop ? 'dead' : 'running';
  let hasAlloc = false;
  for (const a of state.allocsOfJob(job.Namespace, job.ID)) {
    hasAlloc = true;
    if (!isTerminalAlloc(a)) return 'running';
  }
  let hasEval = false;
  for (const e of state.evalsOfJob(job.Namespace, job.ID)) {
    hasEval = true;
    if (e.Status === 'pending' || e.Status === 'blocked') return 'pending';
  }
  if (job.Stop || hasEval || hasAlloc) return 'dead';
  return 'pending';
}

/** The job as GET /v1/job/:id returns it (status computed now). */
export function jobView(state: SimState, job: Job): Job {
  return { ...job, Status: jobStatus(state, job) };
}

export function jobSummary(state: SimState, job: Job): JsonObject {
  const summary: Record<string, Record<string, number>> = {};
  const queued = state.queued.get(jobKey(job.Namespace, job.ID)) ?? {};
  for (const tg of job.TaskGroups) {
    summary[tg.Name] = { Queued: queued[tg.Name] ?? 0, Complete: 0, Failed: 0, Running: 0, Starting: 0, Lost: 0, Unknown: 0 };
  }
  const allocs = state.allocsOfJob(job.Namespace, job.ID);
  for (const a of allocs) {
    const s = summary[a.TaskGroup];
    if (!s) continue;
    switch (a.ClientStatus) {
      case 'pending': s.Starting++; break;
      case 'running': s.Running++; break;
      case 'complete': s.Complete++; break;
      case 'failed': s.Failed++; break;
      case 'lost': s.Lost++; break;
      case 'unknown': s.Unknown++; break;
    }
  }
  const children = { Pending: 0, Running: 0, Dead: 0 };
  if (isParent(job)) {
    for (const child of state.childrenOf(job.Namespace, job.ID)) {
      const st = jobStatus(state, child);
      if (st === 'pending') children.Pending++;
      else if (st === 'running') children.Running++;
      else children.Dead++;
    }
  }
  return {
    JobID: job.ID,
    Namespace: job.Namespace,
    Summary: summary,
    Children: children,
    CreateIndex: job.CreateIndex,
    ModifyIndex: allocs.reduce((m, a) => Math.max(m, a.ModifyIndex), job.ModifyIndex),
  };
}

export function jobStub(state: SimState, job: Job, withMeta: boolean): JsonObject {
  const stub: JsonObject = {
    ID: job.ID,
    ParentID: job.ParentID,
    Name: job.Name,
    Namespace: job.Namespace,
    Datacenters: job.Datacenters,
    NodePool: job.NodePool,
    Multiregion: null,
    Type: job.Type,
    Priority: job.Priority,
    Periodic: job.Periodic !== null && job.Periodic.Enabled,
    ParameterizedJob: job.ParameterizedJob !== null,
    Stop: job.Stop,
    Status: jobStatus(state, job),
    StatusDescription: job.StatusDescription,
    JobSummary: jobSummary(state, job),
    CreateIndex: job.CreateIndex,
    ModifyIndex: job.ModifyIndex,
    JobModifyIndex: job.JobModifyIndex,
    SubmitTime: job.SubmitTime,
  };
  if (withMeta) stub.Meta = job.Meta ?? {};
  return stub;
}

/** Looks a job up or fails with the RPC-style error text (500 unless coded). */
export function requireJob(state: SimState, namespace: string, id: string, message = 'job not found', status = 404): Job {
  const job = state.job(namespace, id);
  if (!job) throw status === 500 ? rpcError(message) : coded(status, message);
  return job;
}
