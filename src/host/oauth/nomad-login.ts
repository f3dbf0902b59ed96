/**
 * The exchange of a user's access token for a Nomad ACL token: `POST /v1/acl/login
 * {AuthMethodName, LoginToken}` against a Nomad JWT auth method (api/acl.go ACLAuth.Login; answered
 * by nomad/acl_endpoint.go ACL.Login with the ACLToken it created, which carries ExpirationTime from
 * the auth method's MaxTokenTTL). The user's token is never sent to Nomad as a Nomad token.
 *
 * Nomad tokens are cached per subject until shortly before their ExpirationTime; after a 403, a
 * `GET /v1/acl/token/self` tells a revoked or expired token (evicted, exchanged again once) from a
 * valid one that lacks the capability (the 403 stands). Secrets never leave this module but in the
 * X-Nomad-Token header: not in errors, logs or the audit.
 */
import { ToolError } from '../errors.js';
import type { TokenSource, Upstream } from '../upstream.js';

/** A Nomad token obtained for one subject. */
export interface NomadGrant {
  accessorId: string;
  /** Secret: only ever put in the X-Nomad-Token header. */
  secret: string;
  /** When to exchange again (ms since the epoch). */
  refreshAt: number;
}

/** A login Nomad refused or that this server refuses; the message is safe to show the user. */
export class LoginRefused extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

interface AclTokenAnswer {
  AccessorID?: string;
  SecretID?: string;
  Type?: string;
  ExpirationTime?: string | null;
}

export interface NomadLoginOptions {
  /** Exchange again this long before the Nomad token expires (default 60 s). */
  renewBeforeMs?: number;
  /** A token without an ExpirationTime is kept at most this long (default 15 minutes). */
  maxCacheMs?: number;
  /** Subjects cached at most (least recently used dropped first; default 10,000). */
  cacheSize?: number;
}

export class NomadLogin {
  private readonly cache = new Map<string, NomadGrant>();
  private readonly inFlight = new Map<string, Promise<NomadGrant>>();
  private readonly renewBefore: number;
  private readonly maxCache: number;
  private readonly cacheSize: number;
  /** Logins made (for tests and `doctor`). */
  logins = 0;

  constructor(private readonly nomad: Upstream, readonly authMethod: string, opts: NomadLoginOptions = {}) {
    this.renewBefore = opts.renewBeforeMs ?? 60_000;
    this.maxCache = opts.maxCacheMs ?? 15 * 60_000;
    this.cacheSize = opts.cacheSize ?? 10_000;
  }

  /** The subject's Nomad token: cached, or exchanged now (concurrent requests of one subject share one login). */
  async grant(principal: string, loginToken: string, jwtExpiresAt?: number): Promise<NomadGrant> {
    const hit = this.cache.get(principal);
    if (hit && hit.refreshAt > Date.now()) {
      this.cache.delete(principal);
      this.cache.set(principal, hit);
      return hit;
    }
    let pending = this.inFlight.get(principal);
    if (!pending) {
      pending = this.login(loginToken, jwtExpiresAt)
        .then((g) => {
          this.cache.delete(principal);
          if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
          this.cache.set(principal, g);
          return g;
        })
        .finally(() => this.inFlight.delete(principal));
      this.inFlight.set(principal, pending);
    }
    return pending;
  }

  /**
   * The token source of one request: the grant it was authenticated with, and after a 403 one new
   * exchange when Nomad no longer knows the token.
   */
  source(principal: string, loginToken: string, first: NomadGrant, jwtExpiresAt?: number): TokenSource {
    let current = first;
    let renewed = false;
    return {
      current: async () => current.secret,
      renew: async (rejected) => {
        if (renewed) return undefined;
        renewed = true;
        if (await this.stillValid(rejected)) return undefined;
        if (this.cache.get(principal)?.secret === rejected) this.cache.delete(principal);
        current = await this.grant(principal, loginToken, jwtExpiresAt);
        return current.secret === rejected ? undefined : current.secret;
      },
    };
  }

  /**
   * A token source that signs the user in on first use (another cluster's exchange): a refused sign-in
   * is the call's error, in Nomad's words.
   */
  lazySource(principal: string, loginToken: string, jwtExpiresAt?: number): TokenSource {
    let inner: Promise<TokenSource> | undefined;
    const get = () =>
      (inner ??= this.grant(principal, loginToken, jwtExpiresAt).then(
        (g) => this.source(principal, loginToken, g, jwtExpiresAt),
        (err: unknown) => {
          inner = undefined;
          throw err instanceof LoginRefused ? new ToolError(err.message, err.status === 503 ? 'upstream' : 'caller', err.status) : err;
        },
      ));
    return { current: async () => (await get()).current(), renew: async (rejected) => (await get()).renew(rejected) };
  }

  /** Whether Nomad still accepts a token (a 403 with it then means a missing capability). */
  private async stillValid(secret: string): Promise<boolean> {
    try {
      await this.nomad.get('/v1/acl/token/self', { token: secret, timeoutMs: 5000 });
      return true;
    } catch (err) {
      if (err instanceof ToolError && (err.status === 403 || err.status === 404 || err.status === 401)) return false;
      // Nomad cannot say: keep the 403 rather than exchange again
      return true;
    }
  }

  private async login(loginToken: string, jwtExpiresAt?: number): Promise<NomadGrant> {
    this.logins++;
    let data: AclTokenAnswer;
    try {
      // no X-Nomad-Token: ACL.Login needs none (nomad/acl_endpoint.go ACL.Login checks no ACL)
      ({ data } = await this.nomad.post<AclTokenAnswer>('/v1/acl/login', { AuthMethodName: this.authMethod, LoginToken: loginToken }, { token: null, timeoutMs: 10_000 }));
    } catch (err) {
      if (err instanceof ToolError && err.status !== undefined && err.status >= 400 && err.status < 500) {
        // Nomad's own words (its error bodies never echo the login token): 400 "no role or policy
        // bindings matched", 401 "unable to validate provided token: …", 400 "auth-method … not found"
        throw new LoginRefused(`Nomad refused the sign-in at auth method "${this.authMethod}": ${nomadText(err.message)}`, 403);
      }
      throw new LoginRefused(`Nomad cannot sign you in now: ${(err as Error).message}`, 503);
    }
    if (!data || typeof data.SecretID !== 'string' || typeof data.AccessorID !== 'string') {
      throw new LoginRefused('Nomad answered the sign-in without a token.', 503);
    }
    if (data.Type === 'management') {
      // a binding rule of BindType management: this server never acts with a management token for a user
      throw new LoginRefused(
        `Nomad's auth method "${this.authMethod}" gave a management token for this identity; nomad-mcp refuses it. Bind users to roles or policies instead (BindType role or policy).`,
        403,
      );
    }
    const now = Date.now();
    const expires = data.ExpirationTime ? Date.parse(data.ExpirationTime) : NaN;
    let refreshAt = Number.isFinite(expires) && expires > 0 ? Math.max(now, expires - this.renewBefore) : now + this.maxCache;
    if (jwtExpiresAt !== undefined) refreshAt = Math.min(refreshAt, Math.max(now, jwtExpiresAt));
    return { accessorId: data.AccessorID, secret: data.SecretID, refreshAt };
  }
}

/** The message Nomad sent, without the upstream client's decorations. */
function nomadText(message: string): string {
  const m = message.replace(/^Nomad \d+: /, '');
  const cut = m.indexOf(' (POST /v1/acl/login)');
  return cut >= 0 ? m.slice(0, cut) : m;
}
