import type { AuthInfo } from '@modelcontextprotocol/server';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import { fingerprint } from '../audit.js';
import { type TokenVerifier, addressIdentity, type Identity } from '../identity.js';
import type { OAuthGate } from '../oauth/gate.js';
import type { AuthExtra } from '../server.js';

/**
 * How HTTP clients authenticate:
 * - `tokens`: a shared bearer token; Nomad is called with the server's own NOMAD_TOKEN.
 * - `nomad`: per-user passthrough; the client's token is its Nomad ACL token, so Nomad's ACLs decide.
 * - `none`: only allowed on loopback (or with --insecure-no-auth).
 */
export type AuthMode = { kind: 'none' } | { kind: 'tokens'; tokens: string[] } | { kind: 'nomad' } | { kind: 'oauth'; gate: OAuthGate; metadataUrl: string };

/**
 * A refusal carries its HTTP status: 401 (no or bad credential), 403 (OAuth: missing scope, or Nomad
 * refused the sign-in), 429 (too many unverified tokens), 503 (OAuth: Nomad cannot sign in now).
 */
export type AuthResult =
  | { ok: true; auth: AuthInfo }
  | { ok: false; status: 401 | 403 | 429 | 503; message: string; retryAfter?: number; wwwAuthenticate?: string };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time: every configured token is compared, equal-length digests, no early exit. */
export function tokenMatches(presented: string, tokens: string[]): boolean {
  const p = digest(presented);
  let ok = false;
  for (const t of tokens) ok = timingSafeEqual(p, digest(t)) || ok;
  return ok;
}

export function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

function authInfo(token: string, identity: Identity, nomadToken?: string): AuthInfo {
  const extra: AuthExtra = { client: identity.principal, limitKey: identity.key, verified: identity.verified, ...(nomadToken ? { nomadToken } : {}) };
  return { token, clientId: identity.principal, scopes: [], extra: extra as Record<string, unknown> };
}

/**
 * The verified identity of a request: the configured token's fingerprint (`tokens`), the remote
 * address (`none`), or, in passthrough, the fingerprint of a token Nomad accepted (`verifier`).
 */
export async function authenticate(req: IncomingMessage, mode: AuthMode, verifier?: TokenVerifier): Promise<AuthResult> {
  // the client's address: the socket's, or the one a trusted reverse proxy names (client-address.ts)
  const remote = (req as { clientAddress?: string }).clientAddress ?? req.socket.remoteAddress ?? 'unknown';
  if (mode.kind === 'none') return { ok: true, auth: authInfo('', addressIdentity(remote)) };
  if (mode.kind === 'tokens') {
    const t = bearer(req);
    if (!t || !tokenMatches(t, mode.tokens)) return { ok: false, status: 401, message: t ? 'invalid bearer token' : 'missing bearer token' };
    const principal = fingerprint(t)!;
    return { ok: true, auth: authInfo(t, { principal, key: principal, verified: true }) };
  }
  if (mode.kind === 'oauth') {
    // OAuth: the access token is validated and exchanged; the Nomad token it yields is never the bearer
    const r = await mode.gate.admit(bearer(req), mode.metadataUrl);
    if (!r.ok) return r;
    const extra: AuthExtra = { client: r.identity.principal, limitKey: r.identity.key, verified: true, nomadToken: r.nomad, nomadTokenFor: r.forCluster, nomadAccessor: r.accessorId };
    return { ok: true, auth: { token: '', clientId: r.identity.principal, scopes: [], extra: extra as Record<string, unknown> } };
  }
  const header = req.headers['x-nomad-token'];
  const t = bearer(req) ?? (typeof header === 'string' && header ? header : undefined);
  if (!t) return { ok: false, status: 401, message: 'missing token: send your Nomad ACL token as Authorization: Bearer <token> or X-Nomad-Token' };
  if (!verifier) throw new Error('passthrough authentication needs a token verifier');
  const r = await verifier.resolve(t, remote);
  if (!r.ok) return r;
  return { ok: true, auth: authInfo(t, r.identity, t) };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** localhost, ::1 or an IPv4 address in 127/8 (not a name like 127.evil.example, which DNS can point anywhere). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || (isIPv4(host) && host.startsWith('127.'));
}

/** A name clients use for this server; without a port it matches any port. */
export interface PublicName {
  host: string;
  port?: string;
}

/**
 * `host`, `host:port`, `[v6]` or `[v6]:port`, lowercased; undefined when it is none of these.
 * No regex: the Host header is caller text.
 */
