/**
 * ACL tokens, policies and roles: resolving a request's token into a compiled ACL (nomad/auth/auth.go),
 * the capability checks handlers use, and the /v1/acl/* endpoints (command/agent/acl_endpoint.go,
 * nomad/acl_endpoint.go).
 */
import { createHash } from 'node:crypto';
import { SimAcl } from './aclobject.js';
import { parsePolicy, PolicyError } from './aclpolicy.js';
import { coded, type Ctx, HttpError, invalidMethod } from './http.js';
import type { AclPolicy, AclRole, AclToken, SimState } from './state.js';

/** What a simulator starts with: policies by name, roles, and tokens (secrets generated when absent). */
export interface AclSetup {
  policies?: Record<string, string | { rules: string; description?: string }>;
  roles?: { name: string; policies: string[]; description?: string }[];
  tokens?: TokenSpec[];
}

export interface TokenSpec {
  name?: string;
  /** SecretID; a UUID is generated when absent. */
  secret?: string;
  type?: 'client' | 'management';
  policies?: string[];
  /** Role names. */
  roles?: string[];
}

/** The token a request carries: X-Nomad-Token, else `Authorization: Bearer`. */
export function requestToken(ctx: Ctx): string {
  const h = ctx.req.headers['x-nomad-token'];
  if (typeof h === 'string' && h) return h;
  const auth = ctx.req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1].trim();
  }
  return '';
}

/** Nomad's "Permission denied" (structs.ErrPermissionDenied), which its HTTP layer answers with 403. */
export function permissionDenied(status = 403): HttpError {
  return new HttpError(status, 'Permission denied');
}

function hash(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64');
}

/** Forgets compiled ACLs after a policy, role or token change (the HTTP writes bump the index first). */
function aclChanged(state: SimState): void {
  aclCache.delete(state);
}

/** Management tokens given as plain secrets (`aclTokens`): the first is the bootstrap token. */
export function registerTokens(state: SimState, secrets: string[]): void {
  secrets.forEach((secret, i) => {
    createToken(state, { secret, name: i === 0 ? 'Bootstrap Token' : `token-${i + 1}`, type: 'management' });
  });
}

/** Stores a policy after Nomad's validation (ACLPolicy.Validate); throws HttpError 400 on bad rules. */
export function upsertPolicy(state: SimState, name: string, rules: string, description = ''): AclPolicy {
  const errors: string[] = [];
  if (!/^[a-zA-Z0-9-]{1,128}$/.test(name)) errors.push(`invalid name '${name}'`);
  let parsed;
  try {
    parsed = parsePolicy(rules);
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    errors.push(`failed to parse rules: ${e.message}`);
  }
  if (description.length > 256) errors.push('description longer than 256');
  if (errors.length || !parsed) throw coded(400, `policy 0 invalid: ${multiError(errors)}`);
  const existing = state.aclPolicies.get(name);
  aclChanged(state);
  const p: AclPolicy = { Name: name, Description: description, Rules: rules, CreateIndex: existing?.CreateIndex ?? state.index, ModifyIndex: state.index, parsed };
  state.aclPolicies.set(name, p);
  return p;
}

function multiError(errors: string[]): string {
  return `${errors.length} error${errors.length === 1 ? '' : 's'} occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`;
}

export function createRole(state: SimState, name: string, policies: string[], description = ''): AclRole {
  if (!/^[a-zA-Z0-9-]{1,128}$/.test(name)) throw coded(400, `role 0 invalid: ${multiError([`invalid name '${name}'`])}`);
  if (policies.length === 0) throw coded(400, `role 0 invalid: ${multiError(['at least one policy should be specified'])}`);
  for (const p of policies) if (!state.aclPolicies.has(p)) throw coded(400, `cannot find policy ${p}`);
  for (const r of state.aclRoles.values()) if (r.Name === name) throw coded(400, `role with name ${name} already exists`);
  aclChanged(state);
  const role: AclRole = { ID: state.ids.uuid(), Name: name, Description: description, Policies: policies.map((p) => ({ Name: p })), CreateIndex: state.index, ModifyIndex: state.index };
  state.aclRoles.set(role.ID, role);
  return role;
}

