/**
 * A cluster without a leader (faults.noLeader). Nomad forwards every RPC to the leader unless it is a
 * read with `stale` set (nomad/rpc.go forward ~589, getLeaderForRPC), so without one they answer 500
 * `No cluster leader`; /v1/status/leader and /v1/status/peers too (nomad/status_endpoint.go ~46, ~69),
 * and with `stale` the server answers from its own raft state: leader "" and the peer list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, start } from './helpers.js';

describe('simulator: no cluster leader', () => {
  let sim: Simulator;
  let alloc: string;
  beforeAll(async () => {
    sim = await start({ seed: 'demo', aclTokens: ['leaderless-mgmt'] });
    alloc = (await call(sim, 'GET', '/v1/job/web/allocations', undefined, { 'X-Nomad-Token': 'leaderless-mgmt' })).json[0].ID;
    sim.faults.noLeader = true;
  });
  afterAll(() => sim.close());
  const t = { 'X-Nomad-Token': 'leaderless-mgmt' };

  it('/v1/status/leader and /v1/status/peers answer 500 `No cluster leader` unless stale', async () => {
    for (const path of ['/v1/status/leader', '/v1/status/peers', '/v1/status/leader?stale=false']) {
      const r = await call(sim, 'GET', path);
      expect([r.status, r.text], path).toEqual([500, 'No cluster leader']);
    }
    const leader = await call(sim, 'GET', '/v1/status/leader?stale=true');
    expect([leader.status, leader.json, leader.headers.get('x-nomad-knownleader')]).toEqual([200, '', 'false']);
    expect((await call(sim, 'GET', '/v1/status/leader?stale')).json).toBe('');
    expect((await call(sim, 'GET', '/v1/status/peers?stale=true')).json).toEqual(['127.0.0.1:4647']);
    const bad = await call(sim, 'GET', '/v1/status/leader?stale=maybe');
    expect([bad.status, bad.text]).toEqual([400, 'Expect `true` or `false` for `stale` query string parameter']);
  });

  it('other reads need stale; writes fail even with it', async () => {
    expect([(await call(sim, 'GET', '/v1/jobs', undefined, t)).status, (await call(sim, 'GET', '/v1/jobs', undefined, t)).text]).toEqual([500, 'No cluster leader']);
    const stale = await call(sim, 'GET', '/v1/jobs?stale=true', undefined, t);
    expect([stale.status, stale.headers.get('x-nomad-knownleader')]).toEqual([200, 'false']);
    const write = await call(sim, 'DELETE', '/v1/job/web?stale=true', undefined, t);
    expect([write.status, write.text]).toEqual([500, 'No cluster leader']);
    const search = await call(sim, 'POST', '/v1/search/fuzzy?stale=true', { Text: 'web', Context: 'jobs' }, t);
    expect(search.status).toBe(200);
  });

  it('the missing leader is reported before a bad token is (forward runs before the auth error is returned)', async () => {
    const r = await call(sim, 'GET', '/v1/jobs', undefined, { 'X-Nomad-Token': 'wrong' });
    expect([r.status, r.text]).toEqual([500, 'No cluster leader']);
    expect((await call(sim, 'GET', '/v1/jobs?stale=true', undefined, { 'X-Nomad-Token': 'wrong' })).status).toBe(403);
  });

  it('what the agent answers itself still works: agent/self (no leader in its stats), members, regions, client endpoints, logs', async () => {
    const self = await call(sim, 'GET', '/v1/agent/self', undefined, t);
    expect(self.status).toBe(200);
    expect(self.json.stats.nomad).toMatchObject({ leader: 'false', leader_addr: '' });
    expect((await call(sim, 'GET', '/v1/agent/members', undefined, t)).status).toBe(200);
    expect((await call(sim, 'GET', '/v1/regions')).json).toEqual(['global']);
    expect((await call(sim, 'GET', `/v1/client/allocation/${alloc}/stats`, undefined, t)).status).toBe(200);
    expect((await call(sim, 'GET', `/v1/client/fs/logs/${alloc}?task=server&type=stdout&plain=true&origin=end&offset=10`, undefined, t)).status).toBe(200);
  });

  it('recovers when a leader is elected', async () => {
    sim.faults.noLeader = false;
    expect((await call(sim, 'GET', '/v1/status/leader')).json).toBe('127.0.0.1:4647');
    expect((await call(sim, 'GET', '/v1/jobs', undefined, t)).headers.get('x-nomad-knownleader')).toBe('true');
  });
});
