#!/usr/bin/env node
// Tool-call overhead: list_jobs through `serve --stdio` vs a direct undici GET of /v1/jobs,
// both against the same in-process simulator, with the server's CPU per call (utime + stime of the child,
// all its threads) and its RSS at the end. Run `npm run build` first.
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { startSimulator } from '../dist/sim/index.js';
import { fmt, measure, stdioClient, table } from './lib.mjs';

const N = Number(process.env.BENCH_CALLS ?? 2000);
const sim = await startSimulator({ port: 0, seed: 'demo' });
const pool = new Pool(sim.url, { connections: 32 });
const direct = async () => {
  const res = await pool.request({ method: 'GET', path: '/v1/jobs?namespace=default' });
  await res.body.json();
};
const client = await stdioClient({ NOMAD_ADDR: sim.url });
const pid = client.transport.pid;
/** utime + stime of the server, in clock ticks (1/100 s). */
const cpuTicks = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const viaMcp = async () => {
  const r = await client.callTool({ name: 'list_jobs', arguments: {} });
  if (r.isError) throw new Error(r.content[0].text);
};

// warm up both paths (JIT, keep-alive sockets)
for (let i = 0; i < 200; i++) {
  await direct();
  await viaMcp();
}

const rows = [];
for (const conc of [1, 16]) {
  const d = await measure(direct, N, conc);
  const t0 = cpuTicks();
  const m = await measure(viaMcp, N, conc);
  const cpu = ((cpuTicks() - t0) * 10_000) / N;
  rows.push({ path: 'direct GET /v1/jobs', inflight: conc, calls: N, 'p50 ms': fmt(d.p50, 3), 'p99 ms': fmt(d.p99, 3), 'calls/s': fmt(d.rate, 0), 'added p50 ms': '', 'server CPU µs/call': '' });
  rows.push({ path: 'MCP stdio list_jobs', inflight: conc, calls: N, 'p50 ms': fmt(m.p50, 3), 'p99 ms': fmt(m.p99, 3), 'calls/s': fmt(m.rate, 0), 'added p50 ms': fmt(m.p50 - d.p50, 3), 'server CPU µs/call': fmt(cpu, 0) });
}
table(rows);
console.log(`server RSS after ${2 * N + 200} list_jobs calls: ${fmt(rssMb(), 1)} MB`);
await client.close();
await pool.close();
await sim.close();
