#!/usr/bin/env node
// nomad-mcp side by side with the Go peer (kocierik/mcp-nomad, the @kocierik/mcp-nomad-linux-x64 dev dependency)
// against one in-process simulator: get_job calls/s (sequential over stdio, 16 in flight over stdio, over
// Streamable HTTP with 1 and 16 in flight), cold start (spawn → tools/list answered) beside a bare `node -e 0`,
// RSS after 10,000 calls, the tools/list bytes per tool, and the answer bytes of list_jobs and get_job. The machine is shared, so every
// throughput figure is the median of BENCH_REPS runs (default 3), each server measured right after the other,
// and the table prints the ratio to the peer measured in the same run.
// Both servers are driven by the same thin JSON-RPC client (newline-delimited over stdio, plain POSTs with a
// 2025-06-18 session over HTTP), so the client's own cost is small and equal for both.
// BENCH_BIN=/path/to/bin/run.js measures another nomad-mcp build; BENCH_CALLS sets the calls per run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Pool } from 'undici';
import { startSimulator } from '../dist/sim/index.js';
import { BIN, ROOT, fmt, table } from './lib.mjs';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const MEM_CALLS = 10_000;
const OURS = process.env.BENCH_BIN ?? BIN;
const PEER = path.join(ROOT, 'node_modules', '@kocierik', 'mcp-nomad-linux-x64', 'bin', 'mcp-nomad');
const INIT = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } };
const GET_JOB = { name: 'get_job', arguments: { job_id: 'web' } };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Why the peer cannot run here, or undefined when it can. */
function peerProblem() {
  if (!existsSync(PEER)) return `${PEER} is not installed (npm dev dependency @kocierik/mcp-nomad-linux-x64)`;
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the peer binary is linux-x64, this is ${process.platform}-${process.arch}`;
  const r = spawnSync(PEER, ['-h'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return `the peer binary does not run: ${r.error.message}`;
  if (!/transport/.test(`${r.stdout}${r.stderr}`)) return 'the peer binary does not print its usage (-transport) with -h';
  return undefined;
}

const node = (name, bin) => ({
  name,
  cmd: process.execPath,
  stdio: [bin, 'serve', '--stdio', '--no-watch'],
  http: (port) => [bin, 'serve', '--http', '--port', String(port), '--no-watch'],
  env: { NOMAD_MCP_LOG_LEVEL: 'warn', NOMAD_MCP_MAX_CALLS_PER_CLIENT: '1000' },
  stderr: 'inherit',
});

const servers = (sim) => {
  const list = [node('nomad-mcp', OURS)];
  // BENCH_BASE=/path/to/bin/run.js: an earlier build measured in the same run (before/after figures)
  if (process.env.BENCH_BASE) list.push(node('nomad-mcp before', process.env.BENCH_BASE));
  const problem = peerProblem();
  if (problem) console.log(`Go peer skipped: ${problem}`);
  else list.push({ name: 'Go peer', cmd: PEER, stdio: ['-transport', 'stdio'], http: (port) => ['-transport', 'streamable-http', '-port', String(port)], env: {}, stderr: 'ignore' }); // it logs every start and stop
  for (const s of list) s.env = { PATH: process.env.PATH ?? '', NOMAD_ADDR: sim.url, ...s.env };
  return list;
};

function rssMb(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
}

/** utime + stime of a process, in clock ticks (1/100 s). */
function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** A JSON-RPC client over a child's stdin/stdout, newline-delimited. */
function stdioRpc(child) {
  const waiting = new Map();
  let nextId = 1;
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const m = JSON.parse(line);
      const w = m.id !== undefined && waiting.get(m.id);
      if (w && (m.result !== undefined || m.error !== undefined)) {
        waiting.delete(m.id);
        if (m.error) w.reject(new Error(JSON.stringify(m.error)));
        else w.resolve(m.result);
      }
    }
  });
  return {
    request(method, params) {
      const id = nextId++;
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    notify(method) {
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`);
    },
  };
}

