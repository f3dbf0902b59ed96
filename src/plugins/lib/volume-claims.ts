/**
 * Whether a CSI volume can be claimed, checked in the order Nomad's scheduler does
 * (scheduler/feasible.go CSIVolumeChecker.isFeasible, v1.9.7 ~275–350): the volume's plugin must be
 * registered and schedulable (a healthy controller when the plugin needs one, healthy node plugins:
 * state_store.go csiVolumeDenormalizePluginsTxn ~2951), a node plugin must be healthy on the node,
 * the volume's topology must be one the node plugin can reach (CSITopology.MatchFound: the node's
 * segments contain the volume's), and the access mode must leave a claim free
 * (structs/csi.go ReadSchedulable, WriteSchedulable, HasFreeReadClaims, HasFreeWriteClaims ~443–518).
 */

export interface Topology {
  Segments?: Record<string, string> | null;
}

export interface CsiVolume {
  ID: string;
  Namespace?: string;
  PluginID?: string;
  Schedulable?: boolean;
  AccessMode?: string;
  AttachmentMode?: string;
  RequestedCapabilities?: { AccessMode?: string; AttachmentMode?: string }[] | null;
  Topologies?: Topology[] | null;
  ControllerRequired?: boolean;
  ControllersHealthy?: number;
  ControllersExpected?: number;
  NodesHealthy?: number;
  NodesExpected?: number;
  ResourceExhausted?: string;
  ReadAllocs?: Record<string, { JobID?: string; NodeID?: string } | null> | null;
  WriteAllocs?: Record<string, { JobID?: string; NodeID?: string } | null> | null;
}

export interface CsiInfo {
  Healthy?: boolean;
  HealthDescription?: string;
  AllocID?: string;
  NodeInfo?: { AccessibleTopology?: Topology | null } | null;
}

export interface CsiPlugin {
  ID: string;
  ControllerRequired?: boolean;
  ControllersHealthy?: number;
  NodesHealthy?: number;
  Controllers?: Record<string, CsiInfo> | null;
  Nodes?: Record<string, CsiInfo> | null;
}

/** One reason a claim fails: a short check name and a sentence. */
export interface ClaimProblem {
  check: 'plugin' | 'controller' | 'node plugins' | 'topology' | 'access mode' | 'claims';
  detail: string;
}

const WRITERS = new Set(['single-node-writer', 'multi-node-single-writer', 'multi-node-multi-writer']);

/** segments ⊇ wanted (CSITopology.Contains). */
function contains(node: Topology | null | undefined, vol: Topology): boolean {
  const have = node?.Segments ?? {};
  return Object.entries(vol.Segments ?? {}).every(([k, v]) => have[k] === v);
}

function seg(t: Topology): string {
  return Object.entries(t.Segments ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '(any)';
}

function claimers(m: CsiVolume['WriteAllocs']): string {
  return Object.entries(m ?? {}).map(([id, a]) => `${id.slice(0, 8)}${a?.JobID ? ` (job ${a.JobID})` : ' (garbage-collected)'}`).join(', ');
}

/**
 * What stops a claim of `vol`. `plugin` is the plugin Nomad returned, `null` when Nomad has none by
 * that ID (404), `undefined` when it could not be read (then plugin-level checks rely on the
 * volume's own denormalised counts).
 */
export function claimProblems(vol: CsiVolume, plugin: CsiPlugin | null | undefined): ClaimProblem[] {
  const out: ClaimProblem[] = [];
  const id = vol.PluginID ?? '?';
  if (plugin === null) {
    out.push({ check: 'plugin', detail: `no CSI plugin "${id}" is registered: no node can mount the volume until the plugin's controller and node jobs run again` });
    return out;
  }
  const controllerRequired = plugin?.ControllerRequired ?? vol.ControllerRequired ?? false;
  const controllers = plugin?.ControllersHealthy ?? vol.ControllersHealthy ?? 0;
  const nodes = plugin?.NodesHealthy ?? vol.NodesHealthy ?? 0;
  if (controllerRequired && controllers === 0) {
    const bad = Object.values(plugin?.Controllers ?? {}).map((c) => c.HealthDescription).filter(Boolean);
    out.push({ check: 'controller', detail: `plugin "${id}" needs a controller and none is healthy (${controllers} of ${vol.ControllersExpected ?? '?'} expected)${bad.length ? `: ${bad[0]}` : ''}` });
  }
  if (nodes === 0) {
    out.push({ check: 'node plugins', detail: `plugin "${id}" has no healthy node plugin (${nodes} of ${vol.NodesExpected ?? '?'} expected): no client can mount the volume` });
  }
  const topologies = vol.Topologies ?? [];
  if (plugin && topologies.length && nodes > 0) {
    const healthy = Object.entries(plugin.Nodes ?? {}).filter(([, n]) => n.Healthy);
    const reach = healthy.filter(([, n]) => topologies.some((t) => contains(n.NodeInfo?.AccessibleTopology, t)));
    if (healthy.length && reach.length === 0) {
      const zones = [...new Set(healthy.map(([, n]) => seg(n.NodeInfo?.AccessibleTopology ?? {})))].join('; ');
      out.push({ check: 'topology', detail: `the volume is only reachable from ${topologies.map(seg).join(' or ')}, and no node with a healthy "${id}" node plugin is there (they are in ${zones}): "did not meet topology requirement"` });
    }
  }
  const mode = vol.AccessMode || '';
  const exhausted = vol.ResourceExhausted && !vol.ResourceExhausted.startsWith('0001-01-01') ? vol.ResourceExhausted : '';
  if (exhausted) out.push({ check: 'claims', detail: `the plugin reported the volume's node resources exhausted at ${exhausted}` });
  const writers = Object.keys(vol.WriteAllocs ?? {}).length;
  const readers = Object.keys(vol.ReadAllocs ?? {}).length;
  if (mode === 'single-node-reader-only' || mode === 'multi-node-reader-only') {
    out.push({ check: 'access mode', detail: `access mode ${mode}: a job that mounts it read-write cannot claim it (only read_only = true mounts)` });
    if (mode === 'single-node-reader-only' && readers > 0) out.push({ check: 'claims', detail: `single-node-reader-only and already claimed by ${claimers(vol.ReadAllocs)}` });
  } else if (mode === 'single-node-writer' && writers + readers > 0) {
    out.push({ check: 'claims', detail: `single-node-writer allows one claim, held by ${claimers({ ...vol.WriteAllocs, ...vol.ReadAllocs })}: the maximum number of claims is reached until that allocation stops` });
  } else if (mode === 'multi-node-single-writer' && writers > 0) {
    out.push({ check: 'claims', detail: `multi-node-single-writer allows one writer, held by ${claimers(vol.WriteAllocs)}: another read-write claim waits (read-only claims still fit)` });
  } else if (mode === '' && !(vol.RequestedCapabilities ?? []).some((c) => WRITERS.has(c.AccessMode ?? '')) && (vol.RequestedCapabilities ?? []).length) {
    out.push({ check: 'access mode', detail: 'the volume was registered with reader-only capabilities: a read-write mount cannot claim it' });
  }
  return out;
}
