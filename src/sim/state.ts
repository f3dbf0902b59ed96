/** The simulator's in-memory cluster state: one global raft index, tables, event log and timers. */
import { EventEmitter } from 'node:events';
import type { Policy } from './aclpolicy.js';
import { IdGenerator } from './ids.js';
import { LogStore } from './logstore.js';
import { GroupedMap } from './table.js';
import type { AllocFile } from './allocfs.js';
import { builtinNodePools, type NodePool } from './nodepools.js';
import type { CsiPlugin, CsiVolume, HostVolume } from './volumes.js';
import type {
  Allocation, Deployment, Evaluation, GiteaRepo, Job, JobSubmission, JsonObject, Namespace, Node, ScalingEvent, StreamEvent, Variable,
} from './types.js';

/** One batch of events published at a raft index, as the event stream sends it. */
export interface EventBatch {
  Index: number;
  Events: StreamEvent[];
}

/** An ACL token (structs.ACLToken); `Policies`/`Roles` are null on management tokens, as Go's nil slices. */
export interface AclToken {
  AccessorID: string;
  SecretID: string;
  Name: string;
  Type: 'client' | 'management';
  Policies: string[] | null;
  Roles: { ID: string; Name: string }[] | null;
  Global: boolean;
  CreateTime: string;
  ExpirationTime: string | null;
  CreateIndex: number;
  ModifyIndex: number;
}

/** An ACL policy (structs.ACLPolicy) with its parsed rules. */
export interface AclPolicy {
  Name: string;
  Description: string;
  Rules: string;
  CreateIndex: number;
  ModifyIndex: number;
  parsed: Policy;
}

/** An ACL role (structs.ACLRole): a named set of policies. */
export interface AclRole {
  ID: string;
  Name: string;
  Description: string;
  Policies: { Name: string }[];
  CreateIndex: number;
  ModifyIndex: number;
}

export function jobKey(namespace: string, id: string): string {
  return `${namespace}\u0000${id}`;
}

const EVENT_BUFFER = 2000;

export class SimState {
  /** The single raft index every write bumps. */
  index = 1;
  readonly region = 'global';
  readonly datacenter = 'dc1';
  readonly ids: IdGenerator;
  readonly logs = new LogStore();

  readonly namespaces = new Map<string, Namespace>();
  readonly nodes = new Map<string, Node>();
  /** Jobs by jobKey, grouped by parent (dispatched and periodic children). */
  readonly jobs = new GroupedMap<Job>((j) => (j.ParentID ? jobKey(j.Namespace, j.ParentID) : undefined));
  /** Every stored version of every job, oldest first. */
  readonly jobVersions = new Map<string, Job[]>();
  /** Job submissions (source, variables) per job, by version. */
  readonly submissions = new Map<string, Map<number, JobSubmission>>();
  /** Allocations, evaluations and deployments by ID, grouped by job. */
  readonly allocs = new GroupedMap<Allocation>((a) => jobKey(a.Namespace, a.JobID));
  readonly evals = new GroupedMap<Evaluation>((e) => jobKey(e.Namespace, e.JobID));
  readonly deployments = new GroupedMap<Deployment>((d) => jobKey(d.Namespace, d.JobID));
  readonly variables = new Map<string, Variable>();
  /**
   * The variables table's index: the raft index of the last variable write or delete. Variables.List answers
   * with it (nomad/variables_endpoint.go List ~460 "Use the index table … as we have no way of tracking the max
   * index on deletes"), so a blocking list wakes on variable changes, not on other writes.
   */
  variablesIndex = 0;
  readonly scalingEvents = new Map<string, Record<string, ScalingEvent[]>>();
  /** Allocations the scheduler could not place, per job and task group. */
  readonly queued = new Map<string, Record<string, number>>();
  /** ACL tokens by SecretID, policies by name, roles by ID. */
  readonly aclTokens = new Map<string, AclToken>();
  readonly aclPolicies = new Map<string, AclPolicy>();
  readonly aclRoles = new Map<string, AclRole>();
  /** Nomad-provider check results per allocation (GET /v1/client/allocation/:id/checks), by check ID. */
  readonly allocChecks = new Map<string, Record<string, JsonObject>>();
  /** Files written into allocation directories (rendered templates…), by allocation ID and relative path. */
  readonly allocFiles = new Map<string, Map<string, AllocFile>>();
  /** Dynamic node metadata (set through /v1/client/metadata) by node ID. */
  readonly nodeMetaDynamic = new Map<string, Record<string, string>>();
  /** Node pools by name; `all` and `default` always exist. */
  readonly nodePools = new Map<string, NodePool>(builtinNodePools(1).map((p) => [p.Name, p]));
  /** CSI plugins by ID, CSI volumes by jobKey(namespace, id), host volumes by ID. */
  readonly csiPlugins = new Map<string, CsiPlugin>();
  readonly csiVolumes = new Map<string, CsiVolume>();
  readonly hostVolumes = new Map<string, HostVolume>();
  readonly giteaRepos: GiteaRepo[] = [];
  /** Recent event batches, so `index=` on the event stream can replay. */
  readonly eventLog: EventBatch[] = [];

