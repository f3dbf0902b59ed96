#!/usr/bin/env node
// The last 200 lines of a 1 GiB log: bytes Nomad sent, and time, through get_allocation_logs over stdio.
import { startSimulator } from '../dist/sim/index.js';
import { fmt, stdioClient, table } from './lib.mjs';

const sim = await startSimulator({ port: 0, seed: 'demo' });
const allocs = await (await fetch(`${sim.url}/v1/job/web/allocations`)).json();
const alloc = allocs[0].ID;
sim.setLogSize(alloc, 'server', 'stdout', 1024 ** 3);
const client = await stdioClient({ NOMAD_ADDR: sim.url }, ['--no-watch']);
const rows = [];
for (const lines of [200, 2000]) {
  const before = sim.logBytesSent();
  const t = performance.now();
  const r = await client.callTool({ name: 'get_allocation_logs', arguments: { alloc_id: alloc, task: 'server', lines } });
  const ms = performance.now() - t;
  if (r.isError) throw new Error(r.content[0].text);
  rows.push({ log: '1 GiB', lines, 'bytes read from Nomad': sim.logBytesSent() - before, 'answer bytes': r.content[0].text.length, ms: fmt(ms, 1), target: lines === 200 ? '≤ 256 KiB read' : '' });
}
table(rows);
await client.close();
await sim.close();
