import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ElicitRequestSchema, ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogOrThrow } from '../../src/host/catalog.js';
import { loadConfig } from '../../src/host/config.js';
import { createLogger } from '../../src/host/log.js';
import { definePlugin, type Plugin } from '../../src/host/plugin.js';
import { ToolHost } from '../../src/host/server.js';
import { UpstreamRegistry } from '../../src/host/upstream.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

let release: () => void = () => {};
let lastSignal: AbortSignal | undefined;
const plugins = new Map<string, Plugin>(
  [
    definePlugin({ name: 'boom', tier: 'read', call: async () => { throw new Error('kaboom: the plugin broke'); } }),
    definePlugin({ name: 'forever', tier: 'read', call: (_a, ctx) => { lastSignal = ctx.signal; return new Promise(() => {}); } }),
    definePlugin({ name: 'gated', tier: 'read', call: () => new Promise((r) => { release = () => r({ text: 'finished on the old catalog' }); }) }),
    definePlugin({
      name: 'counter',
      tier: 'read',
      call: async (_a, ctx) => {
        for (let i = 1; i <= 3; i++) await ctx.progress(i, 3, `step ${i}`);
        return { text: 'counted', structured: { n: 3 } };
      },
    }),
  ].map((p) => [p.name, p as Plugin]),
);

const catalog = `tools:
  - name: boom
    description: A plugin that throws an error.
    annotations: { readOnlyHint: true }
    plugin: boom
  - name: forever
    description: A plugin that never returns.
    annotations: { readOnlyHint: true }
    plugin: forever
  - name: gated
    description: A plugin that returns when the test says so.
    annotations: { readOnlyHint: true }
    plugin: gated
  - name: counter
    description: A plugin that reports progress three times.
    annotations: { readOnlyHint: true }
    plugin: counter
  - name: wipe_job
    description: Purge a job from Nomad forever.
    annotations: { readOnlyHint: false, destructiveHint: true }
    input: { type: object, required: [job_id], properties: { job_id: { type: string, description: Job. } } }
    request: { method: DELETE, path: "/v1/job/{{job_id}}", query: { purge: "true" } }
`;

let sim: Simulator;
let host: ToolHost;
let upstreams: UpstreamRegistry;

async function connect(capabilities: Record<string, unknown> = {}): Promise<Client> {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await host.createServer('test').connect(a);
  const client = new Client({ name: 't', version: '1' }, { capabilities });
  await client.connect(b);
  return client;
}

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-srv-'));
  writeFileSync(path.join(dir, 'test.yaml'), catalog);
  const config = await loadConfig({ address: sim.url, requestTimeout: 2000, allowDestructive: true }, {}, dir);
  upstreams = new UpstreamRegistry(config.upstreams, config.requestTimeoutMs);
  const tools = loadCatalogOrThrow([dir], { plugins, upstreams: upstreams.names() });
  host = new ToolHost({ config, upstreams, plugins, log: createLogger('silent'), tools });
  // the first connection to Nomad (undici compiles its HTTP parser then) can outlast the 300 ms request
  // timeout these tests use on a loaded machine: open it before the tests
  await upstreams.get('nomad').get('/v1/status/leader', { timeoutMs: 30_000 });
});

afterAll(async () => {
  await upstreams?.close();
  await sim?.close();
});

