/**
 * The stdio fast path for tools/call (src/host/transports/stdio-fast.ts): a plain 2025 tools/call is
 * answered without the SDK's per-message work, with exactly what the SDK's handler answers. Each answer
 * here is compared with the SDK's own for the same call (an extra `_meta` key sends a call through the
 * SDK), over one raw newline-delimited JSON-RPC connection, as a client writes it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BIN, ROOT } from './harness.js';

type Msg = { id?: number; method?: string; result?: Record<string, unknown>; error?: { code: number; message: string }; params?: Record<string, unknown> };

let sim: Simulator;
let child: ChildProcessWithoutNullStreams;
let stderr = '';
const seen: Msg[] = [];
const waiting = new Map<number, (m: Msg) => void>();
let nextId = 1;

function send(m: Record<string, unknown>): void {
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
}

function request(method: string, params: Record<string, unknown>): { id: number; answer: Promise<Msg> } {
  const id = nextId++;
  const answer = new Promise<Msg>((resolve) => waiting.set(id, resolve));
  send({ id, method, params });
  return { id, answer };
}

const call = (params: Record<string, unknown>) => request('tools/call', params).answer;

/** A result with each relative age (`45s ago`, `in 14m`) in its texts replaced by `<age>`. */
const withoutAges = (result: unknown) => JSON.parse(JSON.stringify(result ?? null).replace(/\b(?:(?:in )?\d+[smhd](?: ago)?|now)\b/g, '<age>'));

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 'demo', heartbeatMs: 200 });
  child = spawn(process.execPath, [BIN, 'serve', '--stdio', '--no-watch'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NOMAD_ADDR: sim.url, NOMAD_MCP_LOG_LEVEL: 'debug' },
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const m = JSON.parse(buf.slice(0, nl)) as Msg;
      buf = buf.slice(nl + 1);
      seen.push(m);
      if (m.id !== undefined && !m.method) waiting.get(m.id)?.(m);
    }
  });
  const init = await request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fast-path-e2e', version: '1' } }).answer;
  expect(init.result?.protocolVersion).toBe('2025-06-18');
  send({ method: 'notifications/initialized' });
});

afterAll(async () => {
  child?.stdin.end();
  if (child && child.exitCode === null) await new Promise((r) => child.once('exit', r));
  await sim?.close();
});

describe('stdio tools/call fast path', () => {
  it('answers plain calls as the SDK does: a result, a tool error, invalid arguments', async () => {
    for (const args of [{ job_id: 'web' }, { job_id: 'no-such-job' }, { job_id: 5 }, {}]) {
      const fast = await call({ name: 'get_job', arguments: args });
      // a key the fast path does not take: the same call through the SDK's handler
      const sdk = await call({ name: 'get_job', arguments: args, _meta: { 'e2e/route': 'sdk' } });
      expect(fast.error).toBeUndefined();
      // relative ages in the text ("14m ago") may tick between the two calls
      expect(withoutAges(fast.result)).toEqual(withoutAges(sdk.result));
    }
    const ok = await call({ name: 'get_job', arguments: { job_id: 'web' } });
    expect(ok.result?.isError).toBeUndefined();
    expect(JSON.stringify(ok.result?.structuredContent)).toContain('"web"');
    expect(stderr).toContain('answered on the fast path');
  });

  it('sends progress in increasing order before the answer, and withholds the answer of a cancelled call', async () => {
    // progress: a followed log reports its new lines as they arrive
    const allocs = (await (await fetch(`${sim.url}/v1/job/web/allocations`)).json()) as { ID: string; ClientStatus: string }[];
    const running = allocs.filter((a) => a.ClientStatus === 'running').map((a) => a.ID);
    expect(running.length).toBeGreaterThan(0);
    const before = sim.openStreams();
    const follow = request('tools/call', { name: 'follow_job_logs', arguments: { job_id: 'web', seconds: 2 }, _meta: { progressToken: 'p1' } });
    await vi.waitFor(() => expect(sim.openStreams()).toBe(before + 1), { timeout: 10_000, interval: 20 });
    for (const id of running) sim.appendLog(id, 'server', 'stdout', 'fast-path line\n');
    const answer = await follow.answer;
    expect(answer.result?.isError).toBeUndefined();
    const progress = seen.filter((m) => m.method === 'notifications/progress' && m.params?.progressToken === 'p1');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(seen.indexOf(progress.at(-1)!)).toBeLessThan(seen.indexOf(answer));
    for (let i = 1; i < progress.length; i++) expect(Number(progress[i].params!.progress)).toBeGreaterThan(Number(progress[i - 1].params!.progress));

    // cancellation: the followed stream ends at Nomad, and the call gets no answer
    // (the first follow's stream may still be closing after its answer: counted from when it has)
    await vi.waitFor(() => expect(sim.openStreams()).toBe(before), { timeout: 10_000, interval: 20 });
    const open = sim.openStreams();
    const cancelled = request('tools/call', { name: 'follow_job_logs', arguments: { job_id: 'web', seconds: 60 } });
    await vi.waitFor(() => expect(sim.openStreams()).toBe(open + 1), { timeout: 10_000, interval: 20 });
    send({ method: 'notifications/cancelled', params: { requestId: cancelled.id, reason: 'user' } });
    await vi.waitFor(() => expect(sim.openStreams()).toBe(open), { timeout: 10_000, interval: 20 });
    const after = await call({ name: 'get_job', arguments: { job_id: 'web' } });
    expect(after.result?.isError).toBeUndefined();
    expect(seen.some((m) => m.id === cancelled.id && !m.method)).toBe(false);

    // a declarative call cancelled while Nomad is slow: no answer, and the calls after it are answered
    sim.faults.delayMs = 60_000;
    const asked = sim.requests.length;
    const slow = request('tools/call', { name: 'get_job', arguments: { job_id: 'web' } });
    await vi.waitFor(() => expect(sim.requests.length).toBeGreaterThan(asked), { timeout: 10_000, interval: 20 });
    send({ method: 'notifications/cancelled', params: { requestId: slow.id, reason: 'user' } });
    sim.faults.delayMs = 0;
    for (let i = 0; i < 3; i++) expect((await call({ name: 'get_job', arguments: { job_id: 'web' } })).result?.isError).toBeUndefined();
    expect(seen.some((m) => m.id === slow.id && !m.method)).toBe(false);
  });

  it('leaves tools that may ask first, unknown tools and other shapes to the SDK', async () => {
    const unknown = await call({ name: 'no_such_tool', arguments: {} });
    expect(unknown.error?.code).toBe(-32602);
    expect(unknown.error?.message).toMatch(/^Unknown tool: no_such_tool\./);
    // not a plain call: the SDK validates it (arguments must be an object)
    const bad = await call({ name: 'get_job', arguments: [1] });
    expect(bad.error?.code).toBe(-32602);
    expect(bad.result).toBeUndefined();
  });
});
