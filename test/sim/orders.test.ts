/**
 * The simulator gives Nomad's real orders, leaderless answers, paginator-less lists and asynchronous
 * evaluations, so a product test cannot pass on an order or a timing Nomad does not give.
 * Sources (Nomad v1.9.7): nomad/eval_endpoint.go ~698, deployment_endpoint.go ~488, alloc_endpoint.go ~84
 * (CreateIndex order, reversed with reverse=true); state_store.go …ByJob (a job's sub-lists by ID);
 * status_endpoint.go ~46/~69 (no leader); namespace_endpoint.go ~430 (no paginator); rpc.go blockingRPC
 * with eval_endpoint.go GetEval (an evaluation's index is its ModifyIndex); region_endpoint.go (no ACL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { call, simpleJob, start } from './helpers.js';

let sim: Simulator;

beforeAll(async () => {
  sim = await start({ seed: 'demo' });
  // a few more evaluations, deployments and allocations, so orders show
  for (let i = 0; i < 4; i++) await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob(`order-${i}`) });
});
afterAll(() => sim.close());

interface Item {
  ID: string;
  CreateIndex: number;
}

const ids = (list: Item[]) => list.map((x) => x.ID);
const byCreate = (list: Item[]) => ids([...list].sort((a, b) => a.CreateIndex - b.CreateIndex || (a.ID < b.ID ? -1 : 1)));

describe('list orders', () => {
  it.each(['/v1/evaluations', '/v1/deployments', '/v1/allocations'])('%s: CreateIndex ascending, descending with reverse=true, pages follow', async (path) => {
    const all = (await call<Item[]>(sim, 'GET', path)).json;
    expect(all.length).toBeGreaterThan(3);
    expect(ids(all)).toEqual(byCreate(all));
    expect(ids(all)).not.toEqual([...ids(all)].sort()); // not ID order (the IDs are random)
    const reversed = (await call<Item[]>(sim, 'GET', `${path}?reverse=true`)).json;
    expect(ids(reversed)).toEqual([...ids(all)].reverse());
    // paging: per_page=2 walks the same order; tokens are "<CreateIndex>.<ID>"
    const seen: string[] = [];
    let token = '';
    for (let guard = 0; guard < 100; guard++) {
      const page = await call<Item[]>(sim, 'GET', `${path}?reverse=true&per_page=2${token ? `&next_token=${token}` : ''}`);
      seen.push(...ids(page.json));
      token = page.headers.get('x-nomad-nexttoken') ?? '';
      if (!token) break;
      expect(token).toMatch(/^\d+\.[0-9a-f-]{36}$/);
    }
    expect(seen).toEqual(ids(reversed));
  });

  it("a job's allocations, evaluations and deployments come in ID order, not newest first", async () => {
    for (const sub of ['allocations', 'evaluations', 'deployments']) {
      const list = (await call<Item[]>(sim, 'GET', `/v1/job/web/${sub}`)).json;
      expect(list.length, sub).toBeGreaterThan(0);
      expect(ids(list), sub).toEqual([...ids(list)].sort());
    }
  });

  it('/v1/namespaces has no paginator: filter, per_page and next_token are ignored; prefix works', async () => {
    const all = (await call<{ Name: string }[]>(sim, 'GET', '/v1/namespaces')).json.map((n) => n.Name);
    const paged = await call<{ Name: string }[]>(sim, 'GET', '/v1/namespaces?per_page=1&filter=Name%20%3D%3D%20%22x%22&next_token=zzz');
    expect(paged.json.map((n) => n.Name)).toEqual(all);
    expect(paged.headers.get('x-nomad-nexttoken')).toBeNull();
    expect((await call<{ Name: string }[]>(sim, 'GET', '/v1/namespaces?prefix=sta')).json.map((n) => n.Name)).toEqual(['staging']);
  });
});

describe('no leader', () => {
  it('leader and peers answer 500 "No cluster leader" unless stale; stale gives "" and the raft peers', async () => {
    sim.faults.noLeader = true;
    try {
      for (const p of ['/v1/status/leader', '/v1/status/peers']) expect([(await call(sim, 'GET', p)).status, (await call(sim, 'GET', p)).text]).toEqual([500, 'No cluster leader']);
      const leader = await call(sim, 'GET', '/v1/status/leader?stale=true');
      expect([leader.status, leader.json]).toEqual([200, '']);
      expect(leader.headers.get('x-nomad-knownleader')).toBe('false');
      expect((await call(sim, 'GET', '/v1/status/peers?stale=true')).json).toEqual(['127.0.0.1:4647']);
    } finally {
      sim.faults.noLeader = false;
    }
  });
});

describe('evaluations and blocking queries', () => {
  it('a fresh evaluation is pending; a blocking query on it waits for it, not for other writes', async () => {
    const async = await startSimulator({ port: 0, seed: 'demo', evalDelayMs: 1500 });
    try {
      const reg = (await call<{ EvalID: string; EvalCreateIndex: number }>(async, 'PUT', '/v1/jobs', { Job: simpleJob('slow') })).json;
      const fresh = await call<{ Status: string; ModifyIndex: number }>(async, 'GET', `/v1/evaluation/${reg.EvalID}`);
      expect(fresh.json.Status).toBe('pending');
      expect(fresh.headers.get('x-nomad-index')).toBe(String(fresh.json.ModifyIndex));
      // an unrelated write moves the global index; the blocked read must not answer for it
      const order: string[] = [];
      const blocked = call<{ Status: string }>(async, 'GET', `/v1/evaluation/${reg.EvalID}?index=${fresh.json.ModifyIndex}&wait=10s`).then((r) => {
        order.push(`eval ${r.json.Status}`);
        return r;
      });
      await call(async, 'PUT', '/v1/var/unrelated', { Items: { a: '1' } });
      order.push('unrelated write');
      const done = await blocked;
      expect(order).toEqual(['unrelated write', 'eval complete']);
      expect(Number(done.headers.get('x-nomad-index'))).toBeGreaterThan(fresh.json.ModifyIndex);
    } finally {
      await async.close();
    }
  });

  it('/v1/regions needs no token', async () => {
    const acl = await start({ aclTokens: ['s3cret'] });
    try {
      expect((await call(acl, 'GET', '/v1/regions')).json).toEqual(['global']);
      expect((await call(acl, 'GET', '/v1/agent/self')).status).toBe(403);
    } finally {
      await acl.close();
    }
  });
});
