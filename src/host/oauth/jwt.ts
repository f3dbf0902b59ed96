/**
 * Access-token validation for the OAuth resource server, all through `jose`: the signature against
 * the issuer's JWKS (fetched once, refetched on an unknown `kid` at most once per cooldown), `iss`,
 * `aud`, `exp`/`nbf` with a small leeway, and an allow-list of asymmetric algorithms (never `none`,
 * never HMAC, so a public key can never be used as an HMAC secret).
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/** Asymmetric algorithms only. */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export interface JwtValidatorOptions {
  issuer: string;
  audience: string;
  /** The issuer's JWKS; discovered from its metadata (OpenID, then RFC 8414) when absent. */
  jwksUri?: string;
  /** Leeway on exp/nbf (default 30 s). */
  leewaySec?: number;
  /** Shortest time between two JWKS fetches (default 30 s): an unknown kid costs at most one fetch per cooldown. */
  cooldownMs?: number;
}

/** A validated token: who, and what it may do. */
export interface Validated {
  subject: string;
  /** `sub:<issuer digest>:<sub>`: what sessions, caps and rate limits key on. */
  principal: string;
  scopes: string[];
  /** Expiry in ms since the epoch. */
  expiresAt?: number;
}

/** Why a token is refused, in words fit for `error_description` (never the token itself). */
export class InvalidToken extends Error {}

/** The scopes of a token: `scope` (space-separated) or `scp` (an array, or a string). */
export function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === 'string') return raw.split(' ').filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return [];
}

/** A short digest of the issuer, so the same `sub` from two issuers are two principals. */
export function issuerDigest(issuer: string): string {
  return createHash('sha256').update(issuer).digest('hex').slice(0, 8);
}

/** The metadata documents an issuer may publish, in the order tried. */
export function metadataUrls(issuer: string): string[] {
  const u = new URL(issuer);
  const path = u.pathname.replace(/\/+$/, '');
  return [
    // OpenID Connect Discovery 1.0 §4: appended to the issuer
    `${u.origin}${path}/.well-known/openid-configuration`,
    // RFC 8414 §3: inserted between the host and the issuer's path
    `${u.origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

async function discoverJwks(issuer: string): Promise<string> {
  const problems: string[] = [];
  for (const url of metadataUrls(issuer)) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
      if (!res.ok) {
        problems.push(`${url}: ${res.status}`);
        continue;
      }
      const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
      // both specs: the document's issuer must be the one it was fetched for
      if (doc.issuer !== issuer) throw new Error(`${url} names issuer ${JSON.stringify(doc.issuer)}, not ${issuer}`);
      if (typeof doc.jwks_uri !== 'string') throw new Error(`${url} has no jwks_uri`);
      return doc.jwks_uri;
    } catch (err) {
      problems.push(`${url}: ${(err as Error).message}`);
    }
  }
  throw new Error(`cannot discover the JWKS of ${issuer} (${problems.join('; ')})`);
}

export class JwtValidator {
  private jwks?: Promise<JWTVerifyGetKey>;
  readonly issuer: string;
  readonly audience: string;
  private readonly leeway: number;

  constructor(private readonly opts: JwtValidatorOptions) {
    this.issuer = opts.issuer;
    this.audience = opts.audience;
    this.leeway = opts.leewaySec ?? 30;
  }

  /**
   * The key set, discovered once (a failed discovery is tried again on the next token). jose keeps
   * the keys and refetches them when they are stale; a token with an unknown `kid` (a rotated key)
   * forces one more refetch, at most once per cooldown, whatever the kid, so made-up kids cannot make
   * this server hammer the issuer.
   */
  private keySet(): Promise<JWTVerifyGetKey> {
    if (!this.jwks) {
      const cooldown = this.opts.cooldownMs ?? 30_000;
      this.jwks = (this.opts.jwksUri ? Promise.resolve(this.opts.jwksUri) : discoverJwks(this.issuer)).then((uri) => {
        const remote = createRemoteJWKSet(new URL(uri), { cooldownDuration: cooldown, cacheMaxAge: 10 * 60_000, timeoutDuration: 5000 });
        let lastForced = -Infinity;
        const getKey: JWTVerifyGetKey = async (header, token) => {
          try {
            return await remote(header, token);
          } catch (err) {
            if (!(err instanceof errors.JWKSNoMatchingKey) || !remote.coolingDown || Date.now() - lastForced < cooldown) throw err;
            lastForced = Date.now();
            await remote.reload();
            return remote(header, token);
          }
        };
        return getKey;
      });
      this.jwks.catch(() => {
        this.jwks = undefined;
      });
    }
    return this.jwks;
  }

  async validate(token: string): Promise<Validated> {
    let payload: JWTPayload;
    try {
      const keys = await this.keySet();
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: ALLOWED_ALGORITHMS,
        clockTolerance: this.leeway,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw new InvalidToken(reason(err));
    }
    const subject = payload.sub!;
    return {
      subject,
      principal: `sub:${issuerDigest(this.issuer)}:${subject}`,
      scopes: scopesOf(payload),
      expiresAt: payload.exp === undefined ? undefined : payload.exp * 1000,
    };
  }
}

/** jose's error in a sentence (jose's messages name claims, never values of the token). */
function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'the token is not valid yet';
    if (err.claim === 'iss') return 'the token was issued by another issuer';
    if (err.claim === 'aud') return 'the token is meant for another audience';
    return `the token's "${err.claim}" claim is invalid`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this server does not accept';
  if (err instanceof errors.JWKSNoMatchingKey) return 'the token is signed with a key the issuer does not publish';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return 'the issuer\'s keys cannot be fetched now';
  if (err instanceof errors.JOSEError) return 'the token is malformed';
  return `the token cannot be checked now (${(err as Error).message})`;
}
