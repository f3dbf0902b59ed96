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
