import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BIN, ROOT, connectStdio, type Connected } from './harness.js';
import { spawnServe } from './http-harness.js';

let sim: Simulator;
const NOMAD_TOKEN = 'nomad-root-token-s3cr3t';

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo', aclTokens: [NOMAD_TOKEN], heartbeatMs: 50 });
});
afterAll(() => sim?.close());

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('upstream faults over stdio', () => {
  let mcp: Connected;
  beforeAll(async () => {
    mcp = await connectStdio({ NOMAD_ADDR: sim.url, NOMAD_TOKEN }, ['--request-timeout', '10000']);
  });
  afterAll(() => mcp?.close());

  it('5xx on a GET is retried, then answered', async () => {
    sim.faults.failStatus = 503;
    sim.faults.failCount = 1;
    const r = await mcp.call('list_jobs');
    expect(r.isError, r.text).toBe(false);
  });

  it('a persistent 5xx is a clear tool error', async () => {
    sim.faults.failStatus = 500;
    sim.faults.failCount = 10;
    const r = await mcp.call('get_job', { job_id: 'web' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^Nomad 500: simulated failure \(GET \/v1\/job\/web\)/);
    sim.faults.failCount = 0;
  });

  it('writes are never retried', async () => {
    sim.faults.failStatus = 503;
    sim.faults.failCount = 1;
    const from = sim.requests.length;
    const r = await mcp.call('force_evaluate_job', { job_id: 'web' });
    expect(r.isError).toBe(true);
    expect(sim.requests.slice(from).filter((q) => q.path === '/v1/job/web/evaluate')).toHaveLength(1);
    sim.faults.failCount = 0;
  });

  it('a connection reset, a truncated body and a non-JSON body are clear errors', async () => {
    sim.faults.resetConnection = 3;
    const reset = await mcp.call('list_jobs');
    expect(reset.isError).toBe(true);
    expect(reset.text).toMatch(/Nomad/);
    sim.faults.resetConnection = 0;
    sim.faults.truncateBody = 3;
    const trunc = await mcp.call('list_jobs');
    expect(trunc.isError).toBe(true);
    sim.faults.truncateBody = 0;
    sim.faults.nonJson = 3;
    const html = await mcp.call('list_jobs');
    expect(html.isError).toBe(true);
    expect(html.text).toMatch(/not JSON \(text\/html/);
    sim.faults.nonJson = 0;
    expect((await mcp.call('list_jobs')).isError).toBe(false);
  });

  it('500 concurrent calls on one stdio connection are all answered correctly', async () => {
    // its own connection with the default request timeout: 500 requests queued at once on a loaded 2-core
    // machine can wait longer than the 2 s the fault tests use, and waiting is not what this test is about
    const own = await connectStdio({ NOMAD_ADDR: sim.url, NOMAD_TOKEN });
    const jobs = ['web', 'batch-report', 'win-app'];
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => own.call('get_job', { job_id: jobs[i % 3] }))).finally(() => own.close());
    results.forEach((r, i) => {
      expect(r.isError, r.text).toBe(false);
      expect((r.structured as { ID: string }).ID).toBe(jobs[i % 3]);
    });
  });

  it('cancelling a log follow closes the stream to Nomad', async () => {
    const before = sim.openStreams();
    const ac = new AbortController();
    const p = mcp.client.callTool({ name: 'follow_job_logs', arguments: { job_id: 'web', seconds: 60 } }, undefined, { signal: ac.signal, timeout: 120_000 });
    await waitFor(() => sim.openStreams() > before);
    ac.abort();
    await expect(p).rejects.toThrow();
    await waitFor(() => sim.openStreams() === before);
  });

  it('never shows the Nomad token in answers or stderr', async () => {
    sim.faults.failStatus = 0;
    await mcp.call('get_job', { job_id: 'nope' });
    await mcp.call('get_token_self');
    expect(mcp.stderr()).not.toContain(NOMAD_TOKEN);
  });
});

