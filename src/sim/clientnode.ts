/**
 * Client-node reads the servers forward to a node: /v1/client/stats (host CPU, memory, disk) and
 * /v1/client/metadata (node meta), v1.9.7.
 *
 * Both take `node_id`; on a server agent without it the HTTP layer answers 400 `No local Node and
 * node_id not provided` (command/agent/stats_endpoint.go ~33, meta_endpoint.go ~44). The server RPC
 * checks node:read first (nomad/client_stats_endpoint.go ~46, client_meta_endpoint.go ~72), then
 * forwardClientRPC looks the node up: `Unknown node <id>` (nomad/util.go getNodeForRpc ~230), which
 * the stats handler answers 404 and the meta handler 500 (it only codes "No path to node"); a node
 * that is not connected (down) answers 404 `No path to node` (nomad/client_rpc.go ~212).
 */
import { permissionDenied } from './acl.js';
import { coded, type Ctx, HttpError, invalidMethod } from './http.js';
import { isTerminalAlloc } from './jobmodel.js';
import type { Node } from './types.js';

function targetNode(ctx: Ctx, statusForUnknown: number): Node {
  const id = ctx.q('node_id');
  if (id === '') throw coded(400, 'No local Node and node_id not provided');
  if (!ctx.acl.allowNodeRead()) throw permissionDenied();
  const node = ctx.state.nodes.get(id);
  if (!node) throw new HttpError(statusForUnknown, `Unknown node ${id}`);
  if (node.Status === 'down' || node.Status === 'disconnected') throw coded(404, 'No path to node');
  return node;
}

const MiB = 1024 * 1024;

/** GET /v1/client/stats?node_id=: the client's latest host statistics (client/hoststats HostStats). */
export function clientStats(ctx: Ctx): unknown {
  if (ctx.method !== 'GET') throw invalidMethod();
  const node = targetNode(ctx, 404);
  let memMB = 0;
  let cpuMHz = 0;
  for (const a of ctx.state.allocs.values()) {
    if (a.NodeID !== node.ID || isTerminalAlloc(a)) continue;
    const group = a.Job.TaskGroups.find((g) => g.Name === a.TaskGroup);
    for (const t of group?.Tasks ?? []) {
      memMB += t.Resources.MemoryMB;
      cpuMHz += t.Resources.CPU;
    }
  }
  const total = node.memoryMB * MiB;
  // tasks use about 60% of what they reserve; the OS and the client about 600 MiB
  const used = Math.min(total, Math.round((memMB * 0.6 + 600) * MiB));
  const cores = Math.max(1, Math.round(node.cpuMHz / 1000));
  const busy = Math.min(95, (cpuMHz * 0.5 * 100) / node.cpuMHz + 2);
  const disk = (mount: string, device: string, sizeGB: number, usedGB: number) => ({
    Device: device, Mountpoint: mount, Size: sizeGB * 1024 * MiB, Used: usedGB * 1024 * MiB, Available: (sizeGB - usedGB) * 1024 * MiB,
    UsedPercent: (usedGB * 100) / sizeGB, InodesUsedPercent: (usedGB * 40) / sizeGB,
  });
  const root = disk('/', '/dev/nvme0n1p1', 100, 23);
  return {
    Memory: { Total: total, Available: total - used, Used: used, Free: Math.round((total - used) * 0.7) },
    CPU: Array.from({ length: cores }, (_, i) => ({ CPU: `cpu${i}`, User: busy * 0.7, System: busy * 0.3, Idle: 100 - busy })),
    DiskStats: [root],
    AllocDirStats: root,
    DeviceStats: [],
    Uptime: 86_400 + ((node.CreateIndex * 7919) % 604_800),
    CPUTicksConsumed: (node.cpuMHz * busy) / 100,
  };
}

/** GET /v1/client/metadata?node_id=: NodeMetaResponse {Meta, Dynamic, Static} (client/meta_endpoint.go Read). */
export function clientMetadata(ctx: Ctx): unknown {
  if (ctx.method === 'POST') throw coded(400, 'node metadata changes are not simulated');
  if (ctx.method !== 'GET') throw invalidMethod();
  const node = targetNode(ctx, 500);
  const dynamic = ctx.state.nodeMetaDynamic.get(node.ID) ?? {};
  const stat = { ...node.Meta };
  for (const k of Object.keys(dynamic)) delete stat[k];
  return { Meta: { ...node.Meta }, Dynamic: { ...dynamic }, Static: stat };
}
