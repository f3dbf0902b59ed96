import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, start } from './helpers.js';

describe('simulator: ACL tokens', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start({ seed: 'demo', aclTokens: ['secret-1', 'secret-2'], giteaToken: 'gt' });
  });
  afterAll(() => sim.close());

  it('needs a known token except for status leader/peers and regions', async () => {
    const none = await call(sim, 'GET', '/v1/jobs');
    expect([none.status, none.text]).toEqual([403, 'Permission denied']);
    expect((await call(sim, 'GET', '/v1/jobs', undefined, { 'X-Nomad-Token': 'wrong' })).status).toBe(403);
    expect((await call(sim, 'GET', '/v1/jobs', undefined, { 'X-Nomad-Token': 'secret-1' })).status).toBe(200);
    expect((await call(sim, 'GET', '/v1/jobs', undefined, { Authorization: 'Bearer secret-2' })).status).toBe(200);
    expect((await call(sim, 'GET', '/v1/status/leader')).status).toBe(200);
    expect((await call(sim, 'GET', '/v1/status/peers')).status).toBe(200);
    expect((await call(sim, 'GET', '/v1/regions')).status).toBe(200);
  });

  it('answers 500 Permission denied on logs, as Nomad 1.6–1.9 do (nomad/client_fs_endpoint.go ~374, ~409)', async () => {
    const alloc = (await call(sim, 'GET', '/v1/job/web/allocations', undefined, { 'X-Nomad-Token': 'secret-1' })).json[0].ID;
    // a bad token fails authentication before the allocation is looked up
    const bad = await call(sim, 'GET', '/v1/client/fs/logs/x?task=t&type=stdout', undefined, { 'X-Nomad-Token': 'wrong' });
    expect([bad.status, bad.text]).toEqual([500, 'Permission denied']);
    // no token is the anonymous token: it authenticates, then lacks read-logs
    const anon = await call(sim, 'GET', `/v1/client/fs/logs/${alloc}?task=server&type=stdout`);
    expect([anon.status, anon.text]).toEqual([500, 'Permission denied']);
    const unknown = await call(sim, 'GET', '/v1/client/fs/logs/x?task=t&type=stdout');
    expect([unknown.status, unknown.text]).toEqual([404, 'Unknown allocation "x"']);
  });

  it('describes the token in /v1/acl/token/self', async () => {
    const self = await call(sim, 'GET', '/v1/acl/token/self', undefined, { 'X-Nomad-Token': 'secret-1' });
    expect(self.json).toMatchObject({ SecretID: 'secret-1', Type: 'management' });
    expect((await call(sim, 'GET', '/v1/acl/token/self', undefined, { 'X-Nomad-Token': 'nope' })).status).toBe(403);
  });

  it('protects Gitea with its own token', async () => {
    const denied = await call(sim, 'GET', '/api/v1/repos/acme/web');
    expect(denied.status).toBe(401);
    expect(denied.json.message).toBeTruthy();
    const ok = await call(sim, 'GET', '/api/v1/repos/acme/web', undefined, { Authorization: 'token gt' });
    expect(ok.json).toMatchObject({ full_name: 'acme/web', owner: { login: 'acme' }, default_branch: 'main' });
  });

  it('says ACLs are disabled when no tokens are configured', async () => {
    const open = await start();
    try {
      const r = await call(open, 'GET', '/v1/acl/token/self');
      expect([r.status, r.text]).toEqual([400, 'ACL support disabled']);
    } finally {
      await open.close();
    }
  });
});
