import { createHash } from 'node:crypto';
import { fingerprint } from './audit.js';
import { ToolError } from './errors.js';
import { RateLimiter } from './rate-limit.js';
import type { Upstream } from './upstream.js';

/**
 * Who a request comes from. Sessions are bound to `principal`; rate limits and session caps count
 * against `key`; the audit log records `principal`. Never holds a secret.
 */
export interface Identity {
  /** A token fingerprint (`sha256:…`) or an address (`addr:127.0.0.1`). */
  principal: string;
  /** What limits count against: the principal once verified, else `unverified:<address>`, shared by everyone unverified there. */
  key: string;
  /** The credential was checked (configured token, a token Nomad accepted) or the operator chose address identity. */
  verified: boolean;
}

/** The identity of a caller known only by its address (`--auth none`, or a Nomad without ACLs). */
export function addressIdentity(remote: string): Identity {
  const principal = `addr:${remote}`;
  return { principal, key: principal, verified: true };
}

/** Nomad's answer about one token. */
export type TokenVerdict = 'valid' | 'invalid' | 'acl-disabled';

/**
 * Asks Nomad about a token with `GET /v1/acl/token/self`: 200 = valid; 403 `Permission denied` /
 * `ACL token not found`, or 404 `ACL token not found` (aclTokenSelf finds no token; see nomad-acl.ts
 * for the source lines) = invalid; 400 `ACL support disabled` = Nomad enforces no ACLs. Anything else
 * (Nomad down, a 5xx) throws, as it says nothing about the token.
 */
export async function checkNomadToken(nomad: Upstream, token: string, signal?: AbortSignal): Promise<TokenVerdict> {
  try {
    await nomad.get('/v1/acl/token/self', { token, signal, timeoutMs: 5000 });
    return 'valid';
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    const said = (text: string) => err.message.includes(text);
    if (err.status === 400 && said('ACL support disabled')) return 'acl-disabled';
    if (err.status === 403 || err.status === 401 || (err.status === 404 && said('ACL token not found'))) return 'invalid';
    throw err;
  }
}

export interface TokenVerifierOptions {
  /** Token checks per minute that all unverified callers of one address share (default 10). */
  unverifiedPerMinute?: number;
  /** How long Nomad's answer about a token is trusted (default 30 s). */
  cacheMs?: number;
  /**
   * How long a token Nomad accepted stays known (default 10 minutes): re-checking it when its answer
   * expires is not charged to the unverified bucket, and if Nomad cannot answer then, it stays valid.
   */
  knownMs?: number;
  /** Most answers kept (least recently used dropped first; default 10,000). */
  cacheSize?: number;
}

export type Resolution =
  | { ok: true; identity: Identity }
  | { ok: false; status: 401 | 429; message: string; retryAfter?: number };

/**
 * Per-user passthrough: a bearer token becomes an identity only once Nomad accepted it. Answers are
 * cached briefly under the token's digest (never the token). A token not in the cache is checked
 * at the cost of one call from the bucket its caller's address shares with every other unverified
 * caller there, so made-up tokens cannot make the server call Nomad more often than that bucket allows.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, { verdict: TokenVerdict; until: number; known: number }>();
  private readonly inFlight = new Map<string, Promise<TokenVerdict | undefined>>();
  private readonly unverified: RateLimiter;
  private readonly cacheMs: number;
  private readonly knownMs: number;
  private readonly cacheSize: number;

  constructor(private readonly nomad: Upstream, opts: TokenVerifierOptions = {}) {
    this.unverified = new RateLimiter(opts.unverifiedPerMinute ?? 10);
    this.cacheMs = opts.cacheMs ?? 30_000;
    this.knownMs = opts.knownMs ?? 10 * 60_000;
    this.cacheSize = opts.cacheSize ?? 10_000;
  }

  async resolve(token: string, remote: string, now = Date.now()): Promise<Resolution> {
    const digest = createHash('sha256').update(token).digest('hex');
    const hit = this.lookup(digest, now);
    let verdict = hit && hit.until > now ? hit.verdict : undefined;
    if (!verdict) {
      let pending = this.inFlight.get(digest);
      if (!pending) {
        const known = hit?.verdict === 'valid' && hit.known > now;
        const wait = known ? 0 : this.unverified.take(`unverified:${remote}`, now);
        if (wait > 0) {
          return { ok: false, status: 429, retryAfter: wait, message: `Too many requests with unverified tokens from ${remote}; retry in ${wait} s.` };
        }
        pending = this.check(token, digest, known).finally(() => this.inFlight.delete(digest));
        this.inFlight.set(digest, pending);
      }
      verdict = await pending;
    }
    const principal = fingerprint(token)!;
    if (verdict === 'valid') return { ok: true, identity: { principal, key: principal, verified: true } };
    if (verdict === 'invalid') return { ok: false, status: 401, message: 'Nomad does not accept this token (ACL token not found): send a valid Nomad ACL token.' };
    // Nomad without ACLs: any string passes, so the address is the identity limits count on;
    // the session stays bound to the token too (an attacker needs both)
    if (verdict === 'acl-disabled') return { ok: true, identity: { principal, key: `addr:${remote}`, verified: true } };
    // Nomad could not say (down, 5xx): unverified, limited with everyone unverified at this address
    return { ok: true, identity: { principal, key: `unverified:${remote}`, verified: false } };
  }

  /** The cached answer (fresh or not), moved to the most recently used end. */
  private lookup(digest: string, now: number) {
    const hit = this.cache.get(digest);
    if (!hit) return undefined;
    this.cache.delete(digest);
    if (hit.until <= now && hit.known <= now) return undefined;
    this.cache.set(digest, hit);
    return hit;
  }

  private async check(token: string, digest: string, known: boolean): Promise<TokenVerdict | undefined> {
    let verdict: TokenVerdict;
    try {
      verdict = await checkNomadToken(this.nomad, token);
    } catch {
      // Nomad cannot say now: a token it accepted minutes ago stays valid (asked again after cacheMs), any other is unverified
      const hit = this.cache.get(digest);
      if (!known || !hit) return undefined;
      hit.until = Date.now() + this.cacheMs;
      return 'valid';
    }
    const now = Date.now();
    this.cache.delete(digest);
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(digest, { verdict, until: now + this.cacheMs, known: verdict === 'valid' ? now + this.knownMs : 0 });
    return verdict;
  }
}
