import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, start } from './helpers.js';

describe('simulator: faults', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start({ seed: 'demo' });
  });
  afterAll(() => sim.close());

  it('fails the next N requests with a status', async () => {
    sim.faults.failStatus = 503;
    sim.faults.failCount = 2;
    expect((await call(sim, 'GET', '/v1/jobs')).status).toBe(503);
    const second = await call(sim, 'GET', '/v1/jobs');
    expect([second.status, second.text]).toEqual([503, 'simulated failure']);
    expect((await call(sim, 'GET', '/v1/jobs')).status).toBe(200);
    sim.faults.failStatus = 0;
  });

  it('resets connections', async () => {
    sim.faults.resetConnection = 1;
    await expect(fetch(`${sim.url}/v1/jobs`)).rejects.toThrow();
    expect((await call(sim, 'GET', '/v1/jobs')).status).toBe(200);
  });

  it('truncates JSON bodies', async () => {
    sim.faults.truncateBody = 1;
    await expect(fetch(`${sim.url}/v1/jobs`).then((r) => r.text())).rejects.toThrow();
    expect((await call(sim, 'GET', '/v1/jobs')).json).toHaveLength(3);
  });

  it('answers HTML instead of JSON', async () => {
    sim.faults.nonJson = 1;
    const r = await call(sim, 'GET', '/v1/jobs');
    expect([r.status, r.headers.get('content-type'), r.text]).toEqual([200, 'text/html', '<html>gateway error</html>']);
    expect((await call(sim, 'GET', '/v1/jobs')).json).toHaveLength(3);
  });

  it('delays responses and gives up when the client disconnects', async () => {
    sim.faults.delayMs = 30;
    expect((await call(sim, 'GET', '/v1/status/leader')).status).toBe(200);
    sim.faults.delayMs = 5000;
    const ac = new AbortController();
    const p = fetch(`${sim.url}/v1/jobs`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toThrow();
    sim.faults.delayMs = 0;
    expect((await call(sim, 'GET', '/v1/jobs')).status).toBe(200);
  });
});

describe('simulator: per-endpoint faults', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start({ seed: 'demo' });
  });
  afterAll(() => sim.close());

  it('fails only the requests matching the method and path pattern, with the given status and text', async () => {
    sim.faults.endpoints.push({ method: 'GET', path: '/v1/agent/self', status: 403, text: 'Permission denied' });
    try {
      const r = await call(sim, 'GET', '/v1/agent/self');
      expect([r.status, r.text, r.headers.get('content-type')]).toEqual([403, 'Permission denied', 'text/plain; charset=utf-8']);
      expect((await call(sim, 'GET', '/v1/agent/self')).status).toBe(403);
      expect((await call(sim, 'PUT', '/v1/agent/self')).status).toBe(405);
      expect((await call(sim, 'GET', '/v1/agent/members')).status).toBe(200);
    } finally {
      sim.faults.endpoints.length = 0;
    }
    expect((await call(sim, 'GET', '/v1/agent/self')).status).toBe(200);
  });

  it('matches `*` in the path and counts down when given a count', async () => {
    sim.faults.endpoints.push({ path: '/v1/job/*/allocations', status: 500, text: 'rpc error: EOF', count: 2 });
    try {
      const first = await call(sim, 'GET', '/v1/job/web/allocations');
      expect([first.status, first.text]).toEqual([500, 'rpc error: EOF']);
      expect((await call(sim, 'GET', '/v1/job/web')).status).toBe(200);
      expect((await call(sim, 'GET', '/v1/job/batch-report/allocations')).status).toBe(500);
      expect((await call(sim, 'GET', '/v1/job/web/allocations')).status).toBe(200);
      expect(sim.faults.endpoints[0].count).toBe(0);
    } finally {
      sim.faults.endpoints.length = 0;
    }
  });
});
