/**
 * Problem scenarios: each one puts a cluster into a state a diagnosis tool must find, the way a
 * real Nomad cluster reaches it. `sim --scenario NAME` starts one; `serve --demo` applies several
 * on top of the demo seed. Field names and texts follow Nomad 1.9's structs and client:
 * - task events: nomad/structs/structs.go (TaskTerminated, TaskRestarting, TaskNotRestarting,
 *   TaskEvent.PopulateEventDisplayMessage: "Exit Code: N, Signal: S, Exit Message: \"…\"",
 *   "Task restarting in 16.5s", "Exceeded allowed attempts 2 in interval 30m0s and mode is \"delay\"");
 *   Details exit_code, signal, oom_killed, exit_message (SetExitCode, SetSignal, SetOOMKilled, SetExitMessage);
 * - an OOM kill: the docker driver ends the task with Err "OOM Killed" and exit code 137
 *   (drivers/docker/handle.go, run: `werr = fmt.Errorf("OOM Killed")`);
 * - unhealthy allocations: DeploymentStatus.Healthy=false and a task event of type "Alloc Unhealthy"
 *   (client/allocrunner/health_hook.go AllocHealthEventSource), deployment "Failed due to unhealthy
 *   allocations" (structs.DeploymentStatusDescriptionFailedAllocations);
 * - check results: structs.CheckQueryResult {ID, Mode, Status, StatusCode, Output, Timestamp, Group,
 *   Task, Service, Check} (nomad/structs/checks.go), served by /v1/client/allocation/:id/checks;
 * - a lost allocation: ClientStatus "lost", DesiredDescription "alloc is lost since its node is down"
 *   (scheduler/reconcile_util.go allocLost); node events "Node heartbeat missed" (nomad/heartbeat.go);
 * - a drain: DrainStrategy {DrainSpec{Deadline, IgnoreSystemJobs}, ForceDeadline, StartedAt} and
 *   SchedulingEligibility "ineligible" (nomad/drainer, structs.DrainStrategy);
 * - a rendered template: the template runner writes DestPath below the task directory
 *   (client/allocrunner/taskrunner/template/template.go), `<task>/local/config.env` here, and with
 *   `env = true` the task sees its keys in its environment; a registration of a `provider = "nomad"`
 *   service stays while its checks fail (services.ts);
 * - CSI: a plugin's controllers and node plugins per node (structs.CSIPlugin, CSIInfo with
 *   NodeInfo.AccessibleTopology); a volume whose plugin is gone keeps its PluginID and reads
 *   unschedulable (state_store.go csiVolumeDenormalizePluginsTxn ~2934).
 */
import { canonicalizeJob } from './jobmodel.js';
import { upsertJob } from './jobstore.js';
import { makeNode } from './nodes.js';
import { evaluateJob, taskEvent } from './scheduler.js';
import { register, task } from './seed.js';
import type { SimState } from './state.js';
import type { Allocation, Job, JsonObject, TaskEvent, TaskState } from './types.js';
import { rfc3339 } from './ids.js';
import type { CsiInfo, CsiPlugin } from './volumes.js';

const SEC = 1_000_000_000;

/** Registers a job and runs its evaluation without letting the deployment turn healthy. */
function place(state: SimState, spec: JsonObject, namespace = 'default'): Job {
  const job = canonicalizeJob(spec, namespace);
  upsertJob(state, job);
  const current = state.job(namespace, job.ID)!;
  evaluateJob(state, current, 'job-register', current.JobModifyIndex);
  return current;
}

function live(state: SimState, job: Job): Allocation[] {
  return state
    .allocsOfJob(job.Namespace, job.ID)
    .filter((a) => a.DesiredStatus === 'run' && a.Job.Version === job.Version)
    .sort((a, b) => a.CreateIndex - b.CreateIndex || a.Name.localeCompare(b.Name));
}

function at(ev: TaskEvent, nanos: number): TaskEvent {
  ev.Time = nanos;
  return ev;
}

function terminated(nanos: number, exitCode: number, signal = 0, message = '', oom = false): TaskEvent {
  const parts = [`Exit Code: ${exitCode}`];
  if (signal) parts.push(`Signal: ${signal}`);
  if (message) parts.push(`Exit Message: ${JSON.stringify(message)}`);
  const details: Record<string, string> = { exit_code: String(exitCode), signal: String(signal), oom_killed: String(oom) };
  if (message) details.exit_message = message;
  return at(taskEvent('Terminated', parts.join(', '), details, { ExitCode: exitCode, Signal: signal, Message: message }), nanos);
}

