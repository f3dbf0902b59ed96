/**
 * Nomad's JWT auth methods, binding rules and `/v1/acl/login` (command/agent/acl_endpoint.go
 * ACLAuthMethod*Request ~582–730, ACLBindingRule*Request ~734–880, ACLLoginRequest ~931;
 * nomad/acl_endpoint.go UpsertAuthMethods ~1879, UpsertBindingRules ~2254, Login ~2917;
 * lib/auth/jwt/validator.go, lib/auth/claims.go, lib/auth/binder.go), read at hashicorp/nomad main
 * (aa026cc, 2026-08). JWT checks use `jose`, as Nomad uses hashicorp/cap.
 */
import { createLocalJWKSet, createRemoteJWKSet, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey, decodeProtectedHeader } from 'jose';
import { coded, type Ctx, invalidMethod } from './http.js';
import { parseGoDuration, rfc3339 } from './ids.js';
import { multiError } from './jobmodel.js';
import { parseSelector, SelectorError, selectorMatches, type SelectorData } from './selector.js';
import type { SimState } from './state.js';
import { createToken, permissionDenied } from './acl.js';

interface AuthMethodConfig {
  JWTValidationPubKeys?: string[];
  JWKSURL?: string;
  OIDCDiscoveryURL?: string;
  BoundAudiences?: string[];
  BoundIssuer?: string[];
  SigningAlgs?: string[];
  ClaimMappings?: Record<string, string>;
  ListClaimMappings?: Record<string, string>;
  [k: string]: unknown;
}

interface AuthMethod {
  Name: string;
  Type: string;
  TokenLocality: string;
  TokenNameFormat: string;
  /** Milliseconds (Nomad stores a time.Duration and marshals it as "1h0m0s"). */
  maxTokenTtlMs: number;
  Default: boolean;
  Config: AuthMethodConfig;
  CreateTime: string;
  ModifyTime: string;
  CreateIndex: number;
  ModifyIndex: number;
}

interface BindingRule {
  ID: string;
  Description: string;
  AuthMethod: string;
  Selector: string;
  BindType: string;
  BindName: string;
  CreateTime: string;
  ModifyTime: string;
  CreateIndex: number;
  ModifyIndex: number;
}

interface AuthStore {
  methods: Map<string, AuthMethod>;
  rules: Map<string, BindingRule>;
  remote: Map<string, JWTVerifyGetKey>;
}

const stores = new WeakMap<SimState, AuthStore>();
function store(state: SimState): AuthStore {
  let s = stores.get(state);
  if (!s) stores.set(state, (s = { methods: new Map(), rules: new Map(), remote: new Map() }));
  return s;
}

/** nomad/config.go ~697: ACLTokenMinExpirationTTL 1m, ACLTokenMaxExpirationTTL 24h. */
const MIN_TTL_MS = 60_000;
const MAX_TTL_MS = 24 * 3_600_000;
/** structs.ValidACLAuthMethod (nomad/structs/acl.go ~238). */
const VALID_NAME = /^[a-zA-Z0-9-]{1,128}$/;

/** Go's time.Duration.String() for whole seconds and more (what MaxTokenTTL marshals to). */
function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

function methodView(m: AuthMethod): unknown {
  const { maxTokenTtlMs, ...rest } = m;
  // ACLAuthMethod.MarshalJSON (nomad/structs/acl.go ~1312): MaxTokenTTL as a duration string
  return { ...rest, MaxTokenTTL: maxTokenTtlMs ? goDuration(maxTokenTtlMs) : '' };
}

/** Management only (UpsertAuthMethods ~1879 and the other writes: ResolveACL then IsManagement). */
function needManagement(ctx: Ctx): void {
  requireAcls(ctx);
  if (!ctx.acl.isManagement()) throw permissionDenied();
}

function requireAcls(ctx: Ctx): void {
  // aclDisabled = structs.NewErrRPCCoded(400, "ACL support disabled") (nomad/acl_endpoint.go)
  if (!ctx.env.aclEnabled) throw coded(400, 'ACL support disabled');
}

