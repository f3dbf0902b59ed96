/** Whether Nomad enforces ACLs: per-user passthrough (`--auth nomad`) means nothing when it does not. */
import { ToolError } from './errors.js';
import type { Upstream } from './upstream.js';

export type AclEnforcement = { state: 'enforced' } | { state: 'disabled' } | { state: 'unknown'; reason: string };

/**
 * Asks `GET /v1/acl/token/self` with no token. A Nomad agent with ACLs disabled answers
 * 400 "ACL support disabled": the HTTP handler (command/agent/acl_endpoint.go, aclTokenSelf) calls
 * ACL.ResolveToken, which returns `aclDisabled = structs.NewErrRPCCoded(400, "ACL support disabled")`
 * before anything else when `!ACLEnabled` (nomad/acl_endpoint.go v1.9.7 :36 and :1070; v1.6.0 :35).
 * With ACLs enabled the same request finds no token: 404 "ACL token not found" (aclTokenSelf), or
 * 403 "Permission denied" / "ACL token not found" where a gateway resolves the token first: enforced.
 * `stale=true` lets any server answer, so a cluster electing a leader still gets an answer.
 */
export async function probeAclEnforcement(nomad: Upstream, timeoutMs = 5000): Promise<AclEnforcement> {
  try {
    const r = await nomad.get<{ AccessorID?: string } | null>('/v1/acl/token/self', { token: null, query: { stale: true }, timeoutMs });
    // Nomad 1.10+ resolves no token to its anonymous token (AccessorID "anonymous", structs.AnonymousACLToken) instead of
    // answering 404; ResolveToken answers 400 before that when ACLs are off, so the anonymous token means enforced
    if (r.data?.AccessorID === 'anonymous') return { state: 'enforced' };
    // any other token for no token: whatever answered this is not plainly Nomad
    return { state: 'unknown', reason: 'GET /v1/acl/token/self without a token was answered with a token' };
  } catch (err) {
    if (!(err instanceof ToolError)) return { state: 'unknown', reason: (err as Error).message };
    const said = (text: string) => err.message.includes(text);
    if (err.status === 400 && said('ACL support disabled')) return { state: 'disabled' };
    // only Nomad's own refusals count: a 403 from a proxy in front of it proves nothing
    if ((err.status === 403 || err.status === 404) && (said('ACL token not found') || said('Permission denied'))) return { state: 'enforced' };
    return { state: 'unknown', reason: err.message };
  }
}