export function parseAuthority(text: string): PublicName | undefined {
  const a = text.trim().toLowerCase();
  let host: string;
  let rest: string;
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    if (end < 0) return undefined;
    host = a.slice(0, end + 1);
    rest = a.slice(end + 1);
  } else {
    const colon = a.indexOf(':');
    host = colon < 0 ? a : a.slice(0, colon);
    rest = colon < 0 ? '' : a.slice(colon);
  }
  if (!host || host === '[]' || /[\s/\\@?#%]/.test(host)) return undefined;
  if (rest === '') return { host };
  const port = rest.slice(1);
  if (!rest.startsWith(':') || port.length === 0 || port.length > 5 || !/^\d+$/.test(port) || Number(port) > 65535) return undefined;
  return { host, port: String(Number(port)) };
}

/** What the Host/Origin check and CORS go by: names the operator configured, never the request's own Host. */
export interface OriginPolicy {
  /** Names (and ports) clients may use to reach this server. */
  publicNames: PublicName[];
  /** Whether the Host header must be a public name (loopback binds, or when --public-host is given). */
  checkHost: boolean;
  /** Port a Host header without one means (80, or 443 with TLS). */
  defaultPort: string;
  /** Normalised origins (`scheme://host[:port]`) that get CORS headers. */
  corsOrigins: Set<string>;
}

/**
 * The policy of a server bound to `bindHost:port`. Public names: the bind host and, on a loopback
 * bind, localhost, 127.0.0.1 and [::1], each with the server's port, plus the configured
 * `--public-host` names. Throws on a malformed name or origin (an operator's typo should stop the start).
 */
export function originPolicy(opts: { bindHost: string; port: number; tls: boolean; publicHosts: string[]; allowedOrigins: string[] }): OriginPolicy {
  const port = String(opts.port);
  const bind = opts.bindHost.includes(':') && !opts.bindHost.startsWith('[') ? `[${opts.bindHost}]` : opts.bindHost;
  const loopback = isLoopbackHost(opts.bindHost);
  const defaults = [bind, ...(loopback ? ['localhost', '127.0.0.1', '[::1]'] : [])].map((host) => ({ host: host.toLowerCase(), port }));
  const configured = opts.publicHosts.map((h) => {
    const n = parseAuthority(h);
    if (!n) throw new Error(`--public-host "${h}" is not a host name or host:port`);
    return n;
  });
  const corsOrigins = new Set(
    opts.allowedOrigins.map((o) => {
      let u: URL;
      try {
        u = new URL(o);
      } catch {
        throw new Error(`--allowed-origin "${o}" is not a URL (scheme://host[:port])`);
      }
      if (u.origin === 'null') throw new Error(`--allowed-origin "${o}" has no origin (use scheme://host[:port])`);
      return u.origin;
    }),
  );
  return { publicNames: [...defaults, ...configured], checkHost: loopback || configured.length > 0, defaultPort: opts.tls ? '443' : '80', corsOrigins };
}

function isPublic(policy: OriginPolicy, host: string, port: string): boolean {
  return policy.publicNames.some((n) => n.host === host && (n.port === undefined || n.port === port));
}

/**
 * DNS-rebinding protection. Answers the reason for a 403, or undefined when the request may pass:
 * - the `Host` header must be a public name (where the policy checks it): a rebound name is not;
 * - a browser `Origin`, when present, must be one of `--allowed-origin` or a public name (same origin).
 * A request without `Origin` (not a browser) passes the second check.
 */
export function originProblem(req: IncomingMessage, policy: OriginPolicy): string | undefined {
  const hostHeader = req.headers.host;
  if (policy.checkHost) {
    const h = hostHeader === undefined ? undefined : parseAuthority(hostHeader);
    if (!h || !isPublic(policy, h.host, h.port ?? policy.defaultPort)) {
      return `Host "${clip(hostHeader ?? '')}" is not a name of this server (add it with --public-host)`;
    }
  }
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  if (origin === 'null') return 'Origin "null" is not allowed';
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return `Origin "${clip(origin)}" is not a valid URL`;
  }
  if (policy.corsOrigins.has(o.origin)) return undefined;
  const port = o.port || (o.protocol === 'https:' ? '443' : o.protocol === 'http:' ? '80' : '');
  if ((o.protocol === 'http:' || o.protocol === 'https:') && isPublic(policy, o.hostname.toLowerCase(), port)) return undefined;
  return `Origin "${clip(origin)}" is not allowed (add it with --allowed-origin)`;
}

/** The Origin to echo in CORS headers: only one configured with --allowed-origin. */
export function corsOrigin(req: IncomingMessage, policy: OriginPolicy): string | undefined {
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return undefined;
  try {
    const o = new URL(origin).origin;
    return policy.corsOrigins.has(o) ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a health request may see operational details (leader address, session counts): with a
 * shared token, only its holders; without auth (loopback, or --insecure-no-auth) anyone who can
 * call the tools; in passthrough nobody, since checking a token would cost a Nomad call per request.
 */
export function seesDetails(req: IncomingMessage, mode: AuthMode): boolean {
  if (mode.kind === 'none') return true;
  if (mode.kind === 'nomad' || mode.kind === 'oauth') return false;
  const t = bearer(req);
  return t !== undefined && tokenMatches(t, mode.tokens);
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}