function restarting(nanos: number, delayNanos: number): TaskEvent {
  const secs = (delayNanos / SEC).toFixed(1).replace(/\.0$/, '');
  return at(
    taskEvent('Restarting', `Task restarting in ${secs}s`, { restart_reason: 'Restart within policy', start_delay: String(delayNanos) }, {
      RestartReason: 'Restart within policy', StartDelay: delayNanos,
    }),
    nanos,
  );
}

function started(nanos: number): TaskEvent {
  return at(taskEvent('Started', 'Task started by client'), nanos);
}

/**
 * A task that crashed `restarts` times, `everyMs` apart, ending running again (or still restarting).
 * Each crash appends `logLine(i)` to the task's stderr just before it, as the application would.
 */
function crashLoop(
  state: SimState, a: Allocation, taskName: string, restarts: number, everyMs: number,
  crash: (t: number) => TaskEvent, logLine: (i: number) => string,
): void {
  const ts: TaskState = a.TaskStates[taskName];
  const now = Date.now();
  const first = now - restarts * everyMs - 20_000;
  const events: TaskEvent[] = ts.Events.slice(0, 3).map((e, i) => at({ ...e }, (first - 3000 + i * 1000) * 1e6));
  events.push(started(first * 1e6));
  let log = '';
  for (let i = 0; i < restarts; i++) {
    const t = first + (i + 1) * everyMs - 16_000;
    log += `${new Date(t - 400).toISOString()} ${logLine(i)}\n`;
    events.push(crash(t * 1e6));
    events.push(restarting((t + 5) * 1e6, 15 * SEC + i * 1e8));
    events.push(started((t + 15_500) * 1e6));
  }
  // The client keeps the last 10 events of a task (client/allocrunner/taskrunner/task_runner.go appendEvent, maxEvents).
  ts.Events = events.slice(-10);
  ts.Restarts = restarts;
  ts.LastRestart = rfc3339(first + restarts * everyMs - 500);
  ts.State = 'running';
  ts.StartedAt = rfc3339(first);
  state.logs.append(a.ID, taskName, 'stderr', log);
}

/**
 * Moves a job's history `ms` into the past (versions at or below `upToVersion`, and the evaluations,
 * deployments and allocations of those versions), so that a scenario's story has happened before now.
 */
function backdate(state: SimState, job: Job, ms: number, upToVersion = Infinity): void {
  const ns = ms * 1e6;
  for (const v of state.versions(job.Namespace, job.ID)) if (v.Version <= upToVersion) v.SubmitTime -= ns;
  const cur = state.job(job.Namespace, job.ID);
  if (cur && cur.Version <= upToVersion) cur.SubmitTime = state.versions(job.Namespace, job.ID).find((v) => v.Version === cur.Version)?.SubmitTime ?? cur.SubmitTime;
  const modifyIndexes = new Set(state.versions(job.Namespace, job.ID).filter((v) => v.Version <= upToVersion).map((v) => v.JobModifyIndex));
  for (const e of state.evalsOfJob(job.Namespace, job.ID)) {
    if (!modifyIndexes.has(e.JobModifyIndex)) continue;
    e.CreateTime -= ns;
    e.ModifyTime -= ns;
  }
  for (const d of state.deploymentsOfJob(job.Namespace, job.ID)) {
    if (d.JobVersion > upToVersion) continue;
    d.CreateTime -= ns;
    d.ModifyTime -= ns;
  }
  for (const a of state.allocsOfJob(job.Namespace, job.ID)) {
    if (a.Job.Version > upToVersion) continue;
    a.CreateTime -= ns;
    a.ModifyTime -= ns;
    for (const ts of Object.values(a.TaskStates)) for (const e of ts.Events) e.Time -= ns;
  }
}

/** One named problem. */
interface Scenario {
  summary: string;
  apply(state: SimState): void;
}

function setupNode(state: SimState, name: string, ip: string) {
  const node = makeNode(state, { name, ip }, state.bump());
  state.nodes.set(node.ID, node);
  return node;
}

