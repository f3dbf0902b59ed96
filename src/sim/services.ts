/**
 * Nomad native service discovery: /v1/services and /v1/service/<name> (command/agent/
 * service_registration_endpoint.go, nomad/service_registration_endpoint.go, v1.9.7).
 *
 * The client registers each `service` block with `provider = "nomad"` of a running allocation and
 * removes it when the allocation stops; a registration carries no health (Nomad keeps failing
 * instances registered: check results live on the client, /v1/client/allocation/:id/checks).
 * Registrations are derived from the allocations here, so they follow placements and stops.
 */
import { needNs, permissionDenied } from './acl.js';
import { coded, type Ctx, invalidMethod } from './http.js';
import type { SimState } from './state.js';
import type { Allocation, JsonObject } from './types.js';

/** structs.ServiceRegistration. */
export interface ServiceRegistration {
  ID: string;
  ServiceName: string;
  Namespace: string;
  NodeID: string;
  Datacenter: string;
  JobID: string;
  AllocID: string;
  Tags: string[] | null;
  Address: string;
  Port: number;
  CreateIndex: number;
  ModifyIndex: number;
}

/** The port a label got in an allocation: dynamic ports are picked in the node's 20000–32000 range. */
export function allocPort(a: Allocation, label: string): number {
  let h = 0;
  for (const c of `${a.ID}/${label}`) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 20000 + (h % 12000);
}

function servicesOf(a: Allocation): { owner: string; service: JsonObject }[] {
  const group = a.Job.TaskGroups.find((g) => g.Name === a.TaskGroup);
  if (!group) return [];
  const out: { owner: string; service: JsonObject }[] = [];
  // group services are registered under "group-<name>" (client/allocrunner/groupservice_hook.go)
  for (const s of (group.Services as JsonObject[] | null) ?? []) out.push({ owner: `group-${group.Name}`, service: s });
  for (const t of group.Tasks) for (const s of (t.Services as JsonObject[] | null) ?? []) out.push({ owner: t.Name, service: s });
  return out.filter((x) => x.service.Provider === 'nomad');
}

/** Every registration of running allocations, in ID order (the state store's id index). */
export function serviceRegistrations(state: SimState): ServiceRegistration[] {
  const out: ServiceRegistration[] = [];
  for (const a of state.allocs.values()) {
    if (a.ClientStatus !== 'running' || a.DesiredStatus !== 'run') continue;
    const node = state.nodes.get(a.NodeID);
    for (const { owner, service } of servicesOf(a)) {
      const label = String(service.PortLabel ?? '');
      out.push({
        // client/serviceregistration/id.go MakeAllocServiceID: _nomad-task-<alloc>-<task>-<service>-<port label>
        ID: `_nomad-task-${a.ID}-${owner}-${service.Name}-${label}`,
        ServiceName: String(service.Name),
        Namespace: a.Namespace,
        NodeID: a.NodeID,
        Datacenter: node?.Datacenter ?? 'dc1',
        JobID: a.JobID,
        AllocID: a.ID,
        Tags: (service.Tags as string[] | null | undefined) ?? null,
        Address: node?.Attributes['unique.network.ip-address'] ?? '127.0.0.1',
        Port: label ? allocPort(a, label) : 0,
        CreateIndex: a.CreateIndex,
        ModifyIndex: a.CreateIndex,
      });
    }
  }
  return out.sort((x, y) => (x.ID < y.ID ? -1 : x.ID > y.ID ? 1 : 0));
}

/** Sorted union of tags per service name (serviceTagSet). */
function stubs(regs: ServiceRegistration[]): { ServiceName: string; Tags: string[] }[] {
  const tags = new Map<string, Set<string>>();
  for (const r of regs) {
    let set = tags.get(r.ServiceName);
    if (!set) tags.set(r.ServiceName, (set = new Set()));
    for (const t of r.Tags ?? []) set.add(t);
  }
  return [...tags.keys()].sort().map((name) => ({ ServiceName: name, Tags: [...tags.get(name)!].sort() }));
}

/**
 * GET /v1/services: one `{Namespace, Services:[{ServiceName, Tags}]}` per namespace with
 * registrations, `[]` when there are none. read-job in the namespace or 403
 * (AllowServiceRegistrationReadList, acl/acl.go ~905); with `*`, only readable namespaces and no 403
 * (listAllServiceRegistrations ~239). Nomad iterates Go maps here, so its order is random; the
 * simulator sorts.
 */
export function servicesList(ctx: Ctx): unknown {
  if (ctx.method !== 'GET') throw invalidMethod();
  const ns = ctx.namespace();
  const regs = serviceRegistrations(ctx.state);
  if (ns !== '*') {
    needNs(ctx, ns, 'read-job');
    const mine = regs.filter((r) => r.Namespace === ns);
    return mine.length ? [{ Namespace: ns, Services: stubs(mine) }] : [];
  }
  const byNs = new Map<string, ServiceRegistration[]>();
  for (const r of regs) {
    if (!ctx.acl.allowNsOp(r.Namespace, 'read-job')) continue;
    const list = byNs.get(r.Namespace) ?? [];
    list.push(r);
    byNs.set(r.Namespace, list);
  }
  return [...byNs.keys()].sort().map((n) => ({ Namespace: n, Services: stubs(byNs.get(n)!) }));
}

/**
 * /v1/service/<name> (GET: its registrations, `[]` for an unknown name) and /v1/service/<name>/<id>
 * (DELETE only). ServiceRegistrationRequest: 405 for other methods, 400 `missing service name`,
 * 400 `invalid URI` for deeper paths; GetService wants read-job in the request's namespace.
 */
export function serviceSpecific(ctx: Ctx, rest: string): unknown {
  const parts = rest.split('/');
  if (parts.length === 1) {
    if (ctx.method !== 'GET') throw invalidMethod();
    if (parts[0] === '') throw coded(400, 'missing service name');
    const ns = ctx.namespace();
    // GetService has no wildcard branch: "*" is checked (and matched) literally
    if (!ctx.acl.allowNsOp(ns, 'read-job')) throw permissionDenied();
    return serviceRegistrations(ctx.state).filter((r) => r.Namespace === ns && r.ServiceName === parts[0]);
  }
  if (parts.length === 2) {
    if (ctx.method !== 'DELETE') throw invalidMethod();
    if (parts[1] === '') throw coded(400, 'missing service id');
    throw permissionDenied();
  }
  throw coded(400, 'invalid URI');
}
