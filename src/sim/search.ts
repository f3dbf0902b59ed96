/** Search: /v1/search (prefix) and /v1/search/fuzzy. */
import { permissionDenied } from './acl.js';
import { coded, type Ctx } from './http.js';
import type { JsonObject } from './types.js';

const CONTEXTS = ['jobs', 'groups', 'tasks', 'images', 'commands', 'classes', 'nodes', 'allocs', 'evals', 'deployments', 'namespaces', 'plugins', 'volumes', 'scaling_policy', 'variables', 'node_pools', 'all'];
const LIMIT = 20;

function input(ctx: Ctx): JsonObject {
  if (ctx.method === 'GET') {
    return { Text: ctx.q('text'), Prefix: ctx.q('prefix'), Context: ctx.q('context') || 'all', Namespace: ctx.namespace() };
  }
  ctx.requireWrite();
  return ctx.json();
}

interface Match { ID: string; Scope: string[] }

/** The search context a result type falls under for ACL purposes (job parts come from the Jobs context). */
function aclContext(c: string): string {
  return ['groups', 'tasks', 'images', 'commands'].includes(c) ? 'jobs' : c;
}

/**
 * nomad/search_endpoint.go sufficientSearchPerms and filteredSearchContexts: whether the token may
 * search a context in a namespace (node:read for nodes, read-job for jobs, allocations,
 * evaluations and deployments, any capability for namespaces, a variables rule for variables…).
 */
function contextAllowed(ctx: Ctx, namespace: string, context: string): boolean {
  const acl = ctx.acl;
  if (acl.isManagement()) return true;
  switch (aclContext(context)) {
    case 'nodes':
      return acl.allowNodeRead();
    case 'node_pools':
      return false;
    case 'namespaces':
      return acl.allowNamespace(namespace);
    case 'allocs':
    case 'deployments':
    case 'evals':
    case 'jobs':
      return acl.allowNsOp(namespace, 'read-job');
    case 'scaling_policy':
      return acl.allowNsAny(namespace, ['list-scaling-policies', 'read-job']);
    case 'volumes':
      return acl.allowNsAny(namespace, ['csi-list-volume', 'csi-read-volume', 'list-jobs', 'read-job']);
    case 'variables':
      return acl.allowVariableSearch(namespace);
    case 'plugins':
      return acl.allowPluginList();
    default:
      return true;
  }
}

/** sufficientSearchPerms for a context named in the request ("all" passes and is filtered later). */
function checkSearchPerms(ctx: Ctx, namespace: string, context: string): void {
  if (context !== 'all' && !contextAllowed(ctx, namespace, context)) throw permissionDenied();
}

