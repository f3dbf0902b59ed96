/** Namespaces: /v1/namespaces, /v1/namespace/:name. */
import { coded, type Ctx } from './http.js';
import { listItems } from './query.js';
import type { Namespace } from './types.js';

export function makeNamespace(name: string, description: string, index: number): Namespace {
  return { Name: name, Description: description, Quota: '', Capabilities: null, NodePoolConfiguration: null, Meta: null, CreateIndex: index, ModifyIndex: index };
}

export function namespacesList(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  // no paginator: filter, per_page and next_token are ignored (nomad/namespace_endpoint.go ~430 ListNamespaces)
  // Namespace.ListNamespaces leaves out namespaces the token has no capability in (namespace_endpoint.go ~474)
  const visible = [...ctx.state.namespaces.values()].filter((n) => ctx.acl.allowNamespace(n.Name));
  return listItems(ctx, visible, { id: (n) => n.Name, view: (n) => n, noPaginator: true });
}

export function namespaceSpecific(ctx: Ctx, name: string): unknown {
  ctx.requireMethod('GET');
  const ns = ctx.state.namespaces.get(name);
  if (!ns) throw coded(404, 'Namespace not found');
  return ns;
}