/** Creates a token (ACL.UpsertTokens with ACLToken.Validate's rules); throws HttpError 400. */
export function createToken(state: SimState, spec: TokenSpec): AclToken {
  const type = spec.type ?? 'client';
  const policies = spec.policies ?? [];
  const roleNames = spec.roles ?? [];
  const errors: string[] = [];
  if ((spec.name ?? '').length > 256) errors.push('token name too long');
  if (type === 'client' && policies.length === 0 && roleNames.length === 0) errors.push('client token missing policies or roles');
  else if (type === 'management' && (policies.length || roleNames.length)) errors.push('management token cannot be associated with policies or roles');
  else if (type !== 'client' && type !== 'management') errors.push('token type must be client or management');
  if (errors.length) throw coded(400, `token 0 invalid: ${multiError(errors)}`);
  const roles = roleNames.map((n) => {
    const r = [...state.aclRoles.values()].find((x) => x.Name === n || x.ID === n);
    if (!r) throw coded(400, `cannot find role ${n}`);
    return { ID: r.ID, Name: r.Name };
  });
  const secret = spec.secret || state.ids.uuid();
  if (state.aclTokens.has(secret)) throw coded(400, 'token with this secret already exists');
  aclChanged(state);
  const t: AclToken = {
    AccessorID: state.ids.uuid(),
    SecretID: secret,
    Name: spec.name ?? '',
    Type: type,
    Policies: type === 'management' ? null : policies,
    Roles: type === 'management' ? null : roles,
    Global: type === 'management',
    CreateTime: new Date().toISOString(),
    ExpirationTime: null,
    CreateIndex: state.index,
    ModifyIndex: state.index,
  };
  state.aclTokens.set(secret, t);
  return t;
}

/** Creates the policies, roles and tokens of a setup, in that order; returns the tokens created. */
export function applyAclSetup(state: SimState, setup: AclSetup): AclToken[] {
  const named = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw new Error(`${what}: ${(e as Error).message.replace(/^(policy|role|token) 0 invalid: /, '').trim()}`);
    }
  };
  for (const [name, p] of Object.entries(setup.policies ?? {})) {
    named(`ACL policy "${name}"`, () => (typeof p === 'string' ? upsertPolicy(state, name, p) : upsertPolicy(state, name, p.rules, p.description ?? '')));
  }
  for (const r of setup.roles ?? []) named(`ACL role "${r.name}"`, () => createRole(state, r.name, r.policies, r.description ?? ''));
  return (setup.tokens ?? []).map((t, i) => named(`ACL token "${t.name ?? i}"`, () => createToken(state, t)));
}

/** structs.AnonymousACLToken: what a request without a token is (policy "anonymous" if it exists). */
const ANONYMOUS: AclToken = {
  AccessorID: 'anonymous', SecretID: '', Name: 'Anonymous Token', Type: 'client', Policies: ['anonymous'], Roles: null, Global: false,
  CreateTime: '0001-01-01T00:00:00Z', ExpirationTime: null, CreateIndex: 0, ModifyIndex: 0,
};

/** Compiled ACLs per token, dropped whenever a policy, role or token changes. */
const aclCache = new WeakMap<SimState, Map<string, SimAcl>>();

/** auth.go resolveACLFromToken: management, or the union of the token's policies and its roles' policies. */
function aclFor(state: SimState, token: AclToken): SimAcl {
  if (token.Type === 'management') return SimAcl.MANAGEMENT;
  let cache = aclCache.get(state);
  if (!cache) aclCache.set(state, (cache = new Map()));
  const hit = cache.get(token.AccessorID);
  if (hit) return hit;
  const names = [...(token.Policies ?? [])];
  for (const link of token.Roles ?? []) {
    for (const p of state.aclRoles.get(link.ID)?.Policies ?? []) names.push(p.Name);
  }
  // Policies that do not exist grant nothing and are skipped.
  const acl = SimAcl.compile(names.flatMap((n) => state.aclPolicies.get(n)?.parsed ?? []));
  cache.set(token.AccessorID, acl);
  return acl;
}

