import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, eventually, readUntil, simpleJob, start } from './helpers.js';

describe('simulator: blocking queries and the event stream', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start({ seed: 'demo', heartbeatMs: 30 });
  });
  afterAll(() => sim.close());

  it('blocks until a write moves the index', async () => {
    const first = await call(sim, 'GET', '/v1/jobs');
    const index = Number(first.headers.get('x-nomad-index'));
    const pending = call(sim, 'GET', `/v1/jobs?index=${index}&wait=5s`);
    await eventually(() => sim.openStreams() === 1);
    await call(sim, 'PUT', '/v1/var/touch', { Items: { a: 'b' } });
    const r = await pending;
    expect(Number(r.headers.get('x-nomad-index'))).toBeGreaterThan(index);
    expect(sim.openStreams()).toBe(0);
  });

  it('returns when wait runs out, and rejects a wait without unit', async () => {
    const index = Number((await call(sim, 'GET', '/v1/jobs')).headers.get('x-nomad-index'));
    const r = await call(sim, 'GET', `/v1/jobs?index=${index}&wait=50ms`);
    expect(r.status).toBe(200);
    expect(Number(r.headers.get('x-nomad-index'))).toBe(index);
    const bad = await call(sim, 'GET', `/v1/jobs?index=${index}&wait=5`);
    expect([bad.status, bad.text]).toEqual([400, 'Invalid wait time']);
  });

  it('drops a blocking query when the client goes away', async () => {
    const index = Number((await call(sim, 'GET', '/v1/jobs')).headers.get('x-nomad-index'));
    const ac = new AbortController();
    const p = fetch(`${sim.url}/v1/jobs?index=${index}&wait=60s`, { signal: ac.signal }).catch(() => undefined);
    await eventually(() => sim.openStreams() === 1);
    ac.abort();
    await p;
    await eventually(() => sim.openStreams() === 0);
  });

  it('streams events as NDJSON after a {} line', async () => {
    const ac = new AbortController();
    const res = await fetch(`${sim.url}/v1/event/stream?topic=Job:ev&topic=Allocation`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('application/json');
    await eventually(() => sim.openStreams() === 1);
    await call(sim, 'PUT', '/v1/jobs', { Job: simpleJob('ev', {}, { Count: 1 }) });
    const text = await readUntil(res, (t) => t.includes('JobRegistered') && t.includes('AllocationUpdated'));
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({});
    const events = lines.flatMap((l) => l.Events ?? []);
    const reg = events.find((e: any) => e.Type === 'JobRegistered');
    expect(reg).toMatchObject({ Topic: 'Job', Key: 'ev', Namespace: 'default', Payload: { Job: { ID: 'ev' } } });
    expect(events.some((e: any) => e.Topic === 'Allocation' && e.Payload.Allocation.JobID === 'ev')).toBe(true);
    expect(events.every((e: any) => e.Topic !== 'Evaluation')).toBe(true);
    const more = await readUntil(res, (t) => t.includes('{}'));
    expect(more).toContain('{}');
    ac.abort();
    await eventually(() => sim.openStreams() === 0);
  });

  it('closes open streams on close()', async () => {
    const other = await start({ seed: 'demo', heartbeatMs: 30 });
    const ac = new AbortController();
    const res = await fetch(`${other.url}/v1/event/stream`, { signal: ac.signal });
    await eventually(() => other.openStreams() === 1);
    await other.close();
    expect(other.openStreams()).toBe(0);
    await readUntil(res, () => false, 200).catch(() => '');
  });
});
