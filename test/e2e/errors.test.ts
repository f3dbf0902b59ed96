import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BIN, ROOT, connectStdio, type Connected } from './harness.js';

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('Nomad unreachable', () => {
  let mcp: Connected;
  let addr: string;
  beforeAll(async () => {
    addr = `http://127.0.0.1:${await deadPort()}`;
    mcp = await connectStdio({ NOMAD_ADDR: addr });
  });
  afterAll(() => mcp?.close());

  it('answers a tool error naming the address, and keeps serving', async () => {
    const r = await mcp.call('list_jobs');
    expect(r.isError).toBe(true);
    expect(r.text).toContain(`Cannot reach Nomad at ${addr} (connection refused)`);
    const again = await mcp.call('get_job_status', { job_id: 'web' });
    expect(again.isError).toBe(true);
    expect(again.text).toContain(addr);
  });

  it('repositories say they are not configured without GITEA_URL', async () => {
    const r = await mcp.call('list_repositories');
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/gitea upstream is not configured: set GITEA_URL/);
  });
});

describe('Nomad slow', () => {
  let sim: Simulator;
  let mcp: Connected;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 'demo' });
    mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--request-timeout', '2000']);
  });
  afterAll(async () => {
    await mcp?.close();
    await sim?.close();
  });

  it('times out at --request-timeout with a clear message, then recovers', async () => {
    sim.faults.delayMs = 60_000; // the simulator answers when the client goes away
    const r = await mcp.call('list_jobs');
    expect(r.isError).toBe(true);
    expect(r.text).toContain('timed out after 2000 ms');
    const plugin = await mcp.call('get_job_status', { job_id: 'web' });
    expect(plugin.isError).toBe(true);
    expect(plugin.text).toMatch(/timed out after 2000 ms/);
    sim.faults.delayMs = 0;
    const ok = await mcp.call('list_jobs');
    expect(ok.isError).toBe(false);
  });
});

describe('safety switches', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 'demo' });
  });
  afterAll(() => sim?.close());

  it('read-only mode lists only read tools and refuses writes by name', async () => {
    const mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--read-only']);
    try {
      const names = (await mcp.client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('list_jobs');
      expect(names).not.toContain('stop_job');
      expect(names).not.toContain('submit_job_file');
      const r = await mcp.call('stop_job', { job_id: 'web' });
      expect(r.isError).toBe(true);
      expect(r.text).toContain('read-only');
    } finally {
      await mcp.close();
    }
  });

  it('purge needs --allow-destructive; delete_config is hidden without it', async () => {
    const mcp = await connectStdio({ NOMAD_ADDR: sim.url });
    try {
      const names = (await mcp.client.listTools()).tools.map((t) => t.name);
      expect(names).not.toContain('delete_config');
      expect(names).toContain('stop_job');
      const from = sim.requests.length;
      const r = await mcp.call('stop_job', { job_id: 'web', purge: true });
      expect(r.isError).toBe(true);
      expect(r.text).toContain('--allow-destructive');
      expect(sim.requests.slice(from).filter((q) => q.method === 'DELETE')).toEqual([]);
    } finally {
      await mcp.close();
    }
  });

  it('--namespaces also holds for objects addressed by ID', async () => {
    const mcp = await connectStdio({ NOMAD_ADDR: sim.url }, ['--namespaces', 'default']);
    try {
      const staged = (await (await fetch(`${sim.url}/v1/job/api/allocations?namespace=staging`)).json()) as { ID: string }[];
      const id = staged[0].ID;
      expect((await mcp.call('list_jobs', { namespace: 'staging' })).text).toContain('Namespace "staging" is not allowed on this server (allowed: default).');
      const read = await mcp.call('get_allocation_status', { alloc_id: id });
      expect(read.isError).toBe(true);
      expect(read.text).toMatch(/no allocation with ID prefix|not allowed/);
      const from = sim.requests.length;
      const write = await mcp.call('restart_allocation', { alloc_id: id });
      expect(write.isError).toBe(true);
      expect(write.text).toContain('Namespace "staging" is not allowed');
      expect(sim.requests.slice(from).filter((q) => q.path.endsWith('/restart'))).toEqual([]);
      const logs = await mcp.call('get_allocation_logs', { alloc_id: id, task: 'api' });
      expect(logs.isError).toBe(true);
      const all = await mcp.call('list_allocations');
      expect(all.text).not.toContain(id);
    } finally {
      await mcp.close();
    }
  });

  it('an unknown tool is an InvalidParams protocol error', async () => {
    const mcp = await connectStdio({ NOMAD_ADDR: sim.url });
    try {
      await expect(mcp.client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/Unknown tool: no_such_tool/);
      expect((await mcp.call('list_jobs')).isError).toBe(false);
    } finally {
      await mcp.close();
    }
  });
});

describe('an invalid catalog', () => {
  it('serve refuses to start and prints file:line:col', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-bad-'));
    writeFileSync(path.join(dir, 'broken.yaml'), 'tools:\n  - name: Bad-Name\n    description: not a valid tool name at all\n    request: { method: GET, path: /v1/jobs }\n');
    const r = spawnSync(process.execPath, [BIN, 'serve', '--stdio', '--tools-dir', dir], { cwd: ROOT, encoding: 'utf8', input: '', timeout: 20_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/broken\.yaml:2:\d+: tools\.0\.name: must match pattern/);
    expect(r.stderr).toContain('not starting');
  });
});