export const SCENARIOS: Record<string, Scenario> = {
  'failing-checks': {
    summary: 'checkout v1 rolled out with one allocation failing its HTTP health check; the deployment failed',
    apply(state) {
      const spec = (image: string): JsonObject => ({
        ID: 'checkout', Type: 'service', Datacenters: ['dc1'], Meta: { owner: 'team-payments' },
        TaskGroups: [{
          Name: 'checkout', Count: 2,
          Networks: [{ Mode: 'bridge', DynamicPorts: [{ Label: 'http', Value: 0, To: 8080, HostNetwork: 'default' }] }],
          Services: [{
            Name: 'checkout', PortLabel: 'http', Provider: 'nomad',
            Checks: [{ Name: 'healthz', Type: 'http', Path: '/healthz', Interval: 10 * SEC, Timeout: 2 * SEC }],
          }],
          Tasks: [task('app', 'docker', { image, ports: ['http'] }, 300, 256)],
        }],
      });
      register(state, spec('acme/checkout:3.0'));
      const job = place(state, spec('acme/checkout:3.1'));
      backdate(state, job, 600_000);
      backdate(state, job, 7 * 86_400_000, 0);
      const d = state.latestDeployment(job.Namespace, job.ID)!;
      const [bad, ...good] = live(state, job);
      const index = state.bump();
      for (const a of good) {
        a.DeploymentStatus = { Healthy: true, Timestamp: rfc3339(), Canary: false, ModifyIndex: index };
        state.allocChecks.set(a.ID, {
          [`c1a0e2f4b7d9${a.ID.slice(0, 8)}`]: {
            ID: `c1a0e2f4b7d9${a.ID.slice(0, 8)}`, Mode: 'healthiness', Status: 'success', StatusCode: 200,
            Output: 'HTTP GET http://10.0.0.12:8080/healthz: 200 OK', Timestamp: Math.floor(Date.now() / 1000),
            Group: 'checkout', Task: 'app', Service: 'checkout', Check: 'healthz',
          },
        });
      }
      bad.DeploymentStatus = { Healthy: false, Timestamp: rfc3339(), Canary: false, ModifyIndex: index };
      // client/allochealth/tracker.go taskHealthState.event: checks not passing by the healthy deadline.
      bad.TaskStates.app.Events.push(taskEvent('Alloc Unhealthy', 'Services not healthy by deadline', {}, { Message: 'Services not healthy by deadline' }));
      bad.ModifyIndex = index;
      state.allocChecks.set(bad.ID, {
        c1a0e2f4b7d9e1f3a5c7: {
          ID: 'c1a0e2f4b7d9e1f3a5c7', Mode: 'healthiness', Status: 'failure', StatusCode: 503,
          Output: 'HTTP GET http://10.0.0.11:8080/healthz: 503 Service Unavailable: database pool exhausted',
          Timestamp: Math.floor(Date.now() / 1000), Group: 'checkout', Task: 'app', Service: 'checkout', Check: 'healthz',
        },
      });
      state.logs.append(bad.ID, 'app', 'stderr', `${new Date().toISOString()} ERROR healthz: database pool exhausted (max 10)\n`);
      const g = d.TaskGroups.checkout;
      g.UnhealthyAllocs = 1;
      g.HealthyAllocs = good.length;
      d.Status = 'failed';
      d.StatusDescription = 'Failed due to unhealthy allocations';
      d.ModifyIndex = index;
    },
  },
  'restart-loop': {
    summary: 'worker v1 crashes on start (exit code 1) and restarts every 40 s',
    apply(state) {
      const spec = (image: string): JsonObject => ({
        ID: 'worker', Type: 'service', Datacenters: ['dc1'],
        TaskGroups: [{ Name: 'worker', Count: 1, Tasks: [task('worker', 'docker', { image }, 200, 128, { QUEUE_URL: 'amqp://mq.service:5672' })] }],
      });
      register(state, spec('acme/worker:0.9.0'));
      const job = register(state, spec('acme/worker:0.9.1'));
      // Version 0 ran for a day; version 1 was submitted just before the first crash.
      backdate(state, job, 6 * 40_000 + 60_000);
      backdate(state, job, 86_400_000, 0);
      const [a] = live(state, job);
      crashLoop(state, a, 'worker', 6, 40_000, (t) => terminated(t, 1), () => 'panic: dial tcp 10.0.0.50:5672: connect: connection refused');
    },
  },
  'oom-kill': {
    summary: 'cache (redis) is OOM killed (exit code 137) with 64 MB of memory reserved',
    apply(state) {
      const job = register(state, {
        ID: 'cache', Type: 'service', Datacenters: ['dc1'],
        TaskGroups: [{ Name: 'cache', Count: 1, Tasks: [task('redis', 'docker', { image: 'redis:7.2' }, 100, 64)] }],
      });
      backdate(state, job, 3 * 120_000 + 60_000);
      const [a] = live(state, job);
      crashLoop(state, a, 'redis', 3, 120_000, (t) => terminated(t, 137, 0, 'OOM Killed', true), (i) => `# WARNING: used_memory ${62 + i} MB close to maxmemory`);
    },
  },
  'node-down': {
    summary: 'node-4 stopped heartbeating; its metrics allocation is lost and was replaced',
    apply(state) {
      const node = setupNode(state, 'node-4', '10.0.0.14');
      const job = register(state, {
        ID: 'metrics', Type: 'service', Datacenters: ['dc1'],
        TaskGroups: [{ Name: 'agent', Count: 2, Tasks: [task('collector', 'docker', { image: 'prom/node-exporter:1.8' }, 100, 64)] }],
      });
      const [a] = live(state, job);
      const index = state.bump();
      a.NodeID = node.ID;
      a.NodeName = node.Name;
      a.ClientStatus = 'lost';
      a.ClientDescription = '';
      a.DesiredStatus = 'stop';
      a.DesiredDescription = 'alloc is lost since its node is down';
      a.ModifyIndex = index;
      node.Status = 'down';
      node.StatusUpdatedAt = Math.floor(Date.now() / 1000) - 600;
      node.Events.push({ Message: 'Node heartbeat missed', Subsystem: 'Cluster', Details: null, Timestamp: rfc3339(Date.now() - 600_000), CreateIndex: index });
      node.ModifyIndex = index;
      evaluateJob(state, job, 'node-update', index);
    },
  },
  'node-draining': {
    summary: 'node-5 is being drained (ineligible for new work, deadline in 1 h)',
    apply(state) {
      const node = setupNode(state, 'node-5', '10.0.0.15');
      const index = state.bump();
      node.DrainStrategy = {
        DrainSpec: { Deadline: 3600 * SEC, IgnoreSystemJobs: false },
        ForceDeadline: rfc3339(Date.now() + 3_600_000), StartedAt: rfc3339(Date.now() - 120_000),
      };
      node.SchedulingEligibility = 'ineligible';
      node.LastDrain = { Status: 'draining', StartedAt: rfc3339(Date.now() - 120_000), UpdatedAt: rfc3339(Date.now() - 120_000), AccessorID: '', Meta: { reason: 'kernel upgrade' } };
      node.Events.push({ Message: 'Node drain strategy set', Subsystem: 'Drain', Details: null, Timestamp: rfc3339(Date.now() - 120_000), CreateIndex: index });
      node.ModifyIndex = index;
    },
  },
  'canary-stuck': {
    summary: 'payments v1 placed a healthy canary and waits for manual promotion',
    apply(state) {
      const spec = (image: string): JsonObject => ({
        ID: 'payments', Type: 'service', Datacenters: ['dc1'],
        TaskGroups: [{
          Name: 'api', Count: 2, Update: { Canary: 1, MaxParallel: 1, AutoPromote: false, AutoRevert: false },
          Tasks: [task('api', 'docker', { image }, 250, 256)],
        }],
      });
      register(state, spec('acme/payments:2.0'));
      register(state, spec('acme/payments:2.1'));
    },
  },
  'blocked-memory': {
    summary: 'analytics asks 24 GB of memory for one allocation; no node has it, so its evaluation is blocked',
    apply(state) {
      register(state, {
        ID: 'analytics', Type: 'service', Datacenters: ['dc1'],
        TaskGroups: [{ Name: 'spark', Count: 1, Tasks: [task('driver', 'docker', { image: 'acme/spark-driver:3.5' }, 1000, 24_576)] }],
      });
    },
  },
};

