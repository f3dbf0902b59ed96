/**
 * The simulator's operator, quota and scaling endpoints answer with Nomad v1.9.7's statuses and texts
 * (command/agent/operator_endpoint.go, command/agent/http_ce.go, command/agent/scaling_endpoint.go).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { addRaftPeer } from '../../src/sim/operator.js';
import { call, simpleJob, start } from './helpers.js';

const MGMT = 'sim-operator-management-0000001';
const H = { 'X-Nomad-Token': MGMT };
let sim: Simulator;

beforeAll(async () => {
  sim = await start({
    aclTokens: [MGMT],
    acl: {
      policies: { other: 'namespace "other" {\n  policy = "read"\n}' },
      tokens: [{ secret: 'sim-operator-other-00000000001', policies: ['other'] }],
    },
  });
});
afterAll(() => sim?.close());

describe('operator', () => {
  it('raft: another sub-path is 404 "Invalid method", another method 405 with no body; unknown token 403', async () => {
    expect(await call(sim, 'GET', '/v1/operator/raft/nope', undefined, H)).toMatchObject({ status: 404, text: 'Invalid method' });
    expect(await call(sim, 'PUT', '/v1/operator/raft/configuration', {}, H)).toMatchObject({ status: 405, text: '' });
    expect(await call(sim, 'GET', '/v1/operator/raft/configuration', undefined, { 'X-Nomad-Token': 'unknown' })).toMatchObject({ status: 403, text: 'Permission denied' });
  });

  it('autopilot health: 200 while healthy, 429 with the same report once a server is not', async () => {
    const ok = await call<{ Healthy: boolean; Servers: unknown[] }>(sim, 'GET', '/v1/operator/autopilot/health', undefined, H);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ Healthy: true, FailureTolerance: 0, Voters: ['c6e4f2b4-5a1d-4f7e-9d0c-2b8f8e1a9d3e'] });
    addRaftPeer(sim.state, { id: 'a', name: 'b.global', address: '10.0.0.2:4647', voter: true, serf: 'alive' });
    addRaftPeer(sim.state, { id: 'c', name: 'c.global', address: '10.0.0.3:4647', voter: true, serf: 'alive' });
    const three = await call<{ Healthy: boolean; FailureTolerance: number }>(sim, 'GET', '/v1/operator/autopilot/health', undefined, H);
    expect(three.json).toMatchObject({ Healthy: true, FailureTolerance: 1 });
    addRaftPeer(sim.state, { id: 'd', name: 'd.global', address: '10.0.0.4:4647', voter: true, serf: 'failed' });
    const bad = await call<{ Healthy: boolean; FailureTolerance: number }>(sim, 'GET', '/v1/operator/autopilot/health', undefined, H);
    expect(bad.status).toBe(429);
    expect(bad.json).toMatchObject({ Healthy: false, FailureTolerance: 0 });
    // the failed server is still a serf member; /v1/status/peers is the raft configuration
    const members = await call<{ Members: { Name: string; Status: string }[] }>(sim, 'GET', '/v1/agent/members', undefined, H);
    expect(members.json.Members.map((m) => `${m.Name}:${m.Status}`)).toEqual(['nomad-sim.global:alive', 'b.global:alive', 'c.global:alive', 'd.global:failed']);
    expect((await call(sim, 'GET', '/v1/status/peers')).json).toEqual(['127.0.0.1:4647', '10.0.0.2:4647', '10.0.0.3:4647', '10.0.0.4:4647']);
  });

  it('scheduler configuration: other methods than GET and PUT/POST are 405', async () => {
    expect(await call(sim, 'DELETE', '/v1/operator/scheduler/configuration', undefined, H)).toMatchObject({ status: 405, text: 'Invalid method' });
  });
});

describe('Enterprise endpoints on Community Edition', () => {
  it('quotas answer 501 "Nomad Enterprise only endpoint" before any token check', async () => {
    for (const path of ['/v1/quotas', '/v1/quota/default', '/v1/quota-usages']) {
      expect(await call(sim, 'GET', path, undefined, { 'X-Nomad-Token': 'not-a-token' })).toMatchObject({ status: 501, text: 'Nomad Enterprise only endpoint' });
    }
  });
});

describe('scaling policies', () => {
  it('come from the groups\' scaling blocks; GetPolicy checks the request namespace and looks up by ID alone', async () => {
    const job = simpleJob('scaled', {}, { Scaling: { Min: 1, Max: 3 } });
    expect((await call(sim, 'PUT', '/v1/jobs', { Job: job }, H)).status).toBe(200);
    const list = await call<{ ID: string; Target: Record<string, string>; Enabled: boolean }[]>(sim, 'GET', '/v1/scaling/policies?job=scaled', undefined, H);
    expect(list.json).toEqual([expect.objectContaining({ Type: 'horizontal', Target: { Namespace: 'default', Job: 'scaled', Group: 'g' }, Enabled: true })]);
    const id = list.json[0].ID;
    expect((await call(sim, 'GET', `/v1/scaling/policy/${id}`, undefined, H)).json).toMatchObject({ ID: id, Min: 1, Max: 3 });
    expect(await call(sim, 'GET', '/v1/scaling/policy/nope', undefined, H)).toMatchObject({ status: 404, text: 'policy not found' });
    // a token with read in namespace "other" reads a default-namespace policy by asking in "other" (nomad/scaling_endpoint.go ~118–132)
    const other = { 'X-Nomad-Token': 'sim-operator-other-00000000001' };
    expect((await call(sim, 'GET', `/v1/scaling/policy/${id}?namespace=other`, undefined, other)).status).toBe(200);
    expect(await call(sim, 'GET', `/v1/scaling/policy/${id}`, undefined, other)).toMatchObject({ status: 403, text: 'Permission denied' });
    expect((await call(sim, 'GET', '/v1/scaling/policies?namespace=other', undefined, other)).json).toEqual([]);
  });
});