/**
 * Resolves the request's token: the ACL to check with and the token, or undefined for a secret
 * Nomad does not know (its RPCs then answer Permission denied). Without ACLs everything is allowed.
 */
export function resolveRequest(ctx: Ctx): { acl: SimAcl; token: AclToken } | undefined {
  if (!ctx.env.aclEnabled) return { acl: SimAcl.DISABLED, token: ANONYMOUS };
  const secret = requestToken(ctx);
  const token = secret === '' ? ANONYMOUS : ctx.state.aclTokens.get(secret);
  if (!token) return undefined;
  // an expired token fails Authenticate with ErrTokenExpired (nomad/auth/auth.go ResolveToken ~786),
  // which the RPCs answer as Permission denied (nomad/job_endpoint.go Register ~99)
  if (token.ExpirationTime && Date.parse(token.ExpirationTime) <= Date.now()) return undefined;
  return { acl: aclFor(ctx.state, token), token };
}

/** NamespaceValidator(caps…)(acl, ns) or 403 Permission denied. */
export function needNs(ctx: Ctx, ns: string, ...caps: string[]): void {
  if (!ctx.acl.allowNsAny(ns, caps)) throw permissionDenied();
}

/**
 * The list endpoints' rule (Job.List, Alloc.List, Eval.List, Deployment.List): the capability in the
 * request's namespace (with `*`, in any namespace) or 403; then only items in namespaces where the
 * token has it (allowedNSes). Management tokens get the items untouched.
 */
export function readable<T>(ctx: Ctx, cap: string, items: Iterable<T>, nsOf: (item: T) => string): Iterable<T> {
  const acl = ctx.acl;
  if (!acl.allowNsOp(ctx.namespace(), cap)) throw permissionDenied();
  if (acl.isManagement()) return items;
  const allowed = new Map<string, boolean>();
  const ok = (ns: string) => {
    let v = allowed.get(ns);
    if (v === undefined) allowed.set(ns, (v = acl.allowNsOp(ns, cap)));
    return v;
  };
  return [...items].filter((i) => ok(nsOf(i)));
}

function requireAcls(ctx: Ctx): void {
  // nomad/acl_endpoint.go: aclDisabled = structs.NewErrRPCCoded(400, "ACL support disabled")
  if (!ctx.env.aclEnabled) throw coded(400, 'ACL support disabled');
}

function needManagement(ctx: Ctx): void {
  if (!ctx.acl.isManagement()) throw permissionDenied();
}

function tokenView(t: AclToken): unknown {
  // ACLToken.MarshalJSON sends ExpirationTTL as duration text, "" for none (nomad/structs/acl.go)
  return { ...t, Hash: hash(t.Name, t.Type, t.Policies, t.Roles, t.Global), ExpirationTTL: '' };
}

function policyStub(p: AclPolicy): unknown {
  return { Name: p.Name, Description: p.Description, Hash: hash(p.Name, p.Description, p.Rules), CreateIndex: p.CreateIndex, ModifyIndex: p.ModifyIndex };
}

/** Policy names a client token holds, directly or through roles (policyNamesFromRoleLinks). */
function tokenPolicyNames(ctx: Ctx): Set<string> {
  const t = ctx.token;
  const names = new Set(t?.Policies ?? []);
  for (const link of t?.Roles ?? []) for (const p of ctx.state.aclRoles.get(link.ID)?.Policies ?? []) names.add(p.Name);
  return names;
}

