import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/host/audit.js';
import { TokenVerifier } from '../../src/host/identity.js';
import { SessionTable } from '../../src/host/transports/sessions.js';
import { Upstream } from '../../src/host/upstream.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

const nomadAt = (url: string) => new Upstream('nomad', { url, tokenHeader: 'X-Nomad-Token', tokenPrefix: '' }, 5000);

describe('TokenVerifier (passthrough identity) against the simulator', () => {
  let sim: Simulator;
  let nomad: Upstream;
  const checks = (from: number) => sim.requests.slice(from).filter((q) => q.path === '/v1/acl/token/self').length;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 'demo', aclTokens: ['good-token'] });
    nomad = nomadAt(sim.url);
  });
  afterAll(async () => {
    await nomad.close();
    await sim.close();
  });

  it('a token Nomad accepts is a verified identity named by its fingerprint, checked once while cached', async () => {
    const v = new TokenVerifier(nomad);
    const from = sim.requests.length;
    const rs = await Promise.all(Array.from({ length: 5 }, () => v.resolve('good-token', '10.0.0.1')));
    expect(checks(from)).toBe(1);
    for (const r of rs) expect(r).toEqual({ ok: true, identity: { principal: fingerprint('good-token'), key: fingerprint('good-token'), verified: true } });
  });

  it('made-up tokens: 401 each, and one address gets only its bucket of Nomad calls', async () => {
    const v = new TokenVerifier(nomad, { unverifiedPerMinute: 4 });
    const from = sim.requests.length;
    const rs = [];
    for (let i = 0; i < 12; i++) rs.push(await v.resolve(`made-up-${i}`, '10.0.0.2'));
    expect(rs.slice(0, 4).every((r) => !r.ok && r.status === 401)).toBe(true);
    expect(rs.slice(4).every((r) => !r.ok && r.status === 429 && (r.retryAfter ?? 0) > 0)).toBe(true);
    expect(checks(from)).toBe(4);
    // another address has its own bucket; a cached refusal costs nothing
    expect(await v.resolve('made-up-0', '10.0.0.2')).toMatchObject({ ok: false, status: 401 });
    expect(await v.resolve('made-up-x', '10.0.0.3')).toMatchObject({ ok: false, status: 401 });
    expect(checks(from)).toBe(5);
  });

  it('when Nomad cannot answer, a new token is unverified (limits shared per address), a known one stays valid', async () => {
    const v = new TokenVerifier(nomad, { cacheMs: 0 });
    expect(await v.resolve('good-token', '10.0.0.4')).toMatchObject({ ok: true, identity: { verified: true } });
    sim.faults.failStatus = 500;
    sim.faults.failCount = 1000;
    try {
      expect(await v.resolve('good-token', '10.0.0.4')).toMatchObject({ ok: true, identity: { key: fingerprint('good-token'), verified: true } });
      const r = await v.resolve('someone-new', '10.0.0.4');
      expect(r).toEqual({ ok: true, identity: { principal: fingerprint('someone-new'), key: 'unverified:10.0.0.4', verified: false } });
    } finally {
      sim.faults.failCount = 0;
      sim.faults.failStatus = 0;
    }
  });

  it('a Nomad without ACLs: the address is the limit key, the token still names the session owner', async () => {
    const open = await startSimulator({ port: 0 });
    const u = nomadAt(open.url);
    try {
      const v = new TokenVerifier(u);
      const r = await v.resolve('anything', '10.0.0.5');
      expect(r).toEqual({ ok: true, identity: { principal: fingerprint('anything'), key: 'addr:10.0.0.5', verified: true } });
    } finally {
      await u.close();
      await open.close();
    }
  });
});

describe('SessionTable', () => {
  const alice = { principal: 'sha256:alice', key: 'sha256:alice', verified: true };
  const bob = { principal: 'sha256:bob', key: 'sha256:bob', verified: true };
  const anon1 = { principal: 'sha256:x1', key: 'unverified:10.0.0.9', verified: false };
  const anon2 = { principal: 'sha256:x2', key: 'unverified:10.0.0.9', verified: false };

  it('caps per identity (429), unverified callers of one address together, and in total (503)', () => {
    const t = new SessionTable<string>('sessions', { perIdentity: 2, unverified: 1, global: 4 });
    for (const id of ['a1', 'a2']) {
      expect(t.reserve(alice)).toBeUndefined();
      t.bind(id, id, alice);
    }
    expect(t.reserve(alice)).toEqual({ status: 429, message: 'Too many sessions for this identity (2); close some first (idle ones expire).' });
    expect(t.reserve(anon1)).toBeUndefined();
    t.bind('x1', 'x1', anon1);
    expect(t.reserve(anon2)?.message).toMatch(/unverified callers at this address \(1\)/);
    expect(t.reserve(bob)).toBeUndefined();
    t.bind('b1', 'b1', bob);
    expect(t.reserve(bob)?.status).toBe(503);
    t.remove('a1');
    t.remove('a1');
    expect(t.reserve(bob)).toBeUndefined();
    t.release(bob);
    expect(t.size).toBe(3);
  });

  it('a session answers only to its owner, and expires when idle with no open request', () => {
    const t = new SessionTable<string>('sessions', { perIdentity: 5, unverified: 1, global: 10 });
    t.reserve(alice);
    t.bind('s', 'transport-s', alice, 1000);
    expect(t.lookup('s', alice)).toBe('transport-s');
    expect(t.lookup('s', bob)).toBe('foreign');
    expect(t.lookup('nope', alice)).toBeUndefined();
    const done = t.touch('s', 2000);
    expect(t.idle(100, 10_000)).toEqual([]);
    done();
    expect(t.idle(100, Date.now() + 200)).toEqual(['transport-s']);
  });
});
