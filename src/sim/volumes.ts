/**
 * Volumes and CSI plugins (command/agent/csi_endpoint.go, nomad/csi_endpoint.go v1.9.7; host volumes
 * command/agent/volumes_endpoint.go, host_volume_endpoint.go, nomad/host_volume_endpoint.go v1.10.5).
 *
 * - GET /v1/volumes without `type`: `[]`; `type=csi`: CSIVolume.List, which wants one of csi-list-volume,
 *   csi-read-volume, csi-mount-volume, list-jobs in the namespace or 403 (nomad/csi_endpoint.go ~71);
 *   `type=host` (1.10+): HostVolume.List, which filters by host-volume-read and never refuses (~146);
 *   another type: 404 `resource not found` (volumes_endpoint.go ~24).
 * - GET /v1/volume/csi/<id>: CSIVolume.Get wants csi-read-volume, csi-mount-volume or read-job (~189),
 *   then 404 `volume not found` (csi_endpoint.go ~133). GET /v1/volume/host/<id>: host-volume-read, then
 *   404 `volume not found` (host_volume_endpoint.go ~88).
 * - GET /v1/plugins?type=csi: plugin list or read (AllowPluginList, ~1746); GET /v1/plugin/csi/<id>:
 *   plugin read (AllowPluginRead, ~1805), then 404 `plugin not found` (csi_endpoint.go ~398).
 *
 * A volume's plugin fields are denormalised from its plugin on every read; a volume whose plugin is
 * gone reads ControllersHealthy 0, NodesHealthy 0, Schedulable false
 * (nomad/state/state_store.go csiVolumeDenormalizePluginsTxn ~2934).
 */
import { needNs, permissionDenied } from './acl.js';
import { allocFull, allocStub } from './allocations.js';
import { coded, type Ctx, invalidMethod } from './http.js';
import type { JsonObject } from './types.js';

export interface CsiInfo {
  PluginID: string;
  AllocID: string;
  Healthy: boolean;
  HealthDescription: string;
  UpdateTime: string;
  RequiresControllerPlugin: boolean;
  RequiresTopologies: boolean;
  ControllerInfo: JsonObject | null;
  NodeInfo: { ID: string; MaxVolumes: number; AccessibleTopology: { Segments: Record<string, string> } | null; RequiresNodeStageVolume: boolean } | null;
}

/** structs.CSIPlugin (counts are computed from Controllers and Nodes). */
export interface CsiPlugin {
  ID: string;
  Provider: string;
  Version: string;
  ControllerRequired: boolean;
  /** By node ID. */
  Controllers: Record<string, CsiInfo>;
  Nodes: Record<string, CsiInfo>;
  ControllersExpected: number;
  NodesExpected: number;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
}

/** structs.CSIVolume as stored (plugin fields filled on read). */
export interface CsiVolume {
  ID: string;
  Name: string;
  ExternalID: string;
  Namespace: string;
  PluginID: string;
  /** What the volume was registered with; kept when the plugin goes away. */
  Provider: string;
  Topologies: { Segments: Record<string, string> }[] | null;
  AccessMode: string;
  AttachmentMode: string;
  RequestedCapabilities: { AccessMode: string; AttachmentMode: string }[] | null;
  Capacity: number;
  /** Allocation IDs holding read and write claims. */
  readClaims: string[];
  writeClaims: string[];
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
}

/** structs.HostVolume (Nomad 1.10+). */
export interface HostVolume {
  Namespace: string;
  ID: string;
  Name: string;
  PluginID: string;
  NodePool: string;
  NodeID: string;
  CapacityBytes: number;
  RequestedCapabilities: { AccessMode: string; AttachmentMode: string }[] | null;
  HostPath: string;
  State: string;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
}

const healthy = (m: Record<string, CsiInfo>) => Object.values(m).filter((i) => i.Healthy).length;

