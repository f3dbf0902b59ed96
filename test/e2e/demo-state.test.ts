/**
 * Issue 16.4: `--demo` keeps its cluster between processes. Each Inspector `--cli` call is a new
 * process: a job submitted by one must be there for the next, and `--demo-reset` starts afresh.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectStdio, runCli } from './harness.js';

const call = (args: string[], env: Record<string, string> = {}) => runCli(['tools', 'call', ...args], env);

const api = {
  ID: 'api', Name: 'api', Type: 'service', Datacenters: ['dc1'],
  TaskGroups: [{ Name: 'api', Count: 1, Tasks: [{ Name: 'server', Driver: 'docker', Config: { image: 'nginx:1.28' }, Resources: { CPU: 100, MemoryMB: 64 } }] }],
};

describe('--demo keeps its cluster between processes (issue 16.4)', () => {
  it('a job submitted through one server process is there for the next process, settled; --demo-reset starts afresh', { timeout: 120_000 }, async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-demo-')), 'demo.json');
    // process 1: an MCP client submits the job, then closes (as an Inspector --cli call does)
    const first = await connectStdio({}, ['--demo', '--demo-state', file]);
    const created = await first.call('create_job', { job: api });
    expect(created.isError, created.text).toBe(false);
    await first.close();
    await expect.poll(() => existsSync(file), { timeout: 20_000 }).toBe(true);

    // process 2: its status; the evaluation and the deployment have completed meanwhile
    const status = await call(['get_job_status', '--demo', '--demo-state', file, '--arg', 'job_id=api']);
    expect(status.code, status.err + status.out).toBe(0);
    expect(status.out).toMatch(/\bapi\b/);
    expect(status.out).toMatch(/running/);
    expect(status.out).not.toMatch(/No job "api"/);

    // process 3: a reset cluster has no such job (and is kept for the next run)
    const reset = await call(['get_job_status', '--demo', '--demo-state', file, '--demo-reset', '--arg', 'job_id=api']);
    expect(reset.code).toBe(1);
    expect(reset.out).toMatch(/No job "api"|not found/i);
    const after = await call(['list_jobs', '--demo', '--demo-state', file]);
    expect(after.out).not.toMatch(/^api /m);
    expect(after.out).toMatch(/^payments {2,}default {2,}service /m);
  });

  it('by default the cluster lives in the user cache directory (XDG_CACHE_HOME)', { timeout: 120_000 }, async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-xdg-'));
    const env = { XDG_CACHE_HOME: cache };
    const created = await call(['create_job', '--demo', '--args', JSON.stringify({ job: api })], env);
    expect(created.code, created.err + created.out).toBe(0);
    expect(existsSync(path.join(cache, 'nomad-mcp', 'demo.json'))).toBe(true);
    const status = await call(['get_job_status', '--demo', '--arg', 'job_id=api'], env);
    expect(status.code, status.err + status.out).toBe(0);
  });

  it('a damaged state file is named, with the way out', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-demo-')), 'demo.json');
    writeFileSync(file, '{"format":2,');
    const r = await call(['list_jobs', '--demo', '--demo-state', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`the demo state ${file} is not valid JSON`);
    expect(r.err).toContain('--demo-reset');
  });
});
