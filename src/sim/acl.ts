/** ACL: token checks for every request and /v1/acl/token/self, /v1/acl/policies. */
import { coded, type Ctx } from './http.js';
import type { AclToken, SimState } from './state.js';

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

export function registerTokens(state: SimState, secrets: string[]): void {
  secrets.forEach((secret, i) => {
    const t: AclToken = {
      AccessorID: state.ids.uuid(),
      SecretID: secret,
      Name: i === 0 ? 'Bootstrap Token' : `token-${i + 1}`,
      Type: 'management',
      Policies: [],
      Roles: [],
      Global: true,
      CreateTime: new Date().toISOString(),
      ExpirationTime: null,
      CreateIndex: state.index,
      ModifyIndex: state.index,
    };
    state.aclTokens.set(secret, t);
  });
}

/** Whether the request's token is valid (always true when ACLs are off). */
export function tokenAllowed(ctx: Ctx): boolean {
  if (ctx.env.aclTokens === undefined) return true;
  return ctx.state.aclTokens.has(requestToken(ctx));
}

export function tokenSelf(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  // an agent without ACLs: ACL.ResolveToken returns aclDisabled first (nomad/acl_endpoint.go v1.9.7 :36, :1070)
  if (ctx.env.aclTokens === undefined) throw coded(400, 'ACL support disabled');
  const t = ctx.state.aclTokens.get(requestToken(ctx));
  if (!t) throw coded(403, 'Permission denied');
  return { ...t, Hash: Buffer.from(t.AccessorID).toString('base64') };
}

export function policies(ctx: Ctx): unknown {
  ctx.requireMethod('GET');
  if (ctx.env.aclTokens === undefined) throw coded(400, 'ACL support disabled');
  return [];
}