const GiB = 1024 * 1024 * 1024;

/**
 * The EBS CSI plugin the volume scenarios share: a controller (csi-ebs-controller) and a node plugin on
 * each ready node (csi-ebs-nodes), node-1 and node-2 in zone us-east-1a, the others in us-east-1b.
 */
function ebsPlugin(state: SimState): CsiPlugin {
  const existing = state.csiPlugins.get('aws-ebs0');
  if (existing) return existing;
  const task = (name: string, type: string): JsonObject => ({
    Name: name, Driver: 'docker', Config: { image: 'public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.35.0', args: [type] },
    Resources: { CPU: 100, MemoryMB: 128 }, CSIPluginConfig: { ID: 'aws-ebs0', Type: type, MountDir: '/csi' },
  });
  const controllerJob = register(state, { ID: 'csi-ebs-controller', Type: 'service', Datacenters: ['dc1'], TaskGroups: [{ Name: 'controller', Count: 1, Tasks: [task('plugin', 'controller')] }] });
  const nodes = [...state.nodes.values()].filter((n) => n.Status === 'ready' && n.DrainStrategy === null);
  const nodeJob = register(state, { ID: 'csi-ebs-nodes', Type: 'service', Datacenters: ['dc1'], TaskGroups: [{ Name: 'nodes', Count: nodes.length, Tasks: [task('plugin', 'node')] }] });
  const now = Date.now();
  const info = (allocId: string, healthy: boolean, node?: { id: string; zone: string }): CsiInfo => ({
    PluginID: 'aws-ebs0', AllocID: allocId, Healthy: healthy, HealthDescription: healthy ? 'healthy' : 'unhealthy', UpdateTime: rfc3339(now),
    RequiresControllerPlugin: true, RequiresTopologies: node !== undefined,
    ControllerInfo: node ? null : { SupportsAttachDetach: true, SupportsCreateDelete: true, SupportsListVolumes: true },
    NodeInfo: node ? { ID: node.id, MaxVolumes: 25, AccessibleTopology: { Segments: { 'topology.ebs.csi.aws.com/zone': node.zone } }, RequiresNodeStageVolume: true } : null,
  });
  const controllers: Record<string, CsiInfo> = {};
  const [ctl] = live(state, controllerJob);
  if (ctl) controllers[ctl.NodeID] = info(ctl.ID, true);
  const nodePlugins: Record<string, CsiInfo> = {};
  live(state, nodeJob).forEach((a, i) => {
    const node = nodes[i % nodes.length];
    a.NodeID = node.ID;
    a.NodeName = node.Name;
    const zone = ['node-1', 'node-2'].includes(node.Name) ? 'us-east-1a' : 'us-east-1b';
    nodePlugins[node.ID] = info(a.ID, true, { id: `i-0${node.ID.slice(0, 16).replace(/-/g, '')}`, zone });
  });
  const index = state.bump();
  const plugin: CsiPlugin = {
    ID: 'aws-ebs0', Provider: 'ebs.csi.aws.com', Version: 'v1.35.0', ControllerRequired: true, Controllers: controllers, Nodes: nodePlugins,
    ControllersExpected: 1, NodesExpected: nodes.length, CreateIndex: index, ModifyIndex: index, CreateTime: now * 1e6, ModifyTime: now * 1e6,
  };
  state.csiPlugins.set(plugin.ID, plugin);
  return plugin;
}