describe('garbage on stdin', () => {
  it('survives 10,000 seeded garbage messages (malformed JSON-RPC, wrong types, 1 MB strings, deep nesting), then answers', { timeout: 120_000 }, async () => {
    const proc = spawn(process.execPath, [BIN, 'serve', '--stdio', '--no-watch'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NOMAD_ADDR: sim.url, NOMAD_TOKEN, NOMAD_MCP_LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const send = (s: string) => proc.stdin.write(`${s}\n`);
    send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } } }));
    send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    // seeded generator: deterministic garbage
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const tools = ['list_jobs', 'get_job', 'get_job_logs', 'submit_job_file', 'nope', '', 42];
    const values = () => pick<unknown>([null, 1, -1, 1e308, 'x', 'x'.repeat(1 + Math.floor(rnd() * 5000)), [], {}, true, '../../v1/acl', '\u0000\ud800']);
    // deep nesting as raw text: JSON.stringify itself would overflow the test's stack
    const deep = `${'['.repeat(50_000)}"leaf"${']'.repeat(50_000)}`;
    let expectAnswers = 0;
    for (let i = 0; i < 10_000; i++) {
      // 1 MB strings and 50,000-deep nesting are costly to generate: a few of each, the rest cheap garbage
      const kind = i % 2000 === 999 ? 6 : i % 500 === 250 ? 7 : Math.floor(rnd() * 6);
      if (kind === 0) send('{not json' + 'x'.repeat(Math.floor(rnd() * 100)));
      else if (kind === 1) send(JSON.stringify({ jsonrpc: '2.0', id: 1000 + i, method: pick(['tools/call', 'tools/list', 'nope/method', 'initialize']), params: values() }));
      else if (kind === 2) send(JSON.stringify({ jsonrpc: '1.0', id: [], method: 7 }));
      else if (kind === 3) send(JSON.stringify({ jsonrpc: '2.0', id: 1000 + i, method: 'tools/call', params: { name: pick(tools), arguments: { job_id: values(), lines: values(), content: values() } } }));
      else if (kind === 4) send(JSON.stringify([1, 2, 3]));
      else if (kind === 5) send('');
      else if (kind === 6) send(JSON.stringify({ jsonrpc: '2.0', id: 1000 + i, method: 'tools/call', params: { name: 'get_job', arguments: { job_id: 'y'.repeat(1024 * 1024) } } }));
      else send(`{"jsonrpc":"2.0","id":${1000 + i},"method":"tools/call","params":{"name":"list_jobs","arguments":{"filter":${deep}}}}`);
      if (kind === 1 || kind === 3 || kind === 6 || kind === 7) expectAnswers++;
    }
    send(JSON.stringify({ jsonrpc: '2.0', id: 'final', method: 'tools/call', params: { name: 'get_job', arguments: { job_id: 'web' } } }));
    await waitFor(() => out.includes('"id":"final"'), 90_000);
    const final = out.split('\n').find((l) => l.includes('"id":"final"'))!;
    expect(JSON.parse(final).result.structuredContent.ID).toBe('web');
    expect(proc.exitCode).toBeNull();
    expect(expectAnswers).toBeGreaterThan(100);
    expect(err).not.toContain(NOMAD_TOKEN);
    proc.kill();
  });
});

describe('a client that disconnects over HTTP mid-call', () => {
  it('aborts the upstream stream', async () => {
    const srv = await spawnServe([], { NOMAD_ADDR: sim.url, NOMAD_TOKEN });
    try {
      const before = sim.openStreams();
      const client = new Client({ name: 'dc', version: '1' });
      const transport = new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`));
      await client.connect(transport);
      const ac = new AbortController();
      const p = client.callTool({ name: 'follow_job_logs', arguments: { job_id: 'web', seconds: 60 } }, undefined, { signal: ac.signal, timeout: 120_000 });
      await waitFor(() => sim.openStreams() > before);
      ac.abort();
      await expect(p).rejects.toThrow();
      await waitFor(() => sim.openStreams() === before);
      const again = (await client.callTool({ name: 'list_jobs', arguments: {} })) as CallToolResult;
      expect(again.isError).toBeFalsy();
      await client.close();
    } finally {
      await srv.stop();
    }
  });
});
