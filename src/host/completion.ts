/**
 * `completion/complete` for prompt arguments and resource-template variables: job IDs, namespaces, node,
 * allocation and deployment IDs, matched by prefix against Nomad with the caller's own token. Bounded
 * (one list request of at most MAX_VALUES + 1 entries, answers cut to MAX_VALUES as the spec allows),
 * and cached for a few seconds per identity, so a client asking on every keystroke costs Nomad little.
 * --namespaces applies: other namespaces are neither completed nor searched.
 */
import type { NamespaceGuard } from './namespace-guard.js';
import type { Upstream } from './upstream.js';

export type CompletionKind = 'job' | 'namespace' | 'node' | 'alloc' | 'deployment';

/** Which argument or template variable names complete what. */
const KIND_OF: Record<string, CompletionKind> = {
  job_id: 'job',
  job: 'job',
  namespace: 'namespace',
  node_id: 'node',
  node: 'node',
  alloc_id: 'alloc',
  allocation_id: 'alloc',
  deployment_id: 'deployment',
};

/** The list endpoint of each kind (all take `prefix`); the namespaced ones take `namespace` too. */
const LISTS: Record<CompletionKind, { path: string; field: 'ID' | 'Name'; namespaced: boolean; uuid: boolean }> = {
  job: { path: '/v1/jobs', field: 'ID', namespaced: true, uuid: false },
  namespace: { path: '/v1/namespaces', field: 'Name', namespaced: false, uuid: false },
  node: { path: '/v1/nodes', field: 'ID', namespaced: false, uuid: true },
  alloc: { path: '/v1/allocations', field: 'ID', namespaced: true, uuid: true },
  deployment: { path: '/v1/deployments', field: 'ID', namespaced: true, uuid: true },
};

/** The spec's cap on values in one completion answer. */
export const MAX_VALUES = 100;
const TTL_MS = 5_000;
const MAX_CACHED = 1_000;
const MAX_PREFIX = 128;

export interface Completion {
  values: string[];
  total?: number;
  hasMore?: boolean;
}

export const EMPTY_COMPLETION: Completion = { values: [], hasMore: false };

export function completionKind(name: string): CompletionKind | undefined {
  return Object.hasOwn(KIND_OF, name) ? KIND_OF[name] : undefined;
}

export interface CompleteRequest {
  kind: CompletionKind;
  prefix: string;
  /** The other arguments the client has filled in (a `namespace` scopes jobs, allocations, deployments). */
  context: Record<string, string>;
  /** --namespaces of the cluster asked (empty: all). */
  allowedNamespaces: string[];
  /** Who asks: the cache is per identity (and cluster), never shared between tokens. */
  identity: string;
  /** The Nomad view with the caller's token and the cluster's namespace guard. */
  view: () => Promise<{ upstream: Upstream; guard?: NamespaceGuard }>;
  signal?: AbortSignal;
}

export class Completer {
  private readonly cache = new Map<string, { at: number; answer: Promise<Completion> }>();

  constructor(private readonly now: () => number = Date.now) {}

  complete(req: CompleteRequest): Promise<Completion> {
    const list = LISTS[req.kind];
    const prefix = req.prefix.slice(0, MAX_PREFIX);
    let namespace: string | undefined;
    if (list.namespaced) {
      // else the view's default namespace (the cluster's)
      namespace = req.context.namespace || undefined;
      // an explicit namespace outside --namespaces is not searched (answers of the others are dropped by the guard)
      if (namespace && req.allowedNamespaces.length && namespace !== '*' && !req.allowedNamespaces.includes(namespace)) return Promise.resolve(EMPTY_COMPLETION);
    }
    // a UUID prefix with anything but hex digits and dashes matches nothing: no request
    if (list.uuid && !/^[0-9a-fA-F-]*$/.test(prefix)) return Promise.resolve(EMPTY_COMPLETION);
    const key = `${req.identity}\u0000${req.kind}\u0000${namespace ?? ''}\u0000${prefix}`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < TTL_MS) return hit.answer;
    const answer = this.fetch(list, namespace, prefix, req);
    this.remember(key, answer);
    // a failure is not cached: the next keystroke asks again
    answer.catch(() => this.cache.delete(key));
    return answer;
  }

  private remember(key: string, answer: Promise<Completion>): void {
    this.cache.delete(key);
    this.cache.set(key, { at: this.now(), answer });
    const now = this.now();
    for (const [k, v] of this.cache) {
      if (this.cache.size <= MAX_CACHED && now - v.at < TTL_MS) break;
      this.cache.delete(k); // oldest first (insertion order)
    }
  }

  private async fetch(list: (typeof LISTS)[CompletionKind], namespace: string | undefined, prefix: string, req: CompleteRequest): Promise<Completion> {
    const { upstream, guard } = await req.view();
    // Nomad's CLI sends UUID prefixes of even length (command/helpers.go sanitizeUUIDPrefix): the odd
    // last digit is matched here instead
    const sent = list.uuid && prefix.replace(/-/g, '').length % 2 === 1 ? prefix.slice(0, -1) : prefix;
    const query: Record<string, string | number | undefined> = { prefix: sent || undefined, per_page: list.path === '/v1/namespaces' ? undefined : MAX_VALUES + 1 };
    if (namespace) query.namespace = namespace;
    const res = await upstream.get<unknown>(list.path, { query, signal: req.signal });
    let items = Array.isArray(res.data) ? (res.data as Record<string, unknown>[]) : [];
    if (guard) items = guard.filter(items);
    if (list.path === '/v1/namespaces' && req.allowedNamespaces.length) items = items.filter((n) => req.allowedNamespaces.includes(n.Name as string));
    const seen = new Set<string>();
    for (const e of items) {
      const v = e?.[list.field];
      if (typeof v === 'string' && v.startsWith(prefix)) seen.add(v);
    }
    const values = [...seen];
    const more = values.length > MAX_VALUES || res.nextToken !== undefined;
    return { values: values.slice(0, MAX_VALUES), ...(more ? { hasMore: true } : { total: values.length, hasMore: false }) };
  }
}
