#!/usr/bin/env node
// list_jobs over HTTP with 1, 16 and 100 concurrent clients against the simulator, for each protocol path
// on the one port: 2026-07-28 stateless (v2 client), 2025 sessions (v1 client) and legacy SSE; calls/s,
// p50/p99, the server's CPU per call and RSS. Then list_jobs latency of one client while another holds
// 40 follow_job_logs streams open (more than the 32 connections of the short-call pool).
// BENCH_BIN=/path/to/bin/run.js measures another build (a 2026 client against a server that cannot speak
// it shows "-"); BENCH_PATHS=2026,2025,sse picks the paths.
import { Client as ModernClient, StreamableHTTPClientTransport as ModernHttp } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startSimulator } from '../dist/sim/index.js';
import { BIN, ROOT, fmt, percentile, table } from './lib.mjs';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const FOLLOWS = 40;
const sim = await startSimulator({ port: 0, seed: 'demo' });
const PATHS = (process.env.BENCH_PATHS ?? '2026,2025,sse').split(',');
// one bearer token per client: each client is its own identity, as real clients are (the per-identity caps
// on sessions and SSE streams then apply per client, not to the whole bench)
const TOKENS = Array.from({ length: 102 }, (_, i) => `bench-client-token-${String(i).padStart(4, '0')}-abcdef`);
let issued = 0;
const nextToken = () => TOKENS[issued++ % TOKENS.length];
const srv = spawn(process.execPath, [process.env.BENCH_BIN ?? BIN, 'serve', '--sse', '--port', '0', '--no-watch'], {
  cwd: ROOT,
  env: {
    PATH: process.env.PATH,
    NOMAD_ADDR: sim.url,
    NOMAD_MCP_LOG_LEVEL: 'warn',
    NOMAD_MCP_AUTH_TOKENS: TOKENS.join(','),
    // without auth every bench client is one client (one address) to the concurrency caps: raise them,
    // so that 100 clients measure throughput and one client can hold 40 streams
    NOMAD_MCP_MAX_CALLS_PER_CLIENT: '1000',
    NOMAD_MCP_MAX_STREAMS_PER_CLIENT: String(FOLLOWS),
    NOMAD_MCP_MAX_STREAMS: String(FOLLOWS),
  },
  stdio: ['ignore', 'ignore', 'pipe'],
});
const url = await new Promise((resolve) => {
  let err = '';
  srv.stderr.on('data', (d) => {
    err += d;
    const m = /listening on (\S+)/.exec(err);
    if (m) resolve(m[1]);
  });
});
const cpuTicks = () => {
  const f = readFileSync(`/proc/${srv.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100/s)
};
const rssMb = () => {
  const status = readFileSync(`/proc/${srv.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
};

/** A connected client of one protocol path. */
async function connectAs(path) {
  const headers = { authorization: `Bearer ${nextToken()}` };
  if (path === '2026') {
    const c = new ModernClient({ name: 'bench', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await c.connect(new ModernHttp(new URL(`${url}/mcp`), { requestInit: { headers } }));
    return c;
  }
  const c = new Client({ name: 'bench', version: '1' });
  await c.connect(
    path === 'sse'
      ? new SSEClientTransport(new URL(`${url}/mcp/sse`), {
          requestInit: { headers },
          eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...init?.headers, ...headers } }) },
        })
      : new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }),
  );
  return c;
}

const PATH_NAMES = { 2026: '2026-07-28 stateless', 2025: '2025 session', sse: 'legacy SSE' };

async function run(path, clients) {
  const settled = await Promise.allSettled(Array.from({ length: clients }, () => connectAs(path)));
  const cs = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  try {
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (const c of cs) await c.callTool({ name: 'list_jobs', arguments: {} });
  } catch (err) {
    await Promise.all(cs.map((c) => c.close().catch(() => {})));
    return { path: PATH_NAMES[path], clients, calls: 0, 'p50 ms': '-', 'p99 ms': '-', 'calls/s': '-', 'server CPU': '-', 'CPU ms/call': '-', 'server RSS MB': '-', note: String(err.message).slice(0, 40) };
  }
  const lat = [];
  let next = 0;
  // warm-up done; measure
  const cpu0 = cpuTicks();
  const t0 = performance.now();
  const failed = await Promise.all(
    cs.map(async (c) => {
      while (next < CALLS) {
        next++;
        const s = performance.now();
        const r = await c.callTool({ name: 'list_jobs', arguments: {} });
        if (r.isError) throw new Error(r.content[0].text);
        lat.push(performance.now() - s);
      }
    }),
  ).then(() => undefined, (err) => err);
  if (failed) {
    await Promise.all(cs.map((c) => c.close().catch(() => {})));
    return { path: PATH_NAMES[path], clients, calls: lat.length, 'p50 ms': '-', 'p99 ms': '-', 'calls/s': '-', 'server CPU': '-', 'CPU ms/call': '-', 'server RSS MB': '-', note: `failed after ${lat.length} calls: ${String(failed.message).slice(0, 60)}` };
  }
  const secs = (performance.now() - t0) / 1000;
  const serverCpu = (cpuTicks() - cpu0) / 100 / secs;
  lat.sort((a, b) => a - b);
  const rss = rssMb();
  await Promise.all(cs.map((c) => c.close()));
  const cpuMsPerCall = (serverCpu * secs * 1000) / CALLS;
  return {
    path: PATH_NAMES[path],
    clients,
    calls: CALLS,
    'p50 ms': fmt(percentile(lat, 50), 3),
    'p99 ms': fmt(percentile(lat, 99), 3),
    'calls/s': fmt(CALLS / secs, 0),
    'server CPU': `${fmt(serverCpu * 100, 0)}%`,
    'CPU ms/call': fmt(cpuMsPerCall, 3),
    'server RSS MB': fmt(rss, 1),
    note: '',
  };
}

/** list_jobs of one client while another follows FOLLOWS logs: the first call after they opened, then p50/p99. */
async function withFollows(calls = 50) {
  const connect = () => connectAs('2025');
  const [a, b] = [await connect(), await connect()];
  const aborts = Array.from({ length: FOLLOWS }, () => new AbortController());
  const follows = aborts.map((abort) =>
    a.callTool({ name: 'follow_job_logs', arguments: { job_id: 'web', seconds: 10 } }, undefined, { signal: abort.signal }).catch(() => {}),
  );
  while (sim.openStreams() < Math.min(FOLLOWS, 32)) await new Promise((r) => setTimeout(r, 10));
  const open = sim.openStreams();
  const lat = [];
  for (let i = 0; i < calls; i++) {
    const s = performance.now();
    const r = await b.callTool({ name: 'list_jobs', arguments: {} });
    if (r.isError) throw new Error(r.content[0].text);
    lat.push(performance.now() - s);
  }
  const first = lat[0];
  for (const abort of aborts) abort.abort();
  await Promise.all(follows);
  await Promise.all([a.close(), b.close()]);
  lat.sort((x, y) => x - y);
  return { 'streams open': open, calls, 'first call ms': fmt(first, 1), 'p50 ms': fmt(percentile(lat, 50), 2), 'p99 ms': fmt(percentile(lat, 99), 2) };
}

const rows = [];
for (const path of PATHS) for (const n of [1, 16, 100]) rows.push(await run(path, n));
table(rows);
console.log(`\nlist_jobs of one client while another follows ${FOLLOWS} logs`);
table([await withFollows()]);
srv.kill('SIGTERM');
await sim.close();