function pluginView(ctx: Ctx, p: CsiPlugin, full: boolean): JsonObject {
  const base: JsonObject = {
    ID: p.ID, Provider: p.Provider, ControllerRequired: p.ControllerRequired,
    ControllersHealthy: healthy(p.Controllers), ControllersExpected: p.ControllersExpected,
    NodesHealthy: healthy(p.Nodes), NodesExpected: p.NodesExpected, CreateIndex: p.CreateIndex, ModifyIndex: p.ModifyIndex,
  };
  if (!full) return base;
  // CSIPlugin.Get lists the plugin's allocations only for a token with read-job (csi_endpoint.go ~1810)
  const allocIds = new Set([...Object.values(p.Controllers), ...Object.values(p.Nodes)].map((i) => i.AllocID));
  const allocs = [...allocIds].map((id) => ctx.state.allocs.get(id)).filter((a) => a && ctx.acl.allowNsOp(a.Namespace, 'read-job'));
  return {
    ...base, Version: p.Version, Controllers: p.Controllers, Nodes: p.Nodes, Allocations: allocs.map((a) => allocStub(a!)),
    CreateTime: p.CreateTime, ModifyTime: p.ModifyTime,
  };
}

function denormalised(ctx: Ctx, v: CsiVolume): JsonObject {
  const p = ctx.state.csiPlugins.get(v.PluginID);
  const controllersHealthy = p ? healthy(p.Controllers) : 0;
  const nodesHealthy = p ? healthy(p.Nodes) : 0;
  const controllerRequired = p ? p.ControllerRequired : false;
  let schedulable = nodesHealthy > 0;
  if (controllerRequired) schedulable = schedulable && controllersHealthy > 0;
  return {
    ID: v.ID, Namespace: v.Namespace, Name: v.Name, ExternalID: v.ExternalID, Topologies: v.Topologies, AccessMode: v.AccessMode,
    AttachmentMode: v.AttachmentMode, Schedulable: p ? schedulable : false, PluginID: v.PluginID, Provider: p ? p.Provider : v.Provider,
    ControllerRequired: controllerRequired, ControllersHealthy: controllersHealthy, ControllersExpected: p ? p.ControllersExpected : 0,
    NodesHealthy: nodesHealthy, NodesExpected: p ? p.NodesExpected : 0, ResourceExhausted: '0001-01-01T00:00:00Z',
    CreateIndex: v.CreateIndex, ModifyIndex: v.ModifyIndex, CreateTime: v.CreateTime, ModifyTime: v.ModifyTime,
  };
}

function volumeStub(ctx: Ctx, v: CsiVolume): JsonObject {
  return { ...denormalised(ctx, v), CurrentReaders: v.readClaims.length, CurrentWriters: v.writeClaims.length };
}

function volumeFull(ctx: Ctx, v: CsiVolume): JsonObject {
  const claims = (ids: string[]) => Object.fromEntries(ids.map((id) => {
    const a = ctx.state.allocs.get(id);
    // a claim of a garbage-collected allocation stays, with a nil allocation (CSIVolumeDenormalize)
    return [id, a ? allocFull(a) : null];
  }));
  const allocs = [...v.readClaims, ...v.writeClaims].map((id) => ctx.state.allocs.get(id)).filter((a) => a !== undefined);
  return {
    ...denormalised(ctx, v), ProviderVersion: ctx.state.csiPlugins.get(v.PluginID)?.Version ?? '', RequestedTopologies: null,
    MountOptions: null, Secrets: {}, Parameters: {}, Context: {}, Capacity: v.Capacity, RequestedCapacityMin: 0, RequestedCapacityMax: 0,
    RequestedCapabilities: v.RequestedCapabilities, CloneID: '', SnapshotID: '', ReadAllocs: claims(v.readClaims), WriteAllocs: claims(v.writeClaims),
    Allocations: allocs.map((a) => allocStub(a!)),
  };
}

function hostStub(v: HostVolume): JsonObject {
  return {
    Namespace: v.Namespace, ID: v.ID, Name: v.Name, PluginID: v.PluginID, NodePool: v.NodePool, NodeID: v.NodeID,
    CapacityBytes: v.CapacityBytes, State: v.State, CreateIndex: v.CreateIndex, CreateTime: v.CreateTime, ModifyIndex: v.ModifyIndex, ModifyTime: v.ModifyTime,
  };
}