/** A JSON-RPC client over Streamable HTTP (2025-06-18 session, POST per request; JSON or one SSE event back). */
function httpRpc(url) {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 32 });
  let nextId = 1;
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const post = async (body) => {
    const res = await pool.request({ method: 'POST', path: u.pathname, headers, body: JSON.stringify(body) });
    const text = await res.body.text();
    if (res.headers['mcp-session-id']) headers['mcp-session-id'] = res.headers['mcp-session-id'];
    if (res.statusCode >= 300) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    if (!text) return undefined;
    const json = String(res.headers['content-type']).startsWith('text/event-stream')
      ? text.split('\n').filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5))).find((m) => m.id === body.id)
      : JSON.parse(text);
    if (json?.error) throw new Error(JSON.stringify(json.error));
    return json?.result;
  };
  return {
    request: (method, params) => post({ jsonrpc: '2.0', id: nextId++, method, params }),
    async notify(method) {
      await post({ jsonrpc: '2.0', method });
      headers['mcp-protocol-version'] = INIT.protocolVersion;
    },
    close: () => pool.close(),
  };
}

async function initialize(rpc) {
  await rpc.request('initialize', INIT);
  await rpc.notify('notifications/initialized');
}

async function callOk(rpc, params) {
  const r = await rpc.request('tools/call', params);
  if (r.isError) throw new Error(`${params.name}: ${r.content?.[0]?.text}`);
  return r;
}

/** calls/s of `total` get_job calls with `inflight` at a time. */
async function rate(rpc, total, inflight) {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < total) {
      next++;
      await callOk(rpc, GET_JOB);
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return total / ((performance.now() - t0) / 1000);
}

/** calls/s of `total` sequential get_job calls, and the server's (pid's) CPU µs per call over them. */
async function rateWithCpu(rpc, pid, total) {
  const t0 = cpuTicks(pid);
  const r = await rate(rpc, total, 1);
  return { rate: r, cpuUs: ((cpuTicks(pid) - t0) * 10_000) / total };
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => resolve(c.end() && true)).on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** ms from spawn to the tools/list answer over stdio. */
async function coldStart(s) {
  const t0 = performance.now();
  const child = spawn(s.cmd, s.stdio, { cwd: ROOT, env: s.env, stdio: ['pipe', 'pipe', 'ignore'] });
  const rpc = stdioRpc(child);
  await initialize(rpc);
  await rpc.request('tools/list', {});
  const ms = performance.now() - t0;
  child.kill();
  await new Promise((r) => child.once('exit', r));
  return ms;
}

function bareNode() {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - t0;
}

const sim = await startSimulator({ port: 0, seed: 'demo' });
const list = servers(sim);
const results = new Map(list.map((s) => [s.name, { seq: [], cpu: [], conc: [], http1: [], httpCpu: [], http16: [], cold: [] }]));

// stdio: both servers up side by side, each run measured right after the other's
const conns = [];
for (const s of list) {
  const child = spawn(s.cmd, s.stdio, { cwd: ROOT, env: s.env, stdio: ['pipe', 'pipe', s.stderr] });
  const rpc = stdioRpc(child);
  await initialize(rpc);
  for (let i = 0; i < 300; i++) await callOk(rpc, GET_JOB); // JIT, keep-alive sockets
  const text = async (name, args) => {
    const r = await callOk(rpc, { name, arguments: args });
    return { text: Buffer.byteLength(r.content.map((c) => c.text ?? '').join('')), whole: Buffer.byteLength(JSON.stringify(r)) };
  };
  const answers = { list_jobs: await text('list_jobs', {}), get_job: await text('get_job', { job_id: 'web' }) };
  const listed = await rpc.request('tools/list', {});
  answers.tools = { count: listed.tools.length, bytes: Buffer.byteLength(JSON.stringify(listed.tools)) };
  conns.push({ s, child, rpc, answers, calls: 302 });
}
for (let rep = 0; rep < REPS; rep++) {
  for (const c of conns) {
    const seq = await rateWithCpu(c.rpc, c.child.pid, CALLS);
    results.get(c.s.name).seq.push(seq.rate);
    results.get(c.s.name).cpu.push(seq.cpuUs);
    results.get(c.s.name).conc.push(await rate(c.rpc, CALLS, 16));
    c.calls += 2 * CALLS;
  }
}
for (const c of conns) {
  while (c.calls < MEM_CALLS) {
    await callOk(c.rpc, GET_JOB);
    c.calls++;
  }
  const r = results.get(c.s.name);
  r.rss = rssMb(c.child.pid);
  r.calls = c.calls;
  r.answers = c.answers;
  c.child.kill();
}