/**
 * GET /v1/acl/token/self (command/agent/acl_endpoint.go aclTokenSelf). Without ACLs: 400 `ACL support
 * disabled`, which ACL.ResolveToken returns first (nomad/acl_endpoint.go v1.9.7 :36, :1070). Without a
 * token: 404 `ACL token not found`, as Nomad 1.9's ACL.ResolveToken finds no token for "".
 * An unknown secret: 403 `Permission denied`, as Nomad 1.10's ACL.WhoAmI (Authenticate fails); Nomad 1.9
 * answered 404 `ACL token not found` there too.
 */
export function tokenSelf(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  requireAcls(ctx);
  if (requestToken(ctx) === '') throw coded(404, 'ACL token not found');
  const r = resolveRequest(ctx);
  if (!r) throw permissionDenied();
  ctx.index = r.token.ModifyIndex;
  return tokenView(r.token);
}

/**
 * GET /v1/acl/policies (ACL.ListPolicies): management tokens see every policy, others only the
 * policies they hold. `prefix` applies; filter, per_page and next_token are ignored (no paginator).
 */
export function policies(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  requireAcls(ctx);
  const mine = ctx.acl.isManagement() ? undefined : tokenPolicyNames(ctx);
  const prefix = ctx.q('prefix');
  return [...ctx.state.aclPolicies.values()]
    .filter((p) => p.Name.startsWith(prefix) && (!mine || mine.has(p.Name)))
    .sort((a, b) => (a.Name < b.Name ? -1 : 1))
    .map(policyStub);
}

/** /v1/acl/policy/:name: GET (ACL.GetPolicy), PUT/POST (UpsertPolicies), DELETE (DeletePolicies). */
export function policySpecific(ctx: Ctx, name: string): unknown {
  requireAcls(ctx);
  if (!name) throw coded(400, 'Missing Policy Name');
  const state = ctx.state;
  switch (ctx.method) {
    case 'GET': {
      // Anyone may read "anonymous"; others only the policies their token holds.
      if (!ctx.acl.isManagement() && name !== 'anonymous' && !tokenPolicyNames(ctx).has(name)) throw permissionDenied();
      const p = state.aclPolicies.get(name);
      if (!p) throw coded(404, 'ACL policy not found');
      ctx.index = p.ModifyIndex;
      return { Name: p.Name, Description: p.Description, Rules: p.Rules, RulesJSON: null, JobACL: null, Hash: hash(p.Name, p.Description, p.Rules), CreateIndex: p.CreateIndex, ModifyIndex: p.ModifyIndex };
    }
    case 'PUT':
    case 'POST': {
      const body = ctx.json();
      if (body.Name !== name) throw coded(400, 'ACL policy name does not match request path');
      needManagement(ctx);
      state.bump();
      const p = upsertPolicy(state, name, typeof body.Rules === 'string' ? body.Rules : '', typeof body.Description === 'string' ? body.Description : '');
      ctx.index = p.ModifyIndex;
      return null;
    }
    case 'DELETE': {
      needManagement(ctx);
      state.bump();
      aclChanged(state);
      state.aclPolicies.delete(name);
      ctx.index = state.index;
      return null;
    }
    default:
      throw invalidMethod();
  }
}

/**
 * GET /v1/acl/tokens (ACL.ListTokens, management only, nomad/acl_endpoint.go ~857): stubs without
 * secrets; `prefix` is an accessor ID prefix (ACLTokenByAccessorIDPrefix ~890).
 */
export function tokensList(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  requireAcls(ctx);
  needManagement(ctx);
  const prefix = ctx.q('prefix');
  // ACLToken.Stub: no SecretID and no ExpirationTTL (nomad/structs/structs.go ~13645)
  return [...ctx.state.aclTokens.values()].filter((t) => t.AccessorID.startsWith(prefix)).map((t) => ({
    AccessorID: t.AccessorID, Name: t.Name, Type: t.Type, Policies: t.Policies, Roles: t.Roles, Global: t.Global,
    Hash: hash(t.Name, t.Type, t.Policies, t.Roles, t.Global), CreateTime: t.CreateTime, ExpirationTime: t.ExpirationTime,
    CreateIndex: t.CreateIndex, ModifyIndex: t.ModifyIndex,
  }));
}

