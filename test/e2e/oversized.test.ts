import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';

let sim: Simulator;
let mcp: Connected;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo', extraJobs: 20_000 });
  mcp = await connectStdio({ NOMAD_ADDR: sim.url });
}, 60_000);

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

describe('oversized answers stay bounded', () => {
  it('a cluster of 20,000 jobs: list_jobs pages, and says how to get more', async () => {
    const r = await mcp.call('list_jobs');
    expect(r.isError, r.text).toBe(false);
    expect(Buffer.byteLength(r.text)).toBeLessThan(30_000);
    expect(r.text).toMatch(/More results exist: call list_jobs again with next_token="[^"]+"/);
    const q = sim.requests.filter((x) => x.path === '/v1/jobs').pop()!;
    expect(q.query.per_page).toBe('100');
  });

  it('asking for a huge page is truncated with a marker and a hint', async () => {
    const r = await mcp.call('list_jobs', { per_page: 1000 });
    expect(r.isError, r.text).toBe(false);
    expect(Buffer.byteLength(r.text)).toBeLessThan(30_000);
    expect(r.text).toMatch(/… \[truncated: showing \d+ of 1000 items; narrow with prefix, filter or per_page\]/);
    expect((r.structured!.items as unknown[]).length).toBeLessThan(1000);
  });

  it('the tail of a 200 MB log reads only the end of it', async () => {
    const allocs = (await (await fetch(`${sim.url}/v1/job/web/allocations`)).json()) as { ID: string }[];
    sim.setLogSize(allocs[0].ID, 'server', 'stdout', 200 * 1024 * 1024);
    const before = sim.logBytesSent();
    const r = await mcp.call('get_allocation_logs', { alloc_id: allocs[0].ID, task: 'server', lines: 5000 });
    expect(r.isError, r.text).toBe(false);
    const read = sim.logBytesSent() - before;
    expect(read).toBeLessThanOrEqual(4 * 64 * 1024);
    expect(Buffer.byteLength(r.text)).toBeLessThan(64 * 1024 + 2048);
    expect(r.text).toMatch(/truncated/);
  });
});
