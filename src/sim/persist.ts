/**
 * A demo cluster kept between processes (`--demo --demo-state FILE`): each Inspector `--cli` call and
 * each `tools call --demo` is a new process, so a job submitted by one must be there for the next. The
 * state is saved settled (pending evaluations processed, deployments finished) when the simulator
 * closes, written to a temporary file and renamed (a reader never sees half a file), and loaded
 * instead of the seed at the next start. ACL objects are not kept: the demo cluster runs without ACLs.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AllocFile } from './allocfs.js';
import type { NodePool } from './nodepools.js';
import type { CsiPlugin, CsiVolume, HostVolume } from './volumes.js';
import type { SavedLogFile } from './logstore.js';
import { jobKey, type SimState } from './state.js';
import type {
  Allocation, Deployment, Evaluation, GiteaRepo, Job, JobSubmission, JsonObject, Namespace, Node, ScalingEvent, Variable,
} from './types.js';

/** Bumped when the layout changes: an older file is then ignored (the cluster starts from the seed). */
const FORMAT = 2;

export interface SavedCluster {
  format: number;
  url: string;
  index: number;
  idCounter: number;
  namespaces: Namespace[];
  nodes: Node[];
  jobs: Job[];
  jobVersions: [string, Job[]][];
  submissions: [string, [number, JobSubmission][]][];
  allocs: Allocation[];
  evals: Evaluation[];
  deployments: Deployment[];
  variables: [string, Variable][];
  scalingEvents: [string, Record<string, ScalingEvent[]>][];
  queued: [string, Record<string, number>][];
  allocChecks: [string, Record<string, JsonObject>][];
  allocFiles: [string, [string, AllocFile][]][];
  nodeMetaDynamic: [string, Record<string, string>][];
  nodePools: [string, NodePool][];
  csiPlugins: [string, CsiPlugin][];
  csiVolumes: [string, CsiVolume][];
  hostVolumes: [string, HostVolume][];
  giteaRepos: GiteaRepo[];
  logs: SavedLogFile[];
}

export function saveCluster(state: SimState, url: string): SavedCluster {
  const keyed = <V>(m: Map<string, V>) => [...m.entries()];
  return {
    format: FORMAT,
    url,
    index: state.index,
    idCounter: state.ids.counter,
    namespaces: [...state.namespaces.values()],
    nodes: [...state.nodes.values()],
    jobs: [...state.jobs.values()],
    jobVersions: keyed(state.jobVersions),
    submissions: [...state.submissions.entries()].map(([k, m]) => [k, [...m.entries()]]),
    allocs: [...state.allocs.values()],
    evals: [...state.evals.values()],
    deployments: [...state.deployments.values()],
    variables: keyed(state.variables),
    scalingEvents: keyed(state.scalingEvents),
    queued: keyed(state.queued),
    allocChecks: keyed(state.allocChecks),
    allocFiles: [...state.allocFiles.entries()].map(([k, m]) => [k, [...m.entries()]]),
    nodeMetaDynamic: keyed(state.nodeMetaDynamic),
    nodePools: keyed(state.nodePools),
    csiPlugins: keyed(state.csiPlugins),
    csiVolumes: keyed(state.csiVolumes),
    hostVolumes: keyed(state.hostVolumes),
    giteaRepos: state.giteaRepos,
    logs: state.logs.save(),
  };
}

/** Fills an empty state from a saved cluster; URLs of the old simulator are rewritten to `url`. */
export function loadCluster(state: SimState, saved: SavedCluster, url: string): void {
  state.index = saved.index;
  state.ids.counter = saved.idCounter;
  for (const n of saved.namespaces) state.namespaces.set(n.Name, n);
  for (const n of saved.nodes) state.nodes.set(n.ID, n);
  for (const j of saved.jobs) state.jobs.set(jobKey(j.Namespace, j.ID), j);
  for (const [k, v] of saved.jobVersions) state.jobVersions.set(k, v);
  for (const [k, v] of saved.submissions) state.submissions.set(k, new Map(v));
  for (const a of saved.allocs) state.allocs.set(a.ID, a);
  for (const e of saved.evals) state.evals.set(e.ID, e);
  for (const d of saved.deployments) state.deployments.set(d.ID, d);
  for (const [k, v] of saved.variables) state.variables.set(k, v);
  for (const [k, v] of saved.scalingEvents) state.scalingEvents.set(k, v);
  for (const [k, v] of saved.queued) state.queued.set(k, v);
  for (const [k, v] of saved.allocChecks) state.allocChecks.set(k, v);
  for (const [k, v] of saved.allocFiles) state.allocFiles.set(k, new Map(v));
  for (const [k, v] of saved.nodeMetaDynamic) state.nodeMetaDynamic.set(k, v);
  for (const [k, v] of saved.nodePools) state.nodePools.set(k, v);
  for (const [k, v] of saved.csiPlugins) state.csiPlugins.set(k, v);
  for (const [k, v] of saved.csiVolumes) state.csiVolumes.set(k, v);
  for (const [k, v] of saved.hostVolumes) state.hostVolumes.set(k, v);
  state.giteaRepos.push(...(JSON.parse(JSON.stringify(saved.giteaRepos).split(saved.url).join(url)) as GiteaRepo[]));
  state.logs.load(saved.logs);
}

/** The saved cluster in a file, or undefined when there is none (or it is of an older format). A damaged file throws. */
export function readClusterFile(file: string): SavedCluster | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the demo state ${file}: ${(e as Error).message}`);
  }
  let saved: SavedCluster;
  try {
    saved = JSON.parse(text) as SavedCluster;
  } catch (e) {
    throw new Error(`the demo state ${file} is not valid JSON (${(e as Error).message}); --demo-reset starts a fresh demo cluster`);
  }
  return saved?.format === FORMAT ? saved : undefined;
}

export function writeClusterFile(file: string, saved: SavedCluster): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(saved));
  renameSync(tmp, file);
}
