/**
 * The OAuth resource server's front door (MCP authorization; RFC 6750 errors; RFC 9728 metadata):
 * a bearer access token is validated, its scopes checked, and only then exchanged for the user's
 * Nomad token. Refusals carry the WWW-Authenticate header that points clients at the metadata.
 */
import type { Identity } from '../identity.js';
import type { TokenSource, Upstream } from '../upstream.js';
import { InvalidToken, JwtValidator } from './jwt.js';
import { LoginRefused, NomadLogin } from './nomad-login.js';

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

export interface OAuthSettings {
  issuer: string;
  /** This server's resource identifier (tokens' `aud`), also the `resource` of the metadata. */
  audience: string;
  jwksUri?: string;
  requiredScopes: string[];
  nomadAuthMethod: string;
}

export type GateResult =
  | { ok: true; identity: Identity; nomad: TokenSource; subject: string; accessorId: string; forCluster: (cluster: string) => TokenSource | undefined }
  | { ok: false; status: 401 | 403 | 503; message: string; wwwAuthenticate?: string };

/** A quoted-string for an auth-param (RFC 9110 §5.6.4): our own texts, with `"` and `\` escaped. */
function quoted(v: string): string {
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Another cluster whose profile says `sso: true`: its Nomad and the auth method users sign in at there. */
export interface SsoCluster {
  name: string;
  nomad: Upstream;
  authMethod: string;
}

export class OAuthGate {
  readonly validator: JwtValidator;
  readonly login: NomadLogin;
  /** One exchange (and cache) per other SSO cluster: a user's Nomad token there is cached per (subject, cluster). */
  readonly clusterLogins = new Map<string, NomadLogin>();

  constructor(readonly settings: OAuthSettings, nomad: Upstream, others: SsoCluster[] = []) {
    this.validator = new JwtValidator({ issuer: settings.issuer, audience: settings.audience, jwksUri: settings.jwksUri });
    this.login = new NomadLogin(nomad, settings.nomadAuthMethod);
    for (const c of others) this.clusterLogins.set(c.name, new NomadLogin(c.nomad, c.authMethod));
  }

  /** The RFC 9728 document, with the metadata URL of the server as clients reach it (`base`). */
  metadata(): Record<string, unknown> {
    return {
      resource: this.settings.audience,
      authorization_servers: [this.settings.issuer],
      scopes_supported: this.settings.requiredScopes,
      bearer_methods_supported: ['header'],
      resource_name: 'nomad-mcp',
    };
  }

  /** `Bearer resource_metadata="…"` plus the error, per RFC 6750 §3 and RFC 9728 §5.1. */
  challenge(metadataUrl: string, error?: { code: 'invalid_token' | 'insufficient_scope'; description: string; scope?: string }): string {
    const parts = [`resource_metadata=${quoted(metadataUrl)}`];
    if (this.settings.requiredScopes.length && !error) parts.push(`scope=${quoted(this.settings.requiredScopes.join(' '))}`);
    if (error) {
      parts.push(`error=${quoted(error.code)}`, `error_description=${quoted(error.description)}`);
      if (error.scope) parts.push(`scope=${quoted(error.scope)}`);
    }
    return `Bearer ${parts.join(', ')}`;
  }

  /** Validates `token` (undefined = none sent), checks scopes, then exchanges it for a Nomad token. */
  async admit(token: string | undefined, metadataUrl: string): Promise<GateResult> {
    if (!token) {
      return { ok: false, status: 401, message: 'Sign in: this server needs an OAuth access token (Authorization: Bearer).', wwwAuthenticate: this.challenge(metadataUrl) };
    }
    let v;
    try {
      v = await this.validator.validate(token);
    } catch (err) {
      const description = err instanceof InvalidToken ? err.message : 'the token cannot be checked';
      return { ok: false, status: 401, message: `Invalid access token: ${description}.`, wwwAuthenticate: this.challenge(metadataUrl, { code: 'invalid_token', description }) };
    }
    const missing = this.settings.requiredScopes.filter((s) => !v.scopes.includes(s));
    if (missing.length) {
      const scope = this.settings.requiredScopes.join(' ');
      const description = `the token lacks the scope ${missing.join(' ')}`;
      return { ok: false, status: 403, message: `Insufficient scope: ${description}.`, wwwAuthenticate: this.challenge(metadataUrl, { code: 'insufficient_scope', description, scope }) };
    }
    try {
      const grant = await this.login.grant(v.principal, token, v.expiresAt);
      const identity: Identity = { principal: v.principal, key: v.principal, verified: true };
      // other clusters sign the user in on their first call there (a user who never uses one never logs in to it)
      const forCluster = (cluster: string) => this.clusterLogins.get(cluster)?.lazySource(v.principal, token, v.expiresAt);
      return { ok: true, identity, subject: v.subject, accessorId: grant.accessorId, nomad: this.login.source(v.principal, token, grant, v.expiresAt), forCluster };
    } catch (err) {
      if (err instanceof LoginRefused) return { ok: false, status: err.status === 503 ? 503 : 403, message: err.message };
      throw err;
    }
  }
}

/**
 * Where clients find the metadata of `resource` (RFC 9728 §3.1: the well-known path inserted between
 * the host and the resource's path). This server answers under the bare path and any suffix.
 */
export function metadataUrlFor(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.origin}${METADATA_PATH}${path}`;
}

/** The settings `--auth oauth` needs, or the sentence saying which is missing. */
export function oauthSettings(o: { issuer?: string; audience?: string; jwksUri?: string; requiredScopes?: string[]; nomadAuthMethod?: string } | undefined): OAuthSettings | string {
  const missing = (['issuer', 'audience', 'nomadAuthMethod'] as const).filter((k) => !o?.[k]);
  if (missing.length) {
    return `--auth oauth needs oauth.${missing.join(', oauth.')} in the config file (or NOMAD_MCP_OAUTH_ISSUER, NOMAD_MCP_OAUTH_AUDIENCE, NOMAD_MCP_OAUTH_NOMAD_AUTH_METHOD)`;
  }
  for (const k of ['issuer', 'audience', 'jwksUri'] as const) {
    const v = o![k];
    if (v === undefined) continue;
    try {
      const u = new URL(v);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
    } catch {
      return `oauth.${k} "${v}" is not an http(s) URL`;
    }
  }
  return { issuer: o!.issuer!, audience: o!.audience!, jwksUri: o!.jwksUri, requiredScopes: o!.requiredScopes ?? [], nomadAuthMethod: o!.nomadAuthMethod! };
}
