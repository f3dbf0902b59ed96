/**
 * Log tools beyond the seed's, end to end: following a log live (progress notifications carry the new
 * lines; cancelling closes Nomad's stream) and searching every allocation's log.
 */
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { connectStdio, type Connected } from './harness.js';

let sim: Simulator;
let mcp: Connected;
let running: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo', heartbeatMs: 200 });
  mcp = await connectStdio({ NOMAD_ADDR: sim.url });
  const allocs = (await (await fetch(`${sim.url}/v1/job/web/allocations`)).json()) as { ID: string; ClientStatus: string }[];
  running = allocs.filter((a) => a.ClientStatus === 'running').map((a) => a.ID);
});

afterAll(async () => {
  await mcp?.close();
  await sim?.close();
});

/** Appends the same text to the stdout of every running web allocation (whichever one the tool follows). */
function appendToWeb(text: string, type: 'stdout' | 'stderr' = 'stdout'): void {
  for (const id of running) sim.appendLog(id, 'server', type, text);
}

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('follow_job_logs', () => {
  it('sends new lines as progress while following and answers them, redacted and marked untrusted', async () => {
    expect(running.length).toBe(2);
    const before = sim.openStreams();
    const progress: Progress[] = [];
    const call = mcp.client.callTool({ name: 'follow_job_logs', arguments: { job_id: 'web', seconds: 5 } }, undefined, {
      onprogress: (p) => progress.push(p),
      timeout: 30_000,
    }) as Promise<CallToolResult>;
    await vi.waitFor(() => expect(sim.openStreams()).toBe(before + 1), { timeout: 10_000, interval: 20 });
    appendToWeb('catalog-e2e first line\ncatalog-e2e login ok password=hunter2\n');
    await vi.waitFor(() => expect(progress.length).toBeGreaterThanOrEqual(1), { timeout: 10_000, interval: 20 });
    appendToWeb('catalog-e2e third line\n');
    const r = await call;

    expect(r.isError).toBeFalsy();
    const text = textOf(r);
    expect(text).toMatch(/^--- log of task server \(stdout\), alloc [0-9a-f]{8}, job web: \d+ new lines in 5 s \(followed live\)\. This is untrusted output/);
    expect(text).toContain('catalog-e2e first line\ncatalog-e2e login ok password=[REDACTED]\ncatalog-e2e third line');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('--- end of log ---');
    const chosen = /alloc ([0-9a-f]{8})/.exec(text)![1];
    expect(running.map((id) => id.slice(0, 8))).toContain(chosen);

    // Progress notifications carry the lines as they arrive (two batches), redacted too.
    const messages = progress.map((p) => p.message ?? '').join('\n');
    expect(messages).toContain('catalog-e2e first line');
    expect(messages).toContain('catalog-e2e third line');
    expect(messages).not.toContain('hunter2');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < progress.length; i++) expect(progress[i].progress).toBeGreaterThan(progress[i - 1].progress);

    // The followed stream is closed when the time is up.
    await vi.waitFor(() => expect(sim.openStreams()).toBe(before), { timeout: 10_000, interval: 20 });
    const req = sim.requests.filter((q) => q.path.startsWith('/v1/client/fs/logs/')).at(-1)!;
    expect(req.query).toMatchObject({ follow: 'true', origin: 'end', task: 'server', type: 'stdout' });
  });

  it('cancelling the call closes Nomad\'s log stream, and the server keeps serving', async () => {
    const before = sim.openStreams();
    const ac = new AbortController();
    const call = mcp.client.callTool({ name: 'follow_job_logs', arguments: { job_id: 'web', seconds: 60 } }, undefined, { signal: ac.signal });
    await vi.waitFor(() => expect(sim.openStreams()).toBe(before + 1), { timeout: 10_000, interval: 20 });
    ac.abort();
    await expect(call).rejects.toThrow(/abort/i);
    await vi.waitFor(() => expect(sim.openStreams()).toBe(before), { timeout: 10_000, interval: 20 });
    const after = await mcp.call('list_jobs', { prefix: 'web' });
    expect(after.isError).toBe(false);
    expect(after.text).toMatch(/^web {2,}default {2,}service {2,}/m);
  });

  it('no new lines is said plainly; an unknown task names the tasks', async () => {
    const quiet = await mcp.call('follow_job_logs', { job_id: 'web', seconds: 1, type: 'stderr' });
    expect(quiet.isError).toBe(false);
    expect(quiet.text).toMatch(/^No new lines in the log of task server \(stderr\), alloc [0-9a-f]{8}, job web during 1 s\./);
    const unknown = await mcp.call('follow_job_logs', { job_id: 'web', seconds: 1, task: 'nosuch' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(/unknown task name "nosuch" .*Tasks of this allocation: server\./);
    const none = await mcp.call('follow_job_logs', { job_id: 'win-app', seconds: 1 });
    expect(none.isError).toBe(true);
    expect(none.text).toContain('Job "win-app" has no allocations, so there are no logs.');
  });
});

describe('search_job_logs', () => {
  it('finds a pattern across allocations and streams, redacted and marked untrusted', async () => {
    sim.appendLog(running[0], 'server', 'stderr', 'ERROR catalog-needle upstream timed out token=s3cr3t-value\n');
    const r = await mcp.call('search_job_logs', { job_id: 'web', pattern: 'catalog-NEEDLE|no-such-thing-xyz' });
    expect(r.isError).toBe(false);
    const short = running[0].slice(0, 8);
    expect(r.text).toMatch(new RegExp(`^1 line of job web matches /catalog-NEEDLE\\|no-such-thing-xyz/i in the last 1000 lines of \\d+ logs .*; per log: ${short} server stderr 1\\.`));
    expect(r.text).toContain(`${short} server stderr: ERROR catalog-needle upstream timed out token=[REDACTED]`);
    expect(r.text).not.toContain('s3cr3t-value');
    expect(r.text).toMatch(/untrusted/);
    expect(r.structured).toMatchObject({ job_id: 'web', matches: 1, per_log: { [`${short} server stderr`]: 1 } });
  });

  it('only the stream asked for is searched; no match is said plainly', async () => {
    const r = await mcp.call('search_job_logs', { job_id: 'web', pattern: 'catalog-needle', type: 'stdout' });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/^No line of job web matches \/catalog-needle\/i in the last 1000 lines of \d+ logs/);
  });

  it('an invalid regular expression is a tool error that says so', async () => {
    const r = await mcp.call('search_job_logs', { job_id: 'web', pattern: '(unclosed' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^The pattern is not a valid regular expression \(RE2 syntax\): missing closing \)/);
  });

  it('a job without allocations is a tool error', async () => {
    const r = await mcp.call('search_job_logs', { job_id: 'win-app', pattern: 'x' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('Job "win-app" has no allocations');
  });
});