describe('ToolHost over an in-memory MCP connection', () => {
  it('a plugin that throws is a tool error with its message, and the server lives', async () => {
    const c = await connect();
    const r = (await c.callTool({ name: 'boom', arguments: {} })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('kaboom: the plugin broke');
    const ok = (await c.callTool({ name: 'counter', arguments: {} })) as CallToolResult;
    expect(ok.isError).toBeFalsy();
  });

  it('a plugin that never returns is cancelled by the request timeout', async () => {
    const c = await connect();
    const r = (await c.callTool({ name: 'forever', arguments: {} })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(text(r)).toBe('forever timed out after 2000 ms.');
    expect(lastSignal?.aborted).toBe(true);
  });

  it('client cancellation aborts the plugin signal', async () => {
    const c = await connect();
    const ac = new AbortController();
    const p = c.callTool({ name: 'forever', arguments: {} }, undefined, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 30));
    ac.abort();
    await expect(p).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 30));
    expect(lastSignal?.aborted).toBe(true);
  });

  it('sends progress notifications when the client asks', async () => {
    const c = await connect();
    const seen: string[] = [];
    const r = (await c.callTool({ name: 'counter', arguments: {} }, undefined, { onprogress: (p) => seen.push(`${p.progress}/${p.total} ${p.message}`) })) as CallToolResult;
    expect(text(r)).toBe('counted');
    expect(seen).toEqual(['1/3 step 1', '2/3 step 2', '3/3 step 3']);
  });

  it('a reload during an in-flight call: the call finishes on its catalog, clients are told', async () => {
    const c = await connect();
    let changed = 0;
    c.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      changed++;
    });
    const before = host.tools.all;
    const inFlight = c.callTool({ name: 'gated', arguments: {} });
    await new Promise((r) => setTimeout(r, 30));
    host.setTools(before.filter((t) => t.name !== 'gated'));
    release();
    expect(text((await inFlight) as CallToolResult)).toBe('finished on the old catalog');
    await new Promise((r) => setTimeout(r, 30));
    expect(changed).toBe(1);
    expect((await c.listTools()).tools.map((t) => t.name)).not.toContain('gated');
    host.setTools(before);
  });

  it('asks the user before a destructive call when the client supports elicitation', async () => {
    const c = await connect({ elicitation: {} });
    let answer: 'accept' | 'decline' = 'decline';
    let asked = '';
    c.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked = String(req.params.message);
      return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
    });
    const from = sim.requests.length;
    const declined = (await c.callTool({ name: 'wipe_job', arguments: { job_id: 'batch-report' } })) as CallToolResult;
    expect(asked).toContain('job_id=batch-report');
    expect(declined.isError).toBe(true);
    expect(text(declined)).toContain('did not confirm');
    expect(sim.requests.slice(from).filter((q) => q.method === 'DELETE')).toEqual([]);
    answer = 'accept';
    const done = (await c.callTool({ name: 'wipe_job', arguments: { job_id: 'batch-report' } })) as CallToolResult;
    expect(done.isError, text(done)).toBeFalsy();
    expect(sim.requests.slice(from).filter((q) => q.method === 'DELETE').map((q) => q.path)).toEqual(['/v1/job/batch-report']);
  });

  it('without elicitation support the switch alone decides', async () => {
    const c = await connect();
    const r = (await c.callTool({ name: 'wipe_job', arguments: { job_id: 'ghost-job' } })) as CallToolResult;
    expect(r.isError).toBeFalsy();
  });
});

describe('descriptor safety and correctness switches', () => {
  it('destructiveWhen: purge=true needs --allow-destructive, purge=false does not', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nomad-mcp-dw-'));
    writeFileSync(
      path.join(dir, 't.yaml'),
      `tools:
  - name: stop_it
    description: Stop a job, purge optional.
    annotations: { readOnlyHint: false, destructiveHint: true }
    tier: write
    destructiveWhen: [purge]
    input: { type: object, required: [job_id], properties: { job_id: { type: string, description: Job. }, purge: { type: boolean, default: false, description: Purge. } } }
    request: { method: DELETE, path: "/v1/job/{{job_id}}", query: { purge: "{{purge}}" } }
    response:
      errorIf: "{{#unless result.EvalID}}job not found: no job {{args.job_id}}{{/unless}}"
      template: "stopped {{args.job_id}}"
`,
    );
    const config = await loadConfig({ address: sim.url }, {}, dir);
    const ups = new UpstreamRegistry(config.upstreams, 2000);
    const h = new ToolHost({ config, upstreams: ups, plugins, log: createLogger('silent'), tools: loadCatalogOrThrow([dir], { plugins, upstreams: ups.names() }) });
    const from = sim.requests.length;
    const purge = await h.call('stop_it', { job_id: 'api', purge: true });
    expect(purge.isError).toBe(true);
    expect(purge.text).toBe('stop_it with purge=true is irreversible; start the server with --allow-destructive to allow it.');
    expect(sim.requests.slice(from).filter((q) => q.method === 'DELETE')).toEqual([]);
    const ghost = await h.call('stop_it', { job_id: 'ghost' });
    expect(ghost).toMatchObject({ isError: true, text: 'job not found: no job ghost' });
    await ups.close();
  });
});