function csiVolume(state: SimState, id: string, pluginId: string, provider: string, mode: string, zone: string, namespace = 'default') {
  const index = state.bump();
  const now = Date.now() * 1e6;
  const vol = {
    ID: id, Name: id, ExternalID: `vol-0${index.toString(16).padStart(16, '7')}`, Namespace: namespace, PluginID: pluginId, Provider: provider,
    Topologies: [{ Segments: { 'topology.ebs.csi.aws.com/zone': zone } }], AccessMode: mode, AttachmentMode: 'file-system',
    RequestedCapabilities: [{ AccessMode: mode || 'single-node-writer', AttachmentMode: 'file-system' }], Capacity: 20 * GiB,
    readClaims: [] as string[], writeClaims: [] as string[], CreateIndex: index, ModifyIndex: index, CreateTime: now, ModifyTime: now,
  };
  state.csiVolumes.set(`${namespace}\u0000${id}`, vol);
  return vol;
}

/** Scenarios for the areas beyond jobs: storage, files (joined into SCENARIOS below). */
const AREA_SCENARIOS: Record<string, Scenario> = {
  'volume-no-plugin': {
    summary: 'CSI volume pg-data belongs to plugin ceph-csi, which no longer runs: the volume cannot be claimed; uploads (aws-ebs0) is fine',
    apply(state) {
      ebsPlugin(state);
      csiVolume(state, 'uploads', 'aws-ebs0', 'ebs.csi.aws.com', 'multi-node-multi-writer', 'us-east-1a');
      csiVolume(state, 'pg-data', 'ceph-csi', 'rbd.csi.ceph.com', 'single-node-writer', 'us-east-1a');
      // a dynamic host volume (Nomad 1.10+) on the first node
      const node = [...state.nodes.values()][0];
      const index = state.bump();
      state.hostVolumes.set('7f3c9a2e-51d4-4b8e-9f6a-2c1d0e8b4a11', {
        Namespace: 'default', ID: '7f3c9a2e-51d4-4b8e-9f6a-2c1d0e8b4a11', Name: 'scratch', PluginID: 'mkdir', NodePool: node.NodePool, NodeID: node.ID,
        CapacityBytes: 0, RequestedCapabilities: [{ AccessMode: 'single-node-writer', AttachmentMode: 'file-system' }],
        HostPath: '/opt/nomad/data/host_volumes/7f3c9a2e-51d4-4b8e-9f6a-2c1d0e8b4a11', State: 'ready',
        CreateIndex: index, ModifyIndex: index, CreateTime: Date.now() * 1e6, ModifyTime: Date.now() * 1e6,
      });
    },
  },
  'volume-claimed': {
    summary: 'reports-db (single-node-writer) is held by the reports job; archive lives in zone us-east-1c, where no node runs the plugin',
    apply(state) {
      ebsPlugin(state);
      const job = register(state, {
        ID: 'reports', Type: 'service', Datacenters: ['dc1'],
        TaskGroups: [{
          Name: 'db', Count: 1,
          Volumes: { data: { Name: 'data', Type: 'csi', Source: 'reports-db', ReadOnly: false, AccessMode: 'single-node-writer', AttachmentMode: 'file-system' } },
          Tasks: [task('postgres', 'docker', { image: 'postgres:16' }, 500, 512)],
        }],
      });
      const vol = csiVolume(state, 'reports-db', 'aws-ebs0', 'ebs.csi.aws.com', 'single-node-writer', 'us-east-1a');
      const [a] = live(state, job);
      if (a) vol.writeClaims.push(a.ID);
      csiVolume(state, 'archive', 'aws-ebs0', 'ebs.csi.aws.com', 'single-node-writer', 'us-east-1c');
    },
  },
  'rendered-template': {
    summary: 'billing renders local/config.env from a template (with a secret) and logs nothing; its files show the configuration',
    apply(state) {
      const job = register(state, {
        ID: 'billing', Type: 'service', Datacenters: ['dc1'],
        TaskGroups: [{
          Name: 'billing', Count: 1,
          Tasks: [{
            ...task('app', 'docker', { image: 'acme/billing:4.2' }, 200, 256),
            Templates: [{
              DestPath: 'local/config.env', ChangeMode: 'restart', Envvars: true, Perms: '0644',
              EmbeddedTmpl: 'DATABASE_URL=postgres://billing:{{ with nomadVar "nomad/jobs/billing" }}{{ .db_password }}{{ end }}@db.service:5432/billing\nPAYMENT_API=https://payments.internal:8443\nLOG_LEVEL=warn\n',
            }],
          }],
        }],
      });
      const [a] = live(state, job);
      if (!a) return;
      const files = new Map<string, { content: string; modTimeMs: number }>();
      files.set('app/local/config.env', {
        content: 'DATABASE_URL=postgres://billing:s3cr3t-Pa55w0rd-9f8e@db.service:5432/billing\nPAYMENT_API=https://payments.internal:8443\nLOG_LEVEL=warn\nAPI_TOKEN=sk_live_51HqLyjWDarjtT1zdp7dcXYZabc123\n',
        modTimeMs: Date.now() - 60_000,
      });
      state.allocFiles.set(a.ID, files);
      // the template runner's event before the task starts (taskrunner/template/template.go)
      a.TaskStates.app.Events.splice(1, 0, taskEvent('Template', 'Template rendered', {}, { DisplayMessage: 'Template rendered' }));
    },
  },
};

Object.assign(SCENARIOS, AREA_SCENARIOS);

/** The scenarios `serve --demo` ships on top of the demo seed. */
export const DEMO_SCENARIOS = Object.keys(SCENARIOS);

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}

/** Throws on an unknown scenario name, listing the names there are. */
export function checkScenarioNames(names: readonly string[]): void {
  for (const name of names) {
    if (!Object.hasOwn(SCENARIOS, name)) {
      throw new Error(`unknown scenario "${name}"; the scenarios are: ${scenarioNames().join(', ')}`);
    }
  }
}

/** Applies named scenarios in order; an unknown name throws, listing the names. */
export function applyScenarios(state: SimState, names: readonly string[]): void {
  checkScenarioNames(names);
  for (const name of names) SCENARIOS[name].apply(state);
}