/** PUT/POST /v1/acl/token: creates a token (ACL.UpsertTokens, management only); Nomad makes the secret. */
export function tokenCreate(ctx: Ctx): unknown {
  requireAcls(ctx);
  ctx.requireWrite();
  const body = ctx.json();
  needManagement(ctx);
  const state = ctx.state;
  state.bump();
  const t = createToken(state, {
    name: typeof body.Name === 'string' ? body.Name : '',
    type: String(body.Type ?? '') as 'client',
    policies: Array.isArray(body.Policies) ? body.Policies.map(String) : [],
    roles: Array.isArray(body.Roles) ? body.Roles.map((r) => String((r as { ID?: string; Name?: string }).ID || (r as { Name?: string }).Name || '')) : [],
  });
  ctx.index = t.ModifyIndex;
  return tokenView(t);
}

/** /v1/acl/token/:accessor: GET (ACL.GetToken), DELETE (ACL.DeleteTokens). */
export function tokenSpecific(ctx: Ctx, accessor: string): unknown {
  requireAcls(ctx);
  if (accessor === '') throw coded(400, 'Missing Token Accessor');
  const state = ctx.state;
  const found = [...state.aclTokens.values()].find((t) => t.AccessorID === accessor);
  switch (ctx.method) {
    case 'GET':
      // ACL.GetToken: management, or the token's own accessor.
      if (!ctx.acl.isManagement() && found?.SecretID !== requestToken(ctx)) throw permissionDenied();
      if (!found) throw coded(404, 'ACL token not found');
      return tokenView(found);
    case 'DELETE':
      needManagement(ctx);
      if (found) {
        state.bump();
        aclChanged(state);
        state.aclTokens.delete(found.SecretID);
      }
      ctx.index = state.index;
      return null;
    default:
      throw invalidMethod();
  }
}

/**
 * GET /v1/acl/roles (ACL.ListRoles, nomad/acl_endpoint.go ~1455): all for management, else the token's
 * own roles; `prefix` is a role ID prefix (GetACLRoleByIDPrefix ~1526).
 */
export function rolesList(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  requireAcls(ctx);
  const own = new Set((ctx.token?.Roles ?? []).map((r) => r.ID));
  const prefix = ctx.q('prefix');
  return [...ctx.state.aclRoles.values()].filter((r) => r.ID.startsWith(prefix) && (ctx.acl.isManagement() || own.has(r.ID)));
}

/** PUT/POST /v1/acl/role: creates a role (ACL.UpsertRoles, management only). */
export function roleCreate(ctx: Ctx): unknown {
  requireAcls(ctx);
  ctx.requireWrite();
  const body = ctx.json();
  needManagement(ctx);
  ctx.state.bump();
  const names = Array.isArray(body.Policies) ? body.Policies.map((p) => String((p as { Name?: string }).Name ?? '')) : [];
  const role = createRole(ctx.state, typeof body.Name === 'string' ? body.Name : '', names, typeof body.Description === 'string' ? body.Description : '');
  ctx.index = role.ModifyIndex;
  return role;
}

/** GET /v1/acl/role/:id (ACL.GetRoleByID): management, or a token holding the role. */
export function roleSpecific(ctx: Ctx, id: string): unknown {
  requireAcls(ctx);
  if (id === '') throw coded(400, 'missing ACL role ID');
  ctx.requireMethod('GET');
  const role = ctx.state.aclRoles.get(id);
  if (!ctx.acl.isManagement() && !(ctx.token?.Roles ?? []).some((r) => r.ID === id)) throw permissionDenied();
  if (!role) throw coded(404, 'ACL role not found');
  return role;
}
