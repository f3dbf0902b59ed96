import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeAclEnforcement } from '../../src/host/nomad-acl.js';
import { UpstreamRegistry } from '../../src/host/upstream.js';

// What GET /v1/acl/token/self answers without a token, per Nomad version (nomad/acl_endpoint.go ResolveToken,
// command/agent/acl_endpoint.go aclTokenSelf): ACLs off → 400 "ACL support disabled" (every version); ACLs on →
// 404 "ACL token not found" (1.9) or the anonymous token (1.10+, structs.AnonymousACLToken, AccessorID "anonymous").
let server: http.Server | undefined;
async function nomadAnswering(status: number, body: string): Promise<UpstreamRegistry> {
  server = http.createServer((_req, res) => res.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'text/plain' }).end(body));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return new UpstreamRegistry({ nomad: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, label: 'Nomad' } as never }, 2000);
}
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

describe('probeAclEnforcement', () => {
  it.each([
    ['1.9 with ACLs: 404 ACL token not found', 404, 'ACL token not found', 'enforced'],
    ['1.10 with ACLs: the anonymous token', 200, JSON.stringify({ AccessorID: 'anonymous', Name: 'Anonymous Token', Type: 'client', Policies: ['anonymous'] }), 'enforced'],
    ['without ACLs: 400 ACL support disabled', 400, 'ACL support disabled', 'disabled'],
    ['a proxy answering 403 in its own words', 403, 'Forbidden', 'unknown'],
    ['some other token for no token', 200, JSON.stringify({ AccessorID: 'a1b2', Type: 'management' }), 'unknown'],
  ])('%s', async (_label, status, body, state) => {
    const ups = await nomadAnswering(status, body);
    expect((await probeAclEnforcement(ups.get('nomad'))).state).toBe(state);
    await ups.close();
  });
});