export function fuzzySearch(ctx: Ctx): unknown {
  const body = input(ctx);
  const text = String(body.Text ?? '');
  const context = String(body.Context || 'all');
  const namespace = String(ctx.q('namespace') || body.Namespace || 'default');
  if (!CONTEXTS.includes(context)) throw coded(400, `context "${context}" is not supported`);
  // Search.FuzzySearch: with namespace "*" every context is searched and each item filtered by its namespace
  const wildcard = namespace === '*';
  if (!wildcard) checkSearchPerms(ctx, namespace, context);
  const acl = ctx.acl;
  if (text.length < 2) throw coded(400, 'fuzzy search query must be at least 2 characters, got 1'.replace('got 1', `got ${text.length}`));
  const needle = text.toLowerCase();
  const hit = (s: string) => s.toLowerCase().includes(needle);
  const want = (c: string) => (context === 'all' || context === c) && (wildcard || contextAllowed(ctx, namespace, c));
  const state = ctx.state;
  const out: Record<string, Match[]> = {};
  const add = (c: string, m: Match) => (out[c] ??= []).push(m);
  for (const job of state.jobs.values()) {
    if (namespace !== '*' && job.Namespace !== namespace) continue;
    if (!acl.allowNsOp(job.Namespace, 'read-job')) continue;
    if (want('jobs') && hit(job.ID)) add('jobs', { ID: job.ID, Scope: [job.Namespace] });
    for (const tg of job.TaskGroups) {
      if (want('groups') && hit(tg.Name)) add('groups', { ID: tg.Name, Scope: [job.Namespace, job.ID] });
      for (const t of tg.Tasks) {
        if (want('tasks') && hit(t.Name)) add('tasks', { ID: t.Name, Scope: [job.Namespace, job.ID, tg.Name] });
        const image = typeof t.Config?.image === 'string' ? t.Config.image : '';
        if (want('images') && image && hit(image)) add('images', { ID: image, Scope: [job.Namespace, job.ID, tg.Name, t.Name] });
        const command = typeof t.Config?.command === 'string' ? t.Config.command : '';
        if (want('commands') && command && hit(command)) add('commands', { ID: command, Scope: [job.Namespace, job.ID, tg.Name, t.Name] });
      }
    }
  }
  for (const n of acl.allowNodeRead() ? state.nodes.values() : []) {
    if (want('nodes') && hit(n.Name)) add('nodes', { ID: n.Name, Scope: [n.ID] });
    if (want('classes') && n.NodeClass && hit(n.NodeClass)) add('classes', { ID: n.NodeClass, Scope: [] });
  }
  if (want('namespaces')) for (const ns of state.namespaces.values()) if (acl.allowNamespace(ns.Name) && hit(ns.Name)) add('namespaces', { ID: ns.Name, Scope: [] });
  if (want('variables')) {
    for (const v of state.variables.values()) {
      if ((namespace === '*' || v.Namespace === namespace) && acl.allowVariableSearch(v.Namespace) && hit(v.Path)) add('variables', { ID: v.Path, Scope: [v.Namespace] });
    }
  }
  const matches: Record<string, Match[]> = {};
  const truncations: Record<string, boolean> = {};
  for (const [c, list] of Object.entries(out)) {
    const unique = list.filter((m, i) => list.findIndex((x) => x.ID === m.ID && x.Scope.join('/') === m.Scope.join('/')) === i);
    matches[c] = unique.slice(0, LIMIT);
    truncations[c] = unique.length > LIMIT;
  }
  ctx.index = state.index;
  return { Matches: matches, Truncations: truncations, Index: state.index, LastContact: 0, KnownLeader: true, NextToken: '' };
}

export function prefixSearch(ctx: Ctx): unknown {
  const body = input(ctx);
  const prefix = String(body.Prefix ?? '');
  const context = String(body.Context || 'all');
  if (!CONTEXTS.includes(context)) throw coded(400, `context "${context}" is not supported`);
  const namespace = String(ctx.q('namespace') || body.Namespace || 'default');
  // Search.PrefixSearch: sufficientSearchPerms for the context, then only the contexts the token may read
  checkSearchPerms(ctx, namespace, context);
  const state = ctx.state;
  const acl = ctx.acl;
  const want = (c: string) => (context === 'all' || context === c) && contextAllowed(ctx, namespace, c);
  const inNs = (ns: string) => (namespace === '*' || ns === namespace) && acl.allowNsOp(ns, 'read-job');
  const sources: Record<string, string[]> = {
    jobs: [...state.jobs.values()].filter((j) => inNs(j.Namespace)).map((j) => j.ID),
    nodes: [...state.nodes.values()].map((n) => n.ID),
    allocs: [...state.allocs.values()].filter((a) => inNs(a.Namespace)).map((a) => a.ID),
    evals: [...state.evals.values()].filter((e) => inNs(e.Namespace)).map((e) => e.ID),
    deployment: [...state.deployments.values()].filter((d) => inNs(d.Namespace)).map((d) => d.ID),
    namespaces: [...state.namespaces.keys()].filter((n) => acl.allowNamespace(n)),
  };
  const matches: Record<string, string[]> = {};
  const truncations: Record<string, boolean> = {};
  for (const [c, ids] of Object.entries(sources)) {
    if (!want(c === 'deployment' ? 'deployments' : c)) continue;
    const hits = ids.filter((id) => id.startsWith(prefix)).sort();
    matches[c] = hits.slice(0, LIMIT);
    truncations[c] = hits.length > LIMIT;
  }
  ctx.index = state.index;
  return { Matches: matches, Truncations: truncations, Index: state.index, LastContact: 0, KnownLeader: true, NextToken: '' };
}
