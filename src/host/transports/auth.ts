import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import { fingerprint } from '../audit.js';
import type { AuthExtra } from '../server.js';

/**
 * How HTTP clients authenticate:
 * - `tokens`: a shared bearer token; Nomad is called with the server's own NOMAD_TOKEN.
 * - `nomad`: per-user passthrough; the client's token is its Nomad ACL token, so Nomad's ACLs decide.
 * - `none`: only allowed on loopback (or with --insecure-no-auth).
 */
export type AuthMode = { kind: 'none' } | { kind: 'tokens'; tokens: string[] } | { kind: 'nomad' };

export type AuthResult = { ok: true; auth: AuthInfo } | { ok: false; message: string };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time: every configured token is compared, equal-length digests, no early exit. */
export function tokenMatches(presented: string, tokens: string[]): boolean {
  const p = digest(presented);
  let ok = false;
  for (const t of tokens) ok = timingSafeEqual(p, digest(t)) || ok;
  return ok;
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

export function authenticate(req: IncomingMessage, mode: AuthMode): AuthResult {
  const remote = req.socket.remoteAddress ?? 'unknown';
  if (mode.kind === 'none') {
    const extra: AuthExtra = { client: `addr:${remote}` };
    return { ok: true, auth: { token: '', clientId: extra.client!, scopes: [], extra: extra as Record<string, unknown> } };
  }
  if (mode.kind === 'tokens') {
    const t = bearer(req);
    if (!t || !tokenMatches(t, mode.tokens)) return { ok: false, message: t ? 'invalid bearer token' : 'missing bearer token' };
    const extra: AuthExtra = { client: fingerprint(t) };
    return { ok: true, auth: { token: t, clientId: extra.client!, scopes: [], extra: extra as Record<string, unknown> } };
  }
  const header = req.headers['x-nomad-token'];
  const t = bearer(req) ?? (typeof header === 'string' && header ? header : undefined);
  if (!t) return { ok: false, message: 'missing token: send your Nomad ACL token as Authorization: Bearer <token> or X-Nomad-Token' };
  const extra: AuthExtra = { nomadToken: t, client: fingerprint(t) };
  return { ok: true, auth: { token: t, clientId: extra.client!, scopes: [], extra: extra as Record<string, unknown> } };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** localhost, ::1 or an IPv4 address in 127/8 (not a name like 127.evil.example, which DNS can point anywhere). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || (isIPv4(host) && host.startsWith('127.'));
}

function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * DNS-rebinding protection: a browser `Origin` must be loopback, the server's own host, or
 * explicitly allowed; on a loopback bind the `Host` header must be loopback too.
 * Answers the reason for a 403, or undefined when the request may pass.
 */
export function originProblem(req: IncomingMessage, allowedOrigins: string[], boundToLoopback: boolean): string | undefined {
  const hostHeader = req.headers.host;
  const host = hostnameOf(hostHeader);
  if (boundToLoopback && (!host || !isLoopbackHost(host))) return `Host "${hostHeader ?? ''}" is not allowed on a loopback server`;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null' ? 'Origin "null" is not allowed' : undefined;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return `Origin "${origin}" is not a valid URL`;
  }
  if (isLoopbackHost(o.hostname)) return undefined;
  if (hostHeader && o.host === hostHeader) return undefined;
  if (allowedOrigins.some((a) => a.replace(/\/+$/, '') === o.origin)) return undefined;
  return `Origin "${origin}" is not allowed (add it with --allowed-origin)`;
}