  /** How long a deployment stays `running` before turning `successful`. */
  deploymentMs = 1000;
  /**
   * How long a new evaluation stays `pending` before the scheduler processes it: Nomad's evals are
   * processed asynchronously by the leader's workers (nomad/worker.go), so a fresh one reads `pending`.
   * 0 processes at once (scheduler unit tests).
   */
  evalDelayMs = 30;

  private readonly emitter = new EventEmitter();
  /** Pending work (`later`) with when it is due, so `settle` can run it ahead of time. */
  private readonly timers = new Map<NodeJS.Timeout, { due: number; fn: () => void }>();
  private closed = false;

  constructor(seed = 'nomad-sim') {
    this.ids = new IdGenerator(seed);
    this.emitter.setMaxListeners(0);
  }

  /** Advances the raft index for a write and wakes blocking queries. */
  bump(): number {
    this.index += 1;
    this.emitter.emit('index', this.index);
    return this.index;
  }

  /** Publishes events (all at the current index) to event-stream subscribers. */
  publish(events: Omit<StreamEvent, 'Index'>[]): void {
    if (events.length === 0) return;
    const index = this.index;
    const batch: EventBatch = { Index: index, Events: events.map((e) => ({ ...e, Index: index })) };
    const last = this.eventLog[this.eventLog.length - 1];
    if (last && last.Index === index) last.Events.push(...batch.Events);
    else this.eventLog.push(batch);
    if (this.eventLog.length > EVENT_BUFFER) this.eventLog.splice(0, this.eventLog.length - EVENT_BUFFER);
    this.emitter.emit('events', batch);
  }

  onIndex(cb: (index: number) => void): () => void {
    this.emitter.on('index', cb);
    return () => this.emitter.off('index', cb);
  }

  onEvents(cb: (batch: EventBatch) => void): () => void {
    this.emitter.on('events', cb);
    return () => this.emitter.off('events', cb);
  }

  /** Runs fn later unless the simulator closes first. */
  later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    t.unref();
    this.timers.set(t, { due: Date.now() + ms, fn });
  }

  /**
   * Runs the pending work now, earliest first, including what it schedules in turn: the state a
   * little later, with evaluations processed and deployments finished (a demo cluster saved between
   * processes is saved settled, as if the time between two commands had passed). Bounded.
   */
  settle(maxSteps = 10_000): void {
    for (let step = 0; step < maxSteps && this.timers.size > 0 && !this.closed; step++) {
      let first: [NodeJS.Timeout, { due: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (!first || e[1].due < first[1].due) first = e;
      const [t, { fn }] = first!;
      clearTimeout(t);
      this.timers.delete(t);
      fn();
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.keys()) clearTimeout(t);
    this.timers.clear();
    this.emitter.removeAllListeners();
  }

  job(namespace: string, id: string): Job | undefined {
    return this.jobs.get(jobKey(namespace, id));
  }

  versions(namespace: string, id: string): Job[] {
    return this.jobVersions.get(jobKey(namespace, id)) ?? [];
  }

  submission(namespace: string, id: string, version: number): JobSubmission | undefined {
    return this.submissions.get(jobKey(namespace, id))?.get(version);
  }

  /** Children (dispatched or periodic launches) of a parent job. */
  childrenOf(namespace: string, id: string): Job[] {
    return this.jobs.group(jobKey(namespace, id));
  }

  allocsOfJob(namespace: string, id: string): Allocation[] {
    return this.allocs.group(jobKey(namespace, id));
  }

  evalsOfJob(namespace: string, id: string): Evaluation[] {
    return this.evals.group(jobKey(namespace, id));
  }

  deploymentsOfJob(namespace: string, id: string): Deployment[] {
    return this.deployments.group(jobKey(namespace, id));
  }

  latestDeployment(namespace: string, id: string): Deployment | undefined {
    let best: Deployment | undefined;
    for (const d of this.deploymentsOfJob(namespace, id)) {
      if (!best || d.CreateIndex > best.CreateIndex) best = d;
    }
    return best;
  }
}
