/** Variables: /v1/vars (metadata) and /v1/var/:path (read, CAS write, delete). */
import { permissionDenied } from './acl.js';
import { coded, type Ctx, NO_CONTENT, rpcError } from './http.js';
import { goJsonType } from './gojson.js';
import { nowNanos } from './ids.js';
import { listItems } from './query.js';
import type { JsonObject, Variable } from './types.js';

const VALID_PATH = /^[a-zA-Z0-9\-_~/]{1,128}$/;

function key(ns: string, path: string): string {
  return `${ns}\u0000${path}`;
}

function meta(v: Variable): JsonObject {
  return { Namespace: v.Namespace, Path: v.Path, CreateIndex: v.CreateIndex, CreateTime: v.CreateTime, ModifyIndex: v.ModifyIndex, ModifyTime: v.ModifyTime };
}

/** Stores a variable directly (seed). */
export function putVariable(ctx: { state: Ctx['state'] }, ns: string, path: string, items: Record<string, string>): Variable {
  const state = ctx.state;
  const index = state.bump();
  const now = nowNanos();
  const existing = state.variables.get(key(ns, path));
  const v: Variable = {
    Namespace: ns, Path: path, CreateIndex: existing?.CreateIndex ?? index, CreateTime: existing?.CreateTime ?? now, ModifyIndex: index, ModifyTime: now,
    // Items is a Go map: encoding/json writes its keys sorted.
    Items: Object.fromEntries(Object.entries(items).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
  state.variables.set(key(ns, path), v);
  state.variablesIndex = index;
  return v;
}

export function variablesList(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  // Variables.List leaves out paths the token may not list (nomad/variables_endpoint.go ~436, ~526)
  const visible = [...ctx.state.variables.values()].filter((v) => ctx.acl.allowVariableOperation(v.Namespace, v.Path, 'list'));
  const items = listItems(ctx, visible, { namespace: (v) => v.Namespace, id: (v) => v.Path, view: meta });
  // the variables table's index, floored at 1 (server.go setReplyQueryMeta): a blocking list waits for a variable
  // change. Nomad's watch set covers only the prefix, so a write to a variable elsewhere answers here a little early
  // with the same list; a client compares ModifyIndex anyway.
  ctx.index = Math.max(1, ctx.state.variablesIndex);
  return items;
}

function parseCas(ctx: Ctx): number | undefined {
  const cas = ctx.query.get('cas');
  if (cas === null) return undefined;
  if (!/^\d+$/.test(cas)) throw coded(400, `can not parse cas: strconv.ParseUint: parsing ${JSON.stringify(cas)}: invalid syntax`);
  return Number(cas);
}

/**
 * A check-and-set that does not match answers 409 with the current variable (Nomad sends it whole),
 * or a zeroed one when there is none. Undefined when the write may go ahead.
 */
function casConflict(ctx: Ctx, cas: number | undefined, current: Variable | undefined, ns: string, path: string): unknown {
  if (cas === undefined || (current?.ModifyIndex ?? 0) === cas) return undefined;
  ctx.status = 409;
  if (current) {
    ctx.index = current.ModifyIndex;
    // A caller who may not read the variable gets its metadata only (makeVariablesApplyResponse, "redacted")
    if (!ctx.acl.allowVariableOperation(ns, path, 'read')) return { ...current, Items: null };
    return current;
  }
  return { Namespace: ns, Path: path, CreateIndex: 0, CreateTime: 0, ModifyIndex: 0, ModifyTime: 0, Items: null };
}

function validatePath(ns: string, path: string): void {
  if (ns === '*') throw rpcError('can not target wildcard ("*")namespace');
  if (!VALID_PATH.test(path)) throw coded(400, `invalid path ${JSON.stringify(path)}`);
  const parts = path.split('/');
  if (parts[0] === 'nomad') {
    if (parts.length === 1 || !['jobs', 'job-templates'].includes(parts[1])) {
      throw coded(400, 'only paths at "nomad/jobs" or "nomad/job-templates" and below are valid paths under the top-level "nomad" directory');
    }
  }
}

export function variableSpecific(ctx: Ctx, path: string): unknown {
  if (!path) throw coded(400, 'missing variable path');
  const state = ctx.state;
  const ns = ctx.namespace();
  const k = key(ns, path);
  switch (ctx.method) {
    case 'GET': {
      // Variables.Read: the read capability on the path (nomad/variables_endpoint.go ~346)
      if (!ctx.acl.allowVariableOperation(ns, path, 'read')) throw permissionDenied();
      const v = state.variables.get(k);
      if (!v) throw coded(404, 'variable not found');
      return v;
    }
    case 'PUT':
    case 'POST': {
      const body = ctx.json();
      const items = body.Items;
      if (items !== undefined && items !== null) {
        if (typeof items !== 'object' || Array.isArray(items)) {
          throw coded(400, `json: cannot unmarshal ${goJsonType(items)} into Go struct field VariableDecrypted.Items of type structs.VariableItems`);
        }
        for (const val of Object.values(items)) {
          if (typeof val !== 'string') throw coded(400, `json: cannot unmarshal ${goJsonType(val)} into Go struct field VariableDecrypted.Items of type string`);
        }
      }
      if (!items || Object.keys(items).length === 0) throw coded(400, 'variable missing required Items object');
      const cas = parseCas(ctx);
      // Variables.Apply: write on the path before the path is validated (hasOperationPermissions)
      if (!ctx.acl.allowVariableOperation(ns, path, 'write')) throw permissionDenied();
      validatePath(ns, path);
      const current = state.variables.get(k);
      const conflict = casConflict(ctx, cas, current, ns, path);
      if (conflict) return conflict;
      if (!state.namespaces.has(ns)) throw rpcError(`namespace "${ns}" does not exist`);
      const v = putVariable(ctx, ns, path, items as Record<string, string>);
      ctx.index = v.ModifyIndex;
      return v;
    }
    case 'DELETE': {
      const cas = parseCas(ctx);
      if (!ctx.acl.allowVariableOperation(ns, path, 'destroy')) throw permissionDenied();
      const current = state.variables.get(k);
      const conflict = casConflict(ctx, cas, current, ns, path);
      if (conflict) return conflict;
      const index = state.bump();
      state.variables.delete(k);
      state.variablesIndex = index;
      ctx.index = index;
      return NO_CONTENT;
    }
    default:
      throw coded(400, 'Invalid method');
  }
}