// Streamable HTTP: a 2025-06-18 session each
const https = [];
for (const s of list) {
  const port = await freePort();
  const child = spawn(s.cmd, s.http(port), { cwd: ROOT, env: s.env, stdio: ['ignore', 'ignore', 'ignore'] });
  await waitForPort(port, child);
  const rpc = httpRpc(`http://127.0.0.1:${port}/mcp`);
  await initialize(rpc);
  for (let i = 0; i < 300; i++) await callOk(rpc, GET_JOB);
  https.push({ s, child, rpc });
}
for (let rep = 0; rep < REPS; rep++) {
  for (const h of https) {
    const seq = await rateWithCpu(h.rpc, h.child.pid, CALLS);
    results.get(h.s.name).http1.push(seq.rate);
    results.get(h.s.name).httpCpu.push(seq.cpuUs);
    results.get(h.s.name).http16.push(await rate(h.rpc, CALLS, 16));
  }
}
for (const h of https) {
  await h.rpc.close();
  h.child.kill();
}

// cold start, interleaved with bare node
const bare = [];
for (let i = 0; i < Math.max(5, REPS); i++) {
  bare.push(bareNode());
  for (const s of list) results.get(s.name).cold.push(await coldStart(s));
}
await sim.close();

const peer = results.get('Go peer');
const bareMs = median(bare);
const names = list.filter((s) => s.name !== 'Go peer').map((s) => s.name);
const row = (measure, pick, unit, digits = 0) => {
  const p = peer && pick(peer);
  const out = { measure };
  for (const n of names) {
    const o = pick(results.get(n));
    out[n] = `${fmt(o, digits)}${unit}${p === undefined ? '' : ` (${fmt(o / p, 2)}×)`}`;
  }
  out['Go peer'] = p === undefined ? '-' : `${fmt(p, digits)}${unit}`;
  return out;
};
const plain = (measure, pick) => {
  const out = { measure };
  for (const n of names) out[n] = pick(results.get(n));
  out['Go peer'] = peer ? pick(peer) : '-';
  return out;
};
table([
  row('get_job calls/s, sequential, stdio', (r) => median(r.seq), ''),
  row('server CPU µs per get_job call (sequential, stdio)', (r) => median(r.cpu), ' µs'),
  row('get_job calls/s, 16 in flight, stdio', (r) => median(r.conc), ''),
  row('get_job calls/s, sequential, Streamable HTTP', (r) => median(r.http1), ''),
  row('server CPU µs per get_job call (sequential, Streamable HTTP)', (r) => median(r.httpCpu), ' µs'),
  row('get_job calls/s, 16 in flight, Streamable HTTP', (r) => median(r.http16), ''),
  row('cold start: spawn → tools/list answered', (r) => median(r.cold), ' ms'),
  plain('cold start − bare `node -e 0`', (r) => `${fmt(median(r.cold) - bareMs, 0)} ms (bare ${fmt(bareMs, 0)} ms)`),
  row(`RSS after ${results.get('nomad-mcp').calls.toLocaleString('en')} get_job calls (stdio)`, (r) => r.rss, ' MB', 1),
  row('tools/list bytes per tool (the tools array)', (r) => r.answers.tools.bytes / r.answers.tools.count, ' B'),
  plain('tools/list: tools, bytes', (r) => `${r.answers.tools.count} tools, ${r.answers.tools.bytes.toLocaleString('en')} B`),
  row('list_jobs answer: text bytes', (r) => r.answers.list_jobs.text, ' B'),
  row('list_jobs answer: whole result bytes', (r) => r.answers.list_jobs.whole, ' B'),
  row('get_job answer: text bytes', (r) => r.answers.get_job.text, ' B'),
  row('get_job answer: whole result bytes', (r) => r.answers.get_job.whole, ' B'),
]);
console.log(`(median of ${REPS} runs of ${CALLS} calls each, the servers taking turns; cold start median of ${Math.max(5, REPS)}; (n×) = ÷ the Go peer's figure)`);