/** GET /v1/volumes?type=csi|host. */
export function volumesList(ctx: Ctx): unknown {
  if (ctx.method !== 'GET') {
    if (ctx.method === 'PUT' || ctx.method === 'POST') throw coded(400, 'volume registration is not simulated');
    throw invalidMethod();
  }
  const type = ctx.query.get('type');
  if (type === null) return [];
  const ns = ctx.namespace();
  const prefix = ctx.q('prefix');
  if (type === 'csi') {
    needNs(ctx, ns, 'csi-list-volume', 'csi-read-volume', 'csi-mount-volume', 'list-jobs');
    const plugin = ctx.q('plugin_id');
    return [...ctx.state.csiVolumes.values()]
      .filter((v) => (ns === '*' || v.Namespace === ns) && v.ID.startsWith(prefix) && (!plugin || v.PluginID === plugin))
      .sort((a, b) => (a.Namespace + a.ID < b.Namespace + b.ID ? -1 : 1))
      .map((v) => volumeStub(ctx, v));
  }
  if (type === 'host') {
    // the selector checks host-volume-read in the request's namespace (host_volume_endpoint.go ~146)
    if (!ctx.acl.allowNsOp(ns, 'host-volume-read')) return [];
    return [...ctx.state.hostVolumes.values()]
      .filter((v) => (ns === '*' || v.Namespace === ns) && (v.Name.startsWith(prefix) || v.ID.startsWith(prefix)))
      .sort((a, b) => (a.ID < b.ID ? -1 : 1))
      .map(hostStub);
  }
  throw coded(404, 'resource not found');
}

function volumeMethod(ctx: Ctx): void {
  if (ctx.method === 'GET') return;
  if (['PUT', 'POST', 'DELETE'].includes(ctx.method)) throw coded(400, 'volume writes are not simulated');
  throw invalidMethod();
}

/** GET /v1/volume/csi/<id> (CSIVolumeSpecificRequest; deeper paths are claims and snapshots). */
export function csiVolumeSpecific(ctx: Ctx, rest: string): unknown {
  const [id, ...more] = rest.split('/');
  if (more.length || !id) throw coded(404, 'resource not found');
  volumeMethod(ctx);
  const ns = ctx.namespace();
  needNs(ctx, ns, 'csi-read-volume', 'csi-mount-volume', 'read-job');
  const v = ctx.state.csiVolumes.get(`${ns}\u0000${id}`);
  if (!v) throw coded(404, 'volume not found');
  return volumeFull(ctx, v);
}

/** GET /v1/volume/host/<id> (Nomad 1.10+). */
export function hostVolumeSpecific(ctx: Ctx, rest: string): unknown {
  const tokens = rest.split('/').filter(Boolean);
  if (tokens.length !== 1) throw coded(404, 'resource not found');
  volumeMethod(ctx);
  const ns = ctx.namespace();
  needNs(ctx, ns, 'host-volume-read');
  const v = ctx.state.hostVolumes.get(tokens[0]);
  if (!v || v.Namespace !== ns) throw coded(404, 'volume not found');
  return { ...hostStub(v), RequestedCapabilities: v.RequestedCapabilities, HostPath: v.HostPath, RequestedCapacityMinBytes: 0, RequestedCapacityMaxBytes: 0 };
}

/** GET /v1/plugins?type=csi. */
export function pluginsList(ctx: Ctx): unknown {
  if (ctx.method !== 'GET') throw invalidMethod();
  const type = ctx.query.get('type');
  if (type === null) return [];
  // CSIPluginsRequest returns nil (JSON null) for a type other than csi (csi_endpoint.go ~354)
  if (type !== 'csi') return null;
  if (!ctx.acl.allowPluginList()) throw permissionDenied();
  return [...ctx.state.csiPlugins.values()].sort((a, b) => (a.ID < b.ID ? -1 : 1)).map((p) => pluginView(ctx, p, false));
}

/** GET /v1/plugin/csi/<id> (CSIPluginSpecificRequest). */
export function pluginSpecific(ctx: Ctx, rest: string): unknown {
  if (ctx.method !== 'GET') throw invalidMethod();
  const tokens = rest.split('/');
  if (tokens.length > 2) throw coded(404, 'resource not found');
  if (!ctx.acl.allowPluginRead()) throw permissionDenied();
  const p = ctx.state.csiPlugins.get(tokens[0]);
  if (!p) throw coded(404, 'plugin not found');
  return pluginView(ctx, p, true);
}
