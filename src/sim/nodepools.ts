/**
 * Node pools: /v1/node/pools and /v1/node/pool/<name> (command/agent/node_pool_endpoint.go,
 * nomad/node_pool_endpoint.go, v1.9.7). The built-in pools `all` and `default` always exist
 * (nomad/state/state_store_node_pools.go nodePoolInit, descriptions from structs/node_pool.go ~21).
 *
 * ACL: NodePool.List leaves out the pools the token may not read (no 403, ~76);
 * NodePool.GetNodePool wants `read` on the pool (AllowNodePoolOperation, ~134) before it looks the
 * pool up; the HTTP handler answers a missing pool 404 `node pool not found` (~85).
 */
import { coded, type Ctx, invalidMethod } from './http.js';
import { permissionDenied } from './acl.js';
import type { JsonObject } from './types.js';

/** structs.NodePool. */
export interface NodePool {
  Name: string;
  Description: string;
  Meta: Record<string, string> | null;
  SchedulerConfiguration: JsonObject | null;
  CreateIndex: number;
  ModifyIndex: number;
}

export function builtinNodePools(index: number): NodePool[] {
  return [
    { Name: 'all', Description: 'Node pool with all nodes in the cluster.', Meta: null, SchedulerConfiguration: null, CreateIndex: index, ModifyIndex: index },
    { Name: 'default', Description: 'Default node pool.', Meta: null, SchedulerConfiguration: null, CreateIndex: index, ModifyIndex: index },
  ];
}

/** GET /v1/node/pools (prefix): the readable pools in name order. */
export function nodePoolsList(ctx: Ctx): unknown {
  if (ctx.method === 'PUT' || ctx.method === 'POST') throw coded(400, 'node pool writes are not simulated');
  if (ctx.method !== 'GET') throw invalidMethod();
  const prefix = ctx.q('prefix');
  return [...ctx.state.nodePools.values()]
    .filter((p) => p.Name.startsWith(prefix) && ctx.acl.allowNodePoolOperation(p.Name, 'read'))
    .sort((a, b) => (a.Name < b.Name ? -1 : 1));
}

/** GET /v1/node/pool/<name>. */
export function nodePoolSpecific(ctx: Ctx, rest: string): unknown {
  if (rest.endsWith('/nodes') || rest.endsWith('/jobs')) throw coded(400, 'node pool sub-listings are not simulated');
  if (ctx.method !== 'GET') {
    if (['PUT', 'POST', 'DELETE'].includes(ctx.method)) throw coded(400, 'node pool writes are not simulated');
    throw invalidMethod();
  }
  if (!ctx.acl.allowNodePoolOperation(rest, 'read')) throw permissionDenied();
  const pool = ctx.state.nodePools.get(rest);
  if (!pool) throw coded(404, 'node pool not found');
  ctx.index = pool.ModifyIndex;
  return pool;
}