// ---------------------------------------------------------------- auth methods

/** GET /v1/acl/auth-methods: stubs (ACLAuthMethodStub: Name, Type, Default, indexes), [] when none. */
export function authMethodsList(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  requireAcls(ctx);
  return [...store(ctx.state).methods.values()]
    .sort((a, b) => a.Name.localeCompare(b.Name))
    .map((m) => ({ Name: m.Name, Type: m.Type, Default: m.Default, CreateIndex: m.CreateIndex, ModifyIndex: m.ModifyIndex }));
}

/** PUT/POST /v1/acl/auth-method (create). */
export function authMethodCreate(ctx: Ctx): unknown {
  if (!ctx.isWrite()) throw invalidMethod();
  return upsertAuthMethod(ctx, '');
}

/** /v1/acl/auth-method/:name: GET, DELETE, PUT/POST (update). */
export function authMethodSpecific(ctx: Ctx, name: string): unknown {
  if (name === '') throw coded(400, 'missing ACL auth-method name');
  const s = store(ctx.state);
  switch (ctx.method) {
    case 'GET': {
      needManagement(ctx);
      const m = s.methods.get(name);
      if (!m) throw coded(404, 'ACL auth-method not found');
      ctx.index = m.ModifyIndex;
      return methodView(m);
    }
    case 'DELETE':
      needManagement(ctx);
      if (!s.methods.has(name)) throw coded(400, `ACL auth-method ${name} not found`);
      s.methods.delete(name);
      // deleting a method deletes its binding rules (state_store_acl_auth_methods DeleteACLAuthMethods)
      for (const [id, r] of s.rules) if (r.AuthMethod === name) s.rules.delete(id);
      ctx.state.bump();
      return null;
    case 'PUT':
    case 'POST':
      return upsertAuthMethod(ctx, name);
    default:
      throw invalidMethod();
  }
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

function upsertAuthMethod(ctx: Ctx, pathName: string): unknown {
  const body = ctx.json();
  if (pathName && pathName !== body.Name) throw coded(400, 'ACL auth-method name does not match request path');
  needManagement(ctx);
  const s = store(ctx.state);
  const name = typeof body.Name === 'string' ? body.Name : '';
  const existing = s.methods.get(name);
  const cfg = (body.Config && typeof body.Config === 'object' ? body.Config : existing?.Config) as AuthMethodConfig | undefined;
  const type = (body.Type as string) || existing?.Type || '';
  // ACLAuthMethod.Canonicalize: TokenLocality defaults to local
  const locality = (body.TokenLocality as string) || existing?.TokenLocality || 'local';
  let ttl = existing?.maxTokenTtlMs ?? 0;
  const rawTtl = body.MaxTokenTTL;
  const errors: string[] = [];
  if (typeof rawTtl === 'string' && rawTtl !== '') {
    const ms = parseGoDuration(rawTtl);
    if (ms === undefined) throw coded(400, `time: invalid duration "${rawTtl}"`);
    ttl = ms;
  } else if (typeof rawTtl === 'number') ttl = rawTtl / 1e6;
  // ACLAuthMethod.Validate (nomad/structs/acl.go ~1426)
  if (!VALID_NAME.test(name)) errors.push(`invalid name '${name}'`);
  if (locality !== 'local' && locality !== 'global') errors.push(`invalid token locality '${locality}'`);
  if (type !== 'JWT' && type !== 'OIDC') errors.push(`invalid token type '${type}'`);
  if (!cfg) errors.push('invalid config: missing auth method Config');
  else if (type === 'JWT' && !cfg.OIDCDiscoveryURL && !cfg.JWKSURL && !(cfg.JWTValidationPubKeys ?? []).length) {
    errors.push('invalid config: JWT auth method requires either OIDCDiscoveryURL, or JWKS URL, or JWTValidationPubKeys set');
  }
  if (ttl < MIN_TTL_MS || ttl > MAX_TTL_MS) errors.push(`invalid MaxTokenTTL value '${goDuration(ttl)}' (should be between 1m0s and 24h0m0s)`);
  if (errors.length) throw coded(400, `auth method 0 invalid: ${multiError(errors)}`);
  const now = rfc3339();
  ctx.state.bump();
  const m: AuthMethod = {
    Name: name,
    Type: type,
    TokenLocality: locality,
    TokenNameFormat: (body.TokenNameFormat as string) || existing?.TokenNameFormat || '${auth_method_type}-${auth_method_name}',
    maxTokenTtlMs: ttl,
    Default: body.Default === true,
    Config: {
      ...cfg,
      JWTValidationPubKeys: strings(cfg!.JWTValidationPubKeys),
      BoundAudiences: strings(cfg!.BoundAudiences),
      BoundIssuer: strings(cfg!.BoundIssuer),
      SigningAlgs: strings(cfg!.SigningAlgs),
    },
    CreateTime: existing?.CreateTime ?? now,
    ModifyTime: now,
    CreateIndex: existing?.CreateIndex ?? ctx.state.index,
    ModifyIndex: ctx.state.index,
  };
  s.methods.set(name, m);
  s.remote.delete(name);
  ctx.index = ctx.state.index;
  return methodView(m);
}

// ---------------------------------------------------------------- binding rules

/** GET /v1/acl/binding-rules: stubs (ACLBindingRuleListStub), [] when none. */
export function bindingRulesList(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  needManagement(ctx);
  const method = ctx.q('auth_method');
  return [...store(ctx.state).rules.values()]
    .filter((r) => !method || r.AuthMethod === method)
    .map((r) => ({ ID: r.ID, Description: r.Description, AuthMethod: r.AuthMethod, CreateIndex: r.CreateIndex, ModifyIndex: r.ModifyIndex }));
}

export function bindingRuleCreate(ctx: Ctx): unknown {
  if (!ctx.isWrite()) throw invalidMethod();
  return upsertBindingRule(ctx, '');
}

export function bindingRuleSpecific(ctx: Ctx, id: string): unknown {
  if (id === '') throw coded(400, 'missing ACL binding rule ID');
  const s = store(ctx.state);
  switch (ctx.method) {
    case 'GET': {
      needManagement(ctx);
      const r = s.rules.get(id);
      if (!r) throw coded(404, 'ACL binding rule not found');
      ctx.index = r.ModifyIndex;
      return r;
    }
    case 'DELETE':
      needManagement(ctx);
      if (!s.rules.has(id)) throw coded(400, `ACL binding rule ${id} not found`);
      s.rules.delete(id);
      ctx.state.bump();
      return null;
    case 'PUT':
    case 'POST':
      return upsertBindingRule(ctx, id);
    default:
      throw invalidMethod();
  }
}

function upsertBindingRule(ctx: Ctx, pathId: string): unknown {
  const body = ctx.json();
  let id = typeof body.ID === 'string' ? body.ID : '';
  if (pathId && id === '') id = pathId;
  if (pathId && pathId !== id) throw coded(400, 'ACL binding rule ID does not match request path');
  needManagement(ctx);
  const s = store(ctx.state);
  const existing = id ? s.rules.get(id) : undefined;
  if (id && !existing) throw coded(400, `cannot find binding rule ${id}`);
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  // ACLBindingRule.Merge: empty fields keep the stored values
  const rule = {
    AuthMethod: str('AuthMethod') || existing?.AuthMethod || '',
    Description: str('Description') || existing?.Description || '',
    Selector: str('Selector') || existing?.Selector || '',
    BindType: str('BindType') || existing?.BindType || '',
    BindName: str('BindName') || existing?.BindName || '',
  };
  if (existing && rule.AuthMethod !== existing.AuthMethod) {
    throw coded(400, 'cannot update auth method for binding rule, create a new rule instead');
  }
  // ACLBindingRule.Validate (nomad/structs/acl.go ~2082)
  const errors: string[] = [];
  if (!rule.AuthMethod) errors.push('auth method is missing');
  if (rule.BindType === '') errors.push('bind type is missing');
  else if (rule.BindType === 'role' || rule.BindType === 'policy') {
    if (!rule.BindName) errors.push('bind name is missing');
  } else if (rule.BindType === 'management') {
    if (rule.BindName) errors.push('bind name should be empty');
  } else errors.push(`unsupported bind type: "${rule.BindType}"`);
  if (rule.Selector) {
    try {
      parseSelector(rule.Selector);
    } catch (e) {
      if (!(e instanceof SelectorError)) throw e;
      errors.push(`selector is invalid: ${e.message}`);
    }
  }
  if (errors.length) throw coded(400, `binding rule 0 invalid: ${multiError(errors)}`);
  if (!s.methods.has(rule.AuthMethod)) throw coded(400, `ACL auth method ${rule.AuthMethod} not found`);
  const now = rfc3339();
  ctx.state.bump();
  const r: BindingRule = {
    ID: id || ctx.state.ids.uuid(),
    ...rule,
    CreateTime: existing?.CreateTime ?? now,
    ModifyTime: now,
    CreateIndex: existing?.CreateIndex ?? ctx.state.index,
    ModifyIndex: ctx.state.index,
  };
  s.rules.set(r.ID, r);
  ctx.index = ctx.state.index;
  return r;
}

// ---------------------------------------------------------------- login

/** cap/jwt's default leeway for exp, nbf and clock skew (used when the method sets none). */
const LEEWAY_SEC = 150;

async function keysFor(s: AuthStore, m: AuthMethod): Promise<JWTVerifyGetKey> {
  const cfg = m.Config;
  if (cfg.JWTValidationPubKeys?.length) {
    // usingStaticKeys: PEM public keys; the token's alg picks how each is read
    const keys = cfg.JWTValidationPubKeys;
    return async (header) => {
      for (const pem of keys) {
        try {
          return await importSPKI(pem, header.alg ?? 'RS256');
        } catch {
          /* next key */
        }
      }
      throw new Error('no static key fits the token');
    };
  }
  let remote = s.remote.get(m.Name);
  if (!remote) {
    if (!cfg.JWKSURL) throw new Error('OIDCDiscoveryURL is not simulated; set JWKSURL or JWTValidationPubKeys');
    remote = createRemoteJWKSet(new URL(cfg.JWKSURL), { cooldownDuration: 0 });
    s.remote.set(m.Name, remote);
  }
  return remote;
}

/** lib/auth/claims.go getClaim: a claim name, or a JSON pointer ("/a/b") into nested claims. */
function getClaim(all: JWTPayload, source: string): unknown {
  if (!source.startsWith('/')) return all[source];
  let v: unknown = all;
  for (const part of source.slice(1).split('/')) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function selectorData(m: AuthMethod, claims: JWTPayload): SelectorData {
  const value: Record<string, string> = {};
  const list: Record<string, string[]> = {};
  for (const [source, target] of Object.entries(m.Config.ClaimMappings ?? {})) {
    const v = getClaim(claims, source);
    if (v === undefined || v === null) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') value[target] = String(v);
    else throw coded(500, `error converting claim '${source}' to string from unknown type ${typeof v}`);
  }
  for (const [source, target] of Object.entries(m.Config.ListClaimMappings ?? {})) {
    const v = getClaim(claims, source);
    if (v === undefined || v === null) continue;
    list[target] = (Array.isArray(v) ? v : [v]).map(String);
  }
  return { value, list };
}

/** InterpolateHIL(bindName, claimMappings, lowercase=true): `${value.x}` replaced by the lowercased value. */
function interpolate(name: string, values: Record<string, string>): string {
  return name.replace(/\$\{([^}]*)\}/g, (_, expr: string) => {
    const key = expr.trim();
    const v = key.startsWith('value.') ? values[key.slice(6)] : undefined;
    if (v === undefined) throw coded(500, `cannot compute bind name for bind target: unknown variable accessed: ${key}`);
    return v.toLowerCase();
  });
}

/** PUT/POST /v1/acl/login {AuthMethodName, LoginToken} → the ACLToken it created (ACL.Login ~2917). */
export async function login(ctx: Ctx): Promise<unknown> {
  if (!ctx.isWrite()) throw invalidMethod();
  requireAcls(ctx);
  const body = ctx.json();
  const methodName = typeof body.AuthMethodName === 'string' ? body.AuthMethodName : '';
  const loginToken = typeof body.LoginToken === 'string' ? body.LoginToken : '';
  const errors: string[] = [];
  if (!methodName) errors.push('missing auth method name');
  if (!loginToken) errors.push('missing login token');
  if (errors.length) throw coded(400, `invalid login request: ${multiError(errors)}`);
  const s = store(ctx.state);
  const m = s.methods.get(methodName);
  if (!m) throw coded(400, `auth-method "${methodName}" not found`);
  if (m.Type !== 'JWT') throw coded(400, `unsupported auth-method type: ${m.Type}`);
  let claims: JWTPayload;
  try {
    const cfg = m.Config;
    // lib/auth/jwt/validator.go Validate: signature, audiences, algorithms, leeways; then BoundIssuer
    const { payload } = await jwtVerify(loginToken, await keysFor(s, m), {
      audience: cfg.BoundAudiences?.length ? cfg.BoundAudiences : undefined,
      algorithms: cfg.SigningAlgs?.length ? cfg.SigningAlgs : ['RS256'],
      clockTolerance: LEEWAY_SEC,
    });
    if (cfg.BoundIssuer?.length) {
      if (payload.iss === undefined) throw new Error('auth method specifies BoundIssuers but the provided token does not contain issuer information');
      if (!cfg.BoundIssuer.includes(payload.iss)) throw new Error(`invalid JWT issuer: ${payload.iss}`);
    }
    claims = payload;
  } catch (e) {
    let alg = '';
    try {
      alg = decodeProtectedHeader(loginToken).alg ?? '';
    } catch {
      /* not a JWS */
    }
    const why = (e as Error).message || 'invalid token';
    throw coded(401, `unable to validate provided token: unable to verify signature of JWT token: ${why}${alg ? ` (alg ${alg})` : ''}`);
  }
  const data = selectorData(m, claims);
  // Binder.Bind (lib/auth/binder.go ~57): matching rules in order; a management rule wins at once
  const policies: string[] = [];
  const roles: string[] = [];
  let management = false;
  for (const r of s.rules.values()) {
    if (r.AuthMethod !== m.Name || !selectorMatches(r.Selector, data)) continue;
    if (r.BindType === 'management') {
      management = true;
      break;
    }
    const name = interpolate(r.BindName, data.value);
    // a policy or role that does not exist binds nothing (binder.go: `if policy != nil`, `if role != nil`)
    if (r.BindType === 'policy' && ctx.state.aclPolicies.has(name) && !policies.includes(name)) policies.push(name);
    if (r.BindType === 'role' && [...ctx.state.aclRoles.values()].some((x) => x.Name === name) && !roles.includes(name)) roles.push(name);
  }
  if (!management && policies.length === 0 && roles.length === 0) throw coded(400, 'no role or policy bindings matched');
  // formatTokenName: ${auth_method_type}-${auth_method_name} by default, claim values via ${value.x}
  const tokenName = m.TokenNameFormat.replace('${auth_method_type}', m.Type).replace('${auth_method_name}', m.Name).replace(/\$\{value\.([^}]*)\}/g, (_, k: string) => data.value[k] ?? '');
  ctx.state.bump();
  const token = createToken(ctx.state, { name: tokenName, type: management ? 'management' : 'client', policies, roles });
  // ExpirationTTL = MaxTokenTTL (ACL.Login); ACLToken.Canonicalize turns it into ExpirationTime
  token.ExpirationTime = new Date(Date.parse(token.CreateTime) + m.maxTokenTtlMs).toISOString();
  token.Global = m.TokenLocality === 'global';
  ctx.index = ctx.state.index;
  return { ...token, ExpirationTTL: goDuration(m.maxTokenTtlMs), Hash: Buffer.from(token.AccessorID).toString('base64') };
}
